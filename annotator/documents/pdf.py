"""PDFs (and EPUB, XPS, CBZ, FB2, MOBI, which PyMuPDF also opens): canonical text, pages, boxes.

Two entry points with different costs:

* :func:`load_pdf` / :func:`extract_pdf` read the text of every page (seconds for a 2,000-page
  manual). Run them off the GUI thread; they report ``progress(done, total)`` and stop when
  ``cancel()`` returns true.
* :class:`PdfReader` opens the file without extracting anything, so the first page renders at
  once; character boxes are read per page, on demand, and kept in a small bounded cache.

Canonical text
--------------
The canonical text is PyMuPDF's plain-text output of each page, in MuPDF's reading order
(``page.get_text("text", flags=text_flags())``: every line of every text block followed by
``"\\n"``), with the pages joined by :data:`PAGE_SEPARATOR`, a form feed (``"\\f"``, the page
break ``pdftotext`` uses too). ``page_map[i]`` is the ``(start, end)`` range of page ``i``
*without* the separator, so ``text[start:end]`` is exactly that page's text. A page whose text
could not be extracted, or that has no text layer, is an empty range.

Coordinates
-----------
Every rectangle and point this module hands out or takes is in *page space as displayed*:
PDF points, origin at the top left of the page as rendered (page rotation applied), so a point
``(x, y)`` is pixel ``(x * zoom, y * zoom)`` of ``render_page(i, zoom)``. Rectangles are plain
``(x0, y0, x1, y1)`` tuples; no PyMuPDF type leaves this module.

Threads: a ``pymupdf.Document`` must be used from one thread at a time. The GUI keeps its
:class:`PdfReader` on one thread and lets a worker call :func:`extract_pdf`, which opens its own.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from annotator.core.errors import DocumentError
from annotator.core.model import DocumentKind
from annotator.core.words import agree, counted
from annotator.documents.base import LoadedDocument, sha256_file, sha256_text
from annotator.documents.find import iter_spans
from annotator.documents.pdf_library import load_pymupdf

if TYPE_CHECKING:  # PyMuPDF itself is imported when a file is opened (pdf_library)
    import pymupdf

_pdf_errors: tuple[type[Exception], ...] = ()


def pdf_errors() -> tuple[type[Exception], ...]:
    """What PyMuPDF raises for a file it cannot read: its own errors are RuntimeErrors, but a
    damaged file can also surface MuPDF's low-level errors (``FzErrorFormat``...), which are
    not. (A function, for an ``except`` clause: PyMuPDF is imported on first use.)"""
    global _pdf_errors
    if not _pdf_errors:
        _pdf_errors = (RuntimeError, ValueError, load_pymupdf().mupdf.FzErrorBase)
    return _pdf_errors


PAGE_SEPARATOR = "\f"
"""Joins the texts of consecutive pages in the canonical text (not part of any page's range)."""


def text_flags() -> int:
    """The text-extraction flags of both the canonical text and the character boxes.

    Pinned (rather than PyMuPDF's per-call defaults) because the boxes only line up with the
    text when both come from identically built text pages.
    """
    fitz = load_pymupdf()
    return int(
        fitz.TEXT_PRESERVE_LIGATURES
        | fitz.TEXT_PRESERVE_WHITESPACE
        | fitz.TEXT_MEDIABOX_CLIP
        | fitz.TEXT_CID_FOR_UNKNOWN_UNICODE
    )


def __getattr__(name: str) -> Any:
    # The constants these functions replaced, for code that imports them.
    if name == "PDF_ERRORS":
        return pdf_errors()
    if name == "TEXT_FLAGS":
        return text_flags()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


REFLOWABLE_LAYOUT = {"width": 450.0, "height": 600.0, "fontsize": 11.0}
"""Page size and font size EPUB & co. are laid out at; fixed so that their page map is stable."""

MAX_RENDER_PIXELS = 40_000_000
"""A rendering larger than this (e.g. a poster-sized page at high zoom) is made at a lower zoom."""

Rect = tuple[float, float, float, float]
Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]

_FILETYPES = {
    ".pdf": ("pdf", DocumentKind.PDF),
    ".epub": ("epub", DocumentKind.EPUB),
    ".xps": ("xps", DocumentKind.PDF),
    ".oxps": ("xps", DocumentKind.PDF),
    ".cbz": ("cbz", DocumentKind.PDF),
    ".fb2": ("fb2", DocumentKind.EPUB),
    ".mobi": ("mobi", DocumentKind.EPUB),
}
"""File suffix → (PyMuPDF file type, document kind). Paged formats count as PDF, reflowable as
EPUB, since that is what decides how the reader shows them."""


# --------------------------------------------------------------------------------------------
# Errors


class PasswordRequired(DocumentError):
    """The file is encrypted and no password was given: ask the reader for one."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(f"'{Path(path).name}' is encrypted: enter its password to open it")
        self.path = str(path)


class WrongPassword(DocumentError):
    """The password given for an encrypted file does not open it."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(
            f"The password for '{Path(path).name}' is wrong: check it and enter it again"
        )
        self.path = str(path)


class PageError(DocumentError):
    """One page cannot be rendered or read; the rest of the document still works."""

    def __init__(self, path: str | Path, page: int, problem: str) -> None:
        super().__init__(f"Page {page + 1} of '{Path(path).name}' cannot be shown: {problem}")
        self.path = str(path)
        self.page = page


class ExtractionCancelled(Exception):
    """:func:`extract_pdf` stopped because its ``cancel()`` returned true."""


class TextNotExtracted(RuntimeError):
    """A :class:`PdfReader` was asked about text offsets before its text was attached."""


# --------------------------------------------------------------------------------------------
# Opening


def _kind_and_filetype(path: Path) -> tuple[str, DocumentKind]:
    known = _FILETYPES.get(path.suffix.lower())
    if known is not None:
        return known
    if _starts_like_pdf(path):
        return "pdf", DocumentKind.PDF
    raise DocumentError(f"'{path.name}' is not a PDF, nor an EPUB, XPS, CBZ, FB2 or MOBI file")


def _starts_like_pdf(path: Path) -> bool:
    # The PDF header may legally sit anywhere in the first 1024 bytes.
    with open(path, "rb") as handle:
        return b"%PDF-" in handle.read(1024)


def open_document(path: str | Path, password: str | None = None) -> pymupdf.Document:
    """Open ``path`` with PyMuPDF, turning every way it can fail into a :class:`DocumentError`.

    Raises :class:`PasswordRequired` for an encrypted file opened without a password and
    :class:`WrongPassword` when the password does not open it.
    """
    path = Path(path)
    if not path.exists():
        raise DocumentError(f"'{path.name}' does not exist (looked for {path})")
    if path.is_dir():
        raise DocumentError(f"'{path.name}' is a folder, not a PDF file")
    filetype, _kind = _kind_and_filetype(path)
    try:
        size = path.stat().st_size
        if size == 0:
            raise DocumentError(f"'{path.name}' is empty (0 bytes)")
        if filetype == "pdf" and not _starts_like_pdf(path):
            raise DocumentError(
                f"'{path.name}' is not a PDF file (it does not start with %PDF-); "
                "it may be another kind of file with a .pdf name"
            )
    except PermissionError as error:
        raise DocumentError(f"'{path.name}' cannot be read: permission denied") from error
    try:
        if filetype in ("pdf", "xps", "cbz"):
            doc = load_pymupdf().open(str(path), filetype=filetype)
        else:
            doc = load_pymupdf().open(str(path), filetype=filetype, **REFLOWABLE_LAYOUT)
    except PermissionError as error:
        raise DocumentError(f"'{path.name}' cannot be read: permission denied") from error
    except pdf_errors() as error:
        raise DocumentError(
            f"'{path.name}' is damaged or truncated and cannot be opened ({error})"
        ) from error
    if doc.needs_pass:
        if password is None:
            doc.close()
            raise PasswordRequired(path)
        if not doc.authenticate(password):
            doc.close()
            raise WrongPassword(path)
    try:
        page_count = doc.page_count
    except pdf_errors() as error:
        doc.close()
        raise DocumentError(
            f"'{path.name}' is damaged and its pages cannot be read ({error})"
        ) from error
    if page_count == 0:
        doc.close()
        raise DocumentError(f"'{path.name}' has no pages")
    return doc


def document_kind(path: str | Path) -> DocumentKind:
    """PDF for paged files (PDF, XPS, CBZ), EPUB for reflowable ones (EPUB, FB2, MOBI)."""
    return _kind_and_filetype(Path(path))[1]


# --------------------------------------------------------------------------------------------
# Full-text extraction


@dataclass(frozen=True, slots=True)
class PageProblem:
    """A page whose text could not be extracted, and why (its range in the text is empty)."""

    page: int
    problem: str


@dataclass(frozen=True, slots=True)
class PdfExtraction:
    """What :func:`extract_pdf` found besides the text: what the reader should be told."""

    document: LoadedDocument
    page_count: int
    scanned_pages: tuple[int, ...] = ()  # pages with images but no text: area highlights only
    failed_pages: tuple[PageProblem, ...] = ()
    repaired: bool = False  # MuPDF had to repair a damaged file; pages may be missing or empty
    warnings: tuple[str, ...] = ()  # complete sentences, for a status bar or a dialog

    @property
    def has_text_layer(self) -> bool:
        return bool(self.document.text.replace(PAGE_SEPARATOR, "").strip())


def load_pdf(
    path: str | Path,
    password: str | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> LoadedDocument:
    """The canonical text of a PDF (or EPUB…) with its page map; see :func:`extract_pdf`."""
    return extract_pdf(path, password, progress, cancel).document


def extract_pdf(
    path: str | Path,
    password: str | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> PdfExtraction:
    """Extract the text of every page, in reading order, into one canonical text.

    ``progress(done, total)`` is called now and then (at most ~100 times, and once at the end);
    ``cancel()`` is checked before every page and, when it returns true, the extraction stops
    with :class:`ExtractionCancelled`. A page whose text cannot be extracted is left empty and
    reported in ``failed_pages``; pages with images but no text are reported as scanned.
    """
    path = Path(path)
    doc = open_document(path, password)
    try:
        return _extract(doc, path, progress, cancel)
    finally:
        doc.close()


def _extract(
    doc: pymupdf.Document, path: Path, progress: Progress | None, cancel: Cancel | None
) -> PdfExtraction:
    total = doc.page_count
    step = max(1, total // 100)
    parts: list[str] = []
    page_map: list[tuple[int, int]] = []
    scanned: list[int] = []
    failed: list[PageProblem] = []
    offset = 0
    for number in range(total):
        if cancel is not None and cancel():
            raise ExtractionCancelled(f"Reading '{path.name}' was cancelled")
        page_text = ""
        try:
            page = doc.load_page(number)
            page_text = page.get_text("text", flags=text_flags())
            if not page_text.strip() and page.get_images():
                scanned.append(number)
        except pdf_errors() as error:
            failed.append(PageProblem(number, str(error) or type(error).__name__))
            page_text = ""
        if number:
            parts.append(PAGE_SEPARATOR)
            offset += len(PAGE_SEPARATOR)
        parts.append(page_text)
        page_map.append((offset, offset + len(page_text)))
        offset += len(page_text)
        if progress is not None and (number % step == step - 1 or number == total - 1):
            progress(number + 1, total)
    text = "".join(parts)
    repaired = bool(doc.is_repaired) if doc.is_pdf else False
    document = LoadedDocument(
        title=_title(doc, text, path),
        kind=document_kind(path),
        text=text,
        sha256=sha256_file(str(path)),
        text_sha256=sha256_text(text),
        page_map=tuple(page_map),
    )
    warnings = _warnings(path.name, total, text, scanned, failed, repaired)
    return PdfExtraction(
        document=document,
        page_count=total,
        scanned_pages=tuple(scanned),
        failed_pages=tuple(failed),
        repaired=repaired,
        warnings=warnings,
    )


def _warnings(
    name: str,
    total: int,
    text: str,
    scanned: list[int],
    failed: list[PageProblem],
    repaired: bool,
) -> tuple[str, ...]:
    warnings: list[str] = []
    if repaired:
        warnings.append(
            f"'{name}' is damaged and was repaired while opening: some pages may be missing "
            "or empty."
        )
    if not text.replace(PAGE_SEPARATOR, "").strip():
        warnings.append(
            f"'{name}' has no text layer (it looks scanned): text cannot be selected or "
            "searched, but areas of its pages can still be highlighted."
        )
    elif scanned:
        warnings.append(
            f"{len(scanned)} of {counted(total, 'page')} of '{name}' "
            f"{agree(len(scanned), 'has', 'have')} no text layer "
            f"(pages {_page_list(scanned)}): only areas of them can be highlighted."
        )
    if failed:
        warnings.append(
            f"The text of {counted(len(failed), 'page')} of '{name}' could not be read "
            f"(pages {_page_list([p.page for p in failed])}); the rest of the document works."
        )
    return tuple(warnings)


def _page_list(pages: Sequence[int], limit: int = 10) -> str:
    shown = ", ".join(str(page + 1) for page in pages[:limit])
    return shown + (f" and {len(pages) - limit} more" if len(pages) > limit else "")


def _title(doc: pymupdf.Document, text: str, path: Path) -> str:
    """The metadata title, else a plausible first line of the text, else the file name."""
    metadata = doc.metadata or {}
    title = " ".join((metadata.get("title") or "").split())
    if title and not title.lower().endswith((".pdf", ".doc", ".docx", ".dvi", ".tex")):
        return title
    for line in text[:2000].splitlines():
        line = " ".join(line.split())
        if line:
            # A running header or a page number is not a title.
            if 3 <= len(line) <= 120 and sum(ch.isalpha() for ch in line) >= 3:
                return line
            break
    return path.stem


# --------------------------------------------------------------------------------------------
# Printed page numbers (the PDF's page labels)

_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))  # fmt: skip


def _roman(number: int) -> str:
    out = []
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def _letters(number: int) -> str:
    """a…z, then aa…zz, aaa… (the PDF reference's rule for the ``a``/``A`` styles)."""
    if number < 1:
        return ""
    repeat, index = divmod(number - 1, 26)
    return chr(ord("a") + index) * (repeat + 1)


_HEX_STRING = re.compile(r"<([0-9A-Fa-f\s]*)>")
_ESCAPE = re.compile(r"\\([0-7]{1,3}|.)", re.DOTALL)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


def pdf_text(raw: str) -> str:
    """A PDF text string as PyMuPDF's page-label rules hand it over, decoded: a hex string
    (``<FEFF0031>``, as LaTeX writes page-label prefixes) or a literal one with escapes
    (``\\376\\377…``), UTF-16 when it starts with its byte-order mark, else PDFDocEncoding
    (read as Latin-1). Plain text comes back unchanged."""
    hex_string = _HEX_STRING.fullmatch(raw.strip())
    if hex_string:
        digits = "".join(hex_string[1].split())
        data = bytes.fromhex(digits + "0" * (len(digits) % 2))
    elif "\\" in raw:
        text = _ESCAPE.sub(_unescape, raw)
        data = text.encode("latin-1", errors="replace")
    else:
        return raw
    if data[:2] == b"\xfe\xff":
        return data[2:].decode("utf-16-be", errors="replace")
    return data.decode("latin-1")


def _unescape(match: re.Match[str]) -> str:
    """One escape of a PDF literal string: ``\\ddd`` octal, ``\\n`` & co, ``\\(``."""
    code = match[1]
    if code[0] in "01234567":
        return chr(int(code, 8) & 0xFF)
    return _ESCAPES.get(code, code)


def label_pages(rules: Sequence[dict[str, Any]], page_count: int) -> tuple[str, ...]:
    """Every page's printed label from the PDF's page-label rules (``get_page_labels()``).

    A page before the first rule, or under a rule with neither style nor prefix, gets ``""``
    (no label: show the physical number). Styles: ``D`` decimal, ``r``/``R`` roman, ``a``/``A``
    letters; ``firstpagenum`` is the number of a rule's first page (PDF 32000 §12.4.2).
    """
    ordered = sorted(
        (r for r in rules if isinstance(r.get("startpage"), int) and r["startpage"] >= 0),
        key=lambda r: r["startpage"],
    )
    labels = [""] * page_count
    for i, rule in enumerate(ordered):
        first = rule["startpage"]
        last = ordered[i + 1]["startpage"] if i + 1 < len(ordered) else page_count
        style = str(rule.get("style") or "")
        prefix = pdf_text(str(rule.get("prefix") or ""))
        try:
            number = max(1, int(rule.get("firstpagenum") or 1))
        except (TypeError, ValueError):
            number = 1
        for page in range(first, min(last, page_count)):
            n = number + page - first
            digits = {
                "D": str(n), "r": _roman(n), "R": _roman(n).upper(),
                "a": _letters(n), "A": _letters(n).upper(),
            }.get(style, "")  # fmt: skip
            labels[page] = prefix + digits
    return tuple(labels)


def document_page_labels(doc: pymupdf.Document) -> tuple[str, ...]:
    """The printed label of every page of an open document; ``()`` when it has none (or is
    not a PDF, or its label tree cannot be read): show physical page numbers then."""
    if not getattr(doc, "is_pdf", False):
        return ()
    try:
        rules = doc.get_page_labels()
    except (*pdf_errors(), TypeError, IndexError, KeyError):
        return ()
    labels = label_pages(rules, int(doc.page_count)) if rules else ()
    return labels if any(labels) else ()


@dataclass(frozen=True, slots=True)
class PdfNavigation:
    """What a reader finds pages by: printed page labels and the table of contents.

    Empty for a document that is not a PDF, has neither, or whose file is gone; pages are
    then named by their number."""

    labels: tuple[str, ...] = ()
    outline: tuple[OutlineEntry, ...] = ()

    def page_name(self, page: int) -> str:
        return page_name(self.labels, page)

    def heading_at(self, page: int) -> str | None:
        """The title of the contents entry a section starting on ``page`` begins with: the
        first entry on that page (the outermost, if several), else the last one before."""
        on_page = [e for e in self.outline if e.page == page]
        if on_page:
            return min(on_page, key=lambda e: e.level).title.strip() or None
        before = [e for e in self.outline if e.page is not None and e.page < page]
        return (before[-1].title.strip() or None) if before else None


def read_navigation(path: str | Path, page_count: int | None = None) -> PdfNavigation:
    """The page labels and contents of the PDF at ``path``; empty when it has none, cannot
    be opened, or (with ``page_count``) no longer has that many pages. Reads only the
    catalogue: milliseconds even for a 2,000-page manual."""
    path = Path(path)
    if path.suffix.lower() != ".pdf" or not path.is_file():
        return PdfNavigation()
    try:
        doc = load_pymupdf().open(str(path))
    except (*pdf_errors(), OSError):
        return PdfNavigation()
    try:
        if page_count is not None and doc.page_count != page_count:
            return PdfNavigation()
        try:
            toc = doc.get_toc(simple=True)
        except pdf_errors():
            toc = []
        outline = tuple(
            OutlineEntry(int(level), str(title), int(target) - 1 if target and target > 0 else None)
            for level, title, target, *_ in toc
        )
        return PdfNavigation(document_page_labels(doc), outline)
    finally:
        doc.close()


def page_named(labels: Sequence[str], name: str, page_count: int) -> int | None:
    """The 0-based page a reader means by ``name``: a printed label ("iv", "12"; the first
    page that carries it, any case), or ``#N`` for the file's Nth page; None if none is."""
    name = name.strip()
    if name.startswith("#") and name[1:].strip().isdigit():
        number = int(name[1:])
        return number - 1 if 1 <= number <= page_count else None
    exact = next((page for page, label in enumerate(labels) if label and label == name), None)
    if exact is not None:
        return exact
    folded = name.casefold()
    for page, label in enumerate(labels):
        if label and label.casefold() == folded:  # "IV" for "iv"
            return page
    if name.isdigit() and not any(labels):
        number = int(name)
        return number - 1 if 1 <= number <= page_count else None
    return None


def page_name(labels: Sequence[str], page: int) -> str:
    """How a reader names the 0-based ``page``: its printed label, else its number."""
    if 0 <= page < len(labels) and labels[page]:
        return labels[page]
    return str(page + 1)


# --------------------------------------------------------------------------------------------
# The reader: rendering, boxes, selection, search


class PagedText(Protocol):
    """Anything with a canonical text and its page map (a LoadedDocument, a core Document)."""

    @property
    def text(self) -> str: ...

    @property
    def page_map(self) -> tuple[tuple[int, int], ...]: ...


@dataclass(frozen=True, slots=True)
class PageImage:
    """A rendered page: ``QImage(samples, width, height, stride, Format_RGB888)`` (or
    ``Format_RGBA8888`` when ``has_alpha``). ``zoom`` is the zoom actually used, lower than the
    one asked for when the page would have been too large."""

    width: int
    height: int
    stride: int
    samples: bytes
    has_alpha: bool
    zoom: float


@dataclass(frozen=True, slots=True)
class CharBox:
    """One character of a page: its offset in the canonical text and its box on the page."""

    offset: int
    rect: Rect


@dataclass(frozen=True, slots=True)
class PageRects:
    """The line rectangles of a span on one page."""

    page: int
    rects: tuple[Rect, ...]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A match of :meth:`PdfReader.search`: its span and its line rectangles on ``page``.

    A match that runs over a page break has only its first page's part in ``rects``.
    """

    page: int
    rects: tuple[Rect, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    """A table-of-contents entry; ``page`` is 0-based, None when it points nowhere."""

    level: int
    title: str
    page: int | None


@dataclass(slots=True)
class _PageLayout:
    """The characters of one page that have a place in the canonical text, in text order.

    Boxes are kept in PyMuPDF's unrotated page space (what annotations are written in); the
    public methods turn them into displayed space.
    """

    offsets: list[int] = field(default_factory=list)  # increasing canonical offsets
    boxes: list[Rect] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # line number of each character
    # Built on first use: character indexes sorted by the y of their centres, and those
    # ys, so that finding the characters under a rectangle looks at its band of lines only.
    by_y: list[int] | None = None
    centre_ys: list[float] = field(default_factory=list)

    def indexes_under(self, rect: Rect) -> Iterator[int]:
        """Indexes of the characters whose centres lie in ``rect`` (unrotated space)."""
        if self.by_y is None:
            centres = [(b[1] + b[3]) / 2 for b in self.boxes]
            self.by_y = sorted(range(len(centres)), key=centres.__getitem__)
            self.centre_ys = [centres[i] for i in self.by_y]
        x0, y0, x1, y1 = rect
        lo = bisect_left(self.centre_ys, y0)
        hi = bisect_right(self.centre_ys, y1)
        for i in self.by_y[lo:hi]:
            box = self.boxes[i]
            if x0 <= (box[0] + box[2]) / 2 <= x1:
                yield i


def _transform(rect: Rect, m: pymupdf.Matrix) -> Rect:
    x0, y0, x1, y1 = rect
    xs = (m.a * x0 + m.c * y0 + m.e, m.a * x1 + m.c * y1 + m.e)
    ys = (m.b * x0 + m.d * y0 + m.f, m.b * x1 + m.d * y1 + m.f)
    return (min(xs), min(ys), max(xs), max(ys))


def _union(rects: Sequence[Rect]) -> Rect:
    return (
        min(r[0] for r in rects),
        min(r[1] for r in rects),
        max(r[2] for r in rects),
        max(r[3] for r in rects),
    )


def _distance(rect: Rect, x: float, y: float) -> float:
    dx = max(rect[0] - x, 0.0, x - rect[2])
    dy = max(rect[1] - y, 0.0, y - rect[3])
    # Being on the right line matters more than being near the right column.
    return dx + 4.0 * dy


class PdfReader:
    """An open PDF for the reading window: pages, their images, their characters.

    Opening reads no text, so ``render_page(0, …)`` can follow at once. Everything that speaks
    in canonical-text offsets (:meth:`char_boxes`, :meth:`offset_at`, :meth:`span_rects`,
    :meth:`search`) needs the document's text, given as ``text=`` or later with
    :meth:`attach_text` once the background extraction is done; before that they raise
    :class:`TextNotExtracted`. Not thread-safe: use one reader from one thread.
    """

    def __init__(
        self,
        path: str | Path,
        password: str | None = None,
        text: PagedText | None = None,
        layout_cache_pages: int = 64,
    ) -> None:
        self.path = Path(path)
        self.kind = document_kind(self.path)
        self._doc = open_document(self.path, password)
        self._text: PagedText | None = None
        self._page_starts: list[int] = []  # page_map starts, for bisecting an offset's page
        self._layouts: OrderedDict[int, _PageLayout] = OrderedDict()
        self._layout_cache_pages = layout_cache_pages
        self._sizes: dict[int, tuple[float, float]] = {}
        self._rotations: dict[int, pymupdf.Matrix] = {}
        self._labels: tuple[str, ...] | None = None
        if text is not None:
            self.attach_text(text)

    # -- life cycle

    def close(self) -> None:
        self._doc.close()

    def __enter__(self) -> PdfReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def attach_text(self, text: PagedText) -> None:
        """Give the reader the canonical text (from :func:`load_pdf`) its offsets refer to."""
        if len(text.page_map) != self.page_count:
            raise DocumentError(
                f"The text given for '{self.path.name}' has {len(text.page_map)} pages but the "
                f"file has {self.page_count}: extract its text again"
            )
        self._text = text
        self._page_starts = [start for start, _ in text.page_map]
        self._layouts.clear()

    @property
    def has_text(self) -> bool:
        return self._text is not None

    # -- pages and images

    @property
    def page_count(self) -> int:
        return int(self._doc.page_count)

    def page_size(self, page: int) -> tuple[float, float]:
        """Width and height of the page as displayed, in points (1/72 inch)."""
        size = self._sizes.get(page)
        if size is None:
            rect = self._page(page).rect
            size = self._sizes[page] = (float(rect.width), float(rect.height))
        return size

    def render_page(
        self,
        page: int,
        zoom: float = 1.0,
        clip: Rect | None = None,
        *,
        alpha: bool = False,
        annots: bool = True,
    ) -> PageImage:
        """Render a page (or the ``clip`` part of it, in displayed page space) at ``zoom``.

        ``zoom`` 1 is 72 dpi; multiply by the screen's device pixel ratio for crisp high-DPI
        rendering, and use a small zoom for thumbnails. ``annots=False`` leaves out the
        annotations already in the file. Raises :class:`PageError` for a page that cannot be
        rendered; other pages are unaffected.
        """
        if zoom <= 0:
            raise ValueError(f"zoom must be positive, not {zoom}")
        pdf_page = self._page(page)
        fitz = load_pymupdf()
        area = fitz.Rect(clip) if clip is not None else pdf_page.rect
        pixels = area.width * area.height * zoom * zoom
        if pixels > MAX_RENDER_PIXELS:
            zoom = zoom * (MAX_RENDER_PIXELS / pixels) ** 0.5
        try:
            pix = pdf_page.get_pixmap(
                matrix=fitz.Matrix(zoom, zoom),
                clip=clip,
                alpha=alpha,
                annots=annots,
            )
        except (*pdf_errors(), MemoryError) as error:
            raise PageError(self.path, page, str(error) or type(error).__name__) from error
        return PageImage(
            width=pix.width,
            height=pix.height,
            stride=pix.stride,
            samples=pix.samples,
            has_alpha=bool(pix.alpha),
            zoom=zoom,
        )

    def page_labels(self) -> tuple[str, ...]:
        """Every page's printed label (see :func:`document_page_labels`), read once."""
        if self._labels is None:
            self._labels = document_page_labels(self._doc)
        return self._labels

    def outline(self) -> list[OutlineEntry]:
        """The document's table of contents (empty if it has none or it cannot be read)."""
        try:
            toc = self._doc.get_toc(simple=True)
        except pdf_errors():
            return []
        return [
            OutlineEntry(int(level), str(title), int(target) - 1 if target and target > 0 else None)
            for level, title, target, *_ in toc
        ]

    def _page(self, page: int) -> pymupdf.Page:
        if not 0 <= page < self.page_count:
            raise IndexError(f"page {page} is outside 0..{self.page_count - 1}")
        try:
            return self._doc.load_page(page)
        except pdf_errors() as error:
            raise PageError(self.path, page, str(error) or type(error).__name__) from error

    # -- characters and offsets

    def char_boxes(self, page: int) -> list[CharBox]:
        """Every character of ``page`` that is in the canonical text, with its box (displayed
        space), in text order: ``text[box.offset]`` is the character in ``box.rect``."""
        layout = self._layout(page)
        m = self._page(page).rotation_matrix
        return [
            CharBox(offset, _transform(box, m))
            for offset, box in zip(layout.offsets, layout.boxes, strict=True)
        ]

    def word_spans(self, page: int) -> list[tuple[int, int]]:
        """The words of ``page`` as canonical-text spans ``(start, end)``, sorted: PyMuPDF's
        word boxes (``get_text("words")``), each the characters whose centres lie in it.
        What a dragged selection snaps to, as a text document's snaps to its tokens."""
        layout = self._layout(page)
        if not layout.offsets:
            return []
        spans: list[tuple[int, int]] = []
        for word in self._page(page).get_text("words", flags=text_flags()):
            inside = [layout.offsets[i] for i in layout.indexes_under(tuple(word[:4]))]
            if inside:
                spans.append((min(inside), max(inside) + 1))
        spans.sort()
        return spans

    def offset_at(self, page: int, x: float, y: float) -> int:
        """The caret offset nearest to point ``(x, y)`` of ``page`` (displayed space).

        The point is first placed on the nearest line, then between the characters of that
        line: left of a character's middle gives its offset, right of it the offset after it.
        A page without characters gives the start of its text.
        """
        inverse = ~self._page(page).rotation_matrix
        px = inverse.a * x + inverse.c * y + inverse.e
        py = inverse.b * x + inverse.d * y + inverse.f
        return self._caret(page, px, py)

    def _caret(self, page: int, px: float, py: float) -> int:
        """:meth:`offset_at` for a point in unrotated page space (where annotations live)."""
        layout = self._layout(page)
        if not layout.offsets:
            return self._page_range(page)[0]
        best_line, best, last = -1, float("inf"), 0
        for line, rect in self._line_rects(layout).items():
            distance = _distance(rect, px, py)
            if distance < best:
                best_line, best = line, distance
        for i, (line, box) in enumerate(zip(layout.lines, layout.boxes, strict=True)):
            if line != best_line:
                continue
            if px < (box[0] + box[2]) / 2:
                return layout.offsets[i]
            last = i
        return layout.offsets[last] + 1

    def _offsets_in(self, page: int, rects: Sequence[Rect]) -> list[int]:
        """Offsets of the characters whose centres lie in one of ``rects`` (unrotated space)."""
        layout = self._layout(page)
        # An index per page rather than a scan of every character per call: importing n
        # highlights of one page was O(n × characters).
        found: set[int] = set()
        for rect in rects:
            found.update(layout.indexes_under(rect))
        return [layout.offsets[i] for i in sorted(found)]

    def span_rects(self, start: int, end: int) -> list[PageRects]:
        """The line rectangles (displayed space) covering the characters of ``[start, end)``,
        one entry per page that has some of them, for drawing a highlight."""
        return [
            PageRects(page, tuple(_transform(r, m) for r in rects))
            for page, rects, m in self._span_rects_unrotated(start, end)
        ]

    def _span_rects_unrotated(
        self, start: int, end: int
    ) -> Iterator[tuple[int, list[Rect], pymupdf.Matrix]]:
        page_map = self._require_text().page_map
        first = max(0, bisect_right(self._page_starts, start) - 1)
        for page in range(first, len(page_map)):
            page_start, page_end = page_map[page]
            if page_start >= end and page > first:
                break
            if page_end <= start or page_start == page_end:
                continue
            layout = self._layout(page)
            lo = bisect_left(layout.offsets, start)
            hi = bisect_left(layout.offsets, end)
            if lo >= hi:
                continue
            by_line: dict[int, list[Rect]] = {}
            for i in range(lo, hi):
                by_line.setdefault(layout.lines[i], []).append(layout.boxes[i])
            rects = [_union(boxes) for boxes in by_line.values()]
            yield page, rects, self._rotation(page)

    def _rotation(self, page: int) -> pymupdf.Matrix:
        """The page's rotation matrix, kept: loading the page for it per span (once per
        exported mark) cost a page parse each time."""
        matrix = self._rotations.get(page)
        if matrix is None:
            matrix = self._rotations[page] = self._page(page).rotation_matrix
        return matrix

    def search(self, query: str, pages: range | None = None) -> list[SearchHit]:
        """Case-insensitive matches of ``query`` in the canonical text, in reading order.

        Matched as Find matches (:mod:`annotator.documents.find`): whitespace in the query
        matches any run of whitespace, so a phrase broken over two lines is found, and a word
        hyphenated at a line end ("infor-\\nmation") matches the unbroken word. ``pages`` limits
        the search (and the cost of computing rectangles, which reads the character boxes of
        every page with a hit).
        """
        text = self._require_text().text
        page_map = self._require_text().page_map
        lo, hi = 0, len(text)
        if pages is not None and len(pages):
            lo = page_map[pages[0]][0]
            hi = page_map[pages[-1]][1]
        hits = []
        for start, end in iter_spans(text, query, start=lo, end=hi):
            page = max(0, bisect_right(self._page_starts, start) - 1)
            page_end = page_map[page][1]
            rects = self.span_rects(start, min(end, page_end))
            hits.append(
                SearchHit(
                    page=page,
                    rects=rects[0].rects if rects else (),
                    start=start,
                    end=end,
                )
            )
        return hits

    def _require_text(self) -> PagedText:
        if self._text is None:
            raise TextNotExtracted(
                f"The text of '{self.path.name}' has not been extracted yet: call attach_text()"
            )
        return self._text

    def _page_range(self, page: int) -> tuple[int, int]:
        return self._require_text().page_map[page]

    @staticmethod
    def _line_rects(layout: _PageLayout) -> dict[int, Rect]:
        grouped: dict[int, list[Rect]] = {}
        for line, box in zip(layout.lines, layout.boxes, strict=True):
            grouped.setdefault(line, []).append(box)
        return {line: _union(boxes) for line, boxes in grouped.items()}

    def _layout(self, page: int) -> _PageLayout:
        layout = self._layouts.get(page)
        if layout is not None:
            self._layouts.move_to_end(page)
            return layout
        start, end = self._page_range(page)
        page_text = self._require_text().text[start:end]
        layout = _build_layout(self._page(page), page_text, start) if page_text else _PageLayout()
        self._layouts[page] = layout
        while len(self._layouts) > self._layout_cache_pages:
            self._layouts.popitem(last=False)
        return layout


def _build_layout(page: pymupdf.Page, page_text: str, base: int) -> _PageLayout:
    """Give each character of the page's rawdict its offset in ``page_text`` (+ ``base``).

    The plain text is the rawdict's characters line by line, each line ended by "\\n", when
    both come from the same flags; that is checked and, should a PyMuPDF version differ (or
    the text come from an older extraction), the two are aligned by matching blocks instead.
    """
    raw = page.get_textpage(flags=text_flags()).extractRAWDICT()
    stream: list[str] = []
    boxes: list[Rect] = []
    lines: list[int] = []
    positions: list[int] = []  # index of each character in ``stream``
    line_number = 0
    for block in raw["blocks"]:
        if block.get("type", 0) != 0:
            continue
        for line in block["lines"]:
            for span in line["spans"]:
                for char in span["chars"]:
                    positions.append(len(stream))
                    stream.append(char["c"])
                    boxes.append(tuple(char["bbox"]))  # type: ignore[arg-type]
                    lines.append(line_number)
            stream.append("\n")
            line_number += 1
    joined = "".join(stream)
    layout = _PageLayout()
    if joined == page_text:
        layout.offsets = [base + p for p in positions]
        layout.boxes = boxes
        layout.lines = lines
        return layout
    # Slow path: map stream positions to text positions through the matching blocks.
    mapping: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, joined, page_text, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            mapping[a + k] = b + k
    for position, box, line in zip(positions, boxes, lines, strict=True):
        target = mapping.get(position)
        if target is not None:
            layout.offsets.append(base + target)
            layout.boxes.append(box)
            layout.lines.append(line)
    return layout
