"""The agreement package stays pure: no Qt, no SQL, no spaCy (architecture.md, agreement/)."""

from __future__ import annotations

import subprocess
import sys


def test_agreement_package_imports_no_qt_sql_or_spacy():
    forbidden = ["PySide6", "spacy", "sqlite3", "sqlite_utils", "fitz", "pymupdf"]
    code = (
        "import sys, annotator.agreement\n"
        f"print(sorted(m for m in {forbidden!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]", f"annotator.agreement pulled in {out}"


def test_agreement_public_api_is_exported():
    import annotator.agreement as agreement

    for name in agreement.__all__:
        assert getattr(agreement, name).__doc__ or name.isupper(), f"{name} has no docstring"
