"""Issue 19, item 12: merging carries deletions; the later change wins, deletions included.

Two annotators start from the same project (a copy of one file), change the same
annotation at different times, and merge each other's project in both orders; both end with
the same live annotations holding the same contents.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from annotator.comparing.merging import merge_project
from annotator.project import Project

TEXT = "Close reading is slow reading. The fox sat on the mat, quite still."


def _pair(tmp_path: Path) -> tuple[Path, Path, str]:
    """Two projects holding the same annotation (c2's is a copy of c1's file)."""
    first = tmp_path / "c1.annotator"
    project = Project(first)
    project.switch_annotator("c1")
    document, _ = project.add_text("reading", TEXT)
    start = TEXT.index("The fox")
    annotation = project.annotate(document.id, start, start + 7, note="first note")
    project.annotate(document.id, 0, 13, note="untouched")
    project.close()
    second = tmp_path / "c2.annotator"
    shutil.copy(first, second)
    return first, second, annotation.id


def _change(path: Path, who: str, action: Callable[[Project], object]) -> None:
    time.sleep(0.02)  # times are kept to the millisecond: make "later" unmistakable
    with Project(path) as project:
        project.switch_annotator(who)
        action(project)


def _live(path: Path) -> dict[str, tuple[int, int, str, str | None]]:
    with Project(path) as project:
        return {a.id: (a.start, a.end, a.note, a.label) for a in project.annotations()}


def _merge(into: Path, other: Path) -> None:
    with Project(into) as project:
        merge_project(project, other, same_name="same")


@pytest.mark.parametrize("c1_first", [True, False], ids=["c1-merges-first", "c2-merges-first"])
def test_merge_edit_after_delete_keeps_the_later_edit_in_both(tmp_path: Path, c1_first: bool):
    c1, c2, ident = _pair(tmp_path)
    _change(c1, "c1", lambda p: p.delete_annotation(ident))
    _change(c2, "c2", lambda p: p.update_annotation(ident, note="edited later"))
    order = [(c1, c2), (c2, c1)] if c1_first else [(c2, c1), (c1, c2)]
    for into, other in order:
        _merge(into, other)
    assert _live(c1) == _live(c2)
    assert _live(c1)[ident][2] == "edited later"


@pytest.mark.parametrize("c1_first", [True, False], ids=["c1-merges-first", "c2-merges-first"])
def test_merge_delete_after_edit_deletes_in_both(tmp_path: Path, c1_first: bool):
    c1, c2, ident = _pair(tmp_path)
    _change(c2, "c2", lambda p: p.update_annotation(ident, note="edited earlier"))
    _change(c1, "c1", lambda p: p.delete_annotation(ident))
    order = [(c1, c2), (c2, c1)] if c1_first else [(c2, c1), (c1, c2)]
    for into, other in order:
        _merge(into, other)
    assert _live(c1) == _live(c2)
    assert ident not in _live(c1)
    assert len(_live(c1)) == 1  # the untouched annotation is still there


def test_merge_restore_after_delete_counts_as_the_later_change(tmp_path: Path):
    c1, c2, ident = _pair(tmp_path)
    _change(c2, "c2", lambda p: p.delete_annotation(ident))
    _change(c1, "c1", lambda p: p.delete_annotation(ident))
    _change(c1, "c1", lambda p: p.restore_annotation(ident))
    _merge(c2, c1)
    _merge(c1, c2)
    assert ident in _live(c1) and _live(c1) == _live(c2)


def test_merge_twice_changes_nothing_more_and_reports_deletions(tmp_path: Path):
    c1, c2, ident = _pair(tmp_path)
    _change(c2, "c2", lambda p: p.delete_annotation(ident))
    with Project(c1) as project:
        report = merge_project(project, c2, same_name="same")
        again = merge_project(project, c2, same_name="same")
        history = [e for e in project.history(ident) if e["action"] == "merge"]
    assert (report.deleted, report.restored) == (1, 0)
    assert "1 deleted" in report.summary()
    assert (again.deleted, again.restored) == (0, 0)
    assert len(history) == 1 and history[0]["after"]["state"] == "deleted"
    assert ident not in _live(c1)


def test_merge_keeps_a_deletion_of_an_annotation_never_held_so_a_third_project_cannot_revive_it(
    tmp_path: Path,
):
    """c1 holds the annotation; c2 (a copy) deletes it; c3 never held it. c3 merges c2 (the
    deletion) and then c1 (the older live version): the later change, the deletion, wins."""
    c1, c2, ident = _pair(tmp_path)
    c3 = tmp_path / "c3.annotator"
    with Project(c3) as project:
        project.switch_annotator("c3")
    _change(c2, "c2", lambda p: p.delete_annotation(ident))
    with Project(c3) as project:
        assert merge_project(project, c2, same_name="same").tombstones == 1
    with Project(c3) as project:
        kept = project.annotation(ident, include_deleted=True)
        assert ident not in {a.id for a in project.annotations()}
        assert kept.note == "first note"
        assert [e["after"]["state"] for e in project.history(ident)] == ["deleted"]
    _merge(c3, c1)
    assert ident not in _live(c3)
    _merge(c1, c3)
    assert _live(c1) == _live(c2) == _live(c3)
    assert ident not in _live(c1)


def test_merge_tombstone_loses_to_a_later_edit_elsewhere(tmp_path: Path):
    c1, c2, ident = _pair(tmp_path)
    c3 = tmp_path / "c3.annotator"
    Project(c3).close()
    _change(c2, "c2", lambda p: p.delete_annotation(ident))
    _merge(c3, c2)
    _change(c1, "c1", lambda p: p.update_annotation(ident, note="edited after the deletion"))
    _merge(c3, c1)
    assert _live(c3)[ident][2] == "edited after the deletion"
