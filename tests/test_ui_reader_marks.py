"""The reader paints overlapping marks as segments, each with the look of every mark over it."""

from __future__ import annotations

import itertools
import random

from PySide6.QtWidgets import QPlainTextEdit

from annotator.project import Project
from annotator.ui.reader import ReaderView


def _expected_segments(annotations, start: int, end: int) -> list[tuple[int, int, list[str]]]:
    """Brute force: every stretch between two mark edges, and the marks covering all of it."""
    bounds = sorted(
        {max(start, a.start) for a in annotations} | {min(end, a.end) for a in annotations}
    )
    segments = []
    for lo, hi in itertools.pairwise(bounds):
        covering = [a.id for a in annotations if a.start <= lo and a.end >= hi]
        if covering:
            segments.append((lo, hi, covering))
    return segments


def test_overlapping_marks_paint_each_stretch_with_every_mark_over_it(qtbot, tmp_path):
    text = "Close reading 😀 is slow reading; 𝛽 marks the words that matter. " * 20
    rng = random.Random(3)
    with Project(tmp_path / "p.annotator") as project:
        document, _ = project.add_text("reading", text)
        for _ in range(150):
            start = rng.randrange(len(text) - 30)
            project.annotate(document.id, start, start + rng.randint(1, 60), color="#ffe066")
        annotations = project.annotations(document.id)
        document = project.document(document.id)
    reader = ReaderView()
    qtbot.addWidget(reader)
    reader.resize(900, 4000)  # the whole text on screen
    reader.show()
    reader.load(document, annotations)
    in_index = list(reader.index.overlapping(0, len(text)))
    expected = _expected_segments(in_index, 0, len(text))
    painted = reader._annotation_selections(0, reader.to_qt(len(text)))
    assert len(painted) == len(expected) > 150
    by_id = {a.id: a for a in in_index}
    for selection, (lo, hi, covering) in zip(painted, expected, strict=True):
        assert reader.to_cp(selection.cursor.selectionStart()) == lo
        assert reader.to_cp(selection.cursor.selectionEnd()) == hi
        assert selection.format == reader._segment_format([by_id[i] for i in covering])


def test_marks_asked_for_again_while_they_are_made_wait_for_the_next_turn(qtbot, tmp_path):
    """Setting the marks through Qt's setExtraSelections laid text out, which could scroll,
    which asked for the marks again from inside Qt's call: the list Qt was applying was
    replaced under it and the app crashed (a segfault highlighting here and there in a 1 MB
    reading with 10,000 marks). The reader now paints its marks itself, so Qt holds none;
    a request made while they are being worked out still waits for the next turn."""
    text = "Close reading is slow reading; it marks the words that matter. " * 200
    with Project(tmp_path / "p.annotator") as project:
        document, _ = project.add_text("reading", text)
        for start in range(0, len(text) - 20, 97):
            project.annotate(document.id, start, start + 12, color="#ffe066")
        annotations = project.annotations(document.id)
        document = project.document(document.id)
    reader = ReaderView()
    qtbot.addWidget(reader)
    reader.resize(900, 600)
    reader.show()
    reader.load(document, annotations)
    qtbot.waitUntil(lambda: not reader._refresh_timer.isActive())
    depth, deepest, scrolled = [0], [0], [False]
    making = reader._mark_segments

    def making_with_a_scroll(a, b):
        depth[0] += 1
        deepest[0] = max(deepest[0], depth[0])
        try:
            if not scrolled[0]:  # a scroll arriving while they are made
                scrolled[0] = True
                reader._painted_range = (0, -1)
                reader._on_scrolled()
            return making(a, b)
        finally:
            depth[0] -= 1

    reader._mark_segments = making_with_a_scroll
    reader.refresh_now()
    assert scrolled[0] and deepest[0] == 1  # never made inside the making
    assert reader._refresh_timer.isActive()  # and asked again for the next turn
    qtbot.waitUntil(lambda: not reader._refresh_timer.isActive())
    start, end = reader.visible_range()
    assert reader._painted_range[0] <= start and end <= reader._painted_range[1]
    assert reader.extraSelections()  # the marks are there
    assert QPlainTextEdit.extraSelections(reader) == []  # and Qt has none to relay out


def _pixels_near(image, rect, color, tolerance: int = 30) -> int:
    found = 0
    for y in range(int(rect.top()) + 1, int(rect.bottom())):
        for x in range(int(rect.left()) + 1, int(rect.right())):
            p = image.pixelColor(x, y)
            distance = (
                abs(p.red() - color.red())
                + abs(p.green() - color.green())
                + abs(p.blue() - color.blue())
            )
            found += distance <= tolerance
    return found


def test_the_reader_paints_marks_under_the_text_with_labels_underlined(qtbot, tmp_path):
    """The reader draws its marks itself (Qt's extra selections cost a clipped pass over
    every line on screen per mark): each segment's tint fills its place under the text,
    a label's line runs under it, and the text and a text selection are drawn over them."""
    from PySide6.QtGui import QColor

    text = "Close reading is slow reading; it marks the words that matter."
    with Project(tmp_path / "p.annotator") as project:
        document, _ = project.add_text("reading", text)
        slow = project.annotate(document.id, 17, 21, color="#8ecae6")  # "slow"
        words = project.annotate(document.id, 45, 50, label="TERM")  # "words"
        annotations = project.annotations(document.id)
        document = project.document(document.id)
    reader = ReaderView()
    qtbot.addWidget(reader)
    reader.resize(700, 300)
    reader.show()
    reader.set_label_colors({"TERM": "#2a9d8f"}, set())
    reader.load(document, annotations)
    qtbot.waitUntil(lambda: not reader._refresh_timer.isActive())
    reader.viewport().repaint()
    image = reader.viewport().grab().toImage()
    tint = reader.theme.highlight("#8ecae6")
    (box,) = reader.span_rects(slow.start, slow.end)
    assert _pixels_near(image, box, tint) > box.width() * box.height() / 3  # under "slow"
    assert reader.toPlainText()[:5] == "Close"
    (plain,) = reader.span_rects(0, 5)  # "Close": no mark
    assert _pixels_near(image, plain, tint) == 0
    (labelled,) = reader.span_rects(words.start, words.end)
    line = reader.theme.label_line("#2a9d8f")
    assert _pixels_near(image, labelled, line, tolerance=60) >= labelled.width() / 2
    ink = reader.theme.ink
    assert _pixels_near(image, box, ink, tolerance=120) > 0  # the word itself, over its tint

    reader.select_span(17, 21)  # a text selection is drawn over the mark
    reader.viewport().repaint()
    selected = reader.viewport().grab().toImage()
    assert _pixels_near(selected, box, tint) < _pixels_near(image, box, tint) / 4
    assert QColor(tint) != reader.palette().highlight().color()
