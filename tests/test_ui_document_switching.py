"""Opening one document after another: nothing of the previous one carries into the next.

Each test drives the real window over a real project file, the way a reader switches
between readings (issue 14's bugs).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtGui import QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QMessageBox

from annotator.core.model import Document
from annotator.project import Project
from annotator.resources import sample_reading_path
from annotator.suggesting.review import pending_suggestions
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import Preferences
from tests.test_ui_pdf import build_pdf, open_pdf
from tests.test_ui_window import open_window


@pytest.fixture
def prefs(tmp_path: Path) -> Preferences:
    return Preferences(tmp_path / "settings.ini")


def body_format(window: MainWindow, phrase: str) -> QTextCharFormat:
    """The character format the reader gives the middle of ``phrase``."""
    reader = window.reader
    middle = reader.text.index(phrase) + len(phrase) // 2
    cursor = QTextCursor(reader.document())
    cursor.setPosition(reader.to_qt(middle))
    return cursor.charFormat()


def assert_plain_body(window: MainWindow, phrase: str) -> None:
    """Body text in the reader's own size and weight, in full ink."""
    fmt = body_format(window, phrase)
    assert fmt.fontPointSize() in (0.0, float(window.reader.zoom))
    assert fmt.fontWeight() == QFont.Weight.Normal
    brush = fmt.foreground()
    assert not fmt.hasProperty(QTextCharFormat.Property.ForegroundBrush) or (
        brush.color().alpha() == 255
    )


def with_notes(project: Project, document: Document, every: int = 150) -> None:
    """A comment on one character every ``every`` characters of the first 3,000."""
    for at in range(0, min(len(document.text), 3000), every):
        if document.text[at].isalnum():
            project.annotate(document.id, at, at + 1, note=f"note at {at}")


def visible_cards(qtbot, window: MainWindow) -> int:
    qtbot.wait(200)  # the margin rebuilds on the next turns of the event loop
    return sum(card.isVisible() for card in window.margin.cards())


@pytest.fixture
def readings(project: Project, samples: Path, tmp_path: Path) -> dict[str, Document]:
    """The bundled Markdown sample, a second Markdown reading and a plain-text sample."""
    second = tmp_path / "second.md"
    second.write_text("# Second reading\n\n" + sample_reading_path().read_text(encoding="utf-8"))
    docs = {
        "markdown": project.add_document(sample_reading_path())[0],
        "second markdown": project.add_document(second)[0],
        "text": project.add_document(samples / "guides-to-annotating-texts.txt")[0],
    }
    for document in docs.values():
        with_notes(project, document)
    return docs


BODY = {
    "markdown": "This short essay ships with Annotator",
    "second markdown": "This short essay ships with Annotator",
    "text": "As students, researchers, and self",
}


@pytest.mark.parametrize(
    "order",
    [
        ("markdown", "text"),
        ("markdown", "second markdown"),
        ("text", "markdown", "text"),
        ("second markdown", "text", "markdown"),
    ],
)
def test_markdown_styling_does_not_leak_into_the_next_document(
    qtbot, project, prefs, readings, order
):
    window = open_window(qtbot, project, prefs, readings[order[0]].id)
    try:
        assert_plain_body(window, BODY[order[0]])
        for name in order[1:]:
            window.open_document(readings[name].id)
            assert_plain_body(window, BODY[name])
    finally:
        window.close()


def test_margin_cards_stay_after_switching_between_markdown_and_text(
    qtbot, project, prefs, readings
):
    window = open_window(qtbot, project, prefs, readings["markdown"].id)
    try:
        first = {"markdown": visible_cards(qtbot, window)}
        window.open_document(readings["text"].id)
        first["text"] = visible_cards(qtbot, window)
        assert first["markdown"] > 1 and first["text"] > 1
        for name in ("markdown", "text", "markdown"):
            window.open_document(readings[name].id)
            assert visible_cards(qtbot, window) == first[name], name
    finally:
        window.close()


# -- PDF: a new document starts at its own place --------------------------------------------


@pytest.fixture
def no_import_question(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 'import the PDF's own highlights?' question is answered No."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)


def test_a_newly_opened_pdf_starts_at_its_first_page_not_the_previous_pdfs_page(
    qtbot, project, prefs, sample_document, tmp_path, no_import_question
):
    window = open_window(qtbot, project, prefs, sample_document.id)
    try:
        open_pdf(qtbot, window, build_pdf(tmp_path / "long.pdf", pages=40))
        window.pdf_view.go_to_page(29)
        qtbot.waitUntil(lambda: window.status.position_label.text().startswith("Page 30 of 40"))
        open_pdf(qtbot, window, build_pdf(tmp_path / "short.pdf", pages=2))
        assert window.pdf_view.current_page() == 0
        assert window.status.position_label.text() == "Page 1 of 2"
    finally:
        window.close()


def test_a_pdf_from_the_documents_panel_opens_at_its_remembered_page(
    qtbot, project, prefs, sample_document, tmp_path, no_import_question
):
    window = open_window(qtbot, project, prefs, sample_document.id)
    try:
        open_pdf(qtbot, window, build_pdf(tmp_path / "long.pdf", pages=40))
        long_id = window.document.id
        window.pdf_view.go_to_page(29)
        qtbot.waitUntil(lambda: window.pdf_view.current_page() == 29)
        open_pdf(qtbot, window, build_pdf(tmp_path / "short.pdf", pages=2))
        short_id = window.document.id
        window.pdf_view.go_to_page(1)
        qtbot.waitUntil(lambda: window.pdf_view.current_page() == 1)

        window.open_document(long_id)
        assert window.pdf_view.current_page() == 29
        assert window.status.position_label.text() == "Page 30 of 40"
        window.open_document(short_id)
        assert window.pdf_view.current_page() == 1
        assert window.status.position_label.text() == "Page 2 of 2"
    finally:
        window.close()


# -- the status bar and the Documents panel follow changes ----------------------------------


def test_undoing_a_link_takes_it_out_of_the_status_bar(qtbot, project, prefs, sample_document):
    text = sample_document.text
    first = project.annotate(sample_document.id, *span(text, "Studies serve for delight"))
    second = project.annotate(sample_document.id, *span(text, "Reading maketh a full man"))
    window = open_window(qtbot, project, prefs, sample_document.id)
    try:
        window.select_annotation(first.id)
        window.annotating.link_selected()
        window.select_annotation(second.id, source="list")
        assert "1 link" in window.statusBar().currentMessage()

        window.act_undo.trigger()
        assert project.links(sample_document.id) == []
        assert "link" not in window.statusBar().currentMessage()
    finally:
        window.close()


def test_documents_panel_counts_follow_annotating_and_undo(qtbot, project, prefs, sample_document):
    window = open_window(qtbot, project, prefs, sample_document.id)

    def detail() -> str:
        row = window.library.model.row_of(sample_document.id)
        return window.library.model.detail(window.library.model.summary(row))

    try:
        assert detail().startswith("no notes yet")
        start, end = span(sample_document.text, "Studies serve for delight")
        select_span(window, start, end)
        window.annotating.highlight()
        qtbot.waitUntil(lambda: detail().startswith("1 note"))
        window.act_undo.trigger()
        qtbot.waitUntil(lambda: detail().startswith("no notes yet"))
        window.act_redo.trigger()
        qtbot.waitUntil(lambda: detail().startswith("1 note"))
    finally:
        window.close()


def span(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def select_span(window: MainWindow, start: int, end: int) -> None:
    cursor = window.reader.textCursor()
    cursor.setPosition(window.reader.offsets.to_utf16(start))
    cursor.setPosition(window.reader.offsets.to_utf16(end), QTextCursor.MoveMode.KeepAnchor)
    window.reader.setTextCursor(cursor)


# -- suggestions -----------------------------------------------------------------------------


def test_loading_model_message_gives_way_to_progress_once_the_model_is_loaded(
    qtbot, project, prefs, samples
):
    document, _ = project.add_document(samples / "deep-learning-blog-posts.txt")
    window = open_window(qtbot, project, prefs, document.id)
    controller = window.suggestions
    try:
        controller.start_run("entities", [document.id])
        assert window.statusBar().currentMessage().startswith("Loading ")
        qtbot.waitUntil(lambda: controller.progress.maximum() > 0, timeout=60000)
        assert controller.task is not None  # still running: the message is the run's
        assert not window.statusBar().currentMessage().startswith("Loading ")
        controller.cancel()
        qtbot.waitUntil(lambda: controller.task is None, timeout=60000)
    finally:
        window.close()


LOVELACE = (
    "Ada Lovelace worked with Charles Babbage in London on the Analytical Engine. "
    "In 1843 she published her notes in Taylor's Scientific Memoirs."
)


def test_suggestions_work_on_a_document_added_after_the_suggestion_process_started(
    qtbot, project, prefs
):
    first, _ = project.add_text("Lovelace", LOVELACE)
    window = open_window(qtbot, project, prefs, first.id)
    controller = window.suggestions
    try:
        controller.start_run("entities", [first.id])
        qtbot.waitUntil(lambda: controller.task is None, timeout=60000)
        assert controller.process is not None and controller.process.alive

        added, _ = project.add_text("Babbage", LOVELACE.replace("Ada", "Augusta Ada"))
        window.open_document(added.id)
        qtbot.waitUntil(lambda: controller._document_id == added.id)
        controller.start_run("entities", [added.id])
        qtbot.waitUntil(lambda: controller.task is None, timeout=60000)
        assert "no document with id" not in window.statusBar().currentMessage()
        assert controller.last_report is not None
        assert added.id in controller.last_report.document_ids
        assert pending_suggestions(project, added.id)
    finally:
        window.close()


def test_selection_find_hits_and_a_half_written_note_stay_with_their_document(
    qtbot, project, prefs, readings
):
    """The reading session is replaced whole: the next document starts with no selection,
    its own find hits, and the note typed in the last one saved there, not carried over."""
    text, markdown = readings["text"], readings["markdown"]
    window = open_window(qtbot, project, prefs, text.id)
    try:
        first = project.annotations(text.id)[0]
        window.select_annotation(first.id, source="list")
        assert window.session.selected_id == first.id
        window.find.open_find()
        window.area.find_bar.edit.setText("the")
        qtbot.waitUntil(lambda: len(window.find.matches) > 0)
        hits_in_text = len(window.find.matches)
        window.annotating.edit_note(first.id)
        card = window.margin.card(first.id)
        assert card is not None
        card.editor.setPlainText("typed, then another reading opened")

        window.open_document(markdown.id)

        assert window.session.document_id == markdown.id
        assert window.session.selected_id is None
        assert window.list.panel.view.selectionModel().selectedRows() == []
        expected = markdown.text.lower().count("the")
        assert 0 < len(window.find.matches) <= expected
        assert len(window.find.matches) != hits_in_text
        assert all(e <= len(markdown.text) for _s, e in window.find.matches)
        assert project.annotation(first.id).note == "typed, then another reading opened"
        assert window.margin.card(first.id) is None
    finally:
        window.close()


def test_the_status_line_counts_the_opened_documents_annotations(qtbot, project, prefs, readings):
    """Each document opened shows its own counts once its list is filled, not the last one's
    and not zero."""
    text, markdown = readings["text"], readings["markdown"]
    window = open_window(qtbot, project, prefs, text.id)
    try:
        for document in (markdown, text):
            window.open_document(document.id)
            notes = len(project.annotations(document.id))
            expected = f"{notes} annotations · {notes} notes"
            qtbot.waitUntil(lambda e=expected: window.status.counts_label.text() == e)
    finally:
        window.close()
