"""The agreement dialog shows each figure's confidence interval and standard error."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

pytest.importorskip("pytestqt")

from test_ui_agreement import computed, prefs, two_readers, window  # noqa: F401


def test_dialog_shows_intervals_in_tables_heatmap_and_tips(qtbot, window):  # noqa: F811
    dialog = computed(qtbot, window, "token")
    report = dialog.report
    kappa = report.pair("Alice", "Bob").figure("Cohen's kappa")
    assert kappa.interval is not None
    headers = [
        dialog.overall.horizontalHeaderItem(c).text() for c in range(dialog.overall.columnCount())
    ]
    assert "Interval (SE)" in headers
    column = headers.index("Interval (SE)")
    fleiss = next(i for i, f in enumerate(report.overall) if f.measure == "Fleiss' kappa")
    cell = dialog.overall.item(fleiss, column).text()
    interval = report.overall[fleiss].interval
    assert interval is not None and cell == f"{interval.formatted()} (SE {interval.se:.3f})"
    measures = [dialog.measure_box.itemText(i) for i in range(dialog.measure_box.count())]
    dialog.measure_box.setCurrentIndex(
        next(i for i, m in enumerate(measures) if m.startswith("Cohen's kappa"))
    )
    assert kappa.interval.formatted(2) in dialog.matrix.texts[0][1]
    assert "confidence interval" in dialog.matrix.tips[0][1]
    assert "standard error" in dialog.matrix.tips[0][1]
    assert "spacy.blank" in dialog.summary.toolTip()
    assert "covering more of its characters" in dialog.summary.toolTip()
    dialog.resize(1000, 900)
    dialog.grab().save("/tmp/agreement_dialog.png")
