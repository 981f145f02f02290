"""CSV: one row per annotation, for a spreadsheet or a notes app.

UTF-8 with a byte-order mark so that Excel reads accents and emoji right. ``page`` is
1-based (PDFs), ``line`` the 1-based line of the text where the passage starts; ``start``
and ``end`` are code-point offsets (end exclusive) that lead back to the passage exactly.
Cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) are
prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from annotator.formats.exchange import ExportData

COLUMNS = (
    "document", "document_id", "page", "line", "start", "end", "kind", "label", "symbol",
    "color", "quote", "note", "annotator", "status", "source", "created", "modified", "id",
)  # fmt: skip


def rows(data: ExportData) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in data.documents:
        document = item.document
        line_starts = _line_starts(document.text)
        for a in item.annotations:
            page = document.page_of(a.start)
            out.append(
                {
                    "document": document.title,
                    "document_id": document.id,
                    "page": page + 1 if page is not None else "",
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
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def export(data: ExportData) -> tuple[str, list[str]]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows(data):
        writer.writerow({key: _safe(value) for key, value in row.items()})
    return "\ufeff" + buffer.getvalue(), []
