"""Layering rules that keep the core testable: Qt lives only in ui/ and app.py."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "annotator"
QT_ALLOWED = {PACKAGE / "app.py"}
SQL_ALLOWED_DIR = PACKAGE / "store"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules():
    return [p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts]


def test_pyside6_is_imported_only_by_the_ui_and_the_app():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in _modules()
        if "PySide6" in _imports(path)
        and path not in QT_ALLOWED
        and (PACKAGE / "ui") not in path.parents
    ]
    assert offenders == []


def test_sqlite_is_used_only_by_the_store():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in _modules()
        if {"sqlite3", "sqlite_utils"} & _imports(path) and SQL_ALLOWED_DIR not in path.parents
    ]
    assert offenders == []


def test_core_depends_on_nothing_heavier_than_the_standard_library():
    heavy = {"PySide6", "spacy", "sqlite_utils", "sqlite3", "pymupdf", "fitz", "numpy"}
    for path in (PACKAGE / "core").rglob("*.py"):
        assert not heavy & _imports(path), path


def test_widgets_go_through_the_service_not_the_store():
    """The UI calls Project methods; ``project.store`` is the service's own business."""
    offenders = []
    for path in _modules():
        if (PACKAGE / "ui") not in path.parents and path not in QT_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "store":
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []
