"""The middle of the window: the surface being read (text reader or PDF view), the margin
of notes beside it, the floating selection bar and the find bar below.

It knows which surface is on screen and moves the margin and the selection bar with it; it
does not know the project or what the surfaces show.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtWidgets import QSplitter, QStackedWidget, QVBoxLayout, QWidget

from annotator.ui.margin import MARGIN_WIDTH, MarginView
from annotator.ui.panels import FindBar, SelectionBar
from annotator.ui.pdf_view import PdfView
from annotator.ui.reader import ReaderView
from annotator.ui.surface import ReadingSurface
from annotator.ui.theme import Theme


class ReadingArea(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reader = ReaderView(self)
        self.pdf_view = PdfView(self)
        for view in (self.reader, self.pdf_view):
            view.setAcceptDrops(False)  # files dropped anywhere go to the window
        self.reader.viewport().setAcceptDrops(False)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.reader)
        self.stack.addWidget(self.pdf_view)
        self.margin = MarginView(self.reader, self)
        self.find_bar = FindBar(self)
        self.find_bar.hide()
        self.selection_bar = SelectionBar(self.reader.viewport())

        self.split = QSplitter(Qt.Orientation.Horizontal, self)
        self.split.setObjectName("readingSplit")
        self.split.addWidget(self.stack)
        self.split.addWidget(self.margin)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([760, MARGIN_WIDTH])
        self.split.setChildrenCollapsible(False)
        self.split.setHandleWidth(1)
        self.split.splitterMoved.connect(lambda *_: self.margin.relayout())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.split, 1)
        layout.addWidget(self.find_bar)

    # -- which surface -------------------------------------------------------------------------

    @property
    def view(self) -> ReadingSurface:
        """What the reader is looking at: the text reader or the PDF view."""
        return self.pdf_view if self.showing_pdf else self.reader  # type: ignore[return-value]

    @property
    def showing_pdf(self) -> bool:
        return self.stack.currentWidget() is self.pdf_view

    def views(self) -> tuple[ReaderView, PdfView]:
        return (self.reader, self.pdf_view)

    def show_pdf(self, on: bool) -> None:
        """Put the PDF view (or the text reader) on screen, with the margin and the selection
        bar following it."""
        view: Any = self.pdf_view if on else self.reader
        if self.stack.currentWidget() is view:
            return
        self.selection_bar.hide()
        self.stack.setCurrentWidget(view)
        self.selection_bar.setParent(view.viewport())
        self.selection_bar.hide()
        self.margin.set_reader(view)

    def set_theme(self, theme: Theme) -> None:
        border = theme.card_border.name()
        self.selection_bar.setStyleSheet(
            f"QFrame#selectionBar {{ background: {theme.card.name()}; border: 1px solid {border};"
            " border-radius: 6px; }"
        )
        self.find_bar.setStyleSheet(f"QFrame#findBar {{ border-top: 1px solid {border}; }}")
        self.split.setStyleSheet(f"QSplitter::handle {{ background: {border}; }}")
        # After the style sheets: a style sheet on an ancestor repolishes the views and puts
        # back the palette they had when first polished (the old theme's paper).
        for view in self.views():
            view.set_theme(theme)
        self.margin.set_theme(theme)

    # -- where things are on the surface ------------------------------------------------------

    def caret_point(self) -> QPoint:
        """Where menus opened from the keyboard appear (under the selection or caret)."""
        if not self.showing_pdf:
            return self.reader.cursorRect().bottomLeft()
        pdf = self.pdf_view
        span = pdf.selection_span()
        a = pdf.selected()
        if span is None and a is not None:
            span = (a.start, a.end)
        rects = pdf.span_rects(*span) if span else []
        if rects:
            return rects[-1].bottomLeft().toPoint()
        return QPoint(40, 40)

    def selection_rects(self) -> list[QRectF]:
        if self.showing_pdf and self.pdf_view.area is not None:
            area = self.pdf_view.area
            return [self.pdf_view.to_view_rect(area.page, area.rect)]
        span = self.view.selection_span()
        return self.view.span_rects(*span) if span else []

    def area_fields(self) -> dict[str, Any]:
        """``page`` and ``rect`` when the selection is an area of a PDF page."""
        if self.showing_pdf and self.pdf_view.area is not None:
            area = self.pdf_view.area
            return {"page": area.page, "rect": tuple(round(v, 2) for v in area.rect)}
        return {}

    def area_span(self) -> tuple[int, int] | None:
        """An area of a page without text is anchored at the start of its page."""
        pdf = self.pdf_view
        if self.showing_pdf and pdf.area is not None and pdf.doc is not None:
            start = pdf.page_map[pdf.area.page][0]
            return start, start
        return None

    def show_selection_bar(self) -> None:
        """The floating bar (colours, comment, symbols, labels) above a fresh selection."""
        bar = self.selection_bar
        if not self.view.has_selection():
            bar.hide()
            return
        rects = self.selection_rects()
        if not rects:
            return
        first = rects[0]
        bar.adjustSize()
        x = int(min(max(4, first.left()), self.view.viewport().width() - bar.width() - 4))
        y = int(first.top() - bar.height() - 6)
        if y < 2:
            y = int(rects[-1].bottom() + 6)
        bar.move(x, y)
        bar.show()
        bar.raise_()


__all__ = ["ReadingArea"]
