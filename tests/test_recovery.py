"""Damaged projects: daily checked backups, listing and restoring them, salvaging the rest.

Damage is made as a failing disk makes it: random bytes written over a page of a real
project file (the page that holds some annotation rows), then the CLI is run as a user would.
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from annotator.core.errors import ProjectDamagedError, ProjectError, ProjectInUseError
from annotator.project import Project
from annotator.store.backups import (
    KEEP_DAILY,
    KEEP_PER_REASON,
    daily_backup,
    list_backups,
    newest_intact_backup,
    restore_backup,
)
from annotator.store.salvage import salvage
from annotator.store.sqlite import sqlite3
from tests.test_cli import run

ANNOTATIONS = 300
PAGE = 4096
DAY_ONE = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def make_project(path: Path) -> list[str]:
    """A closed project of three documents and ``ANNOTATIONS`` annotations; their ids."""
    rng = random.Random(3)
    words = ["studies", "serve", "for", "delight", "ornament", "ability"]
    ids = []
    with Project(path) as project:
        documents = [
            project.add_text(f"reading {i}", " ".join(rng.choice(words) for _ in range(3000)))[0]
            for i in range(3)
        ]
        for i in range(ANNOTATIONS):
            start = rng.randrange(10_000)
            note = f"marker-{i:04d}-" + "x" * 100
            ids.append(project.annotate(documents[i % 3].id, start, start + 7, note=note).id)
        project.set_document_status(documents[0].id, "done")
    assert not Path(f"{path}-wal").exists()  # closing checkpointed: the file is whole
    return ids


def scribble(path: Path, marker: str = "marker-0150-") -> None:
    """Random bytes over the page that holds the annotation row with this note (not the
    history entry that quotes it), keeping the page's first 100 bytes."""
    data = bytearray(path.read_bytes())
    offsets = [
        m.start()
        for m in re.finditer(marker.encode(), data)
        if data[m.start() - 9 : m.start()] != b'"note": "'
    ]
    page = offsets[0] // PAGE
    rng = random.Random(11)
    data[page * PAGE + 100 : page * PAGE + 4000] = bytes(rng.randrange(256) for _ in range(3900))
    path.write_bytes(bytes(data))


def intact(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    path = tmp_path / "thesis.annotator"
    make_project(path)
    return path


def test_list_of_a_scribbled_project_fails_with_one_line_naming_the_newest_backup(project_path):
    older = daily_backup(project_path, now=DAY_ONE)
    newest = daily_backup(project_path, now=DAY_ONE + timedelta(days=1))
    assert older and newest
    scribble(project_path)
    result = run("list", project=project_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("annotator: error: the project file 'thesis.annotator' is damaged")
    assert newest.name in line and older.name not in line
    assert "restore" in line and "salvage -o NEW.annotator" in line


def test_opening_with_check_raises_damaged_with_the_way_out(project_path):
    scribble(project_path)
    with pytest.raises(ProjectDamagedError, match=r"no intact backup.*salvage"):
        Project(project_path, check=True)


def test_backups_lists_intact_and_damaged_backups_newest_first_even_of_a_damaged_project(
    project_path,
):
    first = daily_backup(project_path, now=DAY_ONE)
    second = daily_backup(project_path, now=DAY_ONE + timedelta(days=1))
    assert first and second
    scribble(second)
    scribble(project_path)
    result = run("backups", "--json", project=project_path)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(Path(r["path"]).name, r["reason"], r["intact"]) for r in rows] == [
        (second.name, "daily", False),
        (first.name, "daily", True),
    ]
    assert "damaged" in rows[0]["problem"] and rows[0]["size"] > 0
    assert newest_intact_backup(project_path).path == first
    text = run("backups", project=project_path).stdout
    assert "intact" in text and "DAMAGED" in text


def test_restore_puts_the_backup_back_and_keeps_the_damaged_file_aside(project_path):
    backup = daily_backup(project_path)
    assert backup is not None
    scribble(project_path)
    damaged_bytes = project_path.read_bytes()
    result = run("restore", backup.name, project=project_path)  # a name beside the project
    assert result.returncode == 0, result.stderr
    (kept,) = project_path.parent.glob("thesis.damaged-*.annotator")
    assert kept.read_bytes() == damaged_bytes
    assert str(kept) in result.stdout
    with Project(project_path, check=True) as project:
        assert len(project.annotations()) == ANNOTATIONS
    assert backup.exists()  # the backup itself stays for another time


def test_restore_refuses_while_the_project_is_open_elsewhere_and_changes_nothing(project_path):
    backup = daily_backup(project_path)
    assert backup is not None
    with Project(project_path) as project:
        project.add_text("after the backup", "Some words written after the backup.")
        with pytest.raises(ProjectInUseError, match="open in another window"):
            restore_backup(project_path, backup)
    with Project(project_path) as project:
        assert "after the backup" in {s.document.title for s in project.documents()}
    assert not list(project_path.parent.glob("thesis.*-*.annotator"))


def test_restore_of_a_healthy_project_keeps_it_as_replaced(project_path):
    backup = daily_backup(project_path)
    kept = restore_backup(project_path, backup)
    assert kept is not None and kept.name.startswith("thesis.replaced-")
    scribble(backup)
    with pytest.raises(ProjectError, match="cannot be restored: it is damaged"):
        restore_backup(project_path, backup)


def test_salvage_recovers_most_annotations_of_a_damaged_page_and_reports_the_losses(
    project_path, tmp_path
):
    scribble(project_path)
    new = tmp_path / "rescued.annotator"
    result = run("salvage", "-o", str(new), project=project_path)
    assert result.returncode == 0, result.stderr
    assert "annotations:" in result.stdout and "lost" in result.stdout
    assert intact(new)
    with Project(new, check=True) as project:
        recovered = project.annotations()
        assert ANNOTATIONS * 0.9 <= len(recovered) < ANNOTATIONS
        assert len(project.documents()) == 3
        assert project.current_annotator is not None
    # The numbers add up: every annotation is either copied or counted as lost.
    again = salvage(project_path, tmp_path / "again.annotator")
    table = again.tables["annotations"]
    assert table.copied == len(recovered)
    assert table.copied + table.lost + table.orphaned == ANNOTATIONS
    assert len(table.lost_ids) == table.lost  # the index still names the lost ones
    assert again.tables["documents"].copied == 3 and again.tables["history"].copied > 0
    assert "could not be recovered" in again.summary()


def test_salvage_refuses_an_existing_output_or_the_project_itself(project_path, tmp_path):
    existing = tmp_path / "taken.annotator"
    existing.write_bytes(b"")
    result = run("salvage", "-o", str(existing), project=project_path)
    assert result.returncode == 1 and "already exists" in result.stderr
    with pytest.raises(ProjectError, match="already exists"):
        salvage(project_path, project_path)
    assert existing.read_bytes() == b""


def test_daily_backup_is_written_once_a_day_and_checked(project_path):
    first = daily_backup(project_path, now=DAY_ONE)
    assert first is not None and first.name.startswith("thesis.daily.20250301T0900")
    assert daily_backup(project_path, now=DAY_ONE + timedelta(hours=3)) is None
    later = daily_backup(project_path, now=DAY_ONE + timedelta(days=1))
    assert later is not None
    (info, older) = list_backups(project_path)
    assert info.path == later and info.intact and older.path == first
    assert intact(later) and not list(project_path.parent.glob("*.part"))


def test_the_cli_makes_one_daily_backup_per_day_of_a_project_it_opens(project_path):
    assert run("list", project=project_path).returncode == 0
    assert run("list", project=project_path).returncode == 0
    assert [b.reason for b in list_backups(project_path)] == ["daily"]


def test_pruning_keeps_the_newest_daily_backups_and_the_newest_of_each_other_reason(
    project_path,
):
    days = [DAY_ONE + timedelta(days=n) for n in range(KEEP_DAILY + 3)]
    written = [daily_backup(project_path, now=day) for day in days]
    left = [b.path for b in list_backups(project_path)]
    assert left == list(reversed(written))[:KEEP_DAILY]
    with Project(project_path) as project:
        made = [project.store.backup("before-import") for _ in range(KEEP_PER_REASON + 2)]
    kept = [b.path for b in list_backups(project_path) if b.reason == "before-import"]
    assert kept == list(reversed(made))[:KEEP_PER_REASON]
    assert len([b for b in list_backups(project_path) if b.reason == "daily"]) == KEEP_DAILY


def test_a_backup_that_fails_its_check_is_deleted_and_the_older_ones_kept(project_path):
    good = daily_backup(project_path, now=DAY_ONE)
    scribble(project_path)
    with pytest.raises(ProjectDamagedError, match="failed its check"):
        daily_backup(project_path, now=DAY_ONE + timedelta(days=30))
    assert [b.path for b in list_backups(project_path)] == [good]
    assert not list(project_path.parent.glob("*.part"))
