"""Suggestions in the window, driven like a user: run the real model, review with the keys,
undo; label every occurrence; snap to words."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest

from annotator.core.model import AnnotationKind, AnnotationStatus
from annotator.project import Project
from annotator.suggesting.review import pending_suggestions
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import Preferences

PARAGRAPH = (
    "Ada Lovelace worked with Charles Babbage in London on the Analytical Engine. "
    "In 1843 she published her notes in Taylor's Scientific Memoirs, and Babbage "
    "praised them. Today the British Library keeps letters from London and Paris."
)


@pytest.fixture
def prefs(tmp_path: Path) -> Preferences:
    return Preferences(tmp_path / "settings.ini")


@pytest.fixture
def paragraph(project: Project):
    document, _ = project.add_text("Lovelace", PARAGRAPH)
    return document


@pytest.fixture
def window(qtbot, project: Project, paragraph, prefs: Preferences):
    w = MainWindow(project, prefs)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    w.activateWindow()
    assert QTest.qWaitForWindowActive(w)
    w.open_document(paragraph.id)
    w.reader.setFocus()
    yield w
    w.close()


def suggest(qtbot, window: MainWindow) -> None:
    """Suggest entities the way the toolbar button does and wait for the worker."""
    qtbot.mouseClick(window.suggestions.button, Qt.MouseButton.LeftButton)
    assert window.suggestions.task is not None
    assert window.suggestions.progress.isVisible()  # progress and Cancel in the status bar
    assert window.suggestions.cancel_button.isVisible()
    qtbot.waitUntil(lambda: window.suggestions.task is None, timeout=60000)


def press(qtbot, window: MainWindow, key) -> None:
    qtbot.keyClick(window.reader, key)


def select(window: MainWindow, start: int, end: int) -> None:
    cursor = window.reader.textCursor()
    cursor.setPosition(window.reader.to_qt(start))
    cursor.setPosition(window.reader.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
    window.reader.setTextCursor(cursor)


def test_suggestions_run_in_the_background_and_match_what_spacy_finds(
    qtbot, window, project, paragraph
):
    from annotator.nlp.models import default_model_name, load_pipeline

    suggest(qtbot, window)
    stored = pending_suggestions(project, paragraph.id)
    nlp = load_pipeline(default_model_name(), "entities")
    expected = {(e.start_char, e.end_char, e.label_) for e in nlp(PARAGRAPH).ents}
    assert {(a.start, a.end, a.label) for a in stored} == expected
    assert stored
    # Listed apart, and not in the reader's own annotation list.
    panel = window.suggestions.panel
    assert panel.model.rowCount() == len(stored)
    assert window.suggestions.dock.isVisible()
    assert window.list.model.rowCount() == 0
    # Drawn by the reader's overlay (dashed, muted), not as annotations.
    assert len(window.suggestions.suggestions) == len(stored)
    assert len(window.reader.index) == 0
    assert "pending" in window.suggestions.pending_label.text()
    # Review mode is on after a run, with the first suggestion current.
    assert window.suggestions.mode
    assert window.suggestions.current_id == stored[0].id


def test_enter_accepts_backspace_rejects_and_undo_takes_both_back(
    qtbot, window, project, paragraph
):
    suggest(qtbot, window)
    first, second = pending_suggestions(project, paragraph.id)[:2]
    assert window.suggestions.current_id == first.id

    press(qtbot, window, Qt.Key.Key_Return)
    assert project.annotation(first.id).status == AnnotationStatus.ACCEPTED
    assert window.suggestions.current_id == second.id
    qtbot.waitUntil(lambda: first.id in window.reader.index)  # now an annotation

    press(qtbot, window, Qt.Key.Key_Backspace)
    assert project.annotation(second.id).status == AnnotationStatus.REJECTED
    assert project.annotation(first.id).status == AnnotationStatus.ACCEPTED  # not deleted

    window.undo.undo()
    assert project.annotation(second.id).status == AnnotationStatus.SUGGESTED
    window.undo.undo()
    assert project.annotation(first.id).status == AnnotationStatus.SUGGESTED
    qtbot.waitUntil(lambda: first.id in window.suggestions.suggestions)
    window.undo.redo()
    assert project.annotation(first.id).status == AnnotationStatus.ACCEPTED


def test_n_and_p_walk_suggestions_and_leaving_review_gives_the_keys_back(
    qtbot, window, project, paragraph
):
    suggest(qtbot, window)
    items = pending_suggestions(project, paragraph.id)
    press(qtbot, window, Qt.Key.Key_N)
    assert window.suggestions.current_id == items[1].id
    press(qtbot, window, Qt.Key.Key_P)
    assert window.suggestions.current_id == items[0].id
    window.suggestions.set_mode(False)
    assert window.annotating.act_next.shortcut().toString() == "N"
    assert "Backspace" in [k.toString() for k in window.annotating.act_delete.shortcuts()]
    assert window.suggestions.act_accept.shortcuts() == []


def test_accept_all_of_a_label_is_one_undoable_step(qtbot, window, project, paragraph):
    suggest(qtbot, window)
    items = pending_suggestions(project, paragraph.id)
    label = items[0].label
    of_label = [a for a in items if a.label == label]
    panel = window.suggestions.panel
    panel.label_box.setCurrentIndex(panel.label_box.findData(label))
    qtbot.mouseClick(panel.accept_label, Qt.MouseButton.LeftButton)
    accepted = project.annotations(paragraph.id)
    assert {a.id for a in accepted} == {a.id for a in of_label}
    window.undo.undo()
    assert project.annotations(paragraph.id) == []


def test_label_every_occurrence_shows_the_count_then_applies_as_one_step(
    qtbot, window, project, paragraph
):
    start = PARAGRAPH.index("London")
    select(window, start, start + len("London"))
    dialog = window.suggestions.occurrence_dialog()
    qtbot.addWidget(dialog)
    dialog.label.setCurrentText("GPE")
    dialog.recount()
    assert dialog.to_label == 2
    dialog.reject()
    assert "2 occurrences" in dialog.count.text()
    assert dialog.apply_button.isEnabled()
    window.suggestions.apply_occurrences(dialog.options())
    labelled = [a for a in project.annotations(paragraph.id) if a.label == "GPE"]
    assert sorted(a.quote for a in labelled) == ["London", "London"]
    assert window.undo.count() == 1
    window.undo.undo()
    assert project.annotations(paragraph.id) == []
    dialog.recount()
    assert dialog.to_label == 2
    dialog.reject()


def test_manual_labels_snap_to_words_unless_character_mode(qtbot, window, project, paragraph):
    start = PARAGRAPH.index("Lovelace")
    select(window, start + 2, start + 6)  # "vela"
    window.annotating.apply_label("PERSON")
    a = project.annotations(paragraph.id)[0]
    assert a.quote == "Lovelace"
    window.suggestions.act_snap.trigger()  # off: character mode
    assert not window.suggestions.snapping
    select(window, start + 2, start + 6)
    window.annotating.highlight()
    quotes = sorted(x.quote for x in project.annotations(paragraph.id))
    assert quotes == ["Lovelace", "vela"]


def test_a_missing_model_explains_how_to_install_one_and_the_window_keeps_working(
    qtbot, window, project, paragraph, prefs, tmp_path
):
    prefs.set_text("suggest/model", str(tmp_path / "no-such-model"))
    window.suggestions.run("entities")
    qtbot.waitUntil(lambda: window.suggestions.task is None, timeout=30000)
    box = window.suggestions.error_box
    assert "pip install" in box.text()
    box.close()
    start = PARAGRAPH.index("Paris")
    select(window, start, start + 5)
    window.annotating.highlight()
    assert [a.kind for a in project.annotations(paragraph.id)] == [AnnotationKind.HIGHLIGHT]


def center_of(window: MainWindow, view, suggestion) -> QPoint:
    rects = view.span_rects(suggestion.start, suggestion.end)
    assert rects, "the suggestion is on screen"
    return rects[0].center().toPoint()


def test_clicking_a_suggestion_in_the_text_makes_it_current_for_review(
    qtbot, window, project, paragraph
):
    suggest(qtbot, window)
    items = pending_suggestions(project, paragraph.id)
    window.suggestions.set_mode(False)
    window.suggestions.current_id = None
    target = items[2]
    qtbot.mouseClick(
        window.reader.viewport(),
        Qt.MouseButton.LeftButton,
        pos=center_of(window, window.reader, target),
    )
    assert window.suggestions.current_id == target.id
    assert window.suggestions.mode  # clicking one starts reviewing
    panel = window.suggestions.panel
    assert panel.model.at(panel.table.currentIndex().row()).id == target.id
    press(qtbot, window, Qt.Key.Key_Return)
    assert project.annotation(target.id).status == AnnotationStatus.ACCEPTED


def test_an_annotation_under_a_suggestion_wins_the_click_until_reviewing(
    qtbot, window, project, paragraph
):
    sentence = project.annotate(paragraph.id, 0, PARAGRAPH.index("."), note="first sentence")
    qtbot.waitUntil(lambda: sentence.id in window.reader.index)
    suggest(qtbot, window)
    ada = next(s for s in pending_suggestions(project, paragraph.id) if s.start == 0)
    point = center_of(window, window.reader, ada)
    window.suggestions.set_mode(False)
    window.suggestions.current_id = None
    qtbot.mouseClick(window.reader.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert window.selected_id == sentence.id
    assert window.suggestions.current_id is None
    window.suggestions.set_mode(True)
    qtbot.mouseClick(window.reader.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert window.suggestions.current_id == ada.id
    assert window.selected_id is None


def build_paragraph_pdf(path: Path) -> Path:
    import textwrap

    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    y = 90
    for line in textwrap.wrap(PARAGRAPH, 60):
        page.insert_text((72, y), line, fontsize=13)
        y += 24
    doc.save(path)
    doc.close()
    return path


def test_suggestions_on_pdf_pages_are_drawn_clicked_and_accepted(
    qtbot, window, project, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    assert window.open_pdf_path(str(build_paragraph_pdf(tmp_path / "lovelace.pdf")))
    qtbot.waitUntil(
        lambda: window.area.showing_pdf and bool(window.pdf_view.page_map),
        timeout=20000,
    )
    view = window.pdf_view
    document = window.document
    qtbot.waitUntil(lambda: 0 in view.cached_pages, timeout=20000)
    plain = view.viewport().grab().toImage()

    suggest(qtbot, window)
    items = pending_suggestions(project, document.id)
    assert {a.quote for a in items} >= {"Ada Lovelace", "London"}
    drawn = view.viewport().grab().toImage()
    london = next(a for a in items if a.quote == "London")
    rect = view.span_rects(london.start, london.end)[0].toRect()
    changed = sum(
        plain.pixel(x, y) != drawn.pixel(x, y)
        for x in range(rect.left(), rect.right())
        for y in range(rect.top(), rect.bottom())
    )
    assert changed > rect.width() * rect.height() // 4  # tinted, outlined

    window.suggestions.set_mode(False)
    window.suggestions.current_id = None
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.suggestions.current_id == london.id
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert project.annotation(london.id).status == AnnotationStatus.ACCEPTED
    qtbot.waitUntil(lambda: london.id in view.index)
    window.undo.undo()
    assert project.annotation(london.id).status == AnnotationStatus.SUGGESTED


def test_sentiment_settings_dialog_saves_in_the_project_and_undo_restores(
    qtbot, window, project, paragraph
):
    from annotator.nlp.settings import SentimentConfig

    dialog = window.suggestions.sentiment_dialog()
    qtbot.addWidget(dialog)
    dialog.positive.setText("favourable")
    dialog.negative.setText("favourable")
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()  # two labels with one name
    assert "different names" in dialog.problem.text()
    dialog.negative.setText("unfavourable")
    dialog.positive_at.setValue(0.3)
    assert ok.isEnabled()
    window.suggestions.apply_sentiment_settings(dialog.config())
    saved = project.sentiment_config()
    assert (saved.positive_label, saved.negative_label, saved.positive_threshold) == (
        "favourable",
        "unfavourable",
        0.3,
    )
    window.undo.undo()
    assert project.sentiment_config() == SentimentConfig()
    window.undo.redo()
    assert project.sentiment_config().positive_label == "favourable"
    dialog.show_config(SentimentConfig())  # Restore Defaults
    assert dialog.config() == SentimentConfig()


def test_cancel_in_the_status_bar_stops_the_run_and_closing_ends_the_process(
    qtbot, window, project
):
    ids = [project.add_text(f"Part {i}", f"Part {i}. " + PARAGRAPH * 150)[0].id for i in range(8)]
    controller = window.suggestions
    controller.start_run("entities", ids)
    qtbot.waitUntil(lambda: controller.progress.maximum() > 0, timeout=60000)  # past loading
    qtbot.mouseClick(controller.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.task is None, timeout=60000)
    report = controller.last_report
    assert report.cancelled and len(report.outcomes) < len(ids)
    assert "cancel" in window.statusBar().currentMessage().lower()
    process = controller.process._process
    assert process.is_alive()
    window.close()
    assert not process.is_alive()


def test_an_idle_suggestion_process_gives_its_memory_back_and_the_next_run_restarts_it(
    qtbot, window, project, paragraph
):
    controller = window.suggestions
    controller._idle_timer.setInterval(200)
    suggest(qtbot, window)
    process = controller.process._process
    qtbot.waitUntil(lambda: controller.process is None, timeout=10000)
    assert not process.is_alive()
    assert pending_suggestions(project, paragraph.id)  # the suggestions stay; the process went
    controller._idle_timer.setInterval(60_000)
    suggest(qtbot, window)
    assert controller.process is not None and controller.process._process.is_alive()


def test_ctrl_click_chooses_several_documents_and_suggest_runs_on_those(
    qtbot, window, project, paragraph
):
    second, _ = project.add_text("Hopper", "Grace Hopper worked at Harvard in Cambridge.")
    third, _ = project.add_text("Turing", "Alan Turing worked at Bletchley Park in England.")
    panel = window.library.panel
    qtbot.waitUntil(lambda: window.library.model.row_of(third.id) >= 0)
    view = panel.view

    def click(document_id: str, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        index = window.library.model.index(window.library.model.row_of(document_id))
        qtbot.mouseClick(
            view.viewport(), Qt.MouseButton.LeftButton, modifier, view.visualRect(index).center()
        )

    click(paragraph.id)
    click(third.id, Qt.KeyboardModifier.ControlModifier)
    assert window.document.id == paragraph.id  # Ctrl+click chooses, it does not open
    assert set(panel.selected_ids()) == {paragraph.id, third.id}
    window.suggestions.run("entities")
    qtbot.waitUntil(lambda: window.suggestions.task is None, timeout=60000)
    assert pending_suggestions(project, paragraph.id)
    assert pending_suggestions(project, third.id)
    assert not pending_suggestions(project, second.id)  # not chosen


def test_the_current_suggestions_tag_sits_on_its_own_line_and_covers_no_line_above(
    qtbot, window, project, paragraph
):
    from PySide6.QtCore import QRect, QRectF
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    suggest(qtbot, window)
    viewport = window.reader.viewport()
    image = QImage(viewport.size(), QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        for s in pending_suggestions(project, paragraph.id):
            rects = window.reader.span_rects(s.start, s.end)
            tag = window.suggestions._paint_tag(
                painter, rects, f"{s.label}?", QColor("#444"), QFont(), viewport.rect()
            )
            line = next(
                r for r in (rects[-1], rects[0]) if abs(r.center().y() - tag.center().y()) < 1
            )
            assert line.top() - 0.5 <= tag.top() and tag.bottom() <= line.bottom() + 0.5
            assert not any(tag.intersects(r) for r in rects)  # the words themselves stay clear
        # No room after the span at the right edge: the tag goes before it, on the same line.
        edge = [QRectF(viewport.width() - 40, 20, 36, 16)]
        tag = window.suggestions._paint_tag(
            painter, edge, "ORG?", QColor("#444"), QFont(), QRect(0, 0, viewport.width(), 400)
        )
        assert tag.right() <= edge[0].left() and tag.top() >= edge[0].top() - 0.5
    finally:
        painter.end()


def test_snappings_tokenizer_loads_once_the_reader_settles_on_a_document(qtbot, window, project):
    """Loading spaCy on a thread slows the window's own Python calls, so it waits until the
    reader stays on a document, and happens once a session."""
    from annotator.nlp.tokens import tokenizer_ready
    from annotator.ui.suggestions import SNAPPING_LOAD_DELAY_MS

    other, _ = project.add_text("Another", "Another short text about London.")
    controller = window.suggestions
    controller._snapping_prepared = False  # as in a fresh window: nothing loaded yet
    window.open_document(other.id)
    qtbot.wait(SNAPPING_LOAD_DELAY_MS * 2 // 3)
    assert not controller._snapping_prepared  # still choosing what to read
    first = next(s.document.id for s in project.documents() if s.document.id != other.id)
    window.open_document(first)
    qtbot.wait(SNAPPING_LOAD_DELAY_MS * 2 // 3)
    assert not controller._snapping_prepared  # each document opened starts the wait again
    qtbot.waitUntil(lambda: controller._snapping_prepared, timeout=SNAPPING_LOAD_DELAY_MS * 3)
    qtbot.waitUntil(tokenizer_ready, timeout=60000)
    select(window, 0, 3)  # "Ada": snapped at once from here on
    press(qtbot, window, Qt.Key.Key_H)
    assert any(a.quote == "Ada" for a in project.annotations(window.session.document_id))
