"""PdfReader.search on real PDFs built with PyMuPDF: phrases broken over lines and pages,
words hyphenated at a line end, and offsets after characters outside the BMP."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from annotator.documents.pdf import PAGE_SEPARATOR, PdfReader, load_pdf
from tests.test_documents_pdf import _fix_astral_to_unicode

SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

PAGES = [
    [
        "Close reading rewards the patient",
        "reader with more infor-",
        "mation than a skim. One line: data frame.",
        "A data",
        "frame broken over two lines, then the",
    ],
    ["next page goes on; a word hyphenated over the page: compre-"],
    ["hension at the top of the last page."],
]


@pytest.fixture
def lines_pdf(tmp_path: Path):
    doc = pymupdf.open()
    for lines in PAGES:
        page = doc.new_page()
        for k, line in enumerate(lines):
            page.insert_text((72, 100 + 20 * k), line, fontsize=12)
    doc.save(tmp_path / "lines.pdf")
    loaded = load_pdf(tmp_path / "lines.pdf")
    with PdfReader(tmp_path / "lines.pdf", text=loaded) as reader:
        yield loaded, reader


def _texts(loaded, hits) -> list[str]:
    return [loaded.text[h.start : h.end] for h in hits]


def test_search_finds_a_phrase_split_over_two_lines_with_a_rect_per_line(lines_pdf):
    loaded, reader = lines_pdf
    hits = reader.search("data frame")
    assert _texts(loaded, hits) == ["data frame", "data\nframe"]
    assert [len(h.rects) for h in hits] == [1, 2]
    assert {h.page for h in hits} == {0}


def test_search_finds_a_word_hyphenated_at_a_line_end(lines_pdf):
    loaded, reader = lines_pdf
    (hit,) = reader.search("information")
    assert loaded.text[hit.start : hit.end] == "infor-\nmation"
    first_line, second_line = hit.rects
    assert first_line[1] < second_line[1]  # "infor-" on one line, "mation" on the next
    assert reader.search("infor mation") == []


def test_search_is_case_insensitive_across_lines(lines_pdf):
    loaded, reader = lines_pdf
    assert _texts(loaded, reader.search("INFORMATION")) == ["infor-\nmation"]
    assert _texts(loaded, reader.search("Data FRAME")) == ["data frame", "data\nframe"]


def test_search_finds_a_phrase_and_a_hyphenated_word_across_a_page_break(lines_pdf):
    """Simple here because the pages have no running header or footer between the words."""
    loaded, reader = lines_pdf
    (phrase,) = reader.search("then the next page")
    assert loaded.text[phrase.start : phrase.end] == f"then the\n{PAGE_SEPARATOR}next page"
    assert phrase.page == 0 and phrase.rects  # rects: only the first page's part
    (word,) = reader.search("comprehension")
    assert loaded.text[word.start : word.end] == f"compre-\n{PAGE_SEPARATOR}hension"
    assert word.page == 1


def test_search_single_line_hits_are_unchanged(lines_pdf):
    loaded, reader = lines_pdf
    hits = reader.search("rewards the patient")
    assert [(h.page, h.start, h.end) for h in hits] == [
        (0, loaded.text.index("rewards"), loaded.text.index("rewards") + 19)
    ]
    assert len(hits[0].rects) == 1
    assert [h.page for h in reader.search("page")] == [1, 1, 2]
    assert reader.search("page", pages=range(2, 3))[0].page == 2


@pytest.mark.skipif(not SANS.exists(), reason="needs the DejaVu Sans font")
def test_search_offsets_after_emoji_are_code_points_and_match_the_boxes(tmp_path: Path):
    doc = pymupdf.open()
    page = doc.new_page()
    font = pymupdf.Font(fontfile=str(SANS))
    writer = pymupdf.TextWriter(page.rect)
    writer.append((72, 100), "\U0001f600\U0001f600 smiles precede the infor-", font=font)
    writer.append((72, 120), "mation we seek, and a soft infor\u00ad", font=font)
    writer.append((72, 140), "mation too.", font=font)
    writer.write_text(page)
    _fix_astral_to_unicode(doc)
    doc.save(tmp_path / "emoji.pdf")
    loaded = load_pdf(tmp_path / "emoji.pdf")
    assert loaded.text.startswith("\U0001f600\U0001f600 smiles")
    with PdfReader(tmp_path / "emoji.pdf", text=loaded) as reader:
        hard, soft = reader.search("Information")
        assert (hard.start, hard.end) == (22, 35)  # UTF-16 units would say (24, 37)
        assert loaded.text[hard.start : hard.end] == "infor-\nmation"
        assert loaded.text[soft.start : soft.end] == "infor\u00ad\nmation"
        boxes = {box.offset: box.rect for box in reader.char_boxes(0)}
        for hit in (hard, soft):
            assert hit.rects[0][0] == pytest.approx(boxes[hit.start][0])
            assert len(hit.rects) == 2
        (plain,) = reader.search("smiles precede")
        assert (plain.start, plain.end) == (3, 17)
