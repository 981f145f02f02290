"""The Contents panel of a Markdown reading: headings as a tree, counts, go to, follow."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotator.project import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import Preferences

PARAGRAPH = "A paragraph of reading that goes on for a while. " * 12
TEXT = (
    "# Essays\n\n"
    + "\n\n".join(
        f"## Chapter {i}\n\n{PARAGRAPH}\n\n### Part {i}.1\n\n{PARAGRAPH}" for i in range(1, 7)
    )
    + "\n"
)


@pytest.fixture
def window(qtbot, project: Project, tmp_path: Path):
    w = MainWindow(project, Preferences(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    w.resize(1200, 700)
    w.show()
    assert QTest.qWaitForWindowActive(w)
    yield w
    w.close()


def open_markdown(qtbot, window: MainWindow, project: Project, tmp_path: Path):
    path = tmp_path / "essays.md"
    path.write_text(TEXT, encoding="utf-8")
    document, _ = project.add_document(str(path))
    window.open_document(document.id)
    qtbot.waitUntil(window.contents.dock.isVisible)  # filled after the first paint
    return document


def titles(tree) -> list[str]:
    out = []

    def walk(item, depth):
        out.append("  " * depth + item.text(0))
        for i in range(item.childCount()):
            walk(item.child(i), depth + 1)

    for i in range(tree.topLevelItemCount()):
        walk(tree.topLevelItem(i), 0)
    return out


def test_headings_form_a_tree_with_the_notes_of_each_part(qtbot, window, project, tmp_path):
    document = open_markdown(qtbot, window, project, tmp_path)
    contents = window.contents
    assert contents.dock.isVisible()
    start = TEXT.index("### Part 2.1")
    project.annotate(document.id, start + 20, start + 40, note="here")
    project.annotate(document.id, start + 50, start + 60)
    qtbot.waitUntil(lambda: "Part 2.1  · 2" in titles(contents.tree)[4])
    assert titles(contents.tree)[:5] == [
        "Essays",
        "  Chapter 1",
        "    Part 1.1",
        "  Chapter 2",
        "    Part 2.1  · 2",
    ]


def test_the_section_being_read_is_highlighted_and_a_click_goes_to_one(
    qtbot, window, project, tmp_path
):
    open_markdown(qtbot, window, project, tmp_path)
    tree = window.contents.tree
    window.reader.scroll_to_offset(TEXT.index("### Part 3.1"), top=True)
    qtbot.waitUntil(lambda: tree.currentItem().text(0) == "Part 3.1")
    essays = tree.topLevelItem(0)
    chapter5 = next(
        essays.child(i)
        for i in range(essays.childCount())
        if essays.child(i).text(0) == "Chapter 5"
    )
    tree.scrollToItem(chapter5)
    qtbot.mouseClick(
        tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(chapter5).center()
    )
    assert window.reader.top_offset() == TEXT.index("## Chapter 5")
    assert window.reader.caret_offset() == TEXT.index("## Chapter 5")


def test_a_reading_without_headings_hides_the_panel(qtbot, window, project, tmp_path):
    open_markdown(qtbot, window, project, tmp_path)
    document, _ = project.add_text("Plain", "No headings here.\n\nJust text.")
    window.open_document(document.id)
    qtbot.waitUntil(lambda: not window.contents.dock.isVisible())
    assert window.contents.tree.topLevelItemCount() == 0
