"""Backup copies of a project file: checking one and putting it back in place.

:meth:`Store.backup` writes the copies (before a migration, a bulk import, a re-anchoring);
this module reads them. Restoring goes through SQLite's online-backup API into the project
file, never a file copy, so the project's write-ahead log cannot be left pairing a restored
database with stale log pages.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from annotator.core.errors import ProjectError, ProjectInUseError
from annotator.store.schema import APPLICATION_ID, SCHEMA_VERSION


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def check_backup(backup_path: str | Path) -> int:
    """Raise :class:`ProjectError` unless the file is an intact Annotator project this version
    can open; returns its schema version."""
    path = Path(backup_path)
    if not path.is_file():
        raise ProjectError(f"the backup '{path.name}' does not exist")
    try:
        with _read_only(path) as conn:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if app_id != APPLICATION_ID:
                raise ProjectError(f"'{path.name}' is not a backup of an Annotator project")
            if version > SCHEMA_VERSION:
                raise ProjectError(
                    f"the backup '{path.name}' was made by a newer Annotator "
                    f"(project version {version})"
                )
            status = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if status != "ok":
                raise ProjectError(f"the backup '{path.name}' is damaged ({status})")
    except sqlite3.DatabaseError as error:
        raise ProjectError(f"'{path.name}' is not a readable backup ({error})") from None
    return version


def copy_database(source: str | Path, target: str | Path, *, timeout: float = 10.0) -> None:
    """Replace the contents of the SQLite file ``target`` with those of ``source``.

    Waits up to ``timeout`` seconds for other connections to ``target`` to finish writing,
    then raises :class:`ProjectInUseError`.
    """
    target_path = Path(target)
    with _read_only(Path(source)) as src:
        dest = sqlite3.connect(target_path, timeout=timeout)
        try:
            dest.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            src.backup(dest)
        except sqlite3.OperationalError as error:
            if "locked" in str(error).lower() or "busy" in str(error).lower():
                raise ProjectInUseError(
                    f"the project '{target_path.name}' is open in another window or program: "
                    "close it there, then restore the backup"
                ) from None
            raise
        finally:
            dest.close()


__all__ = ["check_backup", "copy_database"]
