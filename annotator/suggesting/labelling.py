"""Labelling many annotations at once: every occurrence of a phrase, renaming a label."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotator.core.errors import AnnotatorError
from annotator.core.model import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    DocumentId,
    utc_now,
)
from annotator.project import Project
from annotator.suggesting.changes import AnnotationChanges, apply_changes
from annotator.suggesting.review import annotator_id_for

if TYPE_CHECKING:
    pass


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
    annotator_id = annotator_id_for(project, None)
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
