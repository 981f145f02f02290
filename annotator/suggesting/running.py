"""Running a model over documents and storing what it proposes as suggestions.

:func:`run_suggestions` runs a spaCy pipeline (entities, or sentence/document sentiment) and
stores its proposals as *suggested* annotations, one transaction per document, so a
cancelled run keeps the documents it finished. Re-running replaces that annotator's pending
suggestions from the same model, never brings back what they rejected and never proposes a
span they already labelled.

Threading: a background worker passes the project's *path*, and the run opens its own
connection on that thread. Its writes do not reach the GUI's ``Project.events``: call
:func:`announce_suggestions` on the GUI thread for each finished document.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from annotator.core.errors import AnnotatorError, NotFoundError, ProjectError
from annotator.core.model import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    AnnotatorId,
    DocumentId,
    utc_now,
)
from annotator.nlp.chunks import DEFAULT_BATCH_SIZE, DEFAULT_CHUNK_CHARS
from annotator.project import Project
from annotator.suggesting.review import annotator_id_for, suggestion_key

if TYPE_CHECKING:
    from spacy.language import Language

    from annotator.nlp.sentiment import DocumentSentiment, SentenceSentiment, SentimentConfig


SuggestionKind = Literal["entities", "sentiment"]
SUGGESTION_KINDS: tuple[SuggestionKind, ...] = ("entities", "sentiment")

ProgressCallback = Callable[[int, int], None]
"""Called with ``(done_chars, total_chars)`` over the whole run, on the running thread."""

CancelCheck = Callable[[], bool]
"""Polled between two chunks (about a second of work apart); True stops the run."""

TakeDocument = Callable[[], "int | None"]
"""When several processes share one run's documents: the index (into ``document_ids``) of
the next document this process runs, None when none is left for it."""
_REVIEWED_OR_PENDING = (
    AnnotationStatus.SUGGESTED,
    AnnotationStatus.ACCEPTED,
    AnnotationStatus.REJECTED,
)


# --------------------------------------------------------------------------------------------
# Running a model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentOutcome:
    """What a run did to one document (reported as soon as the document is stored)."""

    document_id: DocumentId
    added: int  # new suggestions (or, with ``accept``, new accepted annotations)
    kept: int  # pending suggestions the model made again, left as they were
    removed: int  # pending suggestions from this model that it no longer makes
    skipped: int  # not proposed: rejected before, or already labelled by the annotator
    accepted: int = 0  # written as accepted (``accept=True``): added + kept
    #: Characters of the document the model read: all of it, unless the run was cancelled
    #: inside it (then what it found in the part read is stored, nothing after it changes).
    covered: int | None = None

    @property
    def complete(self) -> bool:
        return self.covered is None

    @property
    def suggestions(self) -> int:
        """What the model proposes for the document now (new plus kept)."""
        return self.added + self.kept


@dataclass(frozen=True, slots=True)
class SuggestionRunReport:
    """The result of :func:`run_suggestions`."""

    kind: SuggestionKind
    source: str  # the model's "name@version", as recorded on each suggestion
    requested: int  # documents asked for
    outcomes: tuple[DocumentOutcome, ...] = ()  # documents finished and stored, in order
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def documents(self) -> int:
        return len(self.outcomes)

    @property
    def document_ids(self) -> list[DocumentId]:
        return [o.document_id for o in self.outcomes]

    @property
    def suggestions(self) -> int:
        return sum(o.suggestions for o in self.outcomes)

    @property
    def added(self) -> int:
        return sum(o.added for o in self.outcomes)

    @property
    def skipped(self) -> int:
        return sum(o.skipped for o in self.outcomes)

    @property
    def removed(self) -> int:
        return sum(o.removed for o in self.outcomes)

    @property
    def accepted(self) -> int:
        return sum(o.accepted for o in self.outcomes)

    def summary(self) -> str:
        """One or two lines for the status bar or the command line."""
        what = "sentiment suggestions" if self.kind == "sentiment" else "entity suggestions"
        done = f"{self.documents} of {self.requested}" if self.cancelled else f"{self.documents}"
        text = (
            f"{self.suggestions} {what} in {done} document{'s' * (self.documents != 1)} "
            f"from {self.source}; accepted {self.accepted}"
        )
        details = []
        if self.skipped:
            details.append(f"{self.skipped} not brought back (rejected or already labelled)")
        if self.removed:
            details.append(f"{self.removed} earlier suggestions withdrawn")
        if details:
            text += f" ({'; '.join(details)})"
        if self.cancelled:
            partial = [o for o in self.outcomes if not o.complete]
            text += ". Cancelled: what was read is saved"
            if partial:
                text += f" (the last document up to character {partial[-1].covered:,})"
        return text + "."


@dataclass(frozen=True, slots=True)
class _Candidate:
    kind: AnnotationKind
    start: int
    end: int
    label: str
    score: float | None = None
    note: str = ""

    @property
    def key(self) -> tuple[AnnotationKind, int, int, str | None]:
        return (self.kind, self.start, self.end, self.label)


def run_suggestions(
    project: Project | str | os.PathLike[str],
    document_ids: Sequence[str] | None = None,
    *,
    kind: SuggestionKind = "entities",
    model: str | Path | Language | None = None,
    annotator: str | None = None,
    accept: bool = False,
    sentiment_config: SentimentConfig | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_document: Callable[[DocumentOutcome], None] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    chunk_chars: int = DEFAULT_CHUNK_CHARS,
    processes: int | None = 1,
    take: TakeDocument | None = None,
) -> SuggestionRunReport:
    """Run a spaCy pipeline over documents and store its suggestions.

    ``project`` is an open project (same thread) or the path of one: with a path, the
    function opens its own connection and closes it at the end — what a worker thread does.
    ``document_ids`` default to every document. ``model`` is a pipeline package name, a model
    folder or a loaded ``Language`` (default: :func:`annotator.nlp.default_model_name`); a
    missing model raises :class:`~annotator.nlp.ModelNotFound` before anything is read.

    - ``kind="entities"``: one ``entity`` suggestion per entity, labelled with its type.
    - ``kind="sentiment"``: one ``sentiment`` suggestion per sentence (label, compound score,
      and the words that drove it in the note) and one ``doc_label`` suggestion with the
      document's label (see :mod:`annotator.nlp.sentiment`), with the project's label names
      and cut points (:meth:`Project.sentiment_config`) unless ``sentiment_config`` is given.

    Each document is written in one transaction once the model has finished it: its pending
    suggestions of that kind from the same model are replaced (ones the model makes again
    are kept as they are, with their ids); rejected ones and spans the annotator already
    labelled are left out. With ``accept=True`` they are written as the annotator's
    accepted annotations instead (the command line's ``--accept``).

    ``progress(done_chars, total_chars)`` is called after each chunk and ``cancel()`` polled
    there; after a cancel the documents already finished stay stored, so does what the model
    found in the part of the current document it read (``DocumentOutcome.covered``), and the
    report says ``cancelled``. ``on_document(outcome)`` is called after each document is
    committed.

    ``processes``: how many processes run the entity recogniser (None: two on a machine with
    two cores or more, when there are several documents and enough text, see
    :func:`annotator.nlp.chunks.processes_for`). The command line lets it choose; the window
    keeps one per suggestion process and shares the documents between two such processes
    instead (``take``, see :mod:`annotator.suggest_process`), so that stopping them stops all
    their work.

    ``take``: this process runs only the documents ``take()`` hands it (indexes into
    ``document_ids``, asked for as the pipeline needs the next text), so that two processes
    can share one run document by document. Progress still counts against all the
    documents' characters, with this process's share done; the report's outcomes are this
    process's documents.
    """
    if kind not in SUGGESTION_KINDS:
        raise AnnotatorError(
            f"unknown suggestion kind '{kind}' (use one of {', '.join(SUGGESTION_KINDS)})"
        )
    # Load the model first: a missing model is reported before the project is touched.
    if isinstance(model, str):
        from annotator.nlp.models import resolve_model

        project_path = project.path if isinstance(project, Project) else Path(project)
        model = resolve_model(model, project_path)
    nlp, source = _pipeline_for(kind, model)
    run = functools.partial(
        _run, document_ids=document_ids, kind=kind, nlp=nlp, source=source,
        annotator=annotator, accept=accept, sentiment_config=sentiment_config,
        progress=progress, cancel=cancel, on_document=on_document, batch_size=batch_size,
        chunk_chars=chunk_chars, processes=processes, take=take,
    )  # fmt: skip
    if isinstance(project, Project):
        return run(project)
    with Project(existing_project_file(project)) as opened:
        return run(opened)


def existing_project_file(path: str | os.PathLike[str]) -> Path:
    """``path``, checked: opening a project that is not there would create an empty one,
    which is never what a run in the background means."""
    path = Path(path)
    if not path.is_file():
        raise ProjectError(f"'{path}' does not exist: open or create the project first")
    return path


def _pipeline_for(
    kind: SuggestionKind, model: str | Path | Language | None
) -> tuple[Language, str]:
    from annotator.nlp.spacy_library import import_spacy

    import_spacy()  # before its submodules: see annotator.nlp.spacy_library
    from spacy.language import Language

    from annotator.nlp.models import load_pipeline, model_source

    with _collector_paused():
        if kind == "entities":
            nlp = model if isinstance(model, Language) else load_pipeline(model, purpose="entities")
            source = model_source(nlp)
        else:
            from annotator.nlp.sentiment import add_sentiment, sentiment_pipeline

            nlp = add_sentiment(model) if isinstance(model, Language) else sentiment_pipeline(model)
            source = sentiment_source()
    _freeze_after_loading(nlp)
    return nlp, source


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while a pipeline loads: loading creates objects by the hundred
    thousand, and each full collection it triggers holds the GIL (and so the window) for
    up to ~150 ms. Nothing loaded is garbage; reference counting still frees the rest."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_frozen_pipelines: set[int] = set()


def _freeze_after_loading(nlp: Language) -> None:
    """Keep the garbage collector from walking a pipeline's objects again and again.

    A loaded pipeline (vocabulary, lexicons, weights) is hundreds of thousands of objects
    that live as long as the app. Each full collection walks them all while holding the
    GIL, which froze the window's thread for up to 300 ms at a time while asent ran in a
    worker (bench/bench_suggest_stall.py). ``gc.freeze()`` moves the objects alive now out
    of the collector's sight; they are still freed by reference counting.
    """
    if id(nlp) not in _frozen_pipelines:
        _frozen_pipelines.add(id(nlp))
        gc.freeze()


def sentiment_source() -> str:
    """What sentiment suggestions record as their source: the asent lexicon that scored them
    (the spaCy model only splits sentences)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"asent@{version('asent')}"
    except PackageNotFoundError:  # pragma: no cover - asent is a dependency
        return "asent@unknown"


def _run(
    project: Project,
    *,
    document_ids: Sequence[str] | None,
    kind: SuggestionKind,
    nlp: Language,
    source: str,
    annotator: str | None,
    accept: bool,
    sentiment_config: SentimentConfig | None,
    progress: ProgressCallback | None,
    cancel: CancelCheck | None,
    on_document: Callable[[DocumentOutcome], None] | None,
    batch_size: int,
    chunk_chars: int,
    processes: int | None,
    take: TakeDocument | None = None,
) -> SuggestionRunReport:
    began = time.perf_counter()
    if document_ids is None:
        ids = [d.id for d in project.document_headers()]
    else:
        ids = list(dict.fromkeys(DocumentId(i) for i in document_ids))
    lengths = project.document_text_lengths(ids)
    unknown = [i for i in ids if i not in lengths]
    if unknown:  # fail before the model runs, not halfway through the corpus
        raise NotFoundError(f"there is no document with id '{unknown[0]}' in this project")
    annotator_id = annotator_id_for(project, annotator)
    total = sum(lengths.values())
    texts: dict[DocumentId, str] = {}
    # With ``take``, the documents another process has not taken first, one at a time.
    mine: Iterable[DocumentId] = ids if take is None else (ids[i] for i in iter(take, None))

    def stream() -> Iterator[tuple[DocumentId, str]]:
        # Read lazily: the pipeline pulls a document only when its batch needs it.
        from annotator.core.model import DocumentKind
        from annotator.nlp.markup import mask_markdown

        for document_id in mine:
            document = project.document(document_id)
            texts[document_id] = document.text
            # The model reads Markdown without its syntax; offsets stay those of the source.
            if document.kind == DocumentKind.MARKDOWN:
                yield document_id, mask_markdown(document.text)
            else:
                yield document_id, document.text

    if kind == "sentiment" and sentiment_config is None:
        sentiment_config = project.sentiment_config()
    kinds = _kinds_of(kind)
    label_filter = _sentiment_labels(sentiment_config) if kind == "sentiment" else None
    if kind == "entities":
        from annotator.nlp.suggest import document_classifiers

        classified = frozenset(document_classifiers(nlp))
        if classified:  # a model trained on document labels suggests them too
            kinds, label_filter = kinds | {AnnotationKind.DOC_LABEL}, classified
    outcomes: list[DocumentOutcome] = []
    finished_chars = 0
    cancelled = False
    candidates: list[_Candidate] = []
    reading: tuple[DocumentId, int] | None = None  # the document in progress, chars read
    if take is not None:
        processes = 1  # the other process sharing the documents is the second core
    elif processes is None:
        from annotator.nlp.chunks import processes_for

        processes = processes_for(len(ids), total)
    for document_id, found, complete, chars_done, document in _model_results(
        kind, stream(), nlp, sentiment_config, batch_size, chunk_chars, processes
    ):
        text = texts[document_id]
        found = _trimmed(found, text)
        if kind == "entities":
            from annotator.nlp.markup import has_words

            found = [
                c
                for c in found
                if c.kind == AnnotationKind.DOC_LABEL or has_words(text[c.start : c.end])
            ]
        candidates.extend(found)
        if complete:
            if document is not None:
                candidates.append(document)
            outcome = _store_document(
                project, document_id, texts.pop(document_id), candidates, kinds, label_filter,
                annotator_id, source, accept,
            )  # fmt: skip
            candidates = []
            reading = None
            outcomes.append(outcome)
            finished_chars += lengths.get(document_id, chars_done)
            if on_document is not None:
                on_document(outcome)
            if progress is not None:
                progress(finished_chars, total)
        else:
            reading = (document_id, chars_done)
            if progress is not None:
                progress(finished_chars + chars_done, total)
        if cancel is not None and cancel():
            # Sharing the run, this process cannot tell whether the other has finished the
            # rest: whoever merges the reports decides (documents done < requested).
            cancelled = take is not None or len(outcomes) < len(ids)
            if reading is not None and reading[0] in texts:
                # Keep what the model found in the part of this document it read.
                partial_id, covered = reading
                outcome = _store_document(
                    project, partial_id, texts.pop(partial_id), candidates, kinds,
                    label_filter, annotator_id, source, accept, covered=covered,
                )  # fmt: skip
                outcomes.append(outcome)
                if on_document is not None:
                    on_document(outcome)
            break
    return SuggestionRunReport(
        kind=kind,
        source=source,
        requested=len(ids),
        outcomes=tuple(outcomes),
        cancelled=cancelled,
        seconds=time.perf_counter() - began,
    )


def _trimmed(found: list[_Candidate], text: str) -> list[_Candidate]:
    """Candidates without whitespace at their edges: the model's spans may end with the line
    break after a name ('Prisma App\\n'), which training tools reject; none is left that is
    only whitespace."""
    from annotator.core.spans import trim_whitespace

    kept = []
    for c in found:
        if c.start >= c.end:  # document-level: nothing to trim
            kept.append(c)
            continue
        span = trim_whitespace(text, c.start, c.end)
        if span is None:
            continue
        kept.append(
            c if span == (c.start, c.end) else dataclasses.replace(c, start=span[0], end=span[1])
        )
    return kept


def _kinds_of(kind: SuggestionKind) -> frozenset[AnnotationKind]:
    if kind == "entities":
        return frozenset({AnnotationKind.ENTITY})
    return frozenset({AnnotationKind.SENTIMENT, AnnotationKind.DOC_LABEL})


def _sentiment_labels(config: SentimentConfig | None) -> frozenset[str]:
    from annotator.nlp.sentiment import DEFAULT_CONFIG

    c = config or DEFAULT_CONFIG
    return frozenset({c.positive_label, c.negative_label, c.neutral_label, c.mixed_label})


_ModelResult = tuple[DocumentId, list[_Candidate], bool, int, _Candidate | None]


def _model_results(
    kind: SuggestionKind,
    texts: Iterable[tuple[DocumentId, str]],
    nlp: Language,
    config: SentimentConfig | None,
    batch_size: int,
    chunk_chars: int,
    processes: int = 1,
) -> Iterator[_ModelResult]:
    """``(document_id, candidates, complete, chars_done, document_candidate)`` per chunk."""
    if kind == "entities":
        from annotator.nlp.suggest import suggest_entities

        for result in suggest_entities(
            texts, nlp, batch_size=batch_size, chunk_chars=chunk_chars, n_process=processes
        ):
            found = [
                _Candidate(AnnotationKind.ENTITY, s.start, s.end, s.label, s.score)
                for s in result.suggestions
            ]
            found += [
                _Candidate(AnnotationKind.DOC_LABEL, 0, 0, label, score)
                for label, score in result.categories
            ]
            yield result.doc_id, found, result.complete, result.chars_done, None
        return
    from annotator.nlp.sentiment import DEFAULT_CONFIG, suggest_sentiment

    for sentiment in suggest_sentiment(
        texts, nlp, config=config or DEFAULT_CONFIG, batch_size=batch_size, chunk_chars=chunk_chars
    ):
        found = [_sentence_candidate(s) for s in sentiment.sentences]
        document = _document_candidate(sentiment.document) if sentiment.document else None
        yield sentiment.doc_id, found, sentiment.complete, sentiment.chars_done, document


def _sentence_candidate(sentence: SentenceSentiment) -> _Candidate:
    return _Candidate(
        AnnotationKind.SENTIMENT,
        sentence.start,
        sentence.end,
        sentence.label,
        sentence.score,
        sentiment_note(sentence),
    )


def sentiment_note(sentence: SentenceSentiment) -> str:
    """The words that drove a sentence's score, with their polarity in context:
    ``"Driven by: good (+1.90), not bad (+0.74)"``; empty when no word carried valence."""
    if not sentence.words:
        return ""
    words = ", ".join(f"{w.text} ({w.polarity:+.2f})" for w in sentence.words)
    return f"Driven by: {words}"


_DRIVER = re.compile(r"(.+?) \(([+-]\d+\.\d+)\)(?:, |$)")


def driving_words(annotation: Annotation) -> list[tuple[int, int, float]]:
    """Where the words that drove a sentiment suggestion are (``start``, ``end``, polarity),
    read back from its note (:func:`sentiment_note`) and found in its passage in order."""
    note = annotation.note
    if annotation.kind != AnnotationKind.SENTIMENT or not note.startswith("Driven by: "):
        return []
    found: list[tuple[int, int, float]] = []
    at = 0
    for match in _DRIVER.finditer(note, len("Driven by: ")):
        word, polarity = match.group(1), float(match.group(2))
        index = annotation.quote.find(word, at)
        if index < 0:
            index = annotation.quote.find(word)  # listed out of order
        if index < 0:
            continue
        start = annotation.start + index
        found.append((start, start + len(word), polarity))
        at = index + len(word)
    return found


def _document_candidate(document: DocumentSentiment) -> _Candidate:
    count = len(document.sentences)
    note = (
        f"Mean sentence score {document.score:+.2f} over {count} sentence{'s' * (count != 1)}"
        if count
        else "No sentences"
    )
    return _Candidate(AnnotationKind.DOC_LABEL, 0, 0, document.label, document.score, note)


def _store_document(
    project: Project,
    document_id: DocumentId,
    text: str,
    candidates: list[_Candidate],
    kinds: frozenset[AnnotationKind],
    sentiment_labels: frozenset[str] | None,
    annotator_id: AnnotatorId,
    source: str,
    accept: bool,
    covered: int | None = None,
) -> DocumentOutcome:
    """Reconcile one document's candidates with what is stored, in one transaction.

    ``covered``: the model read only ``text[:covered]`` (a cancelled run): pending
    suggestions past it, and the document-level ones, are left alone."""
    from annotator.core.spans import trim_whitespace
    from annotator.nlp.suggest import Suggestion, to_annotation

    existing = [
        a
        for a in project.annotations(
            document_id, annotator_id=annotator_id, statuses=_REVIEWED_OR_PENDING
        )
        if a.kind in kinds
    ]
    rejected = {suggestion_key(a) for a in existing if a.status == AnnotationStatus.REJECTED}
    # A span rejected before suggestions were trimmed stays rejected once trimmed.
    rejected |= {(k, *(trim_whitespace(text, s, e) or (s, e)), label)
                 for k, s, e, label in list(rejected) if s < e}  # fmt: skip
    labelled = {
        _claim(a)
        for a in existing
        if a.status == AnnotationStatus.ACCEPTED
        and (a.kind != AnnotationKind.DOC_LABEL or a.label in (sentiment_labels or ()))
    }
    pending = {suggestion_key(a): a for a in existing if a.status == AnnotationStatus.SUGGESTED}

    wanted: dict[tuple[AnnotationKind, int, int, str | None], _Candidate] = {}
    skipped = 0
    for candidate in candidates:
        if candidate.key in rejected or _claim(candidate) in labelled:
            skipped += 1
        else:
            wanted.setdefault(candidate.key, candidate)

    status = AnnotationStatus.ACCEPTED if accept else AnnotationStatus.SUGGESTED
    now = utc_now()
    added: list[Annotation] = []
    replaced: list[Annotation] = []
    kept = 0
    for key, candidate in wanted.items():
        found = pending.get(key)
        if found is not None:
            kept += 1
            if accept:
                replaced.append(dataclasses.replace(found, status=status, modified=now))
            continue
        annotation = to_annotation(
            Suggestion(candidate.start, candidate.end, candidate.label, "", candidate.score),
            text=text,
            document_id=document_id,
            annotator_id=annotator_id,
            source=source,
            kind=candidate.kind,
        )
        if candidate.note or accept:
            annotation = dataclasses.replace(annotation, note=candidate.note, status=status)
        added.append(annotation)
    withdrawn = [
        a.id
        for k, a in pending.items()
        if k not in wanted
        and _same_model(a.source, source)
        and (covered is None or (a.end <= covered and a.kind != AnnotationKind.DOC_LABEL))
    ]
    project.change_annotations(
        add=added, replace=replaced, delete=withdrawn, action="accept" if accept else "suggest"
    )
    return DocumentOutcome(
        document_id=document_id,
        added=len(added),
        kept=kept,
        removed=len(withdrawn),
        skipped=skipped,
        accepted=(len(added) + kept) if accept else 0,
        covered=covered,
    )


def _same_model(recorded: str, source: str) -> bool:
    """The same model, in this or another version (``name@version``): a retrained or
    upgraded model's suggestions replace its earlier version's pending ones."""
    return recorded.partition("@")[0] == source.partition("@")[0]


def _claim(item: Annotation | _Candidate) -> tuple[AnnotationKind, int, int]:
    """A span the annotator has decided on: any label of the same kind there counts."""
    return (item.kind, item.start, item.end)


def announce_suggestions(project: Project, document_ids: Iterable[str]) -> None:
    """Tell ``project``'s views that suggestions changed in these documents.

    For the GUI thread after a worker (with its own connection) stored them: the worker's
    writes are in the file but the GUI's :class:`Project` did not emit anything.
    """
    project.changed_elsewhere(document_ids)
