"""Markdown notes: a reading's highlights and comments, in reading order, for an essay plan.

One ``#`` heading per document, then its summaries and document labels, then a ``##``
heading per page (PDFs) or per section (the Markdown headings of a Markdown document) and
under it each annotation: the quoted passage, its tag and symbol, where it is (page and
line) and the note. Text documents without pages or headings get one list.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from annotator.core.model import (
    Annotation,
    AnnotationKind,
    Document,
    DocumentKind,
    LabelSetKind,
)
from annotator.formats.exchange import ExportData

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
QUOTE_LIMIT = 600


def sections(document: Document) -> list[tuple[int, str]]:
    """``(start offset, heading)`` of each section, in order (empty if the text has none)."""
    if document.page_map:
        return [(start, f"Page {number}") for number, (start, _) in enumerate(document.page_map, 1)]
    if document.kind == DocumentKind.MARKDOWN or document.title.lower().endswith(".md"):
        return [(m.start(), m.group(2).strip()) for m in _HEADING.finditer(document.text)]
    return []


def render_document(
    document: Document,
    annotations: list[Annotation],
    names: dict[str, str],
    meanings: dict[str, str] | None = None,
) -> str:
    """One document's notes; ``meanings`` maps a highlight colour (#rrggbb, any case) to
    what the reader said it means (the legend), written beside each highlight."""
    meanings = {k.lower(): v for k, v in (meanings or {}).items()}
    out = [f"# {document.title}", ""]
    whole = [a for a in annotations if a.kind in (AnnotationKind.SUMMARY, AnnotationKind.DOC_LABEL)
             and a.start == a.end]  # fmt: skip
    tags = [a.label for a in whole if a.kind == AnnotationKind.DOC_LABEL and a.label]
    if tags:
        out += [f"**Tags:** {', '.join(tags)}", ""]
    for a in whole:
        if a.kind == AnnotationKind.SUMMARY and a.note:
            out += ["**Summary:**", "", a.note.strip(), ""]
    passages = [a for a in annotations if a not in whole]
    if not passages:
        out += ["_No highlights or comments._", ""]
        return "\n".join(out)
    heads = sections(document)
    starts = [start for start, _ in heads]
    line_starts = [0] + [m.end() for m in re.finditer("\n", document.text)]
    current = None
    annotators = {a.annotator_id for a in passages}
    for a in passages:
        section = bisect_right(starts, a.start) - 1 if heads else None
        if heads and section != current:
            current = section
            title = (
                heads[section][1]
                if section is not None and section >= 0
                else "Before the first heading"
            )
            out += [f"## {title}", ""]
        out += _entry(
            a, document, bisect_right(line_starts, a.start), names, len(annotators) > 1,
            meanings.get((a.color or "").lower()) if not a.label else None,
        )  # fmt: skip
    return "\n".join(out)


def _entry(
    a: Annotation,
    document: Document,
    line: int,
    names: dict[str, str],
    who: bool,
    meaning: str | None,
) -> list[str]:
    quote = " ".join(a.quote.split())
    if len(quote) > QUOTE_LIMIT:
        quote = quote[: QUOTE_LIMIT - 1] + "…"
    lines = [f"> {quote}", ">"]
    details = []
    if a.label:
        details.append(f"**{a.label}**")
    elif meaning:
        details.append(f"*{meaning}*")
    if a.symbol:
        details.append(a.symbol)
    page = document.page_of(a.start)
    details.append(f"p. {page + 1}, line {line}" if page is not None else f"line {line}")
    if who:
        details.append(names.get(a.annotator_id, a.annotator_id))
    lines.append("> — " + " · ".join(details))
    lines.append("")
    if a.note:
        lines += [a.note.strip(), ""]
    return lines


def export(data: ExportData) -> tuple[str, list[str]]:
    meanings = {
        label.color.lower(): label.name
        for label_set in data.label_sets
        if label_set.kind == LabelSetKind.LEGEND
        for label in label_set.labels
    }
    parts = [
        render_document(item.document, list(item.annotations), data.annotator_names, meanings)
        for item in data.each()
    ]
    return "\n".join(parts).rstrip("\n") + "\n", []
