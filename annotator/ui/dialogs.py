"""Small dialogs: keyboard shortcuts, a legend colour, symbols, the annotator's name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import Label
from annotator.ui.panels import swatch


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts: every key, grouped as in the menus."""

    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(560, 620)
        layout = QVBoxLayout(self)
        intro = QLabel("Select text in the reader, then press a key. Nothing needs the mouse.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Key", "Action", "Menu"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        for r, (key, action, menu) in enumerate(rows):
            key_item = QTableWidgetItem(key)
            font = key_item.font()
            font.setBold(True)
            key_item.setFont(font)
            self.table.setItem(r, 0, key_item)
            self.table.setItem(r, 1, QTableWidgetItem(action))
            self.table.setItem(r, 2, QTableWidgetItem(menu))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)


class LegendEntryDialog(QDialog):
    """A legend colour: the colour, what it means, and a longer description."""

    def __init__(self, label: Label | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit colour" if label else "Add a colour")
        self.color = QColor(label.color if label else "#c3e88d")
        form = QFormLayout(self)
        # Room for a sentence: the description was cut to "stand or want to ask" (issue 15).
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.setMinimumWidth(440)
        self.name = QLineEdit(label.name if label else "", self)
        self.name.setPlaceholderText("what this colour means, e.g. “method”")
        self.description = QPlainTextEdit(label.description if label else "", self)
        self.description.setPlaceholderText("a longer note on when to use it (optional)")
        self.description.setTabChangesFocus(True)
        lines = self.description.fontMetrics().lineSpacing()
        self.description.setFixedHeight(3 * lines + 14)
        self.color_button = QPushButton(self)
        self.color_button.clicked.connect(self._pick)
        self.color_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._show_color()
        form.addRow("Meaning:", self.name)
        form.addRow("Colour:", self.color_button)
        form.addRow("Description:", self.description)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #c0392b")
        self.error.hide()
        form.addRow(self.error)

    def _show_color(self) -> None:
        self.color_button.setIcon(swatch(self.color.name(), 16))
        self.color_button.setText(self.color.name())

    def _pick(self) -> None:
        chosen = QColorDialog.getColor(self.color, self, "Highlight colour")
        if chosen.isValid():
            self.color = chosen
            self._show_color()

    def _accept(self) -> None:
        if not self.name.text().strip():
            self.error.setText("Give the colour a meaning, so it says something in the list.")
            self.error.show()
            return
        self.accept()

    def label(self, key: str = "") -> Label:
        return Label(
            self.name.text().strip(),
            self.color.name(),
            key,
            " ".join(self.description.toPlainText().split()),
        )


class SymbolsDialog(QDialog):
    def __init__(self, symbols: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Symbols")
        layout = QVBoxLayout(self)
        text = QLabel(
            "Symbols to mark passages with, separated by spaces. "
            "Each one is also its own key when you press it over a selection."
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.edit = QLineEdit(" ".join(symbols), self)
        layout.addWidget(self.edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(380)
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def symbols(self) -> list[str]:
        return self.edit.text().split()
