"""Writing highlights into a PDF copy and reading PDF annotations back, with real PDFs."""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf
import pytest

from annotator.core.errors import DocumentError
from annotator.documents.pdf import PdfReader, load_pdf
from annotator.documents.pdf_annotations import (
    PdfMark,
    hex_to_rgb,
    read_pdf_annotations,
    rgb_to_hex,
    write_annotated_pdf,
)
from tests.test_documents_pdf import build_pdf


@pytest.fixture
def reading(tmp_path: Path):
    path = build_pdf(tmp_path / "reading.pdf")
    return path, load_pdf(path)


def _mark(loaded, phrase: str, **fields) -> PdfMark:
    start = loaded.text.index(phrase)
    return PdfMark(start=start, end=start + len(phrase), **fields)


def test_written_highlights_are_standard_pdf_annotations(reading, tmp_path: Path):
    path, loaded = reading
    marks = [
        _mark(loaded, "brown fox", color="#ff0000", author="Ada", note="Why a fox?", id="a1"),
        _mark(loaded, "several words", color="#00ff00", author="Ben", label="Theme", id="a2"),
    ]
    out = tmp_path / "annotated.pdf"
    report = write_annotated_pdf(path, out, marks, loaded)
    assert report.written == 2 and report.skipped == ()

    doc = pymupdf.open(out)
    pages = list(doc)  # an Annot is only usable while its Page lives
    highlights = [a for page in pages for a in page.annots() if a.type[1] == "Highlight"]
    assert len(highlights) == 2
    fox, words = highlights
    assert fox.info["title"] == "Ada" and fox.info["content"] == "Why a fox?"
    assert fox.info["id"] == "a1"
    assert fox.colors["stroke"] == pytest.approx([1.0, 0.0, 0.0])
    assert fox.popup_rect is not None and fox.has_popup
    assert words.info["subject"] == "Theme"
    # The text under each highlight is the highlighted passage.
    assert doc[0].get_textbox(fox.rect).count("brown fox") == 1
    under = " ".join(
        doc[1].get_textbox(pymupdf.Quad(fox_quad).rect) for fox_quad in _quads(words.vertices)
    )
    assert "several words" in under
    # The source file is untouched.
    assert not any(page.annots() and list(page.annots()) for page in pymupdf.open(path))


def _quads(vertices):
    return [vertices[i : i + 4] for i in range(0, len(vertices), 4)]


def test_round_trip_gives_the_same_spans_colours_notes_and_authors(reading, tmp_path: Path):
    path, loaded = reading
    first_line_end = loaded.text.index("lazy dog.")
    marks = [
        _mark(loaded, "quick brown", color="#ffd54f", author="Ada", note="speed", id="m1"),
        # over a line break
        PdfMark(
            start=first_line_end,
            end=loaded.text.index("Close reading") + len("Close reading"),
            color="#4a90d9",
            author="Ben",
            note="two lines",
            label="Motif",
            id="m2",
        ),
        # over a page break: one annotation per page, one record back
        PdfMark(
            start=loaded.text.index("patience."),
            end=loaded.text.index("Second page") + len("Second page"),
            color="#123456",
            author="Cy",
            id="m3",
        ),
        _mark(loaded, "metre", color="#aa00aa", author="Ada", note="scansion", id="m4"),
        _mark(loaded, "turned sideways", color="#00aa00", author="Ada", id="m5"),
        _mark(loaded, "中文", color="#ff8800", author="Dee", note="汉字", id="m6"),
    ]
    out = tmp_path / "annotated.pdf"
    write_annotated_pdf(path, out, marks, loaded)
    back = read_pdf_annotations(out, load_pdf(out))
    assert [(m.start, m.end) for m in back] == [(m.start, m.end) for m in marks]
    assert [m.color for m in back] == [m.color for m in marks]
    assert [m.note for m in back] == [m.note for m in marks]
    assert [m.author for m in back] == [m.author for m in marks]
    assert [m.label for m in back] == [m.label for m in marks]
    assert [m.id for m in back] == [m.id for m in marks]
    assert {m.pdf_type for m in back} == {"Highlight"}
    assert [m.page for m in back] == [0, 0, 0, 2, 3, 4]


def test_annotated_copy_keeps_the_canonical_text(reading, tmp_path: Path):
    path, loaded = reading
    out = tmp_path / "annotated.pdf"
    write_annotated_pdf(path, out, [_mark(loaded, "fox", author="Ada")], loaded)
    assert load_pdf(out).text == loaded.text


def test_area_highlight_on_a_scanned_page_round_trips(reading, tmp_path: Path):
    path, loaded = reading
    area = PdfMark(
        start=loaded.page_map[5][0],
        end=loaded.page_map[5][0],
        color="#ff0000",
        author="Ada",
        note="the figure",
        page=5,
        rect=(40.0, 50.0, 200.0, 120.0),
        id="area1",
    )
    out = tmp_path / "annotated.pdf"
    assert write_annotated_pdf(path, out, [area], loaded).written == 1
    (back,) = read_pdf_annotations(out, loaded)
    assert back.pdf_type == "Square" and back.page == 5 and back.is_area
    assert back.rect == pytest.approx(area.rect, abs=1.5)  # the border width widens it a little
    assert (back.color, back.note, back.author, back.id) == (
        "#ff0000",
        "the figure",
        "Ada",
        "area1",
    )


def test_area_highlight_on_a_rotated_page_keeps_displayed_coordinates(reading, tmp_path: Path):
    path, loaded = reading
    area = PdfMark(start=0, end=0, page=3, rect=(100.0, 100.0, 300.0, 200.0), author="Ada")
    out = tmp_path / "annotated.pdf"
    write_annotated_pdf(path, out, [area], loaded)
    (back,) = read_pdf_annotations(out, loaded)
    assert back.rect == pytest.approx(area.rect, abs=1.5)


def test_note_without_a_passage_becomes_a_sticky_note_on_its_word(reading, tmp_path: Path):
    path, loaded = reading
    offset = loaded.text.index("rhetoric")
    note = PdfMark(start=offset, end=offset, note="see ch. 2", author="Ada", id="n1")
    out = tmp_path / "annotated.pdf"
    write_annotated_pdf(path, out, [note], loaded)
    (back,) = read_pdf_annotations(out, loaded)
    assert back.pdf_type == "Text"
    assert loaded.text[back.start : back.end] == "rhetoric"
    assert (back.note, back.author, back.id) == ("see ch. 2", "Ada", "n1")


def test_marks_that_cannot_be_placed_are_reported_not_dropped(reading, tmp_path: Path):
    path, loaded = reading
    scanned_start = loaded.page_map[5][0]
    marks = [
        PdfMark(start=5, end=5),  # empty and no note
        PdfMark(start=0, end=0, page=99, rect=(0, 0, 10, 10)),
    ]
    report = write_annotated_pdf(path, tmp_path / "out.pdf", marks, loaded)
    assert report.written == 0
    assert [reason for _, reason in report.skipped] == [
        "an empty passage without a note has nothing to show",
        "page 100 does not exist",
    ]
    assert scanned_start == loaded.page_map[5][1]


def test_writing_over_the_source_is_refused(reading):
    path, loaded = reading
    with pytest.raises(DocumentError, match=re.escape("Choose another name")):
        write_annotated_pdf(path, path, [], loaded)


def test_encrypted_source_gives_an_encrypted_annotated_copy(tmp_path: Path):
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Secret reading about foxes")
    source = tmp_path / "locked.pdf"
    doc.save(source, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="sesame", owner_pw="o")
    loaded = load_pdf(source, password="sesame")
    out = tmp_path / "locked-annotated.pdf"
    write_annotated_pdf(
        source, out, [_mark(loaded, "foxes", author="Ada")], loaded, password="sesame"
    )
    assert pymupdf.open(out).needs_pass
    (back,) = read_pdf_annotations(out, loaded, password="sesame")
    assert loaded.text[back.start : back.end] == "foxes"


def test_existing_annotations_from_another_reader_are_imported(reading, tmp_path: Path):
    path, loaded = reading
    doc = pymupdf.open(path)
    page = doc[0]
    underline = page.add_underline_annot(page.search_for("lazy dog"))
    underline.set_info(title="Zotero user", content="nice")
    underline.set_colors(stroke=(0, 0, 1))
    underline.update()
    page.add_strikeout_annot(page.search_for("patience"))
    free = page.add_freetext_annot(page.search_for("Close")[0], "typed note")
    free.update()
    page.add_line_annot((10, 10), (50, 50))  # not a text annotation: ignored
    doc.save(tmp_path / "others.pdf")

    marks = read_pdf_annotations(tmp_path / "others.pdf", loaded)
    quoted = {m.pdf_type: loaded.text[m.start : m.end] for m in marks}
    assert quoted == {"Underline": "lazy dog", "StrikeOut": "patience", "FreeText": "Close"}
    underline_mark = next(m for m in marks if m.pdf_type == "Underline")
    assert (underline_mark.author, underline_mark.note, underline_mark.color) == (
        "Zotero user",
        "nice",
        "#0000ff",
    )
    assert underline_mark.id is None  # PyMuPDF's own generated names are not kept


def test_highlight_made_with_pymupdf_search_quads_maps_to_the_phrase(reading, tmp_path: Path):
    path, loaded = reading
    doc = pymupdf.open(path)
    for number, phrase in ((1, "A highlight spans"), (2, "rhetoric"), (3, "sideways")):
        doc[number].add_highlight_annot(doc[number].search_for(phrase, quads=True))
    doc.save(tmp_path / "quads.pdf")
    marks = read_pdf_annotations(tmp_path / "quads.pdf", loaded)
    assert [loaded.text[m.start : m.end] for m in marks] == [
        "A highlight spans",
        "rhetoric",
        "sideways",
    ]


def test_colour_conversion_both_ways():
    assert hex_to_rgb("#ff8000") == pytest.approx((1.0, 128 / 255, 0.0))
    assert hex_to_rgb("#f80") == pytest.approx((1.0, 136 / 255, 0.0))
    assert hex_to_rgb("not a colour") == hex_to_rgb(None)
    assert rgb_to_hex([1.0, 0.5, 0.0]) == "#ff8000"
    assert rgb_to_hex([]) is None


def test_reader_still_works_after_reading_annotations(reading, tmp_path: Path):
    path, loaded = reading
    read_pdf_annotations(path, loaded)
    with PdfReader(path, text=loaded) as reader:
        assert reader.render_page(0, 0.2).width > 0
