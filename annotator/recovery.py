"""Backups of a project: listing them and restoring one (the "Restore backup…" menu).

A backup copy is written before every migration, bulk import and re-anchoring
(``Store.backup``); it sits beside the project as ``<name>.<reason>.<time>.bak``. Restoring
one first writes a backup of the current state ("before-restore"), so a restore can itself
be undone. The project must be closed while it is restored; reopening it is the caller's job.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from annotator.core.errors import ProjectError
from annotator.store.backups import check_backup, copy_database

_STAMP = "%Y%m%dT%H%M%S%f"


@dataclass(frozen=True, slots=True)
class Backup:
    """One backup copy: where it is, why it was made (``before-import``...), when, how big."""

    path: Path
    reason: str
    made: datetime | None
    size: int


def list_backups(project_path: str | os.PathLike[str]) -> list[Backup]:
    """The backups of a project, newest first."""
    project = Path(project_path)
    found = []
    for path in project.parent.glob(f"{project.stem}.*.bak"):
        middle = path.name[len(project.stem) + 1 : -len(".bak")]
        reason, _, stamp = middle.rpartition(".")
        try:
            made: datetime | None = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
        except ValueError:
            reason, made = middle, None
        found.append(Backup(path, reason, made, path.stat().st_size))
    return sorted(found, key=lambda b: b.made or datetime.min.replace(tzinfo=UTC), reverse=True)


def restore_backup(
    project_path: str | os.PathLike[str], backup_path: str | os.PathLike[str]
) -> Path | None:
    """Put ``backup_path`` in place of the project; returns the backup of the state replaced.

    The backup is checked first (an Annotator project this version opens, intact); a damaged
    or foreign file raises :class:`ProjectError` and changes nothing. Close every
    :class:`~annotator.project.Project` on the file before calling; a project still being
    written elsewhere raises :class:`~annotator.core.errors.ProjectInUseError`.
    """
    project = Path(project_path)
    backup = Path(backup_path)
    if project.resolve() == backup.resolve():
        raise ProjectError("a project cannot be restored from itself")
    check_backup(backup)
    safety = None
    if project.exists():
        stamp = datetime.now(UTC).strftime(_STAMP)
        safety = project.with_name(f"{project.stem}.before-restore.{stamp}.bak")
        copy_database(project, safety)
    copy_database(backup, project)
    return safety


__all__ = ["Backup", "list_backups", "restore_backup"]
