"""Markdown notes: a reading's highlights and comments, in reading order, for an essay plan.

One ``#`` heading per document, then its tags and the summary of the whole reading, then a
``##`` heading per page (PDFs) or per section (the Markdown headings of a Markdown document)
and under it each annotation: the quoted passage, its tag and symbol, where it is (the
printed page of a PDF, from its page labels; the line of a text) and the note, then the
passages it is linked to. A section summary names its section by its heading instead of
quoting the whole section. Text documents without pages or headings get one list.

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
from typing import TYPE_CHECKING

from annotator.core.model import (
    Annotation,
    AnnotationKind,
    Document,
    DocumentKind,
    LabelSetKind,
    Link,
)
from annotator.formats.exchange import ExportData
from annotator.formats.sections import HEADING as _HEADING
from annotator.formats.sections import section_heading

if TYPE_CHECKING:
    from annotator.documents.pdf import PdfNavigation

_PUNCTUATION = re.compile(r"[\\`*_\[\]#|~$<>&]")
_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_C0 = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_C1 = re.compile(r"[\x80-\x9f]")
_LIST_OR_UNDERLINE = re.compile(r"[-+=]|(\d{1,9})([.)])")
_INDENT = re.compile(r"[ \t]+")
QUOTE_LIMIT = 600
LINKED_QUOTE_LIMIT = 80
WHOLE_SUMMARY = "Summary of the whole reading"
SECTION_SUMMARY = "Section summary"


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


def page_name(document: Document, page: int, navigation: PdfNavigation | None) -> str:
    """The printed label of a 0-based page (its number where the PDF has no labels)."""
    return navigation.page_name(page) if navigation is not None else str(page + 1)


def sections(document: Document, navigation: PdfNavigation | None = None) -> list[tuple[int, str]]:
    """``(start offset, heading)`` of each section, in order (empty if the text has none)."""
    if document.page_map:
        return [
            (start, f"Page {page_name(document, number, navigation)}")
            for number, (start, _) in enumerate(document.page_map)
        ]
    if document.kind == DocumentKind.MARKDOWN or document.title.lower().endswith(".md"):
        return [(m.start(), m.group(2).strip()) for m in _HEADING.finditer(document.text)]
    return []


def render_document(
    document: Document,
    annotations: list[Annotation],
    names: dict[str, str],
    meanings: dict[str, str] | None = None,
    *,
    links: tuple[Link, ...] | list[Link] = (),
    navigation: PdfNavigation | None = None,
) -> str:
    """One document's notes; ``meanings`` maps a highlight colour (#rrggbb, any case) to
    what the reader said it means (the legend), written beside each highlight; ``links``
    are written under both passages they join; ``navigation`` names a PDF's pages as
    printed."""
    meanings = {k.lower(): v for k, v in (meanings or {}).items()}
    out = [f"# {escape_line(document.title)}", ""]
    whole = [a for a in annotations if a.kind in (AnnotationKind.SUMMARY, AnnotationKind.DOC_LABEL)
             and a.start == a.end]  # fmt: skip
    tags = [a.label for a in whole if a.kind == AnnotationKind.DOC_LABEL and a.label]
    if tags:
        out += [f"**Tags:** {', '.join(escape_inline(tag) for tag in tags)}", ""]
    linked = _linked(document, annotations, links, navigation)
    for a in whole:
        if a.kind == AnnotationKind.SUMMARY and a.note:
            out += [f"**{WHOLE_SUMMARY}:**", "", *escape_paragraphs(a.note), ""]
            out += _link_lines(linked.get(a.id, []))
    passages = [a for a in annotations if a not in whole]
    if not passages:
        out += ["_No highlights or comments._", ""]
        return "\n".join(out)
    heads = sections(document, navigation)
    starts = [start for start, _ in heads]
    line_starts = (
        None if document.page_map else [0] + [m.end() for m in re.finditer("\n", document.text)]
    )
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
        if document.page_map:
            page = document.page_of(a.start) or 0
            if a.rect is not None and a.page is not None:
                page = a.page
            where = f"p. {page_name(document, page, navigation)}"
        else:
            assert line_starts is not None
            where = f"line {bisect_right(line_starts, a.start)}"
        if a.kind == AnnotationKind.SUMMARY:
            out += _summary_entry(a, document, where, navigation)
        else:
            out += _entry(
                a, where, names, len(annotators) > 1,
                meanings.get((a.color or "").lower()) if not a.label else None,
            )  # fmt: skip
        out += _link_lines(linked.get(a.id, []))
    return "\n".join(out)


def _entry(
    a: Annotation,
    where: str,
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
    details.append(where)
    if who:
        details.append(escape_inline(names.get(a.annotator_id, a.annotator_id)))
    lines.append("> — " + " · ".join(details))
    lines.append("")
    if a.note and a.note.strip():
        lines += [*escape_paragraphs(a.note), ""]
    return lines


def _summary_entry(
    a: Annotation, document: Document, where: str, navigation: PdfNavigation | None
) -> list[str]:
    """A section summary: its section named by its heading (not the section quoted)."""
    heading = section_heading(document, a.start, a.end, navigation)
    where = _pages(document, a, navigation) or where
    lines = [f"**{SECTION_SUMMARY} — “{escape_inline(heading)}”** ({where}):", ""]
    if a.note and a.note.strip():
        lines += [*escape_paragraphs(a.note), ""]
    return lines


def _pages(document: Document, a: Annotation, navigation: PdfNavigation | None) -> str:
    """The printed pages a section summary covers ("p. 3", "pp. 3–7"); "" unpaged."""
    if not document.page_map:
        return ""
    first = document.page_of(a.start) or 0
    last = document.page_of(max(a.start, a.end - 1)) or first
    if last == first:
        return f"p. {page_name(document, first, navigation)}"
    return f"pp. {page_name(document, first, navigation)}–{page_name(document, last, navigation)}"


def _linked(
    document: Document,
    annotations: list[Annotation],
    links: tuple[Link, ...] | list[Link],
    navigation: PdfNavigation | None,
) -> dict[str, list[str]]:
    """For each linked annotation, a line per passage it connects to or from."""
    by_id = {a.id: a for a in annotations}
    found: dict[str, list[str]] = {}
    for link in links:
        here, there = by_id.get(link.from_annotation), by_id.get(link.to_annotation)
        if here is None or there is None:
            continue
        for a, other, words in ((here, there, "Connects to"), (there, here, "Connected from")):
            line = f"{words} {_describe(document, other, navigation)}"
            if link.note.strip():
                line += f": {escape_inline(' '.join(link.note.split()))}"
            found.setdefault(a.id, []).append(line)
    return found


def _describe(document: Document, a: Annotation, navigation: PdfNavigation | None) -> str:
    """The other end of a link: its words (or its section) and where it is."""
    if a.kind == AnnotationKind.SUMMARY and a.start == a.end:
        return "the summary of the whole reading"
    if a.kind == AnnotationKind.SUMMARY:
        heading = section_heading(document, a.start, a.end, navigation)
        words = f"the summary of “{escape_inline(heading)}”"
        if document.page_map:
            return f"{words} ({_pages(document, a, navigation)})"
    else:
        quote = " ".join(a.quote.split())
        if len(quote) > LINKED_QUOTE_LIMIT:
            quote = quote[: LINKED_QUOTE_LIMIT - 1] + "…"
        words = f"“{escape_inline(quote)}”"
    if a.rect is not None and a.page is not None:
        return f"an area of p. {page_name(document, a.page, navigation)}"
    page = document.page_of(a.start)
    if page is not None:
        return f"{words} (p. {page_name(document, page, navigation)})"
    line = document.text.count("\n", 0, a.start) + 1
    return f"{words} (line {line})"


def _link_lines(lines: list[str]) -> list[str]:
    if not lines:
        return []
    return [*(f"- {line}" for line in lines), ""]


def export(data: ExportData) -> tuple[str, list[str]]:
    meanings = {
        label.color.lower(): label.name
        for label_set in data.label_sets
        if label_set.kind == LabelSetKind.LEGEND
        for label in label_set.labels
    }
    parts = [
        render_document(
            item.document,
            list(item.annotations),
            data.annotator_names,
            meanings,
            links=data.links,
            navigation=data.navigation(item.document),
        )
        for item in data.each()
    ]
    return "\n".join(parts).rstrip("\n") + "\n", []
