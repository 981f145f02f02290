"""The SQLite project file (sqlite-utils): the only package that writes SQL.

Names are exported lazily, so that ``annotator.store.sqlite`` (what ``annotator --version``
describes) can be imported without the store, its backups and salvage. ``salvage`` here is
the module (the function is ``annotator.store.salvage.salvage``): a lazy name cannot
shadow a submodule of the same name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from annotator.store.backups import (
        BackupInfo,
        daily_backup,
        list_backups,
        newest_intact_backup,
        restore_backup,
    )
    from annotator.store.salvage import SalvageReport
    from annotator.store.schema import SCHEMA_VERSION
    from annotator.store.store import Store

_EXPORTS = {
    "BackupInfo": "backups",
    "daily_backup": "backups",
    "list_backups": "backups",
    "newest_intact_backup": "backups",
    "restore_backup": "backups",
    "SalvageReport": "salvage",
    "SCHEMA_VERSION": "schema",
    "Store": "store",
}

__all__ = [
    "SCHEMA_VERSION",
    "BackupInfo",
    "SalvageReport",
    "Store",
    "daily_backup",
    "list_backups",
    "newest_intact_backup",
    "restore_backup",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'annotator.store' has no attribute {name!r}")
    return getattr(importlib.import_module(f"annotator.store.{module}"), name)
