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
