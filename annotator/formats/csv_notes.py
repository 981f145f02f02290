"""CSV: one row per annotation, for a spreadsheet or a notes app, and back.

UTF-8 with a byte-order mark so that Excel reads accents and emoji right. ``page`` is the
page as printed on it (a PDF's page label, "iv" or "12"; its 1-based number where the PDF has
no labels), ``line`` the 1-based line of the text where the passage starts; ``start``
and ``end`` are code-point offsets (end exclusive) that lead back to the passage exactly.
Cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab or carriage
return first, after any apostrophes: OWASP's list) get one more apostrophe in front, which
the import takes off again. Terminal controls (ESC, the other C0 controls but tab and line
breaks, DEL, C1) are written ``\\xHH`` so that printing the file runs nothing; a backslash
typed before such an escape is doubled (:mod:`annotator.formats.escapes`), and the import
undoes both exactly, so every note comes back as typed.

Import is the inverse. A CSV does not carry the documents' text, so every row's document
must already be in the project: found by ``document_id``, else by its title (``document``),
else as the text that holds the rows' ``quote`` at their offsets. Each quote is checked
against the text at ``start..end`` and a disagreement is refused with its line. ``start``
and ``end`` are required, and one of ``document_id``, ``document`` or ``quote``; ``page`` and
``line`` are derived from the offsets and not read back; columns Annotator does not know
are ignored (with a warning). Files saved by
a spreadsheet are read too: a byte-order mark, ``;`` or tab as the delimiter, cells with
line breaks in quotes, UTF-16 ("Unicode text"), columns in any order and case.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from annotator.core.errors import FormatError
from annotator.core.model import AnnotationKind, AnnotationStatus
from annotator.core.words import agree, counted
from annotator.formats.escapes import TERMINAL_CONTROLS, ReversibleEscape
from annotator.formats.exchange import (
    DOCUMENT_LEVEL_KINDS,
    ExportData,
    IncomingAnnotation,
    IncomingDocument,
    Losses,
)

COLUMNS = (
    "document", "document_id", "page", "line", "start", "end", "kind", "label", "symbol",
    "color", "quote", "note", "annotator", "status", "source", "created", "modified", "id",
)  # fmt: skip

#: What a spreadsheet would take for the start of a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CONTROL_ESCAPE = ReversibleEscape(TERMINAL_CONTROLS)


def rows(data: ExportData) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in data.each():
        document = item.document
        line_starts = _line_starts(document.text)
        navigation = data.navigation(document) if document.page_map else None
        for a in item.annotations:
            page = a.page if a.rect is not None else document.page_of(a.start)
            out.append(
                {
                    "document": document.title,
                    "document_id": document.id,
                    "page": navigation.page_name(page)
                    if navigation is not None and page is not None
                    else "",
                    "line": _line_of(line_starts, a.start),
                    "start": a.start,
                    "end": a.end,
                    "kind": a.kind.value,
                    "label": a.label or "",
                    "symbol": a.symbol or "",
                    "color": a.color or "",
                    "quote": a.quote,
                    "note": a.note,
                    "annotator": data.annotator_name(a.annotator_id),
                    "status": a.status.value,
                    "source": a.source,
                    "created": a.created,
                    "modified": a.modified,
                    "id": a.id,
                }
            )
    return out


def _line_starts(text: str) -> list[int]:
    starts = [0]
    position = text.find("\n")
    while position >= 0:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    from bisect import bisect_right

    return bisect_right(starts, offset)


def _safe(value: Any) -> Any:
    """The cell with terminal controls escaped and an apostrophe before a cell a
    spreadsheet would run as a formula.

    Apostrophes already in front count as part of the escape, so :func:`_unsafe` is an exact
    inverse: ``=x`` → ``'=x`` and ``'=x`` → ``''=x``.
    """
    if not isinstance(value, str):
        return value
    value = CONTROL_ESCAPE.escape(value)
    if value.lstrip("'")[:1] in FORMULA_START:
        return "'" + value
    return value


def _unsafe(cell: str) -> str:
    if cell[:1] == "'" and cell.lstrip("'")[:1] in FORMULA_START:
        cell = cell[1:]
    return CONTROL_ESCAPE.unescape(cell)


def export(data: ExportData) -> tuple[str, list[str]]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows(data):
        writer.writerow({key: _safe(value) for key, value in row.items()})
    losses = Losses()
    for item in data.documents:
        for a in item.annotations:
            if a.rect is not None:
                losses.add(
                    "CSV has no place for the page area of {n} area highlights: an import "
                    "of this file brings back their text span only, or skips those that "
                    "cover no text"
                )
    return "\ufeff" + buffer.getvalue(), losses.warnings()


# -- import -----------------------------------------------------------------------------------

DELIMITERS = (",", ";", "\t")  # Excel writes ";" where the decimal separator is a comma
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_KINDS = ", ".join(k.value for k in AnnotationKind)
_STATUSES = (AnnotationStatus.ACCEPTED, AnnotationStatus.SUGGESTED, AnnotationStatus.REJECTED)


def parse(path: Path) -> tuple[list[IncomingDocument], list[str]]:
    """Every row of a CSV file as an annotation on a document the project must hold.

    The whole file is checked here (header, numbers, kinds, statuses, ids); the quotes are
    checked against the documents' texts when the import is applied.
    """
    text = _read(path)
    if not text.strip():
        raise FormatError(
            f"'{path.name}' is empty: expected a header line naming the columns (at least "
            "start and end) and one line per annotation"
        )
    delimiter = _delimiter(text, path)
    records = _Records(text, delimiter)
    header_line, header = next(records)
    columns = _columns(header, header_line)
    width = len(header)
    warnings: list[str] = []
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        warnings.append(
            "columns Annotator does not know were ignored: "
            + ", ".join(f"'{name}'" for name in unknown)
        )
    documents: dict[tuple[str, str], IncomingDocument] = {}
    ids: dict[str, int] = {}
    skipped_areas = 0
    odd_times = 0
    for line, cells in records:
        if len(cells) < width and records.is_last and not text.endswith(("\n", "\r")):
            raise FormatError(
                f"the file ends inside this row ({len(cells)} of the header's {width} cells, "
                "and no line break after it): it looks cut short; export or save it again",
                record=f"line {line}",
            )
        row = _Row(line, cells, columns, width, delimiter)
        annotation = _annotation(row, ids)
        if annotation is None:
            skipped_areas += 1
            continue
        for name in ("created", "modified"):
            value = getattr(annotation, name)
            if value is not None and not _is_timestamp(value):
                setattr(annotation, name, None)
                odd_times += 1
        document_id = row.text("document_id").strip()
        title = row.text("document")
        key = (document_id, title)
        if key not in documents:
            field = "document_id" if document_id else "document" if title else "quote"
            documents[key] = IncomingDocument(
                title=title,
                record=f"line {line}",
                field=field,
                document_id=document_id or None,
                path=str(path),
            )
        documents[key].annotations.append(annotation)
    if skipped_areas:
        warnings.append(
            f"{counted(skipped_areas, 'row')} {agree(skipped_areas, 'covers', 'cover')} no text "
            "and quote nothing (area highlights on a scanned page, whose area CSV does not "
            "hold): not imported"
        )
    if odd_times:
        warnings.append(
            f"{odd_times} created/modified times are not ISO 8601 (a spreadsheet may have "
            "reformatted them): the time of the import was used instead"
        )
    if not documents:
        warnings.append(f"'{path.name}' holds a header but no annotations")
    return list(documents.values()), warnings


def _read(path: Path) -> str:
    """The file's text: UTF-8 with or without a byte-order mark, or UTF-16 with one."""
    data = path.read_bytes()
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        # Decoded, not read as text: line breaks inside quoted cells must stay as they are.
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise FormatError(
            f"'{path.name}' is not {encoding.upper().removesuffix('-SIG')} text (byte "
            f"{error.start} cannot be decoded): save it as “CSV UTF-8” and import that"
        ) from None


def _delimiter(text: str, path: Path) -> str:
    """The delimiter that splits the header line into the most column names we know."""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    best, best_known = ",", 0
    for delimiter in DELIMITERS:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        known = sum(1 for cell in cells if _name(cell) in COLUMNS)
        if known > best_known:
            best, best_known = delimiter, known
    if best_known == 0:
        raise FormatError(
            f"'{path.name}' does not start with a header line naming its columns (such as "
            "document, start, end, quote, label, note)",
            record="line 1",
        )
    return best


class _Records:
    """:func:`_records` with one record read ahead, to tell whether the current is the last
    (a last row cut short is a truncated file, not a short row)."""

    def __init__(self, text: str, delimiter: str) -> None:
        self._records = _records(text, delimiter)
        self._next = next(self._records, None)
        self.is_last = False

    def __iter__(self) -> _Records:
        return self

    def __next__(self) -> tuple[int, list[str]]:
        current = self._next
        if current is None:
            raise StopIteration
        self._next = next(self._records, None)
        self.is_last = self._next is None
        return current


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """``(line where the record starts, cells)`` for each record that is not blank."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    with _field_size_limit(len(text) + 1):
        read = 0
        while True:
            line = read + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                message = str(error)
                if "unexpected end of data" in message:
                    message = 'a cell opens a quote (") that is never closed'
                raise FormatError(f"not valid CSV: {message}", record=f"line {line}") from None
            read = reader.line_num
            if any(cell.strip() for cell in cells):
                yield line, cells


@contextlib.contextmanager
def _field_size_limit(size: int) -> Iterator[None]:
    """Let a cell be as long as the file (a long passage's quote): the default is 128 KiB."""
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, size))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _name(cell: str) -> str:
    return cell.strip().lstrip("\ufeff").strip().lower()


def _columns(header: list[str], line: int) -> dict[str, int]:
    record = f"line {line}"
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _name(cell)
        if not name:
            continue
        if name in columns:
            raise FormatError("appears twice in the header", record=record, field=name)
        columns[name] = index
    for name in ("start", "end"):
        if name not in columns:
            raise FormatError(
                f"the header has no '{name}' column (it has {', '.join(columns)})",
                record=record,
                field=name,
            )
    if not {"document_id", "document", "quote"} & columns.keys():
        raise FormatError(
            "the header needs a 'document_id', 'document' or 'quote' column to find each "
            "row's document by",
            record=record,
            field="document",
        )
    return columns


class _Row:
    """One record's cells by column name, with the apostrophe escape taken off."""

    def __init__(
        self, line: int, cells: list[str], columns: dict[str, int], width: int, delimiter: str
    ):
        self.line = line
        self.record = f"line {line}"
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            shown = "tab" if delimiter == "\t" else repr(delimiter)
            raise FormatError(
                f"has {len(cells)} cells but the header has {width} columns (is there a "
                f"{shown} in a cell that is not in quotes?)",
                record=self.record,
            )
        self._cells = cells
        self._columns = columns

    def text(self, name: str) -> str:
        index = self._columns.get(name)
        if index is None or index >= len(self._cells):
            return ""
        return _unsafe(self._cells[index])

    def optional(self, name: str) -> str | None:
        return self.text(name).strip() or None

    def offset(self, name: str) -> int:
        value = self.text(name).strip()
        if not value:
            raise FormatError(
                "is empty: give the offset in characters (code points)",
                record=self.record,
                field=name,
            )
        if not _WHOLE_NUMBER.fullmatch(value):
            problem = "cannot be negative" if value.startswith("-") else "is not a whole number"
            raise FormatError(f"{value!r} {problem}", record=self.record, field=name)
        return int(value)

    def error(self, message: str, name: str) -> FormatError:
        return FormatError(message, record=self.record, field=name)


def _annotation(row: _Row, ids: dict[str, int]) -> IncomingAnnotation | None:
    """The row's annotation, or None for an area highlight that covers no text."""
    start, end = row.offset("start"), row.offset("end")
    if end < start:
        raise row.error(f"end {end} is before start {start}", "end")
    label, note = row.optional("label"), row.text("note")
    kind_name = row.text("kind").strip().lower()
    if not kind_name:
        kind = AnnotationKind.ENTITY if label else AnnotationKind.COMMENT if note else None
        kind = kind or AnnotationKind.HIGHLIGHT
    else:
        try:
            kind = AnnotationKind(kind_name)
        except ValueError:
            raise row.error(f"{kind_name!r} is not a kind (use one of {_KINDS})", "kind") from None
    quote = row.text("quote") or None
    if start == end and kind not in DOCUMENT_LEVEL_KINDS and not quote:
        return None
    status_name = row.text("status").strip().lower() or AnnotationStatus.ACCEPTED.value
    if status_name not in _STATUSES:
        names = ", ".join(s.value for s in _STATUSES)
        raise row.error(f"{status_name!r} is not a status to import (use {names})", "status")
    annotation_id = row.optional("id")
    if annotation_id is not None:
        try:
            uuid.UUID(annotation_id)
        except ValueError:
            raise row.error(
                f"{annotation_id!r} is not an annotation id (a UUID): leave it empty for a new "
                "annotation",
                "id",
            ) from None
        if annotation_id in ids:
            raise row.error(
                f"{annotation_id} is also the id on line {ids[annotation_id]}: leave one "
                "empty to make it a new annotation",
                "id",
            )
        ids[annotation_id] = row.line
    return IncomingAnnotation(
        start=start,
        end=end,
        kind=kind,
        record=row.record,
        field="end",
        quote_field="quote",
        label=label,
        note=note,
        annotator=row.optional("annotator"),
        quote=quote,
        color=row.optional("color"),
        symbol=row.optional("symbol"),
        status=AnnotationStatus(status_name),
        id=annotation_id,
        source=row.text("source").strip(),
        created=row.optional("created"),
        modified=row.optional("modified"),
    )


def _is_timestamp(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True
