"""The service: every operation a reader performs on a project.

The GUI, the command line and the tests all drive this one class. It owns the store (and
with it the only SQL connection of its thread), validates input before anything is
written, runs each user action in one transaction together with its history entry, and
announces changes through :class:`ProjectEvents` so views can redraw.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import platformdirs
from psygnal import Signal

from annotator.core.errors import AnnotatorError, DocumentError, NotFoundError, SpanError
from annotator.core.model import (
    Annotation,
    AnnotationId,
    AnnotationKind,
    AnnotationStatus,
    Annotator,
    AnnotatorId,
    Document,
    DocumentId,
    ImportChanges,
    ImportPlan,
    Label,
    LabelSet,
    LabelSetId,
    LabelSetKind,
    Link,
    LinkId,
    annotation_to_json,
    new_id,
    utc_now,
)
from annotator.core.spans import make_selector, validate_span
from annotator.documents import LoadedDocument, load_document
from annotator.documents.base import sha256_text
from annotator.formats import native
from annotator.outputs import refuse_unsafe_output, write_file
from annotator.resources import load_json_resource
from annotator.source_files import file_change
from annotator.store import Store

if TYPE_CHECKING:
    from annotator.nlp.settings import SentimentConfig

DEFAULT_ANNOTATOR = "me"
PROJECT_SUFFIX = ".annotator"
SENTIMENT_SETTING = "sentiment"

#: Kinds that may cover the whole document with an empty span (0, 0).
DOCUMENT_LEVEL_KINDS = frozenset({AnnotationKind.SUMMARY, AnnotationKind.DOC_LABEL})


def default_project_path() -> Path:
    """The project used when none is named: one file in the user's data folder."""
    return Path(platformdirs.user_data_dir("Annotator", appauthor=False)) / (
        "default" + PROJECT_SUFFIX
    )


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    """A row of the documents panel: a document without its text, with its counts."""

    document: Document
    annotations: int
    suggestions: int
    status: str  # of the current annotator: not started / in progress / done


class ProjectEvents:
    """Signals a view subscribes to. Arguments are core objects, never rows."""

    documents_changed = Signal()
    annotation_added = Signal(object)  # Annotation
    annotation_changed = Signal(object, object)  # old Annotation, new Annotation
    annotation_removed = Signal(object)  # Annotation
    annotations_reset = Signal(object)  # DocumentId | None: many changed at once
    links_changed = Signal()
    label_sets_changed = Signal()
    annotators_changed = Signal()
    current_annotator_changed = Signal(object)  # Annotator
    #: A write failed (full disk, read-only or damaged file); writing is stopped until
    #: :meth:`Project.resume_writing`. Emitted on the thread that failed.
    write_failed = Signal(object)  # ProjectStorageError


class ProjectEdit:
    """The writes of one user action that no single :class:`Project` method covers.

    Adjudicating a passage, re-anchoring a document or settling a merge write several kinds
    of record at once, each with its own history entry. Inside :meth:`Project.edit` those
    writes go to the file in one transaction (all or nothing); the caller records the
    history through :meth:`record` and announces the change once the block has ended.
    """

    def __init__(self, store: Store, actor: str) -> None:
        self._store = store
        self.actor = actor

    def add_document(self, document: Document) -> None:
        self._store.add_document(document)

    def replace_document_text(self, document: Document) -> None:
        """Put a new version of a document's file (text, hashes, pages) in place."""
        self._store.replace_document_text(document)

    def insert_annotations(self, annotations: Iterable[Annotation]) -> None:
        self._store.insert_annotations(annotations)

    def replace_annotation(self, annotation: Annotation) -> None:
        self._store.replace_annotation(annotation)

    def set_annotations_deleted(self, annotation_ids: Sequence[str], deleted: bool) -> None:
        """Soft-delete (or restore) annotations: they stay in the file, restorable."""
        self._store.set_annotations_deleted(annotation_ids, deleted)

    def add_link(self, link: Link) -> None:
        self._store.add_link(link)

    def record(
        self, action: str, entity: str, entity_id: str, *, before: Any = None, after: Any = None
    ) -> None:
        """A history entry of this action, by the edit's actor."""
        self._store.record(action, entity, entity_id, actor=self.actor, before=before, after=after)

    def record_all(self, entries: Iterable[tuple[str, str, str, Any, Any]]) -> None:
        """Many ``(action, entity, entity_id, before, after)`` history entries of this action,
        by the edit's actor, in one statement (a bulk action of 100,000 writes)."""
        actor = self.actor
        self._store.record_entries(
            (action, entity, entity_id, actor, before, after)
            for action, entity, entity_id, before, after in entries
        )


class Project:
    """An open project file and the operations on it."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, check: bool = False) -> None:
        """``check``: run ``quick_check`` on opening (see :class:`Store`)."""
        self.path = Path(path) if path is not None else default_project_path()
        self.store = Store(self.path, check=check)
        self.events = ProjectEvents()
        self.store.on_failure.append(self.events.write_failed.emit)
        self._texts: dict[str, tuple[str, str]] = {}  # document id -> (text hash, text)
        #: The current annotator as committed to the file: (name, id). Annotators are never
        #: deleted, so once seen outside a transaction the id stays good, and building a
        #: million annotations does not look the name up a million times.
        self._saved_current: tuple[str, AnnotatorId] | None = None
        self._seed_defaults()
        self._current = self._load_current_annotator()

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        self.store.close()

    def flush_in_background(self) -> bool:
        """Let writes return before the disk has them; a thread makes each durable a moment
        later (the window's choice: see :mod:`annotator.store.flushing`). A failure to do so
        stops writing and is announced by ``events.write_failed`` from that thread."""
        return self.store.flush_in_background()

    @property
    def write_failure(self) -> AnnotatorError | None:
        """The storage failure that stopped writing, if any (see :meth:`resume_writing`)."""
        return self.store.failure

    def resume_writing(self) -> None:
        """Write again after a storage failure, once the file checks out (else raises)."""
        self.store.resume_writing()

    @contextlib.contextmanager
    def edit(self) -> Iterator[ProjectEdit]:
        """One user action made of several writes, in one transaction (see
        :class:`ProjectEdit`). Nested edits join the outer one."""
        with self.store.transaction():
            yield ProjectEdit(self.store, self.current_annotator.name)

    def backup(self, reason: str) -> Path:
        """A checked copy of the project beside it, before a risky action (``reason`` is
        in its name)."""
        return self.store.backup(reason)

    def setting(self, key: str, default: Any = None) -> Any:
        """A project setting (stored in the file, shared by everyone who opens it)."""
        return self.store.get_setting(key, default)

    def change_setting(self, key: str, value: Any) -> None:
        """Change a project setting as one action, in the history. The caller announces
        what the setting changes."""
        with self.store.transaction():
            self.store.set_setting(key, value)
            self.store.record(
                "setting", "project", key, actor=self.current_annotator.name, after=value
            )

    def changed_elsewhere(
        self, document_ids: Iterable[str] = (), *, documents: bool = True
    ) -> None:
        """Announce writes made by another connection (a worker thread, the suggestion
        process): views of these documents' annotations, and of the documents list, reload."""
        for document_id in dict.fromkeys(document_ids):
            self.events.annotations_reset.emit(DocumentId(document_id))
        if documents:
            self.events.documents_changed.emit()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _seed_defaults(self) -> None:
        """A new project starts with a legend, symbols and label sets worth using."""
        if self.store.get_setting("seeded"):
            return
        defaults = load_json_resource("labelsets", "defaults.json")
        with self.store.transaction():
            legend = defaults["legend"]
            self.store.save_label_set(
                LabelSet(
                    LabelSetId(new_id()),
                    legend["name"],
                    LabelSetKind.LEGEND,
                    tuple(Label(**label) for label in legend["labels"]),
                )
            )
            for spec in defaults["label_sets"]:
                self.store.save_label_set(
                    LabelSet(
                        LabelSetId(new_id()),
                        spec["name"],
                        LabelSetKind(spec["kind"]),
                        tuple(Label(**label) for label in spec["labels"]),
                    )
                )
            self.store.set_setting("symbols", defaults["symbols"])
            self.store.set_setting("seeded", True)

    # -- annotators -----------------------------------------------------------------------

    def _load_current_annotator(self) -> Annotator:
        name = self.store.get_setting("current_annotator") or DEFAULT_ANNOTATOR
        # Not written until it annotates: an import into a fresh project can then bring its
        # own annotator of that name (with its id) instead of merging into a new one.
        return self.store.annotator_by_name(name) or Annotator(AnnotatorId(new_id()), name)

    @property
    def current_annotator(self) -> Annotator:
        stored = self.store.annotator_by_name(self._current.name)
        if stored is not None:
            self._current = stored
        return self._current

    def _ensure_current_saved(self) -> AnnotatorId:
        saved = self._saved_current
        if saved is not None and saved[0] == self._current.name:
            return saved[1]
        stored = self.store.annotator_by_name(self._current.name)
        if stored is not None and not self.store.conn.in_transaction:
            self._saved_current = (stored.name, stored.id)
        if stored is None:
            # Checked again under the write lock: a worker thread with its own connection may
            # be creating the same annotator at this very moment.
            with self.store.transaction():
                stored = self.store.annotator_by_name(self._current.name)
                if stored is None:
                    self.store.add_annotator(self._current)
                    self.store.record(
                        "add", "annotator", self._current.id, actor=self._current.name,
                        after={"name": self._current.name},
                    )  # fmt: skip
            if stored is None:
                self.events.annotators_changed.emit()
                return self._current.id
        self._current = stored
        return stored.id

    def annotators(self) -> list[Annotator]:
        return self.store.annotators()

    def annotator_counts(self) -> dict[AnnotatorId, tuple[int, int, int]]:
        """Per annotator id: (annotations, pending suggestions, documents with either)."""
        return {AnnotatorId(k): v for k, v in self.store.annotator_counts().items()}

    def find_annotator(self, name: str) -> Annotator | None:
        """The annotator called ``name``, None if the project has none (nothing is created)."""
        return self.store.annotator_by_name(name)

    def document_statuses(self) -> dict[tuple[DocumentId, AnnotatorId], str]:
        """Every status an annotator set on a document: (document, annotator) -> status."""
        return self.store.document_statuses()

    def annotator_named(self, name: str, *, create: bool = False) -> Annotator:
        name = name.strip()
        if not name:
            raise AnnotatorError("an annotator needs a name")
        found = self.store.annotator_by_name(name)
        if found is not None:
            return found
        if not create:
            raise NotFoundError(f"there is no annotator called '{name}' in this project")
        annotator = Annotator(AnnotatorId(new_id()), name)
        with self.store.transaction():
            # Under the write lock, so two connections cannot both create the same name.
            found = self.store.annotator_by_name(name)
            if found is None:
                self.store.add_annotator(annotator)
                self.store.record(
                    "add", "annotator", annotator.id, actor=name, after={"name": name}
                )
        if found is not None:
            return found
        self.events.annotators_changed.emit()
        return annotator

    def switch_annotator(self, name: str) -> Annotator:
        """Make ``name`` the current annotator (creating it if new); remembered in the project."""
        annotator = self.annotator_named(name, create=True)
        with self.store.transaction():
            self.store.set_setting("current_annotator", annotator.name)
        self._current = annotator
        self.events.current_annotator_changed.emit(annotator)
        return annotator

    def act_as(self, name: str) -> Annotator:
        """Work as ``name`` from now on in this session only (the command line's
        ``--annotator``), leaving the project's own "who am I" as it is. Like the default
        annotator, a new name is written only once it annotates."""
        name = name.strip()
        if not name:
            raise AnnotatorError("an annotator needs a name")
        self._current = self.store.annotator_by_name(name) or Annotator(AnnotatorId(new_id()), name)
        return self._current

    def rename_annotator(self, old: str, new: str) -> Annotator:
        """Give an annotator another name; their annotations follow (they hold the id), and
        if they are the current annotator they stay so. A name in use is refused: merging
        two people's work is ``merge --same-people``, not a rename."""
        annotator = self.annotator_named(old)
        new = new.strip()
        if not new:
            raise AnnotatorError("an annotator needs a name")
        if new == annotator.name:
            return annotator
        if self.store.annotator_by_name(new) is not None:
            raise AnnotatorError(f"there is already an annotator called '{new}'")
        current = self._current.name == annotator.name
        with self.store.transaction():
            self.store.rename_annotator(annotator.id, new)
            if current or self.store.get_setting("current_annotator") == annotator.name:
                self.store.set_setting("current_annotator", new)
            self.store.record(
                "rename", "annotator", annotator.id, actor=self._current.name,
                before=annotator.name, after=new,
            )  # fmt: skip
        renamed = dataclasses.replace(annotator, name=new)
        if current:
            self._current = renamed
        self.events.annotators_changed.emit()
        if current:
            self.events.current_annotator_changed.emit(renamed)
        return renamed

    def _annotator_id(self, name: str | None) -> AnnotatorId:
        if name is None or name == self._current.name:
            return self._ensure_current_saved()
        return self.annotator_named(name, create=True).id

    def set_document_status(
        self, document_id: str, status: str, *, annotator: str | None = None
    ) -> None:
        """Set a document's status for ``annotator`` (default: the current annotator)."""
        if status not in ("not started", "in progress", "done"):
            raise AnnotatorError(f"unknown status '{status}'")
        self.document(document_id)
        annotator_id = self._annotator_id(annotator)
        with self.store.transaction():
            self.store.set_document_status(document_id, annotator_id, status)
            self.store.record(
                "status", "document", document_id, actor=self._current.name,
                after={"status": status, "annotator": annotator or self._current.name},
            )  # fmt: skip
        self.events.documents_changed.emit()

    # -- documents ------------------------------------------------------------------------

    def add_document(
        self, path: str | os.PathLike[str], *, password: str | None = None
    ) -> tuple[Document, bool]:
        """Add a file; returns the document and whether it is new.

        The same bytes added twice give the same document; if the file has moved since, the
        stored path is updated (a moved file is recognised by its hash).
        """
        loaded = load_document(path, password=password)
        return self.add_loaded_document(loaded, str(Path(path).resolve()))

    def add_loaded_document(self, loaded: LoadedDocument, path: str) -> tuple[Document, bool]:
        existing = self.store.document_by_sha256(loaded.sha256)
        if existing is not None:
            with self.store.transaction():
                if existing.path != path:
                    self.store.set_document_path(existing.id, path)
                    self.store.record(
                        "move", "document", existing.id, actor=self._current.name,
                        before=existing.path, after=path,
                    )  # fmt: skip
                self.store.set_document_deleted(existing.id, False)
            self.events.documents_changed.emit()
            return dataclasses.replace(existing, path=path), False
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
        with self.store.transaction():
            self.store.add_document(document)
            self.store.record(
                "add", "document", document.id, actor=self._current.name,
                after={"title": document.title, "path": path, "sha256": document.sha256},
            )  # fmt: skip
        self.events.documents_changed.emit()
        return document, True

    def add_text(self, title: str, text: str, *, source: str = "") -> tuple[Document, bool]:
        """Add a document that arrives as text (imports of JSONL, CoNLL, brat...)."""
        from annotator.core.model import DocumentKind

        if not text:
            raise DocumentError(f"document '{title}' has no text")
        digest = sha256_text(text)
        loaded = LoadedDocument(
            title=title, kind=DocumentKind.TEXT, text=text, sha256=digest, text_sha256=digest
        )
        return self.add_loaded_document(loaded, source)

    def document(self, document_id: str) -> Document:
        return self.store.document(document_id)

    def has_document(self, document_id: str) -> bool:
        try:
            self.store.document(document_id)
        except NotFoundError:
            return False
        return True

    def document_headers(self) -> list[Document]:
        """The documents in project order without their text (``text`` is empty): cheap
        for long projects; :meth:`document` gives one whole."""
        return self.store.documents()

    def document_by_sha256(self, sha256: str) -> Document | None:
        """The document (removed ones included) added from a file with these bytes."""
        return self.store.document_by_sha256(sha256)

    def document_by_text_sha256(self, text_sha256: str) -> Document | None:
        """A document whose canonical text has this hash."""
        return self.store.document_by_text_sha256(text_sha256)

    def document_text_lengths(self, document_ids: Sequence[str]) -> dict[DocumentId, int]:
        """The length of each document's text (unknown ids are left out)."""
        return self.store.document_text_lengths(document_ids)

    def set_document_paths(self, paths: Mapping[str, str]) -> None:
        """Point documents at their files' new places (document id -> path), as one action."""
        with self.store.transaction():
            for document_id, path in paths.items():
                self.store.set_document_path(document_id, path)
                self.store.record(
                    "move", "document", document_id, actor=self._current.name, after=path
                )
        self.events.documents_changed.emit()

    def text_of(self, document_id: str) -> str:
        """A document's canonical text, cached: annotating a 1 MB book must not re-read it."""
        digest = self.store.document_text_sha256(document_id)
        cached = self._texts.get(document_id)
        if cached is not None and cached[0] == digest:
            return cached[1]
        text = self.store.document(document_id).text
        if len(self._texts) >= 8:
            self._texts.pop(next(iter(self._texts)))
        self._texts[document_id] = (digest, text)
        return text

    def cached_tokens(self, text_sha256: str, tokenizer: str) -> tuple[str, bytes, bytes] | None:
        """``(language, starts, ends)`` of a text's tokens cached by :meth:`cache_tokens`."""
        return self.store.cached_tokens(text_sha256, tokenizer)

    def cache_tokens(self, rows: Iterable[tuple[str, str, str, int, bytes, bytes]]) -> None:
        """Keep texts' tokens for the next agreement run, rows of ``(text_sha256, tokenizer,
        language, count, starts, ends)``: derived data, not a user action, so no history
        entry and no event (an edited text has another hash and is tokenised again)."""
        with self.store.transaction():
            self.store.cache_tokens(rows)

    def labelled_documents(self, annotator: str, kinds: Sequence[str]) -> set[DocumentId]:
        """The documents where an annotator has an accepted labelled annotation of ``kinds``."""
        annotator_id = self.annotator_named(annotator).id
        found = self.store.labelled_documents(annotator_id, (AnnotationStatus.ACCEPTED,), kinds)
        return {DocumentId(d) for d in found}

    def labelled_spans(
        self, annotator: str, kinds: Sequence[str]
    ) -> list[tuple[str, int, int, str]]:
        """``(document, start, end, label)`` of an annotator's accepted labelled annotations
        of ``kinds``, as plain tuples (agreement over a corpus reads millions of them)."""
        annotator_id = self.annotator_named(annotator).id
        return self.store.labelled_spans(annotator_id, (AnnotationStatus.ACCEPTED,), kinds)

    def documents(self) -> list[DocumentSummary]:
        counts = self.store.document_counts()
        statuses = self.store.document_statuses()
        me = self.current_annotator.id
        summaries = []
        for doc in self.store.documents():
            annotations, suggestions = counts.get(doc.id, (0, 0))
            status = statuses.get((doc.id, me), "in progress" if annotations else "not started")
            summaries.append(DocumentSummary(doc, annotations, suggestions, status))
        return summaries

    def rename_document(self, document_id: str, title: str) -> None:
        title = title.strip()
        if not title:
            raise AnnotatorError("a document needs a title")
        old = self.document(document_id)
        with self.store.transaction():
            self.store.set_document_title(document_id, title)
            self.store.record(
                "rename", "document", document_id, actor=self._current.name,
                before=old.title, after=title,
            )  # fmt: skip
        self.events.documents_changed.emit()

    def remove_document(self, document_id: str) -> None:
        """Soft delete: the document and its annotations can be restored."""
        self.document(document_id)
        with self.store.transaction():
            self.store.set_document_deleted(document_id, True)
            self.store.record("delete", "document", document_id, actor=self._current.name)
        self.events.documents_changed.emit()

    def restore_document(self, document_id: str) -> None:
        with self.store.transaction():
            self.store.set_document_deleted(document_id, False)
            self.store.record("restore", "document", document_id, actor=self._current.name)
        self.events.documents_changed.emit()

    # -- annotations ----------------------------------------------------------------------

    def annotate(
        self,
        document_id: str,
        start: int,
        end: int,
        *,
        kind: AnnotationKind | str | None = None,
        label: str | None = None,
        note: str = "",
        color: str | None = None,
        symbol: str | None = None,
        annotator: str | None = None,
        source: str = "manual",
        status: AnnotationStatus | str = AnnotationStatus.ACCEPTED,
        score: float | None = None,
        page: int | None = None,
        rect: tuple[float, float, float, float] | None = None,
    ) -> Annotation:
        """Create an annotation on ``text[start:end]`` (code points, end exclusive)."""
        annotation = self.build_annotation(
            document_id, start, end, kind=kind, label=label, note=note, color=color,
            symbol=symbol, annotator=annotator, source=source, status=status, score=score,
            page=page, rect=rect,
        )  # fmt: skip
        with self.store.transaction():
            self.store.insert_annotation(annotation)
            self.store.record(
                "add", "annotation", annotation.id, actor=self._current.name,
                after=annotation_to_json(annotation),
            )  # fmt: skip
        self.events.annotation_added.emit(annotation)
        return annotation

    def build_annotation(
        self,
        document_id: str,
        start: int,
        end: int,
        *,
        kind: AnnotationKind | str | None = None,
        label: str | None = None,
        note: str = "",
        color: str | None = None,
        symbol: str | None = None,
        annotator: str | None = None,
        source: str = "manual",
        status: AnnotationStatus | str = AnnotationStatus.ACCEPTED,
        score: float | None = None,
        page: int | None = None,
        rect: tuple[float, float, float, float] | None = None,
        text: str | None = None,
    ) -> Annotation:
        """Validate and build an annotation without writing it (bulk operations use this)."""
        if text is None:
            text = self.text_of(document_id)
        resolved = _resolve_kind(kind, label=label, note=note)
        validate_span(
            text, start, end, allow_empty=resolved in DOCUMENT_LEVEL_KINDS or rect is not None
        )
        selector = make_selector(text, start, end)
        try:
            status = AnnotationStatus(status)
        except ValueError:
            raise AnnotatorError(f"unknown annotation status '{status}'") from None
        return Annotation(
            id=AnnotationId(new_id()),
            document_id=DocumentId(document_id),
            annotator_id=self._annotator_id(annotator),
            kind=resolved,
            start=start,
            end=end,
            quote=selector.exact,
            prefix=selector.prefix,
            suffix=selector.suffix,
            label=label or None,
            color=color or None,
            symbol=symbol or None,
            note=note,
            source=source,
            status=status,
            score=score,
            page=page,
            rect=rect,
        )

    def add_annotations(self, annotations: Sequence[Annotation], *, action: str = "add") -> None:
        """Write many built annotations as one action (accept all, label every occurrence)."""
        if not annotations:
            return
        with self.store.transaction():
            self.store.insert_annotations(annotations)
            self.store.record_many(
                action, "annotation", (a.id for a in annotations), actor=self._current.name
            )
        self._reset_views(annotations)

    def annotation(self, annotation_id: str, *, include_deleted: bool = False) -> Annotation:
        return self.store.annotation(annotation_id, include_deleted=include_deleted)

    def find_annotation(self, annotation_id: str) -> Annotation | None:
        """The annotation with this id, deleted or not; None if the project never had it."""
        try:
            return self.store.annotation(annotation_id, include_deleted=True)
        except NotFoundError:
            return None

    def find_annotations(self, annotation_ids: Sequence[str]) -> dict[str, Annotation]:
        """Those of these ids the project holds (deleted or not), each with its annotation."""
        if not self.store.has_annotations(include_deleted=True):
            return {}  # an import into a new project: nothing to look up
        return self.store.annotations_by_id(annotation_ids)

    def annotations(
        self,
        document_id: str | None = None,
        *,
        annotator: str | None = None,
        statuses: Sequence[AnnotationStatus] | None = (
            AnnotationStatus.ACCEPTED,
            AnnotationStatus.ORPHANED,
        ),
        annotator_id: str | None = None,
        include_deleted: bool = False,
    ) -> list[Annotation]:
        """Live annotations in reading order; by default the reader's own (not suggestions).

        ``statuses`` None: every status. ``annotator`` (a name) or ``annotator_id`` narrow
        it to one annotator's; ``include_deleted`` adds the soft-deleted ones."""
        if annotator:
            annotator_id = self.annotator_named(annotator).id
        return self.store.annotations(
            document_id,
            annotator_id=annotator_id,
            statuses=statuses,
            include_deleted=include_deleted,
        )

    def has_file_marks_imported(self, document_id: str) -> bool:
        """Whether the PDF's own highlights and notes are annotations here now (imported and
        not all deleted since): the view then shows those instead of the file's."""
        return self.store.has_annotations_from(document_id, "pdf")

    def annotations_in_range(
        self,
        document_id: str,
        start: int,
        end: int,
        *,
        annotator: str | None = None,
        statuses: Sequence[AnnotationStatus] | None = (
            AnnotationStatus.ACCEPTED,
            AnnotationStatus.ORPHANED,
        ),
    ) -> list[Annotation]:
        """:meth:`annotations` limited to those touching ``[start, end)``: one screen's worth."""
        annotator_id = self.annotator_named(annotator).id if annotator else None
        return self.store.annotations_in_range(
            document_id, start, end, annotator_id=annotator_id, statuses=statuses
        )

    def update_annotation(self, annotation_id: str, **changes: Any) -> Annotation:
        """Change fields of an annotation; moving its span re-reads the quote."""
        old = self.store.annotation(annotation_id)
        allowed = {"start", "end", "kind", "label", "note", "color", "symbol", "status", "score"}
        unknown = set(changes) - allowed
        if unknown:
            raise AnnotatorError(f"cannot change {', '.join(sorted(unknown))} of an annotation")
        if "kind" in changes:
            changes["kind"] = AnnotationKind(changes["kind"])
        if "status" in changes:
            changes["status"] = AnnotationStatus(changes["status"])
        new = dataclasses.replace(old, **changes, modified=utc_now())
        if (new.start, new.end) != (old.start, old.end):
            text = self.text_of(old.document_id)
            validate_span(text, new.start, new.end, allow_empty=new.kind in DOCUMENT_LEVEL_KINDS)
            selector = make_selector(text, new.start, new.end)
            new = dataclasses.replace(
                new, quote=selector.exact, prefix=selector.prefix, suffix=selector.suffix
            )
        with self.store.transaction():
            self.store.replace_annotation(new)
            self.store.record(
                "edit", "annotation", new.id, actor=self._current.name,
                before=annotation_to_json(old), after=annotation_to_json(new),
            )  # fmt: skip
        self.events.annotation_changed.emit(old, new)
        return new

    def replace_annotation(self, annotation: Annotation) -> Annotation:
        """Put back an earlier version of an annotation as it was (undo of an edit)."""
        old = self.store.annotation(annotation.id)
        with self.store.transaction():
            self.store.replace_annotation(annotation)
            self.store.record(
                "edit", "annotation", annotation.id, actor=self._current.name,
                before=annotation_to_json(old), after=annotation_to_json(annotation),
            )  # fmt: skip
        self.events.annotation_changed.emit(old, annotation)
        return annotation

    def delete_annotation(self, annotation_id: str) -> Annotation:
        """Soft delete; :meth:`restore_annotation` brings it back (undo)."""
        annotation = self.store.annotation(annotation_id)
        with self.store.transaction():
            self.store.set_annotation_deleted(annotation_id, True)
            self.store.record(
                "delete", "annotation", annotation_id, actor=self._current.name,
                before=annotation_to_json(annotation),
            )  # fmt: skip
        self.events.annotation_removed.emit(annotation)
        return annotation

    def restore_annotation(self, annotation_id: str) -> Annotation:
        with self.store.transaction():
            self.store.set_annotation_deleted(annotation_id, False)
            annotation = self.store.annotation(annotation_id)
            self.store.record(
                "restore", "annotation", annotation_id, actor=self._current.name,
                after=annotation_to_json(annotation),
            )  # fmt: skip
        self.events.annotation_added.emit(annotation)
        return annotation

    def delete_annotations(self, annotation_ids: Sequence[str]) -> list[Annotation]:
        removed = [self.store.annotation(i) for i in annotation_ids]
        with self.store.transaction():
            self.store.set_annotations_deleted(annotation_ids, True)
            for a in removed:
                self.store.record("delete", "annotation", a.id, actor=self._current.name)
        self._reset_views(removed)
        return removed

    def restore_annotations(self, annotation_ids: Sequence[str]) -> None:
        with self.store.transaction():
            self.store.set_annotations_deleted(annotation_ids, False)
            for i in annotation_ids:
                self.store.record("restore", "annotation", i, actor=self._current.name)
        self._reset_views([self.store.annotation(i) for i in annotation_ids])

    def change_annotations(
        self,
        *,
        add: Sequence[Annotation] = (),
        replace: Sequence[Annotation] = (),
        delete: Sequence[str] = (),
        restore: Sequence[str] = (),
        action: str = "edit",
    ) -> list[Annotation]:
        """Apply many annotation changes as ONE action: one transaction, one history batch.

        ``add`` inserts built annotations, ``replace`` puts new versions of existing ones in
        place, ``delete`` soft-deletes and ``restore`` un-deletes by id. Used by accepting or
        rejecting suggestions in bulk, by "label every occurrence" and by their undo/redo.
        Returns the versions ``replace`` overwrote (what an undo puts back). Views get one
        ``annotations_reset`` per document touched, after the commit.
        """
        old_versions = [self.store.annotation(a.id) for a in replace]
        removed = [self.store.annotation(i) for i in delete]
        actor = self._current.name
        # History is built before the write lock is taken, and an added record is not copied
        # into it (its stored row is the "after"): a background run storing a book's
        # suggestions must not keep the window's own writes waiting.
        entries: list[tuple[str, str, str, str | None, Any, Any]] = [
            *((action, "annotation", a.id, actor, None, None) for a in add),
            *(
                (action, "annotation", new.id, actor, annotation_to_json(old),
                 annotation_to_json(new))
                for old, new in zip(old_versions, replace, strict=True)
            ),
            *((action, "annotation", a.id, actor, annotation_to_json(a), None) for a in removed),
            *((action, "annotation", i, actor, None, None) for i in restore),
        ]  # fmt: skip
        with self.store.transaction():
            if add:
                self.store.insert_annotations(add)
            for new in replace:
                self.store.replace_annotation(new)
            if delete:
                self.store.set_annotations_deleted(delete, True)
            if restore:
                self.store.set_annotations_deleted(restore, False)
            self.store.record_entries(entries)
        restored = [self.store.annotation(i) for i in restore]
        self._reset_views([*add, *replace, *removed, *restored])
        return old_versions

    def _reset_views(self, annotations: Iterable[Annotation]) -> None:
        documents = {a.document_id for a in annotations}
        for document_id in documents:
            self.events.annotations_reset.emit(document_id)

    # -- links ----------------------------------------------------------------------------

    def link(self, from_id: str, to_id: str, *, note: str = "") -> Link:
        """Connect two annotations ("connects to"); shown and followed from both ends."""
        if from_id == to_id:
            raise AnnotatorError("an annotation cannot be linked to itself")
        self.store.annotation(from_id)
        self.store.annotation(to_id)
        existing = [
            link
            for link in self.store.links()
            if {link.from_annotation, link.to_annotation} == {from_id, to_id}
        ]
        if existing:
            return existing[0]
        link = Link(LinkId(new_id()), AnnotationId(from_id), AnnotationId(to_id), note=note)
        with self.store.transaction():
            self.store.add_link(link)
            self.store.record(
                "add", "link", link.id, actor=self._current.name,
                after={"from": from_id, "to": to_id, "note": note},
            )  # fmt: skip
        self.events.links_changed.emit()
        return link

    def unlink(self, link_id: str) -> None:
        with self.store.transaction():
            self.store.set_link_deleted(link_id, True)
            self.store.record("delete", "link", link_id, actor=self._current.name)
        self.events.links_changed.emit()

    def restore_link(self, link_id: str) -> None:
        with self.store.transaction():
            self.store.set_link_deleted(link_id, False)
            self.store.record("restore", "link", link_id, actor=self._current.name)
        self.events.links_changed.emit()

    def links(self, document_id: str | None = None) -> list[Link]:
        return self.store.links(document_id)

    def linked_annotations(self, annotation_id: str) -> list[tuple[Link, Annotation]]:
        """The annotations connected to this one, whichever end it is on."""
        result = []
        for link in self.store.links():
            if annotation_id in (link.from_annotation, link.to_annotation):
                other = (
                    link.to_annotation
                    if link.from_annotation == annotation_id
                    else link.from_annotation
                )
                try:
                    result.append((link, self.store.annotation(other)))
                except NotFoundError:
                    continue
        return result

    # -- labels, legend, symbols ----------------------------------------------------------

    def label_sets(self, kind: LabelSetKind | None = None) -> list[LabelSet]:
        sets = self.store.label_sets()
        return [s for s in sets if kind is None or s.kind == kind]

    def label_set(self, name_or_id: str) -> LabelSet:
        for label_set in self.store.label_sets():
            if name_or_id in (label_set.id, label_set.name):
                return label_set
        raise NotFoundError(f"there is no label set called '{name_or_id}'")

    def save_label_set(self, label_set: LabelSet) -> LabelSet:
        """Add or replace a label set (checked by :func:`label_set_problems` first)."""
        self.update_label_sets([label_set])
        return label_set

    def update_label_sets(
        self, saved: Sequence[LabelSet] = (), deleted: Sequence[str] = ()
    ) -> None:
        """Save and delete label sets in one step (the label set editor's OK).

        Every saved set is checked against the rules in :mod:`annotator.core.labels` and
        against the others as they will be; nothing is written if one fails. Deleting a set
        leaves annotations with its labels as they are. The legend cannot be deleted.
        """
        from annotator.core.labels import label_set_problems

        current = {s.id: s for s in self.label_sets()}
        for ident in deleted:
            found = current.get(LabelSetId(ident))
            if found is None:
                raise NotFoundError(f"there is no label set with id '{ident}'")
            if found.kind == LabelSetKind.LEGEND:
                raise AnnotatorError("the highlight colours cannot be deleted, only edited")
        gone = set(deleted)
        after = {i: s for i, s in current.items() if i not in gone}
        after.update({s.id: s for s in saved})
        for label_set in saved:
            problems = label_set_problems(label_set, after.values())
            if problems:
                raise AnnotatorError(f"label set '{label_set.name}': {problems[0]}")
        with self.store.transaction():
            for label_set in saved:
                self.store.save_label_set(label_set)
                self.store.record(
                    "save", "label_set", label_set.id, actor=self._current.name,
                    after={"name": label_set.name, "labels": [dataclasses.asdict(x)
                                                              for x in label_set.labels]},
                )  # fmt: skip
            for ident in deleted:
                self.store.delete_label_set(ident)
                self.store.record("delete", "label_set", ident, actor=self._current.name)
        self.events.label_sets_changed.emit()

    def legend(self) -> LabelSet:
        """The highlight colours and the meaning the reader gives each one."""
        legends = self.label_sets(LabelSetKind.LEGEND)
        if legends:
            return legends[0]
        return self.save_label_set(
            LabelSet(LabelSetId(new_id()), "Highlight colours", LabelSetKind.LEGEND)
        )

    def symbols(self) -> list[str]:
        return list(self.store.get_setting("symbols", ["?", "!", "*"]))

    def set_symbols(self, symbols: Sequence[str]) -> None:
        cleaned = list(dict.fromkeys(s.strip() for s in symbols if s.strip()))
        with self.store.transaction():
            self.store.set_setting("symbols", cleaned)
        self.events.label_sets_changed.emit()

    def sentiment_config(self) -> SentimentConfig:
        """The sentiment labels and cut points this project uses (defaults until changed)."""
        from annotator.nlp.settings import SentimentConfig

        data = self.store.get_setting(SENTIMENT_SETTING)
        if not isinstance(data, dict):
            return SentimentConfig()
        try:
            return SentimentConfig.from_json(data)
        except (TypeError, ValueError):
            return SentimentConfig()  # a damaged setting must not stop suggesting

    def set_sentiment_config(self, config: SentimentConfig) -> None:
        """Save the sentiment settings; renamed labels are renamed in the sentiment label set
        too (keeping their colours and keys), so the label picker offers the new names.
        Suggestions already made keep the labels they were made with."""
        old = self.sentiment_config()
        renamed = {before: after for before, after in zip(old.labels, config.labels, strict=True)}
        with self.store.transaction():
            self.store.set_setting(SENTIMENT_SETTING, config.to_json())
            for label_set in self.label_sets(LabelSetKind.SENTENCE):
                names = {label.name for label in label_set.labels}
                unchanged = all(before == after for before, after in renamed.items())
                if unchanged or not set(old.labels) <= names:
                    continue
                labels = tuple(
                    dataclasses.replace(label, name=renamed.get(label.name, label.name))
                    for label in label_set.labels
                )
                self.save_label_set(dataclasses.replace(label_set, labels=labels))
            self.store.record(
                "save", "setting", SENTIMENT_SETTING, actor=self._current.name,
                before=old.to_json(), after=config.to_json(),
            )  # fmt: skip
        self.events.label_sets_changed.emit()

    # -- export / import ------------------------------------------------------------------

    def export_annotated_pdf(
        self, document_id: str, out_path: str | os.PathLike[str], *, password: str | None = None
    ) -> Any:
        """Write a copy of a PDF document with its annotations as real PDF annotations that
        say what each meant (:func:`annotator.formats.pdf_meaning.pdf_marks`): highlights in their
        colour with their note, symbols as underlines carrying the symbol, summaries and
        links as notes. Returns the
        :class:`~annotator.documents.pdf_annotations.PdfWriteReport`.
        """
        from annotator.documents.pdf import read_navigation
        from annotator.documents.pdf_annotations import write_annotated_pdf
        from annotator.formats.pdf_meaning import pdf_marks

        refuse_unsafe_output(self, out_path)
        document = self.document(document_id)
        change = file_change(document)
        if change is not None and change.state == "missing":
            raise DocumentError(
                f"the PDF of '{document.title}' is no longer at '{document.path}': "
                "locate it (Document → Locate File…), then export again"
            )
        if change is not None:
            # Offsets and areas belong to the file that was annotated: on other bytes the
            # marks would land on other words.
            raise DocumentError(
                f"'{document.path}' is no longer the file '{document.title}' was annotated on "
                "(its content has changed): re-anchor the annotations to it first (Document → "
                "Re-anchor…), then export again"
            )
        annotations = self.annotations(document_id)
        marks, _losses = pdf_marks(
            document,
            annotations,
            self.links(document_id),
            names={a.id: a.name for a in self.annotators()},
            label_colors={label.name: label.color for s in self.label_sets() for label in s.labels},
            meanings={label.color: label.name for label in self.legend().labels},
            navigation=read_navigation(document.path, len(document.page_map)),
        )
        return write_file(
            out_path,
            lambda temporary: write_annotated_pdf(
                document.path, temporary, marks, document, password=password
            ),
        )

    def import_pdf_annotations(
        self, document_id: str, *, password: str | None = None
    ) -> list[Annotation]:
        """Turn the highlights and notes already in a PDF into annotations, as one action
        (:meth:`import_pdf_marks`, without what it changed)."""
        return self.import_pdf_marks(document_id, password=password)[0]

    def import_pdf_marks(
        self, document_id: str, *, password: str | None = None
    ) -> tuple[list[Annotation], ImportChanges]:
        """Turn the highlights and notes already in a PDF into annotations, as one action;
        the annotations added and the :class:`ImportChanges` that :meth:`undo_import` takes
        back.

        Marks written by :meth:`export_annotated_pdf` keep their id, so importing them again
        adds nothing, and their kind, symbol and links; marks that cannot be placed in the
        text are left out.
        """
        from annotator.documents.pdf_annotations import read_pdf_annotations
        from annotator.formats.pdf_meaning import kind_of, own_color

        document = self.document(document_id)
        marks = read_pdf_annotations(document.path, document, password=password)
        pairs = [pair for m in marks if m.kind == "link" for pair in m.links]
        marks = [m for m in marks if m.kind != "link"]  # links are not annotations
        known = {a.id for a in self.store.annotations(statuses=None, include_deleted=True)}
        generic = {"highlight", "underline", "strikeout", "squiggly", "comment", "note",
                   "text", "freetext", "square", "sticky note"}  # fmt: skip
        built: list[Annotation] = []
        for mark in marks:
            if mark.id and mark.id in known:
                continue
            label = mark.label if mark.label and mark.label.lower() not in generic else None
            try:
                a = self.build_annotation(
                    document_id, mark.start, mark.end,
                    kind=kind_of(mark) if mark.kind or mark.note else None,
                    label=label if not mark.kind else mark.label, note=mark.note,
                    color=own_color(mark), symbol=mark.symbol,
                    annotator=mark.author or None, source="pdf",
                    page=mark.page if mark.rect is not None else None, rect=mark.rect,
                    text=document.text,
                )  # fmt: skip
            except AnnotatorError:
                continue
            if mark.id and len(mark.id) >= 16:
                a = dataclasses.replace(a, id=AnnotationId(mark.id))
            known.add(a.id)
            built.append(a)
        links = self._links_between(document_id, built, pairs)
        if not built and not links:
            return [], ImportChanges()
        plan = ImportPlan(format="pdf", origin=document.path, annotations=tuple(built), links=links)
        _backup, changes = self.apply_import(plan, backup=False)
        return built, changes

    def _links_between(
        self, document_id: str, added: Sequence[Annotation], pairs: Sequence[tuple[str, str]]
    ) -> tuple[Link, ...]:
        """The links a PDF asks for between its annotations (added now or already here, in
        this document), less those the project has either way round."""
        if not pairs:
            return ()
        here = {a.id for a in added} | {a.id for a in self.annotations(document_id)}
        have = {frozenset((x.from_annotation, x.to_annotation)) for x in self.links()}
        links: list[Link] = []
        for first, second in pairs:
            pair = frozenset((first, second))
            if first == second or not pair <= here or pair in have:
                continue
            have.add(pair)
            links.append(Link(LinkId(new_id()), AnnotationId(first), AnnotationId(second)))
        return tuple(links)

    def undo_import(self, changes: ImportChanges) -> None:
        """Take an import back as one step: what it added is soft-deleted, what it updated
        gets its earlier version again. :meth:`redo_import` does it again."""
        self._apply_import_changes(changes, undo=True)

    def redo_import(self, changes: ImportChanges) -> None:
        self._apply_import_changes(changes, undo=False)

    def _apply_import_changes(self, changes: ImportChanges, *, undo: bool) -> None:
        store = self.store
        with store.transaction():
            for link_id in changes.links:
                store.set_link_deleted(link_id, undo)
            store.set_annotations_deleted(list(changes.annotations), undo)
            for before, after in changes.replaced:
                store.replace_annotation(before if undo else after)
            for document_id in changes.documents:
                store.set_document_deleted(document_id, undo)
            for label_set in changes.label_sets:
                if undo:
                    store.delete_label_set(label_set.id)
                else:
                    store.save_label_set(label_set)
            store.record(
                "undo" if undo else "redo", "import", str(self.path), actor=self._current.name,
                after={"annotations": list(changes.annotations),
                       "documents": list(changes.documents)},
            )  # fmt: skip
        self.events.documents_changed.emit()
        if changes.label_sets:
            self.events.label_sets_changed.emit()
        if changes.links:
            self.events.links_changed.emit()
        self.events.annotations_reset.emit(None)

    def export_json(self, document_ids: Sequence[str] | None = None) -> dict[str, Any]:
        """The project (or some of its documents) in Annotator's own JSON format."""
        if document_ids is None:
            documents = [self.document(d.id) for d in self.store.documents()]
        else:
            documents = [self.document(d) for d in document_ids]
        wanted = {d.id for d in documents}
        annotations = [a for a in self.store.annotations(statuses=None) if a.document_id in wanted]
        return native.build_project(
            documents, annotations, self.annotators(), self.label_sets(), self.links()
        )

    def write_json(
        self, out: TextIO, document_ids: Sequence[str] | None = None
    ) -> native.WrittenCounts:
        """Write what :meth:`export_json` returns, as its JSON text (indented), to ``out``
        record by record: one document's text and one batch of annotations in memory at a
        time, whatever the size of the project."""
        if document_ids is None:
            ids = [d.id for d in self.store.documents()]
        else:
            ids = list(document_ids)
            for document_id in ids:  # NotFoundError for a bad id, before anything is written
                self.store.document_text_sha256(document_id)
        wanted = set(ids)
        used = self.store.annotators_of(wanted)
        return native.write_project(
            out,
            (self.document(d) for d in ids),
            (a for d in sorted(wanted) for a in self.store.iter_annotations(d)),
            [a for a in self.annotators() if a.id in used],
            self.label_sets(),
            self.store.links_within(wanted),
        )

    def import_json(self, data: Any) -> native.ImportReport:
        """Import Annotator's own JSON: checked completely first, then written as one action."""
        return self._import_native(*native.plan_import(self, data))

    def import_json_file(
        self, path: str | os.PathLike[str], read_whole: Callable[[], Any]
    ) -> native.ImportReport:
        """:meth:`import_json` of a file, read as a stream; ``read_whole()`` reads it whole
        when it cannot be (see :func:`~annotator.formats.native.plan_import_file`)."""
        return self._import_native(*native.plan_import_file(self, Path(path), read_whole))

    def _import_native(self, plan: ImportPlan, counts: native.ImportCounts) -> native.ImportReport:
        backup, changes = self.apply_import(plan, backup=True)
        return native.ImportReport(
            documents_added=len(plan.documents),
            documents_matched=counts.documents_matched,
            annotators_added=len(plan.annotators),
            label_sets_added=len(plan.label_sets),
            annotations_added=len(plan.annotations),
            annotations_updated=len(plan.replaced),
            annotations_unchanged=counts.unchanged,
            links_added=len(plan.links),
            annotations_renamed=counts.renamed,
            backup=backup,
            changes=changes,
        )

    def apply_import(self, plan: ImportPlan, *, backup: bool) -> tuple[str | None, ImportChanges]:
        """Write what an importer planned, as one action, and announce it.

        ``backup``: first copy the project aside (``before-import``) if it holds
        annotations. Returns that copy's path and the :class:`ImportChanges` that
        :meth:`undo_import` takes back.
        """
        store = self.store
        copy = None
        if backup and store.has_annotations():
            copy = str(store.backup("before-import"))
        actor = self.current_annotator.name
        after = [new for _, new in plan.replaced]
        with store.transaction():
            for document in plan.documents:
                store.add_document(document)
                store.record(
                    "import", "document", document.id, actor=actor,
                    after={"title": document.title, "format": plan.format},
                )  # fmt: skip
            for annotator in plan.annotators:
                store.add_annotator(annotator)
            for label_set in plan.label_sets:
                store.save_label_set(label_set)
            store.insert_annotations(plan.annotations)
            for annotation in after:
                store.replace_annotation(annotation)
            for link in plan.links:
                store.add_link(link)
            store.record(
                "import", "project", str(self.path), actor=actor,
                after={"format": plan.format, "file": plan.origin,
                       "annotations": [a.id for a in plan.annotations],
                       "updated": [a.id for a in after]},
            )  # fmt: skip
        self.events.documents_changed.emit()
        if plan.annotators:
            self.events.annotators_changed.emit()
        if plan.label_sets:
            self.events.label_sets_changed.emit()
        if plan.links:
            self.events.links_changed.emit()
        self.events.annotations_reset.emit(None)
        return copy, ImportChanges(
            documents=tuple(d.id for d in plan.documents),
            annotations=tuple(a.id for a in plan.annotations),
            replaced=plan.replaced,
            links=tuple(link.id for link in plan.links),
            label_sets=plan.label_sets,
        )

    def history(self, entity_id: str | None = None) -> list[dict[str, Any]]:
        return self.store.history(entity_id)


def _resolve_kind(
    kind: AnnotationKind | str | None, *, label: str | None, note: str
) -> AnnotationKind:
    if kind is not None:
        try:
            return AnnotationKind(kind)
        except ValueError:
            names = ", ".join(k.value for k in AnnotationKind)
            raise AnnotatorError(f"unknown annotation kind '{kind}' (use one of {names})") from None
    if label:
        return AnnotationKind.ENTITY
    if note:
        return AnnotationKind.COMMENT
    return AnnotationKind.HIGHLIGHT


__all__ = [
    "DocumentSummary",
    "Project",
    "ProjectEvents",
    "SpanError",
    "default_project_path",
]
