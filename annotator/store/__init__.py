"""The SQLite project file (sqlite-utils): the only package that writes SQL."""

from annotator.store.backups import (
    BackupInfo,
    daily_backup,
    list_backups,
    newest_intact_backup,
    restore_backup,
)
from annotator.store.salvage import SalvageReport, salvage
from annotator.store.schema import SCHEMA_VERSION
from annotator.store.store import Store, annotation_to_json

__all__ = [
    "SCHEMA_VERSION",
    "BackupInfo",
    "SalvageReport",
    "Store",
    "annotation_to_json",
    "daily_backup",
    "list_backups",
    "newest_intact_backup",
    "restore_backup",
    "salvage",
]
