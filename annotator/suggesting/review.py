"""Reviewing suggestions: the pending list, accept, reject (one by one or all), next/previous.

Accepting makes a suggestion the current annotator's annotation (status accepted, ``source``
still the model's ``name@version``); rejecting keeps it, as rejected, so the next run
remembers. Each action returns an :class:`~annotator.suggesting.changes.AnnotationChanges`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from annotator.core.model import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    AnnotatorId,
    DocumentId,
    utc_now,
)
from annotator.project import Project
from annotator.suggesting.changes import AnnotationChanges, apply_changes

if TYPE_CHECKING:
    pass


_PENDING = (AnnotationStatus.SUGGESTED,)


def suggestion_key(a: Annotation) -> tuple[AnnotationKind, int, int, str | None]:
    return (a.kind, a.start, a.end, a.label)


def annotator_id_for(project: Project, name: str | None) -> AnnotatorId:
    if name is None or name == project.current_annotator.name:
        return project._ensure_current_saved()
    return project.annotator_named(name, create=True).id


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
    annotator_id = annotator_id_for(project, annotator)
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
    annotator_id = annotator_id_for(project, None)
    targets = [
        a
        for a in (project.annotation(i) for i in dict.fromkeys(annotation_ids))
        if a.status in from_statuses
    ]
    labelled: dict[DocumentId, set[tuple[AnnotationKind, int, int, str | None]]] = {}
    if status == AnnotationStatus.ACCEPTED:
        for document_id in dict.fromkeys(a.document_id for a in targets):
            labelled[document_id] = {
                suggestion_key(a)
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
            if suggestion_key(old) in done:
                removed.append(old)
                continue
            done.add(suggestion_key(old))
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
# Undo from another session (the command line): the history is the stack
# --------------------------------------------------------------------------------------------

_REVIEW_ACTIONS = ("accept", "reject")
UNDO_REVIEW = "undo review"


def undo_last_review(project: Project) -> AnnotationChanges | None:
    """Take back the latest accept or reject of suggestions still in force, as one action.

    The window keeps its undo stack in memory; a command runs once, so this reads the
    project's history instead: each accept/reject is one batch of entries (one time, one
    action), and each ``"undo review"`` batch took back the latest one before it. A batch
    the window has already undone (nothing in it is as it left it) is passed over; one that
    was partly changed since is refused, so no later work is overwritten. Returns what was
    undone, None when there is nothing to undo.
    """
    from annotator.core.errors import AnnotatorError

    stack: list[list[dict[str, Any]]] = []
    batch: list[dict[str, Any]] = []
    for entry in [*project.history(), None]:
        same = (
            entry is not None
            and batch
            and (entry["at"], entry["action"]) == (batch[0]["at"], batch[0]["action"])
        )
        if batch and not same:
            if batch[0]["action"] in _REVIEW_ACTIONS:
                stack.append(batch)
            elif batch[0]["action"] == UNDO_REVIEW and stack:
                stack.pop()
            batch = []
        if entry is not None and entry["entity"] == "annotation":
            batch.append(entry)
    while stack:
        entries = stack.pop()
        changes, untouched, changed = _undo_of(project, entries)
        if changed and not untouched:
            continue  # undone already (in the window) or wholly redone since: look further
        if changed:
            raise AnnotatorError(
                f"the last review ({entries[0]['action']} of {len(entries)} suggestions at "
                f"{entries[0]['at']}) was partly changed since: nothing was undone"
            )
        project.change_annotations(
            replace=changes.after,
            delete=[a.id for a in changes.added],
            restore=[a.id for a in changes.removed],
            action=UNDO_REVIEW,
        )
        return changes
    return None


def _undo_of(project: Project, entries: list[dict[str, Any]]) -> tuple[AnnotationChanges, int, int]:
    """What undoing a review batch writes (``after``: the versions to put back in place of
    ``before``; ``added``: to delete; ``removed``: to restore), how many of its entries are
    still as the batch left them, and how many have changed since."""
    put_back: list[Annotation] = []
    as_now: list[Annotation] = []
    delete: list[Annotation] = []
    restore: list[Annotation] = []
    untouched = changed = 0
    for entry in entries:
        current = _live(project, entry["entity_id"])
        before, after = entry["before"], entry["after"]
        if before is not None and after is not None:  # changed in place: put it back
            if current is not None and _as_left(current, after):
                put_back.append(
                    dataclasses.replace(
                        current, status=AnnotationStatus(before["status"]),
                        annotator_id=AnnotatorId(before["annotator_id"]),
                        modified=before["modified"],
                    )
                )  # fmt: skip
                as_now.append(current)
                untouched += 1
            else:
                changed += 1
        elif before is not None:  # removed (an accepted duplicate): restore it
            if current is None:
                restore.append(project.annotation(entry["entity_id"], include_deleted=True))
                untouched += 1
            else:
                changed += 1
        elif current is not None:  # added (suggest --accept): delete it
            delete.append(current)
            untouched += 1
        else:
            changed += 1
    count = untouched
    changes = AnnotationChanges(
        description=f"Undo {entries[0]['action']} of {count} suggestion{'s' * (count != 1)}",
        added=tuple(delete),
        removed=tuple(restore),
        before=tuple(as_now),
        after=tuple(put_back),
    )
    return changes, untouched, changed


def _live(project: Project, annotation_id: str) -> Annotation | None:
    from annotator.core.errors import NotFoundError

    try:
        return project.annotation(annotation_id)
    except NotFoundError:
        return None


def _as_left(current: Annotation, after: dict[str, Any]) -> bool:
    return current.status.value == after["status"] and current.annotator_id == after["annotator_id"]
