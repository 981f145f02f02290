"""The reader: the document's text, selectable but not editable, with its annotations drawn.

Highlights are segments computed only for the text on screen (plus half a screen either
side), so a 1 MB text with 10,000 annotations costs no more per frame than a short one.
Overlapping annotations are split into segments whose colour is the blend of the layers;
labels add an underline in their colour, symbols sit in the gutter, and the selected
annotation gets an outline with handles to drag its ends.

The reader paints the segments itself, under the text, only on the lines a paint event
exposes. Handed to Qt as ``ExtraSelection``s they cost Qt a clipped pass over every line on
screen for each one: a screen of 600 marks took 55 ms to paint (2 ms now).

Offsets: everything this widget says to the outside is in code points (what the project
stores); Qt's UTF-16 positions are converted here with :class:`OffsetMap`.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
    QTextOption,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from annotator.core.model import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    DocumentKind,
)
from annotator.core.offsets import OffsetMap
from annotator.documents.markdown import inline_marks
from annotator.ui.marks import Underline, look_of
from annotator.ui.span_index import NOT_PAINTED, SpanIndex
from annotator.ui.theme import LIGHT, Theme, blend

READER_FONTS = [
    "Charter",
    "Georgia",
    "Iowan Old Style",
    "Source Serif 4",
    "Noto Serif",
    "DejaVu Serif",
    "Times New Roman",
    "serif",
]
GUTTER_WIDTH = 30
MEASURE_CHARS = 74  # the longest comfortable line, in average characters
HANDLE_GRAB = 7  # pixels either side of a span end that start a resize drag


#: A painted stretch: UTF-16 start and end, and the look of the marks over it.
Segment = tuple[int, int, QTextCharFormat]


@dataclass(slots=True)
class _Drag:
    annotation_id: str
    end: str  # "start" or "end"
    start_cp: int
    end_cp: int


class _Gutter(QWidget):
    """Left of the text: symbols (? ! *) and summary marks beside their lines."""

    def __init__(self, reader: ReaderView) -> None:
        super().__init__(reader)
        self.reader = reader

    def sizeHint(self) -> QSize:
        return QSize(GUTTER_WIDTH, 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.reader.paint_gutter(self, event)


class ReaderView(QPlainTextEdit):
    """A read-only text view that draws annotations and reports clicks on them."""

    annotation_clicked = Signal(str)  # id, or "" when the click was on plain text
    annotation_activated = Signal(str)  # double-click: open its note
    selection_finished = Signal()  # the mouse let go of a text selection
    label_key_pressed = Signal(str)  # a label-set key pressed over a text selection
    resize_requested = Signal(str, int, int)  # id, new start, new end (code points)
    layout_changed = Signal()  # scrolled, resized or zoomed: margin cards follow
    escape_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setUndoRedoEnabled(False)
        self.setCenterOnScroll(False)
        self.setFrameShape(QPlainTextEdit.Shape.NoFrame)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setMouseTracking(True)
        self.setObjectName("reader")
        self.setAccessibleName("Reader")
        self.document().setDocumentMargin(24)

        self.theme: Theme = LIGHT
        self.doc: Document | None = None
        self.text = ""
        self.offsets = OffsetMap("")
        self.index = SpanIndex()
        self.label_colors: dict[str, str] = {}
        self.label_keys: set[str] = set()
        self.selected_id: str | None = None
        self.linking_from: str | None = None
        self._find_hits: list[tuple[int, int]] = []  # UTF-16, sorted
        self._find_current = -1
        self._painted_range = (0, -1)  # UTF-16 range the segments cover
        self._segments: list[Segment] = []  # sorted, not overlapping
        self._segment_starts: list[int] = []
        self._painting = False  # computing the segments (see _paint_visible)
        self._scrolling = False  # scroll_top_to stepping towards its line
        self._drag: _Drag | None = None
        self._press_pos: QPoint | None = None
        self._point_size = 13
        self._headings: list[tuple[int, int]] = []  # (block number, level)
        self._markdown = False  # style Markdown emphasis, code and links in place
        self._inline_pos = 0  # where styling them has got to
        self._inline_timer = QTimer(self, singleShot=True, interval=0)
        self._inline_timer.timeout.connect(self._apply_inline_chunk)
        # Extra layers drawn over the text after the annotations (e.g. pending suggestions),
        # and what a plain click on them does: a handler given the viewport point returns
        # True when it took the click, before annotations are looked for.
        self.overlays: list[Callable[[QPainter], None]] = []
        self.click_handlers: list[Callable[[QPointF], bool]] = []

        self._gutter = _Gutter(self)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.cursorPositionChanged.connect(self._gutter.update)
        self._refresh_timer = QTimer(self, singleShot=True, interval=0)
        self._refresh_timer.timeout.connect(self.refresh_now)
        self._formats: dict[tuple[object, ...], QTextCharFormat] = {}
        self._keep_top: int | None = None  # the reading position a resize must keep
        self._keep_tries = 0
        self._keep_timer = QTimer(self, singleShot=True, interval=0)
        self._keep_timer.timeout.connect(self._restore_top)
        self._relayout_timer = QTimer(self, singleShot=True, interval=0)
        self._relayout_timer.timeout.connect(self._after_relayout)
        self.document().documentLayout().documentSizeChanged.connect(
            lambda _size: self._relayout_timer.start()
        )
        self.set_zoom(self._point_size)

    # -- content ----------------------------------------------------------------------------

    def load(self, document: Document | None, annotations: list[Annotation]) -> None:
        """Show a document and its annotations, replacing whatever was shown."""
        self.doc = document
        self.text = document.text if document else ""
        self.offsets = OffsetMap(self.text)
        self.index.reset(annotations)
        self.selected_id = None
        self._find_hits, self._find_current = [], -1
        self._painted_range = (0, -1)
        self._set_segments([])
        # setPlainText gives the whole new text the caret's character format; after a
        # Markdown reading that is a heading's (big, bold, faded), so it is cleared first.
        self.setCurrentCharFormat(QTextCharFormat())
        self.setPlainText(self.text)
        self._headings = []
        self._inline_timer.stop()
        self._markdown = document is not None and document.kind == DocumentKind.MARKDOWN
        if self._markdown:
            self._format_headings()
        self.refresh()

    def _format_headings(self) -> None:
        """Markdown headings read as headings; the text itself (and its offsets) is unchanged."""
        self._headings = []
        pos = 0
        for number, line in enumerate(self.text.split("\n")):
            if line.startswith("#"):
                level = len(line) - len(line.lstrip("#"))
                if 1 <= level <= 6 and line[level : level + 1] == " ":
                    self._headings.append((number, level))
            pos += len(line) + 1
        self._apply_heading_formats()

    def _apply_heading_formats(self) -> None:
        """Headings first (they set whole lines' formats), then the inline styles over them."""
        doc = self.document()
        faint = QColor(self.theme.ink)
        faint.setAlpha(80)
        cursor = QTextCursor(doc)
        cursor.beginEditBlock()  # one layout update for all of them
        try:
            for number, level in self._headings:
                block = doc.findBlockByNumber(number)
                start = block.position()
                fmt = QTextCharFormat()
                fmt.setFontWeight(QFont.Weight.Bold)
                fmt.setFontPointSize(self._point_size * {1: 1.6, 2: 1.3, 3: 1.12}.get(level, 1.0))
                cursor.setPosition(start)
                cursor.setPosition(start + block.length() - 1, QTextCursor.MoveMode.KeepAnchor)
                cursor.setCharFormat(fmt)
                # The "## " markers stay in the text (offsets count them) but step back.
                fmt.setForeground(faint)
                cursor.setPosition(start)
                cursor.setPosition(start + level + 1, QTextCursor.MoveMode.KeepAnchor)
                cursor.setCharFormat(fmt)
        finally:
            cursor.endEditBlock()
        self._apply_inline_formats()

    def _apply_inline_formats(self) -> None:
        """*Emphasis*, **strong**, `code` and [links](…) styled in place, their syntax faded
        (the characters stay: offsets count them). The first screen's worth is styled at
        once, the rest in chunks on the event loop, so a long Markdown file opens fast."""
        self._inline_pos = 0
        if self._markdown:
            self._apply_inline_chunk(12_000)

    def _inline_styles(self) -> dict[str, QTextCharFormat]:
        muted = self.theme.muted
        styles: dict[str, QTextCharFormat] = {}
        for style in ("strong", "emphasis", "code", "link", "marker"):
            fmt = QTextCharFormat()
            if style == "strong":
                fmt.setFontWeight(QFont.Weight.Bold)
            elif style == "emphasis":
                fmt.setFontItalic(True)
            elif style == "code":
                fmt.setFontFamilies(["DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])
                fmt.setFontFixedPitch(True)
                fmt.setBackground(QColor(muted.red(), muted.green(), muted.blue(), 40))
            elif style == "link":
                fmt.setForeground(self.theme.accent)
            else:
                faint = QColor(self.theme.ink)
                faint.setAlpha(80)
                fmt.setForeground(faint)
            styles[style] = fmt
        return styles

    def _apply_inline_chunk(self, size: int = 40_000) -> None:
        text = self.text
        start = self._inline_pos
        if not self._markdown or start >= len(text):
            return
        end = text.find("\n", min(len(text), start + size))
        end = len(text) if end < 0 else end + 1
        marks = inline_marks(text, start, end)
        if marks:
            styles = self._inline_styles()
            cursor = QTextCursor(self.document())
            cursor.beginEditBlock()
            try:
                for mark in marks:
                    a, b = mark.text
                    cursor.setPosition(self.to_qt(a))
                    cursor.setPosition(self.to_qt(b), QTextCursor.MoveMode.KeepAnchor)
                    cursor.mergeCharFormat(styles[mark.style])
                    for run_start, run_end in mark.markers:
                        cursor.setPosition(self.to_qt(run_start))
                        cursor.setPosition(self.to_qt(run_end), QTextCursor.MoveMode.KeepAnchor)
                        cursor.mergeCharFormat(styles["marker"])
            finally:
                cursor.endEditBlock()
        self._inline_pos = end
        if end < len(text):
            self._inline_timer.start()

    @property
    def inline_styled(self) -> bool:
        """True once every Markdown inline style is applied."""
        return not self._markdown or self._inline_pos >= len(self.text)

    def headings(self) -> list[tuple[int, int, int, str]]:
        """Markdown sections: (level, start, end, title) in code points."""
        result: list[tuple[int, int, int, str]] = []
        starts = []
        doc = self.document()
        for number, level in self._headings:
            block = doc.findBlockByNumber(number)
            start = self.offsets.to_codepoint(block.position())
            starts.append((level, start, block.text().lstrip("#").strip()))
        for i, (level, start, title) in enumerate(starts):
            end = len(self.text)
            for later_level, later_start, _ in starts[i + 1 :]:
                if later_level <= level:
                    end = later_start
                    break
            result.append((level, start, end, title))
        return result

    def section_at(self, offset: int) -> tuple[int, int, str] | None:
        """The innermost Markdown section containing ``offset``."""
        found = None
        for _level, start, end, title in self.headings():
            if start <= offset < end and (found is None or start >= found[0]):
                found = (start, end, title)
        return found

    def set_label_colors(self, colors: dict[str, str], keys: set[str]) -> None:
        self.label_colors, self.label_keys = colors, keys
        self._formats.clear()
        self.refresh()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self._formats.clear()
        pal = self.palette()
        pal.setColor(pal.ColorRole.Base, theme.paper)
        pal.setColor(pal.ColorRole.Window, theme.paper)
        pal.setColor(pal.ColorRole.Text, theme.ink)
        self.setPalette(pal)
        # The viewport paints the paper; a style sheet on an ancestor gives it a palette of
        # its own, so it is told too.
        self.viewport().setPalette(pal)
        self.setAutoFillBackground(True)
        self._apply_heading_formats()
        self.refresh()

    def set_zoom(self, points: int) -> None:
        self._point_size = points
        font = QFont()
        font.setFamilies(READER_FONTS)
        font.setPointSizeF(points)
        font.setStyleHint(QFont.StyleHint.Serif)
        self.setFont(font)
        self._apply_heading_formats()
        self._update_margins()
        self.refresh()

    @property
    def zoom(self) -> int:
        return self._point_size

    # -- following the service ----------------------------------------------------------------

    def add_annotation(self, annotation: Annotation) -> None:
        if self.doc is not None and annotation.document_id == self.doc.id:
            self.index.add(annotation)
            self.refresh()

    def change_annotation(self, annotation: Annotation) -> None:
        if self.doc is not None and annotation.document_id == self.doc.id:
            self.index.add(annotation)
            self.refresh()

    def remove_annotation(self, annotation_id: str) -> None:
        if self.index.remove(annotation_id) is not None:
            if self.selected_id == annotation_id:
                self.selected_id = None
            self.refresh()

    def reset_first_screen(
        self,
        annotations: list[Annotation],
        start: int,
        end: int,
        load_rest: Callable[[], list[Annotation]],
    ) -> None:
        """Show only the annotations overlapping ``[start, end)`` (code points) for now;
        ``load_rest()`` gives all of them the first time anything else is asked for."""
        self.index.reset_partial(annotations, start, end, load_rest)
        self.selected_id = None
        self.refresh()

    def reset_annotations(self, annotations: list[Annotation]) -> None:
        self.index.reset(annotations)
        if self.selected_id not in self.index:
            self.selected_id = None
        self.refresh()

    # -- coordinates --------------------------------------------------------------------------

    def to_qt(self, offset: int) -> int:
        return self.offsets.to_utf16(min(max(offset, 0), self.offsets.length))

    def to_cp(self, position: int) -> int:
        return self.offsets.to_codepoint(min(max(position, 0), self.offsets.utf16_length))

    def selection_span(self) -> tuple[int, int] | None:
        """The selected text in code points, or None when nothing is selected."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        start, end = self.to_cp(cursor.selectionStart()), self.to_cp(cursor.selectionEnd())
        return (start, end) if end > start else None

    def has_selection(self) -> bool:
        return self.textCursor().hasSelection()

    def clear_selection(self) -> None:
        cursor = self.textCursor()
        cursor.clearSelection()
        self.setTextCursor(cursor)

    def select_span(self, start: int, end: int) -> None:
        cursor = self.textCursor()
        cursor.setPosition(self.to_qt(start))
        cursor.setPosition(self.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def caret_offset(self) -> int:
        return self.to_cp(self.textCursor().position())

    def top_offset(self) -> int:
        """Code point at the top-left of the view (remembered as the reading position)."""
        return self.to_cp(self.cursorForPosition(QPoint(0, 0)).position())

    def scroll_to_offset(self, offset: int, *, top: bool = False) -> None:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.to_qt(offset))
        if top:
            # Put the line holding ``offset`` at the top of the view. Blocks are laid out
            # lazily, so scroll there first (which lays them out) and then correct.
            self.setTextCursor(cursor)
            self.ensureCursorVisible()
            self.scroll_top_to(offset)
            return
        a, b = self.visible_range()
        if a <= cursor.position() <= b:
            rect = self.cursorRect(cursor)
            if rect.top() >= 0 and rect.bottom() <= self.viewport().height():
                return
        # Put the passage a third of the way down, where the eye looks first. The scroll bar
        # counts lines; a block far off screen has no pixel place yet (it is laid out
        # lazily), but its line number is kept, so scroll by that.
        block = cursor.block()
        line = block.firstLineNumber()
        layout = block.layout()
        if layout is not None and layout.lineCount():
            line += max(0, layout.lineForTextPosition(cursor.positionInBlock()).lineNumber())
        lines_on_screen = self.viewport().height() / max(1, self.fontMetrics().lineSpacing())
        self.verticalScrollBar().setValue(max(0, round(line - lines_on_screen / 3)))

    def span_rects(self, start: int, end: int) -> list[QRectF]:
        """Viewport rectangles of the lines of ``[start, end)`` that are laid out on screen."""
        a, b = self.to_qt(start), self.to_qt(end)
        doc = self.document()
        rects: list[QRectF] = []
        block = doc.findBlock(a)
        offset = self.contentOffset()
        height = self.viewport().height()
        while block.isValid() and block.position() <= b:
            geometry = self.blockBoundingGeometry(block).translated(offset)
            if geometry.top() > height:
                break
            if geometry.bottom() >= 0 and block.isVisible():
                layout = block.layout()
                pos = block.position()
                for i in range(layout.lineCount()):
                    line = layout.lineAt(i)
                    ls, le = pos + line.textStart(), pos + line.textStart() + line.textLength()
                    if le < a or ls > b or (b > a and (ls == b or le == a)):
                        continue  # (a span starting at a wrap is not on the line before)
                    x1 = _x(line, max(a, ls) - pos)
                    x2 = _x(line, min(b, le) - pos)
                    rects.append(
                        QRectF(
                            geometry.left() + x1,
                            geometry.top() + line.y(),
                            max(2.0, x2 - x1),
                            line.height(),
                        )
                    )
            block = block.next()
        return rects

    def offset_y(self, offset: int) -> float | None:
        """Viewport y of the line holding ``offset`` (None if far off screen)."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.to_qt(offset))
        block = cursor.block()
        geometry = self.blockBoundingGeometry(block).translated(self.contentOffset())
        line = block.layout().lineForTextPosition(cursor.positionInBlock())
        return geometry.top() + (line.y() if line.isValid() else 0.0)

    def visible_range(self, pad_pixels: int = 0) -> tuple[int, int]:
        """UTF-16 range from the top to the bottom of the view, widened by ``pad_pixels``."""
        vp = self.viewport().rect()
        first = self.cursorForPosition(QPoint(0, vp.top() - pad_pixels)).position()
        last_cursor = self.cursorForPosition(QPoint(vp.right(), vp.bottom() + pad_pixels))
        last_cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
        return first, last_cursor.position()

    def visible_codepoints(self) -> tuple[int, int]:
        a, b = self.visible_range()
        return self.to_cp(a), self.to_cp(b)

    # -- selection of annotations -------------------------------------------------------------

    def select_annotation(self, annotation_id: str | None, *, scroll: bool = True) -> None:
        self.selected_id = annotation_id if annotation_id in self.index else None
        if self.selected_id and scroll:
            a = self.index.get(self.selected_id)
            assert a is not None
            self.scroll_to_offset(a.start)
        self.refresh()

    def selected(self) -> Annotation | None:
        return self.index.get(self.selected_id) if self.selected_id else None

    # -- find ----------------------------------------------------------------------------------

    def set_find_hits(self, hits: list[tuple[int, int]], current: int = -1) -> None:
        """Mark every hit (code points); ``current`` is drawn stronger and scrolled to."""
        self._find_hits = [(self.to_qt(s), self.to_qt(e)) for s, e in hits]
        self._find_current = current
        if 0 <= current < len(hits):
            self.scroll_to_offset(hits[current][0])
        self.refresh()
        self.verticalScrollBar().update()

    # -- drawing --------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Recompute the highlights for the text on screen, once per turn of the event loop.

        Several changes in a row (add, then select, then clear the text selection) cost one
        recomputation; :meth:`refresh_now` is for when the caller needs it done at once.
        """
        self._painted_range = (0, -1)
        self._refresh_timer.start()

    def refresh_now(self) -> None:
        self._refresh_timer.stop()
        self._painted_range = (0, -1)
        self._paint_visible()
        self.viewport().update()
        self._gutter.update()
        self.layout_changed.emit()

    def extraSelections(self) -> list[QTextEdit.ExtraSelection]:
        """The marks as Qt's extra selections would hold them (they are painted here,
        not by Qt), after any pending recomputation."""
        if self._refresh_timer.isActive():
            self.refresh_now()
        return super().extraSelections() + self._as_selections(self._segments)

    def _on_scrolled(self) -> None:
        if self._scrolling:
            return  # scroll_top_to on its way: it calls this once it is there
        if self._refresh_timer.isActive():
            self.refresh_now()
            return
        a, b = self.visible_range()
        lo, hi = self._painted_range
        if a < lo or b > hi:
            self._paint_visible()
        self._gutter.update()
        self.layout_changed.emit()

    def _after_relayout(self) -> None:
        # Highlights are text positions, not pixels: only a screen that now shows text they do
        # not cover needs them again (blocks laid out while scrolling change the document's
        # size, and recomputing them then would cost every scroll and every edit twice).
        if self._refresh_timer.isActive():
            return  # a recomputation is already coming this turn (a new document's marks)
        a, b = self.visible_range()
        lo, hi = self._painted_range
        if a < lo or b > hi:
            self._paint_visible()
        self._gutter.update()
        self.layout_changed.emit()

    def _paint_visible(self) -> None:
        if self._painting:
            # Asked again while computing them (a relayout that scrolled): once more, on
            # the next turn, rather than replacing the list being made.
            self._refresh_timer.start()
            return
        pad = max(200, self.viewport().height() // 2)
        a, b = self.visible_range(pad)
        self._painted_range = (a, b)
        self._painting = True
        try:
            self._set_segments(self._mark_segments(a, b))
        finally:
            self._painting = False
        self.viewport().update()

    def _set_segments(self, segments: list[Segment]) -> None:
        self._segments = segments
        self._segment_starts = [lo for lo, _hi, _fmt in segments]

    def _annotation_selections(self, a: int, b: int) -> list[QTextEdit.ExtraSelection]:
        """The segments of UTF-16 ``[a, b)`` as extra selections (cursor and format)."""
        return self._as_selections(self._mark_segments(a, b))

    def _as_selections(self, segments: list[Segment]) -> list[QTextEdit.ExtraSelection]:
        out: list[QTextEdit.ExtraSelection] = []
        doc = self.document()
        for lo, hi, fmt in segments:
            sel = QTextEdit.ExtraSelection()
            cursor = QTextCursor(doc)
            cursor.setPosition(lo)
            cursor.setPosition(hi, QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = cursor
            sel.format = fmt
            out.append(sel)
        return out

    def _mark_segments(self, a: int, b: int) -> list[Segment]:
        """The stretches of UTF-16 ``[a, b)`` under some mark, each with the look of all of
        them, in text order."""
        start_cp, end_cp = self.to_cp(a), self.to_cp(b)
        layers = [
            x
            for x in self.index.overlapping(start_cp, end_cp)
            if x.kind not in NOT_PAINTED
            and x.end > x.start
            and x.status != AnnotationStatus.ORPHANED  # lost its passage: the Orphans list
        ]
        if self._drag is not None:
            layers = [_moved(x, self._drag) for x in layers]
        if not layers:
            return []
        bounds = sorted(
            {max(start_cp, x.start) for x in layers} | {min(end_cp, x.end) for x in layers}
        )
        out: list[Segment] = []
        to_qt = self.to_qt
        bmp = self.offsets.is_bmp  # UTF-16 positions are code points: nothing to convert
        # What each layer adds to a segment's format key (see _segment_format), worked out
        # once per layer rather than once per segment it covers.
        marked = (self.selected_id, self.linking_from)
        parts = [(x.color, x.label, x.kind, bool(x.note), x.id in marked) for x in layers]
        formats = self._formats
        # A sweep over the segments between bounds: the layers covering a segment are the
        # ones begun and not yet ended (kept in the index's order, which the formats key
        # on). Asking every layer for every segment made a page of 1,000 marks take 0.2 s.
        by_start = sorted(range(len(layers)), key=lambda i: layers[i].start)
        waiting = 0
        active: dict[int, Annotation] = {}
        for lo, hi in itertools.pairwise(bounds):
            while waiting < len(by_start) and layers[by_start[waiting]].start <= lo:
                active[by_start[waiting]] = layers[by_start[waiting]]
                waiting += 1
            for i in [i for i, x in active.items() if x.end <= lo]:
                del active[i]
            if not active:
                continue
            order = sorted(active)
            fmt = formats.get(tuple([parts[i] for i in order]))
            if fmt is None:
                fmt = self._segment_format([layers[i] for i in order])
            out.append((lo, hi, fmt) if bmp else (to_qt(lo), to_qt(hi), fmt))
        return out

    def _segment_format(self, covering: list[Annotation]) -> QTextCharFormat:
        marked = (self.selected_id, self.linking_from)
        key = tuple((x.color, x.label, x.kind, bool(x.note), x.id in marked) for x in covering)
        fmt = self._formats.get(key)
        if fmt is None:
            if len(self._formats) > 4096:
                self._formats.clear()
            fmt = self._formats[key] = self._make_format(covering)
        return fmt

    def _make_format(self, covering: list[Annotation]) -> QTextCharFormat:
        theme = self.theme
        colours = []
        underline: QColor | None = None
        dotted = False
        selected = False
        for x in covering:
            if x.id == self.selected_id or x.id == self.linking_from:
                selected = True
            look = look_of(x, self.label_colors)
            colours.append(theme.highlight(look.base, look.strength))
            if look.underline == Underline.LABEL:
                underline = theme.label_line(look.line_color)
            elif look.underline == Underline.NOTE:
                dotted = True
        fmt = QTextCharFormat()
        background = blend(colours)
        if selected:
            background = background.darker(112) if not theme.dark else background.lighter(135)
        fmt.setBackground(background)
        if underline is not None:
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
            fmt.setUnderlineColor(underline)
        elif dotted:
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
            fmt.setUnderlineColor(theme.muted)
        return fmt

    def _segment_rects(self, exposed: QRect) -> list[tuple[QRectF, float, QTextCharFormat]]:
        """Viewport rectangles of the segments on the lines ``exposed`` shows, each with
        its line's baseline."""
        starts, segments = self._segment_starts, self._segments
        if not segments:
            return []
        out: list[tuple[QRectF, float, QTextCharFormat]] = []
        offset = self.contentOffset()
        top_edge, bottom_edge = exposed.top(), exposed.bottom()
        block = self.firstVisibleBlock()
        while block.isValid():
            geometry = self.blockBoundingGeometry(block).translated(offset)
            if geometry.top() > bottom_edge:
                break
            layout = block.layout()
            if geometry.bottom() >= top_edge and block.isVisible() and layout is not None:
                pos, left, block_top = block.position(), geometry.left(), geometry.top()
                for i in range(layout.lineCount()):
                    line = layout.lineAt(i)
                    y = block_top + line.y()
                    if y > bottom_edge:
                        break
                    if y + line.height() < top_edge:
                        continue
                    ls = pos + line.textStart()
                    le = ls + line.textLength()
                    j = max(0, bisect_right(starts, ls) - 1)
                    while j < len(segments) and segments[j][0] < le:
                        lo, hi, fmt = segments[j]
                        j += 1
                        if hi <= ls:
                            continue
                        x1 = _x(line, max(lo, ls) - pos)
                        x2 = _x(line, min(hi, le) - pos)
                        if x2 < x1:  # right to left
                            x1, x2 = x2, x1
                        rect = QRectF(left + x1, y, max(1.0, x2 - x1), line.height())
                        out.append((rect, y + line.ascent(), fmt))
            block = block.next()
        return out

    def paintEvent(self, event: QPaintEvent) -> None:
        marks = self._segment_rects(event.rect())
        if marks:  # under the text: Qt draws the text (and a text selection) over them
            painter = QPainter(self.viewport())
            for rect, _baseline, fmt in marks:
                background = fmt.background()
                if background.style() != Qt.BrushStyle.NoBrush:
                    painter.fillRect(rect, background)
            painter.end()
        super().paintEvent(event)
        painter = QPainter(self.viewport())
        self._paint_underlines(painter, marks)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for ident, colour in (
            (self.linking_from, self.theme.accent),
            (self.selected_id, self.theme.accent),
        ):
            if not ident:
                continue
            a = self.index.get(ident)
            if a is None or a.kind in NOT_PAINTED or a.end <= a.start:
                continue
            start, end = a.start, a.end
            if self._drag is not None and self._drag.annotation_id == ident:
                start, end = self._drag.start_cp, self._drag.end_cp
            rects = self.span_rects(start, end)
            pen = QPen(colour, 1.5)
            if ident == self.linking_from and ident != self.selected_id:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for rect in rects:
                painter.drawRoundedRect(rect.adjusted(-1, 0, 1, 0), 2, 2)
            if ident == self.selected_id and rects:
                painter.setBrush(colour)
                painter.setPen(Qt.PenStyle.NoPen)
                first, last = rects[0], rects[-1]
                for x, top, bottom in (
                    (first.left() - 1, first.top(), first.bottom()),
                    (last.right() + 1, last.top(), last.bottom()),
                ):
                    painter.drawRect(QRectF(x - 1.5, top - 2, 3, bottom - top + 4))
                    painter.drawEllipse(
                        QPointF(x, top - 3 if x == first.left() - 1 else bottom + 3), 3.5, 3.5
                    )
        self._paint_find(painter)
        for overlay in self.overlays:
            overlay(painter)
        painter.end()

    def _paint_underlines(
        self, painter: QPainter, marks: list[tuple[QRectF, float, QTextCharFormat]]
    ) -> None:
        """Labels' lines and notes' dots under their segments, where Qt would draw them."""
        metrics = QFontMetricsF(self.font())
        below, width = metrics.underlinePos(), max(1.0, metrics.lineWidth())
        for rect, baseline, fmt in marks:
            style = fmt.underlineStyle()
            if style == QTextCharFormat.UnderlineStyle.NoUnderline:
                continue
            pen = QPen(fmt.underlineColor(), width)
            if style == QTextCharFormat.UnderlineStyle.DotLine:
                pen.setStyle(Qt.PenStyle.DotLine)
            painter.setPen(pen)
            y = baseline + below
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))

    def _paint_find(self, painter: QPainter) -> None:
        """Find hits as outlines in the find colour (the current one thicker): no fill, so
        no highlight colour, whatever the legend holds, can look like a hit."""
        if not self._find_hits:
            return
        from bisect import bisect_left

        a, b = self.visible_range()
        i = max(0, bisect_left(self._find_hits, (a, -1)) - 1)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        while i < len(self._find_hits) and self._find_hits[i][0] <= b:
            s, e = self._find_hits[i]
            current = i == self._find_current
            painter.setPen(QPen(self.theme.find_line, 2.5 if current else 1.25))
            for rect in self.span_rects(self.to_cp(s), self.to_cp(e)):
                painter.drawRoundedRect(rect.adjusted(-1.5, -0.5, 1.5, 0.5), 2.5, 2.5)
            i += 1

    def paint_gutter(self, gutter: QWidget, event: QPaintEvent) -> None:
        painter = QPainter(gutter)
        painter.fillRect(event.rect(), self.theme.paper)
        a, b = self.visible_range()
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(max(8.0, self._point_size * 0.85))
        painter.setFont(font)
        shown: dict[int, list[str]] = {}
        for x in self.index.overlapping(self.to_cp(a), self.to_cp(b) + 1):
            marks = []
            if x.symbol:
                marks.append(x.symbol)
            if x.kind == AnnotationKind.SUMMARY and x.end > x.start:
                marks.append("Σ")
            if not marks:
                continue
            y = self.offset_y(x.start)
            if y is None:
                continue
            shown.setdefault(round(y), []).extend(marks)
        line_height = self.fontMetrics().height()
        for y, marks in shown.items():
            text = "".join(dict.fromkeys(marks))
            painter.setPen(self.theme.accent)
            painter.drawText(
                QRect(0, y, GUTTER_WIDTH - 4, line_height),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
        painter.end()

    # -- layout -------------------------------------------------------------------------------

    def _update_margins(self) -> None:
        width = self.width()
        measure = self.fontMetrics().averageCharWidth() * MEASURE_CHARS + 48
        spare = max(0, width - GUTTER_WIDTH - measure - self.verticalScrollBar().sizeHint().width())
        left = GUTTER_WIDTH + spare // 3
        self.setViewportMargins(left, 0, spare - spare // 3, 0)
        rect = self.contentsRect()
        self._gutter.setGeometry(
            QRect(rect.left() + left - GUTTER_WIDTH, rect.top(), GUTTER_WIDTH, rect.height())
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        # A new width rewraps every line; without help the view would keep its line number
        # and show another passage. The reading position stays where it was instead.
        old = event.oldSize()
        if (
            self.doc is not None
            and old.isValid()
            and old.width() > 0
            and old.width() != event.size().width()
        ):
            if self._keep_top is None:
                self._keep_top = self.top_offset()
            self._keep_timer.start()
        super().resizeEvent(event)
        self._update_margins()
        self._relayout_timer.start()

    def _restore_top(self) -> None:
        keep = self._keep_top
        if keep is None or keep == 0 or self.top_offset() == keep or self._keep_tries >= 4:
            self._keep_top, self._keep_tries = None, 0
            return
        self.scroll_top_to(keep)
        # Lines laid out by this scroll can move it again: look once more on the next turn.
        self._keep_tries += 1
        self._keep_timer.start()

    def scroll_top_to(self, offset: int) -> None:
        """Scroll so the line holding ``offset`` is the first on screen, leaving the caret
        and any selection where they are."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.to_qt(offset))
        bar = self.verticalScrollBar()
        start = bar.value()
        # The steps on the way are not shown: the marks, gutter and margin follow once, at
        # the end (each step had them recomputed, and the margin's cards placed, up to 12
        # times for one scroll).
        self._scrolling = True
        try:
            for _ in range(12):  # converges as the blocks scrolled past get laid out
                rect = self.cursorRect(cursor)
                lines = round(rect.top() / max(1, rect.height()))
                before = bar.value()
                if lines == 0:
                    break
                bar.setValue(before + lines)
                if bar.value() == before:
                    break  # at an end of the document: as near as it goes
        finally:
            self._scrolling = False
        if bar.value() != start:
            self._on_scrolled()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._update_margins()

    # -- mouse and keys -------------------------------------------------------------------------

    def _handle_at(self, pos: QPoint) -> _Drag | None:
        a = self.selected()
        if a is None or a.end <= a.start:
            return None
        rects = self.span_rects(a.start, a.end)
        if not rects:
            return None
        first, last = rects[0], rects[-1]
        p = QPointF(pos)
        if abs(p.x() - first.left()) <= HANDLE_GRAB and first.top() - 6 <= p.y() <= first.bottom():
            return _Drag(a.id, "start", a.start, a.end)
        if abs(p.x() - last.right()) <= HANDLE_GRAB and last.top() <= p.y() <= last.bottom() + 6:
            return _Drag(a.id, "end", a.start, a.end)
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            drag = self._handle_at(event.position().toPoint())
            if drag is not None:
                self._drag = drag
                return
            self._press_pos = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        if self._drag is not None:
            cp = self.to_cp(self.cursorForPosition(pos).position())
            if self._drag.end == "start":
                self._drag.start_cp = min(cp, self._drag.end_cp - 1)
            else:
                self._drag.end_cp = max(cp, self._drag.start_cp + 1)
            self._paint_visible()
            self.viewport().update()
            return
        over_handle = self._handle_at(pos) is not None
        self.viewport().setCursor(
            Qt.CursorShape.SizeHorCursor if over_handle else Qt.CursorShape.IBeamCursor
        )
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            drag, self._drag = self._drag, None
            a = self.index.get(drag.annotation_id)
            if a is not None and (drag.start_cp, drag.end_cp) != (a.start, a.end):
                self.resize_requested.emit(a.id, drag.start_cp, drag.end_cp)
            self.refresh()
            return
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.textCursor().hasSelection():
            self.selection_finished.emit()
        elif self._press_pos is not None and not any(
            handler(event.position()) for handler in self.click_handlers
        ):
            self.annotation_clicked.emit(self.annotation_at(event.position()))
        self._press_pos = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        ident = self.annotation_at(event.position(), cycle=False)
        if ident:
            self.annotation_activated.emit(ident)
            return
        super().mouseDoubleClickEvent(event)

    def annotation_at(self, pos: QPoint | QPointF, *, cycle: bool = True) -> str:
        """The annotation under a viewport point ("" if none); clicking again on overlapping
        ones steps through them."""
        pos = QPointF(pos).toPoint()
        cursor = self.cursorForPosition(pos)
        rect = self.cursorRect(cursor)
        if abs(rect.center().y() - pos.y()) > rect.height():
            return ""  # clicked below the last line
        offset = self.to_cp(cursor.position())
        # The character under the pointer is the one after the caret position when the
        # pointer is over its left half, and the one before when over its right half.
        candidates = self.index.at(offset) or (self.index.at(offset - 1) if offset else [])
        if not candidates:
            return ""
        ids = [c.id for c in candidates]
        if cycle and self.selected_id in ids:
            # Clicking again on overlapping annotations steps through the layers.
            return ids[(ids.index(self.selected_id) + 1) % len(ids)]
        return ids[0]

    def annotation_at_offset(self, offset: int) -> Annotation | None:
        found = self.index.at(offset)
        return found[0] if found else None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            key = event.text().lower()
            no_mods = not (
                event.modifiers()
                & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
            )
            if key and no_mods and key in self.label_keys and self.textCursor().hasSelection():
                # A label key over a selection labels it, even where the key is also a command.
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.text().lower()
        if key and key in self.label_keys and self.textCursor().hasSelection():
            self.label_key_pressed.emit(key)
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            return
        super().keyPressEvent(event)


def _x(line: object, position: int) -> float:
    value = line.cursorToX(position)  # type: ignore[attr-defined]
    return float(value[0] if isinstance(value, tuple) else value)


def _moved(a: Annotation, drag: _Drag) -> Annotation:
    if a.id != drag.annotation_id:
        return a
    from dataclasses import replace

    return replace(a, start=drag.start_cp, end=drag.end_cp)
