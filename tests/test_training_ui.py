"""Training from the window (issue 17): the dialog trains in a child process with progress,
the model becomes a suggestion model, suggestions come least certain first, the learning
curve is drawn. Real project, real passages, real spaCy; tiny trainings."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtTest import QTest

from annotator.core.model import AnnotationStatus
from annotator.project import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import Preferences
from annotator.ui.suggestions import LEAST_CERTAIN, ModelDialog, least_certain_first
from annotator.ui.tasks import BackgroundTask
from tests.test_training import _label_markings, _passage

PASSAGES = ((60, 70), (94, 112), (160, 180))


@pytest.fixture
def window(qtbot, project: Project, samples: Path, tmp_path: Path):
    for number, lines in enumerate(PASSAGES):
        _label_markings(project, f"guide {number}", _passage(samples, lines))
    w = MainWindow(project, Preferences(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    w.resize(1100, 760)
    w.show()
    assert QTest.qWaitForWindowExposed(w)
    w.open_document(project.document_headers()[0].id)
    yield w
    w.close()


def test_training_from_the_window_shows_held_out_scores_and_offers_the_model(
    qtbot, window, project
):
    training = window.suggestions.training
    dialog = training.open_dialog()
    dialog.epochs.setValue(2)
    seen: list[str] = []
    training.trained.connect(lambda report: seen.append(str(report.path)))
    dialog.train_button.click()
    assert dialog.cancel_button.isEnabled() and not dialog.train_button.isEnabled()
    qtbot.waitUntil(lambda: BackgroundTask.pending() == 0 and bool(seen), timeout=120000)
    assert "held-out F1" in dialog.status.text()
    assert dialog.scores.rowCount() == 1 and dialog.scores.item(0, 0).text() == "MARKING"
    assert dialog.use_button.isVisible() and dialog.train_button.isEnabled()
    assert "model on 20 annotations" in window.status_message()

    models = ModelDialog("", window, project.path)
    entries = [models.box.itemText(i) for i in range(models.box.count())]
    assert any(e.startswith("this project's model, trained on") for e in entries)
    assert models.box.findData("project") >= 0
    dialog.close()


def test_the_dialog_says_how_often_the_models_suggestions_were_accepted(qtbot, window, project):
    document = window.session.document
    for at, status in ((0, "accepted"), (10, "accepted"), (20, "rejected")):
        project.annotate(
            document.id, at, at + 4, kind="entity", label="MARKING", status=status,
            source="en_project_model@2026.12.2.120000",
        )  # fmt: skip
    dialog = window.suggestions.training.open_dialog()
    qtbot.waitUntil(lambda: "accepted" in dialog.status.text(), timeout=10000)
    assert dialog.status.text().endswith("MARKING 2 of 3 accepted (67%)")
    dialog.close()


def test_cancel_stops_training_and_saves_nothing(qtbot, window, project):
    from annotator.training.saved import trained_models

    training = window.suggestions.training
    dialog = training.open_dialog()
    dialog.epochs.setValue(50)
    dialog.train_button.click()
    qtbot.waitUntil(lambda: "Epoch" in dialog.status.text(), timeout=120000)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: BackgroundTask.pending() == 0, timeout=60000)
    assert "Cancelled" in dialog.status.text()
    assert trained_models(project.path) == []
    dialog.close()


def test_keep_learning_retrains_after_every_n_new_labels(qtbot, window, project):
    from annotator.ui.training import TrainingChoice

    training = window.suggestions.training
    training.set_keep_learning(True)
    training.set_every(5)
    training.last_choice = TrainingChoice("entities", None, (), False, None, 1)
    seen: list[object] = []
    training.trained.connect(seen.append)
    document = window.session.document
    for at in range(0, 40, 10):
        project.annotate(document.id, at, at + 3, kind="entity", label="MARKING")
    assert not training.running  # four new labels: not yet
    project.annotate(document.id, 45, 48, kind="entity", label="MARKING")
    assert training.running
    qtbot.waitUntil(lambda: BackgroundTask.pending() == 0 and bool(seen), timeout=120000)
    assert training.new_labels == 0


def test_least_certain_suggestions_come_first_in_the_panel(qtbot, window, project):
    document = window.session.document
    for at, score in ((0, 0.9), (10, 0.2), (20, None), (30, 0.55)):
        project.annotate(
            document.id, at, at + 4, kind="entity", label="MARKING", score=score,
            status=AnnotationStatus.SUGGESTED, source="en_project_model@1",
        )  # fmt: skip
    window.suggestions.reload()
    panel = window.suggestions.panel
    by_position = [a.start for a in panel.model.rows()]
    assert by_position == sorted(by_position)
    panel.order_box.setCurrentIndex(panel.order_box.findData(LEAST_CERTAIN))
    assert [a.score for a in panel.model.rows()] == [0.2, 0.55, 0.9, None]
    window.suggestions.set_mode(True)  # review mode starts at the least certain
    assert window.suggestions.current_id == panel.model.rows()[0].id
    window.suggestions.step(True)
    assert window.suggestions.current_id == panel.model.rows()[1].id
    assert least_certain_first(panel.model.rows()) == panel.model.rows()


def test_the_learning_curve_is_drawn(qtbot, tmp_path):
    from annotator.training.trainer import CurvePoint, LabelScore
    from annotator.ui.training import CurveChart

    chart = CurveChart()
    qtbot.addWidget(chart)
    points = [
        CurvePoint(
            share, n, f1, {"MARKING": LabelScore(f1, f1, f1), "TOOL": LabelScore(0, 0, f1 / 2)}
        )
        for share, n, f1 in ((0.25, 10, 0.1), (0.5, 20, 0.45), (0.75, 30, 0.7), (1.0, 40, 0.82))
    ]
    chart.show_curve(points, ("MARKING", "TOOL"))
    chart.resize(520, 280)
    image = chart.grab().toImage()
    assert not image.isNull()
    # The line of all labels is drawn: some pixel in the plot is the text colour.
    assert "40 annotations (100%): F1 0.82" in chart.toolTip()
