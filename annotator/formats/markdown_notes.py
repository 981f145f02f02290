"""Markdown notes: a reading's highlights and comments, in reading order, for an essay plan.

One ``#`` heading per document, then its summaries and document labels, then a ``##``
heading per page (PDFs) or per section (the Markdown headings of a Markdown document) and
under it each annotation: the quoted passage, its tag and symbol, where it is (page and
line) and the note. Text documents without pages or headings get one list.

Everything the reader or a document supplied (titles, quotes, notes, labels, names) is
escaped so that a Markdown renderer shows it as typed and runs nothing: ``<``, ``>`` and
``&`` become entities (no HTML, no autolinks), Markdown punctuation (``\\ ` * _ [ ] # | ~
$``) is backslash-escaped (no links, images, emphasis, code or tables), a line's start is
kept from opening a list, a heading underline or a code block, line breaks in a note stay
line breaks, and control characters are shown, not sent: C0 controls as their Unicode
pictures (ESC as ␛), C1 controls as ``\\xHH`` text.
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
_PUNCTUATION = re.compile(r"[\\`*_\[\]#|~$<>&]")
_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_C0 = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_C1 = re.compile(r"[\x80-\x9f]")
_LIST_OR_UNDERLINE = re.compile(r"[-+=]|(\d{1,9})([.)])")
_INDENT = re.compile(r"[ \t]+")
QUOTE_LIMIT = 600


def escape_inline(text: str) -> str:
    """``text`` for the middle of a Markdown line: shown as typed, running nothing."""
    text = _C0.sub(lambda m: chr(0x2400 + ord(m[0])) if m[0] != "\x7f" else "\u2421", text)
    text = _C1.sub(lambda m: f"\\x{ord(m[0]):02x}", text)
    return _PUNCTUATION.sub(lambda m: _ENTITY.get(m[0]) or "\\" + m[0], text)


def escape_line(text: str) -> str:
    """``text`` as one whole Markdown line (line breaks become spaces): also kept from
    starting a list, a heading underline or an indented code block."""
    text = " ".join(text.splitlines())
    indent = _INDENT.match(text)
    lead = ""
    if indent:
        lead = indent[0].replace(" ", "&#32;").replace("\t", "&#9;")
        text = text[indent.end() :]
    escaped = escape_inline(text)
    start = _LIST_OR_UNDERLINE.match(escaped)
    if start and start[1]:
        escaped = start[1] + "\\" + escaped[len(start[1]) :]
    elif start:
        escaped = "\\" + escaped
    return lead + escaped


def escape_paragraphs(text: str) -> list[str]:
    """A note's lines as Markdown lines: a line break stays a line break (a hard break),
    a blank line a new paragraph; blank lines around the note are dropped."""
    lines = text.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    out: list[str] = []
    for index, raw in enumerate(lines):
        if not raw.strip():
            out.append("")
            continue
        following = index + 1 < len(lines) and lines[index + 1].strip()
        out.append(escape_line(raw) + ("  " if following else ""))
    return out


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
    out = [f"# {escape_line(document.title)}", ""]
    whole = [a for a in annotations if a.kind in (AnnotationKind.SUMMARY, AnnotationKind.DOC_LABEL)
             and a.start == a.end]  # fmt: skip
    tags = [a.label for a in whole if a.kind == AnnotationKind.DOC_LABEL and a.label]
    if tags:
        out += [f"**Tags:** {', '.join(escape_inline(tag) for tag in tags)}", ""]
    for a in whole:
        if a.kind == AnnotationKind.SUMMARY and a.note:
            out += ["**Summary:**", "", *escape_paragraphs(a.note), ""]
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
            out += [f"## {escape_line(title)}", ""]
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
    lines = [f"> {escape_line(quote)}", ">"]
    details = []
    if a.label:
        details.append(f"**{escape_inline(a.label)}**")
    elif meaning:
        details.append(f"*{escape_inline(meaning)}*")
    if a.symbol:
        details.append(escape_inline(a.symbol))
    page = document.page_of(a.start)
    details.append(f"p. {page + 1}, line {line}" if page is not None else f"line {line}")
    if who:
        details.append(escape_inline(names.get(a.annotator_id, a.annotator_id)))
    lines.append("> — " + " · ".join(details))
    lines.append("")
    if a.note and a.note.strip():
        lines += [*escape_paragraphs(a.note), ""]
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
