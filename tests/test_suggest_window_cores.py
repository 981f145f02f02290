"""Suggest in All Documents from the window on a corpus (issue 18): both cores, progress in
the status bar, and Cancel then quitting leave no suggestion process behind."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

import psutil

from annotator.nlp.chunks import processes_for
from annotator.project import Project
from annotator.suggesting.review import pending_suggestions
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import Preferences
from tests.test_suggest_process_cores import descendants

pytestmark = pytest.mark.skipif(
    processes_for(2, 10**9) < 2, reason="one core: runs are never shared"
)


def test_suggest_in_all_documents_shares_the_corpus_and_cancel_then_quit_leave_no_process(
    qtbot, project: Project, samples: Path, tmp_path: Path
):
    ids = []
    for n in range(2):
        for path in sorted(samples.glob("*.txt")):
            text = f"Copy {n + 1}.\n\n" + path.read_text(encoding="utf-8")
            ids.append(project.add_text(f"{path.stem} {n + 1}", text)[0].id)
    before = descendants()
    window = MainWindow(project, Preferences(tmp_path / "settings.ini"))
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    window.open_document(ids[0])
    controller = window.suggestions

    controller.act_entities_all.trigger()  # Suggest → Suggest Entities in All Documents
    assert controller.task is not None and controller.progress.isVisible()
    qtbot.waitUntil(lambda: controller.progress.maximum() > 0, timeout=120000)  # loaded
    assert "both cores" in window.statusBar().currentMessage()
    # Both processes at work on their own documents, the progress bar moving meanwhile.
    qtbot.waitUntil(lambda: all(controller.process.documents_taken()), timeout=120000)
    shown = controller.progress.value()
    qtbot.waitUntil(lambda: controller.progress.value() > shown, timeout=120000)

    controller.cancel_button.click()
    qtbot.waitUntil(lambda: controller.task is None, timeout=60000)
    report = controller.last_report
    assert report is not None and report.cancelled
    finished = [o.document_id for o in report.outcomes if o.complete]
    assert len(finished) < len(ids)
    assert all(pending_suggestions(project, i) for i in finished)
    pids = set(controller.process.pids())
    # Only the two suggestion processes are left, idle, with no workers of their own.
    assert len(pids) == 2 and descendants() - before == pids
    assert all(not psutil.Process(pid).children() for pid in pids)

    window.close()  # quitting
    assert descendants() - before == set()
