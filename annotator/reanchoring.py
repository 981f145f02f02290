"""Keeping annotations attached when a document's file changes (service).

- :func:`check_for_changes` notices documents whose file no longer has the stored hash (a new
  edition, a corrected scan) or has gone missing.
- :func:`reanchor_document` puts the new version of the file in place and re-anchors every
  annotation of the document by quote and context (:mod:`annotator.core.reanchor`), in one
  transaction, after a backup copy of the project. The reader's annotations end up placed
  (possibly moved) or *orphaned*: status ``orphaned``, quote and note kept, never deleted.
- :func:`orphans` lists them; :func:`reattach` puts one on a passage the reader selects.
- :func:`attach_to_copy` carries a document's annotations over to a different copy of the same
  reading (another PDF of the article, a text export of it), leaving the original as it is.

Model suggestions that were never accepted (status ``suggested`` or ``rejected``) and cannot
be placed are set aside (soft-deleted, restorable, in the history) instead of orphaned: they
are the model's work, not the reader's, and a new run suggests on the new text.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.errors import AnnotatorError
from annotator.core.model import (
    Annotation,
    AnnotationId,
    AnnotationStatus,
    Document,
    DocumentId,
    Link,
    LinkId,
    annotation_to_json,
    new_id,
    utc_now,
)
from annotator.core.reanchor import FUZZY_THRESHOLD, Anchor, Orphaned, Placed, Reanchorer
from annotator.core.spans import make_selector, validate_span
from annotator.documents import LoadedDocument, load_document
from annotator.source_files import DocumentChange, file_change, has_own_file

if TYPE_CHECKING:
    from annotator.project import Project

#: Statuses of the reader's own work: orphaned when they cannot be placed, never set aside.
_READERS = frozenset({AnnotationStatus.ACCEPTED, AnnotationStatus.ORPHANED})


@dataclass(frozen=True, slots=True)
class ReanchorDetail:
    """What happened to one annotation: ``outcome`` is placed, moved, orphaned or set aside."""

    annotation_id: AnnotationId
    outcome: str
    method: str | None
    old_span: tuple[int, int]
    new_span: tuple[int, int]
    score: float
    quote: str


@dataclass(frozen=True, slots=True)
class ReanchorReport:
    """Counts for the status bar and the CLI, and one detail per annotation.

    ``placed`` counts every annotation that was found again, including the ``moved`` ones
    (whose offsets or quoted text changed); ``orphaned`` were not found and wait in the
    orphans list; ``set_aside`` are unreviewed suggestions that were not found. Soft-deleted
    annotations are re-anchored too (so undoing their deletion stays right) but not counted.
    """

    document_id: DocumentId
    placed: int = 0
    moved: int = 0
    orphaned: int = 0
    set_aside: int = 0
    backup: Path | None = None
    details: list[ReanchorDetail] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.placed} placed ({self.moved} moved), {self.orphaned} orphaned"
        if self.set_aside:
            text += f", {self.set_aside} unplaced suggestions set aside"
        return text


# -- noticing changes -----------------------------------------------------------------------


def check_for_changes(
    project: Project, document_ids: Sequence[str] | None = None
) -> list[DocumentChange]:
    """Documents whose file has changed or disappeared since it was added.

    Only documents added from a file of their own are checked (not those imported from a
    JSONL, CoNLL... file holding many). Hashing reads each file once (about 1 GB/s).
    """
    wanted = set(document_ids) if document_ids is not None else None
    changes = []
    for doc in project.document_headers():
        if wanted is not None and doc.id not in wanted:
            continue
        if not has_own_file(doc):
            continue
        change = file_change(doc)
        if change is not None:
            changes.append(change)
    return changes


# -- re-anchoring a document ---------------------------------------------------------------


def reanchor_document(
    project: Project,
    document_id: str,
    new_file: str | os.PathLike[str],
    *,
    password: str | None = None,
    threshold: float = FUZZY_THRESHOLD,
) -> ReanchorReport:
    """Replace a document's file with ``new_file`` and re-anchor all its annotations.

    One transaction, after a backup copy of the project (``before-reanchor``): a failure
    leaves the project as it was. Works with any version of the reading, also another format
    (a text export of a PDF): the document keeps its id, title and annotations.
    """
    loaded = load_document(new_file, password=password)
    return reanchor_loaded(
        project, document_id, loaded, str(Path(new_file).resolve()), threshold=threshold
    )


def reanchor_loaded(
    project: Project,
    document_id: str,
    loaded: LoadedDocument,
    path: str,
    *,
    threshold: float = FUZZY_THRESHOLD,
) -> ReanchorReport:
    """:func:`reanchor_document` for a file already loaded (off the GUI thread, say)."""
    old = project.document(document_id)
    other = project.document_by_sha256(loaded.sha256)
    if other is not None and other.id != old.id:
        raise AnnotatorError(
            f"'{Path(path).name}' is already in the project as '{other.title}': "
            "use attach_to_copy to carry annotations over to it"
        )
    new_doc = dataclasses.replace(
        old,
        path=path,
        sha256=loaded.sha256,
        text_sha256=loaded.text_sha256,
        kind=loaded.kind,
        text=loaded.text,
        encoding=loaded.encoding,
        page_map=loaded.page_map,
    )
    annotations = project.annotations(old.id, statuses=None, include_deleted=True)
    live = {a.id for a in project.annotations(old.id, statuses=None)}
    outcome = _place(annotations, old.text, new_doc, threshold)
    backup = project.backup("before-reanchor")
    with project.edit() as edit:
        edit.replace_document_text(new_doc)
        edit.record(
            "reanchor", "document", old.id,
            before={"path": old.path, "sha256": old.sha256, "text_sha256": old.text_sha256},
            after={"path": path, "sha256": loaded.sha256, "text_sha256": loaded.text_sha256},
        )  # fmt: skip
        for before, after in outcome.changed:
            edit.replace_annotation(after)
            edit.record(
                "reanchor", "annotation", after.id,
                before=annotation_to_json(before), after=annotation_to_json(after),
            )  # fmt: skip
        if outcome.set_aside:
            edit.set_annotations_deleted([a.id for a in outcome.set_aside], True)
            for a in outcome.set_aside:
                edit.record("set aside", "annotation", a.id, before=annotation_to_json(a))
    project.events.documents_changed.emit()
    project.events.annotations_reset.emit(old.id)
    details = [d for d in outcome.details if d.annotation_id in live]
    return _report(old.id, details, backup)


@dataclass
class _Outcome:
    changed: list[tuple[Annotation, Annotation]] = field(default_factory=list)
    set_aside: list[Annotation] = field(default_factory=list)
    placed: list[Annotation] = field(default_factory=list)  # every result, in input order
    details: list[ReanchorDetail] = field(default_factory=list)


def _place(
    annotations: Sequence[Annotation], old_text: str, new_doc: Document, threshold: float
) -> _Outcome:
    """Work out every annotation's new version; writes nothing."""
    reanchorer = Reanchorer(new_doc.text, old_text=old_text, threshold=threshold)
    results = reanchorer.place_all(
        Anchor(a.start, a.end, a.quote, a.prefix, a.suffix) for a in annotations
    )
    text = new_doc.text
    now = utc_now()
    outcome = _Outcome()
    for a, result in zip(annotations, results, strict=True):
        if isinstance(result, Placed):
            selector = make_selector(text, result.start, result.end)
            status = (
                AnnotationStatus.ACCEPTED if a.status == AnnotationStatus.ORPHANED else a.status
            )
            new = dataclasses.replace(
                a,
                start=result.start,
                end=result.end,
                quote=selector.exact,
                prefix=selector.prefix,
                suffix=selector.suffix,
                status=status,
                page=new_doc.page_of(result.start) if new_doc.page_map else None,
            )
            moved = (new.start, new.end, new.quote) != (a.start, a.end, a.quote)
            kind, method, score = (
                ("moved" if moved else "placed"),
                result.method.value,
                result.score,
            )
        else:
            assert isinstance(result, Orphaned)
            if a.status not in _READERS:
                outcome.set_aside.append(a)
                outcome.placed.append(a)
                outcome.details.append(
                    ReanchorDetail(a.id, "set aside", None, (a.start, a.end), (a.start, a.end),
                                   result.best_score, a.quote)
                )  # fmt: skip
                continue
            # The quote, context and note stay; the empty span at the nearest guess is a
            # valid position in the new text and tells the reader where to look.
            near = min(result.near, len(text))
            new = dataclasses.replace(
                a, start=near, end=near, status=AnnotationStatus.ORPHANED, page=None
            )
            kind, method, score = "orphaned", None, result.best_score
        if new != a:
            new = dataclasses.replace(new, modified=now)
            outcome.changed.append((a, new))
        outcome.placed.append(new)
        outcome.details.append(
            ReanchorDetail(a.id, kind, method, (a.start, a.end), (new.start, new.end), score,
                           a.quote)
        )  # fmt: skip
    return outcome


def _report(
    document_id: DocumentId, details: list[ReanchorDetail], backup: Path | None
) -> ReanchorReport:
    counts = {kind: sum(d.outcome == kind for d in details) for kind in ("placed", "moved")}
    return ReanchorReport(
        document_id=document_id,
        placed=counts["placed"] + counts["moved"],
        moved=counts["moved"],
        orphaned=sum(d.outcome == "orphaned" for d in details),
        set_aside=sum(d.outcome == "set aside" for d in details),
        backup=backup,
        details=details,
    )


# -- orphans --------------------------------------------------------------------------------


def orphans(project: Project, document_id: str | None = None) -> list[Annotation]:
    """The annotations whose passage was lost, with their quote and note (the orphans list).

    Their ``start`` (= ``end``) is where the passage would have been: scroll there to help
    the reader find it."""
    return project.annotations(document_id, statuses=[AnnotationStatus.ORPHANED])


def reattach(project: Project, annotation_id: str, start: int, end: int) -> Annotation:
    """Put an orphan (or any annotation) on ``text[start:end]``; it becomes accepted again.

    One action in the history, undone by ``project.replace_annotation(old)``."""
    old = project.annotation(annotation_id)
    document = project.document(old.document_id)
    validate_span(document.text, start, end)
    selector = make_selector(document.text, start, end)
    new = dataclasses.replace(
        old,
        start=start,
        end=end,
        quote=selector.exact,
        prefix=selector.prefix,
        suffix=selector.suffix,
        status=AnnotationStatus.ACCEPTED if old.status == AnnotationStatus.ORPHANED else old.status,
        page=document.page_of(start) if document.page_map else old.page,
        modified=utc_now(),
    )
    return project.replace_annotation(new)


# -- another copy of the same reading ------------------------------------------------------


def attach_to_copy(
    project: Project,
    document_id: str,
    copy: str | os.PathLike[str],
    *,
    password: str | None = None,
    threshold: float = FUZZY_THRESHOLD,
) -> tuple[Document, ReanchorReport]:
    """Carry the annotations of a document over to another copy of the same reading.

    ``copy`` is a file (added to the project unless it already is in it) or the id of a
    document already in the project. Every live annotation of the original is copied (a new
    id, the same annotator, label, note, colour...) onto its passage in the copy; those that
    cannot be placed arrive orphaned, unplaced suggestions are not copied. The original
    document keeps its annotations. Links between copied annotations are copied too.
    Running it again copies nothing twice. One transaction, after a backup.
    """
    source = project.document(document_id)
    target, loaded_path = _copy_target(project, copy, password)
    if target.id == source.id or target.sha256 == source.sha256:
        raise AnnotatorError(f"'{source.title}' and the copy are the same file: nothing to attach")
    annotations = project.annotations(source.id, statuses=None)
    outcome = _place(annotations, source.text, target, threshold)
    existing = project.annotations(target.id, statuses=None, include_deleted=True)
    seen = {_fingerprint(a) for a in existing}
    copies: list[Annotation] = []
    id_map: dict[str, AnnotationId] = {}
    set_aside = {a.id for a in outcome.set_aside}
    details: list[ReanchorDetail] = []
    for original, placed, detail in zip(annotations, outcome.placed, outcome.details, strict=True):
        if original.id in set_aside:
            details.append(detail)
            continue
        new = dataclasses.replace(
            placed, id=AnnotationId(new_id()), document_id=target.id, modified=utc_now()
        )
        if _fingerprint(new) in seen:
            continue
        seen.add(_fingerprint(new))
        id_map[original.id] = new.id
        copies.append(new)
        details.append(dataclasses.replace(detail, annotation_id=new.id))
    links = [
        Link(LinkId(new_id()), id_map[link.from_annotation], id_map[link.to_annotation],
             link.kind, link.note)
        for link in project.links(source.id)
        if link.from_annotation in id_map and link.to_annotation in id_map
    ]  # fmt: skip
    backup = project.backup("before-attach")
    with project.edit() as edit:
        if loaded_path is not None:
            edit.add_document(target)
            edit.record(
                "add", "document", target.id,
                after={"title": target.title, "path": target.path, "copy_of": source.id},
            )  # fmt: skip
        edit.insert_annotations(copies)
        for a in copies:
            edit.record("attach", "annotation", a.id, after=annotation_to_json(a))
        for link in links:
            edit.add_link(link)
    project.events.documents_changed.emit()
    project.events.annotations_reset.emit(target.id)
    if links:
        project.events.links_changed.emit()
    return target, _report(target.id, details, backup)


def _copy_target(
    project: Project, copy: str | os.PathLike[str], password: str | None
) -> tuple[Document, str | None]:
    """The document to attach to, and its path when it is new to the project."""
    if isinstance(copy, str) and not Path(copy).exists():
        return project.document(copy), None  # a document id
    loaded = load_document(copy, password=password)
    path = str(Path(copy).resolve())
    existing = project.document_by_sha256(loaded.sha256)
    if existing is not None:
        if existing.id in {d.id for d in project.document_headers()}:
            return project.document(existing.id), None
        raise AnnotatorError(
            f"'{Path(path).name}' is in the project as the removed document '{existing.title}': "
            "restore it first"
        )
    document = Document(
        id=DocumentId(new_id()),
        title=loaded.title,
        path=path,
        sha256=loaded.sha256,
        text_sha256=loaded.text_sha256,
        kind=loaded.kind,
        text=loaded.text,
        encoding=loaded.encoding,
        page_map=loaded.page_map,
    )
    return document, path


def _fingerprint(a: Annotation) -> tuple[object, ...]:
    return (a.annotator_id, a.kind, a.start, a.end, a.quote, a.label, a.note, a.color, a.symbol)


__all__ = [
    "DocumentChange",
    "ReanchorDetail",
    "ReanchorReport",
    "attach_to_copy",
    "check_for_changes",
    "file_change",
    "orphans",
    "reanchor_document",
    "reanchor_loaded",
    "reattach",
]
