"""The annotated PDF export, and importing a PDF's own highlights."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.errors import AnnotatorError
from annotator.formats.registry import export, import_file
from annotator.project import Project
from tests.test_documents_pdf import build_pdf


@pytest.fixture
def pdf_project(tmp_path: Path):
    path = build_pdf(tmp_path / "reading.pdf", scanned=False, rotated=False)
    project = Project(tmp_path / "p.annotator")
    document, _ = project.add_document(path)
    text = document.text
    start = text.index("brown fox")
    project.switch_annotator("ada")
    project.annotate(document.id, start, start + 9, note="Why a fox?", color="#ff0000")
    start = text.index("Close reading")
    project.annotate(document.id, start, start + 13, label="Motif", symbol="!")
    yield project, document
    project.close()


def test_pdf_export_writes_highlights_that_import_back_the_same(pdf_project, tmp_path):
    project, _ = pdf_project
    out = tmp_path / "annotated.pdf"
    result, _ = export(project, "pdf", out)
    assert result.warnings == []  # symbols are written too (as underlines carrying them)
    fresh = Project(tmp_path / "fresh.annotator")
    report = import_file(fresh, out)  # detected as pdf
    assert report.documents_added == 1 and report.annotations_added == 2
    original = {(a.start, a.end, a.note, a.label, a.symbol, a.id) for a in project.annotations()}
    imported = {(a.start, a.end, a.note, a.label, a.symbol, a.id) for a in fresh.annotations()}
    assert imported == original
    names = {a.id: a.name for a in fresh.annotators()}
    assert {names[a.annotator_id] for a in fresh.annotations()} == {"ada"}
    fresh.close()


def test_pdf_export_of_a_text_document_says_what_to_use_instead(project, tmp_path):
    project.add_text("plain", "just text")
    with pytest.raises(AnnotatorError, match="not a PDF"):
        export(project, "pdf", tmp_path / "x.pdf")


def test_cli_pdf_export_of_one_document(pdf_project, tmp_path):
    project, document = pdf_project
    out = tmp_path / "OUT.pdf"
    code = main(["--project", str(project.path), "export", "--format", "pdf", "--document",
                 document.id, "-o", str(out)])  # fmt: skip
    assert code == 0 and out.stat().st_size > 0
