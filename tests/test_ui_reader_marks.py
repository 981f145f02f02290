"""The reader paints overlapping marks as segments, each with the look of every mark over it."""

from __future__ import annotations

import itertools
import random

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


def test_marks_asked_for_again_while_qt_applies_them_wait_for_the_next_turn(qtbot, tmp_path):
    """Setting the marks lays text out, which can scroll, which asked for the marks again
    from inside Qt's own setExtraSelections: the list Qt was applying was replaced under it
    and the app crashed (a segfault highlighting here and there in a 1 MB reading with
    10,000 marks, reproduced by moving the cursor far, 13 nested calls in 50 highlights).
    Here the nested request is made as that scroll made it; the reader must not set the
    marks inside the call, and must catch up on the next turn of the event loop."""
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
    applying = reader.setExtraSelections

    def applying_with_a_scroll(selections):
        depth[0] += 1
        deepest[0] = max(deepest[0], depth[0])
        try:
            applying(selections)
            if not scrolled[0]:  # the relayout's scroll, from inside Qt's call
                scrolled[0] = True
                reader._painted_range = (0, -1)
                reader._on_scrolled()
        finally:
            depth[0] -= 1

    reader.setExtraSelections = applying_with_a_scroll
    reader.refresh_now()
    assert scrolled[0] and deepest[0] == 1  # never set inside the call
    assert reader._refresh_timer.isActive()  # and asked again for the next turn
    qtbot.waitUntil(lambda: not reader._refresh_timer.isActive())
    start, end = reader.visible_range()
    assert reader._painted_range[0] <= start and end <= reader._painted_range[1]
    assert reader.extraSelections()  # the marks are there
