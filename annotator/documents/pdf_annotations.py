"""Highlights and notes as real PDF annotations: written into a copy, read back from any PDF.

The records are plain :class:`PdfMark` values, not store objects, so that the service maps
``Annotation`` ↔ ``PdfMark`` and this module knows nothing of projects.

* A span (``start < end``) becomes one Highlight annotation per page it covers (or an
  Underline, ``pdf_type="Underline"``), its quads the line rectangles of its characters; the
  note (or ``content``) becomes the annotation's text (shown in its popup), the annotator its
  author (``/T``), the label (or ``subject``) its subject (``/Subj``), the id its name
  (``/NM``), so a second import recognises it.
* A mark with ``pdf_type="Text"`` becomes a sticky note in the margin beside the first line
  of its passage, not a mark over the passage: a section summary, a link between passages.
* An area mark (``page`` and ``rect`` set: a highlight on a scanned page) becomes a Square.
* A note on an empty span (``start == end``) becomes a sticky note (Text annotation).

What Annotator meant (its kind, symbol, label, note, span and link) is also kept in the
annotation's own ``/AnnotatorData`` entry (a JSON string, which other readers ignore), so that
importing Annotator's export gives back the same kinds, even for a sticky note that stands
for a whole section.

Reading maps Highlight / Underline / StrikeOut / Squiggly annotations to the characters whose
centres lie under their quads, FreeText to the characters inside its box, a sticky note to the
word nearest to its icon, and a Square to an area mark. Annotations sharing a name (one mark
written over several pages) come back as one record.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from annotator.core.errors import DocumentError
from annotator.documents.pdf import (
    PDF_ERRORS,
    PagedText,
    PdfReader,
    Rect,
    _transform,
)
from annotator.documents.pdf_library import pymupdf

MARKUP_TYPES = ("Highlight", "Underline", "StrikeOut", "Squiggly")
NOTE_TYPES = ("Text", "FreeText")
WRITTEN_TYPES = ("Highlight", "Underline", "Text")
DATA_KEY = "AnnotatorData"
"""The annotation-dictionary key holding what Annotator meant, as JSON (see the module doc)."""
DATA_KINDS = ("highlight", "comment", "entity", "sentiment", "summary", "link")
"""The kinds ``/AnnotatorData`` may name (a document label has no place on a page)."""
AREA_TYPES = ("Square",)
DEFAULT_COLOR = "#ffd54f"
AREA_OPACITY = 0.35
MIN_AREA_SIDE = 0.5
"""Points; an area narrower or lower than this marks nothing a reader could see."""


@dataclass(frozen=True, slots=True)
class PdfMark:
    """A highlight, comment or area highlight, as written to or read from a PDF.

    ``start``/``end`` are canonical-text offsets (code points, end exclusive); ``rect`` and
    ``page`` (0-based) describe an area mark, in displayed page space. ``color`` is ``#rrggbb``.
    ``pdf_type`` is the PDF annotation subtype it was read from (``Highlight``, ``Underline``,
    ``StrikeOut``, ``Squiggly``, ``Text``, ``FreeText``, ``Square``), or the one to write
    (``Highlight``, ``Underline`` or ``Text``; an area is always a Square).

    ``kind``, ``symbol`` and ``links`` (pairs of linked annotation ids, from and to, for a
    note that stands for a passage's links) say what Annotator meant; they are written into
    the annotation's ``/AnnotatorData`` and read back from it. ``subject`` and ``content``,
    when given, are what other readers show instead of the label and the note; ``icon`` names
    a sticky note's icon, ``side`` the margin it sits in (``"left"`` or ``"right"``) and ``at``
    the offset of the line it stands beside (default: its start; a section's heading).
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
    kind: str | None = None
    symbol: str | None = None
    subject: str | None = None
    content: str | None = None
    links: tuple[tuple[str, str], ...] = ()
    icon: str = "Note"
    side: str = "left"
    at: int | None = None

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
        pages: dict[int, pymupdf.Page] = {}
        popups: list[pymupdf.Annot] = []
        for mark in marks:
            try:
                problem = _write_mark(reader, pages, popups, mark)
            except PDF_ERRORS as error:
                # One unusable mark (a damaged box, say) is reported; the others are written.
                problem = f"PyMuPDF could not write it ({error})"
            if problem:
                skipped.append((mark, problem))
            else:
                written += 1
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(suffix=".pdf", dir=out.parent)
        os.close(handle)
        try:
            _make_appearances(pages.values(), popups)
            doc.save(
                temporary,
                garbage=1,
                deflate=True,
                encryption=pymupdf.PDF_ENCRYPT_KEEP,
            )
            os.replace(temporary, out)
        except (*PDF_ERRORS, OSError) as error:
            Path(temporary).unlink(missing_ok=True)
            raise DocumentError(
                f"The annotated copy of '{source.name}' could not be written to '{out}': {error}"
            ) from error
    return PdfWriteReport(written=written, skipped=tuple(skipped))


def _write_mark(
    reader: PdfReader,
    pages: dict[int, pymupdf.Page],
    popups: list[pymupdf.Annot],
    mark: PdfMark,
) -> str | None:
    """Add one mark to the reader's open document; a reason when it cannot be placed.

    ``pages`` keeps each page loaded once for the whole export: a PyMuPDF annotation is only
    usable while its Page object lives, and loading a page per mark costs a page parse. No
    appearance is made here (see :func:`_make_appearances`); a highlight whose note needs a
    popup beside it is added to ``popups``, to be placed once its rectangle is known."""
    rgb = hex_to_rgb(mark.color)

    def page_of(number: int) -> pymupdf.Page:
        if number not in pages:
            pages[number] = reader._page(number)
        return pages[number]

    if mark.is_area:
        assert mark.page is not None and mark.rect is not None
        if not 0 <= mark.page < reader.page_count:
            return f"page {mark.page + 1} does not exist"
        area = usable_area(mark.rect, reader.page_size(mark.page))
        if area is None:
            return "its area is empty, not a number or off the page"
        page = page_of(mark.page)
        unrotated = _transform(area, ~page.rotation_matrix)
        annots = [_new_annot(page, pymupdf.PDF_ANNOT_SQUARE, rgb, rect=unrotated, fill=True)]
        annots[0].set_opacity(AREA_OPACITY)
    elif mark.pdf_type == "Text":
        # A note for the passage, beside its first line: a summary must not paint a section.
        at = mark.at if mark.at is not None and mark.start <= mark.at < mark.end else mark.start
        located = _first_line(reader, at, mark.end)
        if located is None:
            return "the note's place has no character on any page (a scanned page?)"
        number, (x0, y0, _x1, _y1) = located
        page = page_of(number)
        if mark.side == "right":
            x = page.cropbox.width - NOTE_ICON_SIZE - 4  # unrotated, as the line's box
        else:
            x = max(2.0, x0 - NOTE_ICON_SIZE - 4)
        point = (x, max(2.0, y0 - 2))
        text = mark.content if mark.content is not None else mark.note
        note = (text, mark.icon)
        annots = [_new_annot(page, pymupdf.PDF_ANNOT_TEXT, rgb, point=point, note=note)]
    elif mark.start < mark.end:
        annots = []
        subtype = (
            pymupdf.PDF_ANNOT_UNDERLINE
            if mark.pdf_type == "Underline"
            else pymupdf.PDF_ANNOT_HIGHLIGHT
        )
        for number, rects, _matrix in reader._span_rects_unrotated(mark.start, mark.end):
            quads = [pymupdf.Rect(rect).quad for rect in rects if _drawable(rect)]
            if not quads:
                continue
            annots.append(_new_annot(page_of(number), subtype, rgb, quads=quads))
        if not annots:
            return "the passage has no characters on any page (a scanned page?)"
    elif mark.note:
        located = next(iter(reader._span_rects_unrotated(mark.start, mark.start + 1)), None)
        if located is None:
            return "the note's place has no character on any page (a scanned page?)"
        number, rects, _matrix = located
        x0, y0, _x1, _y1 = rects[0]
        note = (mark.note, "Note")
        page = page_of(number)
        annots = [_new_annot(page, pymupdf.PDF_ANNOT_TEXT, rgb, point=(x0, y0), note=note)]
    else:
        return "an empty passage without a note has nothing to show"
    content = mark.content if mark.content is not None else mark.note
    data = _data_of(mark)
    for annot in annots:
        annot.set_info(
            title=mark.author,
            content=content,
            subject=mark.subject if mark.subject is not None else mark.label or "",
        )
        # Straight into the dictionary: Document.xref_set_key prints the whole annotation
        # and parses it again for each key (a third of the export's time).
        if mark.id:
            _put_text(annot, "NM", mark.id)
        if data:
            _put_text(annot, DATA_KEY, data)
        if content and not mark.is_area and annot.type[1] != "Text":
            popups.append(annot)
    return None


def _make_appearances(pages: Iterable[pymupdf.Page], popups: Sequence[pymupdf.Annot]) -> None:
    """Make the appearance of every new annotation, a page at a time, then place the popups.

    MuPDF's ``pdf_update_annot`` (behind PyMuPDF's ``Annot.update``) brings every annotation
    on every open page up to date, twice over, whenever any one has changed: one update per
    mark made n marks on a page cost O(n²) (2,500 marks took 7.8 s, 10,000 over two minutes).
    ``pdf_update_page`` once per page makes the very same appearances in one pass. A popup
    goes beside its highlight's rectangle, which exists only once the appearance is made."""
    opened = list(pages)
    for page in opened:
        pymupdf.mupdf.pdf_update_page(page._pdf_page())
    if not popups:
        return
    for annot in popups:
        r = annot.rect
        annot.set_popup(pymupdf.Rect(r.x1 + 4, r.y0, r.x1 + 184, r.y0 + 100))
    for page in opened:  # setting a popup marks its highlight changed: one more pass
        pymupdf.mupdf.pdf_update_page(page._pdf_page())


NOTE_ICON_SIZE = 20.0
"""Points: the side of a sticky note's icon, placed this far left of its line."""


def _first_line(reader: PdfReader, start: int, end: int) -> tuple[int, Rect] | None:
    """The page and (unrotated) rectangle of the first line with a character in
    ``[start, end)`` (or, for an empty span, at or after ``start`` on its page)."""
    if end <= start:
        end = reader._require_text().page_map[-1][1] if reader.page_count else start
    for number, rects, _matrix in reader._span_rects_unrotated(start, end):
        drawable = [rect for rect in rects if _drawable(rect)]
        if drawable:
            return number, drawable[0]
    return None


def _data_of(mark: PdfMark) -> str:
    """What Annotator meant by ``mark``, as the JSON kept in ``/AnnotatorData`` ("" if the
    mark says nothing beyond the standard entries: a mark not made by Annotator)."""
    if mark.kind is None and mark.symbol is None and not mark.links:
        return ""
    data: dict[str, Any] = {"v": 1, "kind": mark.kind, "start": mark.start, "end": mark.end}
    if mark.symbol:
        data["symbol"] = mark.symbol
    if mark.label:
        data["label"] = mark.label
    if mark.note:
        data["note"] = mark.note
    if mark.links:
        data["links"] = [list(pair) for pair in mark.links]
    shown = mark.content if mark.content is not None else mark.note
    if shown != mark.note:
        data["shown"] = shown  # to tell a note edited in another reader (see _meant)
    return json.dumps(data)  # ASCII: a PDF string holds it unchanged


def _read_data(doc: pymupdf.Document, xref: int) -> dict[str, Any]:
    """``/AnnotatorData`` of an annotation, checked; ``{}`` when absent or not ours."""
    try:
        kind, value = doc.xref_get_key(xref, DATA_KEY)
    except PDF_ERRORS:
        return {}
    if kind != "string" or not value:
        return {}
    try:
        data = json.loads(value)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("v") != 1 or data.get("kind") not in DATA_KINDS:
        return {}
    texts = ("symbol", "label", "note", "shown")
    if any(key in data and not isinstance(data[key], str) for key in texts):
        return {}  # not what Annotator writes: the annotation's visible text is kept instead
    return data


def _drawable(rect: Rect) -> bool:
    """A character box PyMuPDF can make a quad of (not NaN, infinite or inside out)."""
    return all(math.isfinite(v) for v in rect) and rect[0] <= rect[2] and rect[1] <= rect[3]


def _put_text(annot: pymupdf.Annot, key: str, value: str) -> None:
    """Set ``/key`` of the annotation's dictionary to the text string ``value``."""
    mupdf = pymupdf.mupdf
    obj = mupdf.pdf_annot_obj(annot.this)
    mupdf.pdf_dict_put(obj, mupdf.pdf_new_name(key), mupdf.pdf_new_text_string(value))


def _new_annot(
    page: pymupdf.Page,
    annot_type: int,
    rgb: tuple[float, float, float],
    *,
    quads: Sequence[pymupdf.Quad] = (),
    rect: Rect | None = None,
    point: tuple[float, float] | None = None,
    note: tuple[str, str] = ("", "Note"),
    fill: bool = False,
) -> pymupdf.Annot:
    """A new Highlight (``quads``), Square (``rect``) or sticky note (``point``, with the
    ``note``'s text and icon name) on ``page``, in unrotated space, in colour ``rgb`` (its
    border's, and its inside's too with ``fill``).

    What ``page.add_highlight_annot`` / ``add_rect_annot`` / ``add_text_annot`` do, less two
    steps, each O(n) in the annotations already on the page, so that n marks on one page
    cost O(n²): PyMuPDF names every new annotation uniquely by first reading the name of
    every other one (5,000 marks took longer than 15 minutes; ours carry their own name,
    /NM, the annotation id), and it makes the appearance at once (see
    :func:`_make_appearances`, which makes them all in one pass).
    """
    mupdf = pymupdf.mupdf
    pdf_page = page._pdf_page()
    rotation = page.rotation
    # As add_highlight_annot / add_rect_annot do: the quads and the rectangle are given
    # unrotated, so the page is unrotated while they are added.
    if rotation:
        mupdf.pdf_dict_put_int(pdf_page.obj(), mupdf.PDF_ENUM_NAME_Rotate, 0)
    try:
        if rect is not None:
            box = pymupdf.JM_rect_from_py(rect)
            if mupdf.fz_is_infinite_rect(box) or mupdf.fz_is_empty_rect(box):
                raise ValueError("rect is infinite or empty")
        created = mupdf.pdf_create_annot(pdf_page, annot_type)
        for quad in quads:
            mupdf.pdf_add_annot_quad_point(created, pymupdf.JM_quad_from_py(quad))
        if rect is not None:
            mupdf.pdf_set_annot_rect(created, box)
        if point is not None:
            # MuPDF gives a new note its icon's size; it is moved, not resized, to the point.
            icon = mupdf.pdf_annot_rect(created)
            x, y = point
            box = mupdf.fz_make_rect(x, y, x + icon.x1 - icon.x0, y + icon.y1 - icon.y0)
            mupdf.pdf_set_annot_rect(created, box)
            text, icon_name = note
            mupdf.pdf_set_annot_contents(created, text)
            mupdf.pdf_set_annot_icon_name(created, icon_name)
        # As Annot.set_colors writes them, without printing and parsing the annotation.
        obj = mupdf.pdf_annot_obj(created)
        for key in ("C", "IC") if fill else ("C",):
            color = mupdf.pdf_new_array(pdf_page.doc(), 3)
            for component in rgb:
                mupdf.pdf_array_push_real(color, component)
            mupdf.pdf_dict_put(obj, mupdf.pdf_new_name(key), color)
    finally:
        if rotation:
            mupdf.pdf_dict_put_int(pdf_page.obj(), mupdf.PDF_ENUM_NAME_Rotate, rotation)
    annot = pymupdf.Annot(created)
    pymupdf.annot_postprocess(page, annot)
    return annot


@dataclass(frozen=True, slots=True)
class PdfReadReport:
    """The marks read from a PDF, and how many areas had to be fixed or left out.

    ``clamped`` areas reached past their page and were cut to it; ``dropped`` ones were empty,
    not finite (NaN, infinite) or wholly off the page, so they mark nothing."""

    marks: list[PdfMark]
    clamped: int = 0
    dropped: int = 0


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
    return read_pdf_marks(path, text, password=password).marks


def read_pdf_marks(
    path: str | Path,
    text: PagedText,
    *,
    password: str | None = None,
) -> PdfReadReport:
    """:func:`read_pdf_annotations` with the count of areas clamped to their page or dropped,
    so that an import can say what it changed."""
    marks: list[PdfMark] = []
    clamped = dropped = 0
    with PdfReader(path, password=password, text=text) as reader:
        canonical = text.text
        for number in range(reader.page_count):
            page = reader._page(number)
            m = page.rotation_matrix
            for annot in _annots(page):
                kind = annot.type[1]
                if kind not in MARKUP_TYPES + NOTE_TYPES + AREA_TYPES:
                    continue
                mark = _read_annot(reader, number, annot, kind, canonical, m)
                if mark is None:
                    continue
                if mark.rect is not None:
                    area = usable_area(mark.rect, reader.page_size(number))
                    if area is None:
                        dropped += 1
                        continue
                    if area != mark.rect:
                        clamped += 1
                        mark = replace(mark, rect=area)
                marks.append(mark)
    return PdfReadReport(_merge_by_id(marks), clamped=clamped, dropped=dropped)


def _annots(page: pymupdf.Page) -> Iterator[pymupdf.Annot]:
    """The page's annotations, following their chain: ``page.annots()`` looks each one up
    from the start of the page's list again, which is O(n²) for n annotations."""
    annot = page.first_annot
    while annot is not None:
        yield annot
        annot = annot.next


def usable_area(rect: Sequence[float], page_size: tuple[float, float]) -> Rect | None:
    """``rect`` cut to the page (displayed space); None when nothing of it is left.

    PyMuPDF refuses an empty or infinite rectangle for a new annotation, so an area that is
    NaN, empty or off the page could never be written back into a PDF."""
    if len(rect) != 4 or not all(math.isfinite(v) for v in rect):
        return None
    width, height = page_size
    x0, y0, x1, y1 = (float(v) for v in rect)
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    area = (max(x0, 0.0), max(y0, 0.0), min(x1, width), min(y1, height))
    if area[2] - area[0] < MIN_AREA_SIDE or area[3] - area[1] < MIN_AREA_SIDE:
        return None
    return area


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
    mark = PdfMark(
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
    data = _read_data(reader._doc, annot.xref)
    return _meant(mark, data, len(canonical)) if data else mark


def _meant(mark: PdfMark, data: dict[str, Any], length: int) -> PdfMark:
    """``mark`` with what Annotator's ``/AnnotatorData`` says it meant: its kind, symbol,
    label and note as typed (not as shown to other readers) and, for a sticky note standing
    for a passage, that passage. A note edited since in another reader (its text is no
    longer what was written) keeps the edit: what follows the words Annotator put before
    the note ("? ", a summary's heading), or the whole text."""

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) and value else None

    start, end = data.get("start"), data.get("end")
    span_ok = isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= length
    pairs = data.get("links")
    links = tuple(
        (pair[0], pair[1])
        for pair in (pairs if isinstance(pairs, list) else [])
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
    )
    note = text("note") or ""
    written = text("shown") or note
    if data.get("kind") != "link" and mark.note != written:
        note = _edited(mark.note, written, note)
    return replace(
        mark,
        start=start if span_ok and mark.pdf_type in NOTE_TYPES else mark.start,  # type: ignore[arg-type]
        end=end if span_ok and mark.pdf_type in NOTE_TYPES else mark.end,  # type: ignore[arg-type]
        kind=text("kind"),
        symbol=text("symbol"),
        label=text("label"),
        note=note,
        links=links,
    )


def _edited(visible: str, written: str, note: str) -> str:
    """The note in ``visible``, a text first written as ``written`` (``note`` after some
    words of Annotator's own) and edited since in another reader."""
    lead = written[: len(written) - len(note)] if note and written.endswith(note) else written
    if note == written:
        lead = ""
    if lead and visible.startswith(lead):
        return visible[len(lead) :].strip()
    return visible


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
