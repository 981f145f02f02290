"""The PDF view in the main window, driven like a user: open, select with the mouse, annotate."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

import pymupdf
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog, QMessageBox

from annotator.core.model import AnnotationKind
from annotator.documents.pdf import PdfReader, load_pdf
from annotator.project import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import Preferences

LINES = [
    "Close reading begins with attention to the sentence.",
    "Every annotation is a small argument about meaning.",
    "The margin is where the reader answers the author.",
]


@pytest.fixture(autouse=True)
def _no_import_question(monkeypatch: pytest.MonkeyPatch):
    """Tests that want the 'import highlights?' question answer it themselves."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)


@pytest.fixture
def prefs(tmp_path: Path) -> Preferences:
    return Preferences(tmp_path / "settings.ini")


def build_pdf(
    path: Path,
    *,
    pages: int = 3,
    scanned_page: int | None = None,
    password: str | None = None,
    highlight: bool = False,
) -> Path:
    doc = pymupdf.open()
    for number in range(pages):
        page = doc.new_page(width=595, height=842)
        if number == scanned_page:
            pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 60, 40), False)
            pix.clear_with(200)
            page.insert_image(pymupdf.Rect(72, 100, 500, 400), pixmap=pix)
            continue
        y = 90
        page.insert_text((72, 60), f"Chapter {number + 1}", fontsize=18)
        for line in LINES:
            page.insert_text((72, y), line, fontsize=12)
            y += 24
        if highlight and number == 0:
            quads = page.search_for("small argument")
            annot = page.add_highlight_annot(quads)
            annot.set_info(title="Bea", content="Nice")
            annot.update()
    if password:
        doc.save(
            path,
            encryption=pymupdf.PDF_ENCRYPT_AES_256,
            user_pw=password,
            owner_pw=password + "-owner",
        )
    else:
        doc.save(path)
    doc.close()
    return path


@pytest.fixture
def window(qtbot, project: Project, prefs: Preferences):
    w = MainWindow(project, prefs)
    qtbot.addWidget(w)
    w.resize(1200, 850)
    w.show()
    w.activateWindow()
    assert QTest.qWaitForWindowActive(w)
    yield w
    w.close()


def open_pdf(qtbot, window: MainWindow, path: Path) -> None:
    assert window.open_pdf_path(str(path))
    qtbot.waitUntil(lambda: window.document is not None, timeout=15000)
    window.pdf_view.setFocus()


def phrase_points(window: MainWindow, phrase: str) -> tuple[QPoint, QPoint, int, int]:
    """Viewport points just inside the first and last character of ``phrase``."""
    view = window.pdf_view
    start = view.text.index(phrase)
    end = start + len(phrase)
    page = view.page_of(start)
    boxes = {b.offset: b.rect for b in view.reader.char_boxes(page)}
    first, last = boxes[start], boxes[end - 1]
    a = view.to_view_rect(page, first)
    b = view.to_view_rect(page, last)
    p1 = QPoint(round(a.left() + a.width() * 0.2), round(a.center().y()))
    p2 = QPoint(round(b.right() - b.width() * 0.2), round(b.center().y()))
    return p1, p2, start, end


def drag(qtbot, widget, p1: QPoint, p2: QPoint) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=p1)
    mid = QPoint((p1.x() + p2.x()) // 2, (p1.y() + p2.y()) // 2)
    qtbot.mouseMove(widget, mid)
    qtbot.mouseMove(widget, p2)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=p2)


def test_opening_a_pdf_shows_its_first_page_and_adds_it(qtbot, window, project, tmp_path):
    path = build_pdf(tmp_path / "reading.pdf")
    assert window.open_pdf_path(str(path))
    # The first page is there before the text is extracted.
    assert window.area.showing_pdf
    assert 0 in window.pdf_view.cached_pages
    qtbot.waitUntil(lambda: window.document is not None, timeout=15000)
    assert [d.document.title for d in project.documents()] == [window.document.title]
    assert window.document.page_map and "Close reading" in window.pdf_view.text
    assert "Page 1 of 3" in window.status.position_label.text()


def test_select_by_mouse_then_h_highlights_the_quote_and_undo_removes_it(
    qtbot, window, project, tmp_path
):
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    phrase = "small argument about meaning"
    p1, p2, start, end = phrase_points(window, phrase)
    drag(qtbot, window.pdf_view.viewport(), p1, p2)
    assert window.pdf_view.selection_span() == (start, end)
    qtbot.keyClick(window.pdf_view, Qt.Key.Key_H)
    (a,) = project.annotations(window.document.id)
    assert a.quote == phrase and a.kind == AnnotationKind.HIGHLIGHT
    assert a.color == window.legend.current_color
    assert window.list.model.rowCount() == 1
    assert a.id in window.pdf_view.index
    qtbot.keyClick(window.pdf_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.annotations(window.document.id) == []
    assert len(window.pdf_view.index) == 0


def test_clicking_a_highlight_selects_it_in_list_and_margin(qtbot, window, project, tmp_path):
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    text = window.pdf_view.text
    start = text.index("The margin is where")
    a = project.annotate(
        window.document.id, start, start + len("The margin is where"), note="Who answers whom?"
    )
    qtbot.waitUntil(lambda: a.id in window.pdf_view.index)
    p1, *_ = phrase_points(window, "margin is")
    qtbot.mouseClick(window.pdf_view.viewport(), Qt.MouseButton.LeftButton, pos=p1)
    assert window.selected_id == a.id
    assert window.list.panel.current().id == a.id
    card = window.margin.card(a.id)
    assert card is not None and card.isVisible() and card.property("selected")
    assert "Who answers whom?" in card.body.text()


def test_area_highlight_on_a_page_without_text(qtbot, window, project, tmp_path):
    open_pdf(qtbot, window, build_pdf(tmp_path / "scan.pdf", pages=2, scanned_page=1))
    view = window.pdf_view
    assert 1 in view.scanned_pages
    view.go_to_page(1)
    qtbot.waitUntil(lambda: 1 in view.visible_pages())
    page = view.page_rect(1)
    p1 = QPoint(round(page.left() + 100), round(page.top() + 150))
    p2 = QPoint(round(page.left() + 260), round(page.top() + 260))
    drag(qtbot, view.viewport(), p1, p2)
    assert view.area is not None and view.area.page == 1
    qtbot.keyClick(view, Qt.Key.Key_H)
    (a,) = project.annotations(window.document.id)
    assert a.page == 1 and a.rect is not None and a.start == a.end
    x0, _y0, _x1, y1 = a.rect
    z = view.zoom
    assert x0 == pytest.approx(100 / z, abs=1) and y1 == pytest.approx(260 / z, abs=1)
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.annotations(window.document.id) == []


def test_encrypted_pdf_asks_for_the_password_and_again_when_wrong(
    qtbot, window, project, tmp_path, monkeypatch
):
    path = build_pdf(tmp_path / "locked.pdf", password="secret")
    answers = iter([("wrong", True), ("secret", True)])
    prompts: list[str] = []

    def fake_get_text(_parent, _title, label, *_args, **_kwargs):
        prompts.append(label)
        return next(answers)

    monkeypatch.setattr(QInputDialog, "getText", fake_get_text)
    open_pdf(qtbot, window, path)
    assert "encrypted" in prompts[0] and "does not open" in prompts[1]
    assert "Close reading" in window.pdf_view.text


def test_cancelled_password_leaves_the_project_unchanged(
    qtbot, window, project, tmp_path, monkeypatch
):
    path = build_pdf(tmp_path / "locked.pdf", password="secret")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", False))
    assert not window.open_pdf_path(str(path))
    assert project.documents() == []
    assert window.document is None


def test_corrupt_pdf_says_so_and_changes_nothing(qtbot, window, project, tmp_path, monkeypatch):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer<<>>\n%%EOF")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: shown.append(text))
    window.open_paths([str(bad)])
    qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    assert "broken.pdf" in shown[0]
    assert project.documents() == []


def test_find_marks_hits_on_the_pages_and_steps(qtbot, window, tmp_path):
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    window.find.open_find()
    window.area.find_bar.edit.setText("reader")
    window.area.find_bar._emit()
    assert len(window.find.matches) == 3  # once per page
    assert window.pdf_view._find_hits == window.find.matches
    assert window.area.find_bar.status.text() == "1 of 3"
    window.find.step(1)
    assert window.pdf_view.selection_span() == window.find.matches[1]
    assert window.pdf_view.current_page() == 1


def test_export_annotated_pdf_has_highlight_with_colour_and_author(
    qtbot, window, project, tmp_path
):
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    text = window.pdf_view.text
    start = text.index("small argument")
    project.annotate(
        window.document.id, start, start + len("small argument"), color="#ff0000", note="Why small?"
    )
    out = tmp_path / "out.pdf"
    assert window.pdf.export_annotated_pdf(str(out))
    with pymupdf.open(out) as doc:
        pages = list(doc)  # an annotation lives only as long as its page object
        annots = [a for page in pages for a in page.annots()]
        assert [a.type[1] for a in annots] == ["Highlight"]
        annot = annots[0]
        assert annot.info["title"] == project.current_annotator.name
        assert annot.info["content"] == "Why small?"
        assert [round(c, 2) for c in annot.colors["stroke"]] == [1.0, 0.0, 0.0]
        words = doc[0].get_text("text", clip=annot.rect)
        assert "small argument" in " ".join(words.split())


def test_the_export_annotated_pdf_menu_writes_the_file_chosen(
    qtbot, window, project, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    start = window.pdf_view.text.index("small argument")
    project.annotate(window.document.id, start, start + len("small argument"))
    out = tmp_path / "from the menu.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    window.pdf.act_export_pdf.trigger()
    with pymupdf.open(out) as doc:
        assert [a.type[1] for page in doc for a in page.annots()] == ["Highlight"]
    assert "Wrote 1 annotation" in window.statusBar().currentMessage()
    assert not list(tmp_path.glob("*.part*"))


def test_export_annotated_pdf_refuses_the_project_file_and_a_replaced_source(
    qtbot, window, project, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: said.append(text))
    source = build_pdf(tmp_path / "reading.pdf")
    open_pdf(qtbot, window, source)
    start = window.pdf_view.text.index("small argument")
    project.annotate(window.document.id, start, start + len("small argument"))
    before = project.path.read_bytes()
    assert not window.pdf.export_annotated_pdf(str(project.path))
    assert "project" in said[-1]
    assert project.path.read_bytes() == before
    assert len(project.annotations(window.document.id)) == 1

    build_pdf(source, pages=2)  # another file where the annotated one was
    assert not window.pdf.export_annotated_pdf(str(tmp_path / "out.pdf"))
    assert "re-anchor" in said[-1]
    assert not (tmp_path / "out.pdf").exists()


def test_highlights_already_in_the_pdf_can_be_imported(
    qtbot, window, project, tmp_path, monkeypatch
):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    open_pdf(qtbot, window, build_pdf(tmp_path / "marked.pdf", highlight=True))
    qtbot.waitUntil(lambda: bool(project.annotations(window.document.id)), timeout=10000)
    (a,) = project.annotations(window.document.id)
    assert a.quote == "small argument" and a.note == "Nice"
    assert window.list.model.annotator_name(a.annotator_id) == "Bea"
    window.undo.undo()  # the import is one undoable step
    assert project.annotations(window.document.id) == []
    window.undo.redo()
    assert [x.id for x in project.annotations(window.document.id)] == [a.id]


def test_a_page_that_fails_to_render_shows_a_message_and_the_rest_works(
    qtbot, window, tmp_path, monkeypatch
):
    path = build_pdf(tmp_path / "reading.pdf")
    original = PdfReader.render_page

    def failing(self, page, *args, **kwargs):
        if page == 1:
            from annotator.documents.pdf import PageError

            raise PageError(self.path, page, "broken content stream")
        return original(self, page, *args, **kwargs)

    monkeypatch.setattr(PdfReader, "render_page", failing)
    open_pdf(qtbot, window, path)
    view = window.pdf_view
    view.go_to_page(1)
    qtbot.waitUntil(lambda: 1 in view._errors, timeout=5000)
    assert "broken content stream" in view._errors[1]
    view.go_to_page(2)
    qtbot.waitUntil(lambda: 2 in view.cached_pages, timeout=5000)


def test_zoom_fit_and_go_to_page(qtbot, window, tmp_path, monkeypatch):
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    view = window.pdf_view
    fit = view.zoom
    qtbot.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom > fit and view.fit_mode is None
    window.pdf.act_fit_page.trigger()
    assert view.page_rect(view.current_page()).height() <= view.viewport().height()
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (3, True))
    window.pdf.go_to_page()
    assert view.current_page() == 2


def test_text_documents_still_open_in_the_text_reader(qtbot, window, sample_document):
    window.open_document(sample_document.id)
    assert not window.area.showing_pdf and window.view is window.reader


def test_canonical_text_matches_the_documents_layer(tmp_path):
    path = build_pdf(tmp_path / "reading.pdf")
    assert load_pdf(path).text.count("\f") == 2


# -- resizing a highlight by dragging its handles -----------------------------------------------


def char_rect(window: MainWindow, offset: int):
    """The viewport rectangle of the character at ``offset``."""
    view = window.pdf_view
    page = view.page_of(offset)
    box = next(b.rect for b in view.reader.char_boxes(page) if b.offset == offset)
    return view.to_view_rect(page, box)


def handle_points(window: MainWindow, start: int, end: int) -> tuple[QPoint, QPoint]:
    """Viewport points on the start handle (left of the first character) and on the end
    handle (right of the last one)."""
    first, last = char_rect(window, start), char_rect(window, end - 1)
    return (
        QPoint(round(first.left() - 1), round(first.center().y())),
        QPoint(round(last.right() + 1), round(last.center().y())),
    )


def annotate_phrase(window: MainWindow, project: Project, phrase: str, **fields):
    start = window.pdf_view.text.index(phrase)
    a = project.annotate(window.document.id, start, start + len(phrase), **fields)
    window.select_annotation(a.id)
    assert window.pdf_view.selected_id == a.id
    return a


def test_dragging_the_end_handle_extends_a_pdf_highlight_and_undo_restores_it(
    qtbot, window, project, tmp_path
):
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    view = window.pdf_view
    a = annotate_phrase(window, project, "small argument", color="#ffe066")
    _, end_handle = handle_points(window, a.start, a.end)
    qtbot.mouseMove(view.viewport(), end_handle)
    assert view.viewport().cursor().shape() == Qt.CursorShape.SizeHorCursor

    *_, target, _start, later_end = phrase_points(window, "about meaning")
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=end_handle)
    qtbot.mouseMove(view.viewport(), target)
    # While dragging, the span is drawn where it would be: its end handle sits after "meaning".
    live_end = view._handle_rects()[1]
    assert live_end is not None
    assert live_end.right() == pytest.approx(char_rect(window, later_end - 1).right(), abs=1)
    assert project.annotation(a.id).end == a.end  # nothing stored before the release
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=target)

    stored = project.annotation(a.id)
    assert (stored.start, stored.end) == (a.start, later_end)
    assert stored.quote == "small argument about meaning"
    assert view.index.get(a.id).end == later_end
    assert window.selected_id == a.id and view.selection_span() is None

    window.undo.undo()
    restored = project.annotation(a.id)
    assert (restored.start, restored.end, restored.quote) == (a.start, a.end, "small argument")
    assert view.index.get(a.id).end == a.end


def test_dragging_the_start_handle_shrinks_a_pdf_highlight_without_deselecting(
    qtbot, window, project, tmp_path
):
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    view = window.pdf_view
    a = annotate_phrase(window, project, "small argument about meaning")
    start_handle, _ = handle_points(window, a.start, a.end)
    target, _, later_start, _ = phrase_points(window, "about meaning")
    drag(qtbot, view.viewport(), start_handle, target)

    stored = project.annotation(a.id)
    assert (stored.start, stored.end) == (later_start, a.end)
    assert stored.quote == "about meaning"
    # The press on the handle neither started a text selection nor deselected.
    assert view.selection_span() is None
    assert window.selected_id == a.id and view.selected_id == a.id


def test_a_pdf_highlight_dragged_past_its_other_end_keeps_one_character(
    qtbot, window, project, tmp_path
):
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    a = annotate_phrase(window, project, "small argument")
    _, end_handle = handle_points(window, a.start, a.end)
    far_left, *_ = phrase_points(window, "Every annotation")
    drag(qtbot, window.pdf_view.viewport(), end_handle, far_left)
    stored = project.annotation(a.id)
    assert (stored.start, stored.end, stored.quote) == (a.start, a.start + 1, "s")


def test_area_annotations_on_a_pdf_show_no_handles(qtbot, window, project, tmp_path):
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    view = window.pdf_view
    # An area over the first lines; even with a text span (as imported marks may have), its
    # left edge, where a text highlight's start handle would be, is no handle.
    start = view.text.index("Close reading")
    rect = (70.0, 70.0, 420.0, 150.0)
    a = project.annotate(window.document.id, start, start + 13, page=0, rect=rect)
    qtbot.waitUntil(lambda: a.id in view.index)
    window.select_annotation(a.id)
    assert view.selected_id == a.id
    area = view.to_view_rect(0, rect)
    left_edge = QPoint(round(area.left()), round(char_rect(window, start).center().y()))
    qtbot.mouseMove(view.viewport(), left_edge)
    assert view.viewport().cursor().shape() != Qt.CursorShape.SizeHorCursor
    drag(qtbot, view.viewport(), left_edge, QPoint(round(area.center().x()), left_edge.y()))
    stored = project.annotation(a.id)
    assert (stored.start, stored.end, stored.rect) == (a.start, a.end, a.rect)


def test_a_resized_pdf_highlight_stays_selected_when_others_are_listed(
    qtbot, window, project, tmp_path
):
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    text = window.pdf_view.text
    other = text.index("margin is where")
    project.annotate(window.document.id, other, other + len("margin is where"), note="Whose?")
    a = annotate_phrase(window, project, "small argument")
    _, end_handle = handle_points(window, a.start, a.end)
    *_, target, _s, _e = phrase_points(window, "about meaning")
    drag(qtbot, window.pdf_view.viewport(), end_handle, target)
    assert project.annotation(a.id).quote == "small argument about meaning"
    assert window.selected_id == a.id


def test_a_pdf_selection_loses_the_whitespace_at_its_edges_unless_character_mode(
    qtbot, window, project, tmp_path
):
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    text = window.pdf_view.text
    start = text.index("small argument")
    end = start + len("small argument")
    edged = (start - 1, end + 1)  # the spaces either side, as a drag past a word gives
    assert text[edged[0]].isspace() and text[edged[1] - 1].isspace()
    assert window.suggestions.snap(edged) == (start, end)
    window.suggestions.act_snap.trigger()  # off: character mode keeps it exactly
    assert window.suggestions.snap(edged) == edged


def test_a_pdfs_own_highlights_are_drawn_once_after_import_and_again_after_undo(
    qtbot, window, project, tmp_path, monkeypatch
):
    """Once imported, the annotations made of the file's marks are what the page shows:
    the file's own drawing is left out (else each mark shows twice, and one deleted here
    stays on the page); undoing the import shows the file's marks again."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    path = build_pdf(tmp_path / "marked.pdf", highlight=True)
    with pymupdf.open(path) as pdf:
        (box,) = pdf[0].search_for("small argument")
    view = window.pdf_view

    def file_mark_drawn() -> bool:
        cached = view._cache[0]
        point = (box.x0 + 10) * cached.scale, (box.y0 + box.y1) / 2 * cached.scale
        pixel = cached.image.pixelColor(int(point[0]), int(point[1]))
        return pixel.blue() < 200 < pixel.red()  # the highlight's yellow, not the white page

    open_pdf(qtbot, window, path)
    qtbot.waitUntil(lambda: bool(project.annotations(window.document.id)), timeout=10000)
    qtbot.waitUntil(lambda: not view.file_marks and 0 in view.cached_pages, timeout=10000)
    assert not file_mark_drawn()
    window.undo.undo()
    qtbot.waitUntil(lambda: view.file_marks and 0 in view.cached_pages, timeout=10000)
    assert file_mark_drawn()
    window.undo.redo()
    qtbot.waitUntil(lambda: not view.file_marks and 0 in view.cached_pages, timeout=10000)
    assert not file_mark_drawn()
