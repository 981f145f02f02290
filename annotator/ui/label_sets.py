"""Annotate → Label Set → Edit Label Sets…: the project's label sets, their labels, colours,
keys and meanings; new sets by hand or from the suggestion model's entity labels.

The dialog edits copies; OK saves every change as one undoable step
(:class:`~annotator.ui.commands.EditLabelSets`). The rules (unique names, keys 1–9 or a
letter, one label per key) are :func:`annotator.core.labels.label_set_problems`, shown
live under the table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.labels import label_set_problems
from annotator.core.model import Label, LabelSet, LabelSetId, LabelSetKind, new_id
from annotator.core.words import counted
from annotator.suggesting.labelling import labelled_with, relabel
from annotator.ui.commands import ChangeAnnotations, EditLabelSets
from annotator.ui.tasks import BackgroundTask, Failure, describe_failure

if TYPE_CHECKING:
    from annotator.project import Project
    from annotator.ui.shell import Shell

KINDS = {
    LabelSetKind.SPAN: "Passages (entities, codes)",
    LabelSetKind.SENTENCE: "Sentences (sentiment)",
    LabelSetKind.DOCUMENT: "Whole documents",
}
KEY, COLOUR, NAME, MEANING = range(4)
PALETTE = ("#ffd54f", "#81d4fa", "#a5d6a7", "#f48fb1", "#ce93d8", "#ffab91", "#b0bec5")


class LabelSetsDialog(QDialog):
    """Edit label sets; :meth:`label_sets` is the result once accepted."""

    def __init__(
        self,
        sets: list[LabelSet],
        *,
        current: str = "",
        model_label_set: Callable[[], LabelSet] | None = None,
        model_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Label Sets")
        self._sets = list(sets)
        # Each label's name when the dialog opened ("" for new ones), in table order, so a
        # rename can be told from a removal plus an addition.
        self._origins: dict[str, list[str]] = {s.id: [x.name for x in s.labels] for s in sets}
        self._row = -1
        self._loading = False
        self._model_label_set = model_label_set
        self._worker: BackgroundTask[LabelSet] | None = None

        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.list = QListWidget(self)
        self.list.setAccessibleName("Label sets")
        self.list.setMinimumWidth(230)
        self.list.currentRowChanged.connect(self._show_set)
        left.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.new_button = self._button("New", self._new_set, row, "An empty label set")
        self.copy_button = self._button("Duplicate", self._duplicate, row, "A copy to change")
        left.addLayout(row)
        row = QHBoxLayout()
        self.model_button = self._button(
            "From Model",
            self._from_model,
            row,
            f"The entity labels of {model_name or 'the suggestion model'}, with their "
            "meanings (spacy.explain), colours and keys",
        )
        self.model_button.setEnabled(model_label_set is not None)
        self.delete_button = self._button(
            "Delete", self._delete, row, "Annotations keep their labels; Ctrl+Z brings it back"
        )
        left.addLayout(row)
        layout.addLayout(left, 1)

        right = QVBoxLayout()
        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setAccessibleName("Label set name")
        self.name.textChanged.connect(self._edited)
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("What it labels")
        for kind, text in KINDS.items():
            self.kind.addItem(text, kind.value)
        self.kind.currentIndexChanged.connect(self._edited)
        form.addRow("Name:", self.name)
        form.addRow("Applies to:", self.kind)
        right.addLayout(form)

        self.table = QTableWidget(0, 4, self)
        self.table.setAccessibleName("Labels")
        self.table.setHorizontalHeaderLabels(["Key", "Colour", "Label", "Meaning"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(KEY, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLOUR, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(MEANING, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(NAME, 150)
        self.table.itemChanged.connect(self._edited)
        self.table.cellDoubleClicked.connect(self._cell_double_clicked)
        right.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_button = self._button("Add Label", self._add_label, row, "A new label")
        self.remove_button = self._button("Remove", self._remove_label, row, "")
        self.up_button = self._button("Move Up", lambda: self._move(-1), row, "")
        self.down_button = self._button("Move Down", lambda: self._move(1), row, "")
        row.addStretch(1)
        right.addLayout(row)
        hint = QLabel(
            "Keys 1–9 and a–z apply a label to the selected text. Double-click a colour to "
            "change it.",
            self,
        )
        hint.setWordWrap(True)
        right.addWidget(hint)
        self.problem = QLabel(self)
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e;")
        right.addWidget(self.problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        right.addWidget(self.buttons)
        layout.addLayout(right, 3)

        self._fill_list()
        names = [s.name for s in self._sets]
        self.list.setCurrentRow(names.index(current) if current in names else 0)
        self._check()
        self.resize(940, 540)

    # -- building ------------------------------------------------------------------------------

    def _button(
        self, text: str, slot: Callable[[], None], row: QHBoxLayout, tip: str
    ) -> QPushButton:
        button = QPushButton(text, self)
        button.setAutoDefault(False)
        if tip:
            button.setToolTip(tip)
        button.clicked.connect(lambda _checked=False: slot())
        row.addWidget(button)
        return button

    def _fill_list(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for label_set in self._sets:
            self.list.addItem(label_set.name or "(no name)")
            item = self.list.item(self.list.count() - 1)
            item.setToolTip(f"{label_set.name}: {counted(len(label_set.labels), 'label')}")
        self.list.blockSignals(False)

    # -- the result ----------------------------------------------------------------------------

    def label_sets(self) -> list[LabelSet]:
        """The sets as edited (names, labels and keys trimmed)."""
        return [
            dataclasses.replace(
                s,
                name=s.name.strip(),
                labels=tuple(
                    dataclasses.replace(
                        label,
                        name=label.name.strip(),
                        key=label.key.strip().lower(),
                        description=label.description.strip(),
                    )
                    for label in s.labels
                ),
            )
            for s in self._sets
        ]

    def renames(self) -> dict[str, str]:
        """Labels renamed in a set that was already in the project: old name → new name."""
        out: dict[str, str] = {}
        for label_set in self.label_sets():
            origins = self._origins.get(label_set.id, [])
            for origin, label in zip(origins, label_set.labels, strict=False):
                if origin and origin != label.name:
                    out[origin] = label.name
        return out

    def problems(self) -> list[str]:
        edited = self.label_sets()
        found = []
        for label_set in edited:
            for problem in label_set_problems(label_set, edited):
                found.append(f"{label_set.name or 'A label set'}: {problem}.")
        return found

    # -- showing and reading one set -----------------------------------------------------------

    def _show_set(self, row: int) -> None:
        self._row = row
        label_set = self._sets[row] if 0 <= row < len(self._sets) else None
        self._loading = True
        try:
            self.name.setText(label_set.name if label_set else "")
            self.kind.setCurrentIndex(
                max(
                    0,
                    self.kind.findData((label_set.kind if label_set else LabelSetKind.SPAN).value),
                )
            )
            self.table.setRowCount(0)
            origins = self._origins.get(label_set.id, []) if label_set else []
            for i, label in enumerate(label_set.labels if label_set else ()):
                self._append_row(label, origins[i] if i < len(origins) else "")
        finally:
            self._loading = False
        for widget in (self.name, self.kind, self.table, self.add_button, self.delete_button):
            widget.setEnabled(label_set is not None)
        self.copy_button.setEnabled(label_set is not None)
        self._update_row_buttons()

    def _append_row(self, label: Label, origin: str = "") -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, KEY, QTableWidgetItem(label.key))
        colour = QTableWidgetItem(label.color)
        colour.setFlags(colour.flags() & ~Qt.ItemFlag.ItemIsEditable)
        colour.setBackground(QColor(label.color))
        colour.setForeground(QColor("#111111"))
        colour.setToolTip("Double-click to choose a colour")
        self.table.setItem(row, COLOUR, colour)
        name = QTableWidgetItem(label.name)
        name.setData(Qt.ItemDataRole.UserRole, origin)
        self.table.setItem(row, NAME, name)
        meaning = QTableWidgetItem(label.description)
        meaning.setToolTip(label.description)
        self.table.setItem(row, MEANING, meaning)

    def _read_table(self) -> tuple[Label, ...]:
        labels = []
        for row in range(self.table.rowCount()):

            def text(column: int, row: int = row) -> str:
                item = self.table.item(row, column)
                return item.text() if item is not None else ""

            labels.append(Label(text(NAME), text(COLOUR), text(KEY), text(MEANING)))
        return tuple(labels)

    def _edited(self, *_args: object) -> None:
        if self._loading or not 0 <= self._row < len(self._sets):
            return
        kind = LabelSetKind(self.kind.currentData())
        self._origins[self._sets[self._row].id] = [
            str(self.table.item(row, NAME).data(Qt.ItemDataRole.UserRole) or "")
            for row in range(self.table.rowCount())
        ]
        self._sets[self._row] = dataclasses.replace(
            self._sets[self._row], name=self.name.text(), kind=kind, labels=self._read_table()
        )
        item = self.list.item(self._row)
        if item is not None:
            item.setText(self.name.text() or "(no name)")
        self._check()

    def _check(self) -> None:
        problems = self.problems()
        self.problem.setText("\n".join(problems[:3]) + ("\n…" if len(problems) > 3 else ""))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)
        self._update_row_buttons()

    def _update_row_buttons(self) -> None:
        row = self.table.currentRow()
        has = 0 <= row < self.table.rowCount()
        self.remove_button.setEnabled(has)
        self.up_button.setEnabled(has and row > 0)
        self.down_button.setEnabled(has and row < self.table.rowCount() - 1)

    # -- sets ----------------------------------------------------------------------------------

    def _unique_name(self, base: str) -> str:
        taken = {s.name.strip().lower() for s in self._sets}
        name, n = base, 2
        while name.lower() in taken:
            name, n = f"{base} {n}", n + 1
        return name

    def _add_set(self, label_set: LabelSet) -> None:
        self._sets.append(label_set)
        self._origins[label_set.id] = [""] * len(label_set.labels)  # nothing to rename
        self._fill_list()
        self.list.setCurrentRow(len(self._sets) - 1)
        self._check()

    def _new_set(self) -> None:
        self._add_set(
            LabelSet(LabelSetId(new_id()), self._unique_name("New labels"), LabelSetKind.SPAN)
        )
        self.name.setFocus()
        self.name.selectAll()

    def _duplicate(self) -> None:
        if 0 <= self._row < len(self._sets):
            source = self._sets[self._row]
            self._add_set(
                dataclasses.replace(
                    source, id=LabelSetId(new_id()), name=self._unique_name(f"{source.name} copy")
                )
            )

    def _delete(self) -> None:
        if 0 <= self._row < len(self._sets):
            del self._sets[self._row]
            row = min(self._row, len(self._sets) - 1)
            self._fill_list()
            self.list.setCurrentRow(row)
            if row < 0:
                self._show_set(-1)
            self._check()

    def _from_model(self) -> None:
        if self._model_label_set is None or self._worker is not None:
            return
        self.model_button.setEnabled(False)
        self.model_button.setText("Reading the model…")
        read_labels = self._model_label_set
        self._worker = BackgroundTask(
            lambda _task: read_labels(),
            parent=self,
            what="reading the model's labels",
            on_success=self._model_done,
            on_failure=self._model_failed,
        ).start()

    def _model_done(self, label_set: LabelSet) -> None:
        self._worker = None
        self.model_button.setText("From Model")
        self.model_button.setEnabled(True)
        self._add_set(dataclasses.replace(label_set, name=self._unique_name(label_set.name)))

    def _model_failed(self, error: Failure) -> None:
        self._worker = None
        self.model_button.setText("From Model")
        self.model_button.setEnabled(True)
        self.problem.setText(f"The model's labels could not be read: {describe_failure(error)}")

    # -- labels --------------------------------------------------------------------------------

    def _add_label(self) -> None:
        labels = self._read_table()
        used_keys = {label.key for label in labels}
        key = next((k for k in "123456789abcdefghijklmnopqrstuvwxyz" if k not in used_keys), "")
        names = {label.name for label in labels}
        name = "label"
        n = 2
        while name in names:
            name, n = f"label {n}", n + 1
        self._loading = True
        self._append_row(Label(name, PALETTE[len(labels) % len(PALETTE)], key, ""))
        self._loading = False
        self._edited()
        row = self.table.rowCount() - 1
        self.table.setCurrentCell(row, NAME)
        self.table.editItem(self.table.item(row, NAME))

    def _remove_label(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self._edited()

    def _move(self, step: int) -> None:
        row = self.table.currentRow()
        target = row + step
        if not (0 <= row < self.table.rowCount() and 0 <= target < self.table.rowCount()):
            return
        labels = list(self._read_table())
        origins = [
            str(self.table.item(r, NAME).data(Qt.ItemDataRole.UserRole) or "")
            for r in range(self.table.rowCount())
        ]
        labels[row], labels[target] = labels[target], labels[row]
        origins[row], origins[target] = origins[target], origins[row]
        self._loading = True
        self.table.setRowCount(0)
        for label, origin in zip(labels, origins, strict=True):
            self._append_row(label, origin)
        self._loading = False
        self._edited()
        self.table.setCurrentCell(target, NAME)

    def _cell_double_clicked(self, row: int, column: int) -> None:
        if column != COLOUR:
            return
        item = self.table.item(row, COLOUR)
        chosen = QColorDialog.getColor(
            QColor(item.text() if item else "#ffd54f"), self, "Label colour"
        )
        if chosen.isValid() and item is not None:
            self.set_colour(row, chosen.name())

    def set_colour(self, row: int, colour: str) -> None:
        item = self.table.item(row, COLOUR)
        if item is None:
            return
        item.setText(colour)
        item.setBackground(QColor(colour))


def edit_label_sets(project: Project, shell: Shell, current: str) -> LabelSetsDialog:
    """Open the editor on the project's label sets; OK pushes one undoable step."""
    before = [s for s in project.label_sets() if s.kind != LabelSetKind.LEGEND]
    model = shell.prefs.suggestion_model() or None

    def model_label_set() -> LabelSet:
        from annotator.nlp.models import label_set_from_model, load_pipeline

        return label_set_from_model(load_pipeline(model, "entities"))

    window = shell.dialog_parent()
    dialog = LabelSetsDialog(
        before,
        current=current,
        model_label_set=model_label_set,
        model_name=model or "",
        parent=window,
    )

    def save() -> None:
        after = dialog.label_sets()
        if after == before:
            return
        renames = dialog.renames()
        counts = labelled_with(project, renames) if renames else {}
        relabelling = {old: new for old, new in renames.items() if counts.get(old)}
        if relabelling:
            listed = "\n".join(
                f"“{old}” → “{new}”: {counts[old]} annotation{'s' * (counts[old] != 1)}"
                for old, new in relabelling.items()
            )
            answer = QMessageBox.question(
                window,
                "Relabel annotations too?",
                f"Renamed labels are already on annotations:\n\n{listed}\n\nGive those "
                "annotations the new names too? (No keeps their old labels.)",
            )
            if answer != QMessageBox.StandardButton.Yes:
                relabelling = {}
        undo = shell.undo
        undo.beginMacro("Edit Label Sets")
        try:
            saved = undo.run(EditLabelSets(project, before, after, "Edit Label Sets"))
            if saved and relabelling:
                undo.run(ChangeAnnotations(project, lambda: relabel(project, relabelling)))
        finally:
            undo.endMacro()
        if saved:
            shell.show_status("Label sets saved — Ctrl+Z to undo", 5000)

    dialog.accepted.connect(save)
    dialog.open()
    return dialog


__all__ = ["LabelSetsDialog", "edit_label_sets"]
