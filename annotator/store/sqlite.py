"""The one SQLite module that opens project files, and whether its library is safe in WAL mode.

SQLite 3.7.0 through 3.51.2 has the *WAL-reset bug* (SQLite's WAL documentation, "The
WAL-reset bug"): two connections writing or checkpointing a write-ahead-log database at the
same instant can corrupt it. Annotator has that shape (the window, worker threads, the
suggestion process and the command line may all write to one project), and the system
SQLite linked by many Pythons (3.40.1 on Debian 12) has the bug.

``pysqlite3`` wheels bundle a recent SQLite (3.53.4 in 0.6.1) for Linux x86-64, macOS arm64
and Windows x86-64, and sqlite-utils prefers it too, so both agree on one module. Elsewhere
the standard library's module is used; if its library has the bug, projects are opened with
a rollback journal instead of WAL (:data:`JOURNAL_MODE`): writers then take turns on a file
lock, which is slower for readers but cannot corrupt the file.

``ANNOTATOR_SQLITE=stdlib`` forces the standard library's module (to check that fallback).
"""

from __future__ import annotations

import os
import types
from typing import TYPE_CHECKING

from annotator.core.imports import hidden_from_this_thread

if TYPE_CHECKING:
    import sqlite_utils

if os.environ.get("ANNOTATOR_SQLITE", "").lower() == "stdlib":
    import sqlite3 as _module
else:
    try:
        from pysqlite3 import dbapi2 as _module  # type: ignore[import-not-found,no-redef]
    except ImportError:  # no wheel for this platform: the interpreter's own
        import sqlite3 as _module  # type: ignore[no-redef]

sqlite3: types.ModuleType = _module

#: The SQLite library's version, e.g. ``"3.53.4"``.
SQLITE_VERSION: str = sqlite3.sqlite_version
#: The Python module it comes through: ``"pysqlite3"`` or ``"sqlite3"``.
SQLITE_MODULE: str = sqlite3.__name__.split(".")[0]


def wal_reset_fixed(version: tuple[int, int, int]) -> bool:
    """Whether a SQLite library of this version has the WAL-reset fix: 3.51.3 and later
    (3.52.0 included), and the backports 3.50.7 and 3.44.6."""
    return (
        version >= (3, 51, 3)
        or (3, 50, 7) <= version < (3, 51, 0)
        or (3, 44, 6) <= version < (3, 45, 0)
    )


#: Whether write-ahead logging is safe with this library.
WAL_SAFE: bool = wal_reset_fixed(tuple(sqlite3.sqlite_version_info))  # type: ignore[arg-type]
#: The journal mode projects are opened in: ``wal`` when safe, else a rollback journal.
JOURNAL_MODE: str = "wal" if WAL_SAFE else "delete"


def describe() -> str:
    """One line for ``annotator --version`` and bug reports."""
    safety = (
        "write-ahead log"
        if WAL_SAFE
        else "rollback journal: this SQLite has the WAL-reset bug, so WAL is not used"
    )
    return f"SQLite {SQLITE_VERSION} (via {SQLITE_MODULE}; {safety})"


def schema_database(conn: object) -> sqlite_utils.Database:
    """sqlite-utils' view of an open connection, for schema work (creating a project,
    migrations, salvage); everyday reads and writes use the connection itself.

    sqlite-utils imports pandas and numpy at import time whenever they are installed, only
    to map their scalar types to column types, which Annotator never passes: that is half a
    second of start-up for nothing. They are hidden from it while it is first imported
    (:func:`~annotator.core.imports.hidden_from_this_thread`: sqlite-utils expects the
    ``ImportError``) and stay importable for every other thread and afterwards.
    """
    with hidden_from_this_thread(("pandas", "numpy")):
        import sqlite_utils

    return sqlite_utils.Database(conn)


__all__ = [
    "JOURNAL_MODE",
    "SQLITE_MODULE",
    "SQLITE_VERSION",
    "WAL_SAFE",
    "describe",
    "schema_database",
    "sqlite3",
    "wal_reset_fixed",
]
