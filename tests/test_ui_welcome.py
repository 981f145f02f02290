"""First run: the welcome appears once, Help → Welcome brings it back, the sample opens."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")


from annotator.project import Project
from annotator.resources import sample_reading_path
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import Preferences
from annotator.ui.welcome import (
    SHOWN_KEY,
    DocumentationDialog,
    WelcomeDialog,
    maybe_show_welcome,
)


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "settings.ini"


def open_window(qtbot, project: Project, settings_file: Path) -> MainWindow:
    window = MainWindow(project, Preferences(settings_file))
    qtbot.addWidget(window)
    window.resize(1100, 760)
    window.show()
    return window


def visible_welcomes(window: MainWindow) -> list[WelcomeDialog]:
    return [d for d in window.findChildren(WelcomeDialog) if d.isVisible()]


def test_welcome_appears_on_the_first_run_only(qtbot, project, settings_file):
    first = open_window(qtbot, project, settings_file)
    dialog = maybe_show_welcome(first, first.project, first.session)
    assert isinstance(dialog, WelcomeDialog)
    qtbot.waitUntil(dialog.isVisible)
    text = dialog.text.text()
    for way in ("Close reading", "Labelling with suggestions", "Comparing annotators"):
        assert way in text
    dialog.start_button.click()
    qtbot.waitUntil(lambda: not visible_welcomes(first))
    first.close()

    # The next start reads the flag from the same settings file: no welcome.
    assert Preferences(settings_file).bool(SHOWN_KEY, False)
    second = open_window(qtbot, project, settings_file)
    assert maybe_show_welcome(second, second.project, second.session) is None
    qtbot.wait(50)
    assert visible_welcomes(second) == []
    second.close()


def test_help_welcome_reopens_it_and_documentation_shows_the_readme(qtbot, project, settings_file):
    Preferences(settings_file).set_bool(SHOWN_KEY, True)
    window = open_window(qtbot, project, settings_file)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    titles = [a.text() for a in help_menu.actions()]
    assert titles[:3] == ["&Welcome", "&Documentation", "&Keyboard Shortcuts"]

    window.act_welcome.trigger()
    qtbot.waitUntil(lambda: len(visible_welcomes(window)) == 1)
    window.act_welcome.trigger()  # a second trigger raises the open one
    assert len(visible_welcomes(window)) == 1

    window.act_docs.trigger()
    docs = window.findChild(DocumentationDialog)
    assert docs is not None
    qtbot.waitUntil(docs.isVisible)
    assert "Quick start" in docs.browser.toPlainText()
    docs.close()
    window.close()


def test_open_the_sample_button_adds_it_with_examples(qtbot, project, settings_file):
    window = open_window(qtbot, project, settings_file)
    dialog = maybe_show_welcome(window, window.project, window.session)
    assert dialog is not None and project.documents() == []
    dialog.sample_button.click()
    (summary,) = project.documents()
    assert summary.document.path == str(sample_reading_path().resolve())
    assert summary.annotations == 5
    assert window.document is not None and window.document.id == summary.document.id
    assert "Studies serve for delight" in window.reader.toPlainText()
    qtbot.waitUntil(lambda: not visible_welcomes(window))
    window.close()


def test_file_open_sample_adds_the_examples_once(qtbot, project, settings_file):
    window = open_window(qtbot, project, settings_file)
    window.library.act_sample.trigger()
    (summary,) = project.documents()
    assert summary.annotations == 5
    assert window.document is not None and window.document.id == summary.document.id
    project.delete_annotation(project.annotations(summary.document.id)[0].id)
    window.library.act_sample.trigger()  # already there: opened again, not seeded again
    assert [s.annotations for s in project.documents()] == [4]
    window.close()
