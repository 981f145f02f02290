"""The note editor (issue 15): C on a highlight opens it beside its passage, whole (the hint
"Ctrl+Enter to finish" included), in a text and in a PDF, and it grows with its text."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

import pymupdf
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from annotator.core.model import AnnotationKind
from annotator.project import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.margin import Card
from annotator.ui.preferences import Preferences
from tests.test_ui_pdf import build_pdf, open_pdf
from tests.test_ui_window import open_window, select

SHOTS = os.environ.get("ANNOTATOR_SCREENSHOTS")  # a folder: save what the tests look at


@pytest.fixture(autouse=True)
def _no_import_question(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)


@pytest.fixture
def prefs(tmp_path: Path) -> Preferences:
    return Preferences(tmp_path / "settings.ini")


def shot(window: MainWindow, name: str) -> None:
    if SHOTS:
        window.grab().save(str(Path(SHOTS) / f"{name}.png"))


def fully_visible(window: MainWindow, card: Card) -> None:
    """The card, its editor and its hint inside the margin, nothing cut off."""
    margin = window.margin
    assert card.isVisible() and card.editor.isVisible() and card.hint.isVisible()
    inside = margin.rect()
    assert inside.contains(card.geometry()), (card.geometry(), inside)
    hint = QRect(card.hint.mapTo(margin, QPoint(0, 0)), card.hint.size())
    assert inside.contains(hint), (hint, inside)
    assert "Ctrl+Enter" in card.hint.text()
    assert card.editor.height() >= 3 * card.editor.fontMetrics().lineSpacing()


def passage_y(window: MainWindow, start: int) -> int:
    margin = window.margin
    y = window.area.view.offset_y(start)
    assert y is not None
    return y + margin._viewport_top()


def press_c(qtbot, widget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_C)


def test_c_on_a_highlight_in_a_text_opens_the_editor_beside_it(
    qtbot, project: Project, sample_document, prefs
):
    window = open_window(qtbot, project, prefs, sample_document.id)
    start, _end = select(window, "Studies serve for delight")
    qtbot.keyClick(window.reader, Qt.Key.Key_H)
    (highlight,) = project.annotations(sample_document.id)
    window.select_annotation(highlight.id, source="list")
    press_c(qtbot, window.reader)
    card = window.margin.card(highlight.id)
    assert card is not None and card.editing
    fully_visible(window, card)
    assert abs(card.y() - passage_y(window, start)) <= 12  # beside it, not at the top
    shot(window, "note-editor-text")

    qtbot.keyClicks(card.editor, "Why delight first?")
    qtbot.keyClick(card.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    (saved,) = project.annotations(sample_document.id)
    assert saved.note == "Why delight first?" and saved.kind == AnnotationKind.COMMENT
    window.close()


def test_the_editor_grows_with_its_text_and_stays_whole(
    qtbot, project: Project, sample_document, prefs
):
    window = open_window(qtbot, project, prefs, sample_document.id)
    start, _end = select(window, "Reading maketh a full man")
    qtbot.keyClick(window.reader, Qt.Key.Key_C)
    card = window.margin.draft
    assert card is not None
    fully_visible(window, card)
    assert abs(card.y() - passage_y(window, start)) <= 12  # a new note: beside it too
    before = card.editor.height()
    for line in range(6):
        qtbot.keyClicks(card.editor, f"Line {line} of a longer thought about this passage")
        qtbot.keyClick(card.editor, Qt.Key.Key_Return)
    assert card.editor.height() > before + 3 * card.editor.fontMetrics().lineSpacing()
    card = window.margin.draft or next(c for c in window.margin.cards() if c.editing)
    fully_visible(window, card)
    qtbot.keyClick(card.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    (comment,) = project.annotations(sample_document.id)
    assert comment.note.count("\n") == 5  # nothing typed was lost
    window.close()


@pytest.fixture
def pdf_window(qtbot, project: Project, prefs: Preferences):
    w = MainWindow(project, prefs)
    qtbot.addWidget(w)
    w.resize(1200, 850)
    w.show()
    w.activateWindow()
    assert QTest.qWaitForWindowActive(w)
    yield w
    w.close()


def test_c_on_a_highlight_in_a_pdf_opens_the_editor_beside_it(qtbot, pdf_window, project, tmp_path):
    window = pdf_window
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf", pages=2))
    view = window.pdf_view
    start = view.text.index("small argument")
    highlight = project.annotate(window.document.id, start, start + len("small argument"))
    qtbot.waitUntil(lambda: highlight.id in view.index, timeout=5000)
    window.select_annotation(highlight.id, source="list")
    view.setFocus()
    press_c(qtbot, view)
    card = window.margin.card(highlight.id)
    assert card is not None and card.editing
    fully_visible(window, card)
    assert abs(card.y() - passage_y(window, start)) <= 12
    shot(window, "note-editor-pdf")


def test_the_editor_of_a_passage_at_the_bottom_of_the_last_page_is_not_cut_off(
    qtbot, pdf_window, project, tmp_path
):
    window = pdf_window
    path = tmp_path / "footnote.pdf"
    pdf = pymupdf.open()
    page = pdf.new_page(width=595, height=842)
    page.insert_text((72, 90), "Close reading begins with attention to the sentence.", fontsize=12)
    page.insert_text((72, 825), "The last word belongs to the reader.", fontsize=12)
    pdf.save(path)
    pdf.close()
    open_pdf(qtbot, window, path)
    view = window.pdf_view
    phrase = "belongs to the reader"
    start = view.text.index(phrase)
    highlight = project.annotate(window.document.id, start, start + len(phrase))
    qtbot.waitUntil(lambda: highlight.id in view.index, timeout=5000)
    window.select_annotation(highlight.id, source="list")
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum())  # the passage is as high as it can go: near the bottom
    y = passage_y(window, start)
    assert y + 100 > window.margin.height()  # an editor placed beside it would be cut off
    view.setFocus()
    press_c(qtbot, view)
    card = window.margin.card(highlight.id)
    assert card is not None and card.editing
    fully_visible(window, card)
    assert card.y() < y  # lifted above its passage, as little as needed
    shot(window, "note-editor-pdf-bottom")
    qtbot.keyClicks(card.editor, "Kept whole")
    qtbot.keyClick(card.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert project.annotation(highlight.id).note == "Kept whole"


def test_a_comment_on_a_passage_scrolled_away_brings_it_back_and_opens_beside_it(
    qtbot, project: Project, prefs
):
    """Select, scroll elsewhere with the scroll bar, press C: the card stands by its
    passage (it used to sit squashed at the top of the margin, with no line to stand by)."""
    text = "\n\n".join(f"Paragraph {i}: close reading is slow reading." for i in range(400))
    document, _ = project.add_text("long", text)
    window = open_window(qtbot, project, prefs, document.id)
    start, _end = select(window, "Paragraph 3:")
    bar = window.reader.verticalScrollBar()
    bar.setValue(bar.maximum())  # the passage is far off screen now
    qtbot.wait(50)
    assert not 0 <= window.reader.offset_y(start) <= window.reader.viewport().height()
    window.annotating.comment()
    card = window.margin.draft
    assert card is not None
    qtbot.wait(50)
    fully_visible(window, card)
    assert abs(card.y() - passage_y(window, start)) <= 12
    window.close()
