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


# -- one writer and announcer, no import circles (issue 14) --------------------------------

#: Front ends and formats: they call the service, never write or announce for it.
NOT_SERVICE_DIRS = (PACKAGE / "ui", PACKAGE / "formats")
NOT_SERVICE_FILES = {PACKAGE / "cli.py", PACKAGE / "app.py", PACKAGE / "__main__.py"}
#: The only places that may touch a ``.store`` attribute (the service's own store).
STORE_OWNERS = {PACKAGE / "project.py"}


def _module_names() -> dict[str, Path]:
    names = {}
    for path in _modules():
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _import_targets(module: str, path: Path, node: ast.AST) -> list[str]:
    """The dotted names an import node (at any level, in a function too) may load."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            package = module.split(".")
            if path.name != "__init__.py":
                package = package[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join(package + ([node.module] if node.module else []))
        return [base] + [f"{base}.{alias.name}" for alias in node.names]
    if (
        isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return [node.args[0].value]
    return []


def _import_graph() -> dict[str, set[str]]:
    """annotator's modules and the annotator modules each imports: module-level, inside
    functions, under TYPE_CHECKING, relative, and through ``importlib.import_module``."""
    modules = _module_names()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _import_targets(name, path, node):
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_circle_finder_sees_function_level_and_relative_imports(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]
    tree = ast.parse("def f():\n    from .sibling import x\n    importlib.import_module('p.q')\n")
    targets = [t for n in ast.walk(tree) for t in _import_targets("p.mod", tmp_path / "m.py", n)]
    assert "p.sibling" in targets and "p.sibling.x" in targets and "p.q" in targets


def test_no_import_circles_anywhere_in_the_package():
    """Dependencies go one way: a module never imports (even lazily, even for typing) a
    module that imports it back. The service takes what it needs as parameters instead."""
    graph = _import_graph()
    circles = _circles(graph)
    described = [
        " / ".join(f"{m} -> {sorted(graph[m] & set(group))}" for m in group) for group in circles
    ]
    assert described == []


def _in_front_end_or_formats(path: Path) -> bool:
    return path in NOT_SERVICE_FILES or any(d in path.parents for d in NOT_SERVICE_DIRS)


STORE_IMPORTERS = {PACKAGE / "project.py", PACKAGE / "recovery.py"}


def test_store_is_touched_only_by_the_project_and_the_store_package():
    """``.store`` is the service's own connection: service modules call Project methods
    (or :meth:`Project.edit`). Only project.py and recovery.py (closed project files:
    backups, salvage, the SQLite in use) import ``annotator.store``."""
    offenders = []
    for path in _modules():
        if path in STORE_OWNERS or SQL_ALLOWED_DIR in path.parents:
            continue
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "store":
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .store")
            elif path not in STORE_IMPORTERS:
                for target in _import_targets(module, path, node):
                    if target == "annotator.store" or target.startswith("annotator.store."):
                        offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {target}")
                        break
    assert offenders == []


def _emitted_signal(node: ast.AST) -> str | None:
    """``events.<signal>`` when ``node`` is a call ``<...>events.<signal>.emit(...)``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    if node.func.attr != "emit" or not isinstance(node.func.value, ast.Attribute):
        return None
    owner = node.func.value.value
    named = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
    return f"events.{node.func.value.attr}" if named == "events" else None


def test_emit_finder_sees_project_events_however_reached():
    for code in ("self.project.events.documents_changed.emit()", "events.links_changed.emit()"):
        assert _emitted_signal(ast.parse(code).body[0].value) is not None  # type: ignore[attr-defined]
    assert _emitted_signal(ast.parse("self.changed.emit()").body[0].value) is None  # type: ignore[attr-defined]


def test_project_events_are_announced_only_by_the_service():
    """The service writes and announces: formats build and parse, the ui and the command
    line call the service (a ui redraw request is a ui-side signal, not a project event)."""
    offenders = []
    for path in _modules():
        if not _in_front_end_or_formats(path):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            signal = _emitted_signal(node)
            if signal is not None:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {signal}.emit")
    assert offenders == []


def _window_imports(path: Path) -> list[int]:
    """Lines of ``path`` that import the main window module (any form, any depth)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = {alias.name for alias in node.names}
            if module.endswith("main_window") or "MainWindow" in names or "main_window" in names:
                lines.append(node.lineno)
        elif isinstance(node, ast.Import) and any(
            alias.name.endswith("main_window") for alias in node.names
        ):
            lines.append(node.lineno)
    return lines


def test_only_the_app_builds_the_main_window_no_ui_part_imports_it():
    """The window's parts talk to it through ui/shell.Shell; only app.py makes one."""
    allowed = {PACKAGE / "ui" / "main_window.py", PACKAGE / "app.py"}
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in _modules()
        if path not in allowed
        for line in _window_imports(path)
    ]
    assert offenders == []


def test_no_part_of_the_window_watches_state_on_a_timer():
    """What is open has an event (ReadingSession.document_opened): no polling of it."""
    offenders = []
    for path in (PACKAGE / "ui").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "_watch_timer" in text or "_watch_document" in text:
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_the_main_window_is_a_shell_not_a_hub():
    """Annotating, legend, find, PDFs and documents live in their own controllers."""
    source = (PACKAGE / "ui" / "main_window.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    window = next(
        node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "MainWindow"
    )
    assert [base.id for base in window.bases if isinstance(base, ast.Name)] == ["QMainWindow"]
    assert "self: Any" not in source
    methods = {node.name for node in window.body if isinstance(node, ast.FunctionDef)}
    for moved in ("highlight", "comment", "_find", "_refresh_label_sets", "_pdf_hashed"):
        assert moved not in methods
    for moved in ("_on_added", "_update_counts", "_refresh_filter_choices", "toggle_focus"):
        assert moved not in methods
    assert len(source.splitlines()) <= 650  # a shell; new work goes into a part
