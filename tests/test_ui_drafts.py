"""Nothing typed is lost (issue 13): notes save as they are typed and when the reader moves on,
each editing session is one undo step, and a PDF still being read is added even if the reader
opens something else meanwhile."""

from __future__ import annotations

import os
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

import pymupdf
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog, QMessageBox

from annotator.core.model import AnnotationKind
from annotator.project import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.margin import AUTOSAVE_MS
from annotator.ui.preferences import Preferences
from tests.test_ui_window import select


@pytest.fixture
def prefs(tmp_path: Path) -> Preferences:
    return Preferences(tmp_path / "settings.ini")


@pytest.fixture(autouse=True)
def _no_questions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Nothing here may need a question answered: closing with a note open just saves it."""
    asked: list[str] = []

    def refuse(_parent, title, text, *_a, **_k):
        asked.append(text)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", refuse)
    return asked


def make_window(qtbot, project: Project, prefs: Preferences) -> MainWindow:
    w = MainWindow(project, prefs)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    w.activateWindow()
    assert QTest.qWaitForWindowActive(w)
    return w


@pytest.fixture
def window(qtbot, project: Project, sample_document, prefs: Preferences):
    w = make_window(qtbot, project, prefs)
    w.open_document(sample_document.id)
    w.reader.setFocus()
    yield w
    w.close()


@pytest.fixture
def second_document(project: Project, tmp_path: Path):
    path = tmp_path / "second.md"
    path.write_text("# A second reading\n\nShort, and about something else.\n", encoding="utf-8")
    document, _ = project.add_document(path)
    return document


def start_comment(qtbot, window: MainWindow, phrase: str, text: str) -> tuple[int, int]:
    span = select(window, phrase)
    qtbot.keyClick(window.reader, Qt.Key.Key_C)
    assert window.margin.draft is not None and window.margin.draft.editing
    qtbot.keyClicks(window.margin.draft.editor, text)
    return span


def click_reader(qtbot, window: MainWindow) -> None:
    qtbot.mouseClick(window.reader.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(60, 300))


def notes(project: Project, document_id: str) -> list[tuple[int, int, str]]:
    return [(a.start, a.end, a.note) for a in project.annotations(document_id)]


# -- a new comment ----------------------------------------------------------------------------


def test_a_new_comment_is_saved_when_the_reader_clicks_back_in_the_text(
    qtbot, window, project, sample_document
):
    span = start_comment(qtbot, window, "Some books are to be tasted", "Three ways of reading")
    click_reader(qtbot, window)
    assert notes(project, sample_document.id) == [(*span, "Three ways of reading")]
    (a,) = project.annotations(sample_document.id)
    assert a.kind == AnnotationKind.COMMENT
    assert window.margin.draft is None
    card = window.margin.card(a.id)
    assert card is not None and not card.editing
    assert card.body.text() == "Three ways of reading"


def test_a_new_comment_is_saved_when_another_document_is_opened(
    qtbot, window, project, sample_document, second_document
):
    span = start_comment(qtbot, window, "Histories make men wise", "Compare with Montaigne")
    window.open_document(second_document.id)
    assert window.document.id == second_document.id
    assert notes(project, sample_document.id) == [(*span, "Compare with Montaigne")]
    assert project.annotations(second_document.id) == []


def test_an_edited_note_is_saved_when_another_document_is_opened(
    qtbot, window, project, sample_document, second_document
):
    start = sample_document.text.index("Reading maketh a full man")
    a = project.annotate(sample_document.id, start, start + 25, note="first thought")
    window.annotating.edit_note(a.id)
    card = window.margin.card(a.id)
    assert card is not None and card.editing
    qtbot.keyClicks(card.editor, ", and a second")
    window.open_document(second_document.id)
    assert project.annotation(a.id).note == "first thought, and a second"


def test_a_new_comment_is_saved_under_its_author_when_the_annotator_is_switched(
    qtbot, window, project, sample_document, monkeypatch
):
    author = project.current_annotator.name
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Bea", True))
    span = start_comment(qtbot, window, "Some books are to be tasted", "Before handing over")
    window.switch_annotator()
    assert project.current_annotator.name == "Bea"
    (a,) = project.annotations(sample_document.id)
    assert (a.start, a.end, a.note) == (*span, "Before handing over")
    assert {x.id: x.name for x in project.annotators()}[a.annotator_id] == author
    assert window.margin.draft is None


def test_closing_the_window_saves_the_note_being_written_without_asking(
    qtbot, project, sample_document, prefs, _no_questions
):
    window = make_window(qtbot, project, prefs)
    window.open_document(sample_document.id)
    window.reader.setFocus()
    span = start_comment(qtbot, window, "Some books are to be tasted", "Written at closing time")
    window.close()
    assert _no_questions == []
    assert notes(project, sample_document.id) == [(*span, "Written at closing time")]


def test_closing_the_window_saves_an_edited_note(qtbot, project, sample_document, prefs):
    start = sample_document.text.index("Reading maketh a full man")
    a = project.annotate(sample_document.id, start, start + 25, note="full")
    window = make_window(qtbot, project, prefs)
    window.open_document(sample_document.id)
    window.annotating.edit_note(a.id)
    qtbot.keyClicks(window.margin.card(a.id).editor, " of what?")
    window.close()
    assert project.annotation(a.id).note == "full of what?"


def test_an_empty_new_comment_is_simply_discarded_when_left(
    qtbot, window, project, sample_document
):
    start_comment(qtbot, window, "Some books are to be tasted", "   ")
    click_reader(qtbot, window)
    assert window.margin.draft is None
    assert project.annotations(sample_document.id) == []
    assert window.undo.count() == 0


def test_escape_still_discards_a_new_comment(qtbot, window, project, sample_document):
    start_comment(qtbot, window, "Some books are to be tasted", "never mind")
    qtbot.keyClick(window.margin.draft.editor, Qt.Key.Key_Escape)
    assert window.margin.draft is None
    assert project.annotations(sample_document.id) == []


# -- saving as typed, one undo step ------------------------------------------------------------


def test_a_new_comment_saves_itself_after_a_pause_and_undoes_as_one_step(
    qtbot, window, project, sample_document
):
    span = start_comment(qtbot, window, "Some books are to be tasted", "Taste")
    editor = window.margin.draft.editor
    qtbot.waitUntil(lambda: bool(project.annotations(sample_document.id)), timeout=AUTOSAVE_MS * 4)
    assert notes(project, sample_document.id) == [(*span, "Taste")]
    # Still writing: the editor stays open and keeps the keyboard.
    assert editor.isVisible() and editor.hasFocus()
    (a,) = project.annotations(sample_document.id)
    card = window.margin.card(a.id)
    assert card is not None and card.editor is editor and card.editing

    qtbot.keyClicks(editor, ", swallow")
    qtbot.waitUntil(lambda: project.annotation(a.id).note == "Taste, swallow", timeout=4000)
    qtbot.keyClicks(editor, ", chew")
    click_reader(qtbot, window)
    assert project.annotation(a.id).note == "Taste, swallow, chew"
    assert window.undo.count() == 1
    window.undo.undo()
    assert project.annotations(sample_document.id) == []
    window.undo.redo()
    assert notes(project, sample_document.id) == [(*span, "Taste, swallow, chew")]


def test_editing_a_note_is_one_undo_step_back_to_the_note_before(
    qtbot, window, project, sample_document
):
    start = sample_document.text.index("Reading maketh a full man")
    a = project.annotate(sample_document.id, start, start + 25, note="full")
    window.annotating.edit_note(a.id)
    editor = window.margin.card(a.id).editor
    qtbot.keyClicks(editor, " man")
    qtbot.waitUntil(lambda: project.annotation(a.id).note == "full man", timeout=4000)
    qtbot.keyClicks(editor, ", ready man")
    qtbot.waitUntil(lambda: project.annotation(a.id).note == "full man, ready man", timeout=4000)
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.undo.count() == 1
    window.undo.undo()
    assert project.annotation(a.id).note == "full"
    assert window.margin.card(a.id).body.text() == "full"
    window.undo.redo()
    assert project.annotation(a.id).note == "full man, ready man"

    # A second session is a second step.
    window.annotating.edit_note(a.id)
    qtbot.keyClicks(window.margin.card(a.id).editor, "!")
    click_reader(qtbot, window)
    assert window.undo.count() == 2
    window.undo.undo()
    assert project.annotation(a.id).note == "full man, ready man"


def test_escape_after_a_save_puts_the_note_back_as_it_was(qtbot, window, project, sample_document):
    start = sample_document.text.index("Reading maketh a full man")
    a = project.annotate(sample_document.id, start, start + 25, note="full")
    window.annotating.edit_note(a.id)
    editor = window.margin.card(a.id).editor
    qtbot.keyClicks(editor, " of nonsense")
    qtbot.waitUntil(lambda: project.annotation(a.id).note == "full of nonsense", timeout=4000)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert project.annotation(a.id).note == "full"
    assert window.undo.count() == 0


def test_escape_after_a_save_removes_the_new_comment_and_leaves_no_undo_step(
    qtbot, window, project, sample_document
):
    start_comment(qtbot, window, "Some books are to be tasted", "oops")
    qtbot.waitUntil(lambda: bool(project.annotations(sample_document.id)), timeout=4000)
    (a,) = project.annotations(sample_document.id)
    qtbot.keyClick(window.margin.card(a.id).editor, Qt.Key.Key_Escape)
    assert project.annotations(sample_document.id) == []
    assert window.undo.count() == 0
    assert window.margin.card(a.id) is None


def test_deleting_the_annotation_under_an_open_editor_closes_it(
    qtbot, window, project, sample_document
):
    start = sample_document.text.index("Reading maketh a full man")
    a = project.annotate(sample_document.id, start, start + 25, note="full")
    window.annotating.edit_note(a.id)
    card = window.margin.card(a.id)
    qtbot.keyClicks(card.editor, " text")
    project.delete_annotation(a.id)  # e.g. another window, an import
    window.margin.rebuild_now()
    assert window.margin.card(a.id) is None
    assert not card.editing
    click_reader(qtbot, window)
    qtbot.wait(AUTOSAVE_MS + 200)
    assert project.annotations(sample_document.id) == []


def test_undo_from_the_menu_while_writing_takes_back_the_saved_comment(
    qtbot, window, project, sample_document
):
    start_comment(qtbot, window, "Some books are to be tasted", "gone soon")
    qtbot.waitUntil(lambda: bool(project.annotations(sample_document.id)), timeout=4000)
    (a,) = project.annotations(sample_document.id)
    window.undo.undo()  # Edit → Undo with the editor still open
    window.margin.rebuild_now()
    assert project.annotations(sample_document.id) == []
    assert window.margin.card(a.id) is None
    click_reader(qtbot, window)
    qtbot.wait(AUTOSAVE_MS + 200)
    assert project.annotations(sample_document.id) == []


# -- a PDF still being read ---------------------------------------------------------------------


def build_pdf(path: Path, pages: int = 3) -> Path:
    doc = pymupdf.open()
    for number in range(pages):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 60), f"Chapter {number + 1}", fontsize=18)
        page.insert_text((72, 90), "The margin is where the reader answers.", fontsize=12)
    doc.save(path)
    doc.close()
    return path


def titles(project: Project) -> set[str]:
    return {s.document.title for s in project.documents()}


def test_a_pdf_still_being_read_is_added_when_another_document_is_opened(
    qtbot, window, project, sample_document, second_document, tmp_path
):
    pdf = build_pdf(tmp_path / "essay.pdf")
    assert window.open_pdf_path(str(pdf))
    assert window.document is None  # its text is still being read
    window.open_document(second_document.id)
    qtbot.waitUntil(lambda: len(project.documents()) == 3, timeout=15000)
    assert window.document.id == second_document.id and not window.area.showing_pdf
    assert window.reader.toPlainText().startswith("# A second reading")
    (pdf_id,) = [s.document.id for s in project.documents() if s.document.path.endswith(".pdf")]
    added = project.document(pdf_id)
    assert added.page_map and "The margin is where" in added.text
    assert window.library.model.row_of(added.id) >= 0  # in the Documents panel
    assert added.title in window.statusBar().currentMessage()
    assert "Added" in window.statusBar().currentMessage()
    assert not window.pdf.extract_progress.isVisible()


def test_a_pdf_being_read_is_added_when_another_pdf_is_opened(
    qtbot, window, project, sample_document, tmp_path
):
    first = build_pdf(tmp_path / "first.pdf", pages=4)
    second = build_pdf(tmp_path / "second.pdf", pages=2)
    assert window.open_pdf_path(str(first))
    assert window.open_pdf_path(str(second))
    qtbot.waitUntil(lambda: len(project.documents()) == 3, timeout=15000)
    qtbot.waitUntil(lambda: window.document is not None, timeout=15000)
    assert Path(window.document.path).name == "second.pdf"
    assert window.pdf_view.page_count == 2
    assert {Path(s.document.path).name for s in project.documents()} >= {"first.pdf", "second.pdf"}


def leave_at_first_progress(
    window: MainWindow, document_id: str, then: Callable[[], None] = lambda: None
) -> list[bool]:
    """Open another document the moment the PDF's reading shows progress (while its text is
    still being read, for certain: the result comes after the progress); the list says
    whether the PDF was indeed not added yet."""
    left: list[bool] = []

    def leave(value: int) -> None:
        if value > 0 and not left:
            left.append(window.document is None)
            window.open_document(document_id)
            then()

    window.pdf.extract_progress.valueChanged.connect(leave)
    return left


def test_a_pdf_left_while_its_text_is_being_read_keeps_being_read_and_is_added(
    qtbot, window, project, sample_document, tmp_path
):
    left_while_reading = leave_at_first_progress(window, sample_document.id)
    assert window.open_pdf_path(str(build_pdf(tmp_path / "long.pdf", pages=200)))
    qtbot.waitUntil(lambda: bool(left_while_reading), timeout=15000)
    assert left_while_reading == [True]  # its text was still being read
    assert window.document.id == sample_document.id and not window.area.showing_pdf
    qtbot.waitUntil(lambda: len(project.documents()) == 2, timeout=30000)
    assert window.document.id == sample_document.id and not window.area.showing_pdf
    (pdf_id,) = [s.document.id for s in project.documents() if s.document.id != sample_document.id]
    assert len(project.document(pdf_id).page_map) == 200
    assert "Added" in window.statusBar().currentMessage()


def test_cancel_still_stops_a_pdf_being_read_in_the_background(
    qtbot, window, project, sample_document, tmp_path
):
    cancel_shown: list[bool] = []

    def cancel() -> None:  # at once: the reading is still going on in the background
        cancel_shown.append(window.pdf.extract_cancel.isVisible())
        qtbot.mouseClick(window.pdf.extract_cancel, Qt.MouseButton.LeftButton)

    left_while_reading = leave_at_first_progress(window, sample_document.id, cancel)
    assert window.open_pdf_path(str(build_pdf(tmp_path / "long.pdf", pages=200)))
    pending = window.pdf._pdf_pending
    qtbot.waitUntil(lambda: bool(left_while_reading), timeout=15000)
    assert left_while_reading == [True] and cancel_shown == [True]
    assert "long.pdf" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: pending["extraction"].finished, timeout=30000)
    qtbot.wait(50)
    assert [s.document.id for s in project.documents()] == [sample_document.id]
    assert not window.pdf.extract_progress.isVisible()


def test_a_comment_on_a_pdf_is_saved_when_a_text_document_is_opened(
    qtbot, window, project, sample_document, tmp_path
):
    assert window.open_pdf_path(str(build_pdf(tmp_path / "essay.pdf")))
    qtbot.waitUntil(lambda: window.document is not None, timeout=15000)
    pdf_id = window.document.id
    view = window.pdf_view
    start = view.text.index("reader answers")
    view.select_span(start, start + len("reader answers"))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C)
    assert window.margin.draft is not None
    qtbot.keyClicks(window.margin.draft.editor, "Who asks?")
    window.open_document(sample_document.id)
    assert [(a.start, a.note) for a in project.annotations(pdf_id)] == [(start, "Who asks?")]
