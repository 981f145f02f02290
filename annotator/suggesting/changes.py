"""Annotation change sets that undo and redo as one action (the Edit menu's entries).

:class:`AnnotationChanges` is what a review or labelling action returns;
:func:`undo_changes` and :func:`redo_changes` take it back and replay it through
:meth:`Project.change_annotations`, so undo is one transaction too. Imported when the window
starts: nothing here may import spaCy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.core.model import (
    Annotation,
    DocumentId,
)
from annotator.project import Project

if TYPE_CHECKING:
    pass


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
