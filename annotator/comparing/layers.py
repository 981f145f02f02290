"""Annotators' layers as a viewer may see them: blind mode, visible annotations, counts.

Blind mode is the project setting ``"blind_mode"``: until a viewer marks a document done,
:func:`visible_annotations` and :func:`document_counts` show them only their own work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.core.model import (
    Annotation,
    AnnotationStatus,
    DocumentId,
)

if TYPE_CHECKING:
    from annotator.project import Project


#: The project setting that turns blind mode on.
BLIND_MODE_SETTING = "blind_mode"


# -- blind mode ----------------------------------------------------------------------------


def blind_mode(project: Project) -> bool:
    """True when annotators see only their own work until they mark a document done."""
    return bool(project.setting(BLIND_MODE_SETTING, False))


def set_blind_mode(project: Project, on: bool) -> None:
    project.change_setting(BLIND_MODE_SETTING, bool(on))
    project.events.annotations_reset.emit(None)
    project.events.documents_changed.emit()


def document_status(project: Project, document_id: str, annotator: str) -> str:
    """``annotator``'s status of a document: "not started", "in progress" or "done"."""
    who = project.find_annotator(annotator)
    if who is None:
        return "not started"
    stored = project.document_statuses().get((DocumentId(document_id), who.id))
    if stored is not None:
        return stored
    own = project.annotations(document_id, annotator_id=who.id, statuses=None)
    return "in progress" if own else "not started"


def others_visible(project: Project, document_id: str, viewer: str | None = None) -> bool:
    """Whether ``viewer`` (default: the current annotator) may see other annotators' work in
    this document: always without blind mode, else once they marked it done."""
    if not blind_mode(project):
        return True
    viewer = viewer or project.current_annotator.name
    return document_status(project, document_id, viewer) == "done"


def visible_annotations(
    project: Project,
    document_id: str,
    viewer: str | None = None,
    *,
    statuses: Sequence[AnnotationStatus] | None = (
        AnnotationStatus.ACCEPTED,
        AnnotationStatus.ORPHANED,
    ),
) -> list[Annotation]:
    """The annotations of a document that ``viewer`` may see (all layers, or in blind mode
    before they marked it done, only their own), in reading order."""
    viewer = viewer or project.current_annotator.name
    if others_visible(project, document_id, viewer):
        return project.annotations(document_id, statuses=statuses)
    own = project.find_annotator(viewer)
    if own is None:
        return []
    return project.annotations(document_id, annotator_id=own.id, statuses=statuses)


@dataclass(frozen=True, slots=True)
class VisibleCounts:
    """A document's annotation counts as ``viewer`` may see them; ``others`` is None while
    blind mode hides them."""

    document_id: DocumentId
    own: int
    others: int | None


def document_counts(project: Project, viewer: str | None = None) -> list[VisibleCounts]:
    """Per document, the viewer's own accepted annotations and, unless hidden, everyone
    else's: what the documents panel may show in blind mode."""
    viewer = viewer or project.current_annotator.name
    own_id = getattr(project.find_annotator(viewer), "id", None)
    own: dict[DocumentId, int] = {}
    others: dict[DocumentId, int] = {}
    for a in project.annotations(statuses=(AnnotationStatus.ACCEPTED,)):
        target = own if a.annotator_id == own_id else others
        target[a.document_id] = target.get(a.document_id, 0) + 1
    return [
        VisibleCounts(
            d.id,
            own.get(d.id, 0),
            others.get(d.id, 0) if others_visible(project, d.id, viewer) else None,
        )
        for d in project.document_headers()
    ]
