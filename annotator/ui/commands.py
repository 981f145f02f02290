"""Undoable actions: each command calls the service, so undo writes to the project too.

A command does its work once when it is run (errors reach the reader before anything enters
the undo stack) and afterwards only on redo. Undo of an added annotation is a soft delete;
undo of an edit puts the old version back with ``replace_annotation``.

A note is saved as it is typed; every save of one editing session carries the session's
number and merges into the session's first command (:data:`NOTE_SESSION_ID`), so one undo
puts the note back as it was before the session (or removes the new comment).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtGui import QUndoCommand, QUndoStack

from annotator.core.errors import AnnotatorError, ProjectInUseError, ProjectStorageError
from annotator.core.model import Annotation, ImportChanges, LabelSet
from annotator.project import Project
from annotator.suggesting.changes import AnnotationChanges, redo_changes, undo_changes

T = TypeVar("T")

#: Commands with this id merge when they change the same annotation's span in a row.
RESIZE_ID = 1001
#: Commands with this id merge when they are saves of the same note-editing session.
NOTE_SESSION_ID = 1002


class _ServiceCommand(QUndoCommand):
    def __init__(self, project: Project, text: str) -> None:
        super().__init__(text)
        self.project = project
        self._first = True

    def execute(self) -> None:
        """The first run (before the command is pushed)."""
        raise NotImplementedError

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._redo()

    def _redo(self) -> None:
        raise NotImplementedError


class AddAnnotation(_ServiceCommand):
    def __init__(
        self,
        project: Project,
        document_id: str,
        start: int,
        end: int,
        text: str,
        *,
        session: int | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(project, text)
        self.document_id, self.start, self.end, self.fields = document_id, start, end, fields
        self.annotation: Annotation | None = None
        #: The note-editing session this comment was first saved in (None: not a note).
        self.session = session

    def execute(self) -> None:
        self.annotation = self.project.annotate(
            self.document_id, self.start, self.end, **self.fields
        )

    def _redo(self) -> None:
        assert self.annotation is not None
        self.project.restore_annotation(self.annotation.id)

    def undo(self) -> None:
        assert self.annotation is not None
        self.project.delete_annotation(self.annotation.id)

    def id(self) -> int:
        return NOTE_SESSION_ID if self.session is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        # Later saves of the new comment's note: undo still removes the comment, and redo
        # restores it as last saved (a soft delete keeps the latest note in place).
        return (
            isinstance(other, EditAnnotation)
            and other.session is not None
            and other.session == self.session
            and self.annotation is not None
            and other.annotation_id == self.annotation.id
        )


class EditAnnotation(_ServiceCommand):
    def __init__(
        self,
        project: Project,
        annotation_id: str,
        text: str,
        *,
        merge: bool = False,
        session: int | None = None,
        **changes: Any,
    ) -> None:
        super().__init__(project, text)
        self.annotation_id, self.changes, self._merge = annotation_id, changes, merge
        self.old: Annotation | None = None
        self.new: Annotation | None = None
        #: The note-editing session this is a save of (None: not a note).
        self.session = session

    def execute(self) -> None:
        self.old = self.project.annotation(self.annotation_id)
        self.new = self.project.update_annotation(self.annotation_id, **self.changes)

    def _redo(self) -> None:
        assert self.new is not None
        self.project.replace_annotation(self.new)

    def undo(self) -> None:
        assert self.old is not None
        self.project.replace_annotation(self.old)

    def id(self) -> int:
        if self.session is not None:
            return NOTE_SESSION_ID
        return RESIZE_ID if self._merge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditAnnotation) or other.annotation_id != self.annotation_id:
            return False
        if other.session != self.session:
            return False
        self.new = other.new
        if self.session is not None and _same_content(self.old, self.new):
            self.setObsolete(True)  # typed back to what it was: no step left to undo
        return True


def _same_content(old: Annotation | None, new: Annotation | None) -> bool:
    if old is None or new is None:
        return False
    return dataclasses.replace(new, modified=old.modified) == old


class DeleteAnnotations(_ServiceCommand):
    def __init__(self, project: Project, annotation_ids: list[str], text: str) -> None:
        super().__init__(project, text)
        self.ids = list(annotation_ids)

    def execute(self) -> None:
        self._redo()

    def _redo(self) -> None:
        if len(self.ids) == 1:
            self.project.delete_annotation(self.ids[0])
        else:
            self.project.delete_annotations(self.ids)

    def undo(self) -> None:
        if len(self.ids) == 1:
            self.project.restore_annotation(self.ids[0])
        else:
            self.project.restore_annotations(self.ids)


class LinkAnnotations(_ServiceCommand):
    def __init__(self, project: Project, from_id: str, to_id: str, text: str) -> None:
        super().__init__(project, text)
        self.from_id, self.to_id = from_id, to_id
        self.link_id: str | None = None

    def execute(self) -> None:
        self.link_id = self.project.link(self.from_id, self.to_id).id

    def _redo(self) -> None:
        assert self.link_id is not None
        self.project.restore_link(self.link_id)

    def undo(self) -> None:
        assert self.link_id is not None
        self.project.unlink(self.link_id)


class UnlinkAnnotations(_ServiceCommand):
    def __init__(self, project: Project, link_id: str, text: str) -> None:
        super().__init__(project, text)
        self.link_id = link_id

    def execute(self) -> None:
        self.project.unlink(self.link_id)

    def _redo(self) -> None:
        self.project.unlink(self.link_id)

    def undo(self) -> None:
        self.project.restore_link(self.link_id)


class EditLabelSets(_ServiceCommand):
    """The label set editor's OK: sets added, changed and deleted, undone as one step."""

    def __init__(
        self, project: Project, before: list[LabelSet], after: list[LabelSet], text: str
    ) -> None:
        super().__init__(project, text)
        self.before, self.after = before, after

    def _apply(self, old: list[LabelSet], new: list[LabelSet]) -> None:
        kept = {s.id for s in new}
        unchanged = {s.id: s for s in old}
        self.project.update_label_sets(
            [s for s in new if unchanged.get(s.id) != s],
            [s.id for s in old if s.id not in kept],
        )

    def execute(self) -> None:
        self._apply(self.before, self.after)

    def _redo(self) -> None:
        self._apply(self.before, self.after)

    def undo(self) -> None:
        self._apply(self.after, self.before)


class ImportAnnotations(_ServiceCommand):
    """An import (File → Import…, a PDF's own highlights) undone and redone as one step.

    ``run`` does the import once and returns its result with the :class:`ImportChanges` it
    made; undo soft-deletes what it added and puts back what it updated.
    """

    def __init__(
        self, project: Project, run: Callable[[], tuple[Any, ImportChanges]], text: str
    ) -> None:
        super().__init__(project, text)
        self._run = run
        self.result: Any = None
        self.changes = ImportChanges()

    def execute(self) -> None:
        self.result, self.changes = self._run()

    def _redo(self) -> None:
        self.project.redo_import(self.changes)

    def undo(self) -> None:
        self.project.undo_import(self.changes)


class RemoveDocument(_ServiceCommand):
    """Removing a document from the project (a soft delete: undo brings it back whole)."""

    def __init__(self, project: Project, document_id: str, text: str) -> None:
        super().__init__(project, text)
        self.document_id = document_id

    def execute(self) -> None:
        self.project.remove_document(self.document_id)

    def _redo(self) -> None:
        self.project.remove_document(self.document_id)

    def undo(self) -> None:
        self.project.restore_document(self.document_id)


class ReplaceValue(_ServiceCommand, Generic[T]):
    """A project setting changed from ``old`` to ``new`` through ``apply`` — a legend entry
    (``project.save_label_set``), the symbols, the sentiment settings; undo applies ``old``."""

    def __init__(
        self, project: Project, apply: Callable[[T], object], old: T, new: T, text: str
    ) -> None:
        super().__init__(project, text)
        self.apply, self.old, self.new = apply, old, new

    def execute(self) -> None:
        self.apply(self.new)

    def _redo(self) -> None:
        self.apply(self.new)

    def undo(self) -> None:
        self.apply(self.old)


class UndoHistory(QUndoStack):
    """A QUndoStack that runs commands once up front and reports errors instead of raising."""

    def __init__(self, on_error: Callable[[str], None], parent: Any = None) -> None:
        super().__init__(parent)
        self._on_error = on_error
        #: Asked when the project is busy in another program (nothing was written);
        #: returning True runs the command again.
        self.retry_in_use: Callable[[str], bool] | None = None
        #: True while writing is stopped after a storage failure: undo and redo wait
        #: (their commands could only fail, and the history stays valid for later).
        self.writing_stopped: Callable[[], bool] = lambda: False

    def run(self, command: _ServiceCommand) -> bool:
        while True:
            try:
                command.execute()
            except ProjectInUseError as error:
                if self.retry_in_use is not None and self.retry_in_use(str(error)):
                    continue
                self._on_error(str(error))
                return False
            except AnnotatorError as error:
                self._on_error(str(error))
                return False
            self.push(command)
            return True

    def session_command(self, session: int) -> QUndoCommand | None:
        """The last command done, if it is a save of this note-editing session."""
        if self.index() == 0:
            return None
        command = self.command(self.index() - 1)
        return command if getattr(command, "session", None) == session else None

    def discard_session(self, session: int) -> bool:
        """Take back a note-editing session (Escape, or a new comment left empty): undone
        and gone from the history, so redo cannot bring it back. False if its saves are
        not the last step any more (something else was done since)."""
        command = self.session_command(session)
        if command is None:
            return False
        try:
            command.undo()
        except AnnotatorError as error:
            self._on_error(f"Cannot undo that: {error}")
            self.clear()
            return False
        command.setObsolete(True)
        super().undo()  # an obsolete command is removed without being undone again
        return True

    def undo(self) -> bool:  # type: ignore[override]
        """Undo the last step; False (and the error said) if it could not be undone."""
        return self._guard(super().undo, "undo")

    def redo(self) -> bool:  # type: ignore[override]
        return self._guard(super().redo, "redo")

    def _guard(self, step: Callable[[], None], what: str) -> bool:
        if self.writing_stopped():
            self._on_error(f"Cannot {what} now: the project cannot be saved (see “Not saving”)")
            return False
        try:
            step()
            return True
        except ProjectStorageError as error:
            # Nothing was written and writing is now stopped: the history still matches the
            # file, so it is kept for when saving works again.
            self._on_error(f"Cannot {what} that: {error}")
        except AnnotatorError as error:
            # The project changed under the command (e.g. its annotation was removed by an
            # import): the history past this point no longer applies.
            self._on_error(f"Cannot {what} that: {error}")
            self.clear()
        return False


class ChangeAnnotations(_ServiceCommand):
    """A review action of the suggestion service (accept, reject, label every occurrence):
    ``action()`` does it once and returns its :class:`AnnotationChanges`; undo and redo
    replay them as one transaction each."""

    def __init__(
        self, project: Project, action: Callable[[], AnnotationChanges], text: str = ""
    ) -> None:
        super().__init__(project, text)
        self.action = action
        self.changes: AnnotationChanges | None = None

    def execute(self) -> None:
        self.changes = self.action()
        if self.changes.description:
            self.setText(self.changes.description)

    def _redo(self) -> None:
        assert self.changes is not None
        redo_changes(self.project, self.changes)

    def undo(self) -> None:
        assert self.changes is not None
        undo_changes(self.project, self.changes)
