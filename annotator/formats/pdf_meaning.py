"""What each annotation meant, as PDF annotations other readers show (and back).

:func:`pdf_marks` turns a PDF document's annotations into :class:`PdfMark` records for the
annotated copy: a highlight stays a Highlight in its colour, its note as the popup text, the
label or the legend's meaning of its colour as the subject; a symbol (``? ! *``) is an
Underline whose subject and text carry the symbol (a Highlight when the passage is also
coloured or labelled); a summary is a sticky note in the margin at its section's start (the
whole reading's on its first line) carrying the summary, never a mark painting the section;
a passage's links are a sticky note in the other margin naming each passage it connects to
and that passage's printed page. :func:`kind_of` and :func:`own_color` read them back.

Used by the ``pdf`` export format and by :meth:`Project.export_annotated_pdf`, so it imports
nothing of the export machinery.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace

from annotator.core.model import Annotation, AnnotationKind, Document, Link
from annotator.documents.pdf import PdfNavigation
from annotator.documents.pdf_annotations import PdfMark
from annotator.formats.sections import section_heading

SYMBOL_COLOR = "#5c6f7b"
"""The underline of a symbol on an uncoloured passage: a slate no legend colour is mistaken for."""
SUMMARY_COLOR = "#7e57c2"
LINK_COLOR = "#00897b"
COMMENT_COLOR = "#b0bec5"
"""A comment on an uncoloured passage: grey, not the legend's yellow ("definition")."""
QUOTE_LENGTH = 80
WHOLE_READING = "Summary of the whole reading"
SECTION_SUMMARY = "Section summary"


def pdf_marks(
    document: Document,
    annotations: Sequence[Annotation],
    links: Sequence[Link] = (),
    *,
    names: dict[str, str] | None = None,
    label_colors: dict[str, str] | None = None,
    meanings: dict[str, str] | None = None,
    navigation: PdfNavigation | None = None,
) -> tuple[list[PdfMark], list[str]]:
    """The PDF annotations that say what ``annotations`` mean, and what could not be said.

    ``label_colors`` gives a labelled passage without a colour its label's colour;
    ``meanings`` (legend colour → meaning) names a highlight's colour in its subject;
    ``navigation`` names pages as printed and sections by the contents."""
    names = names or {}
    label_colors = label_colors or {}
    meanings = {k.lower(): v for k, v in (meanings or {}).items()}
    navigation = navigation or PdfNavigation()
    losses: Counter[str] = Counter()
    marks: list[PdfMark] = []
    by_id = {a.id: a for a in annotations}
    for a in annotations:
        if a.kind == AnnotationKind.DOC_LABEL:
            losses["a PDF has no document labels: {n} were left out"] += 1
            continue
        author = names.get(a.annotator_id, "")
        color = a.color or label_colors.get(a.label or "")
        base = PdfMark(
            start=a.start, end=a.end, author=author, note=a.note, label=a.label,
            page=a.page if a.rect is not None else None, rect=a.rect, id=a.id,
            kind=a.kind.value, symbol=a.symbol or None,
        )  # fmt: skip
        if a.kind == AnnotationKind.SUMMARY and a.rect is None:
            marks.append(_summary_mark(document, a, base, color, navigation))
            continue
        meaning = meanings.get((color or "").lower()) if not a.label else None
        named = a.label or meaning or ""
        if a.symbol:
            content = f"{a.symbol} {a.note}".strip()
            subject = f"{a.symbol} {named}".strip()
            if color or a.rect is not None:
                marks.append(replace(base, color=color, subject=subject, content=content))
            else:
                marks.append(
                    replace(
                        base, color=SYMBOL_COLOR, subject=subject, content=content,
                        pdf_type="Underline",
                    )
                )  # fmt: skip
            continue
        if color is None and a.kind == AnnotationKind.COMMENT:
            color = COMMENT_COLOR
        marks.append(replace(base, color=color, subject=named))
    marks.extend(_link_marks(document, by_id, links, names, navigation))
    return marks, [message.format(n=n) for message, n in losses.items()]


def _summary_mark(
    document: Document,
    a: Annotation,
    base: PdfMark,
    color: str | None,
    navigation: PdfNavigation,
) -> PdfMark:
    """A sticky note at the section's start, beside its heading (the first line, for the
    whole reading)."""
    at = None
    if a.start == a.end:
        title, subject = WHOLE_READING, WHOLE_READING
    else:
        heading = section_heading(document, a.start, a.end, navigation)
        at = _heading_offset(document, a.start, a.end, heading)
        title = f"{SECTION_SUMMARY}: {heading} ({_pages(document, a.start, a.end, navigation)})"
        subject = SECTION_SUMMARY
    content = f"{title}\n\n{a.note}" if a.note.strip() else title
    return replace(
        base,
        color=color or SUMMARY_COLOR,
        pdf_type="Text",
        subject=subject,
        content=content,
        icon="Paragraph",
        at=at,
    )


def _heading_offset(document: Document, start: int, end: int, heading: str) -> int | None:
    """Where the section's heading line is on its first page ("2.2 Naming" for the contents'
    "Naming"), so that the note stands beside it and not beside a running header."""
    page = document.page_of(start)
    page_end = document.page_map[page][1] if page is not None else end
    wanted = " ".join(heading.split()).casefold()
    if not wanted:
        return None
    offset = start
    for line in document.text[start : min(end, page_end)].splitlines(keepends=True):
        words = " ".join(line.split()).casefold()
        if words and (words == wanted or words.endswith(" " + wanted)):
            return offset + (len(line) - len(line.lstrip()))
        offset += len(line)
    return None


def _link_marks(
    document: Document,
    by_id: dict[str, Annotation],
    links: Sequence[Link],
    names: dict[str, str],
    navigation: PdfNavigation,
) -> list[PdfMark]:
    """One sticky note per linked passage, in the right margin at its start, naming each
    passage it connects to (or from) and that passage's page."""
    lines: dict[str, list[str]] = defaultdict(list)
    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for link in links:
        here, there = by_id.get(link.from_annotation), by_id.get(link.to_annotation)
        if here is None or there is None:
            continue
        for a, other, words in ((here, there, "Connects to"), (there, here, "Connected from")):
            line = f"{words} {_describe(document, other, navigation)}"
            lines[a.id].append(line + (f": {link.note}" if link.note.strip() else ""))
            pairs[a.id].append((link.from_annotation, link.to_annotation))
    marks = []
    for annotation_id, said in lines.items():
        a = by_id[annotation_id]
        if a.rect is not None:
            continue  # an area has no line to stand beside
        marks.append(
            PdfMark(
                start=a.start, end=a.end, color=LINK_COLOR,
                author=names.get(a.annotator_id, ""), pdf_type="Text", kind="link",
                subject="Link", content="\n".join(said), links=tuple(pairs[annotation_id]),
                id=f"{a.id}-links", icon="Comment", side="right",
            )
        )  # fmt: skip
    return marks


def _describe(document: Document, a: Annotation, navigation: PdfNavigation) -> str:
    """The other end of a link as a reader finds it: its words and printed page."""
    if a.kind == AnnotationKind.SUMMARY and a.start == a.end:
        return "the summary of the whole reading"
    if a.rect is not None and a.page is not None:
        return f"an area of p. {navigation.page_name(a.page)}"
    if a.kind == AnnotationKind.SUMMARY:  # a section's: named by its heading
        heading = section_heading(document, a.start, a.end, navigation)
        return f"the summary of “{heading}” ({_pages(document, a.start, a.end, navigation)})"
    quote = " ".join(a.quote.split())
    if len(quote) > QUOTE_LENGTH:
        quote = quote[: QUOTE_LENGTH - 1] + "…"
    page = document.page_of(a.start)
    where = f" (p. {navigation.page_name(page)})" if page is not None else ""
    return f"“{quote}”{where}"


def _pages(document: Document, start: int, end: int, navigation: PdfNavigation) -> str:
    first = document.page_of(start) or 0
    last = document.page_of(max(start, end - 1)) or first
    if first == last:
        return f"p. {navigation.page_name(first)}"
    return f"pp. {navigation.page_name(first)}–{navigation.page_name(last)}"


STAND_INS = {SYMBOL_COLOR, SUMMARY_COLOR, COMMENT_COLOR, LINK_COLOR}


def own_color(mark: PdfMark) -> str | None:
    """The mark's colour as the reader chose it: None where Annotator's export drew an
    uncoloured summary, symbol or comment in a colour of its own."""
    if mark.kind and mark.color in STAND_INS:
        return None
    return mark.color


PASSAGE_KINDS = frozenset(AnnotationKind) - {AnnotationKind.DOC_LABEL}
"""The kinds a PDF annotation can stand for (a document label has no place in a page)."""


def kind_of(mark: PdfMark) -> AnnotationKind:
    """The kind Annotator wrote the mark as; for another reader's (or a kind a PDF cannot
    hold), a comment if it has a note, else a highlight."""
    try:
        kind = AnnotationKind(mark.kind) if mark.kind else None
    except ValueError:
        kind = None
    return kind if kind in PASSAGE_KINDS else _plain_kind(mark)


def _plain_kind(mark: PdfMark) -> AnnotationKind:
    return AnnotationKind.COMMENT if mark.note else AnnotationKind.HIGHLIGHT
