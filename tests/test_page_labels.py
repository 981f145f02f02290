"""Printed page numbers: a PDF's page labels wherever a page is shown or exported."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pymupdf
import pytest

from annotator.core.model import AnnotationKind
from annotator.documents.pdf import (
    PdfReader,
    document_page_labels,
    label_pages,
    page_name,
    page_named,
    read_navigation,
)
from annotator.formats.registry import export
from annotator.project import Project

SHOTS = Path("/tmp/h1")

BOOK_PAGES = (
    "Preface\nA book needs a preface.",
    "Contents\nChapter One, Chapter Two",
    "Chapter One\nThe quick brown fox jumps over the lazy dog.\nClose reading rewards patience.",
    "More of chapter one: the argument continues here.",
    "Chapter Two\nA second chapter opens with a claim.",
    "The end of the second chapter.",
)
"""Two pages of front matter (i, ii), then pages 1–4: physical index 2 is printed "1"."""


def build_book(path: Path, *, labels: bool = True) -> Path:
    """A small book: roman-numbered front matter, a contents outline, two chapters."""
    doc = pymupdf.open()
    for text in BOOK_PAGES:
        page = doc.new_page()
        for k, line in enumerate(text.split("\n")):
            page.insert_text((72, 100 + 30 * k), line, fontsize=12)
    if labels:
        doc.set_page_labels(
            [
                {"startpage": 0, "prefix": "", "style": "r", "firstpagenum": 1},
                {"startpage": 2, "prefix": "", "style": "D", "firstpagenum": 1},
            ]
        )
    doc.set_toc([[1, "Chapter One", 3], [1, "Chapter Two", 5]])
    doc.set_metadata({"title": "A Small Book"})
    doc.save(path)
    doc.close()
    return path


@pytest.fixture
def book(tmp_path: Path):
    project = Project(tmp_path / "book.annotator")
    document, _ = project.add_document(build_book(tmp_path / "book.pdf"))
    yield project, document
    project.close()


def test_labels_are_the_ones_pymupdf_reads_for_every_page(tmp_path: Path):
    doc = pymupdf.open()
    for _ in range(40):
        doc.new_page()
    doc.set_page_labels(
        [
            {"startpage": 0, "prefix": "", "style": "r", "firstpagenum": 1},
            {"startpage": 4, "prefix": "", "style": "D", "firstpagenum": 1},
            {"startpage": 30, "prefix": "A-", "style": "D", "firstpagenum": 1},
            {"startpage": 35, "prefix": "", "style": "R", "firstpagenum": 9},
        ]
    )
    labels = document_page_labels(doc)
    assert labels == tuple(page.get_label() for page in doc)
    assert labels[:5] == ("i", "ii", "iii", "iv", "1")
    assert labels[30] == "A-1" and labels[35] == "IX"


def test_labels_written_as_hex_strings_are_decoded(tmp_path: Path):
    """As LaTeX (hyperref) writes them, e.g. /usr/share/doc/shared-mime-info's spec: PyMuPDF
    itself hands the prefix over undecoded ("<FEFF0031>")."""
    doc = pymupdf.open()
    for _ in range(3):
        doc.new_page()
    doc.xref_set_key(
        doc.pdf_catalog(),
        "PageLabels",
        "<</Nums[0<</P<FEFF0031>>>1<</P<FEFF00C40020>/S/D/St 2>>2<</P(\\376\\377\\000x)>>]>>",
    )
    path = tmp_path / "latex.pdf"
    doc.save(path)
    assert doc[0].get_label() == "<FEFF0031>"  # PyMuPDF's own reading
    assert read_navigation(path).labels == ("1", "Ä 2", "x")


def test_letter_labels_follow_the_pdf_reference_after_z():
    labels = label_pages([{"startpage": 0, "style": "a", "firstpagenum": 1}], 28)
    assert labels[:3] == ("a", "b", "c") and labels[25:] == ("z", "aa", "bb")


def test_a_page_without_a_label_is_named_by_its_number(tmp_path: Path):
    path = build_book(tmp_path / "plain.pdf", labels=False)
    assert read_navigation(path).labels == ()
    assert page_name((), 2) == "3"
    assert page_name(("i", ""), 1) == "2"
    with PdfReader(path) as reader:
        assert reader.page_labels() == ()


def test_a_page_is_found_by_its_printed_label_or_by_its_place_in_the_file():
    labels = ("i", "ii", "1", "2", "3", "4")
    assert page_named(labels, "1", 6) == 2
    assert page_named(labels, " II ", 6) == 1  # any case, spaces around
    assert page_named(labels, "#1", 6) == 0
    assert page_named(labels, "7", 6) is None and page_named(labels, "#9", 6) is None
    assert page_named((), "3", 6) == 2  # no labels: the number is the page's place


def test_navigation_reads_labels_and_contents_but_not_a_changed_file(tmp_path: Path):
    path = build_book(tmp_path / "book.pdf")
    navigation = read_navigation(path, page_count=6)
    assert navigation.page_name(2) == "1" and navigation.page_name(0) == "i"
    assert navigation.heading_at(2) == "Chapter One" and navigation.heading_at(3) == "Chapter One"
    assert read_navigation(path, page_count=7).labels == ()  # not the file annotated
    assert read_navigation(tmp_path / "gone.pdf").labels == ()


def test_markdown_notes_name_printed_pages_and_never_lines(book, tmp_path: Path):
    project, document = book
    text = document.text
    start = text.index("brown fox")
    project.annotate(document.id, start, start + 9, note="Why a fox?")
    start = text.index("second chapter opens")
    project.annotate(document.id, start, start + 20, symbol="?")
    start = text.index("A book needs")
    project.annotate(document.id, start, start + 12)
    out = tmp_path / "notes.md"
    export(project, "markdown", out)
    notes = out.read_text(encoding="utf-8")
    assert "> brown fox\n>\n> — p. 1\n" in notes  # physical page 3
    assert "> — ? · p. 3\n" in notes  # physical page 5
    assert "> — p. i\n" in notes
    assert "## Page 1\n" in notes and "## Page i\n" in notes
    assert "line" not in notes


def test_csv_page_column_is_the_printed_page(book, tmp_path: Path):
    project, document = book
    start = document.text.index("brown fox")
    project.annotate(document.id, start, start + 9)
    start = document.text.index("Contents")
    project.annotate(document.id, start, start + 8)
    out = tmp_path / "notes.csv"
    export(project, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [row["page"] for row in rows] == ["ii", "1"]


def test_section_summary_in_markdown_names_its_printed_pages(book, tmp_path: Path):
    project, document = book
    start, end = document.page_map[2][0], document.page_map[3][1]  # as the PDF view's section
    project.annotate(document.id, start, end, kind=AnnotationKind.SUMMARY, note="Patience.")
    out = tmp_path / "notes.md"
    export(project, "markdown", out)
    assert "**Section summary — “Chapter One”** (pp. 1–2):\n\nPatience." in out.read_text()


def test_the_annotation_list_and_the_page_indicator_say_the_printed_page(
    qtbot, book, tmp_path: Path
):
    from annotator.ui.preferences import Preferences
    from tests.test_ui_window import open_window

    project, document = book
    start = document.text.index("brown fox")
    project.annotate(document.id, start, start + 9, note="Why a fox?")
    start = document.text.index("A book needs")
    project.annotate(document.id, start, start + 12)
    window = open_window(qtbot, project, Preferences(tmp_path / "settings.ini"), document.id)
    try:
        assert window.area.showing_pdf
        model = window.list.model
        qtbot.waitUntil(lambda: model.rowCount() == 2)
        where = [model.data(model.index(row, model.WHERE)) for row in range(model.rowCount())]
        assert where == ["p. i", "p. 1"]
        window.pdf_view.go_to_page(2)
        qtbot.waitUntil(lambda: window.pdf_view.current_page() == 2)
        assert window.pdf.pdf_position_text() == "Page 1 (3 of 6)"
        thumbs = window.pdf.pages_panel.thumbs
        assert [thumbs.item(i).text() for i in range(thumbs.count())] == [
            "i", "ii", "1", "2", "3", "4",
        ]  # fmt: skip
        from PySide6.QtWidgets import QInputDialog

        asked: list[str] = []

        def answer(_parent, _title, label, text=""):
            asked.append(f"{label} [{text}]")
            return "ii", True

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(QInputDialog, "getText", answer)
            window.pdf.go_to_page()  # "Go to page" takes the printed number
        assert asked == ["Page as printed (i–4), or #N for the file's Nth page (1–6): [1]"]
        qtbot.waitUntil(lambda: window.pdf_view.current_page() == 1)
        qtbot.wait(100)  # the status bar lays out its new text
        SHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOTS / "page-labels-window.png"))
    finally:
        window.close()  # before the project closes
