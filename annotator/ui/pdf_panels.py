"""The Pages panel beside a PDF: its outline (table of contents) and page thumbnails.

Thumbnails are rendered lazily by the view's renderer thread, only for the rows on screen,
and kept in a bounded cache; rows scrolled away fall back to a blank placeholder.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from annotator.documents.pdf import OutlineEntry, page_name
from annotator.ui.pdf_view import PdfView

THUMB_WIDTH = 96
MAX_THUMBS = 240


class PagesPanel(QTabWidget):
    """Outline and thumbnails; activating either jumps the view to that page."""

    page_chosen = Signal(int)

    def __init__(self, view: PdfView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.setDocumentMode(True)
        self.outline = QTreeWidget(self)
        self.outline.setHeaderHidden(True)
        self.outline.setAccessibleName("Outline")
        self.outline.itemActivated.connect(self._outline_item)
        self.outline.itemClicked.connect(self._outline_item)
        self.thumbs = QListWidget(self)
        self.thumbs.setAccessibleName("Page thumbnails")
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setFlow(QListWidget.Flow.TopToBottom)
        self.thumbs.setWrapping(False)
        self.thumbs.setMovement(QListWidget.Movement.Static)
        self.thumbs.setUniformItemSizes(True)
        self.thumbs.setIconSize(QSize(THUMB_WIDTH, round(THUMB_WIDTH * 1.3)))
        self.thumbs.setSpacing(4)
        self.thumbs.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.thumbs.itemClicked.connect(lambda item: self.page_chosen.emit(self.thumbs.row(item)))
        self.thumbs.verticalScrollBar().valueChanged.connect(lambda _v: self._timer.start())
        self.addTab(self.outline, "Outline")
        self.addTab(self.thumbs, "Pages")
        self.currentChanged.connect(lambda _i: self._timer.start())
        self._images: OrderedDict[int, QIcon] = OrderedDict()
        self._blank = QIcon()
        self._timer = QTimer(self, singleShot=True, interval=60)
        self._timer.timeout.connect(self._request_visible)
        view.thumbnail_ready.connect(self._thumbnail)

    def fill(
        self,
        entries: list[OutlineEntry],
        page_count: int,
        page_size: tuple[float, float],
        labels: Sequence[str] = (),
    ) -> None:
        """The outline and a thumbnail per page, named by ``labels`` (the printed page
        numbers) where the PDF has them."""
        self.outline.clear()
        parents: list[QTreeWidgetItem] = []
        for entry in entries:
            item = QTreeWidgetItem([entry.title])
            item.setData(0, Qt.ItemDataRole.UserRole, entry.page)
            if entry.page is not None:
                item.setToolTip(0, f"Page {page_name(labels, entry.page)}")
            del parents[max(0, entry.level - 1) :]
            if parents:
                parents[-1].addChild(item)
            else:
                self.outline.addTopLevelItem(item)
            parents.append(item)
        if not entries:
            empty = QTreeWidgetItem(["This document has no outline."])
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.outline.addTopLevelItem(empty)
        self.outline.expandToDepth(0)
        self._images.clear()
        w, h = page_size
        height = round(THUMB_WIDTH * h / max(1.0, w))
        self.thumbs.setIconSize(QSize(THUMB_WIDTH, height))
        blank = QPixmap(THUMB_WIDTH, height)
        blank.fill(QColor("#ffffff"))
        self._blank = QIcon(blank)
        self.thumbs.clear()
        for page in range(page_count):
            item = QListWidgetItem(self._blank, page_name(labels, page))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.thumbs.addItem(item)
        self.setCurrentIndex(0 if entries else 1)
        self._timer.start()

    def clear(self) -> None:  # type: ignore[override]
        self.outline.clear()
        self.thumbs.clear()
        self._images.clear()

    def show_page(self, page: int) -> None:
        item = self.thumbs.item(page)
        if item is not None:
            self.thumbs.blockSignals(True)
            self.thumbs.setCurrentItem(item)
            self.thumbs.blockSignals(False)
            if self.currentWidget() is self.thumbs:
                self.thumbs.scrollToItem(item)

    def visible_rows(self) -> list[int]:
        if self.thumbs.count() == 0:
            return []
        viewport = self.thumbs.viewport().rect()
        first = self.thumbs.indexAt(viewport.topLeft() + viewport.topLeft())
        rows = []
        row = max(0, first.row()) if first.isValid() else 0
        while row < self.thumbs.count():
            rect = self.thumbs.visualItemRect(self.thumbs.item(row))
            if rect.top() > viewport.bottom():
                break
            if rect.bottom() >= viewport.top():
                rows.append(row)
            row += 1
            if len(rows) > 40:
                break
        return rows

    def _request_visible(self) -> None:
        if not self.isVisible() or self.currentWidget() is not self.thumbs:
            return
        wanted = [r for r in self.visible_rows() if r not in self._images]
        self.view.request_thumbnails(wanted, THUMB_WIDTH)

    def _thumbnail(self, page: int, image: QImage) -> None:
        item = self.thumbs.item(page)
        if item is None:
            return
        icon = QIcon(QPixmap.fromImage(image))
        self._images[page] = icon
        item.setIcon(icon)
        while len(self._images) > MAX_THUMBS:
            old, _icon = self._images.popitem(last=False)
            old_item = self.thumbs.item(old)
            if old_item is not None:
                old_item.setIcon(self._blank)

    def _outline_item(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        page = item.data(0, Qt.ItemDataRole.UserRole)
        if isinstance(page, int):
            self.page_chosen.emit(page)

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self._timer.start()
