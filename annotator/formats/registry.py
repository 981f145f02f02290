"""The table of formats: name → exporter and importer, and the two entry points.

The CLI and the GUI's File → Export / Import both call :func:`export` and
:func:`import_file`; neither knows a format module. A text format can be written to
standard output; ``spacy``, ``brat`` and ``pdf`` need a path (brat writes a folder, or a
``.zip``). Every export returns the warnings of what the format could not hold.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.core.errors import AnnotatorError
from annotator.core.words import agree, counted
from annotator.formats.exchange import (
    ExportData,
    ExportResult,
    ExportScope,
    ImportResult,
    IncomingDocument,
    apply_import,
    collect,
    load_json,
    read_utf8,
)
from annotator.outputs import (
    ProtectedFiles,
    refuse_unsafe_output,
    write_file,
    write_folder,
    write_text,
)

if TYPE_CHECKING:
    from annotator.formats.native import WrittenCounts
    from annotator.project import Project

TextExporter = Callable[[ExportData], tuple[str, list[str]]]
FileExporter = Callable[[ExportData, Path], list[str]]
Parser = Callable[[Path], tuple[list[IncomingDocument], list[str]]]


@dataclass(frozen=True, slots=True)
class FormatSpec:
    """One format: what it is called, its file extensions, and how to write and read it.

    Exactly one of ``to_text`` (a text file, or standard output) and ``to_path`` (a binary
    file or a folder) is set for formats that export; ``parse`` for formats that import.
    """

    name: str
    description: str
    extensions: tuple[str, ...]
    to_text: TextExporter | None = None
    to_path: FileExporter | None = None
    parse: Parser | None = None
    text_encoding: str = "utf-8"

    @property
    def exports(self) -> bool:
        return self.to_text is not None or self.to_path is not None or self.name == "json"

    @property
    def imports(self) -> bool:
        return self.parse is not None or self.name == "json"


class _Deferred:
    """``module.function``, imported on the first call: listing the formats, or exporting one
    of them, must not import the others (conll and spacy load spaCy, pdf loads PyMuPDF)."""

    __slots__ = ("function", "module")

    def __init__(self, module: str, function: str) -> None:
        self.module, self.function = module, function

    def __call__(self, *args: Any) -> Any:
        import importlib

        module = importlib.import_module(f"annotator.formats.{self.module}")
        return getattr(module, self.function)(*args)

    def __repr__(self) -> str:
        return f"annotator.formats.{self.module}.{self.function}"


def _formats() -> dict[str, FormatSpec]:
    def text_format(module: str) -> dict[str, Any]:
        return {"to_text": _Deferred(module, "export"), "parse": _Deferred(module, "parse")}

    specs = [
        FormatSpec("json", "Annotator JSON (everything, for moving a project)", (".json",)),
        FormatSpec(
            "spacy", "spaCy DocBin training data", (".spacy",),
            to_path=_Deferred("spacy_docbin", "export_file"),
            parse=_Deferred("spacy_docbin", "parse"),
        ),
        FormatSpec("prodigy", "Prodigy JSONL tasks", (".jsonl",), **text_format("prodigy")),
        FormatSpec("doccano", "doccano JSONL", (".jsonl",), **text_format("doccano")),
        FormatSpec(
            "conll", "CoNLL-2003 IOB2 tags", (".conll", ".iob", ".iob2"), **text_format("conll")
        ),
        FormatSpec(
            "brat", "brat standoff (.txt + .ann), a folder or .zip", (".ann", ".zip"),
            to_path=_Deferred("brat", "export_to"), parse=_Deferred("brat", "parse"),
        ),
        FormatSpec(
            "w3c", "W3C Web Annotation JSON-LD (Hypothesis)", (".jsonld",), **text_format("w3c")
        ),
        FormatSpec(
            "csv", "CSV, one row per annotation", (".csv",),
            to_text=_Deferred("csv_notes", "export"), parse=_Deferred("csv_notes", "parse"),
            text_encoding="utf-8",
        ),
        FormatSpec(
            "markdown", "Markdown reading notes", (".md",),
            to_text=_Deferred("markdown_notes", "export"),
        ),
        FormatSpec(
            "pdf", "annotated copy of a PDF", (".pdf",),
            to_path=_Deferred("pdf", "export_to"), parse=_Deferred("pdf", "parse"),
        ),
    ]  # fmt: skip
    return {spec.name: spec for spec in specs}


_FORMATS: dict[str, FormatSpec] | None = None


def formats() -> dict[str, FormatSpec]:
    """Every format by name. A format's module is imported when it is first used."""
    global _FORMATS
    if _FORMATS is None:
        _FORMATS = _formats()
    return _FORMATS


def export_names() -> list[str]:
    return [name for name, spec in formats().items() if spec.exports]


def import_names() -> list[str]:
    return [name for name, spec in formats().items() if spec.imports]


def format_spec(name: str) -> FormatSpec:
    spec = formats().get(name.lower())
    if spec is None:
        raise AnnotatorError(f"unknown format '{name}' (available: {', '.join(formats())})")
    return spec


def detect_format(path: str | Path) -> str:
    """The import format a file's name implies; JSON files are told apart by their content."""
    file = Path(path)
    suffix = file.suffix.lower()
    if file.is_dir():
        return "brat"
    if suffix == ".json":
        return _json_kind(file)
    if suffix == ".jsonl":
        return _jsonl_kind(file)
    for spec in formats().values():
        if suffix in spec.extensions and spec.imports:
            return spec.name
    raise AnnotatorError(
        f"cannot tell the format of '{file.name}' from its name: give --format "
        f"({', '.join(import_names())})"
    )


#: How an Annotator export begins (its first field): told apart without parsing the file.
_NATIVE_START = re.compile(rb'^(?:\xef\xbb\xbf)?\s*\{\s*"format"\s*:\s*"annotator"')


def _json_kind(file: Path) -> str:
    with open(file, "rb") as handle:
        if _NATIVE_START.match(handle.read(4096)):
            return "json"  # a million annotations need not be parsed twice (and held) to say so
    try:
        data = json.loads(read_utf8(file))
    except (json.JSONDecodeError, RecursionError):
        return "json"  # the JSON importer names the line of the error, or the nesting
    if isinstance(data, dict) and data.get("type") in ("AnnotationCollection", "Annotation"):
        return "w3c"
    if (
        isinstance(data, list)
        and data
        and isinstance(data[0], dict)
        and data[0].get("type") == "Annotation"
    ):
        return "w3c"
    return "json"


def _jsonl_kind(file: Path) -> str:
    # read_utf8 refuses invalid UTF-8 and UTF-16 with a FormatError naming the file.
    for line in read_utf8(file).splitlines():
        if line.strip():
            try:
                first = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                return "prodigy"  # the importer names the line and what is wrong with it
            if isinstance(first, dict) and ("tokens" in first or "spans" in first
                                             or "answer" in first):  # fmt: skip
                return "prodigy"
            return "doccano"
    return "doccano"


def export(
    project: Project,
    format_name: str,
    output: str | Path | None,
    scope: ExportScope | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> tuple[ExportResult, str | None]:
    """Export ``scope`` of ``project`` as ``format_name``.

    With ``output`` None a text format is returned as the second value (for standard output)
    instead of being written; binary and folder formats need an ``output``.
    ``progress(done, total)`` counts documents converted; ``cancel()`` is polled before each
    and stops with :class:`~annotator.core.errors.Cancelled` before anything is written.
    """
    spec = format_spec(format_name)
    scope = scope or ExportScope()
    if not spec.exports:
        raise AnnotatorError(f"'{spec.name}' is an import format only")
    if output is not None and str(output) != "-":
        refuse_unsafe_output(project, output, folder=writes_folder(spec.name, output))
    if spec.name == "json":
        return _export_native(project, output, scope)
    data, warnings = collect(project, scope)
    data = dataclasses.replace(data, progress=progress, cancel=cancel)
    result = ExportResult(
        format=spec.name,
        outputs=[],
        documents=len(data.documents),
        annotations=data.annotation_count,
        warnings=warnings,
    )
    if spec.to_text is not None:
        text, more = spec.to_text(data)
        result.warnings.extend(more)
        if output is None or str(output) == "-":
            return result, text
        path = Path(output)
        write_text(path, text, encoding=spec.text_encoding)
        result.outputs.append(path)
        return result, None
    assert spec.to_path is not None
    if output is None or str(output) == "-":
        raise AnnotatorError(f"the {spec.name} format writes a file: give one with -o")
    path = Path(output)
    result.warnings.extend(write_export_file(project, spec, data, path))
    result.outputs.append(path)
    return result, None


def writes_folder(format_name: str, output: str | Path) -> bool:
    """Whether an export writes a folder of files: brat, unless its name ends in .zip."""
    return format_name == "brat" and Path(output).suffix.lower() != ".zip"


def write_export_file(
    project: Project, spec: FormatSpec, data: ExportData, path: Path
) -> list[str]:
    """Run a binary or folder format's writer on a temporary file (or folder) beside ``path``
    and move it into place: a failed or cancelled export leaves nothing behind."""
    assert spec.to_path is not None
    to_path = spec.to_path
    if writes_folder(spec.name, path):
        return write_folder(
            path, lambda staging: to_path(data, staging),
            check=ProtectedFiles.of(project).check,
        )  # fmt: skip
    return write_file(path, lambda temporary: to_path(data, temporary))


def _export_native(
    project: Project, output: str | Path | None, scope: ExportScope
) -> tuple[ExportResult, str | None]:
    if scope.annotators or scope.gold_only:
        raise AnnotatorError(
            "the json format moves whole documents with everyone's annotations: use another "
            "format to export some annotators or the gold layer"
        )
    document_ids = list(scope.document_ids) if scope.document_ids else None
    if output is None or str(output) == "-":
        buffer = io.StringIO()
        counts = project.write_json(buffer, document_ids)
        return _native_result(counts), buffer.getvalue()
    path = Path(output)

    def write(temporary: Path) -> WrittenCounts:
        # Streamed record by record (constant memory for a million annotations) into a
        # temporary file that is renamed into place once it is complete and on the disk.
        with open(temporary, "w", encoding="utf-8", newline="") as handle:
            counts = project.write_json(handle, document_ids)
            handle.flush()
            os.fsync(handle.fileno())
        return counts

    result = _native_result(write_file(path, write))
    result.outputs.append(path)
    return result, None


def _native_result(counts: WrittenCounts) -> ExportResult:
    return ExportResult(
        format="json", outputs=[], documents=counts.documents, annotations=counts.annotations
    )


def import_file(project: Project, path: str | Path, format_name: str | None = None) -> ImportResult:
    """Read ``path`` whole, check all of it, then apply it to ``project`` in one transaction."""
    file = Path(path)
    if not file.exists():
        raise AnnotatorError(f"'{file}' does not exist: check the path")
    name = format_name or detect_format(file)
    spec = format_spec(name)
    if not spec.imports:
        raise AnnotatorError(
            f"'{spec.name}' cannot be imported (import formats: {', '.join(import_names())})"
        )
    if file.is_dir() and spec.name != "brat":
        raise AnnotatorError(f"'{file}' is a folder: only brat imports a folder")
    if spec.name == "json":
        return _import_native(project, file)
    assert spec.parse is not None
    documents, warnings = spec.parse(file)
    return apply_import(
        project, documents, format_name=spec.name, origin=str(file), warnings=warnings
    )


def _import_native(project: Project, file: Path) -> ImportResult:
    report = project.import_json_file(file, lambda: load_json(read_utf8(file), name=file.name))
    return ImportResult(
        format="json",
        documents_added=report.documents_added,
        documents_matched=report.documents_matched,
        annotators_added=report.annotators_added,
        annotations_added=report.annotations_added,
        annotations_unchanged=report.annotations_unchanged + report.annotations_updated,
        backup=report.backup,
        changes=report.changes,
        warnings=(
            [
                f"{counted(report.annotations_updated, 'annotation')} "
                f"{agree(report.annotations_updated, 'was', 'were')} updated to newer versions"
            ]
            if report.annotations_updated
            else []
        )
        + report.warnings,
    )
