"""Model suggestions as a reader works with them: run a model, review, navigate, label.

A service module over :class:`~annotator.project.Project` (no Qt): the GUI, the CLI and
the tests drive these same functions.

- :func:`run_suggestions` runs a spaCy pipeline (entities, or sentence/document sentiment)
  over documents and stores what it proposes as *suggested* annotations, one transaction per
  document, so a cancelled run keeps the documents it finished.
- :func:`accept`, :func:`reject`, :func:`accept_all`, :func:`reject_all` and
  :func:`label_every_occurrence` are each one undoable action: they return an
  :class:`AnnotationChanges` that :func:`undo_changes` and :func:`redo_changes` take back and
  replay (through :meth:`Project.change_annotations`, so undo is one transaction too).
- :func:`next_suggestion` walks the pending suggestions (keys N / P), :func:`snap_selection`
  aligns a manual selection to tokens.

Whose suggestions: a run belongs to the annotator it runs for (the current one unless
named). Re-running replaces that annotator's pending suggestions from the same model, never
brings back what they rejected (same kind, span and label) and never proposes a span they
already labelled. Accepting makes a suggestion the current annotator's annotation (status
accepted, ``source`` still the model's ``name@version``); rejecting keeps it, as rejected,
so that the next run remembers.

Threading: sqlite3 connections belong to the thread that opened them. A background worker
passes the project's *path* to :func:`run_suggestions`, which then opens (and closes) its
own connection on that thread; the project file is in WAL mode, so the GUI keeps reading
and writing meanwhile. The worker's writes do not reach the GUI's ``Project.events``: call
:func:`announce_suggestions` on the GUI thread for each finished document (``on_document``
reports them) so views redraw.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
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

if TYPE_CHECKING:
    from spacy.language import Language

    from annotator.nlp.sentiment import DocumentSentiment, SentenceSentiment, SentimentConfig

SuggestionKind = Literal["entities", "sentiment"]
SUGGESTION_KINDS: tuple[SuggestionKind, ...] = ("entities", "sentiment")

SnapMode = Literal["token", "contract", "character"]

ProgressCallback = Callable[[int, int], None]
"""Called with ``(done_chars, total_chars)`` over the whole run, on the running thread."""

CancelCheck = Callable[[], bool]
"""Polled between two chunks (about a second of work apart); True stops the run."""

_PENDING = (AnnotationStatus.SUGGESTED,)
_REVIEWED_OR_PENDING = (
    AnnotationStatus.SUGGESTED,
    AnnotationStatus.ACCEPTED,
    AnnotationStatus.REJECTED,
)

# --------------------------------------------------------------------------------------------
# Undoable changes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnnotationChanges:
    """What one review action changed: enough to undo it and to redo it.

    ``added`` were inserted (undo deletes them), ``removed`` were soft-deleted (undo restores
    them), ``before``/``after`` are the old and new versions of annotations changed in place
    (undo puts ``before`` back). ``description`` is a short phrase for the Edit menu
    ("Accept 12 suggestions").
    """

    description: str
    added: tuple[Annotation, ...] = ()
    removed: tuple[Annotation, ...] = ()
    before: tuple[Annotation, ...] = ()
    after: tuple[Annotation, ...] = ()

    @property
    def count(self) -> int:
        """How many annotations the action touched."""
        return len(self.added) + len(self.removed) + len(self.after)

    def __bool__(self) -> bool:
        return self.count > 0

    @property
    def document_ids(self) -> list[DocumentId]:
        seen = dict.fromkeys(a.document_id for a in (*self.added, *self.removed, *self.after))
        return list(seen)


def apply_changes(project: Project, changes: AnnotationChanges, *, action: str) -> None:
    """Write ``changes`` (built but not yet stored) as one action."""
    if changes:
        project.change_annotations(
            add=changes.added,
            replace=changes.after,
            delete=[a.id for a in changes.removed],
            action=action,
        )


def undo_changes(project: Project, changes: AnnotationChanges) -> None:
    """Take back an action returned by this module, as one transaction."""
    if changes:
        project.change_annotations(
            replace=changes.before,
            delete=[a.id for a in changes.added],
            restore=[a.id for a in changes.removed],
            action="undo",
        )


def redo_changes(project: Project, changes: AnnotationChanges) -> None:
    """Do again an action taken back with :func:`undo_changes`."""
    if changes:
        project.change_annotations(
            replace=changes.after,
            delete=[a.id for a in changes.removed],
            restore=[a.id for a in changes.added],
            action="redo",
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


def _key(a: Annotation) -> tuple[AnnotationKind, int, int, str | None]:
    return (a.kind, a.start, a.end, a.label)


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
    """
    if kind not in SUGGESTION_KINDS:
        raise AnnotatorError(
            f"unknown suggestion kind '{kind}' (use one of {', '.join(SUGGESTION_KINDS)})"
        )
    # Load the model first: a missing model is reported before the project is touched.
    nlp, source = _pipeline_for(kind, model)
    run = functools.partial(
        _run, document_ids=document_ids, kind=kind, nlp=nlp, source=source,
        annotator=annotator, accept=accept, sentiment_config=sentiment_config,
        progress=progress, cancel=cancel, on_document=on_document, batch_size=batch_size,
        chunk_chars=chunk_chars,
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
    annotator_id = _annotator_id(project, annotator)
    total = sum(lengths.values())
    texts: dict[DocumentId, str] = {}

    def stream() -> Iterator[tuple[DocumentId, str]]:
        # Read lazily: the pipeline pulls a document only when its batch needs it.
        from annotator.core.model import DocumentKind
        from annotator.nlp.markup import mask_markdown

        for document_id in ids:
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
    outcomes: list[DocumentOutcome] = []
    finished_chars = 0
    cancelled = False
    candidates: list[_Candidate] = []
    reading: tuple[DocumentId, int] | None = None  # the document in progress, chars read
    for document_id, found, complete, chars_done, document in _model_results(
        kind, stream(), nlp, sentiment_config, batch_size, chunk_chars
    ):
        if kind == "entities":
            from annotator.nlp.markup import has_words

            text = texts[document_id]
            found = [c for c in found if has_words(text[c.start : c.end])]
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
            cancelled = len(outcomes) < len(ids)
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


def _annotator_id(project: Project, name: str | None) -> AnnotatorId:
    if name is None or name == project.current_annotator.name:
        return project._ensure_current_saved()
    return project.annotator_named(name, create=True).id


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
) -> Iterator[_ModelResult]:
    """``(document_id, candidates, complete, chars_done, document_candidate)`` per chunk."""
    if kind == "entities":
        from annotator.nlp.suggest import suggest_entities

        for result in suggest_entities(texts, nlp, batch_size=batch_size, chunk_chars=chunk_chars):
            found = [
                _Candidate(AnnotationKind.ENTITY, s.start, s.end, s.label, s.score)
                for s in result.suggestions
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
    from annotator.nlp.suggest import Suggestion, to_annotation

    existing = [
        a
        for a in project.annotations(
            document_id, annotator_id=annotator_id, statuses=_REVIEWED_OR_PENDING
        )
        if a.kind in kinds
    ]
    rejected = {_key(a) for a in existing if a.status == AnnotationStatus.REJECTED}
    labelled = {
        _claim(a)
        for a in existing
        if a.status == AnnotationStatus.ACCEPTED
        and (a.kind != AnnotationKind.DOC_LABEL or a.label in (sentiment_labels or ()))
    }
    pending = {_key(a): a for a in existing if a.status == AnnotationStatus.SUGGESTED}

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
        and a.source == source
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


def _claim(item: Annotation | _Candidate) -> tuple[AnnotationKind, int, int]:
    """A span the annotator has decided on: any label of the same kind there counts."""
    return (item.kind, item.start, item.end)


def announce_suggestions(project: Project, document_ids: Iterable[str]) -> None:
    """Tell ``project``'s views that suggestions changed in these documents.

    For the GUI thread after a worker (with its own connection) stored them: the worker's
    writes are in the file but the GUI's :class:`Project` did not emit anything.
    """
    project.changed_elsewhere(document_ids)


# --------------------------------------------------------------------------------------------
# Reviewing: pending suggestions, accept, reject, navigate
# --------------------------------------------------------------------------------------------


def pending_suggestions(
    project: Project,
    document_id: str | None = None,
    *,
    kind: AnnotationKind | str | None = None,
    label: str | None = None,
    annotator: str | None = None,
) -> list[Annotation]:
    """The annotator's suggestions still waiting for review, in reading order.

    ``document_id`` None means every document; ``kind`` and ``label`` narrow the list
    (accept or reject "all of a label"). The annotator is the current one unless named.
    """
    annotator_id = _annotator_id(project, annotator)
    wanted_kind = AnnotationKind(kind) if kind is not None else None
    return [
        a
        for a in project.annotations(document_id, annotator_id=annotator_id, statuses=_PENDING)
        if (wanted_kind is None or a.kind == wanted_kind) and (label is None or a.label == label)
    ]


def accept(project: Project, annotation_ids: Iterable[str]) -> AnnotationChanges:
    """Accept suggestions: each becomes the current annotator's annotation, as one action.

    The status becomes accepted, the annotator the current one, the ``source`` stays the
    model's. A suggestion the annotator has meanwhile labelled the same way (same kind, span
    and label) is removed instead of doubled. Ids that are not suggestions (already
    accepted, manual annotations) are left alone; a rejected one may be accepted after all.
    """
    return _review(
        project, annotation_ids, AnnotationStatus.ACCEPTED,
        (AnnotationStatus.SUGGESTED, AnnotationStatus.REJECTED), "Accept",
    )  # fmt: skip


def reject(project: Project, annotation_ids: Iterable[str]) -> AnnotationChanges:
    """Reject suggestions, as one action; they are kept (as rejected) so that a re-run of
    the model does not suggest the same span with the same label again."""
    return _review(
        project, annotation_ids, AnnotationStatus.REJECTED, (AnnotationStatus.SUGGESTED,),
        "Reject",
    )  # fmt: skip


def accept_all(
    project: Project,
    document_id: str | None,
    label: str | None = None,
    kind: AnnotationKind | str | None = None,
) -> AnnotationChanges:
    """Accept every pending suggestion of the current annotator in a document (or, with
    None, the whole project), optionally only those of one label and/or kind."""
    ids = [a.id for a in pending_suggestions(project, document_id, kind=kind, label=label)]
    return accept(project, ids)


def reject_all(
    project: Project,
    document_id: str | None,
    label: str | None = None,
    kind: AnnotationKind | str | None = None,
) -> AnnotationChanges:
    """Reject every pending suggestion of the current annotator in a document (or the
    project), optionally only those of one label and/or kind."""
    ids = [a.id for a in pending_suggestions(project, document_id, kind=kind, label=label)]
    return reject(project, ids)


def _review(
    project: Project,
    annotation_ids: Iterable[str],
    status: AnnotationStatus,
    from_statuses: tuple[AnnotationStatus, ...],
    verb: str,
) -> AnnotationChanges:
    annotator_id = _annotator_id(project, None)
    targets = [
        a
        for a in (project.annotation(i) for i in dict.fromkeys(annotation_ids))
        if a.status in from_statuses
    ]
    labelled: dict[DocumentId, set[tuple[AnnotationKind, int, int, str | None]]] = {}
    if status == AnnotationStatus.ACCEPTED:
        for document_id in dict.fromkeys(a.document_id for a in targets):
            labelled[document_id] = {
                _key(a)
                for a in project.annotations(
                    document_id, annotator_id=annotator_id, statuses=(AnnotationStatus.ACCEPTED,)
                )
            }
    now = utc_now()
    before: list[Annotation] = []
    after: list[Annotation] = []
    removed: list[Annotation] = []
    for old in targets:
        if status == AnnotationStatus.ACCEPTED:
            done = labelled[old.document_id]
            if _key(old) in done:
                removed.append(old)
                continue
            done.add(_key(old))
        before.append(old)
        after.append(
            dataclasses.replace(old, status=status, annotator_id=annotator_id, modified=now)
        )
    count = len(before) + len(removed)
    changes = AnnotationChanges(
        description=f"{verb} {count} suggestion{'s' * (count != 1)}",
        removed=tuple(removed),
        before=tuple(before),
        after=tuple(after),
    )
    apply_changes(project, changes, action=verb.lower())
    return changes


def next_suggestion(
    project: Project,
    document_id: str,
    after_offset: int,
    backwards: bool = False,
    *,
    current: str | None = None,
    kind: AnnotationKind | str | None = None,
    label: str | None = None,
    wrap: bool = False,
) -> Annotation | None:
    """The pending suggestion after (or, ``backwards``, before) a place in the document.

    Without ``current`` the place is the offset ``after_offset`` (the caret): the first
    suggestion starting after it, or the last one starting before it. With ``current``
    (the id of the suggestion on screen) suggestions that start at the same offset are
    visited in turn. ``wrap`` continues from the other end; None when there is none.
    """
    suggestions = pending_suggestions(project, document_id, kind=kind, label=label)
    if not suggestions:
        return None
    order = [(a.start, a.end, a.id) for a in suggestions]
    here: tuple[int, int, str]
    marker = next((a for a in suggestions if a.id == current), None) if current else None
    if marker is not None:
        here = (marker.start, marker.end, marker.id)
        after = [i for i, key in enumerate(order) if key > here]
        before = [i for i, key in enumerate(order) if key < here]
    else:
        after = [i for i, key in enumerate(order) if key[0] > after_offset]
        before = [i for i, key in enumerate(order) if key[0] < after_offset]
    if backwards:
        if before:
            return suggestions[before[-1]]
        return suggestions[-1] if wrap and suggestions[-1].id != current else None
    if after:
        return suggestions[after[0]]
    return suggestions[0] if wrap and suggestions[0].id != current else None


# --------------------------------------------------------------------------------------------
# Label every occurrence
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OccurrenceLabelling:
    """Every occurrence of a phrase and what labelling them does (or did).

    ``occurrences`` are all matches by document; ``to_label`` those that will get (or got)
    the label — the count to show before applying; ``already_labelled`` those that had it.
    ``changes`` is None for a dry run, otherwise the undoable action that was applied.
    """

    phrase: str
    label: str
    occurrences: dict[DocumentId, list[tuple[int, int]]] = field(default_factory=dict)
    to_label: int = 0
    already_labelled: int = 0
    changes: AnnotationChanges | None = None

    @property
    def count(self) -> int:
        """All occurrences found."""
        return sum(len(spans) for spans in self.occurrences.values())

    @property
    def documents(self) -> int:
        return len(self.occurrences)


def labelled_with(project: Project, labels: Iterable[str]) -> dict[str, int]:
    """How many live annotations (any annotator, suggestions too) carry each label."""
    wanted = set(labels)
    counts = dict.fromkeys(wanted, 0)
    for a in project.annotations(statuses=None):
        if a.label in wanted:
            counts[a.label] += 1
    return counts


def relabel(project: Project, renames: Mapping[str, str]) -> AnnotationChanges:
    """Rename labels on every live annotation that carries them (a label set's label was
    renamed), as one action that undo takes back whole."""
    renames = {old: new for old, new in renames.items() if old and new and old != new}
    if not renames:
        return AnnotationChanges("Rename labels")
    now = utc_now()
    before = [a for a in project.annotations(statuses=None) if a.label in renames]
    after = [dataclasses.replace(a, label=renames[a.label or ""], modified=now) for a in before]
    project.change_annotations(replace=after, action="relabel")
    shown = ", ".join(f"{old} → {new}" for old, new in renames.items())
    return AnnotationChanges(
        f"Relabel {len(after)} annotation{'s' * (len(after) != 1)} ({shown})",
        before=tuple(before),
        after=tuple(after),
    )


def label_every_occurrence(
    project: Project,
    phrase: str,
    label: str,
    scope: str | None = None,
    *,
    case_sensitive: bool = False,
    whole_word: bool = True,
    dry_run: bool = True,
    kind: AnnotationKind | str = AnnotationKind.ENTITY,
) -> OccurrenceLabelling:
    """Label every occurrence of ``phrase`` in one document (``scope``) or the whole project.

    First call it with ``dry_run=True`` (the default) to show the count, then with
    ``dry_run=False`` to apply it as one undoable action. Occurrences the current annotator
    already labelled that way are skipped; a pending suggestion with that span and label is
    accepted rather than doubled. Matching is that of
    :func:`annotator.nlp.occurrences.find_occurrences` (code points, whole words, case).
    """
    from annotator.nlp.occurrences import find_occurrences

    if not label.strip():
        raise AnnotatorError("choose a label to apply to every occurrence")
    resolved = AnnotationKind(kind)
    ids = [DocumentId(scope)] if scope is not None else [d.id for d in project.document_headers()]
    annotator_id = _annotator_id(project, None)
    now = utc_now()
    occurrences: dict[DocumentId, list[tuple[int, int]]] = {}
    added: list[Annotation] = []
    before: list[Annotation] = []
    after: list[Annotation] = []
    already = 0
    for document_id in ids:
        text = project.document(document_id).text
        spans = find_occurrences(text, phrase, case_sensitive=case_sensitive, whole_word=whole_word)
        if not spans:
            continue
        occurrences[document_id] = spans
        mine = project.annotations(
            document_id,
            annotator_id=annotator_id,
            statuses=(AnnotationStatus.SUGGESTED, AnnotationStatus.ACCEPTED),
        )
        labelled = {
            (a.start, a.end)
            for a in mine
            if a.status == AnnotationStatus.ACCEPTED and a.kind == resolved and a.label == label
        }
        pending = {
            (a.start, a.end): a
            for a in mine
            if a.status == AnnotationStatus.SUGGESTED and a.kind == resolved and a.label == label
        }
        for start, end in spans:
            if (start, end) in labelled:
                already += 1
                continue
            if dry_run:
                continue
            suggestion = pending.get((start, end))
            if suggestion is not None:
                before.append(suggestion)
                after.append(
                    dataclasses.replace(suggestion, status=AnnotationStatus.ACCEPTED, modified=now)
                )
            else:
                added.append(
                    project.build_annotation(
                        document_id, start, end, kind=resolved, label=label, text=text
                    )
                )
    to_label = sum(len(spans) for spans in occurrences.values()) - already
    changes = None
    if not dry_run:
        changes = AnnotationChanges(
            description=f"Label {to_label} occurrence{'s' * (to_label != 1)} of "
            f"'{phrase}' as {label}",
            added=tuple(added),
            before=tuple(before),
            after=tuple(after),
        )
        apply_changes(project, changes, action="label_occurrences")
    return OccurrenceLabelling(phrase, label, occurrences, to_label, already, changes)


# --------------------------------------------------------------------------------------------
# Snapping manual selections
# --------------------------------------------------------------------------------------------

_SNAP_MODES: dict[str, Literal["expand", "contract", "character"]] = {
    "token": "expand",
    "expand": "expand",
    "contract": "contract",
    "character": "character",
}


def snap_selection(
    project: Project,
    document_id: str,
    start: int,
    end: int,
    mode: SnapMode = "token",
    *,
    text: str | None = None,
) -> tuple[int, int] | None:
    """Align a reader's selection to token boundaries before it becomes an annotation.

    ``"token"`` (the default) grows the selection to whole tokens ("onderf" → "wonderful"),
    ``"contract"`` shrinks it to the tokens inside it, ``"character"`` keeps it exactly.
    Returns ``(start, end)`` or None when nothing is left (only whitespace selected).
    Pass the document's ``text`` when you already hold it (the reader does) to skip reading
    it from the project; tokenised texts are cached, so repeated selections are cheap.
    """
    from annotator.nlp.tokens import snap_to_tokens

    try:
        snap = _SNAP_MODES[mode]
    except KeyError:
        raise AnnotatorError(
            f"unknown snapping mode '{mode}' (use token, contract or character)"
        ) from None
    if text is None:
        text = project.document(document_id).text
    return snap_to_tokens(text, start, end, snap)


__all__ = [
    "SUGGESTION_KINDS",
    "AnnotationChanges",
    "CancelCheck",
    "DocumentOutcome",
    "OccurrenceLabelling",
    "ProgressCallback",
    "SuggestionKind",
    "SuggestionRunReport",
    "accept",
    "accept_all",
    "announce_suggestions",
    "apply_changes",
    "driving_words",
    "existing_project_file",
    "label_every_occurrence",
    "labelled_with",
    "next_suggestion",
    "pending_suggestions",
    "redo_changes",
    "reject",
    "reject_all",
    "relabel",
    "run_suggestions",
    "sentiment_note",
    "sentiment_source",
    "snap_selection",
    "undo_changes",
]
