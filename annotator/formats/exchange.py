"""What every interchange format shares: the export scope and data, the import plan.

Exporters are views of the canonical spans: :func:`collect` reads what a scope asks for
(documents, annotators, the gold layer) into plain :class:`ExportData`, and each format
module turns that into its file, returning warnings for whatever the format cannot hold.

Importers never write. Each parses its file into :class:`IncomingDocument` records (text
plus spans, each naming the line and field it came from); :func:`apply_import` checks every
span against its text and only then writes everything in one transaction. A bad file
changes nothing, and the :class:`~annotator.core.errors.FormatError` names line and field.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.core.errors import AnnotatorError, Cancelled, FormatError, SpanError
from annotator.core.model import (
    Annotation,
    AnnotationId,
    AnnotationKind,
    AnnotationStatus,
    Annotator,
    AnnotatorId,
    Document,
    DocumentId,
    DocumentKind,
    ImportChanges,
    ImportPlan,
    LabelSet,
    LabelSetKind,
    Link,
    LinkId,
    new_id,
    utc_now,
)
from annotator.core.spans import check_quote, make_selector, snap_to_characters, validate_span
from annotator.core.timestamps import normalize_timestamp
from annotator.core.words import agree, counted
from annotator.documents.base import LoadedDocument, sha256_text
from annotator.formats.text_checks import find_surrogate, id_collision_warning

if TYPE_CHECKING:
    from annotator.documents.pdf import PdfNavigation
    from annotator.project import Project

#: The annotator whose annotations form the adjudicated ("gold") layer that trains models.
GOLD_ANNOTATOR = "gold"

#: Kinds that may cover the whole document with an empty span (0, 0).
DOCUMENT_LEVEL_KINDS = frozenset({AnnotationKind.SUMMARY, AnnotationKind.DOC_LABEL})


# -- export -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportScope:
    """Which annotations an export holds.

    ``document_ids`` None means every document of the project; ``annotators`` None means
    everyone's; ``gold_only`` keeps the adjudicated layer (annotator :data:`GOLD_ANNOTATOR`).
    Suggestions, rejected suggestions and orphaned annotations are left out unless asked for.
    """

    document_ids: tuple[str, ...] | None = None
    annotators: tuple[str, ...] | None = None
    gold_only: bool = False
    include_suggestions: bool = False


#: Formats that hold one layer of labels (training data): annotators mixed into one make
#: labels no one made, so an export to them needs one annotator or the gold layer.
ONE_LAYER_FORMATS = ("conll", "spacy")


def labelling_annotators(project: Project, scope: ExportScope) -> list[str]:
    """The names of the annotators in ``scope`` whose labels its documents hold (an accepted
    labelled annotation; with suggestions, the current annotator's pending ones too): more
    than one cannot go into a :data:`ONE_LAYER_FORMATS` file. One DISTINCT query each."""
    from annotator.core.model import AnnotationKind, AnnotationStatus

    if scope.gold_only:
        return []
    wanted = set(scope.document_ids) if scope.document_ids is not None else None
    chosen = set(scope.annotators) if scope.annotators is not None else None
    kinds = [k.value for k in AnnotationKind]
    names = {
        a.name
        for a in project.annotators()
        if (chosen is None or a.name in chosen)
        and (found := project.labelled_documents(a.name, kinds))
        and (wanted is None or found & wanted)
    }
    me = project.current_annotator
    if scope.include_suggestions and (chosen is None or me.name in chosen):
        pending = project.annotations(annotator_id=me.id, statuses=[AnnotationStatus.SUGGESTED])
        if any(wanted is None or a.document_id in wanted for a in pending):
            names.add(me.name)
    return sorted(names)


@dataclass(frozen=True, slots=True)
class DocumentAnnotations:
    """One document and its annotations in the scope, in reading order."""

    document: Document
    annotations: tuple[Annotation, ...]


@dataclass(frozen=True, slots=True)
class ExportData:
    """Everything a format module needs, as core objects (no store, no project)."""

    documents: tuple[DocumentAnnotations, ...]
    annotator_names: dict[str, str] = field(default_factory=dict)
    label_sets: tuple[LabelSet, ...] = ()
    #: Called with (documents done, documents) as a format works through them, and polled
    #: before each: True stops the export with :class:`Cancelled` before anything is written.
    progress: Callable[[int, int], None] | None = field(default=None, compare=False)
    cancel: Callable[[], bool] | None = field(default=None, compare=False)
    #: The links whose two annotations are both in the export ("connects to").
    links: tuple[Link, ...] = ()
    _navigation: dict[str, PdfNavigation] = field(default_factory=dict, compare=False)

    def each(self) -> Iterator[DocumentAnnotations]:
        """The documents in order, for a format to convert, reporting progress."""
        total = len(self.documents)
        for done, item in enumerate(self.documents):
            if self.cancel is not None and self.cancel():
                raise Cancelled("the export")
            yield item
            if self.progress is not None:
                self.progress(done + 1, total)

    def annotator_name(self, annotator_id: str) -> str:
        return self.annotator_names.get(annotator_id, annotator_id)

    def navigation(self, document: Document) -> PdfNavigation:
        """A PDF's printed page labels and contents, read from its file on first use (empty
        for other documents, or when the file is gone): pages are named as printed."""
        from annotator.documents.pdf import PdfNavigation, read_navigation

        found = self._navigation.get(document.id)
        if found is None:
            paged = document.kind == DocumentKind.PDF and bool(document.page_map)
            found = (
                read_navigation(document.path, len(document.page_map)) if paged else PdfNavigation()
            )
            self._navigation[document.id] = found
        return found

    @property
    def annotation_count(self) -> int:
        return sum(len(d.annotations) for d in self.documents)

    def annotators_used(self) -> set[str]:
        return {a.annotator_id for d in self.documents for a in d.annotations}

    def document_labels(self) -> list[str]:
        """Every label of the project's document-level label sets (cats that may be 0)."""
        return [
            label.name
            for label_set in self.label_sets
            if label_set.kind == LabelSetKind.DOCUMENT
            for label in label_set.labels
        ]


@dataclass(slots=True)
class ExportResult:
    """What an export wrote and what the format could not hold."""

    format: str
    outputs: list[Path]
    documents: int
    annotations: int
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        where = ", ".join(str(p) for p in self.outputs) or "standard output"
        return (
            f"{counted(self.annotations, 'annotation')} of "
            f"{counted(self.documents, 'document')} exported as "
            f"{self.format} to {where}"
        )


class Losses:
    """Counts what an export had to leave out or change, and words it as warnings."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def add(self, message: str, count: int = 1) -> None:
        """``message`` is a sentence with ``{n}`` where the count goes."""
        if count:
            self._counts[message] += count

    def count(self, message: str) -> int:
        return self._counts[message]

    def warnings(self) -> list[str]:
        return [message.format(n=n) for message, n in self._counts.items()]


def collect(project: Project, scope: ExportScope) -> tuple[ExportData, list[str]]:
    """The documents and annotations ``scope`` asks for, and warnings about what it left out."""
    if scope.document_ids:
        documents = [project.document(d) for d in scope.document_ids]
    else:
        documents = [project.document(d.id) for d in project.document_headers()]
    names = {a.id: a.name for a in project.annotators()}
    wanted: set[str] | None = None
    if scope.annotators:
        wanted = {project.annotator_named(name).id for name in scope.annotators}
    if scope.gold_only:
        gold = project.find_annotator(GOLD_ANNOTATOR)
        if gold is None:
            raise AnnotatorError(
                "this project has no gold layer yet: adjudicate the disagreements first, or "
                "export without --gold"
            )
        wanted = {gold.id} if wanted is None else wanted & {gold.id}
    statuses = [AnnotationStatus.ACCEPTED, AnnotationStatus.ORPHANED]
    if scope.include_suggestions:
        statuses.append(AnnotationStatus.SUGGESTED)
    orphaned = 0
    result: list[DocumentAnnotations] = []
    for document in documents:
        kept: list[Annotation] = []
        for annotation in project.annotations(document.id, statuses=statuses):
            if wanted is not None and annotation.annotator_id not in wanted:
                continue
            if annotation.status == AnnotationStatus.ORPHANED:
                orphaned += 1
                continue
            kept.append(annotation)
        result.append(DocumentAnnotations(document, tuple(kept)))
    warnings = []
    if orphaned:
        warnings.append(
            f"{orphaned} orphaned annotations were left out: their passages could not be "
            "found in the current text (re-attach them first)"
        )
    kept_ids = {a.id for item in result for a in item.annotations}
    links = tuple(
        link
        for link in project.links()
        if link.from_annotation in kept_ids and link.to_annotation in kept_ids
    )
    data = ExportData(tuple(result), names, tuple(project.label_sets()), links=links)
    return data, warnings


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while an export builds many small objects.

    Building 100,000 span records otherwise triggers full collections that scan every
    annotation already in memory, tripling the time; the records hold no cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_text_atomically(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to a temporary sibling and move it into place: never a half file."""
    if path.is_dir():
        raise AnnotatorError(f"'{path}' is a folder: give a file name to write to")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding=encoding, newline="") as handle:
        handle.write(text)
    tmp.replace(path)


def jsonl(records: Sequence[dict[str, Any]] | Iterator[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


# -- import -----------------------------------------------------------------------------------


@dataclass(slots=True)
class IncomingAnnotation:
    """One annotation as a file states it, before it is checked against its text.

    ``record`` and ``field`` say where it came from ("line 3", "spans[1]"), for the error.
    ``quote``, when the file has one, must match the text at ``start..end``; a mismatch is
    reported at ``quote_field`` when the file keeps the quote apart from the offsets.
    """

    start: int
    end: int
    kind: AnnotationKind
    record: str
    field: str = ""
    label: str | None = None
    note: str = ""
    annotator: str | None = None
    quote: str | None = None
    prefix: str | None = None  # with ``quote``: find the passage again if offsets disagree
    suffix: str | None = None
    color: str | None = None
    symbol: str | None = None
    status: AnnotationStatus = AnnotationStatus.ACCEPTED
    id: str | None = None
    page: int | None = None
    rect: tuple[float, float, float, float] | None = None
    source: str = ""
    created: str | None = None
    modified: str | None = None
    quote_field: str = ""
    #: The file gives no offsets, only the quote (Hypothesis-style W3C): found by the quote.
    placed_by_quote: bool = False


@dataclass(slots=True)
class IncomingDocument:
    """A text arriving with its annotations, or a reference to a document already held.

    At most one of ``text`` (a new or matching text document), ``loaded`` (a file loaded
    whole, e.g. a PDF) or ``text_sha256`` (a document the project must already hold) is set.
    With none of them the project must already hold the document too, and it is found by
    ``document_id``, else by ``title``, else as the one text that holds the passages its
    annotations quote at their offsets (formats such as CSV that name but do not carry it).
    """

    title: str
    record: str
    annotations: list[IncomingAnnotation] = field(default_factory=list)
    text: str | None = None
    loaded: LoadedDocument | None = None
    path: str = ""
    text_sha256: str | None = None
    field: str = "text"
    document_id: str | None = None
    #: "connects to" links between its annotations, by the ids the file gives them.
    links: list[tuple[str, str]] = dataclasses.field(default_factory=list)


@dataclass(slots=True)
class ImportResult:
    """What an import did, and what the file held that Annotator could not take."""

    format: str
    documents_added: int = 0
    documents_matched: int = 0
    annotators_added: int = 0
    annotations_added: int = 0
    annotations_unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    backup: str | None = None
    document_ids: list[str] = field(default_factory=list)
    changes: ImportChanges = field(default_factory=lambda: ImportChanges())

    def summary(self) -> str:
        return (
            f"{counted(self.annotations_added, 'annotation')} added, "
            f"{self.annotations_unchanged:,} already present; "
            f"{counted(self.documents_added, 'document')} added, {self.documents_matched:,} matched"
        )


def _dedupe_key(a: Annotation) -> tuple[Any, ...]:
    return (a.document_id, a.annotator_id, a.kind, a.start, a.end, a.label or None, a.note)


def apply_import(
    project: Project,
    incoming: Sequence[IncomingDocument],
    *,
    format_name: str,
    origin: str,
    warnings: Sequence[str] = (),
) -> ImportResult:
    """Check every incoming span against its text, then have the project write all of it
    as one action (:meth:`Project.apply_import`).

    Re-importing the same file adds nothing: an annotation whose id is already stored, or that
    equals a stored one (document, annotator, kind, span, label, note), counts as present.
    """
    result = ImportResult(format=format_name, warnings=list(warnings))
    new_documents: list[Document] = []
    planned_by_hash: dict[str, Document] = {}
    annotators: dict[str, AnnotatorId] = {}
    new_annotators: list[Annotator] = []
    new_annotations: list[Annotation] = []
    seen_keys: set[tuple[Any, ...]] = set()
    seen_ids: dict[str, DocumentId] = {}  # id -> the document it was imported onto
    existing_keys: dict[str, set[tuple[Any, ...]]] = {}
    current_name = project.current_annotator.name
    changed = 0
    collisions = 0
    final_ids: dict[str, AnnotationId] = {}  # an id in the file -> the annotation's id here
    wanted_links: list[tuple[str, str]] = []

    def annotator_id(name: str | None) -> AnnotatorId:
        name = (name or "").strip() or current_name
        if name not in annotators:
            stored = project.find_annotator(name)
            if stored is None:
                stored = Annotator(AnnotatorId(new_id()), name)
                new_annotators.append(stored)
            annotators[name] = stored.id
        return annotators[name]

    for doc in incoming:
        document = _resolve_document(project, doc, planned_by_hash, new_documents, result)
        if document.id not in existing_keys:
            existing_keys[document.id] = {
                _dedupe_key(a) for a in project.annotations(document.id, statuses=None)
            }
        text = document.text
        wanted_links.extend(doc.links)
        for item in doc.annotations:
            annotation = _build(item, document, text, annotator_id(item.annotator), format_name)
            key = _dedupe_key(annotation)
            stored = (
                None if item.id is None or item.id in seen_ids else project.find_annotation(item.id)
            )
            elsewhere = (stored is not None and stored.document_id != document.id) or (
                item.id in seen_ids and seen_ids[item.id] != document.id
            )
            if elsewhere:  # another annotation that happens to share the id: keep both
                collisions += 1
                annotation = dataclasses.replace(annotation, id=AnnotationId(new_id()))
                stored = None
            known = (
                not elsewhere
                and item.id is not None
                and (item.id in seen_ids or stored is not None)
            )
            if stored is not None and _content(stored) != _content(annotation):
                changed += 1
            duplicate = key in seen_keys or key in existing_keys[document.id]
            if item.id is not None and (known or not duplicate):
                final_ids.setdefault(item.id, AnnotationId(item.id) if known else annotation.id)
            if known or duplicate:
                result.annotations_unchanged += 1
                continue
            seen_keys.add(key)
            seen_ids.setdefault(item.id or annotation.id, document.id)
            new_annotations.append(annotation)

    if changed:
        result.warnings.append(
            f"{counted(changed, 'annotation')} in the file {agree(changed, 'has', 'have')} the "
            "id of one already in the project but "
            "differ from it (span, kind, label, note, colour or symbol): the project's version "
            "was kept"
        )
    if collisions:
        result.warnings.append(id_collision_warning(collisions))
    links = _new_links(project, wanted_links, final_ids) if wanted_links else ()
    plan = ImportPlan(
        format=format_name,
        origin=origin,
        documents=tuple(new_documents),
        annotators=tuple(new_annotators),
        annotations=tuple(new_annotations),
        links=links,
    )
    result.backup, result.changes = project.apply_import(plan, backup=bool(new_annotations))
    result.annotators_added = len(new_annotators)
    result.annotations_added = len(new_annotations)
    return result


def _new_links(
    project: Project, wanted: Sequence[tuple[str, str]], ids: dict[str, AnnotationId]
) -> tuple[Link, ...]:
    """The links a file asks for between annotations it brought (or that were already
    here by the same id), less those the project already has either way round."""
    have = {frozenset((x.from_annotation, x.to_annotation)) for x in project.links()}
    links: list[Link] = []
    for first, second in wanted:
        a, b = ids.get(first), ids.get(second)
        if a is None or b is None or a == b or frozenset((a, b)) in have:
            continue
        have.add(frozenset((a, b)))
        links.append(Link(LinkId(new_id()), a, b))
    return tuple(links)


def _content(a: Annotation) -> tuple[Any, ...]:
    return (a.kind, a.start, a.end, a.label or None, a.note, a.color or None, a.symbol or None)


def _resolve_document(
    project: Project,
    doc: IncomingDocument,
    planned: dict[str, Document],
    new_documents: list[Document],
    result: ImportResult,
) -> Document:
    if doc.text is not None or doc.loaded is not None:
        if doc.loaded is not None:
            loaded = doc.loaded
        else:
            assert doc.text is not None
            if not doc.text:
                raise FormatError("the text is empty", record=doc.record, field=doc.field)
            digest = sha256_text(doc.text)
            loaded = LoadedDocument(
                title=doc.title,
                kind=DocumentKind.TEXT,
                text=doc.text,
                sha256=digest,
                text_sha256=digest,
            )
        if loaded.sha256 in planned:
            return planned[loaded.sha256]
        existing = project.document_by_sha256(loaded.sha256) or project.document_by_text_sha256(
            loaded.text_sha256
        )
        if existing is not None and existing.text == loaded.text:
            result.documents_matched += 1
            document = existing
        else:
            document = Document(
                id=DocumentId(new_id()),
                title=doc.title or loaded.title,
                path=doc.path,
                sha256=loaded.sha256,
                text_sha256=loaded.text_sha256,
                kind=loaded.kind,
                text=loaded.text,
                encoding=loaded.encoding,
                page_map=loaded.page_map,
            )
            new_documents.append(document)
            result.documents_added += 1
        planned[loaded.sha256] = document
        result.document_ids.append(document.id)
        return document
    if doc.text_sha256 is None:
        document = _resolve_held(project, doc, result)
        if document.id not in result.document_ids:
            result.documents_matched += 1
            result.document_ids.append(document.id)
        return document
    if doc.text_sha256 in planned:
        return planned[doc.text_sha256]
    found = project.document_by_text_sha256(doc.text_sha256) or project.document_by_sha256(
        doc.text_sha256
    )
    if found is None:
        raise FormatError(
            f"no document in this project has the content hash {doc.text_sha256[:12]}…: "
            "this format does not carry the text, so add the document first, then import",
            record=doc.record,
            field=doc.field,
        )
    result.documents_matched += 1
    planned[doc.text_sha256] = found
    result.document_ids.append(found.id)
    return found


def _resolve_held(project: Project, doc: IncomingDocument, result: ImportResult) -> Document:
    """The held document ``doc`` names: by id, else by title, else by its quoted passages.

    The id wins even if the document was renamed since. Without a usable id or a unique
    title, the document whose text agrees with the most quotes at their offsets is taken
    (rows that disagree are then reported one by one); a tie is refused, not guessed.
    """
    from annotator.core.errors import NotFoundError

    if doc.document_id:
        with contextlib.suppress(NotFoundError):
            return project.document(doc.document_id)
    held = project.document_headers()
    titled = [d for d in held if doc.title and d.title == doc.title]
    if len(titled) == 1:
        return project.document(titled[0].id)
    quoted = [a for a in doc.annotations if a.quote]
    named = " ".join(
        part
        for part in (
            f"'{doc.title}'" if doc.title else "",
            f"(id {doc.document_id})" if doc.document_id else "",
        )
        if part
    )
    if not quoted:
        raise FormatError(
            f"this project has no document {named or 'named by the file'} and the rows quote "
            "no passages to find it by: this format does not carry the text, so add the "
            "document first (or give its id or title), then import",
            record=doc.record,
            field=doc.field,
        )
    best: list[Document] = []
    best_score = 0
    for summary in titled or held:
        document = project.document(summary.id)
        text = document.text
        score = sum(
            1
            for a in quoted
            if 0 <= a.start <= a.end <= len(text) and text[a.start : a.end] == a.quote
        )
        if score > best_score:
            best, best_score = [document], score
        elif score == best_score and score:
            best.append(document)
    if not best:
        raise FormatError(
            f"no document in this project {f'is {named} or ' if named else ''}holds the quoted "
            "passages at their offsets: this format does not carry the text, so add the "
            "document first, then import",
            record=doc.record,
            field=doc.field,
        )
    if len(best) > 1:
        titles = ", ".join(f"'{d.title}'" for d in best[:5])
        raise FormatError(
            f"the quoted passages fit {len(best)} documents equally ({titles}): give the "
            "document's id or a title only one document has",
            record=doc.record,
            field=doc.field,
        )
    document = best[0]
    if named:
        result.warnings.append(
            f"this project has no document {named}: its "
            f"{counted(len(doc.annotations), 'annotation')} "
            f"({doc.record}) went to '{document.title}', whose text holds {best_score} of "
            f"their {len(quoted)} quoted passages"
        )
    return document


def _build(
    item: IncomingAnnotation,
    document: Document,
    text: str,
    annotator_id: AnnotatorId,
    format_name: str,
) -> Annotation:
    where = item.field
    if item.quote and item.prefix is not None and text[item.start : item.end] != item.quote:
        found = locate_quote(text, item.quote, item.prefix, item.suffix or "")
        if found is not None:
            item.start, item.end = found
        elif item.placed_by_quote:
            raise FormatError(
                f"the quoted passage {_short(item.quote)!r} was not found in the document "
                f"'{document.title}' (or is there more than once without its context)",
                record=item.record,
                field=item.quote_field or where or None,
            )
    if item.rect is not None:
        # Offsets from an area on a page (a PDF highlight), not typed by anyone: widen them
        # to whole characters as the reader would, rather than refuse the whole file.
        item.start, item.end = snap_to_characters(text, item.start, item.end)
    times = {}
    for name in ("created", "modified"):
        value = getattr(item, name)
        if value is not None:
            try:
                times[name] = normalize_timestamp(value)
            except ValueError as error:
                raise FormatError(str(error), record=item.record, field=name) from None
    try:
        validate_span(
            text,
            item.start,
            item.end,
            allow_empty=item.kind in DOCUMENT_LEVEL_KINDS or item.rect is not None,
        )
    except SpanError as error:
        raise FormatError(
            f"{error} (document '{document.title}')", record=item.record, field=where or None
        ) from None
    if item.quote is not None:
        try:
            check_quote(text, item.start, item.end, item.quote)
        except SpanError as error:
            raise FormatError(
                f"{error} (document '{document.title}')",
                record=item.record,
                field=item.quote_field or where or None,
            ) from None
    selector = make_selector(text, item.start, item.end)
    created = times.get("created") or utc_now()
    return Annotation(
        id=AnnotationId(item.id or new_id()),
        document_id=document.id,
        annotator_id=annotator_id,
        kind=item.kind,
        start=item.start,
        end=item.end,
        quote=selector.exact,
        prefix=selector.prefix,
        suffix=selector.suffix,
        label=item.label or None,
        color=item.color or None,
        symbol=item.symbol or None,
        note=item.note,
        source=item.source or f"import:{format_name}",
        status=item.status,
        page=item.page,
        rect=item.rect,
        created=created,
        modified=times.get("modified") or created,
    )


def locate_quote(text: str, exact: str, prefix: str, suffix: str) -> tuple[int, int] | None:
    """Where ``exact`` is in ``text``: with its context if that is found, else if unique."""
    if not exact:
        return None
    at = text.find(prefix + exact + suffix)
    if at >= 0:
        return at + len(prefix), at + len(prefix) + len(exact)
    at = text.find(exact)
    if at >= 0 and text.find(exact, at + 1) < 0:
        return at, at + len(exact)
    return None


def _short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def load_json(text: str, *, name: str, record: str | None = None) -> Any:
    """``text`` parsed as JSON; a FormatError (never a traceback) for what cannot be stored.

    Refused: invalid JSON (naming line and column), nesting too deep to read, and a lone
    UTF-16 surrogate (``"\\ud83d"``), which is not a character and cannot be saved.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        if record is not None:  # one line of a JSONL file: the record names the line
            raise FormatError(
                f"not valid JSON: {error.msg} at column {error.colno}", record=record
            ) from None
        raise FormatError(
            f"'{name}' is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    except RecursionError:
        raise FormatError(
            f"'{name}' nests lists or objects too deeply to be read (no annotation format "
            "needs more than a few levels)",
            record=record,
        ) from None
    # json.loads makes a lone surrogate only of one in the text or of a \uD800-\uDFFF
    # escape: a text without either need not have each of its strings walked (seconds for
    # a million annotations).
    suspect = "\\ud" in text or "\\uD" in text or not _utf8_encodable(text)
    found = find_surrogate(value) if suspect else None
    if found is not None:
        raise FormatError(
            f"'{name}' holds a lone UTF-16 surrogate (half of an emoji, such as \\ud83d), "
            "which is not a character: the file was cut or converted wrongly",
            record=record,
            field=found or None,
        )
    return value


def _utf8_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line; a FormatError names a bad line."""
    text = read_utf8(path)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        value = load_json(line, name=path.name, record=f"line {number}")
        if not isinstance(value, dict):
            raise FormatError("expected a JSON object on each line", record=f"line {number}")
        yield number, value


def read_utf8(path: Path) -> str:
    """The file's text, UTF-8 with or without a byte-order mark; anything else is refused
    with a FormatError naming the file (a UTF-16 file is named as such)."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FormatError(
            f"'{path.name}' is UTF-16 text (it starts with a UTF-16 byte-order mark): save it "
            "as UTF-8 and import it again"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormatError(
            f"'{path.name}' is not UTF-8 text (byte {error.start} cannot be decoded)"
        ) from None


def require(value: Any, kind: type | tuple[type, ...], *, record: str, field: str) -> Any:
    """``value`` if it has the type ``kind``, else a FormatError naming record and field."""
    if isinstance(value, bool) and kind in (int, (int,)):
        value = None  # JSON true/false are not offsets
    if not isinstance(value, kind):
        expected = {
            str: "a string",
            int: "a whole number",
            list: "a list",
            dict: "an object",
        }.get(kind if isinstance(kind, type) else kind[0], str(kind))
        if value is None:
            raise FormatError(f"is missing or not {expected}", record=record, field=field)
        raise FormatError(f"should be {expected}, not {value!r}", record=record, field=field)
    return value
