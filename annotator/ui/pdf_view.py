"""The PDF view: pages in one continuous column, drawn with the reader's annotations.

Only the pages on screen (plus a page or two either side) are rendered, by a
:class:`PageRenderer` thread with its own PdfReader; images wait in a bounded LRU cache and a
page not rendered yet shows a placeholder (or, while zooming, its old image stretched). The
first page is rendered at once on the GUI thread so it shows without waiting for anything.

Coordinates: the PdfReader speaks in points of the displayed page (origin top left); the
view multiplies by ``zoom`` (logical pixels per point) and renders at ``zoom × device pixel
ratio`` so pages are crisp on high-DPI screens. Everything said to the outside about text is
in code points of the canonical text, like :class:`ReaderView`, so the main window, the
margin and the list drive both the same way.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from annotator.core.errors import AnnotatorError
from annotator.core.model import Annotation, Document
from annotator.documents.pdf import OutlineEntry, PdfReader, TextNotExtracted
from annotator.ui.marks import Underline, look_of, page_fill
from annotator.ui.pdf_render import PageRenderer, RenderJob, to_qimage
from annotator.ui.span_index import NOT_PAINTED, SpanIndex
from annotator.ui.theme import LIGHT, Theme

PAGE_GAP = 14
TOP_MARGIN = 16
SIDE = 16
GUTTER = 52  # left of every page: symbols and labels beside their lines
MIN_ZOOM, MAX_ZOOM = 0.2, 6.0
ZOOM_STEP = 1.15
CACHE_BYTES = 96 * 1024 * 1024
PREFETCH_PAGES = 2
HANDLE_GRAB = 7  # pixels either side of a span end that start a resize drag (as in the reader)

Rect = tuple[float, float, float, float]


@dataclass(slots=True)
class _Cached:
    image: QImage
    scale: float  # device pixels per point it was rendered at


@dataclass(slots=True)
class AreaSelection:
    page: int
    rect: Rect  # displayed page space, points


@dataclass(slots=True)
class _ResizeDrag:
    """A drag of one end of the selected annotation: the span it would have now."""

    annotation_id: str
    end: str  # "start" or "end"
    start_cp: int
    end_cp: int


class PdfView(QAbstractScrollArea):
    """Continuous pages of a PDF with selection, highlights, find hits and area marks; the
    selected highlight has handles at its ends to drag (``resize_requested``)."""

    annotation_clicked = Signal(str)
    annotation_activated = Signal(str)
    selection_finished = Signal()
    selectionChanged = Signal()  # the name ReaderView inherits from Qt
    label_key_pressed = Signal(str)
    resize_requested = Signal(str, int, int)  # id, new start, new end (code points)
    layout_changed = Signal()
    escape_pressed = Signal()
    page_changed = Signal(int, int)  # current page (0-based), page count
    zoom_changed = Signal(float)
    first_page_shown = Signal()
    thumbnail_ready = Signal(int, object)  # page, QImage
    page_failed = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfView")
        self.setAccessibleName("PDF pages")
        self.setFrameShape(QAbstractScrollArea.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)
        self.verticalScrollBar().setSingleStep(40)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.horizontalScrollBar().valueChanged.connect(self._scrolled)

        self.theme: Theme = LIGHT
        self.reader: PdfReader | None = None
        self.doc: Document | None = None
        self.text = ""
        self.page_map: tuple[tuple[int, int], ...] = ()
        self.index = SpanIndex()
        self.label_colors: dict[str, str] = {}
        self.label_keys: set[str] = set()
        self.selected_id: str | None = None
        self.linking_from: str | None = None
        self.scanned_pages: set[int] = set()
        self.outline: list[OutlineEntry] = []
        # As in the text reader: extra layers over the pages (pending suggestions) and
        # handlers that may take a plain click first.
        self.overlays: list[Callable[[QPainter], None]] = []
        self.click_handlers: list[Callable[[QPointF], bool]] = []

        self._renderer: PageRenderer | None = None
        self._sizes: list[tuple[float, float]] = []
        self._tops: list[float] = []
        self._content_width = 0.0
        self._zoom = 1.0
        self._fit: str | None = "width"
        self._cache: OrderedDict[int, _Cached] = OrderedDict()
        #: Whether pages show the annotations already in the file. Once they are imported
        #: the project's annotations are what is shown (else each would be drawn twice, and
        #: one deleted here would stay on the page).
        self.file_marks = True
        self._cache_bytes = 0
        self.cache_limit = CACHE_BYTES
        self._errors: dict[int, str] = {}
        self._rects: OrderedDict[tuple[int, int], dict[int, tuple[Rect, ...]]] = OrderedDict()
        self._find_hits: list[tuple[int, int]] = []
        self._find_current = -1
        self._sel_anchor: int | None = None
        self._sel_caret: int | None = None
        #: Where the drag began, to the character: the selection is this and the caret
        #: grown to whole words (``snap_to_words``, the same setting as a text's tokens).
        self._press_offset: int | None = None
        self.snap_to_words = True
        self._words: OrderedDict[int, tuple[list[int], list[int]]] = OrderedDict()
        self._area_start: tuple[int, QPointF] | None = None
        self.area: AreaSelection | None = None
        self._press_pos: QPoint | None = None
        self._dragging = False
        self._resize: _ResizeDrag | None = None
        self._shown_first = False
        self._last_page = -1

        self._wish_timer = QTimer(self, singleShot=True, interval=0)
        self._wish_timer.timeout.connect(self._send_wishes)
        self._refresh_timer = QTimer(self, singleShot=True, interval=0)
        self._refresh_timer.timeout.connect(self.refresh_now)
        self._password: str | None = None
        self._start_timer = QTimer(self, singleShot=True, interval=400)
        self._start_timer.timeout.connect(self._start_renderer)
        self.first_page_shown.connect(self._start_renderer)

    # == document ===============================================================================

    @property
    def is_open(self) -> bool:
        return self.reader is not None

    @property
    def page_count(self) -> int:
        return self.reader.page_count if self.reader is not None else 0

    def open_reader(
        self, reader: PdfReader, password: str | None = None, *, start_page: int = 0
    ) -> None:
        """Show an opened PDF: the first page at once, the rest as it is scrolled to."""
        self.close_document()
        self.reader = reader
        count = reader.page_count
        first = self._safe_size(0)
        self._sizes = [first] * count
        # The page we open at gets its real size now; the others come from the renderer.
        if start_page:
            self._sizes[start_page] = self._safe_size(start_page)
        self._relayout(keep=False)
        # The scroll bars still hold the previous PDF's place: this one starts at its own.
        self.horizontalScrollBar().setValue(0)
        self.go_to_page(start_page)
        # The first screenful is rendered here, synchronously: it is what the reader waits for.
        for page in self.visible_pages()[:2]:
            self._render_now(page)
        # The renderer thread opens its own copy of the file, which costs as much as our
        # open did and holds the interpreter meanwhile: it starts once the first page is
        # painted (or soon anyway, should the view not be painted at all).
        self._password = password
        self._start_timer.start()
        self.viewport().update()
        self._emit_page()

    def _start_renderer(self) -> None:
        self._start_timer.stop()
        if self.reader is None or self._renderer is not None:
            return
        self._renderer = PageRenderer(self.reader.path, self._password, self.page_count, self)
        self._renderer.rendered.connect(self._on_rendered)
        self._renderer.sizes_ready.connect(self._on_sizes)
        self._renderer.start(PageRenderer.Priority.LowPriority)
        self._schedule_wishes()

    def close_document(self) -> None:
        self._start_timer.stop()
        if self._renderer is not None:
            renderer, self._renderer = self._renderer, None
            renderer.rendered.disconnect(self._on_rendered)
            renderer.sizes_ready.disconnect(self._on_sizes)
            renderer.stop()
            renderer.deleteLater()
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        self.doc, self.text, self.page_map = None, "", ()
        self.index.reset([])
        self.selected_id = None
        self._resize = None
        self.scanned_pages = set()
        self.outline = []
        self._cache.clear()
        self._cache_bytes = 0
        self._errors.clear()
        self._rects.clear()
        self._find_hits, self._find_current = [], -1
        self._clear_selection()
        self._words.clear()
        self._sizes, self._tops = [], []
        self._shown_first = False
        self._last_page = -1
        self.viewport().update()

    def attach_document(
        self, document: Document, annotations: list[Annotation], scanned: set[int] | None = None
    ) -> None:
        """The text is known (extracted, or stored in the project): selection and marks work."""
        if self.reader is None:
            return
        self.reader.attach_text(_Paged(document.text, document.page_map))
        self.doc = document
        self.text = document.text
        self.page_map = document.page_map
        if scanned is None:
            scanned = {
                i for i, (s, e) in enumerate(document.page_map) if not document.text[s:e].strip()
            }
        self.scanned_pages = scanned
        self._rects.clear()
        self.index.reset(annotations)
        self.refresh()

    def load_outline(self) -> list[OutlineEntry]:
        self.outline = self.reader.outline() if self.reader is not None else []
        return self.outline

    def _safe_size(self, page: int) -> tuple[float, float]:
        assert self.reader is not None
        try:
            return self.reader.page_size(page)
        except (AnnotatorError, IndexError):
            return (612.0, 792.0)

    # == following the service (same names as ReaderView) ======================================

    def load(self, document: Document | None, annotations: list[Annotation]) -> None:
        if document is None:
            self.close_document()
        else:
            self.attach_document(document, annotations)

    def add_annotation(self, annotation: Annotation) -> None:
        if self.doc is not None and annotation.document_id == self.doc.id:
            self.index.add(annotation)
            self.refresh()

    change_annotation = add_annotation

    def remove_annotation(self, annotation_id: str) -> None:
        if self.index.remove(annotation_id) is not None:
            if self.selected_id == annotation_id:
                self.selected_id = None
            if self._resize is not None and self._resize.annotation_id == annotation_id:
                self._resize = None
            self.refresh()

    def reset_annotations(self, annotations: list[Annotation]) -> None:
        self.index.reset(annotations)
        if self.selected_id not in self.index:
            self.selected_id = None
        if self._resize is not None and self._resize.annotation_id not in self.index:
            self._resize = None
        self.refresh()

    def set_label_colors(self, colors: dict[str, str], keys: set[str]) -> None:
        self.label_colors, self.label_keys = colors, keys
        self.refresh()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.refresh()

    def refresh(self) -> None:
        self._refresh_timer.start()

    def refresh_now(self) -> None:
        self._refresh_timer.stop()
        self.viewport().update()
        self.layout_changed.emit()

    # == geometry ===============================================================================

    @property
    def zoom(self) -> float:
        return self._zoom

    @property
    def fit_mode(self) -> str | None:
        return self._fit

    def set_fit(self, mode: str) -> None:
        """ "width" or "page": the zoom follows the window size."""
        self._fit = mode
        self._relayout()

    def set_zoom(self, zoom: float) -> None:
        self._fit = None
        self._zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        self._relayout()

    def zoom_by(self, steps: int) -> None:
        if steps == 0:
            self.set_zoom(1.0)
        else:
            self.set_zoom(self._zoom * ZOOM_STEP**steps)

    def _fit_zoom(self) -> float:
        if not self._sizes:
            return self._zoom
        width = max(100, self.viewport().width() - 2 * (SIDE + GUTTER))
        max_w = max(w for w, _ in self._sizes) if len(self._sizes) < 5000 else self._sizes[0][0]
        zoom = width / max(1.0, max_w)
        if self._fit == "page":
            page = self.current_page()
            w, h = self._sizes[page] if page < len(self._sizes) else self._sizes[0]
            height = max(100, self.viewport().height() - 2 * PAGE_GAP)
            zoom = min(width / max(1.0, w), height / max(1.0, h))
        return max(MIN_ZOOM, min(MAX_ZOOM, zoom))

    def _relayout(self, *, keep: bool = True) -> None:
        anchor = self._anchor() if keep and self._tops else None
        if self._fit is not None:
            self._zoom = self._fit_zoom()
        z = self._zoom
        tops = []
        y = float(TOP_MARGIN)
        for _w, h in self._sizes:
            tops.append(y)
            y += h * z + PAGE_GAP
        self._tops = tops
        max_w = max((w for w, _ in self._sizes), default=0.0)
        self._content_width = max_w * z + 2 * (SIDE + GUTTER)
        vbar, hbar = self.verticalScrollBar(), self.horizontalScrollBar()
        vbar.setPageStep(self.viewport().height())
        vbar.setRange(0, max(0, round(y + TOP_MARGIN - self.viewport().height())))
        hbar.setPageStep(self.viewport().width())
        hbar.setRange(0, max(0, round(self._content_width - self.viewport().width())))
        if anchor is not None:
            page, fraction = anchor
            vbar.setValue(round(self._tops[page] + fraction * self._sizes[page][1] * z))
        self.zoom_changed.emit(self._zoom)
        self._schedule_wishes()
        self.refresh()

    def _anchor(self) -> tuple[int, float]:
        """The page at the top of the view and how far down it the view starts (0..1)."""
        page = self.current_page()
        h = self._sizes[page][1] * self._zoom if self._sizes else 1.0
        top = self.verticalScrollBar().value()
        return page, (top - self._tops[page]) / max(1.0, h)

    def page_rect(self, page: int) -> QRectF:
        """The page in viewport coordinates."""
        w, h = self._sizes[page]
        z = self._zoom
        vw = self.viewport().width()
        content = max(self._content_width, float(vw))
        x = (content - w * z) / 2 - self.horizontalScrollBar().value()
        y = self._tops[page] - self.verticalScrollBar().value()
        return QRectF(x, y, w * z, h * z)

    def visible_pages(self, pad: int = 0) -> list[int]:
        if not self._tops:
            return []
        top = self.verticalScrollBar().value()
        bottom = top + self.viewport().height()
        first = max(0, bisect_right(self._tops, top) - 1)
        pages = []
        for page in range(first, len(self._tops)):
            if self._tops[page] > bottom:
                break
            if self._tops[page] + self._sizes[page][1] * self._zoom >= top:
                pages.append(page)
        if pad and pages:
            lo = max(0, pages[0] - pad)
            hi = min(len(self._tops) - 1, pages[-1] + pad)
            pages = list(range(lo, hi + 1))
        return pages

    def current_page(self) -> int:
        if not self._tops:
            return 0
        # The page covering the upper third of the view is the one being read.
        y = self.verticalScrollBar().value() + self.viewport().height() / 3
        return max(0, min(len(self._tops) - 1, bisect_right(self._tops, y) - 1))

    def go_to_page(self, page: int, y_points: float = 0.0) -> None:
        if not self._tops:
            return
        page = max(0, min(len(self._tops) - 1, page))
        target = self._tops[page] + y_points * self._zoom - (PAGE_GAP if not y_points else 0)
        self.verticalScrollBar().setValue(round(target))

    def to_page_point(self, pos: QPointF) -> tuple[int, float, float] | None:
        """Viewport position → (page, x, y in points), or None between pages."""
        for page in self.visible_pages():
            rect = self.page_rect(page)
            if rect.adjusted(-4, -PAGE_GAP / 2, 4, PAGE_GAP / 2).contains(pos):
                z = self._zoom
                x = min(max((pos.x() - rect.left()) / z, 0.0), self._sizes[page][0])
                y = min(max((pos.y() - rect.top()) / z, 0.0), self._sizes[page][1])
                return page, x, y
        return None

    def to_view_rect(self, page: int, rect: Rect) -> QRectF:
        origin = self.page_rect(page)
        z = self._zoom
        return QRectF(
            origin.left() + rect[0] * z,
            origin.top() + rect[1] * z,
            (rect[2] - rect[0]) * z,
            (rect[3] - rect[1]) * z,
        )

    # == rendering ==============================================================================

    def _scale(self) -> float:
        return self._zoom * self.devicePixelRatioF()

    def show_file_marks(self, shown: bool) -> None:
        """Draw (or leave out) the annotations already in the file, rendering pages anew."""
        if shown == self.file_marks:
            return
        self.file_marks = shown
        self._cache.clear()
        self._cache_bytes = 0
        self._errors.clear()
        self._send_wishes()
        self.viewport().update()

    def _render_now(self, page: int) -> None:
        if self.reader is None:
            return
        scale = self._scale()
        try:
            image = self.reader.render_page(page, scale, annots=self.file_marks)
        except AnnotatorError as error:
            self._errors[page] = str(error)
            self.page_failed.emit(page, str(error))
            return
        self._store(page, to_qimage(image, self.devicePixelRatioF()), scale)

    def _store(self, page: int, image: QImage, scale: float) -> None:
        old = self._cache.pop(page, None)
        if old is not None:
            self._cache_bytes -= old.image.sizeInBytes()
        self._cache[page] = _Cached(image, scale)
        self._cache_bytes += image.sizeInBytes()
        keep = set(self.visible_pages(PREFETCH_PAGES))
        for other in list(self._cache):
            if self._cache_bytes <= self.cache_limit:
                break
            if other in keep:
                continue
            dropped = self._cache.pop(other)
            self._cache_bytes -= dropped.image.sizeInBytes()

    @property
    def cached_pages(self) -> list[int]:
        return list(self._cache)

    @property
    def cache_bytes(self) -> int:
        return self._cache_bytes

    def _schedule_wishes(self) -> None:
        self._wish_timer.start()

    def _send_wishes(self) -> None:
        if self._renderer is None:
            return
        scale, dpr = self._scale(), self.devicePixelRatioF()
        visible = self.visible_pages()
        around = [p for p in self.visible_pages(PREFETCH_PAGES) if p not in visible]
        jobs = []
        for page in visible + around:
            cached = self._cache.get(page)
            if page in self._errors or (cached is not None and abs(cached.scale - scale) < 1e-6):
                continue
            jobs.append(RenderJob("page", page, scale, dpr, self.file_marks))
        self._renderer.want(jobs)

    def request_thumbnails(self, pages: list[int], width: int) -> None:
        """Render small images of ``pages`` in the background (``thumbnail_ready``)."""
        if self._renderer is None or not self._sizes:
            return
        dpr = self.devicePixelRatioF()
        jobs = [
            RenderJob("thumb", p, width * dpr / max(1.0, self._sizes[p][0]), dpr, self.file_marks)
            for p in pages
            if 0 <= p < len(self._sizes)
        ]
        self._renderer.want(jobs, "thumb")

    def _on_rendered(self, job: RenderJob, image: QImage | None, error: str) -> None:
        if self.reader is None:
            return
        if job.annots != self.file_marks:
            return  # asked for before the file's own marks were shown or hidden
        if job.kind == "thumb":
            if image is not None:
                self.thumbnail_ready.emit(job.page, image)
            return
        if image is None:
            self._errors[job.page] = error
            self.page_failed.emit(job.page, error)
        elif abs(job.scale - self._scale()) < 1e-6 or job.page not in self._cache:
            self._store(job.page, image, job.scale)
        if job.page in self.visible_pages(1):
            self.viewport().update()

    def _on_sizes(self, sizes: list[tuple[float, float]]) -> None:
        if self.reader is None or len(sizes) != len(self._sizes):
            return
        if sizes != self._sizes:
            self._sizes = sizes
            self._relayout()

    # == painting ===============================================================================

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        try:
            self._paint(painter, event)
        finally:
            if painter.isActive():
                painter.end()

    def _paint(self, painter: QPainter, event: QPaintEvent) -> None:
        dark = self.theme.dark
        painter.fillRect(event.rect(), QColor("#141518") if dark else QColor("#e6e4de"))
        if self.reader is None:
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        pages = self.visible_pages()
        small = QFont(self.font())
        small.setPointSizeF(max(7.5, self.font().pointSizeF() * 0.8))
        for page in pages:
            rect = self.page_rect(page)
            painter.fillRect(rect.translated(0, 2), QColor(0, 0, 0, 60 if dark else 28))
            cached = self._cache.get(page)
            if page in self._errors:
                painter.fillRect(rect, QColor("#ffffff"))
                painter.setPen(QColor("#8a2c1d"))
                painter.drawText(
                    rect.adjusted(24, 24, -24, -24),
                    Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                    f"Page {page + 1} cannot be shown.\n\n{self._errors[page]}\n\n"
                    "The other pages work as usual.",
                )
                continue
            if cached is None:
                painter.fillRect(rect, QColor("#ffffff") if not dark else QColor("#d8d8d8"))
                painter.setPen(QColor("#9a9a9a"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"Page {page + 1}…")
                continue
            painter.drawImage(rect, cached.image)
            if page == 0 and not self._shown_first:
                self._shown_first = True
                QTimer.singleShot(0, self.first_page_shown.emit)
        self._paint_marks(painter, pages, small)
        if self.page_map:
            for overlay in self.overlays:
                overlay(painter)
        painter.end()

    def _paint_marks(self, painter: QPainter, pages: list[int], small: QFont) -> None:
        if not self.page_map:
            self._paint_area_selection(painter)
            return
        theme = self.theme
        lo = self.page_map[pages[0]][0] if pages else 0
        hi = self.page_map[pages[-1]][1] if pages else 0
        pageset = set(pages)
        layers = [a for a in self.index.overlapping(lo, hi + 1) if a.kind not in NOT_PAINTED]
        if self._resize is not None:
            layers = self._with_live_span(layers, self._resize)
        multiply = QPainter.CompositionMode.CompositionMode_Multiply
        painter.setFont(small)
        gutter_marks: dict[tuple[int, int], list[tuple[str, str]]] = {}
        for a in layers:
            fill = self._fill_color(a)
            for page, rects in self._page_rects_of(a, pageset):
                painter.setCompositionMode(multiply)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(fill)
                view_rects = [self.to_view_rect(page, r) for r in rects]
                for r in view_rects:
                    painter.drawRect(r)
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
                look = look_of(a, self.label_colors)
                if look.underline == Underline.LABEL:
                    line = theme.label_line(look.line_color)
                    painter.setPen(QPen(QColor(line).darker(110), 1.6))
                    for r in view_rects:
                        painter.drawLine(r.bottomLeft(), r.bottomRight())
                elif look.underline == Underline.NOTE:
                    pen = QPen(theme.muted, 1.2, Qt.PenStyle.DotLine)
                    painter.setPen(pen)
                    for r in view_rects:
                        painter.drawLine(r.bottomLeft(), r.bottomRight())
                if view_rects and (a.symbol or a.label):
                    first = view_rects[0]
                    key = (page, round(first.top()))
                    if a.symbol:
                        gutter_marks.setdefault(key, []).append((a.symbol, theme.accent.name()))
                    if a.label:
                        color = self.label_colors.get(a.label, a.color or "#888888")
                        gutter_marks.setdefault(key, []).append((a.label[:8], color))
                if a.id in (self.selected_id, self.linking_from):
                    pen = QPen(theme.accent, 1.8)
                    if a.id != self.selected_id:
                        pen.setStyle(Qt.PenStyle.DashLine)
                    painter.setPen(pen)
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    for r in view_rects:
                        painter.drawRoundedRect(r.adjusted(-1.5, -1, 1.5, 1), 2, 2)
        self._paint_gutter(painter, gutter_marks)
        self._paint_find(painter, pageset)
        self._paint_selection(painter, pageset)
        self._paint_handles(painter)
        self._paint_area_selection(painter)
        self._paint_scanned_banners(painter, pages)

    def _with_live_span(self, layers: list[Annotation], drag: _ResizeDrag) -> list[Annotation]:
        """``layers`` with the annotation being resized drawn where the drag has it now."""
        moving = self.index.get(drag.annotation_id)
        if moving is None:
            return layers
        live = replace(moving, start=drag.start_cp, end=drag.end_cp)
        out = [a for a in layers if a.id != drag.annotation_id]
        # In its place (layers paint in order), or last if it was dragged onto the screen.
        at = next((i for i, a in enumerate(layers) if a.id == drag.annotation_id), len(out))
        out.insert(at, live)
        return out

    def _paint_handles(self, painter: QPainter) -> None:
        """The selected annotation's drag handles, drawn like the text reader's: a bar at
        each end of the outline, with a knob above the start and below the end."""
        first, last = self._handle_rects()
        if first is None and last is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.theme.accent)
        if first is not None:
            x, top, bottom = first.left() - 1.5, first.top() - 1, first.bottom() + 1
            painter.drawRect(QRectF(x - 1.5, top - 2, 3, bottom - top + 4))
            painter.drawEllipse(QPointF(x, top - 3), 3.5, 3.5)
        if last is not None:
            x, top, bottom = last.right() + 1.5, last.top() - 1, last.bottom() + 1
            painter.drawRect(QRectF(x - 1.5, top - 2, 3, bottom - top + 4))
            painter.drawEllipse(QPointF(x, bottom + 3), 3.5, 3.5)
        painter.restore()

    def _fill_color(self, a: Annotation) -> QColor:
        return page_fill(look_of(a, self.label_colors))

    def _paint_gutter(
        self, painter: QPainter, marks: dict[tuple[int, int], list[tuple[str, str]]]
    ) -> None:
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        height = painter.fontMetrics().height()
        for (page, y), items in marks.items():
            left = self.page_rect(page).left()
            x = left - 6
            for text, color in reversed(list(dict.fromkeys(items))):
                width = painter.fontMetrics().horizontalAdvance(text) + 8
                box = QRectF(x - width, y, width, height + 2)
                if x - width < left - GUTTER - 4:
                    break
                pill = QColor(color)
                pill.setAlpha(60)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(pill)
                painter.drawRoundedRect(box, 3, 3)
                ink = (
                    QColor(color).darker(150) if not self.theme.dark else QColor(color).lighter(140)
                )
                painter.setPen(ink)
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
                x -= width + 3

    def _paint_find(self, painter: QPainter, pages: set[int]) -> None:
        if not self._find_hits or not pages:
            return
        lo = self.page_map[min(pages)][0]
        hi = self.page_map[max(pages)][1]
        from bisect import bisect_left

        i = bisect_left(self._find_hits, (lo, -1))
        # Outlined, never filled (as in the text reader): no highlight colour looks like a
        # hit. Pages are paper-white in either theme: the light theme's find colour.
        painter.setBrush(Qt.BrushStyle.NoBrush)
        while i < len(self._find_hits) and self._find_hits[i][0] <= hi:
            s, e = self._find_hits[i]
            current = i == self._find_current
            painter.setPen(QPen(LIGHT.find_line, 2.5 if current else 1.25))
            for page, rects in self._page_rects((s, e), pages):
                for r in rects:
                    painter.drawRoundedRect(self.to_view_rect(page, r).adjusted(-2, -1, 2, 1), 2, 2)
            i += 1

    def _paint_selection(self, painter: QPainter, pages: set[int]) -> None:
        span = self.selection_span()
        if span is None:
            return
        color = QColor(self.palette().highlight().color())
        color.setAlpha(110)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        for page, rects in self._page_rects(span, pages):
            for r in rects:
                painter.drawRect(self.to_view_rect(page, r))

    def _paint_area_selection(self, painter: QPainter) -> None:
        # Area annotations (on scanned pages) and the area being dragged.
        pages = set(self.visible_pages())
        for a in self.index.all():
            if a.rect is None or a.page is None or a.page not in pages:
                continue
            rect = self.to_view_rect(a.page, a.rect)
            fill = self._fill_color(a)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRect(rect)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            border = QColor(fill)
            border.setAlpha(255)
            selected = a.id in (self.selected_id, self.linking_from)
            painter.setPen(
                QPen(
                    self.theme.accent if selected else border.darker(130), 2.0 if selected else 1.0
                )
            )
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
            if a.symbol or a.label:
                painter.setPen(border.darker(170))
                painter.drawText(
                    rect.adjusted(4, 2, -4, -2),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                    " ".join(x for x in (a.symbol, a.label) if x),
                )
        if self.area is not None and self.area.page in pages:
            rect = self.to_view_rect(self.area.page, self.area.rect)
            color = QColor(self.palette().highlight().color())
            color.setAlpha(70)
            painter.setBrush(color)
            painter.setPen(QPen(self.theme.accent, 1.5, Qt.PenStyle.DashLine))
            painter.drawRect(rect)

    def _paint_scanned_banners(self, painter: QPainter, pages: list[int]) -> None:
        for page in pages:
            if page not in self.scanned_pages or page in self._errors:
                continue
            rect = self.page_rect(page)
            banner = QRectF(rect.left(), rect.top(), rect.width(), 26)
            painter.fillRect(banner, QColor(40, 44, 52, 200))
            painter.setPen(QColor("#ffffff"))
            painter.drawText(
                banner.adjusted(10, 0, -10, 0),
                Qt.AlignmentFlag.AlignVCenter,
                "No text on this page (scanned): drag a rectangle to highlight an area",
            )

    # == text rectangles ========================================================================

    def _span_page_rects(self, span: tuple[int, int]) -> dict[int, tuple[Rect, ...]]:
        found = self._rects.get(span)
        if found is not None:
            self._rects.move_to_end(span)
            return found
        if self.reader is None or not self.reader.has_text:
            return {}
        try:
            found = {pr.page: pr.rects for pr in self.reader.span_rects(*span)}
        except (AnnotatorError, TextNotExtracted, IndexError):
            found = {}
        self._rects[span] = found
        while len(self._rects) > 4000:
            self._rects.popitem(last=False)
        return found

    def _page_rects(
        self, span: tuple[int, int], pages: set[int]
    ) -> list[tuple[int, tuple[Rect, ...]]]:
        """Rectangles of ``span`` on the pages in ``pages`` (only those are computed)."""
        start, end = span
        if end <= start or not self.page_map:
            return []
        first, last = self.page_of(start), self.page_of(max(start, end - 1))
        wanted = [p for p in pages if first <= p <= last]
        if not wanted:
            return []
        if last - first > 6:
            # A long passage: compute just the pages on screen.
            out = []
            for p in sorted(wanted):
                s, e = self.page_map[p]
                rects = self._span_page_rects((max(start, s), min(end, e))).get(p)
                if rects:
                    out.append((p, rects))
            return out
        all_rects = self._span_page_rects(span)
        return [(p, all_rects[p]) for p in sorted(wanted) if p in all_rects]

    def _handle_rects(self) -> tuple[QRectF | None, QRectF | None]:
        """Viewport rectangles of the lines holding the selected annotation's first and last
        characters (its live span while an end is dragged); None for an end off screen, and
        for annotations without ends to drag (areas, summaries, document labels)."""
        a = self.selected()
        if a is None or not _resizable(a) or not self.page_map:
            return None, None
        start, end = a.start, a.end
        if self._resize is not None and self._resize.annotation_id == a.id:
            start, end = self._resize.start_cp, self._resize.end_cp
        found = self._page_rects((start, end), set(self.visible_pages()))
        if not found:
            return None, None
        first_page, first_rects = found[0]
        last_page, last_rects = found[-1]
        # The span may begin (or end) with characters that have no box, such as the end of
        # the page before: the line shown first is still its first line if they are blank.
        first = last = None
        if self._blank(start, self.page_map[first_page][0]):
            first = self.to_view_rect(first_page, first_rects[0])
        if self._blank(self.page_map[last_page][1], end):
            last = self.to_view_rect(last_page, last_rects[-1])
        return first, last

    def _blank(self, start: int, end: int) -> bool:
        """No visible character in ``text[start:end]`` (looking at two pages at most)."""
        if end <= start:
            return True
        if self.page_of(end) - self.page_of(start) > 1:
            return False
        return not self.text[start:end].strip()

    def _page_rects_of(self, a: Annotation, pages: set[int]) -> list[tuple[int, tuple[Rect, ...]]]:
        if a.rect is not None and a.page is not None:
            return []  # drawn as an area
        return self._page_rects((a.start, a.end), pages)

    def page_of(self, offset: int) -> int:
        starts = [s for s, _ in self.page_map] if len(self.page_map) < 64 else None
        if starts is None:
            starts = self._page_starts()
        return max(0, bisect_right(starts, offset) - 1)

    def _page_starts(self) -> list[int]:
        key = id(self.page_map)
        cached = getattr(self, "_starts_cache", None)
        if cached is None or cached[0] != key:
            cached = (key, [s for s, _ in self.page_map])
            self._starts_cache = cached
        return cached[1]

    # == the protocol the main window and the margin use ========================================

    def viewport_rects(self, start: int, end: int) -> list[QRectF]:
        pages = set(self.visible_pages(1))
        return [
            self.to_view_rect(p, r)
            for p, rects in self._page_rects((start, end), pages)
            for r in rects
        ]

    def span_rects(self, start: int, end: int) -> list[QRectF]:
        return self.viewport_rects(start, end)

    def offset_y(self, offset: int) -> float | None:
        """Viewport y of the line holding ``offset``; None when its page is far off screen."""
        if not self.page_map or not self._tops:
            return None
        page = self.page_of(offset)
        visible = self.visible_pages(1)
        if not visible or not visible[0] <= page <= visible[-1]:
            return None
        a = next(
            (
                x
                for x in self.index.overlapping(offset, offset + 1)
                if x.start == offset and x.rect is not None and x.page == page
            ),
            None,
        )
        if a is not None and a.rect is not None:
            return self.to_view_rect(page, a.rect).top()
        rects = self._span_page_rects((offset, offset + 1)).get(page)
        if rects:
            return self.to_view_rect(page, rects[0]).top()
        return self.page_rect(page).top() + 12

    def visible_codepoints(self) -> tuple[int, int]:
        pages = self.visible_pages()
        if not pages or not self.page_map:
            return (0, 0)
        return self.page_map[pages[0]][0], self.page_map[pages[-1]][1]

    def top_offset(self) -> int:
        if not self.page_map:
            return 0
        return self.page_map[self.current_page()][0]

    def caret_offset(self) -> int:
        if self._sel_caret is not None:
            return self._sel_caret
        return self.top_offset()

    def scroll_to_offset(self, offset: int, *, top: bool = False) -> None:
        if not self.page_map or not self._tops:
            return
        page = self.page_of(offset)
        rects = self._span_page_rects((offset, offset + 1)).get(page)
        y = rects[0][1] if rects else 0.0
        if top:
            self.go_to_page(page, y)
            return
        view = self.to_view_rect(page, rects[0]) if rects else self.page_rect(page)
        if view.top() < 0 or view.bottom() > self.viewport().height():
            bar = self.verticalScrollBar()
            bar.setValue(round(bar.value() + view.top() - self.viewport().height() / 3))

    def scroll_to_annotation(self, a: Annotation) -> None:
        if a.rect is not None and a.page is not None:
            view = self.to_view_rect(a.page, a.rect) if self._tops else None
            if view is not None and (view.top() < 0 or view.bottom() > self.viewport().height()):
                self.go_to_page(a.page, max(0.0, a.rect[1] - 40))
            return
        self.scroll_to_offset(a.start)

    def select_annotation(self, annotation_id: str | None, *, scroll: bool = True) -> None:
        self.selected_id = annotation_id if annotation_id in self.index else None
        if self.selected_id and scroll:
            a = self.index.get(self.selected_id)
            assert a is not None
            self.scroll_to_annotation(a)
        self.refresh()

    def selected(self) -> Annotation | None:
        return self.index.get(self.selected_id) if self.selected_id else None

    def set_find_hits(self, hits: list[tuple[int, int]], current: int = -1) -> None:
        self._find_hits = sorted(hits)
        self._find_current = current
        if 0 <= current < len(hits):
            self.scroll_to_offset(hits[current][0])
        self.refresh()

    def section_at(self, offset: int) -> tuple[int, int, str] | None:
        """The outline entry the offset is in, as a text range (for section summaries)."""
        if not self.outline or not self.page_map:
            return None
        page = self.page_of(offset)
        entries = [e for e in self.outline if e.page is not None]
        best = None
        for i, e in enumerate(entries):
            if e.page is not None and e.page <= page:
                best = i
        if best is None:
            return None
        entry = entries[best]
        end_page = len(self.page_map) - 1
        for later in entries[best + 1 :]:
            if later.level <= entry.level and later.page is not None:
                end_page = max(entry.page or 0, later.page - 1)
                break
        return self.page_map[entry.page or 0][0], self.page_map[end_page][1], entry.title

    # -- text selection ----------------------------------------------------------------------

    def selection_span(self) -> tuple[int, int] | None:
        if self._sel_anchor is None or self._sel_caret is None:
            return None
        start, end = sorted((self._sel_anchor, self._sel_caret))
        return (start, end) if end > start else None

    def has_selection(self) -> bool:
        return self.selection_span() is not None or self.area is not None

    def area_selection(self) -> AreaSelection | None:
        return self.area

    def select_span(self, start: int, end: int) -> None:
        self._sel_anchor, self._sel_caret = start, end
        self.area = None
        self.viewport().update()
        self.selectionChanged.emit()

    def clear_selection(self) -> None:
        if self._clear_selection():
            self.viewport().update()
            self.selectionChanged.emit()

    def _clear_selection(self) -> bool:
        had = self._sel_anchor is not None or self.area is not None
        self._sel_anchor = self._sel_caret = self._press_offset = None
        self.area = None
        self._area_start = None
        return had

    def selected_text(self) -> str:
        span = self.selection_span()
        return self.text[span[0] : span[1]] if span else ""

    def copy(self) -> None:
        text = self.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)

    # == events =================================================================================

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def _scrolled(self) -> None:
        self._schedule_wishes()
        self.viewport().update()
        self.layout_changed.emit()
        self._emit_page()

    def _emit_page(self) -> None:
        page = self.current_page()
        if page != self._last_page:
            self._last_page = page
            self.page_changed.emit(page, self.page_count)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta:
                self.zoom_by(1 if delta > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def _text_page(self, page: int) -> bool:
        return bool(self.page_map) and page not in self.scanned_pages

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.reader is None:
            super().mousePressEvent(event)
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        drag = self._handle_at(pos)
        if drag is not None:
            # A handle grabbed: neither a text selection nor a click that could deselect.
            self._resize = drag
            self._press_pos = None
            return
        hit = self.to_page_point(pos)
        self._press_pos = pos.toPoint()
        self._dragging = False
        had = self._clear_selection()
        if had:
            self.selectionChanged.emit()
        if hit is None:
            self.viewport().update()
            return
        page, x, y = hit
        area_mode = not self._text_page(page) or bool(
            event.modifiers() & Qt.KeyboardModifier.AltModifier
        )
        if area_mode:
            self._area_start = (page, QPointF(x, y))
        else:
            try:
                self._sel_anchor = self._sel_caret = self.reader.offset_at(page, x, y)
            except (AnnotatorError, TextNotExtracted, IndexError):
                self._sel_anchor = self._sel_caret = None
            self._press_offset = self._sel_anchor
        self.viewport().update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._resize is not None:
            self._drag_handle(pos)
            return
        if not event.buttons() & Qt.MouseButton.LeftButton or self.reader is None:
            hit = self.to_page_point(pos)
            over_text = hit is not None and self._text_page(hit[0])
            self.viewport().setCursor(
                Qt.CursorShape.SizeHorCursor
                if self._handle_at(pos) is not None
                else Qt.CursorShape.IBeamCursor
                if over_text
                else Qt.CursorShape.CrossCursor
                if hit is not None
                else Qt.CursorShape.ArrowCursor
            )
            return
        if self._press_pos is not None and (pos.toPoint() - self._press_pos).manhattanLength() > 3:
            self._dragging = True
        if self._area_start is not None:
            page, start = self._area_start
            rect = self.page_rect(page)
            z = self._zoom
            w, h = self._sizes[page]
            x = min(max((pos.x() - rect.left()) / z, 0.0), w)
            y = min(max((pos.y() - rect.top()) / z, 0.0), h)
            self.area = AreaSelection(
                page, (min(start.x(), x), min(start.y(), y), max(start.x(), x), max(start.y(), y))
            )
            self.viewport().update()
            return
        if self._sel_anchor is None:
            return
        hit = self.to_page_point(pos)
        if hit is None:
            return
        page, x, y = hit
        if not self._text_page(page):
            return
        try:
            caret = self.reader.offset_at(page, x, y)
        except (AnnotatorError, TextNotExtracted, IndexError):
            return
        self._select_dragged(caret)
        self.viewport().update()
        self.selectionChanged.emit()
        self._autoscroll(pos)

    def _select_dragged(self, caret: int) -> None:
        """The selection from the press to ``caret``; with word snapping on, grown at both
        ends to whole words, so a drag that stops mid-word ("graphica") takes the word."""
        press = self._press_offset if self._press_offset is not None else self._sel_anchor
        if press is None:
            return
        if not self.snap_to_words or caret == press:
            self._sel_anchor, self._sel_caret = press, caret
            return
        low, high = sorted((press, caret))
        low, high = self._word_start(low), self._word_end(high)
        self._sel_anchor, self._sel_caret = (low, high) if caret > press else (high, low)

    def _word_bounds(self, page: int) -> tuple[list[int], list[int]]:
        """The starts and ends of ``page``'s words (PyMuPDF's word boxes, punctuation at
        their edges split off as a tokeniser would: "sentence." is "sentence" and ".")."""
        cached = self._words.get(page)
        if cached is not None:
            return cached
        starts: list[int] = []
        ends: list[int] = []
        try:
            spans = self.reader.word_spans(page) if self.reader is not None else []
        except (AnnotatorError, TextNotExtracted, IndexError):
            spans = []
        for start, end in spans:
            core_start, core_end = start, end
            while core_start < core_end and not self.text[core_start].isalnum():
                core_start += 1
            while core_end > core_start and not self.text[core_end - 1].isalnum():
                core_end -= 1
            pieces = [(start, core_start), (core_start, core_end), (core_end, end)]
            if core_start == core_end:
                pieces = [(start, end)]  # all punctuation: one piece
            for a, b in pieces:
                if b > a:
                    starts.append(a)
                    ends.append(b)
        self._words[page] = (starts, ends)
        while len(self._words) > 16:
            self._words.popitem(last=False)
        return starts, ends

    def _word_start(self, offset: int) -> int:
        """The start of the word ``offset`` is inside (``offset`` itself between words)."""
        if not self.page_map:
            return offset
        starts, ends = self._word_bounds(self.page_of(offset))
        i = bisect_right(starts, offset) - 1
        return starts[i] if i >= 0 and offset < ends[i] else offset

    def _word_end(self, offset: int) -> int:
        """The end of the word that ends at or runs past ``offset`` (a caret inside it)."""
        if not self.page_map or offset <= 0:
            return offset
        starts, ends = self._word_bounds(self.page_of(offset - 1))
        i = bisect_right(starts, offset - 1) - 1
        return ends[i] if i >= 0 and offset <= ends[i] else offset

    def _handle_at(self, pos: QPointF) -> _ResizeDrag | None:
        """The drag that grabbing the selected annotation's handle at ``pos`` starts."""
        first, last = self._handle_rects()
        a = self.selected()
        if a is None:
            return None
        x, y = pos.x(), pos.y()
        # Each end's bar plus its knob (above the start, below the end).
        if (
            first is not None
            and abs(x - (first.left() - 1.5)) <= HANDLE_GRAB
            and first.top() - 9 <= y <= first.bottom() + 2
        ):
            return _ResizeDrag(a.id, "start", a.start, a.end)
        if (
            last is not None
            and abs(x - (last.right() + 1.5)) <= HANDLE_GRAB
            and last.top() - 2 <= y <= last.bottom() + 9
        ):
            return _ResizeDrag(a.id, "end", a.start, a.end)
        return None

    def _drag_handle(self, pos: QPointF) -> None:
        """Move the dragged end to the caret position under ``pos``; one character stays."""
        drag = self._resize
        assert drag is not None
        self.viewport().setCursor(Qt.CursorShape.SizeHorCursor)
        hit = self.to_page_point(pos)
        if hit is not None and self.reader is not None and self._text_page(hit[0]):
            page, x, y = hit
            try:
                offset = self.reader.offset_at(page, x, y)
            except (AnnotatorError, TextNotExtracted, IndexError):
                offset = None
            if offset is not None:
                if drag.end == "start":
                    drag.start_cp = min(offset, drag.end_cp - 1)
                else:
                    drag.end_cp = max(offset, drag.start_cp + 1)
                self.viewport().update()
        self._autoscroll(pos)

    def _autoscroll(self, pos: QPointF) -> None:
        bar = self.verticalScrollBar()
        if pos.y() < 10:
            bar.setValue(bar.value() - 20)
        elif pos.y() > self.viewport().height() - 10:
            bar.setValue(bar.value() + 20)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        if self._resize is not None:
            drag, self._resize = self._resize, None
            a = self.index.get(drag.annotation_id)
            if a is not None and (drag.start_cp, drag.end_cp) != (a.start, a.end):
                self.resize_requested.emit(a.id, drag.start_cp, drag.end_cp)
            self.refresh()
            return
        pos = event.position()
        if self._area_start is not None:
            self._area_start = None
            area = self.area
            if (
                area is not None
                and (area.rect[2] - area.rect[0]) * self._zoom > 4
                and (area.rect[3] - area.rect[1]) * self._zoom > 4
            ):
                self.selectionChanged.emit()
                self.selection_finished.emit()
                self._press_pos = None
                return
            self.area = None
        if self.selection_span() is not None:
            self.selectionChanged.emit()
            self.selection_finished.emit()
        elif self._press_pos is not None and not self._dragging:
            self._sel_anchor = self._sel_caret = None
            if not any(handler(pos) for handler in self.click_handlers):
                self.annotation_clicked.emit(self.annotation_at(pos))
        self._press_pos = None
        self.viewport().update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        ident = self.annotation_at(event.position(), cycle=False)
        if ident:
            self.annotation_activated.emit(ident)

    def annotation_at(self, pos: QPointF | QPoint, *, cycle: bool = True) -> str:
        """The annotation drawn under a viewport point (innermost first; clicking again
        on overlapping ones steps through them)."""
        hit = self.to_page_point(QPointF(pos))
        if hit is None or not self.page_map:
            return ""
        page, x, y = hit
        s, e = self.page_map[page]
        found: list[Annotation] = []
        for a in self.index.overlapping(s, e + 1):
            if a.kind in NOT_PAINTED:
                continue
            if a.rect is not None and a.page is not None:
                if a.page == page and _inside(a.rect, x, y, 0):
                    found.append(a)
                continue
            for _p, rects in self._page_rects((a.start, a.end), {page}):
                if any(_inside(r, x, y, 1.0) for r in rects):
                    found.append(a)
                    break
        if not found:
            return ""
        found.sort(key=lambda a: (a.rect is not None, a.end - a.start))
        ids = [a.id for a in found]
        if cycle and self.selected_id in ids:
            return ids[(ids.index(self.selected_id) + 1) % len(ids)]
        return ids[0]

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            key = event.text().lower()
            no_mods = not (
                event.modifiers()
                & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
            )
            if key and no_mods and key in self.label_keys and self.has_selection():
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.text().lower()
        if key and key in self.label_keys and self.has_selection():
            self.label_key_pressed.emit(key)
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            return
        bar = self.verticalScrollBar()
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if ctrl and event.key() in (Qt.Key.Key_Home, Qt.Key.Key_End):
            bar.setValue(0 if event.key() == Qt.Key.Key_Home else bar.maximum())
            return
        super().keyPressEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(800, 600)


@dataclass(frozen=True, slots=True)
class _Paged:
    text: str
    page_map: tuple[tuple[int, int], ...]


def _resizable(a: Annotation) -> bool:
    """A text annotation whose ends can be dragged (not an area, summary or document label)."""
    return a.kind not in NOT_PAINTED and a.end > a.start and (a.rect is None or a.page is None)


def _inside(rect: Rect, x: float, y: float, slack: float) -> bool:
    return rect[0] - slack <= x <= rect[2] + slack and rect[1] - slack <= y <= rect[3] + slack


__all__ = ["AreaSelection", "PdfView"]
