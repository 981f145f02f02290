"""Entity suggestions from a spaCy pipeline, document by document, chunk by chunk.

:func:`suggest_entities` is a generator so that a background worker can report progress
after each result and stop between two of them; the GUI and the CLI drive the same code.
Offsets are Python code points in the document's text, end exclusive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, Protocol

from annotator.core.model import (
    Annotation,
    AnnotationId,
    AnnotationKind,
    AnnotationStatus,
    AnnotatorId,
    DocumentId,
    new_id,
)
from annotator.core.spans import make_selector
from annotator.nlp.chunks import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CHUNK_CHARS,
    DocKey,
    pipe_chunks,
)

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A span a model proposes: where, which label, the quoted text, a score if it has one."""

    start: int
    end: int
    label: str
    quote: str
    score: float | None = None

    @property
    def key(self) -> tuple[int, int, str]:
        """What identifies a suggestion across runs (and a rejection of it)."""
        return (self.start, self.end, self.label)


class EntityResult(NamedTuple, Generic[DocKey]):
    """The suggestions for one document, or for one chunk of a long one.

    A short document gives one result with ``complete=True``. A long document gives one
    result per chunk (all with the same ``doc_id``, in text order); only the last is
    ``complete``. ``chars_done / chars_total`` is the progress within the document.
    """

    doc_id: DocKey
    suggestions: list[Suggestion]
    complete: bool = True
    chars_done: int = 0
    chars_total: int = 0
    #: With a text classifier in the pipeline, on the ``complete`` result: the document's
    #: labels and their probability (chunks averaged by length): the best one for an
    #: exclusive ``textcat``, every one from 0.5 for ``textcat_multilabel``.
    categories: tuple[tuple[str, float], ...] = ()


def suggest_entities(
    texts: Iterable[tuple[DocKey, str]],
    nlp: Language,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    chunk_chars: int = DEFAULT_CHUNK_CHARS,
    scores: bool | None = None,
    n_process: int = 1,
) -> Iterator[EntityResult[DocKey]]:
    """Yield the entities ``nlp`` finds in each ``(doc_id, text)``, as they are found.

    Texts go through ``nlp.pipe(..., as_tuples=True, batch_size=batch_size)``; texts longer
    than ``chunk_chars`` (or the pipeline's ``max_length``) are cut after paragraph breaks
    (see :func:`annotator.nlp.chunks.split_into_chunks`) and yield one result per chunk with
    absolute offsets. Load ``nlp`` with ``load_pipeline(..., purpose="entities")`` so that
    components entities do not need are disabled.

    Spans from a ``spancat`` component come with its score; ``ner`` entities get the
    model's confidence (0–1) when ``scores`` is true (None: for a project-trained model,
    see :func:`wants_scores`), else ``score`` None. With scores, spans the beam holds with
    at least :data:`UNSURE_FROM` that the best parse left out are suggested too.

    ``n_process`` > 1 (see :func:`annotator.nlp.chunks.processes_for`) runs a stock
    recogniser in worker processes; with scores, spancat or document labels it runs here.
    """
    found_in = _span_reader(nlp, scores)
    classifiers = document_classifiers(nlp)
    spancat = any(
        nlp.get_pipe_meta(name).factory in ("spancat", "spancat_singlelabel")
        for name in nlp.pipe_names
    )
    scored = wants_scores(nlp) if scores is None else scores
    if n_process > 1 and (classifiers or spancat or scored):
        n_process = 1  # scores and categories are read from the pipeline's own state
    totals: dict[Any, dict[str, float]] = {}
    for chunk in pipe_chunks(
        texts, nlp, batch_size=batch_size, chunk_chars=chunk_chars, n_process=n_process
    ):
        offset = chunk.offset
        categories: tuple[tuple[str, float], ...] = ()
        if classifiers:
            weights = totals.setdefault(chunk.doc_id, {})
            length = len(chunk.doc.text)
            for label, value in chunk.doc.cats.items():
                weights[label] = weights.get(label, 0.0) + value * length
            weights[""] = weights.get("", 0.0) + length
            if chunk.complete:
                categories = _document_labels(totals.pop(chunk.doc_id), classifiers)
        suggestions = [
            Suggestion(
                start=offset + start,
                end=offset + end,
                label=label,
                quote=quote,
                score=score,
            )
            for start, end, label, quote, score in found_in(chunk.doc)
        ]
        yield EntityResult(
            chunk.doc_id, suggestions, chunk.complete, chunk.chars_done, chunk.chars_total,
            categories,
        )  # fmt: skip


def document_classifiers(nlp: Language) -> dict[str, bool]:
    """The enabled text classifiers' labels: ``label: exclusive``."""
    found: dict[str, bool] = {}
    for name in nlp.pipe_names:
        factory = nlp.get_pipe_meta(name).factory
        if factory in ("textcat", "textcat_multilabel"):
            for label in nlp.get_pipe(name).labels:
                found[label] = factory == "textcat"
    return found


def _document_labels(
    weights: dict[str, float], classifiers: dict[str, bool]
) -> tuple[tuple[str, float], ...]:
    length = weights.pop("", 0.0) or 1.0
    means = {label: weights.get(label, 0.0) / length for label in classifiers}
    exclusive = {label: p for label, p in means.items() if classifiers[label]}
    chosen = [max(exclusive.items(), key=lambda item: item[1])] if exclusive else []
    chosen += [(label, p) for label, p in means.items() if not classifiers[label] and p >= 0.5]
    return tuple(chosen)


#: Parses kept per sentence when an entity recogniser's confidence is asked for: the
#: probability of an entity is the share of the beam's parses that contain it.
BEAM_WIDTH = 16
#: A span in at least this share of the beam's parses is suggested even when the best parse
#: leaves it out: the reviewer's decision on it is what teaches a retrained model most.
UNSURE_FROM = 0.2
_Found = tuple[int, int, str, str, float | None]


def wants_scores(nlp: Language) -> bool:
    """Whether confidence is worth its cost for this pipeline by default: for a model
    trained on the project (its suggestions are reviewed least certain first), not for a
    stock pipeline (a second, beam parse per chunk)."""
    return "annotator" in nlp.meta


def _span_reader(nlp: Language, scores: bool | None) -> Callable[[Doc], list[_Found]]:
    """How to read a processed doc's suggestions, with the model's confidence when it has
    one: ``spancat`` keeps a score per span; ``ner`` gets one from a beam parse
    (``EntityRecognizer.scored_ents``), only when ``scores`` (None: :func:`wants_scores`)."""
    spancats = [
        nlp.get_pipe(name)
        for name in nlp.pipe_names
        if nlp.get_pipe_meta(name).factory in ("spancat", "spancat_singlelabel")
    ]
    recognisers = [
        nlp.get_pipe(name)
        for name in nlp.pipe_names
        if nlp.get_pipe_meta(name).factory in ("ner", "beam_ner")
    ]
    if scores is None:
        scores = wants_scores(nlp)

    def read(doc: Doc) -> list[_Found]:
        found: list[_Found] = []
        seen: set[tuple[int, int, str]] = set()
        for spancat in spancats:
            group = doc.spans.get(spancat.key) if spancat.key in doc.spans else None
            if group is None:
                continue
            values = group.attrs.get("scores")
            for index, span in enumerate(group):
                score = float(values[index]) if values is not None and index < len(values) else None
                found.append((span.start_char, span.end_char, span.label_, span.text, score))
                seen.add((span.start_char, span.end_char, span.label_))
        entity_scores: dict[tuple[int, int, str], float] = {}
        if scores and recognisers and len(doc):
            for recogniser in recognisers:
                beams = recogniser.beam_parse([doc], beam_width=BEAM_WIDTH)
                for key, value in recogniser.scored_ents(beams)[0].items():
                    entity_scores[key] = max(entity_scores.get(key, 0.0), float(value))
        taken: set[int] = set()
        for ent in doc.ents:
            taken.update(range(ent.start, ent.end))
            if (ent.start_char, ent.end_char, ent.label_) in seen:
                continue
            score = entity_scores.get((ent.start, ent.end, ent.label_)) if scores else None
            found.append((ent.start_char, ent.end_char, ent.label_, ent.text, score))
        # What the model is unsure of: entities in enough of the beam's parses that the
        # best parse left out (Prodigy's ner.teach asks about these), most likely first.
        for (start, end, label), score in sorted(entity_scores.items(), key=lambda x: -x[1]):
            if score < UNSURE_FROM or taken.intersection(range(start, end)):
                continue
            taken.update(range(start, end))
            span = doc[start:end]
            found.append((span.start_char, span.end_char, label, span.text, score))
        return found

    return read


class _LabelledSpan(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def label(self) -> str | None: ...


RejectedSpan = tuple[int, int, str] | _LabelledSpan


def filter_rejected(
    suggestions: Iterable[Suggestion], rejected_spans: Iterable[RejectedSpan]
) -> list[Suggestion]:
    """The suggestions the annotator has not already turned down.

    ``rejected_spans`` holds ``(start, end, label)`` tuples or objects with ``start``,
    ``end`` and ``label`` (such as rejected :class:`Annotation` records). A suggestion is
    dropped when the same span got the same label rejected; a different label on that span
    is still suggested.
    """
    rejected = {_span_key(span) for span in rejected_spans}
    return [suggestion for suggestion in suggestions if suggestion.key not in rejected]


def _span_key(span: Any) -> tuple[int, int, str | None]:
    if isinstance(span, tuple):
        start, end, label = span
        return (start, end, label)
    return (span.start, span.end, span.label)


def to_annotation(
    suggestion: Suggestion,
    *,
    text: str,
    document_id: DocumentId,
    annotator_id: AnnotatorId,
    source: str,
    kind: AnnotationKind = AnnotationKind.ENTITY,
) -> Annotation:
    """A suggested :class:`Annotation` for ``suggestion`` in ``text``, with its quote selector.

    ``source`` is the model's ``name@version`` (:func:`annotator.nlp.models.model_source`).
    Accepting it is the service's business (``dataclasses.replace(status=ACCEPTED)``).
    """
    selector = make_selector(text, suggestion.start, suggestion.end)
    return Annotation(
        id=AnnotationId(new_id()),
        document_id=document_id,
        annotator_id=annotator_id,
        kind=kind,
        start=suggestion.start,
        end=suggestion.end,
        quote=selector.exact,
        prefix=selector.prefix,
        suffix=selector.suffix,
        label=suggestion.label,
        source=source,
        status=AnnotationStatus.SUGGESTED,
        score=suggestion.score,
    )
