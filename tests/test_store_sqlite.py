"""The SQLite library projects are opened with: one without the WAL-reset bug, and the
rollback-journal fallback where only an older library can be had."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.project import Project
from annotator.store.sqlite import JOURNAL_MODE, SQLITE_VERSION, WAL_SAFE, wal_reset_fixed


def test_the_library_in_use_has_the_wal_reset_fix_and_projects_use_wal(tmp_path):
    version = tuple(int(part) for part in SQLITE_VERSION.split("."))
    assert version >= (3, 51, 3), SQLITE_VERSION
    assert WAL_SAFE and JOURNAL_MODE == "wal"
    with Project(tmp_path / "p.annotator") as project:
        mode = project.store.db.conn.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"


@pytest.mark.parametrize(
    ("version", "fixed"),
    [
        ((3, 40, 1), False),
        ((3, 51, 2), False),
        ((3, 51, 3), True),
        ((3, 52, 0), True),
        ((3, 53, 4), True),
        ((3, 50, 6), False),
        ((3, 50, 7), True),
        ((3, 44, 5), False),
        ((3, 44, 6), True),
        ((3, 45, 0), False),
    ],
)
def test_versions_with_the_fix_are_told_from_those_without(version, fixed):
    assert wal_reset_fixed(version) is fixed


def _with_stdlib_sqlite(code: str, project: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that uses the standard library's SQLite (3.40.1
    on Debian 12: it has the bug) with ``path`` bound to the project file."""
    env = {**os.environ, "ANNOTATOR_SQLITE": "stdlib"}
    prelude = (
        "from pathlib import Path\n"
        "from annotator.project import Project\n"
        "from annotator.store import sqlite as s\n"
        f"path = Path({str(project)!r})\n"
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _stdlib_has_the_bug() -> bool:
    import sqlite3

    return not wal_reset_fixed(tuple(sqlite3.sqlite_version_info))  # type: ignore[arg-type]


@pytest.mark.skipif(not _stdlib_has_the_bug(), reason="this Python's own SQLite has the fix")
def test_an_older_library_writes_with_a_rollback_journal_and_never_beside_another_connection(
    tmp_path,
):
    path = tmp_path / "p.annotator"
    with Project(path) as project:  # the fixed library, in WAL mode, kept open
        document, _ = project.add_text("A reading", "Reading maketh a full man.")
        refused = _with_stdlib_sqlite(
            "try:\n    Project(path)\nexcept Exception as e:\n    print(type(e).__name__, e)\n",
            path,
        )
        assert "ProjectInUseError" in refused.stdout, refused.stderr
        assert "too old to share a project safely" in refused.stdout

    # Alone, it converts the project to a rollback journal and writes.
    alone = _with_stdlib_sqlite(
        "with Project(path) as p:\n"
        "    mode = p.store.db.conn.execute('PRAGMA journal_mode').fetchone()[0]\n"
        f"    p.annotate({document.id!r}, 0, 7, kind='highlight')\n"
        "    print(s.SQLITE_VERSION, s.JOURNAL_MODE, mode)\n",
        path,
    )
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout.split()[1:] == ["delete", "delete"]

    # The fixed library takes it back to WAL, with the annotation there.
    with Project(path) as project:
        assert project.store.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert [a.quote for a in project.annotations(document.id)] == ["Reading"]
        assert project.store.integrity_check() == "ok"


@pytest.mark.skipif(not _stdlib_has_the_bug(), reason="this Python's own SQLite has the fix")
def test_version_says_when_the_rollback_journal_is_used(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "annotator", "--version"],
        capture_output=True,
        text=True,
        env={**os.environ, "ANNOTATOR_SQLITE": "stdlib"},
        check=False,
    )
    assert "rollback journal" in result.stdout and "WAL-reset bug" in result.stdout
