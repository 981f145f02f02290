"""PDF loading and the reader: real PDFs built with PyMuPDF, no mocks."""

from __future__ import annotations

import itertools
import re
import sys
import zipfile
from pathlib import Path

import pymupdf
import pytest

from annotator.core.errors import DocumentError
from annotator.core.model import DocumentKind
from annotator.documents.base import sha256_file, sha256_text
from annotator.documents.pdf import (
    PAGE_SEPARATOR,
    ExtractionCancelled,
    PasswordRequired,
    PdfReader,
    TextNotExtracted,
    WrongPassword,
    extract_pdf,
    load_pdf,
)

MATH_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuMathTeXGyre.ttf")

PAGE_LINES = [
    ["The quick brown fox jumps over the lazy dog.", "Close reading rewards patience."],
    ["Second page, first line.", "A highlight spans several words here."],
]


def _image_page(doc: pymupdf.Document) -> None:
    """A page that looks scanned: one picture, no text layer."""
    page = doc.new_page(width=300, height=300)
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 40, 40), False)
    pix.clear_with(180)
    page.insert_image(pymupdf.Rect(20, 20, 280, 280), pixmap=pix)


def build_pdf(path: Path, *, scanned: bool = True, rotated: bool = True) -> Path:
    doc = pymupdf.open()
    for lines in PAGE_LINES:
        page = doc.new_page()
        for k, line in enumerate(lines):
            page.insert_text((72, 100 + 40 * k), line, fontsize=12)
    # Two columns: MuPDF reads the left column's block before the right one.
    page = doc.new_page()
    page.insert_textbox(pymupdf.Rect(50, 80, 280, 400), "Left column talks about rhetoric.")
    page.insert_textbox(pymupdf.Rect(320, 80, 550, 400), "Right column talks about metre.")
    if rotated:
        page = doc.new_page()
        page.insert_text((72, 100), "This page is turned sideways.", fontsize=14)
        page.set_rotation(90)
    # Greek and Chinese through the built-in CJK font (always available in PyMuPDF).
    page = doc.new_page()
    page.insert_font(fontname="cjk", fontbuffer=pymupdf.Font("cjk").buffer)
    page.insert_text((72, 100), "Ελληνικά και 中文 text.", fontname="cjk", fontsize=14)
    if scanned:
        _image_page(doc)
    doc.set_metadata({"title": "A Test Reading", "author": "Tester"})
    doc.save(path)
    doc.close()
    return path


@pytest.fixture
def sample_pdf(tmp_path: Path) -> Path:
    return build_pdf(tmp_path / "reading.pdf")


@pytest.fixture
def sample(sample_pdf: Path):
    loaded = load_pdf(sample_pdf)
    reader = PdfReader(sample_pdf, text=loaded)
    yield sample_pdf, loaded, reader
    reader.close()


# ---------------------------------------------------------------------------- loading


def test_load_pdf_gives_text_in_reading_order_with_page_map(sample_pdf: Path):
    loaded = load_pdf(sample_pdf)
    assert loaded.kind is DocumentKind.PDF
    assert loaded.title == "A Test Reading"
    assert loaded.sha256 == sha256_file(str(sample_pdf))
    assert loaded.text_sha256 == sha256_text(loaded.text)
    assert len(loaded.page_map) == 6
    first = loaded.text[slice(*loaded.page_map[0])]
    assert (
        first == "The quick brown fox jumps over the lazy dog.\nClose reading rewards patience.\n"
    )
    columns = loaded.text[slice(*loaded.page_map[2])]
    assert columns.index("rhetoric") < columns.index("metre")
    assert "turned sideways" in loaded.text[slice(*loaded.page_map[3])]
    assert "Ελληνικά και 中文" in loaded.text[slice(*loaded.page_map[4])]


def test_page_map_covers_text_and_pages_are_joined_by_the_separator(sample_pdf: Path):
    loaded = load_pdf(sample_pdf)
    pages = loaded.page_map
    assert pages[0][0] == 0 and pages[-1][1] == len(loaded.text)
    for (_, end), (start, _) in itertools.pairwise(pages):
        assert loaded.text[end:start] == PAGE_SEPARATOR
    rebuilt = PAGE_SEPARATOR.join(loaded.text[s:e] for s, e in pages)
    assert rebuilt == loaded.text


def test_extract_pdf_reports_scanned_pages_and_progress(sample_pdf: Path):
    seen: list[tuple[int, int]] = []
    result = extract_pdf(sample_pdf, progress=lambda done, total: seen.append((done, total)))
    assert result.scanned_pages == (5,)
    assert result.document.page_map[5][0] == result.document.page_map[5][1]
    assert result.failed_pages == ()
    assert result.has_text_layer
    assert any("1 of 6 pages" in warning for warning in result.warnings)
    assert seen[-1] == (6, 6)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_extract_pdf_stops_when_cancelled(sample_pdf: Path):
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(ExtractionCancelled):
        extract_pdf(sample_pdf, cancel=cancel)
    assert len(calls) == 3


def test_pdf_without_text_layer_still_loads_and_says_so(tmp_path: Path):
    doc = pymupdf.open()
    _image_page(doc)
    _image_page(doc)
    doc.save(tmp_path / "scan.pdf")
    result = extract_pdf(tmp_path / "scan.pdf")
    assert result.scanned_pages == (0, 1)
    assert not result.has_text_layer
    assert result.document.title == "scan"
    assert any("no text layer" in warning for warning in result.warnings)


def test_title_falls_back_to_first_line_then_file_name(tmp_path: Path):
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "On Reading Slowly")
    doc.save(tmp_path / "untitled.pdf")
    assert load_pdf(tmp_path / "untitled.pdf").title == "On Reading Slowly"
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "12")
    doc.save(tmp_path / "numbered.pdf")
    assert load_pdf(tmp_path / "numbered.pdf").title == "numbered"


def test_epub_loads_as_epub_kind(tmp_path: Path):
    path = tmp_path / "book.epub"
    with zipfile.ZipFile(path, "w") as epub:
        epub.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        epub.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        epub.writestr(
            "content.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="2.0" '
            'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
            "<dc:title>An Epub Reading</dc:title><dc:identifier id='id'>x</dc:identifier>"
            '</metadata><manifest><item id="c1" href="c1.xhtml" '
            'media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c1"/>'
            "</spine></package>",
        )
        epub.writestr(
            "c1.xhtml",
            '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>'
            "<p>Chapter one begins with a sentence.</p></body></html>",
        )
    loaded = load_pdf(path)
    assert loaded.kind is DocumentKind.EPUB
    assert "Chapter one begins" in loaded.text
    with PdfReader(path, text=loaded) as reader:
        start = loaded.text.index("begins")
        assert reader.char_boxes(0)
        assert reader.span_rects(start, start + 6)


# ---------------------------------------------------------------------------- bad input


def test_missing_file_is_a_document_error_naming_it(tmp_path: Path):
    with pytest.raises(DocumentError, match=re.escape("'gone.pdf' does not exist")):
        load_pdf(tmp_path / "gone.pdf")


def test_directory_is_a_document_error(tmp_path: Path):
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    with pytest.raises(DocumentError, match=re.escape("'folder.pdf' is a folder")):
        PdfReader(folder)


def test_text_file_named_pdf_is_not_a_pdf(tmp_path: Path):
    path = tmp_path / "notes.pdf"
    path.write_text("just some notes")
    with pytest.raises(DocumentError, match=re.escape("'notes.pdf' is not a PDF file")):
        load_pdf(path)


def test_empty_file_is_reported_empty(tmp_path: Path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(DocumentError, match=re.escape("'empty.pdf' is empty")):
        load_pdf(path)


def test_unknown_format_is_refused(tmp_path: Path):
    path = tmp_path / "table.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(DocumentError, match=re.escape("'table.xlsx' is not a PDF")):
        load_pdf(path)


def test_badly_truncated_pdf_is_reported_damaged(tmp_path: Path, sample_pdf: Path):
    path = tmp_path / "cut.pdf"
    path.write_bytes(sample_pdf.read_bytes()[:300])
    with pytest.raises(DocumentError, match=re.escape("'cut.pdf' is damaged or truncated")):
        load_pdf(path)


def test_half_truncated_pdf_is_repaired_with_a_warning(tmp_path: Path, sample_pdf: Path):
    data = sample_pdf.read_bytes()
    path = tmp_path / "half.pdf"
    path.write_bytes(data[: len(data) * 2 // 3])
    try:
        result = extract_pdf(path)
    except DocumentError as error:  # MuPDF may also give up: then the message must say so
        assert "'half.pdf'" in str(error)
        return
    assert result.repaired
    assert any("repaired" in warning for warning in result.warnings)


def test_pdf_with_zero_pages_is_refused(tmp_path: Path):
    path = tmp_path / "zero.pdf"
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    with pytest.raises(DocumentError, match=re.escape("'zero.pdf' has no pages")):
        load_pdf(path)


@pytest.fixture
def encrypted_pdf(tmp_path: Path) -> Path:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Secret reading")
    path = tmp_path / "locked.pdf"
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="sesame", owner_pw="owner")
    return path


def test_encrypted_pdf_asks_for_its_password(encrypted_pdf: Path):
    with pytest.raises(PasswordRequired) as caught:
        load_pdf(encrypted_pdf)
    assert str(caught.value) == "'locked.pdf' is encrypted: enter its password to open it"
    assert isinstance(caught.value, DocumentError)
    with pytest.raises(PasswordRequired):
        PdfReader(encrypted_pdf)


def test_wrong_password_says_so(encrypted_pdf: Path):
    with pytest.raises(WrongPassword, match=re.escape("password for 'locked.pdf' is wrong")):
        load_pdf(encrypted_pdf, password="guess")


def test_right_password_opens_encrypted_pdf(encrypted_pdf: Path):
    loaded = load_pdf(encrypted_pdf, password="sesame")
    assert "Secret reading" in loaded.text
    with PdfReader(encrypted_pdf, password="sesame") as reader:
        assert reader.render_page(0, 0.5).width > 0


# ---------------------------------------------------------------------------- reader


def test_reader_renders_first_page_without_text(sample_pdf: Path):
    with PdfReader(sample_pdf) as reader:
        assert not reader.has_text
        assert reader.page_count == 6
        image = reader.render_page(0, zoom=2.0)
        width, height = reader.page_size(0)
        assert (image.width, image.height) == (round(width * 2), round(height * 2))
        assert image.stride >= image.width * 3
        assert len(image.samples) == image.stride * image.height
        assert not image.has_alpha
        thumb = reader.render_page(0, zoom=0.1)
        assert thumb.width < 100
        with pytest.raises(TextNotExtracted):
            reader.char_boxes(0)


def test_rotated_page_size_is_as_displayed(sample):
    _, _, reader = sample
    width, height = reader.page_size(3)
    assert width > height
    image = reader.render_page(3, 1.0, alpha=True)
    assert image.has_alpha and image.width > image.height


def test_render_clip_gives_only_that_part(sample):
    _, _, reader = sample
    image = reader.render_page(0, 2.0, clip=(0, 0, 100, 50))
    assert (image.width, image.height) == (200, 100)


def test_enormous_render_is_scaled_down(tmp_path: Path):
    doc = pymupdf.open()
    doc.new_page(width=14400, height=14400).insert_text((72, 72), "Poster")
    doc.save(tmp_path / "poster.pdf")
    with PdfReader(tmp_path / "poster.pdf") as reader:
        image = reader.render_page(0, zoom=4.0)
        assert image.zoom < 4.0
        assert image.width * image.height <= 40_000_000 * 1.01


@pytest.mark.parametrize("page", range(5))
def test_char_boxes_line_up_with_canonical_text(sample, page: int):
    path, loaded, reader = sample
    boxes = reader.char_boxes(page)
    start, end = loaded.page_map[page]
    page_text = loaded.text[start:end]
    # Every non-newline character of the page has a box, in text order.
    assert [loaded.text[b.offset] for b in boxes] == [ch for ch in page_text if ch != "\n"]
    raw = pymupdf.open(path)[page].get_text("rawdict")
    raw_chars = [
        c["c"]
        for block in raw["blocks"]
        if block["type"] == 0
        for line in block["lines"]
        for span in line["spans"]
        for c in span["chars"]
    ]
    assert [loaded.text[b.offset] for b in boxes] == raw_chars


def test_char_boxes_are_in_displayed_space_on_a_rotated_page(sample):
    _, _, reader = sample
    width, height = reader.page_size(3)
    for box in reader.char_boxes(3):
        x0, y0, x1, y1 = box.rect
        assert 0 <= x0 <= x1 <= width and 0 <= y0 <= y1 <= height
    # Text running up a page turned by 90° is taller than wide.
    x0, y0, x1, y1 = reader.span_rects(*_span(sample, "turned sideways"))[0].rects[0]
    assert y1 - y0 > x1 - x0


def _span(sample, phrase: str) -> tuple[int, int]:
    _, loaded, _ = sample
    start = loaded.text.index(phrase)
    return start, start + len(phrase)


def test_span_rects_lie_over_the_words(sample):
    path, _loaded, reader = sample
    start, end = _span(sample, "brown fox")
    (page_rects,) = reader.span_rects(start, end)
    assert page_rects.page == 0
    (rect,) = page_rects.rects
    words = [w for w in pymupdf.open(path)[0].get_text("words") if w[4] in ("brown", "fox")]
    assert abs(rect[0] - words[0][0]) < 0.5 and abs(rect[2] - words[1][2]) < 0.5
    assert rect[1] < words[0][3] and rect[3] > words[0][1]


def test_span_over_two_lines_gives_one_rect_per_line(sample):
    start, _ = _span(sample, "lazy dog.")
    _, end = _span(sample, "Close reading")
    (page_rects,) = sample[2].span_rects(start, end)
    first, second = page_rects.rects
    assert first[3] <= second[1] + 1


def test_span_over_a_page_break_gives_rects_on_both_pages(sample):
    start, _ = _span(sample, "rewards patience.")
    _, end = _span(sample, "Second page")
    pages = [page_rects.page for page_rects in sample[2].span_rects(start, end)]
    assert pages == [0, 1]


def test_offset_at_maps_a_click_back_to_the_character(sample):
    _, _loaded, reader = sample
    for page in (0, 2, 3, 4):
        for box in reader.char_boxes(page)[::5]:
            x0, y0, x1, y1 = box.rect
            if page == 3:  # turned by 90°: the line runs down the displayed page
                before, after = (x0 + x1) / 2, y0 + (y1 - y0) * 0.25
                past = ((x0 + x1) / 2, y0 + (y1 - y0) * 0.75)
            else:
                before, after = x0 + (x1 - x0) * 0.25, (y0 + y1) / 2
                past = (x0 + (x1 - x0) * 0.75, (y0 + y1) / 2)
            assert reader.offset_at(page, before, after) == box.offset
            assert reader.offset_at(page, *past) == box.offset + 1


def test_selection_by_mouse_gives_the_span_and_back_the_rects(sample):
    _, loaded, reader = sample
    start, end = _span(sample, "several words")
    (page_rects,) = reader.span_rects(start, end)
    x0, y0, x1, y1 = page_rects.rects[0]
    middle = (y0 + y1) / 2
    selected = (reader.offset_at(1, x0 + 0.5, middle), reader.offset_at(1, x1 - 0.5, middle))
    assert loaded.text[selected[0] : selected[1]] == "several words"


def test_offset_at_far_from_text_snaps_to_nearest_line(sample):
    _, loaded, reader = sample
    offset = reader.offset_at(0, 5, 100)
    assert offset == 0
    end_of_line = reader.offset_at(0, 590, 100)
    assert loaded.text[end_of_line] == "\n"


def test_offset_at_on_a_scanned_page_is_the_page_start(sample):
    _, loaded, reader = sample
    assert reader.offset_at(5, 150, 150) == loaded.page_map[5][0]
    assert reader.char_boxes(5) == []


def test_search_finds_phrase_across_a_line_break_with_rects(sample):
    _, loaded, reader = sample
    hits = reader.search("DOG. close")
    assert len(hits) == 1
    hit = hits[0]
    assert hit.page == 0
    assert loaded.text[hit.start : hit.end] == "dog.\nClose"
    assert len(hit.rects) == 2
    assert [h.page for h in reader.search("column")] == [2, 2]
    assert reader.search("column", pages=range(0, 2)) == []
    assert reader.search("   ") == []


def test_search_finds_non_latin_text(sample):
    hits = sample[2].search("中文")
    assert [h.page for h in hits] == [4]
    assert hits[0].rects


def test_outline_lists_entries_with_zero_based_pages(tmp_path: Path):
    path = build_pdf(tmp_path / "toc.pdf")
    doc = pymupdf.open(path)
    doc.set_toc([[1, "Start", 1], [2, "Columns", 3]])
    doc.save(tmp_path / "toc2.pdf")
    with PdfReader(tmp_path / "toc2.pdf") as reader:
        entries = reader.outline()
    assert [(e.level, e.title, e.page) for e in entries] == [(1, "Start", 0), (2, "Columns", 2)]


def test_attach_text_of_another_document_is_refused(sample, tmp_path: Path):
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "one page")
    doc.save(tmp_path / "one.pdf")
    with (
        PdfReader(tmp_path / "one.pdf") as reader,
        pytest.raises(DocumentError, match=re.escape("pages")),
    ):
        reader.attach_text(sample[1])


def _fix_astral_to_unicode(doc: pymupdf.Document) -> None:
    """PyMuPDF writes code points beyond U+FFFF into ToUnicode CMaps as 5-digit hex, which
    readers (MuPDF included) misread; rewrite them as the UTF-16 surrogate pairs PDF wants."""

    def utf16(match: re.Match[bytes]) -> bytes:
        code = int(match.group(1), 16)
        return b"<" + chr(code).encode("utf-16-be").hex().encode() + b">"

    for xref in range(1, doc.xref_length()):
        if doc.xref_is_stream(xref):
            stream = doc.xref_stream(xref)
            if b"begincmap" in stream:
                doc.update_stream(xref, re.sub(rb"<([0-9a-fA-F]{5,6})>", utf16, stream))


@pytest.mark.skipif(not MATH_FONT.exists(), reason="needs the DejaVu math font")
def test_characters_outside_the_bmp_are_one_offset_each(tmp_path: Path):
    doc = pymupdf.open()
    page = doc.new_page()
    writer = pymupdf.TextWriter(page.rect)
    writer.append((72, 100), "Let \U0001d6fd be small", font=pymupdf.Font(fontfile=str(MATH_FONT)))
    writer.write_text(page)
    _fix_astral_to_unicode(doc)
    doc.save(tmp_path / "math.pdf")
    loaded = load_pdf(tmp_path / "math.pdf")
    assert loaded.text == "Let \U0001d6fd be small\n"
    with PdfReader(tmp_path / "math.pdf", text=loaded) as reader:
        boxes = reader.char_boxes(0)
        assert [loaded.text[b.offset] for b in boxes] == list("Let \U0001d6fd be small")
        offset = loaded.text.index("\U0001d6fd")
        assert boxes[offset].offset == offset
        (page_rects,) = reader.span_rects(offset, offset + 4)
        (rect,) = page_rects.rects
        assert rect[0] == pytest.approx(boxes[offset].rect[0])
        assert reader.search("\U0001d6fd be")[0].start == offset


def test_pdf_modules_do_not_import_qt():
    import annotator.documents.pdf
    import annotator.documents.pdf_annotations  # noqa: F401

    for module in ("annotator.documents.pdf", "annotator.documents.pdf_annotations"):
        source = Path(sys.modules[module].__file__ or "").read_text()
        assert "PySide6" not in source and "PyQt" not in source
