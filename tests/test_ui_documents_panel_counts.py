"""The Documents panel shows every title at once and its counts once a worker has counted
them (a pass over every annotation: 0.1 s at a million), updating rows in place."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QItemSelectionModel, Qt

from annotator.project import Project
from annotator.ui.library import COUNTING
from annotator.ui.main_window import MainWindow
from annotator.ui.models import DocumentListModel
from annotator.ui.preferences import Preferences
from annotator.ui.tasks import BackgroundTask

DETAIL = Qt.ItemDataRole.AccessibleDescriptionRole


@pytest.fixture
def readings(project: Project) -> list[str]:
    """Three documents with 2, 1 and 0 notes; one suggestion in the first."""
    ids = []
    for title, text in (
        ("Bacon", "Studies serve for delight, for ornament, and for ability."),
        ("Hopper", "Grace Hopper worked at Harvard in Cambridge."),
        ("Turing", "Alan Turing worked at Bletchley Park in England."),
    ):
        document, _ = project.add_text(title, text)
        ids.append(document.id)
    project.annotate(ids[0], 0, 7, color="#ffe066")
    project.annotate(ids[0], 18, 25, color="#8ecae6", note="why delight?")
    project.annotate(ids[1], 0, 12, color="#ffe066")
    project.annotate(ids[0], 31, 39, label="THING", source="model@1", status="suggested")
    return ids


@pytest.fixture
def window(qtbot, project: Project, readings: list[str], tmp_path: Path):
    w = MainWindow(project, Preferences(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    w.open_document(readings[0])
    yield w
    w.close()
    qtbot.waitUntil(lambda: BackgroundTask.pending() == 0)


def shown(window: MainWindow) -> dict[str, tuple[int, int, str, str]]:
    """Each row as the panel has it: counts, status and the second line it draws."""
    model = window.library.model
    rows = {}
    for row in range(model.rowCount()):
        summary = model.summary(row)
        detail = model.data(model.index(row), DETAIL)
        rows[summary.document.title] = (
            summary.annotations,
            summary.suggestions,
            summary.status,
            detail,
        )
    return rows


def expected(project: Project) -> dict[str, tuple[int, int, str, str]]:
    return {
        s.document.title: (s.annotations, s.suggestions, s.status, DocumentListModel.detail(s))
        for s in project.documents()
    }


def test_titles_show_at_once_and_the_counts_once_counted(qtbot, window, project, readings):
    model = window.library.model
    qtbot.waitUntil(lambda: not model.counting)
    assert shown(window) == expected(project)
    assert shown(window)["Bacon"][3] == "2 notes · 1 suggestion · in progress"
    assert window.library.panel.selected_ids() == [readings[0]]  # the open one

    fresh = MainWindow(project, Preferences(Path(project.path).with_suffix(".ini")))
    qtbot.addWidget(fresh)
    try:
        # Before any turn of the event loop: every title, each row saying it is counting.
        assert [fresh.library.model.summary(r).document.title for r in range(3)] == [
            "Bacon",
            "Hopper",
            "Turing",
        ]
        assert {row[3] for row in shown(fresh).values()} == {COUNTING}
        assert not fresh.library.panel.empty.isVisible()
        qtbot.waitUntil(lambda: not fresh.library.model.counting)
        assert shown(fresh) == expected(project)
    finally:
        fresh.close()


def test_new_counts_replace_the_old_in_place_keeping_the_chosen_documents(
    qtbot, window, project, readings
):
    model, panel = window.library.model, window.library.panel
    qtbot.waitUntil(lambda: not model.counting)
    selection = panel.view.selectionModel()
    selection.select(
        model.index(model.row_of(readings[2])), QItemSelectionModel.SelectionFlag.Select
    )
    assert panel.selected_ids() == [readings[0], readings[2]]
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))

    project.annotate(readings[1], 13, 20, color="#8ecae6")
    project.annotate(readings[2], 0, 4, color="#8ecae6")
    window.library.refresh()
    # Until counted, the rows keep what they showed: no empty or "counting" flash.
    assert model.pending and not model.counting
    assert shown(window)["Hopper"][:2] == (1, 0)
    assert shown(window)["Turing"][3] == "no notes yet"
    qtbot.waitUntil(lambda: not model.pending)
    assert shown(window) == expected(project)
    assert shown(window)["Hopper"][3] == "2 notes · in progress"
    assert shown(window)["Turing"][3] == "1 note · in progress"
    assert panel.selected_ids() == [readings[0], readings[2]]  # still both chosen
    assert resets == []  # the same rows, changed in place


def test_a_document_added_shows_at_once_and_its_counts_follow(qtbot, window, project, readings):
    model = window.library.model
    qtbot.waitUntil(lambda: not model.counting)
    added, _ = project.add_text("Lovelace", "Ada Lovelace wrote the first program.")
    project.annotate(added.id, 0, 3, color="#ffe066")
    window.library.refresh()
    row = model.row_of(added.id)
    assert row == 3 and model.data(model.index(row), DETAIL) == COUNTING
    assert shown(window)["Bacon"][3] == "2 notes · 1 suggestion · in progress"  # kept
    assert window.library.panel.selected_ids() == [readings[0]]
    qtbot.waitUntil(lambda: not model.counting)
    assert shown(window) == expected(project)
    assert shown(window)["Lovelace"][3] == "1 note · in progress"


def test_refreshes_while_counting_count_once_more_and_show_the_latest(
    qtbot, window, project, readings
):
    model = window.library.model
    qtbot.waitUntil(lambda: not model.pending)
    before = BackgroundTask.pending()
    window.library.refresh()  # counting the project as it is now
    project.annotate(readings[2], 0, 4, color="#ffe066")
    window.library.refresh()  # and, once that is done, again with the new note
    assert BackgroundTask.pending() == before + 1  # one count at a time
    qtbot.waitUntil(lambda: not model.pending)
    assert shown(window) == expected(project)
    assert shown(window)["Turing"][0] == 1
    qtbot.waitUntil(lambda: BackgroundTask.pending() == 0)


def test_counts_are_read_on_the_gui_thread_when_the_worker_cannot(
    qtbot, window, project, readings, monkeypatch
):
    model = window.library.model
    qtbot.waitUntil(lambda: not model.pending)
    project.annotate(readings[2], 0, 4, color="#ffe066")
    monkeypatch.setattr("annotator.ui.library.Project.act_as", _refuse)
    window.library.refresh()
    qtbot.waitUntil(lambda: not model.pending)
    assert shown(window) == expected(project)


def _refuse(self, name):
    from annotator.core.errors import ProjectStorageError

    raise ProjectStorageError("disk I/O error")


def test_a_count_ending_after_the_window_closed_touches_nothing(qtbot, project, readings, tmp_path):
    """The window closing (and then its project) while a count is under way, with another
    refresh waiting: the count's end neither counts again nor reads the closed project."""
    w = MainWindow(project, Preferences(tmp_path / "closing.ini"))
    qtbot.addWidget(w)
    model = w.library.model
    w.library.refresh()  # a second refresh while the first count runs: one more to come
    assert model.pending
    w.close()
    project.close()
    qtbot.waitUntil(lambda: BackgroundTask.pending() == 0)
    qtbot.wait(50)  # any callback still queued has run (pytest-qt fails on its error)
    assert model.pending  # nothing was shown after the close
