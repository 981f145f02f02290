"""Issue 19, items 5, 13 and 14: the annotated PDF export and the PDF import stay safe and fast.

A replaced source file is refused (annotations would land on other words), absurd areas are
clamped or dropped on import and skipped on export, and many highlights on one page cost
linear time.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pymupdf
import pytest

from annotator.cli import main
from annotator.core.errors import AnnotatorError
from annotator.documents.pdf import load_pdf
from annotator.documents.pdf_annotations import PdfMark, read_pdf_annotations, write_annotated_pdf
from annotator.formats.registry import export, import_file
from annotator.project import Project


def _text_pdf(path: Path, lines: list[str], *, font_size: float = 12) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=900, height=max(842, 60 + len(lines) * (font_size + 2)))
    for k, line in enumerate(lines):
        page.insert_text((40, 50 + (font_size + 2) * k), line, fontsize=font_size)
    doc.save(path)
    doc.close()
    return path


# -- item 5: a replaced source file ----------------------------------------------------------


def test_pdf_export_refuses_a_source_file_replaced_by_another(tmp_path: Path):
    path = _text_pdf(tmp_path / "speech.pdf", ["They said this is Obama at the podium."])
    project = Project(tmp_path / "p.annotator")
    document, _ = project.add_document(path)
    start = document.text.index("this is Obama")
    project.annotate(document.id, start, start + len("this is Obama"), note="who?")
    _text_pdf(path, ["Another text entirely: Pamela Michaels spoke first."])
    out = tmp_path / "annotated.pdf"
    with pytest.raises(AnnotatorError, match="re-anchor") as caught:
        export(project, "pdf", out)
    assert f"annotator reanchor {document.id}" in str(caught.value)
    assert not out.exists()
    project.close()


def test_cli_pdf_export_onto_a_replaced_file_fails_with_one_line(tmp_path: Path, capsys):
    path = _text_pdf(tmp_path / "speech.pdf", ["They said this is Obama at the podium."])
    project = Project(tmp_path / "p.annotator")
    document, _ = project.add_document(path)
    project.annotate(document.id, 0, 4)
    project.close()
    _text_pdf(path, ["Another text entirely: Pamela Michaels spoke first."])
    code = main(["--project", str(tmp_path / "p.annotator"), "export", "--format", "pdf",
                 "-o", str(tmp_path / "out.pdf")])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code != 0 and "re-anchor" in err and "Traceback" not in err
    assert not (tmp_path / "out.pdf").exists()


def test_pdf_export_of_an_unchanged_file_still_works(tmp_path: Path):
    path = _text_pdf(tmp_path / "speech.pdf", ["They said this is Obama at the podium."])
    project = Project(tmp_path / "p.annotator")
    document, _ = project.add_document(path)
    project.annotate(document.id, 0, 4)
    export(project, "pdf", tmp_path / "annotated.pdf")
    assert (tmp_path / "annotated.pdf").stat().st_size > 0
    project.close()


# -- item 13: absurd areas ---------------------------------------------------------------------


def _pdf_with_absurd_areas(path: Path) -> Path:
    """One good Square, one empty, one reaching far past the page, one wholly off it."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), "A page with a figure and some words.", fontsize=12)
    for raw in (None, "[100 100 100 100]", "[-100000 -100000 100000 100000]",
                "[5000 5000 6000 6000]"):  # fmt: skip
        annot = page.add_rect_annot(pymupdf.Rect(50, 200, 250, 300))
        annot.update()
        if raw is not None:
            doc.xref_set_key(annot.xref, "Rect", raw)
    doc.save(path)
    doc.close()
    return path


def test_pdf_import_clamps_or_drops_absurd_areas_and_says_how_many(tmp_path: Path):
    path = _pdf_with_absurd_areas(tmp_path / "figure.pdf")
    project = Project(tmp_path / "p.annotator")
    report = import_file(project, path)
    assert report.annotations_added >= 1
    warnings = " ".join(report.warnings)
    assert "1 areas reached past their page" in warnings
    assert "2 areas were empty, NaN or off their page" in warnings
    width, height = 595, 842
    for a in project.annotations():
        x0, y0, x1, y1 = a.rect
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    result, _ = export(project, "pdf", tmp_path / "annotated.pdf")  # no ValueError
    assert not any("not written" in w for w in result.warnings)
    project.close()


def test_pdf_export_skips_and_counts_unusable_areas_instead_of_failing(tmp_path: Path):
    path = _text_pdf(tmp_path / "r.pdf", ["Some words on a page."])
    loaded = load_pdf(path)
    marks = [
        PdfMark(start=0, end=0, page=0, rect=(10.0, 10.0, 10.0, 10.0), id="empty"),
        PdfMark(start=0, end=0, page=0, rect=(math.nan, 0.0, 50.0, 50.0), id="nan"),
        PdfMark(start=0, end=0, page=0, rect=(0.0, 0.0, math.inf, 50.0), id="infinite"),
        PdfMark(start=0, end=0, page=0, rect=(9000.0, 9000.0, 9100.0, 9100.0), id="off"),
        PdfMark(start=0, end=0, page=0, rect=(10.0, 10.0, 90.0, 60.0), id="good"),
        PdfMark(start=0, end=4, id="words"),
    ]
    out = tmp_path / "annotated.pdf"
    report = write_annotated_pdf(path, out, marks, loaded)
    assert report.written == 2
    assert sorted(mark.id for mark, _ in report.skipped) == ["empty", "infinite", "nan", "off"]
    assert {m.id for m in read_pdf_annotations(out, loaded)} == {"good", "words"}


# -- item 14: linear in the number of highlights ----------------------------------------------


def _many_highlights(path: Path, count: int) -> Path:
    """A dense page with ``count`` highlights written by PyMuPDF, one per word."""
    words = ["alpha", "beta", "gamma", "delta", "omega", "sigma"]
    lines = [" ".join(words[(k + i) % 6] for i in range(12)) for k in range(count // 12 + 1)]
    _text_pdf(path, lines, font_size=6)
    doc = pymupdf.open(path)
    page = doc[0]
    boxes = [w[:4] for w in page.get_text("words")][:count]
    for box in boxes:
        page.add_highlight_annot(pymupdf.Rect(box))
    doc.save(path, incremental=True, encryption=pymupdf.PDF_ENCRYPT_KEEP)
    doc.close()
    return path


@pytest.mark.slow
def test_pdf_import_time_grows_linearly_with_highlights_on_one_page(tmp_path: Path):
    timings = {}
    for count in (200, 800):
        path = _many_highlights(tmp_path / f"h{count}.pdf", count)
        loaded = load_pdf(path)
        began = time.perf_counter()
        marks = read_pdf_annotations(path, loaded)
        timings[count] = time.perf_counter() - began
        assert len(marks) == count
    # Linear gives ~4×; scanning every character per highlight gave ~16×.
    assert timings[800] < 8 * timings[200] + 0.2, timings
