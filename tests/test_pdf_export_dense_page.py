"""A page full of marks: the annotated PDF gives every one of them what a mark written alone
gets (its appearance, colour, popup, note and data), now that the appearances of a page are
made in one pass instead of one annotation at a time. Real PDFs, read back with PyMuPDF."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from annotator.documents.pdf import load_pdf
from annotator.documents.pdf_annotations import (
    PdfMark,
    hex_to_rgb,
    read_pdf_annotations,
    write_annotated_pdf,
)

WORDS = ["close", "reading", "marks", "the", "words", "that", "matter", "in", "an", "argument"]
COLORS = ["#ffd54f", "#4a90d9", "#e57373"]


def _dense_page(path: Path, lines: int = 40) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=600, height=lines * 14 + 80)
    for k in range(lines):
        words = " ".join(WORDS[(k + i) % len(WORDS)] for i in range(len(WORDS)))
        page.insert_text((40, 50 + 14 * k), words, fontsize=10)
    doc.save(path)
    doc.close()
    return path


@pytest.fixture
def dense(tmp_path: Path):
    path = _dense_page(tmp_path / "dense.pdf")
    return path, load_pdf(path)


def _word_marks(text: str) -> list[PdfMark]:
    """A mark on every word of the page: highlights in three colours, every third an
    underline carrying a symbol, every other one with a note."""
    marks = []
    position = 0
    for i, word in enumerate(text.split()):
        start = text.index(word, position)
        position = start + len(word)
        underline = i % 3 == 2
        marks.append(
            PdfMark(
                start=start,
                end=position,
                color=COLORS[i % len(COLORS)],
                author="Ada",
                note=f"note {i}" if i % 2 else "",
                label="Theme" if i % 5 == 0 else None,
                id=f"m{i}",
                pdf_type="Underline" if underline else "Highlight",
                kind="comment" if i % 2 else "highlight",
                symbol="?" if underline else None,
            )
        )
    return marks


def _appearance(doc: pymupdf.Document, xref: int) -> bytes:
    kind, value = doc.xref_get_key(xref, "AP/N")
    assert kind == "xref", f"annotation {xref} has no appearance stream"
    return doc.xref_stream(int(value.split()[0]))


def test_every_mark_on_a_full_page_comes_back_with_its_span_colour_note_and_id(
    dense, tmp_path: Path
):
    path, loaded = dense
    marks = _word_marks(loaded.text)
    assert len(marks) == 400
    out = tmp_path / "annotated.pdf"
    assert write_annotated_pdf(path, out, marks, loaded).written == len(marks)
    back = read_pdf_annotations(out, load_pdf(out))
    assert [(m.id, m.start, m.end) for m in back] == [(m.id, m.start, m.end) for m in marks]
    assert [(m.color, m.note, m.label, m.pdf_type) for m in back] == [
        (m.color, m.note, m.label, m.pdf_type) for m in marks
    ]
    assert [(m.kind, m.symbol) for m in back] == [(m.kind, m.symbol) for m in marks]


def test_a_mark_written_among_hundreds_looks_as_it_does_written_alone(dense, tmp_path: Path):
    path, loaded = dense
    marks = _word_marks(loaded.text)
    chosen = [marks[0], marks[2], marks[199], marks[-1]]  # first, an underline, middle, last
    alone = {}
    for mark in chosen:
        out = tmp_path / f"alone-{mark.id}.pdf"
        write_annotated_pdf(path, out, [mark], loaded)
        with pymupdf.open(out) as doc:
            (xref,) = [x for x, kind, _ in doc[0].annot_xrefs() if kind != pymupdf.PDF_ANNOT_POPUP]
            alone[mark.id] = _appearance(doc, xref)
    out = tmp_path / "all.pdf"
    write_annotated_pdf(path, out, marks, loaded)
    with pymupdf.open(out) as doc:
        page = doc[0]
        among = {a.info["id"]: _appearance(doc, a.xref) for a in page.annots()}
    assert {mark.id: among[mark.id] for mark in chosen} == alone


def test_every_highlight_on_a_full_page_is_drawn_in_its_colour_by_multiplying(
    dense, tmp_path: Path
):
    path, loaded = dense
    marks = _word_marks(loaded.text)
    out = tmp_path / "annotated.pdf"
    write_annotated_pdf(path, out, marks, loaded)
    with pymupdf.open(out) as doc:
        page = doc[0]
        pix = page.get_pixmap(dpi=72, annots=True)
        highlights = [a for a in page.annots() if a.type[1] == "Highlight"]
        assert len(highlights) == len([m for m in marks if m.pdf_type == "Highlight"])
        for annot in highlights:
            assert annot.blendmode == "Multiply"  # the words stay black under the colour
            colour = tuple(round(c * 255) for c in annot.colors["stroke"])
            # Paper under the highlight shows its colour; the ink stays dark.
            box = annot.rect & page.rect
            seen = {
                pix.pixel(x, y)
                for x in range(int(box.x0) + 3, int(box.x1) - 3)
                for y in range(int(box.y0) + 2, int(box.y1) - 2)
            }
            near = [p for p in seen if max(abs(a - b) for a, b in zip(p, colour, strict=True)) <= 3]
            assert near, annot
            assert min(sum(p) for p in seen) < 200, annot


def test_a_note_on_a_full_page_has_its_popup_beside_its_highlight(dense, tmp_path: Path):
    path, loaded = dense
    marks = _word_marks(loaded.text)
    out = tmp_path / "annotated.pdf"
    write_annotated_pdf(path, out, marks, loaded)
    with pymupdf.open(out) as doc:
        page = doc[0]
        noted = [a for a in page.annots() if a.info["content"]]
        assert len(noted) == len([m for m in marks if m.note])
        for annot in noted:
            assert annot.has_popup
            popup, rect = annot.popup_rect, annot.rect
            assert popup.x0 == pytest.approx(rect.x1 + 4, abs=0.01)
            assert popup.y0 == pytest.approx(rect.y0, abs=0.01)
            assert (popup.width, popup.height) == pytest.approx((180, 100), abs=0.01)


def test_sticky_notes_and_areas_among_many_highlights_keep_their_icons_and_opacity(
    dense, tmp_path: Path
):
    path, loaded = dense
    marks = _word_marks(loaded.text)[:200]
    summary_at = marks[50].start
    extra = [
        PdfMark(
            start=summary_at,
            end=marks[80].end,
            note="a summary",
            pdf_type="Text",
            kind="summary",
            icon="Paragraph",
            id="s1",
            color="#7e57c2",
        ),
        PdfMark(start=marks[120].start, end=marks[120].start, note="a note", id="n1"),
        PdfMark(start=0, end=0, page=0, rect=(300.0, 400.0, 400.0, 450.0), id="a1"),
    ]
    out = tmp_path / "annotated.pdf"
    assert write_annotated_pdf(path, out, marks + extra, loaded).written == len(marks) + 3
    with pymupdf.open(out) as doc:
        page = doc[0]
        by_id = {a.info["id"]: a for a in page.annots()}
        summary, note, area = by_id["s1"], by_id["n1"], by_id["a1"]
        assert (summary.type[1], note.type[1], area.type[1]) == ("Text", "Text", "Square")
        assert summary.info["content"] == "a summary" and note.info["content"] == "a note"
        assert summary.colors["stroke"] == pytest.approx(hex_to_rgb("#7e57c2"), abs=1e-3)
        for annot in (summary, note, area):
            assert _appearance(doc, annot.xref)
        assert doc.xref_get_key(summary.xref, "Name") == ("name", "/Paragraph")
        assert doc.xref_get_key(note.xref, "Name") == ("name", "/Note")
        assert area.opacity == pytest.approx(0.35)
        assert doc.xref_get_key(area.xref, "AP/N/Resources/ExtGState/H/CA")[1] == ".35"
        # The summary's icon sits in the margin beside its first line (the sixth: baseline 120).
        assert summary.rect.x1 < 40 and 106 < summary.rect.y0 < 120
    back = {m.id: m for m in read_pdf_annotations(out, load_pdf(out))}
    assert (back["s1"].kind, back["s1"].start, back["s1"].end) == (
        "summary",
        summary_at,
        marks[80].end,
    )
    assert back["a1"].is_area and back["a1"].rect == pytest.approx((300, 400, 400, 450), abs=1.5)
