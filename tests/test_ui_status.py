"""The status bar: a long message never runs under the counts, and is read back whole."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from annotator.project import Project
from annotator.resources import sample_reading_path
from annotator.ui.preferences import Preferences
from tests.test_ui_window import open_window


def test_a_long_message_is_cut_before_the_counts_and_shown_whole_in_its_tooltip(qtbot, tmp_path):
    with Project(tmp_path / "p.annotator") as project:
        document, _ = project.add_document(sample_reading_path())
        window = open_window(qtbot, project, Preferences(tmp_path / "s.ini"), document.id)
        try:
            status = window.statusBar()
            long = "The disk that holds the project is full: that change was not saved; " * 4
            status.showMessage(long, 5000)
            shown = super(type(status), status).currentMessage()  # what Qt paints
            assert shown != long and shown.endswith("…")
            width = status.fontMetrics().horizontalAdvance(shown)
            label = window.status.counts_label
            counts = label.mapTo(status, label.rect().topLeft())
            assert width < counts.x()  # ends before the counts begin
            assert status.currentMessage() == long
            assert status.toolTip() == long

            window.resize(1600, 800)
            qtbot.wait(50)
            longer = super(type(status), status).currentMessage()
            assert len(longer) > len(shown)  # more room, more of it shown

            status.showMessage("Highlighted", 3000)
            assert status.currentMessage() == "Highlighted" and status.toolTip() == ""
        finally:
            window.close()
