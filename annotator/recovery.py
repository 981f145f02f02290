"""Keeping a project safe and getting it back: the service the window and the command line
use for backups, restoring one and salvaging a damaged project.

Each works on the project *file*, not on an open :class:`~annotator.project.Project`: a
damaged project cannot be opened, and a restore needs every connection closed. The SQL
lives in :mod:`annotator.store.backups` and :mod:`annotator.store.salvage`.
"""

from __future__ import annotations

from annotator.store.backups import (
    BackupInfo,
    daily_backup,
    is_backup_name,
    list_backups,
    newest_intact_backup,
    restore_backup,
)
from annotator.store.salvage import SalvageReport, salvage
from annotator.store.sqlite import describe


def describe_sqlite() -> str:
    """The SQLite library projects are opened with and whether WAL is safe with it: one line
    for ``annotator --version`` and bug reports."""
    return describe()


__all__ = [
    "BackupInfo",
    "SalvageReport",
    "daily_backup",
    "describe_sqlite",
    "is_backup_name",
    "list_backups",
    "newest_intact_backup",
    "restore_backup",
    "salvage",
]
