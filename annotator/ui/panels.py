"""The panels around the reader: documents, annotation list, legend, find bar, selection bar."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import Annotation, AnnotationKind, Label, LabelSet
from annotator.ui.models import (
    AnnotationFilterProxy,
    AnnotationRole,
    AnnotationTableModel,
    DocumentListModel,
    SummaryRole,
    plural,
)

Index = QModelIndex | QPersistentModelIndex


def swatch(color: str, size: int = 12, *, outline: str = "#00000040") -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(outline))
    painter.setBrush(QColor(color))
    painter.drawRoundedRect(0.5, 0.5, size - 1, size - 1, 3, 3)
    painter.end()
    return QIcon(pixmap)


# -- documents -------------------------------------------------------------------------------


class _DocumentDelegate(QStyledItemDelegate):
    """Title on the first line, 'N notes · status' muted on the second."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        height = option.fontMetrics.height()
        return QSize(180, height * 2 + 14)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        summary = index.data(SummaryRole)
        style = option.widget.style() if option.widget else None
        text = option.text
        option.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        painter.save()
        rect = option.rect.adjusted(10, 6, -8, -6)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        ink = palette.highlightedText().color() if selected else palette.text().color()
        muted = QColor(ink)
        muted.setAlphaF(0.62)
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(ink)
        height = option.fontMetrics.height()
        elided = option.fontMetrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(
            QRect(rect.left(), rect.top(), rect.width(), height),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            elided,
        )
        painter.setFont(option.font)
        painter.setPen(muted)
        if summary is not None:
            # The model says what the second line is (its counts, or that they are coming).
            detail = index.data(Qt.ItemDataRole.AccessibleDescriptionRole)
            painter.drawText(
                QRect(rect.left(), rect.top() + height + 2, rect.width(), height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                detail if isinstance(detail, str) else DocumentListModel.detail(summary),
            )
        painter.restore()


class DocumentsPanel(QWidget):
    document_activated = Signal(str)
    status_requested = Signal(str, str)  # document id, status
    rename_requested = Signal(str)
    remove_requested = Signal(str)

    def __init__(self, model: DocumentListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.view = QListView(self)
        self.view.setModel(model)
        self.view.setItemDelegate(_DocumentDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setAccessibleName("Documents")
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.activated.connect(self._activated)
        self.view.clicked.connect(self._activated)
        layout.addWidget(self.view)
        self.empty = QLabel("No documents yet.\nOpen one with Ctrl+O\nor drop files here.", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)
        layout.addWidget(self.empty)
        model.modelReset.connect(self._update_empty)
        self._update_empty()

    def _update_empty(self) -> None:
        self.empty.setVisible(self.model.rowCount() == 0)

    def _activated(self, index: QModelIndex) -> None:
        modifiers = QApplication.keyboardModifiers()
        if modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
            return  # choosing several (to suggest in all of them), not opening one
        self.document_activated.emit(self.model.summary(index.row()).document.id)

    def select_document(self, document_id: str) -> None:
        row = self.model.row_of(document_id)
        if row < 0:
            return
        index = self.model.index(row)
        selection = self.view.selectionModel()
        if selection.isSelected(index):  # part of a choice of several: keep the others
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        else:
            self.view.setCurrentIndex(index)

    def selected_ids(self) -> list[str]:
        """The documents chosen in the panel (Ctrl/Shift+click), in list order."""
        rows = sorted(i.row() for i in self.view.selectionModel().selectedRows())
        return [self.model.summary(row).document.id for row in rows]

    def _menu(self, pos: object) -> None:
        index = self.view.indexAt(pos)  # type: ignore[arg-type]
        if not index.isValid():
            return
        summary = self.model.summary(index.row())
        menu = QMenu(self)
        for status, text in (
            ("in progress", "Mark as in progress"),
            ("done", "Mark as done"),
            ("not started", "Mark as not started"),
        ):
            action = menu.addAction(text)
            action.setEnabled(summary.status != status)
            action.triggered.connect(
                lambda _=False, s=status: self.status_requested.emit(summary.document.id, s)
            )
        menu.addSeparator()
        menu.addAction("Rename…").triggered.connect(
            lambda: self.rename_requested.emit(summary.document.id)
        )
        menu.addAction("Remove from project").triggered.connect(
            lambda: self.remove_requested.emit(summary.document.id)
        )
        menu.exec(self.view.viewport().mapToGlobal(pos))  # type: ignore[arg-type]


# -- annotation list -------------------------------------------------------------------------


class AnnotationsPanel(QWidget):
    """Filter bar, count, and the table. Clicking a row selects it everywhere."""

    annotation_selected = Signal(str)
    annotation_activated = Signal(str)  # Enter / double-click: edit its note
    delete_requested = Signal()

    def __init__(self, model: AnnotationTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = AnnotationFilterProxy(self)
        self.proxy.setSourceModel(model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 0)
        layout.setSpacing(4)
        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Filter by text, note or label…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Filter annotations by text")
        self.color_box = QComboBox(self)
        self.color_box.setAccessibleName("Filter by colour")
        self.label_box = QComboBox(self)
        self.label_box.setAccessibleName("Filter by label")
        self.symbol_box = QComboBox(self)
        self.symbol_box.setAccessibleName("Filter by symbol")
        self.kind_box = QComboBox(self)
        self.kind_box.setAccessibleName("Filter by kind")
        self.annotator_box = QComboBox(self)
        self.annotator_box.setAccessibleName("Filter by annotator")
        self.count = QLabel(self)
        self.count.setObjectName("count")
        self.count.setMinimumWidth(110)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar.addWidget(self.search, 3)
        for box in (
            self.color_box,
            self.label_box,
            self.symbol_box,
            self.kind_box,
            self.annotator_box,
        ):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            box.currentIndexChanged.connect(self._apply)
            bar.addWidget(box)
        bar.addWidget(self.count)
        layout.addLayout(bar)

        self.view = QTableView(self)
        self.view.setModel(self.proxy)
        self.view.setAccessibleName("Annotations")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(AnnotationTableModel.WHERE, Qt.SortOrder.AscendingOrder)
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((56, 340, 170, 260, 80, 90)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(AnnotationTableModel.NOTE, QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.view.activated.connect(self._activated)
        self.view.clicked.connect(self._clicked)
        layout.addWidget(self.view)
        self.search_timer = QTimer(self, singleShot=True, interval=150)
        self.search_timer.timeout.connect(self._apply)
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        for signal in (
            model.rowsInserted,
            model.rowsRemoved,
            model.modelReset,
            model.layoutChanged,
        ):
            signal.connect(self._update_count)
        self._selecting = False

    # -- filters ------------------------------------------------------------------------------

    def set_choices(
        self,
        legend: LabelSet,
        labels: list[str],
        symbols: list[str],
        annotators: list[tuple[str, str]],
    ) -> None:
        """Fill the filter boxes, keeping what was chosen where it still exists."""

        def refill(
            box: QComboBox, everything: str, items: list[tuple[str, object, QIcon | None]]
        ) -> None:
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(everything, None)
            for text, data, icon in items:
                if icon is not None:
                    box.addItem(icon, text, data)
                else:
                    box.addItem(text, data)
            at = box.findData(current) if current is not None else 0
            box.setCurrentIndex(max(0, at))
            box.blockSignals(False)

        refill(
            self.color_box,
            "All colours",
            [(label.name, label.color, swatch(label.color)) for label in legend.labels],
        )
        refill(self.label_box, "All labels", [(name, name, None) for name in labels])
        refill(self.symbol_box, "All symbols", [(s, s, None) for s in symbols])
        refill(
            self.kind_box,
            "All kinds",
            [
                ("Highlights", AnnotationKind.HIGHLIGHT, None),
                ("Comments", AnnotationKind.COMMENT, None),
                ("Labels", AnnotationKind.ENTITY, None),
                ("Summaries", AnnotationKind.SUMMARY, None),
            ],
        )
        refill(
            self.annotator_box,
            "All annotators",
            [(name, ident, None) for ident, name in annotators],
        )
        self._apply()

    def _apply(self) -> None:
        self.proxy.set_filters(
            color=self.color_box.currentData(),
            label=self.label_box.currentData(),
            symbol=self.symbol_box.currentData(),
            kind=self.kind_box.currentData(),
            annotator_id=self.annotator_box.currentData(),
            text=self.search.text(),
        )
        self._update_count()

    def filter_by_color(self, color: str) -> None:
        at = self.color_box.findData(color)
        if at >= 0:
            self.color_box.setCurrentIndex(at)

    def clear_filters(self) -> None:
        for box in (
            self.color_box,
            self.label_box,
            self.symbol_box,
            self.kind_box,
            self.annotator_box,
        ):
            box.setCurrentIndex(0)
        self.search.clear()
        self._apply()

    def _update_count(self) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        if self.proxy.active:
            self.count.setText(f"{shown:,} of {plural(total, 'annotation')}")
        else:
            self.count.setText(plural(total, "annotation"))

    # -- selection ------------------------------------------------------------------------------

    def select(self, annotation_id: str | None) -> None:
        """Reflect a selection made elsewhere (reader or margin) without echoing it back."""
        self._selecting = True
        try:
            if annotation_id is None:
                self.view.clearSelection()
                return
            row = self.model.row_of(annotation_id)
            if row < 0:
                return
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            if index.isValid():
                self.view.setCurrentIndex(index)
                self.view.scrollTo(index)
        finally:
            self._selecting = False

    def current(self) -> Annotation | None:
        index = self.view.currentIndex()
        return index.data(AnnotationRole) if index.isValid() else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._selecting or not current.isValid():
            return
        self.annotation_selected.emit(current.data(AnnotationRole).id)

    def _clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.annotation_selected.emit(index.data(AnnotationRole).id)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.annotation_activated.emit(index.data(AnnotationRole).id)


# -- legend ------------------------------------------------------------------------------------


class LegendBar(QWidget):
    """The highlight colours and what they mean; click to choose, right-click to edit."""

    color_chosen = Signal(str)
    edit_requested = Signal(int)  # index of the label in the legend
    add_requested = Signal()
    remove_requested = Signal(int)
    filter_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("legend")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(4, 0, 4, 0)
        self._layout.setSpacing(2)
        self._buttons: list[QToolButton] = []
        self.labels: tuple[Label, ...] = ()
        self.current = ""
        caption = QLabel("Colours:", self)
        caption.setEnabled(False)
        self._layout.addWidget(caption)
        self.add_button = QToolButton(self)
        self.add_button.setText("+")
        self.add_button.setToolTip("Add a colour to the legend")
        self.add_button.setAutoRaise(True)
        self.add_button.clicked.connect(self.add_requested)
        self._layout.addWidget(self.add_button)
        self._layout.addStretch(1)

    def set_legend(self, labels: tuple[Label, ...], current: str) -> None:
        for button in self._buttons:
            button.deleteLater()
        self._buttons = []
        self.labels = labels
        for i, label in enumerate(labels):
            button = QToolButton(self)
            button.setText(label.name)
            button.setIcon(swatch(label.color, 14))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setCheckable(True)
            button.setAutoRaise(True)
            number = f" (Shift+H, then {i + 1})" if i < 9 else ""
            button.setToolTip(
                f"<b>{escape(label.name)}</b>"
                + (f"<br>{escape(label.description)}" if label.description else "")
                + f"<br><i>Click to highlight in this colour{number}; "
                "right-click to edit</i>"
            )
            button.clicked.connect(lambda _=False, c=label.color: self.color_chosen.emit(c))
            button.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            button.customContextMenuRequested.connect(
                lambda pos, i=i, b=button: self._menu(i, b.mapToGlobal(pos))
            )
            self._layout.insertWidget(1 + i, button)
            self._buttons.append(button)
        self.set_current(current)

    def set_current(self, color: str) -> None:
        self.current = color
        for label, button in zip(self.labels, self._buttons, strict=True):
            button.setChecked(label.color.lower() == color.lower())

    def _menu(self, i: int, global_pos: object) -> None:
        menu = QMenu(self)
        menu.addAction("Edit colour and meaning…").triggered.connect(
            lambda: self.edit_requested.emit(i)
        )
        menu.addAction("Show only this colour in the list").triggered.connect(
            lambda: self.filter_requested.emit(self.labels[i].color)
        )
        menu.addSeparator()
        remove = menu.addAction("Remove from legend")
        remove.setEnabled(len(self.labels) > 1)
        remove.triggered.connect(lambda: self.remove_requested.emit(i))
        menu.exec(global_pos)  # type: ignore[arg-type]


# -- find ---------------------------------------------------------------------------------------


class FindBar(QFrame):
    """Ctrl+F: type to mark every hit; Enter / Shift+Enter step; Escape closes."""

    search_changed = Signal(str, bool)  # text, match case
    step = Signal(int)  # +1 next, -1 previous
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Find in document")
        self.edit.setAccessibleName("Find in document")
        self.edit.setClearButtonEnabled(True)
        self.case = QCheckBox("Match case", self)
        self.status = QLabel(self)
        self.status.setMinimumWidth(90)
        previous = QToolButton(self)
        previous.setText("↑")
        previous.setToolTip("Previous match (Shift+Enter, Shift+F3)")
        following = QToolButton(self)
        following.setText("↓")
        following.setToolTip("Next match (Enter, F3)")
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Close (Esc)")
        close.setAutoRaise(True)
        layout.addWidget(QLabel("Find:", self))
        layout.addWidget(self.edit, 1)
        layout.addWidget(previous)
        layout.addWidget(following)
        layout.addWidget(self.case)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.timer = QTimer(self, singleShot=True, interval=120)
        self.timer.timeout.connect(self._emit)
        self.edit.textChanged.connect(lambda _t: self.timer.start())
        self.case.toggled.connect(lambda _c: self._emit())
        self.edit.returnPressed.connect(lambda: self.step.emit(1))
        previous.clicked.connect(lambda: self.step.emit(-1))
        following.clicked.connect(lambda: self.step.emit(1))
        close.clicked.connect(self.close_bar)
        back = QAction(self)
        back.setShortcut("Shift+Return")
        back.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.triggered.connect(lambda: self.step.emit(-1))
        self.addAction(back)
        escape_action = QAction(self)
        escape_action.setShortcut("Esc")
        escape_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape_action.triggered.connect(self.close_bar)
        self.addAction(escape_action)

    def _emit(self) -> None:
        self.timer.stop()
        self.search_changed.emit(self.edit.text(), self.case.isChecked())

    def open_bar(self, text: str = "") -> None:
        self.show()
        if text:
            self.edit.setText(text)
            self._emit()
        self.edit.setFocus()
        self.edit.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self.closed.emit()

    def show_count(self, current: int, total: int, text: str) -> None:
        if not text:
            self.status.setText("")
        elif total == 0:
            self.status.setText("No matches")
        else:
            self.status.setText(f"{current + 1} of {total:,}")


# -- the floating bar after a selection --------------------------------------------------------


class SelectionBar(QFrame):
    """A small bar above a fresh selection: colours, comment, symbols, label."""

    color_chosen = Signal(str)
    comment = Signal()
    symbol_chosen = Signal(str)
    label_menu = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("selectionBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(4, 2, 4, 2)
        self._layout.setSpacing(1)
        self.hide()

    def fill(self, legend: tuple[Label, ...], symbols: list[str]) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for label in legend[:6]:
            b = self._button("", f"Highlight: {label.name}")
            b.setIcon(swatch(label.color, 16))
            b.clicked.connect(lambda _=False, c=label.color: self.color_chosen.emit(c))
        b = self._button("Comment", "Write a margin note (C)")
        b.clicked.connect(self.comment)
        for s in symbols[:6]:
            b = self._button(s, f"Mark with {s}")
            b.clicked.connect(lambda _=False, s=s: self.symbol_chosen.emit(s))
        b = self._button("Label ▾", "Apply a label of the current set")
        b.clicked.connect(self.label_menu)
        self.adjustSize()

    def _button(self, text: str, tip: str) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._layout.addWidget(b)
        return b
