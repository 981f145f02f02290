"""Opening a long document paints its first screen from a range query; the rest loads later."""

from __future__ import annotations

import pytest

from annotator.core.model import AnnotationStatus
from annotator.project import Project
from annotator.ui.span_index import SpanIndex

TEXT = " ".join(f"word{i:04d}" for i in range(2000))


@pytest.fixture
def project(tmp_path):
    p = Project(tmp_path / "first.annotator")
    document, _ = p.add_text("Long", TEXT)
    spans = [(0, 8), (5, 40), (100, 180), (170, 400), (900, 950), (5000, 5100)]
    p.add_annotations([p.build_annotation(document.id, s, e, text=TEXT) for s, e in spans if e > s])
    yield p, document.id
    p.close()


def test_store_annotations_in_range_is_the_overlap_of_the_full_list(project):
    p, doc = project
    statuses = (AnnotationStatus.ACCEPTED, AnnotationStatus.ORPHANED)
    everything = p.store.annotations(doc, statuses=statuses)
    for start, end in [(0, 1), (7, 101), (160, 175), (401, 899), (0, len(TEXT)), (4000, 6000)]:
        expected = [a.id for a in everything if a.start < end and a.end > start]
        got = p.store.annotations_in_range(doc, start, end, statuses=statuses)
        assert [a.id for a in got] == expected


def test_span_index_loads_the_rest_when_asked_outside_the_first_screen(project):
    p, doc = project
    everything = p.annotations(doc)
    first = p.store.annotations_in_range(doc, 0, 200)
    loads = []

    def load_rest():
        loads.append(1)
        return everything

    index = SpanIndex()
    index.reset_partial(first, 0, 200, load_rest)
    assert [a.id for a in index.overlapping(10, 190)] == [
        a.id for a in everything if a.start < 190 and a.end > 10
    ]
    assert not loads and not index.complete
    assert len(list(index.overlapping(800, 1000))) == 1  # outside: everything loads, once
    assert loads == [1] and index.complete and len(index) == len(everything)
    index.all()
    assert loads == [1]


def test_span_index_get_of_an_annotation_off_screen_loads_everything(project):
    p, doc = project
    everything = p.annotations(doc)
    far = everything[-1]
    index = SpanIndex()
    index.reset_partial(p.store.annotations_in_range(doc, 0, 50), 0, 50, lambda: everything)
    assert far.id in index
    assert index.get(far.id) == far
