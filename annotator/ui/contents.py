"""The Contents panel: a Markdown reading's headings as a tree, with how many annotations each
section holds; click to go there, and the section being read is highlighted as you scroll.

PDFs have their own outline in the Pages panel; this one serves text documents whose
Markdown headings the reader already knows (:meth:`ReaderView.headings`).
"""

from __future__ import annotations

from bisect import bisect_right

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QTreeWidget, QTreeWidgetItem

from annotator.core.model import Document
from annotator.ui.models import AnnotationTableModel
from annotator.ui.reading_area import ReadingArea
from annotator.ui.session import ReadingSession
from annotator.ui.shell import Shell
from annotator.ui.span_index import NOT_PAINTED

#: Fewer headings than this and there is nothing to navigate.
MIN_HEADINGS = 2


class ContentsController(QObject):
    """Builds and follows the Contents dock for the session's open document."""

    def __init__(
        self,
        session: ReadingSession,
        area: ReadingArea,
        annotation_model: AnnotationTableModel,
        shell: Shell,
        *,
        before: QAction,
    ) -> None:
        super().__init__(area)
        self.session = session
        self.area = area
        self.annotation_model = annotation_model
        self.shell = shell
        parent = shell.dialog_parent()
        self.tree = QTreeWidget(parent)
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName("Contents")
        self.tree.setUniformRowHeights(True)
        self.tree.itemClicked.connect(self._go)
        self.tree.itemActivated.connect(self._go)
        self.dock = QDockWidget("Contents", parent)
        self.dock.setObjectName("contentsDock")
        self.dock.setWidget(self.tree)
        shell.add_dock(self.dock, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.dock.hide()
        self.dock.toggleViewAction().setText("&Contents")
        self.dock.toggleViewAction().setStatusTip(
            "The headings of a Markdown reading, with the notes in each section"
        )
        self.dock.toggleViewAction().triggered.connect(self._toggled)
        view_menu = shell.menu("View")
        if view_menu is not None:
            view_menu.insertAction(before, self.dock.toggleViewAction())
        self.sections: list[tuple[int, int, int, str]] = []  # level, start, end, title
        self._items: list[QTreeWidgetItem] = []
        self._starts: list[int] = []
        self._fill_timer = QTimer(self, singleShot=True, interval=0)
        self._fill_timer.timeout.connect(self.fill)
        self._count_timer = QTimer(self, singleShot=True, interval=150)
        self._count_timer.timeout.connect(self.recount)
        self._follow_timer = QTimer(self, singleShot=True, interval=80)
        self._follow_timer.timeout.connect(self.follow)
        area.reader.layout_changed.connect(self._follow_timer.start)
        session.document_opened.connect(self.document_opened)
        model = annotation_model
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.dataChanged):
            signal.connect(lambda *_: self._count_timer.start())

    @property
    def wanted(self) -> bool:
        return self.shell.prefs.bool("view/contents_panel", True)

    def document_opened(self, _document: Document | None = None) -> None:
        """Another document is open (or none): fill the tree from the reader's
        headings once the first screen is painted (a long reading has hundreds); shown only
        when there are some."""
        self._fill_timer.start()

    def fill(self) -> None:
        document = self.session.document
        reader = self.area.reader
        self.tree.clear()
        self._items, self.sections, self._starts = [], [], []
        if document is not None and self.area.view is reader:
            self.sections = reader.headings()
        if len(self.sections) < MIN_HEADINGS:
            self.dock.hide()
            return
        parents: list[tuple[int, QTreeWidgetItem]] = []
        for index, (level, start, _end, title) in enumerate(self.sections):
            item = QTreeWidgetItem([title])
            item.setData(0, Qt.ItemDataRole.UserRole, index)
            while parents and parents[-1][0] >= level:
                parents.pop()
            if parents:
                parents[-1][1].addChild(item)
            else:
                self.tree.addTopLevelItem(item)
            parents.append((level, item))
            self._items.append(item)
            self._starts.append(start)
        self.tree.expandAll()
        self.recount()
        if self.wanted:
            self.dock.show()
        self.follow()

    def recount(self) -> None:
        """Each heading says how many annotations lie in its own part (up to the next
        heading), so the notes of a long reading can be found by section."""
        if not self._items:
            return
        counts = [0] * len(self._items)
        for a in self.annotation_model.annotations():
            if a.kind in NOT_PAINTED or a.end <= a.start:
                continue
            i = bisect_right(self._starts, a.start) - 1
            if i >= 0:
                counts[i] += 1
        for item, (_level, _start, _end, title), n in zip(
            self._items, self.sections, counts, strict=True
        ):
            item.setText(0, f"{title}  · {n}" if n else title)
            item.setToolTip(0, f"{title} — {n} annotation{'s' if n != 1 else ''} in this part")

    def follow(self) -> None:
        """Highlight the section whose text is at the top of the reader."""
        if not self._items or not self.dock.isVisible():
            return
        i = bisect_right(self._starts, self.area.reader.top_offset()) - 1
        item = self._items[max(0, i)]
        if self.tree.currentItem() is not item:
            self.tree.blockSignals(True)
            self.tree.setCurrentItem(item)
            self.tree.blockSignals(False)
            self.tree.scrollToItem(item)

    def _go(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        index = item.data(0, Qt.ItemDataRole.UserRole)
        if index is None:
            return
        _level, start, _end, title = self.sections[int(index)]
        reader = self.area.reader
        reader.scroll_to_offset(start, top=True)
        cursor = reader.textCursor()
        cursor.setPosition(reader.to_qt(start))
        reader.setTextCursor(cursor)
        reader.setFocus()
        self.shell.show_status(f"Section: {title}", 3000)

    def _toggled(self, checked: bool) -> None:
        self.shell.prefs.set_bool("view/contents_panel", checked)
