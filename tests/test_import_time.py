"""What start-up imports: each command and the window load only what they use (issue 18).

Every check runs in a fresh interpreter and reads its ``sys.modules`` at the end, so what
this test process has already imported cannot hide an import. No timings here: those are
``bench/bench_startup.py``'s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.project import Project
from annotator.samples import add_sample_reading

#: Heavy libraries none of the checked paths uses: spaCy (and thinc under it), PyMuPDF's
#: layout analysis and LLM helpers (onnxruntime, an ONNX model), pandas (sqlite-utils
#: imports it whenever it is installed), numpy.
HEAVY = ("spacy", "thinc", "pymupdf.layout", "pymupdf4llm", "onnxruntime", "pandas", "numpy")
#: What the command line's --version, list and export --format json do not use either.
NOT_FOR_COMMANDS = (*HEAVY, "pymupdf", "PySide6", "sqlite_utils")

_REPORT = "MODULES "
_PROBE = """
import json, sys
{body}
sys.stdout.flush()
print({report!r} + json.dumps(sorted(sys.modules)), file=sys.stderr)
"""
_COMMAND = """
from annotator.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:  # argparse's --version
    code = stop.code
assert not code, code
"""


def _modules(body: str, *args: str, cwd: Path) -> set[str]:
    """The modules a fresh interpreter has imported after running ``body``."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(cwd / "config"))
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(body=body, report=_REPORT), *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stderr.splitlines() if x.startswith(_REPORT))
    return set(json.loads(line[len(_REPORT) :]))


def _imported(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(name for name in names if name in modules)


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    path = tmp_path / "p.annotator"
    with Project(path) as project:
        add_sample_reading(project)  # a document with a few annotations
    return path


@pytest.mark.parametrize(
    "verb",
    [["--version"], ["list"], ["list", "--json"], ["export", "--format", "json"]],
    ids=" ".join,
)
def test_import_time_command_loads_only_what_it_uses(project_path, tmp_path, verb):
    args = verb if verb == ["--version"] else ["--project", str(project_path), *verb]
    modules = _modules(_COMMAND, *args, cwd=tmp_path)
    assert _imported(modules, NOT_FOR_COMMANDS) == []


def test_import_time_new_project_does_not_load_pandas(tmp_path):
    # Creating the schema goes through sqlite-utils, which imports pandas and numpy when
    # they are installed; the store hides them from it (annotator.store.sqlite).
    modules = _modules(_COMMAND, "--project", str(tmp_path / "new.annotator"), "list", cwd=tmp_path)
    assert "sqlite_utils" in modules
    assert _imported(modules, HEAVY) == []


def test_import_time_pdf_text_without_layout_analysis(tmp_path):
    body = """
from annotator.documents.pdf_library import pymupdf
pdf = pymupdf.open()
pdf.new_page().insert_text((72, 72), "Histories make men wise.")
from annotator.documents import load_document
pdf.save("a.pdf")
assert "Histories make men wise" in load_document("a.pdf").text
"""
    modules = _modules(body, cwd=tmp_path)
    assert "pymupdf" in modules
    assert _imported(modules, HEAVY) == []


def test_import_time_pdf_module_imports_pymupdf_when_a_file_is_opened(tmp_path):
    # The window imports annotator.documents.pdf before it knows whether it shows a PDF.
    body = """
import annotator.documents.pdf, annotator.documents
assert "pymupdf" not in sys.modules
"""
    _modules(body, cwd=tmp_path)


def test_import_time_layout_analysis_stays_importable(tmp_path):
    body = """
import annotator.documents.pdf
import pymupdf, pymupdf.layout
assert callable(pymupdf._get_layout)
"""
    assert "pymupdf.layout" in _modules(body, cwd=tmp_path)


def test_import_time_nlp_modules_import_spacy_only_when_used(tmp_path):
    body = """
import annotator.nlp.chunks, annotator.nlp.models, annotator.nlp.sentiment
import annotator.nlp.suggest, annotator.nlp.tokens
assert "spacy" not in sys.modules
"""
    _modules(body, cwd=tmp_path)


def test_import_time_formats_registry_imports_only_the_format_used(tmp_path, project_path):
    body = """
from annotator.formats import registry
from annotator.project import Project
names = registry.export_names()
with Project(sys.argv[1]) as project:
    registry.export(project, "csv", None)
"""
    modules = _modules(body, str(project_path), cwd=tmp_path)
    assert "annotator.formats.csv_notes" in modules
    formats = sorted(m for m in modules if m.startswith("annotator.formats."))
    for other in ("conll", "spacy_docbin", "pdf", "brat", "prodigy", "w3c", "doccano"):
        assert f"annotator.formats.{other}" not in formats
    assert _imported(modules, HEAVY) == []


# The window's start-up imports go through annotator/ui (being restructured separately):
# checked here, so that a chain that brings spaCy, PyMuPDF's layout or pandas back fails.
def test_import_time_window_modules_load_no_heavy_library(tmp_path):
    body = """
import annotator.app
from annotator.ui.main_window import MainWindow
from annotator.ui.welcome import maybe_show_welcome
from annotator.ui.recovery import recover_at_start
import annotator.samples, annotator.project
"""
    modules = _modules(body, cwd=tmp_path)
    assert _imported(modules, HEAVY) == []
