"""Exports that say what the reader meant: the annotated PDF and the Markdown notes.

Every test goes through the real export (the registry's, as the CLI and the Export dialog
use it, and the window's Project.export_annotated_pdf) and opens what it wrote with PyMuPDF.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pymupdf
import pytest

from annotator.core.model import Annotation, AnnotationKind
from annotator.documents.pdf_annotations import hex_to_rgb
from annotator.formats.registry import export, import_file
from annotator.project import Project
from tests.test_page_labels import build_book

SHOTS = Path("/tmp/h1")


class Reading:
    """A book with one of each: a legend highlight with a note, a question mark, an
    exclamation mark, a comment, a section summary, a whole-reading summary and a link."""

    def __init__(self, tmp_path: Path) -> None:
        self.project = Project(tmp_path / "book.annotator")
        self.document, _ = self.project.add_document(build_book(tmp_path / "book.pdf"))
        p, d = self.project, self.document
        self.definition = p.legend().labels[0]
        self.highlight = p.annotate(
            d.id, *self.span("brown fox"), color=self.definition.color, note="A definition?"
        )
        self.question = p.annotate(d.id, *self.span("rewards patience"), symbol="?")
        self.exclaim = p.annotate(d.id, *self.span("opens with a claim"), symbol="!")
        self.comment = p.annotate(d.id, *self.span("argument continues"), note="Compare ch. 2")
        # A section as the PDF view makes one: its outline entry's pages (Chapter One).
        self.section = (d.page_map[2][0], d.page_map[3][1])
        self.summary = p.annotate(
            d.id, *self.section, kind=AnnotationKind.SUMMARY, note="Patience pays."
        )
        self.whole = p.annotate(d.id, 0, 0, kind=AnnotationKind.SUMMARY, note="A small book.")
        p.link(self.highlight.id, self.exclaim.id)

    def span(self, phrase: str) -> tuple[int, int]:
        start = self.document.text.index(phrase)
        return start, start + len(phrase)


@pytest.fixture
def reading(tmp_path: Path):
    r = Reading(tmp_path)
    yield r
    r.project.close()


def _by_registry(r: Reading, out: Path) -> None:
    result, _ = export(r.project, "pdf", out)
    assert result.warnings == []


def _by_window(r: Reading, out: Path) -> None:
    report = r.project.export_annotated_pdf(r.document.id, out)
    assert not report.skipped


EXPORTS: dict[str, Callable[[Reading, Path], None]] = {
    "registry": _by_registry,
    "window": _by_window,
}


def _annots(out: Path) -> list[dict]:
    """Every annotation of the file: page, type, subject, content, rectangle, colour."""
    found = []
    with pymupdf.open(out) as doc:
        for page in doc:
            for annot in page.annots():
                found.append(
                    {
                        "page": page.number,
                        "type": annot.type[1],
                        "subject": annot.info["subject"],
                        "content": annot.info["content"],
                        "rect": pymupdf.Rect(annot.rect),
                        "stroke": tuple(round(c, 3) for c in annot.colors["stroke"] or ()),
                        "words": page.get_text("text", clip=annot.rect),
                    }
                )
    return found


@pytest.mark.parametrize("way", sorted(EXPORTS))
def test_a_section_summary_is_a_note_at_its_start_not_a_highlight_over_it(
    reading: Reading, tmp_path: Path, way: str
):
    out = tmp_path / "out.pdf"
    EXPORTS[way](reading, out)
    annots = _annots(out)
    summaries = [a for a in annots if a["subject"] == "Section summary"]
    assert len(summaries) == 1
    note = summaries[0]
    assert note["type"] == "Text" and note["page"] == 2  # the section's first page
    assert note["content"].startswith("Section summary: Chapter One (pp. 1–2)")
    assert note["content"].endswith("Patience pays.")
    # An icon in the left margin beside the heading, covering no word of the section.
    assert note["rect"].width <= 24 and note["rect"].x1 < 72
    assert note["words"].strip() == ""
    assert not [a for a in annots if a["page"] == 3 and a["type"] != "Highlight"]
    painted = [a for a in annots if a["type"] == "Highlight" and "Chapter One" in a["words"]]
    assert painted == []


@pytest.mark.parametrize("way", sorted(EXPORTS))
def test_symbols_are_underlines_whose_subject_and_content_carry_them(
    reading: Reading, tmp_path: Path, way: str
):
    out = tmp_path / "out.pdf"
    EXPORTS[way](reading, out)
    marks = {a["subject"]: a for a in _annots(out) if a["subject"] in ("?", "!")}
    assert set(marks) == {"?", "!"}
    assert marks["?"]["type"] == "Underline" and marks["?"]["content"] == "?"
    assert " ".join(marks["?"]["words"].split()) == "rewards patience"
    assert marks["!"]["type"] == "Underline" and marks["!"]["page"] == 4
    assert marks["!"]["stroke"] != tuple(round(c, 3) for c in hex_to_rgb("#ffd54f"))


@pytest.mark.parametrize("way", sorted(EXPORTS))
def test_highlights_stay_highlights_with_their_legend_colour_meaning_and_note(
    reading: Reading, tmp_path: Path, way: str
):
    out = tmp_path / "out.pdf"
    EXPORTS[way](reading, out)
    highlight = next(a for a in _annots(out) if a["content"] == "A definition?")
    assert highlight["type"] == "Highlight"
    assert highlight["subject"] == reading.definition.name  # what the colour means
    expected = tuple(round(c, 3) for c in hex_to_rgb(reading.definition.color))
    assert highlight["stroke"] == expected
    assert "brown fox" in " ".join(highlight["words"].split())
    comment = next(a for a in _annots(out) if a["content"] == "Compare ch. 2")
    assert comment["type"] == "Highlight"
    assert comment["stroke"] != expected  # an uncoloured comment is not "definition" yellow


@pytest.mark.parametrize("way", sorted(EXPORTS))
def test_links_are_notes_naming_the_other_passage_and_its_printed_page(
    reading: Reading, tmp_path: Path, way: str
):
    out = tmp_path / "out.pdf"
    EXPORTS[way](reading, out)
    links = {a["page"]: a for a in _annots(out) if a["subject"] == "Link"}
    assert set(links) == {2, 4}
    assert links[2]["type"] == "Text"
    assert links[2]["content"] == "Connects to “opens with a claim” (p. 3)"
    assert links[4]["content"] == "Connected from “brown fox” (p. 1)"
    assert links[2]["words"].strip() == ""  # in the margin


def test_a_link_to_a_section_summary_names_its_heading_not_the_section(
    reading: Reading, tmp_path: Path
):
    reading.project.link(reading.comment.id, reading.summary.id)
    out = tmp_path / "out.pdf"
    _by_window(reading, out)
    contents = [a["content"] for a in _annots(out) if a["subject"] == "Link"]
    assert "Connects to the summary of “Chapter One” (pp. 1–2)" in contents
    assert not [c for c in contents if "quick brown fox jumps" in c]


def test_the_whole_reading_summary_is_a_note_on_the_first_page(reading: Reading, tmp_path):
    out = tmp_path / "out.pdf"
    _by_registry(reading, out)
    whole = [a for a in _annots(out) if a["subject"] == "Summary of the whole reading"]
    assert [(a["type"], a["page"]) for a in whole] == [("Text", 0)]
    assert whole[0]["content"] == "Summary of the whole reading\n\nA small book."


def _meaning(a: Annotation) -> tuple:
    return (a.id, a.kind, a.start, a.end, a.symbol, a.label, a.note, a.color)


def test_importing_our_export_gives_back_the_same_kinds_symbols_notes_and_links(
    reading: Reading, tmp_path: Path
):
    out = tmp_path / "out.pdf"
    _by_registry(reading, out)
    fresh = Project(tmp_path / "fresh.annotator")
    try:
        report = import_file(fresh, out)
        assert report.warnings == [] and report.annotations_added == 6
        assert {_meaning(a) for a in fresh.annotations()} == {
            _meaning(a) for a in reading.project.annotations()
        }
        links = {(x.from_annotation, x.to_annotation) for x in fresh.links()}
        assert links == {(reading.highlight.id, reading.exclaim.id)}
        again = import_file(fresh, out)  # the same file twice adds nothing
        assert again.annotations_added == 0 and len(fresh.links()) == 1
    finally:
        fresh.close()


def test_the_windows_pdf_import_of_our_export_gives_back_the_same_kinds(
    reading: Reading, tmp_path: Path
):
    out = tmp_path / "out.pdf"
    _by_window(reading, out)
    fresh = Project(tmp_path / "fresh.annotator")
    try:
        document, _ = fresh.add_document(out)
        added, changes = fresh.import_pdf_marks(document.id)
        assert {_meaning(a) for a in added} == {_meaning(a) for a in reading.project.annotations()}
        assert not [a for a in added if a.note.startswith("Connect")]  # links are no comments
        links = {(x.from_annotation, x.to_annotation) for x in fresh.links()}
        assert links == {(reading.highlight.id, reading.exclaim.id)}
        fresh.undo_import(changes)  # one step takes back the annotations and the link
        assert fresh.annotations() == [] and fresh.links() == []
        assert fresh.import_pdf_annotations(document.id) == []  # undone ids stay known
    finally:
        fresh.close()


def test_the_exported_pdf_rendered_shows_notes_beside_the_text(reading: Reading, tmp_path):
    out = tmp_path / "out.pdf"
    _by_window(reading, out)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with pymupdf.open(out) as doc:
        pix = doc[2].get_pixmap(annots=True, dpi=110)
        pix.save(SHOTS / "exported-page-1.png")
        # The section is not painted over: its heading line shows paper and ink, no colour.
        line = doc[2].get_pixmap(annots=True, dpi=72, clip=pymupdf.Rect(70, 85, 560, 106))
        samples = line.samples
        colours = {tuple(samples[i : i + 3]) for i in range(0, len(samples), 3)}
        assert all(max(c) - min(c) < 16 for c in colours)  # greys only


# -- Markdown notes --------------------------------------------------------------------------


def test_markdown_notes_have_links_headings_and_two_kinds_of_summary(reading, tmp_path):
    out = tmp_path / "notes.md"
    export(reading.project, "markdown", out)
    notes = out.read_text(encoding="utf-8")
    assert notes.count("**Summary of the whole reading:**\n\nA small book.") == 1
    assert "**Section summary — “Chapter One”** (pp. 1–2):\n\nPatience pays." in notes
    assert "The quick brown fox jumps" not in notes  # the section is not quoted whole
    assert "- Connects to “opens with a claim” (p. 3)" in notes
    assert "- Connected from “brown fox” (p. 1)" in notes
    assert "line" not in notes
    reading.project.link(reading.comment.id, reading.summary.id)
    export(reading.project, "markdown", out)
    notes = out.read_text(encoding="utf-8")
    assert "- Connects to the summary of “Chapter One” (pp. 1–2)" in notes
    assert "- Connected from “argument continues” (p. 2)" in notes


def test_markdown_notes_of_a_markdown_reading_quote_the_sections_heading(project, tmp_path):
    text = "# Act One\n\nTo be, or *not* to be.\n\n## Scene Two\n\nThe **rest** is silence.\n"
    document, _ = project.add_text("play.md", text)
    start = text.index("## Scene Two")
    summary = project.annotate(
        document.id, start, len(text), kind=AnnotationKind.SUMMARY, note="Silence."
    )
    start = text.index("not")
    question = project.annotate(document.id, start, start + 5, symbol="?")
    project.link(question.id, summary.id)
    out = tmp_path / "notes.md"
    export(project, "markdown", out)
    notes = out.read_text(encoding="utf-8")
    assert "**Section summary — “Scene Two”** (line 5):\n\nSilence." in notes
    assert "rest" not in notes
    assert "- Connects to the summary of “Scene Two” (line 5)" in notes
    assert "- Connected from “not\\*” (line 3)" in notes


def test_opening_our_export_in_the_window_imports_the_same_kinds_and_links_as_one_step(
    qtbot, reading: Reading, tmp_path: Path, monkeypatch
):
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QMessageBox

    from annotator.ui.main_window import MainWindow
    from annotator.ui.preferences import Preferences

    out = tmp_path / "out.pdf"
    _by_window(reading, out)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    fresh = Project(tmp_path / "fresh.annotator")
    window = MainWindow(fresh, Preferences(tmp_path / "settings.ini"))
    qtbot.addWidget(window)
    try:
        window.resize(1200, 850)
        window.show()
        window.activateWindow()
        assert QTest.qWaitForWindowActive(window)
        assert window.open_pdf_path(str(out))
        qtbot.waitUntil(lambda: window.document is not None, timeout=15000)
        qtbot.waitUntil(lambda: len(fresh.annotations()) == 6, timeout=10000)
        assert {_meaning(a) for a in fresh.annotations()} == {
            _meaning(a) for a in reading.project.annotations()
        }
        assert len(fresh.links()) == 1
        model = window.list.model
        qtbot.waitUntil(lambda: model.rowCount() == 6)
        passages = [model.data(model.index(row, model.PASSAGE)) for row in range(6)]
        assert "(the section “Chapter One”)" in passages  # not the whole section quoted
        qtbot.wait(100)
        SHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOTS / "imported-export-window.png"))
        window.undo.undo()  # the import, its link included, is one step
        assert fresh.annotations() == [] and fresh.links() == []
        window.undo.redo()
        assert len(fresh.annotations()) == 6 and len(fresh.links()) == 1
        qtbot.wait(100)  # the panels' deferred reloads run while the project is open
    finally:
        window.close()
        fresh.close()


def test_a_section_summary_stands_beside_its_heading_not_the_running_header(tmp_path: Path):
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 40), "A Running Header 7", fontsize=9)
    page.insert_text((72, 120), "The end of an earlier section.", fontsize=12)
    page.insert_text((72, 300), "3.1 Close Reading", fontsize=16)
    page.insert_text((72, 330), "Its first sentence.", fontsize=12)
    doc.set_toc([[1, "Close Reading", 1]])
    doc.save(tmp_path / "headed.pdf")
    project = Project(tmp_path / "p.annotator")
    try:
        document, _ = project.add_document(tmp_path / "headed.pdf")
        start, end = document.page_map[0]
        project.annotate(document.id, start, end, kind=AnnotationKind.SUMMARY, note="Read it.")
        out = tmp_path / "out.pdf"
        _by_window_of(project, document.id, out)
        (note,) = _annots(out)
        assert note["content"].startswith("Section summary: Close Reading (p. 1)")
        assert 280 < note["rect"].y0 < 300  # beside "3.1 Close Reading", not the header
    finally:
        project.close()


def _by_window_of(project: Project, document_id: str, out: Path) -> None:
    assert not project.export_annotated_pdf(document_id, out).skipped


def test_markdown_notes_of_a_selected_passage_keep_the_links_inside_it(reading, tmp_path):
    from annotator.formats.exchange import ExportScope
    from annotator.ui.export_dialog import ExportRequest, run_export

    page_two = reading.document.page_map[2]
    page_four = reading.document.page_map[4]
    out = tmp_path / "passage.md"
    scope = ExportScope(document_ids=(reading.document.id,))
    request = ExportRequest(
        "markdown", out, scope, (reading.document.id, page_two[0], page_four[1])
    )
    run_export(reading.project, request)
    notes = out.read_text(encoding="utf-8")
    assert "- Connects to “opens with a claim” (p. 3)" in notes
    request = ExportRequest("markdown", out, scope, (reading.document.id, *page_two))
    run_export(reading.project, request)
    assert "Connects to" not in out.read_text(encoding="utf-8")  # its other end is outside


@pytest.mark.parametrize(
    "data",
    [
        '{"v": 1, "kind": "doc_label", "start": -5, "end": 99999, "links": [[1, 2]], "symbol": 7}',
        '{"v": 1, "kind": "no such kind", "note": ["not", "text"]}',
        "{not json",
        '{"v": 2, "kind": "summary"}',
    ],
)
def test_annotator_data_that_is_not_ours_or_is_damaged_leaves_a_plain_highlight(
    tmp_path: Path, data: str
):
    path = build_book(tmp_path / "book.pdf")
    with pymupdf.open(path) as doc:
        page = doc[2]
        (quad,) = page.search_for("brown fox", quads=True)
        annot = page.add_highlight_annot(quad)
        annot.set_info(content="Someone's note")
        doc.xref_set_key(annot.xref, "AnnotatorData", pymupdf.get_pdf_str(data))
        annot.update()
        doc.save(tmp_path / "marked.pdf")
    project = Project(tmp_path / "p.annotator")
    try:
        report = import_file(project, tmp_path / "marked.pdf")
        (a,) = project.annotations()
        assert report.annotations_added == 1 and project.links() == []
        assert a.kind == AnnotationKind.COMMENT and a.quote == "brown fox"
        assert a.note == "Someone's note" and a.symbol is None
    finally:
        project.close()


def test_notes_edited_in_another_reader_come_back_edited(reading: Reading, tmp_path: Path):
    out = tmp_path / "out.pdf"
    _by_registry(reading, out)
    edits = {
        "A definition?": "A definition, says Okular.",
        "?": "? Why patience?",
        "Section summary: Chapter One (pp. 1–2)\n\nPatience pays.": (
            "Section summary: Chapter One (pp. 1–2)\n\nPatience pays, mostly."
        ),
    }
    with pymupdf.open(out) as doc:
        for page in doc:
            for annot in page.annots():
                if annot.info["content"] in edits:
                    annot.set_info(content=edits[annot.info["content"]])
                    annot.update()
        doc.save(tmp_path / "edited.pdf")
    fresh = Project(tmp_path / "fresh.annotator")
    try:
        import_file(fresh, tmp_path / "edited.pdf")
        notes = {a.id: a.note for a in fresh.annotations()}
        assert notes[reading.highlight.id] == "A definition, says Okular."
        assert notes[reading.question.id] == "Why patience?"
        assert notes[reading.summary.id] == "Patience pays, mostly."
        assert notes[reading.comment.id] == "Compare ch. 2"  # untouched
    finally:
        fresh.close()
