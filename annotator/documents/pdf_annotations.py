"""Highlights and notes as real PDF annotations: written into a copy, read back from any PDF.

The records are plain :class:`PdfMark` values, not store objects, so that the service maps
``Annotation`` ↔ ``PdfMark`` and this module knows nothing of projects.

* A span (``start < end``) becomes one Highlight annotation per page it covers, its quads the
  line rectangles of its characters; the note becomes the annotation's text (shown in its
  popup), the annotator its author (``/T``), the label its subject (``/Subj``), the id its
  name (``/NM``), so a second import recognises it.
* An area mark (``page`` and ``rect`` set: a highlight on a scanned page) becomes a Square.
* A note on an empty span (``start == end``) becomes a sticky note (Text annotation).

Reading maps Highlight / Underline / StrikeOut / Squiggly annotations to the characters whose
centres lie under their quads, FreeText to the characters inside its box, a sticky note to the
word nearest to its icon, and a Square to an area mark. Annotations sharing a name (one mark
written over several pages) come back as one record.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pymupdf

from annotator.core.errors import DocumentError
from annotator.documents.pdf import (
    PagedText,
    PdfReader,
    Rect,
    _transform,
)

MARKUP_TYPES = ("Highlight", "Underline", "StrikeOut", "Squiggly")
NOTE_TYPES = ("Text", "FreeText")
AREA_TYPES = ("Square",)
DEFAULT_COLOR = "#ffd54f"
AREA_OPACITY = 0.35


@dataclass(frozen=True, slots=True)
class PdfMark:
    """A highlight, comment or area highlight, as written to or read from a PDF.

    ``start``/``end`` are canonical-text offsets (code points, end exclusive); ``rect`` and
    ``page`` (0-based) describe an area mark, in displayed page space. ``color`` is ``#rrggbb``.
    ``pdf_type`` is the PDF annotation subtype it was read from (``Highlight``, ``Underline``,
    ``StrikeOut``, ``Squiggly``, ``Text``, ``FreeText``, ``Square``); writing ignores it.
    """

    start: int
    end: int
    color: str | None = None
    author: str = ""
    note: str = ""
    label: str | None = None
    page: int | None = None
    rect: Rect | None = None
    id: str | None = None
    pdf_type: str = "Highlight"

    @property
    def is_area(self) -> bool:
        return self.rect is not None and self.page is not None


@dataclass(frozen=True, slots=True)
class PdfWriteReport:
    """How many marks went into the annotated copy, and which did not and why."""

    written: int
    skipped: tuple[tuple[PdfMark, str], ...] = ()


def hex_to_rgb(color: str | None) -> tuple[float, float, float]:
    value = (color or DEFAULT_COLOR).lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    if not re.fullmatch(r"[0-9a-fA-F]{6}", value):
        value = DEFAULT_COLOR.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def rgb_to_hex(rgb: Sequence[float] | None) -> str | None:
    if not rgb or len(rgb) < 3:
        return None
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb[:3])


def write_annotated_pdf(
    source_path: str | Path,
    out_path: str | Path,
    marks: Iterable[PdfMark],
    text: PagedText,
    *,
    password: str | None = None,
) -> PdfWriteReport:
    """Write a copy of ``source_path`` to ``out_path`` with ``marks`` as PDF annotations.

    ``text`` is the canonical text the marks' offsets count in (the stored document's). The
    source is never changed; the copy is written to a temporary file and moved into place, so
    a failure leaves no half-written file. An encrypted source keeps its encryption.
    """
    source, out = Path(source_path), Path(out_path)
    if out.exists() and out.resolve() == source.resolve():
        raise DocumentError(
            f"Choose another name for the annotated copy: writing over '{source.name}' would "
            "change the document the annotations belong to"
        )
    skipped: list[tuple[PdfMark, str]] = []
    written = 0
    with PdfReader(source, password=password, text=text) as reader:
        doc = reader._doc
        for mark in marks:
            problem = _write_mark(reader, mark)
            if problem:
                skipped.append((mark, problem))
            else:
                written += 1
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(suffix=".pdf", dir=out.parent)
        os.close(handle)
        try:
            doc.save(
                temporary,
                garbage=1,
                deflate=True,
                encryption=pymupdf.PDF_ENCRYPT_KEEP,
            )
            os.replace(temporary, out)
        except (RuntimeError, ValueError, OSError) as error:
            Path(temporary).unlink(missing_ok=True)
            raise DocumentError(
                f"The annotated copy of '{source.name}' could not be written to '{out}': {error}"
            ) from error
    return PdfWriteReport(written=written, skipped=tuple(skipped))


def _write_mark(reader: PdfReader, mark: PdfMark) -> str | None:
    """Add one mark to the reader's open document; a reason when it cannot be placed."""
    rgb = hex_to_rgb(mark.color)
    # A PyMuPDF annotation is only usable while its Page object lives: keep the pages.
    pages: list[pymupdf.Page] = []
    if mark.is_area:
        assert mark.page is not None and mark.rect is not None
        if not 0 <= mark.page < reader.page_count:
            return f"page {mark.page + 1} does not exist"
        page = reader._page(mark.page)
        pages.append(page)
        area = _transform(mark.rect, ~page.rotation_matrix)
        annots = [page.add_rect_annot(pymupdf.Rect(area))]
        annots[0].set_colors(stroke=rgb, fill=rgb)
        annots[0].set_opacity(AREA_OPACITY)
    elif mark.start < mark.end:
        annots = []
        for number, rects, _matrix in reader._span_rects_unrotated(mark.start, mark.end):
            page = reader._page(number)
            pages.append(page)
            quads = [pymupdf.Rect(rect).quad for rect in rects]
            annot = page.add_highlight_annot(quads)
            annot.set_colors(stroke=rgb)
            annots.append(annot)
        if not annots:
            return "the passage has no characters on any page (a scanned page?)"
    elif mark.note:
        located = next(iter(reader._span_rects_unrotated(mark.start, mark.start + 1)), None)
        if located is None:
            return "the note's place has no character on any page (a scanned page?)"
        number, rects, _matrix = located
        x0, y0, _x1, _y1 = rects[0]
        pages.append(reader._page(number))
        annots = [pages[0].add_text_annot((x0, y0), mark.note)]
        annots[0].set_colors(stroke=rgb)
    else:
        return "an empty passage without a note has nothing to show"
    for annot in annots:
        annot.set_info(
            title=mark.author,
            content=mark.note,
            subject=mark.label or "",
        )
        if mark.id:
            reader._doc.xref_set_key(annot.xref, "NM", pymupdf.get_pdf_str(mark.id))
        if mark.note and not mark.is_area and annot.type[1] != "Text":
            r = annot.rect
            annot.set_popup(pymupdf.Rect(r.x1 + 4, r.y0, r.x1 + 184, r.y0 + 100))
        annot.update()
    return None


def read_pdf_annotations(
    path: str | Path,
    text: PagedText,
    *,
    password: str | None = None,
) -> list[PdfMark]:
    """The highlights, notes and area marks already in a PDF, anchored in ``text``.

    ``text`` must be the canonical text of this very file (from ``load_pdf``). Markup whose
    quads cover no character (e.g. on a scanned page) comes back as an area mark.
    """
    marks: list[PdfMark] = []
    with PdfReader(path, password=password, text=text) as reader:
        canonical = text.text
        for number in range(reader.page_count):
            page = reader._page(number)
            m = page.rotation_matrix
            for annot in page.annots() or ():
                kind = annot.type[1]
                if kind not in MARKUP_TYPES + NOTE_TYPES + AREA_TYPES:
                    continue
                mark = _read_annot(reader, number, annot, kind, canonical, m)
                if mark is not None:
                    marks.append(mark)
    return _merge_by_id(marks)


def _read_annot(
    reader: PdfReader,
    number: int,
    annot: pymupdf.Annot,
    kind: str,
    canonical: str,
    m: pymupdf.Matrix,
) -> PdfMark | None:
    info = annot.info
    colors = annot.colors or {}
    color = rgb_to_hex(colors.get("stroke")) or rgb_to_hex(colors.get("fill"))
    annot_rect = annot.rect
    rect: Rect = (annot_rect.x0, annot_rect.y0, annot_rect.x1, annot_rect.y1)
    start = end = reader._page_range(number)[0]
    area: Rect | None = None
    if kind in MARKUP_TYPES:
        offsets = reader._offsets_in(number, _quad_rects(annot.vertices) or [rect])
        if offsets:
            start, end = min(offsets), max(offsets) + 1
        else:
            area = rect
    elif kind == "FreeText":
        offsets = reader._offsets_in(number, [rect])
        if offsets:
            start, end = min(offsets), max(offsets) + 1
        else:
            start, end = _word_at(canonical, reader._caret(number, rect[0], rect[1]))
    elif kind == "Text":
        centre = ((rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2)
        start, end = _word_at(canonical, reader._caret(number, *centre))
    else:
        area = rect
    mark_id = info.get("id") or None
    if mark_id and mark_id.startswith("fitz-"):
        mark_id = None  # PyMuPDF's generated names identify nothing outside this file
    return PdfMark(
        start=start,
        end=end,
        color=color,
        author=info.get("title", ""),
        note=info.get("content", ""),
        label=info.get("subject") or None,
        page=number,
        rect=_transform(area, m) if area is not None else None,
        id=mark_id,
        pdf_type=kind,
    )


def _quad_rects(vertices: Sequence[Sequence[float]] | None) -> list[Rect]:
    """Bounding rectangles of the quads (4 points each), slightly shrunk vertically so that a
    generous highlight does not catch the lines above and below."""
    rects: list[Rect] = []
    points = list(vertices or ())
    for i in range(0, len(points) - 3, 4):
        xs = [p[0] for p in points[i : i + 4]]
        ys = [p[1] for p in points[i : i + 4]]
        x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
        rects.append((x0 - 0.5, y0, x1 + 0.5, y1))
    return rects


def _word_at(text: str, offset: int) -> tuple[int, int]:
    """The word at or just before ``offset``; an empty span if there is none nearby."""
    for match in re.finditer(r"\w+", text[max(0, offset - 80) : offset + 80]):
        start = match.start() + max(0, offset - 80)
        end = match.end() + max(0, offset - 80)
        if end >= offset:
            return start, end
    return offset, offset


def _merge_by_id(marks: list[PdfMark]) -> list[PdfMark]:
    merged: list[PdfMark] = []
    index: dict[str, int] = {}
    for mark in marks:
        if mark.id and mark.id in index and mark.rect is None:
            i = index[mark.id]
            first = merged[i]
            merged[i] = replace(
                first, start=min(first.start, mark.start), end=max(first.end, mark.end)
            )
            continue
        if mark.id:
            index[mark.id] = len(merged)
        merged.append(mark)
    return merged
