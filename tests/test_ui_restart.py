"""Restarting the app (issue 15, item 8): the document last read — a PDF — is on screen again,
and quitting ends the process at once with the window's state saved. Run as the real entry
point (``annotator --project P``) in a child process, since quitting ends the process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from tests.test_ui_pdf import build_pdf

# Reads the settings the window left: which document was last open, and the window's layout.
_SETUP = """
import sys
from annotator.project import Project
from annotator.ui.preferences import Preferences
with Project(sys.argv[1]) as project:
    project.add_text("Notes", "A text read before the PDF. " * 40)
    document, _ = project.add_document(sys.argv[2])
    prefs = Preferences()
    prefs.set_last_document(str(project.path), document.id)
    prefs.sync()
"""

_RESTART = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from annotator.ui.main_window import MainWindow

app = QApplication(sys.argv[:1])

def look():
    windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow)]
    if not windows or windows[0].document is None:
        QTimer.singleShot(50, look)
        return
    window = windows[0]
    pdf = window.area.view is window.pdf_view and window.pdf_view.page_count > 0
    print("OPEN", window.document.title, "on pages" if pdf else "as text", flush=True)
    window.close()  # the reader quits

QTimer.singleShot(0, look)
from annotator.cli import main
code = main(["--project", sys.argv[1]])
print("RETURNED", code, flush=True)  # never: quitting ends the process
"""

_STATE = """
from annotator.ui.preferences import Preferences
prefs = Preferences()
print("GEOMETRY", prefs.geometry() is not None)
"""


def run(script: str, *args: str, folder: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(folder))
    env["XDG_CONFIG_HOME"] = str(folder / "config")
    env["XDG_DATA_HOME"] = str(folder / "data")
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env, cwd=folder, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_restart_shows_the_pdf_last_read_and_quitting_ends_at_once_with_state_saved(
    tmp_path: Path,
):
    project = tmp_path / "restart.annotator"
    pdf = build_pdf(tmp_path / "reading.pdf", pages=3)
    setup = run(_SETUP, str(project), str(pdf), folder=tmp_path)
    assert setup.returncode == 0, setup.stderr
    restarted = run(_RESTART, str(project), folder=tmp_path)
    assert restarted.returncode == 0, restarted.stderr[-3000:]
    assert "OPEN Chapter 1 on pages" in restarted.stdout  # the PDF, shown as pages again
    assert "RETURNED" not in restarted.stdout
    assert "Traceback" not in restarted.stderr
    state = run(_STATE, folder=tmp_path)
    assert "GEOMETRY True" in state.stdout, state.stderr  # saved before the process ended
