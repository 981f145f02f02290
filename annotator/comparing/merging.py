"""Merging another annotator's project into this one (by UUID; the later change wins)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from annotator.comparing.selection import GOLD_ANNOTATOR
from annotator.core.errors import AnnotatorError, ProjectError
from annotator.core.model import (
    Annotation,
    Document,
    annotation_to_json,
)
from annotator.core.timestamps import OLDEST, timestamp_key

if TYPE_CHECKING:
    from annotator.formats.native import ImportReport
    from annotator.project import Project


class AnnotatorNameConflict(AnnotatorError):
    """A merged project has annotators with the same names as ours but other identities."""

    def __init__(self, other: Path, names: Sequence[str]) -> None:
        listed = ", ".join(f"'{n}'" for n in names)
        super().__init__(
            f"'{other.name}' has annotators named {listed} who are not the ones in this project: "
            "say whether they are the same people (merge their work) or others (rename theirs)"
        )
        self.other = other
        self.names = tuple(names)


# -- merging -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MergeReport:
    """What merging another annotator's project brought in."""

    other: str
    imported: ImportReport
    annotators: tuple[str, ...]
    renamed: Mapping[str, str] = field(default_factory=dict)
    deleted: int = 0  # deleted here because the other project deleted them later
    restored: int = 0  # brought back because the other project changed them later
    kept_ours: int = 0  # the other project's older version or deletion lost to ours
    tombstones: int = 0  # their deletions of annotations never held here, kept as deleted

    def summary(self) -> str:
        renamed = "".join(f"; '{a}' renamed to '{b}'" for a, b in self.renamed.items())
        who = ", ".join(self.annotators) or "no annotators"
        settled = ""
        if self.deleted or self.restored:
            settled = f"; {self.deleted} deleted, {self.restored} restored (later change wins)"
        return (
            f"merged '{Path(self.other).name}' ({who}): {self.imported.summary()}{settled}{renamed}"
        )


SameName = Literal["ask", "same", "rename"]


def merge_project(
    project: Project,
    other_project_path: str | Path,
    *,
    same_name: SameName = "ask",
    their_names: Mapping[str, str] | None = None,
) -> MergeReport:
    """Bring another project's documents and annotations into this one (by UUID, so merging
    the same project twice changes nothing).

    Annotators of the other project with a name used here by another identity are not
    guessed at: with ``same_name="ask"`` :class:`AnnotatorNameConflict` is raised (the GUI
    asks, the CLI says which option to give); ``"same"`` merges them into ours, ``"rename"``
    keeps them apart as ``"<name> (<other project>)"``. The gold layer always merges.

    ``their_names`` says who the other project's annotators are (their name → the name
    here): two laptops that both kept the default ``me`` become two people, ``me`` and
    ``ben``, only when the user says ``{"me": "ben"}``. A name given that is already used
    here is that person: their work merges (the user said so).
    """
    from annotator.project import Project as OpenProject

    path = Path(other_project_path)
    if not path.is_file():
        raise ProjectError(f"'{path}' does not exist or is not a project file")
    if path.resolve() == project.path.resolve():
        raise ProjectError(f"'{path.name}' is this project: choose another project to merge")
    with OpenProject(path) as other:
        data = other.export_json()
        theirs = _change_states(other)
    ours = _change_states(project)
    our_names = {a.name: a.id for a in project.annotators()}
    renamed: dict[str, str] = _name_theirs(data, their_names or {}, path)
    conflicts = [
        a["name"]
        for a in data["annotators"]
        if a["name"] in our_names
        and our_names[a["name"]] != a["id"]
        and a["name"] != GOLD_ANNOTATOR
    ]
    conflicts = [name for name in conflicts if name not in renamed.values()]
    if conflicts and same_name == "ask":
        raise AnnotatorNameConflict(path, conflicts)
    if conflicts and same_name == "rename":
        for record in data["annotators"]:
            if record["name"] in conflicts:
                renamed[record["name"]] = f"{record['name']} ({path.stem})"
                record["name"] = renamed[record["name"]]
    report = project.import_json(data)
    deleted, restored, kept = _settle_changes(project, ours, theirs, path)
    tombstones = _copy_tombstones(project, ours, theirs, path, renamed, data)
    return MergeReport(
        other=str(path),
        imported=report,
        annotators=tuple(a["name"] for a in data["annotators"]),
        renamed=renamed,
        deleted=deleted,
        restored=restored,
        kept_ours=kept,
        tombstones=tombstones,
    )


def _name_theirs(
    data: dict[str, Any], their_names: Mapping[str, str], other: Path
) -> dict[str, str]:
    """Give the other project's annotators the names the user chose (in ``data``); returns
    old → new. An old name the other project does not have is refused, not ignored."""
    theirs = {record["name"] for record in data["annotators"]}
    for old, new in their_names.items():
        if old not in theirs:
            listed = ", ".join(f"'{n}'" for n in sorted(theirs)) or "nobody"
            raise AnnotatorError(
                f"'{other.name}' has no annotator called '{old}' (it has {listed})"
            )
        if not new.strip() or GOLD_ANNOTATOR in (old, new.strip()):
            raise AnnotatorError(f"'{old}' cannot be named '{new}' here")
    renamed = {}
    for record in data["annotators"]:
        if record["name"] in their_names:
            renamed[record["name"]] = their_names[record["name"]].strip()
            record["name"] = renamed[record["name"]]
    return renamed


# The merge rule: for an annotation both projects hold, the later change wins, deletions
# included. A change is an edit (``modified``), a deletion or a restore (the history's
# entries for the annotation: its tombstones). On equal times a deletion wins, then the
# greater content, so that merging A into B and B into A end with the same live set holding
# the same contents. When a merge applies the other side's change it records it as a
# "merge" history entry carrying that change's own time, so merging back does not mistake
# the moment of merging for a newer change.


@dataclass(frozen=True, slots=True)
class _ChangeState:
    """One annotation as a merge sees it: live or deleted, and when that last changed."""

    annotation: Annotation
    live: bool
    changed: datetime

    def rank(self) -> tuple[datetime, bool, str]:
        content = json.dumps(annotation_to_json(self.annotation), sort_keys=True, default=str)
        return (self.changed, not self.live, content)


def _change_states(project: Project) -> dict[str, _ChangeState]:
    live = {a.id for a in project.annotations(statuses=None)}
    deletions: dict[str, datetime] = {}  # latest entry of any kind: what deleted it
    restores: dict[str, datetime] = {}  # latest restore (or merge that made it live)
    for entry in project.history():
        if entry["entity"] != "annotation":
            continue
        after = entry["after"] if isinstance(entry["after"], dict) else {}
        if entry["action"] == "merge" and "changed" in after:
            when = timestamp_key(after["changed"])
        else:
            when = timestamp_key(entry["at"])
        ident = entry["entity_id"]
        deletions[ident] = max(when, deletions.get(ident, OLDEST))
        if entry["action"] == "restore" or (
            entry["action"] == "merge" and after.get("state") == "live"
        ):
            restores[ident] = max(when, restores.get(ident, OLDEST))
    states = {}
    for a in project.annotations(statuses=None, include_deleted=True):
        modified = timestamp_key(a.modified)
        if a.id in live:
            changed = max(modified, restores.get(a.id, OLDEST))
        else:
            changed = max(modified, deletions.get(a.id, OLDEST))
        states[a.id] = _ChangeState(a, a.id in live, changed)
    return states


def _settle_changes(
    project: Project,
    ours: Mapping[str, _ChangeState],
    theirs: Mapping[str, _ChangeState],
    other: Path,
) -> tuple[int, int, int]:
    """Apply the later change to every annotation both projects hold (the import before
    this only adds and updates live ones). Returns (deleted, restored, kept ours)."""
    deleted = restored = kept = 0
    with project.edit() as edit:
        live_now = {a.id for a in project.annotations(statuses=None)}
        for ident in sorted(ours.keys() & theirs.keys()):
            mine, their = ours[ident], theirs[ident]
            current = project.annotation(ident, include_deleted=True)
            if their.rank() > mine.rank():
                # Their content, in our project's documents and annotators.
                wanted = dataclasses.replace(
                    their.annotation,
                    document_id=current.document_id,
                    annotator_id=current.annotator_id,
                )
                winner = their
            else:
                wanted, winner = mine.annotation, mine
                if (their.live, their.annotation) != (mine.live, mine.annotation):
                    kept += 1
            is_live = ident in live_now
            if current == wanted and is_live == winner.live:
                continue
            if current != wanted:
                edit.replace_annotation(wanted)
            if is_live != winner.live:
                edit.set_annotations_deleted([ident], not winner.live)
                if winner.live:
                    restored += 1
                else:
                    deleted += 1
            edit.record(
                "merge", "annotation", ident,
                before=annotation_to_json(current),
                after={"state": "live" if winner.live else "deleted",
                       "changed": winner.changed.isoformat(), "from": str(other),
                       "annotation": annotation_to_json(wanted)},
            )  # fmt: skip
    if deleted or restored:
        project.events.annotations_reset.emit(None)
    return deleted, restored, kept


def _copy_tombstones(
    project: Project,
    ours: Mapping[str, _ChangeState],
    theirs: Mapping[str, _ChangeState],
    other: Path,
    renamed: Mapping[str, str],
    data: Mapping[str, Any],
) -> int:
    """Keep, as deleted annotations, the other side's deletions of annotations we never held.

    Without them a third project that still holds such an annotation would bring it back
    when merged later, although its deletion is the later change: the tombstone (a deleted
    row and a "merge" entry carrying the deletion's own time) lets the rule above decide.
    Returns how many were kept.
    """
    their_names = {a["id"]: renamed.get(a["name"], a["name"]) for a in data["annotators"]}
    our_annotators = {a.name: a.id for a in project.annotators()}
    our_ids = {a.id for a in project.annotators()}
    their_text_hashes = {d["id"]: d["text_sha256"] for d in data["documents"]}
    ours_of: dict[str, Document | None] = {}  # their document id -> ours
    tombstones: list[tuple[Annotation, _ChangeState]] = []
    for ident in sorted(theirs.keys() - ours.keys()):
        their = theirs[ident]
        if their.live:
            continue
        annotation = their.annotation
        if annotation.document_id not in ours_of:  # each document read once
            ours_of[annotation.document_id] = (
                project.document(annotation.document_id)
                if project.has_document(annotation.document_id)
                else project.document_by_text_sha256(
                    their_text_hashes.get(annotation.document_id, "")
                )
            )
        document = ours_of[annotation.document_id]
        annotator_id = (
            annotation.annotator_id
            if annotation.annotator_id in our_ids
            else our_annotators.get(their_names.get(annotation.annotator_id, ""))
        )
        if document is None or annotator_id is None or annotation.end > len(document.text):
            continue  # nothing here it could ever be merged with
        tombstones.append(
            (
                dataclasses.replace(annotation, document_id=document.id, annotator_id=annotator_id),
                their,
            )
        )
    if not tombstones:
        return 0
    with project.edit() as edit:
        edit.insert_annotations(a for a, _ in tombstones)
        edit.set_annotations_deleted([a.id for a, _ in tombstones], True)
        for annotation, their in tombstones:
            edit.record(
                "merge", "annotation", annotation.id,
                after={"state": "deleted", "changed": their.changed.isoformat(),
                       "from": str(other), "annotation": annotation_to_json(annotation)},
            )  # fmt: skip
    return len(tombstones)
