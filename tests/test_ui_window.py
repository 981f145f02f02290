"""The reading window, driven like a user: select text, press a key, find it in the project."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest

from annotator.core.model import AnnotationKind
from annotator.project import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import Preferences
from annotator.ui.theme import ThemeChoice


@pytest.fixture
def prefs(tmp_path: Path) -> Preferences:
    return Preferences(tmp_path / "settings.ini")


def open_window(qtbot, project: Project, prefs: Preferences, document_id: str) -> MainWindow:
    """A shown, active window (window shortcuts only fire in the active window)."""
    w = MainWindow(project, prefs)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    w.activateWindow()
    assert QTest.qWaitForWindowActive(w)
    w.open_document(document_id)
    w.reader.setFocus()
    return w


@pytest.fixture
def window(qtbot, project: Project, sample_document, prefs: Preferences):
    w = open_window(qtbot, project, prefs, sample_document.id)
    yield w
    w.close()  # before the project fixture closes the store


def select(window: MainWindow, phrase: str, occurrence: int = 0) -> tuple[int, int]:
    """Select ``phrase`` in the reader the way the mouse would (a QTextCursor in UTF-16)."""
    text = window.reader.text
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(phrase, start + 1)
    end = start + len(phrase)
    cursor = window.reader.textCursor()
    cursor.setPosition(window.reader.offsets.to_utf16(start))
    cursor.setPosition(window.reader.offsets.to_utf16(end), QTextCursor.MoveMode.KeepAnchor)
    window.reader.setTextCursor(cursor)
    return start, end


def press(qtbot, window: MainWindow, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window.reader, key, modifier)


def test_h_highlights_the_selection_and_undo_redo_follow_the_store(
    qtbot, window, project, sample_document
):
    start, end = select(window, "Studies serve for delight")
    press(qtbot, window, Qt.Key.Key_H)
    stored = project.annotations(sample_document.id)
    assert [(a.start, a.end, a.kind) for a in stored] == [(start, end, AnnotationKind.HIGHLIGHT)]
    assert stored[0].quote == "Studies serve for delight"
    assert stored[0].color == window.legend.current_color
    assert window.list.model.rowCount() == 1

    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.annotations(sample_document.id) == []
    assert window.list.model.rowCount() == 0
    assert len(window.reader.index) == 0

    press(
        qtbot,
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert [a.id for a in project.annotations(sample_document.id)] == [stored[0].id]
    assert window.list.model.rowCount() == 1


def test_key_without_selection_says_what_to_do(qtbot, window, project, sample_document):
    press(qtbot, window, Qt.Key.Key_H)
    assert project.annotations(sample_document.id) == []
    assert "Select some text" in window.statusBar().currentMessage()


def test_symbol_keys_mark_the_selection(qtbot, window, project, sample_document):
    select(window, "Crafty men contemn studies")
    qtbot.keyClicks(window.reader, "!")
    (a,) = project.annotations(sample_document.id)
    assert a.symbol == "!"
    assert a.quote == "Crafty men contemn studies"


def test_label_key_applies_label_of_current_set(qtbot, window, project, sample_document):
    window.legend.label_set_box.setCurrentText("Close reading")
    select(window, "Reading maketh a full man")
    qtbot.keyClicks(window.reader, "1")
    (a,) = project.annotations(sample_document.id)
    assert a.label == "Thesis" and a.kind == AnnotationKind.ENTITY
    assert "Thesis" in window.list.model.mark(a)


def test_comment_card_appears_in_margin_and_edits_in_place(qtbot, window, project, sample_document):
    select(window, "Some books are to be tasted")
    press(qtbot, window, Qt.Key.Key_C)
    draft = window.margin.draft
    assert draft is not None and draft.editing
    qtbot.keyClicks(draft.editor, "Three ways of reading")
    qtbot.keyClick(draft.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    (a,) = project.annotations(sample_document.id)
    assert a.kind == AnnotationKind.COMMENT and a.note == "Three ways of reading"
    card = window.margin.card(a.id)
    assert card is not None and card.isVisible()
    assert card.body.text() == "Three ways of reading"

    # In place: double-click the card, change the note, save; undo puts the old one back.
    qtbot.mouseDClick(card, Qt.MouseButton.LeftButton)
    assert card.editing
    card.editor.setPlainText("Taste, swallow, chew")
    qtbot.keyClick(card.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert project.annotation(a.id).note == "Taste, swallow, chew"
    window.undo.undo()
    assert project.annotation(a.id).note == "Three ways of reading"
    assert window.margin.card(a.id).body.text() == "Three ways of reading"


def test_escape_discards_a_draft_comment(qtbot, window, project, sample_document):
    select(window, "Some books are to be tasted")
    press(qtbot, window, Qt.Key.Key_C)
    qtbot.keyClicks(window.margin.draft.editor, "never mind")
    qtbot.keyClick(window.margin.draft.editor, Qt.Key.Key_Escape)
    assert window.margin.draft is None
    assert project.annotations(sample_document.id) == []


def test_delete_key_removes_selected_annotation_and_undo_restores(
    qtbot, window, project, sample_document
):
    a = project.annotate(sample_document.id, *_span(sample_document.text, "Histories make men"))
    window.select_annotation(a.id, source="list")
    press(qtbot, window, Qt.Key.Key_Delete)
    assert project.annotations(sample_document.id) == []
    window.undo.undo()
    assert [x.id for x in project.annotations(sample_document.id)] == [a.id]


def test_clicking_a_highlight_selects_it_in_list_and_margin(
    qtbot, window, project, sample_document
):
    a = project.annotate(
        sample_document.id,
        *_span(sample_document.text, "Reading maketh a full man"),
        note="why three?",
    )
    window.reader.scroll_to_offset(a.start)
    qtbot.wait(10)
    rect = window.reader.span_rects(a.start + 3, a.start + 4)[0]
    qtbot.mouseClick(
        window.reader.viewport(), Qt.MouseButton.LeftButton, pos=rect.center().toPoint()
    )
    assert window.selected_id == a.id
    assert window.list.panel.current().id == a.id
    assert window.margin.card(a.id).property("selected") is True


def test_clicking_a_list_row_scrolls_the_reader_to_the_passage(
    qtbot, window, project, sample_document
):
    text = sample_document.text
    last = project.annotate(sample_document.id, *_span(text, "special receipt"))
    project.annotate(sample_document.id, *_span(text, "Of Studies"))
    window.reader.verticalScrollBar().setValue(0)
    view = window.list.panel.view
    row = window.list.panel.proxy.mapFromSource(
        window.list.model.index(window.list.model.row_of(last.id), 1)
    )
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(row).center())
    assert window.selected_id == last.id
    top, bottom = window.reader.visible_codepoints()
    assert top <= last.start <= bottom


def test_list_filters_by_colour_symbol_label_and_text(qtbot, window, project, sample_document):
    text = sample_document.text
    legend = project.legend().labels
    project.annotate(
        sample_document.id, *_span(text, "Histories make men wise"), color=legend[0].color
    )
    project.annotate(
        sample_document.id, *_span(text, "poets witty"), color=legend[1].color, symbol="?"
    )
    project.annotate(
        sample_document.id,
        *_span(text, "the mathematics subtle"),
        label="Thesis",
        note="a claim about maths",
    )
    panel = window.list.panel
    assert panel.proxy.rowCount() == 3
    panel.filter_by_color(legend[1].color)
    assert panel.proxy.rowCount() == 1
    assert "1 of 3" in panel.count.text()
    panel.clear_filters()
    panel.symbol_box.setCurrentIndex(panel.symbol_box.findData("?"))
    assert panel.proxy.rowCount() == 1
    panel.clear_filters()
    qtbot.waitUntil(lambda: panel.label_box.findData("Thesis") > 0, timeout=1000)
    panel.label_box.setCurrentIndex(panel.label_box.findData("Thesis"))
    assert panel.proxy.rowCount() == 1
    panel.clear_filters()
    qtbot.keyClicks(panel.search, "MATHS")
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 1, timeout=2000)
    panel.clear_filters()
    assert panel.proxy.rowCount() == 3


def test_list_sorts_by_time_and_back_to_position(qtbot, window, project, sample_document):
    text = sample_document.text
    late = project.annotate(sample_document.id, *_span(text, "Of Studies"))
    qtbot.wait(5)
    project.annotate(sample_document.id, *_span(text, "special receipt"))
    model = window.list.model
    assert model.annotation_at(0).id == late.id  # reading order first
    window.list.panel.view.sortByColumn(model.WHEN, Qt.SortOrder.DescendingOrder)
    assert model.annotation_at(0).id != late.id
    window.list.panel.view.sortByColumn(model.WHERE, Qt.SortOrder.AscendingOrder)
    assert model.annotation_at(0).id == late.id


def test_find_marks_every_hit_and_steps(qtbot, window, sample_document):
    press(qtbot, window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.area.find_bar.isVisible()
    qtbot.keyClicks(window.area.find_bar.edit, "studies")
    expected = sample_document.text.lower().count("studies")
    qtbot.waitUntil(lambda: len(window.find.matches) == expected, timeout=2000)
    assert expected > 3
    assert f"of {expected}" in window.area.find_bar.status.text()
    # Outlined in the find colour (tests/test_ui_polish.py looks at the pixels).
    assert window.reader._find_hits and window.options.theme.find_line.isValid()
    first = window.find.index
    qtbot.keyClick(window.area.find_bar.edit, Qt.Key.Key_Return)
    assert window.find.index == (first + 1) % expected
    s, e = window.find.matches[window.find.index]
    assert window.reader.selection_span() == (s, e)
    qtbot.keyClick(window.area.find_bar.edit, Qt.Key.Key_Escape)
    assert not window.area.find_bar.isVisible()
    assert window.find.matches == []


def test_n_and_p_step_through_annotations(qtbot, window, project, sample_document):
    text = sample_document.text
    ids = [
        project.annotate(sample_document.id, *_span(text, phrase)).id
        for phrase in ("Of Studies", "Crafty men", "special receipt")
    ]
    window.reader.moveCursor(QTextCursor.MoveOperation.Start)
    press(qtbot, window, Qt.Key.Key_N)
    assert window.selected_id == ids[0]
    press(qtbot, window, Qt.Key.Key_N)
    press(qtbot, window, Qt.Key.Key_N)
    assert window.selected_id == ids[2]
    press(qtbot, window, Qt.Key.Key_P)
    assert window.selected_id == ids[1]


def test_resize_by_keyboard_is_one_undo_step(qtbot, window, project, sample_document):
    text = sample_document.text
    a = project.annotate(sample_document.id, *_span(text, "Reading maketh"))
    window.select_annotation(a.id, source="list")
    mods = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier
    press(qtbot, window, Qt.Key.Key_Right, mods)
    press(qtbot, window, Qt.Key.Key_Right, mods)
    assert project.annotation(a.id).quote == "Reading maketh a full"
    press(qtbot, window, Qt.Key.Key_Left, mods | Qt.KeyboardModifier.ControlModifier)
    assert project.annotation(a.id).start < a.start
    assert window.undo.count() == 1  # consecutive resizes of one annotation merge
    window.undo.undo()
    assert project.annotation(a.id).quote == "Reading maketh"


def test_a_resized_annotation_stays_selected_when_its_list_row_moves(
    qtbot, window, project, sample_document
):
    text = sample_document.text
    a = project.annotate(sample_document.id, *_span(text, "Reading maketh"))
    later = project.annotate(sample_document.id, *_span(text, "conference a ready"))
    window.select_annotation(a.id, source="margin")
    assert window.list.panel.current().id == a.id
    mods = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier
    # Moving the start past the later annotation's start moves a's row below it.
    for _ in range(len("Reading maketh a full man; ")):
        press(qtbot, window, Qt.Key.Key_Right, mods)  # grow the end first
    for _ in range(len("Reading maketh a full man; conference ")):
        press(qtbot, window, Qt.Key.Key_Right, mods | Qt.KeyboardModifier.ControlModifier)
    assert project.annotation(a.id).start > later.start
    assert window.selected_id == a.id
    assert window.list.panel.current().id == a.id


def test_drag_an_end_resizes_the_annotation(qtbot, window, project, sample_document):
    text = sample_document.text
    a = project.annotate(sample_document.id, *_span(text, "Reading maketh"))
    window.select_annotation(a.id, source="list")
    qtbot.wait(10)
    rect = window.reader.span_rects(a.start, a.end)[-1]
    target = window.reader.span_rects(a.start, a.end + len(" a full"))[-1]
    viewport = window.reader.viewport()
    start_pos = QPoint(round(rect.right()), round(rect.center().y()))
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start_pos)
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    end_pos = QPoint(round(target.right()) - 1, round(target.center().y()))
    move = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        end_pos,
        viewport.mapToGlobal(end_pos),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, move)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end_pos)
    assert project.annotation(a.id).quote == "Reading maketh a full"


def test_link_two_annotations_and_follow_both_ways(qtbot, window, project, sample_document):
    text = sample_document.text
    a = project.annotate(sample_document.id, *_span(text, "Of Studies"))
    b = project.annotate(sample_document.id, *_span(text, "special receipt"))
    window.select_annotation(a.id, source="list")
    press(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.reader.linking_from == a.id
    window.select_annotation(b.id, source="list")  # the user picks the other end
    assert [o.id for _l, o in project.linked_annotations(a.id)] == [b.id]
    assert window.selected_id == b.id
    card = window.margin.card(b.id)
    assert card is not None and "Of Studies" in card.links.text()
    press(
        qtbot,
        window,
        Qt.Key.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.selected_id == a.id
    press(
        qtbot,
        window,
        Qt.Key.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.selected_id == b.id
    window.undo.undo()
    assert project.linked_annotations(a.id) == []


def test_summaries_of_section_and_whole_document(qtbot, window, project, sample_document):
    text = sample_document.text
    essay = text.index("Studies serve for delight")
    cursor = window.reader.textCursor()
    cursor.setPosition(window.reader.to_qt(essay))
    window.reader.setTextCursor(cursor)
    press(qtbot, window, Qt.Key.Key_S)
    qtbot.keyClicks(window.margin.draft.editor, "Three uses of study")
    qtbot.keyClick(
        window.margin.draft.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )
    (section,) = project.annotations(sample_document.id)
    assert section.kind == AnnotationKind.SUMMARY
    assert text[section.start :].startswith("## The essay") and section.end == len(text)
    press(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(window.margin.draft.editor, "Read to weigh and consider")
    qtbot.keyClick(
        window.margin.draft.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )
    whole = [a for a in project.annotations(sample_document.id) if a.start == a.end == 0]
    assert [a.note for a in whole] == ["Read to weigh and consider"]


def test_overlapping_annotations_are_both_drawn_and_blended(window, project, sample_document):
    text = sample_document.text
    legend = project.legend().labels
    outer = project.annotate(
        sample_document.id,
        *_span(text, "Studies serve for delight, for ornament"),
        color=legend[0].color,
    )
    project.annotate(
        sample_document.id,
        *_span(text, "delight, for ornament, and for ability"),
        color=legend[2].color,
    )
    colours = {s.format.background().color().name() for s in window.reader.extraSelections()}
    # three segments: first only, both (blended), second only
    assert len(colours) == 3
    assert outer.id in window.reader.index


def test_emoji_and_astral_selection_gives_code_point_offsets(qtbot, project, prefs, samples):
    document, _ = project.add_document(samples / "guides-to-annotating-texts.txt")
    window = open_window(qtbot, project, prefs, document.id)
    text = document.text
    emoji = text.index("💡")
    after = text.index(" ", emoji + 2)
    # select from the emoji to the following word's end, as the mouse does (UTF-16)
    start, end = emoji, text.index(" ", after + 1)
    select(window, text[start:end])
    assert window.reader.selection_span() == (start, end)
    press(qtbot, window, Qt.Key.Key_H)
    (a,) = project.annotations(document.id)
    assert (a.start, a.end) == (start, end)
    assert a.quote == text[start:end] and a.quote.startswith("💡")


def test_astral_math_letter_offsets(qtbot, project, prefs, tmp_path):
    path = tmp_path / "beta.txt"
    path.write_text("We write 𝛽 for the slope and 😀 for joy; 𝛽 again.\n", encoding="utf-8")
    document, _ = project.add_document(path)
    window = open_window(qtbot, project, prefs, document.id)
    start, end = select(window, "𝛽 again")
    assert (start, end) == (document.text.index("𝛽 again"), document.text.index("𝛽 again") + 7)
    qtbot.keyClicks(window.reader, "*")
    (a,) = project.annotations(document.id)
    assert a.quote == "𝛽 again" and a.symbol == "*"


def test_zoom_theme_and_position_are_remembered(qtbot, project, sample_document, prefs):
    window = open_window(qtbot, project, prefs, sample_document.id)
    start = window.reader.zoom
    qtbot.keyClick(window.reader, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert window.reader.zoom == start + 1
    window.options.set_theme(ThemeChoice.DARK)
    window.reader.scroll_to_offset(sample_document.text.index("To spend too much"), top=True)
    top = window.reader.top_offset()
    window.close()
    assert prefs.zoom() == start + 1
    assert prefs.theme() == ThemeChoice.DARK
    assert prefs.position(sample_document.sha256) == top

    again = open_window(qtbot, project, prefs, sample_document.id)
    assert again.reader.zoom == start + 1
    assert again.options.theme.dark
    assert abs(again.reader.top_offset() - top) < 80


def test_switching_theme_repaints_the_reader_paper_both_ways(qtbot, window):
    from annotator.ui.theme import DARK, LIGHT

    paper = lambda: window.reader.viewport().palette().base().color().name()  # noqa: E731
    window.options.set_theme(ThemeChoice.DARK)
    assert paper() == DARK.paper.name()
    window.options.set_theme(ThemeChoice.LIGHT)
    assert paper() == LIGHT.paper.name()
    window.options.set_theme(ThemeChoice.DARK)
    assert paper() == DARK.paper.name()


def test_open_a_file_off_the_gui_thread_and_remember_it(qtbot, window, project, tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# Notes\n\nA second reading.\n", encoding="utf-8")
    window.open_paths([str(path)])
    qtbot.waitUntil(
        lambda: window.document is not None and window.document.title != "Of Studies", timeout=5000
    )
    assert window.reader.toPlainText().startswith("# Notes")
    assert window.prefs.recent_files()[0] == str(path.resolve())
    assert window.library.model.rowCount() == 2


def test_bad_file_shows_an_error_not_a_traceback(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: shown.append(text))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    window.open_paths([str(empty)])
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert "empty.txt" in shown[0]
    assert "Traceback" not in shown[0]


def test_legend_edit_is_stored_in_project_and_undoable(qtbot, window, project):
    from annotator.ui.commands import ReplaceValue

    legend = project.legend()
    import dataclasses

    first = dataclasses.replace(legend.labels[0], name="term")
    new = dataclasses.replace(legend, labels=(first, *legend.labels[1:]))
    assert window.undo.run(
        ReplaceValue(project, project.save_label_set, legend, new, "Edit colour")
    )
    assert project.legend().labels[0].name == "term"
    assert window.legend.legend_bar._buttons[0].text() == "term"
    window.undo.undo()
    assert project.legend().labels[0].name == legend.labels[0].name


def test_shortcuts_dialog_lists_the_keys(window):
    rows = window.shortcut_rows()
    keys = {key for key, _action, _menu in rows}
    for expected in ("H", "Shift+H", "C", "?", "!", "*", "N", "P", "Ctrl+L", "Ctrl+F", "F11"):
        assert any(expected in k.split(", ") for k in keys), expected
    assert any("Thesis" in action for _k, action, _m in rows)


def test_focus_mode_hides_panels_and_comes_back(qtbot, window):
    qtbot.keyClick(window.reader, Qt.Key.Key_F11)
    assert not window.library.dock.isVisible()
    assert not window.list.dock.isVisible()
    assert window.reader.isVisible() and window.margin.isVisible()
    qtbot.keyClick(window.reader, Qt.Key.Key_F11)
    assert window.library.dock.isVisible()


def _span(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def test_find_matches_a_phrase_broken_across_lines_and_hyphenated(qtbot, window, project):
    text = (
        "Some books are to be chewed\nand digested; others to be read only in parts, "
        "infor-\nmation and all.\n"
    )
    document, _ = project.add_text("Broken lines", text)
    window.open_document(document.id)
    press(qtbot, window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.area.find_bar.edit, "chewed and digested")
    qtbot.waitUntil(lambda: len(window.find.matches) == 1, timeout=2000)
    s, e = window.find.matches[0]
    assert text[s:e] == "chewed\nand digested"
    window.area.find_bar.edit.clear()
    qtbot.keyClicks(window.area.find_bar.edit, "INFORMATION")
    qtbot.waitUntil(
        lambda: [text[s:e] for s, e in window.find.matches] == ["infor-\nmation"], timeout=2000
    )


def test_the_reading_position_stays_when_panels_change_the_readers_width(qtbot, window, project):
    text = "\n\n".join(
        f"Paragraph {i}. " + "A sentence that wraps across the reader's lines. " * 12
        for i in range(60)
    )
    document, _ = project.add_text("Long", text)
    window.open_document(document.id)
    selected = select(window, "Paragraph 31")
    target = text.index("Paragraph 30.")
    window.reader.scroll_top_to(target)
    qtbot.wait(50)
    assert window.reader.top_offset() == target
    window.annotating.act_margin.trigger()  # the margin hides: the reader widens and rewraps
    qtbot.waitUntil(lambda: window.reader.top_offset() == target, timeout=2000)
    assert window.reader.selection_span() == selected  # the selection is left alone
    window.annotating.act_margin.trigger()
    qtbot.waitUntil(lambda: window.reader.top_offset() == target, timeout=2000)


def test_removing_a_document_is_undoable_with_its_annotations(
    qtbot, window, project, sample_document, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    before = len(project.annotations(sample_document.id))
    other, _ = project.add_text("Other", "Another reading.")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.library.panel.remove_requested.emit(sample_document.id)
    ids = lambda: {s.document.id for s in project.documents()}  # noqa: E731
    assert sample_document.id not in ids()
    assert window.document is None  # it was the open one
    qtbot.waitUntil(lambda: window.library.model.row_of(sample_document.id) < 0)
    window.undo.undo()
    assert sample_document.id in ids() and other.id in ids()
    assert len(project.annotations(sample_document.id)) == before
    qtbot.waitUntil(lambda: window.library.model.row_of(sample_document.id) >= 0)


def test_renaming_a_document_shows_everywhere_and_undoes(qtbot, window, project, sample_document):
    assert window.library.rename_document(sample_document.id, "  Bacon's essay  ")
    assert project.document(sample_document.id).title == "Bacon's essay"
    qtbot.waitUntil(lambda: window.windowTitle().startswith("Bacon's essay"))
    model = window.library.model
    assert model.summary(model.row_of(sample_document.id)).document.title == "Bacon's essay"
    window.undo.undo()
    assert project.document(sample_document.id).title == sample_document.title
    qtbot.waitUntil(lambda: window.windowTitle().startswith(sample_document.title))
    assert not window.library.rename_document(sample_document.id, "   ")  # no empty titles


def test_the_text_reader_and_the_pdf_view_give_the_same_reading_surface(window):
    """Annotating, find and suggestions talk to either through ui/surface.ReadingSurface."""
    from annotator.ui.surface import ReadingSurface

    assert isinstance(window.reader, ReadingSurface)
    assert isinstance(window.pdf_view, ReadingSurface)
    assert window.view is window.reader


def test_undo_and_redo_say_what_they_did(qtbot, window, project, sample_document):
    select(window, "Studies serve for delight")
    window.annotating.highlight()
    assert "added" in window.statusBar().currentMessage()
    window.act_undo.trigger()
    assert window.statusBar().currentMessage() == "Undone: Highlight"
    assert project.annotations(sample_document.id) == []
    window.act_redo.trigger()
    assert window.statusBar().currentMessage() == "Redone: Highlight"
    assert len(project.annotations(sample_document.id)) == 1
