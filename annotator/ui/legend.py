"""The reader's meanings: the colour legend, the symbols, and the label sets with their keys.

Owns the widgets that show them (the legend bar, the highlight button's colour menu, the
label-set box, the Label and Symbol menus and the symbol buttons) and the dialogs that edit
them (each edit one undoable step). What a colour, symbol or label is *applied* to is the
annotating controller's business: this one only says which was chosen.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QToolBar, QToolButton, QWidget

from annotator.core.errors import AnnotatorError
from annotator.core.model import Label, LabelSet, LabelSetKind
from annotator.project import Project
from annotator.ui.commands import ReplaceValue
from annotator.ui.dialogs import LegendEntryDialog, SymbolsDialog
from annotator.ui.label_sets import LabelSetsDialog, edit_label_sets
from annotator.ui.models import AnnotationTableModel
from annotator.ui.panels import LegendBar, SelectionBar, swatch
from annotator.ui.reading_area import ReadingArea
from annotator.ui.shell import Shell, make_action

DEFAULT_COLOR = "#ffe066"


class LegendController(QObject):
    color_applied = Signal(str)  # a legend colour picked (the menu, the bar): use it now
    symbol_chosen = Signal(str)
    label_chosen = Signal(str)

    def __init__(
        self,
        project: Project,
        area: ReadingArea,
        shell: Shell,
        annotation_model: AnnotationTableModel,
    ) -> None:
        super().__init__(area)
        self.project, self.area, self.shell = project, area, shell
        self.annotation_model = annotation_model
        self.current_color = ""
        self.label_set_name = ""
        self.label_sets_dialog: LabelSetsDialog | None = None
        self._highlight: QAction | None = None
        self._symbol_actions: list[QAction] = []
        self._symbol_tools: list[QAction] = []
        self._tools: tuple[QToolBar, QAction] | None = None
        owner = shell.dialog_parent()

        self.act_symbols = make_action(
            owner, "S&ymbols…", self.edit_symbols, None, "Choose the symbols you mark passages with"
        )
        self.act_edit_label_sets = make_action(
            owner,
            "&Edit Label Sets…",
            self.edit_label_sets,
            None,
            "Label sets, their colours, keys and meanings; new ones from the model's labels",
        )
        self.color_menu = QMenu(owner)
        self.symbol_menu = QMenu("&Mark with Symbol", owner)
        self.label_menu = QMenu("&Label", owner)
        self.label_set_menu = QMenu("Label &Set", owner)

        self.highlight_button = QToolButton(owner)
        self.highlight_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.highlight_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.highlight_button.setMenu(self.color_menu)

        self.label_box = QWidget(owner)
        row = QHBoxLayout(self.label_box)
        row.setContentsMargins(6, 0, 6, 0)
        row.addWidget(QLabel("Labels:", self.label_box))
        self.label_set_box = QComboBox(self.label_box)
        self.label_set_box.setAccessibleName("Label set")
        self.label_set_box.setToolTip("The label set whose keys (1–9, letters) apply labels")
        self.label_set_box.currentTextChanged.connect(self._label_set_chosen)
        row.addWidget(self.label_set_box)
        edit_sets = QToolButton(self.label_box)
        edit_sets.setDefaultAction(self.act_edit_label_sets)
        edit_sets.setText("Edit…")
        row.addWidget(edit_sets)

        self.legend_bar = LegendBar(owner)
        self.legend_bar.color_chosen.connect(self._legend_clicked)
        self.legend_bar.edit_requested.connect(self.edit_legend_entry)
        self.legend_bar.add_requested.connect(self.add_legend_entry)
        self.legend_bar.remove_requested.connect(self.remove_legend_entry)

        project.events.label_sets_changed.connect(self.refresh)

    # -- wiring ----------------------------------------------------------------------------

    def set_highlight_action(self, action: QAction) -> None:
        """The Highlight action the highlight button runs and whose tooltip names the colour."""
        self._highlight = action
        # The swatch is the action's from the start (the button takes its icon from it): set
        # on the button only later, it widened the button and shifted the toolbar after the
        # first edit (issue 15).
        action.setIcon(swatch(self.current_color or DEFAULT_COLOR, 14))
        self.highlight_button.setDefaultAction(action)
        self.highlight_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.highlight_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.highlight_button.setMenu(self.color_menu)

    def put_symbol_tools(self, toolbar: QToolBar, before: QAction) -> None:
        """Where the symbol buttons go in the tools bar."""
        self._tools = (toolbar, before)
        self._fill_symbols()

    def disconnect_project(self) -> None:
        self.project.events.label_sets_changed.disconnect(self.refresh)

    # -- showing ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Everything from the project's legend, symbols and label sets."""
        prefs = self.shell.prefs
        legend = self.project.legend()
        colors = [label.color for label in legend.labels]
        saved = self.current_color or prefs.color() or ""
        self.current_color = next(
            (c for c in colors if c.lower() == saved.lower()),
            colors[0] if colors else DEFAULT_COLOR,
        )
        self.legend_bar.set_legend(legend.labels, self.current_color)
        self._fill_color_menu(legend)

        names = [s.name for s in self._span_sets()]
        wanted = self.label_set_name or prefs.label_set() or (names[0] if names else "")
        if wanted not in names and names:
            wanted = names[0]
        self.label_set_box.blockSignals(True)
        self.label_set_box.clear()
        self.label_set_box.addItems(names)
        self.label_set_box.setCurrentText(wanted)
        self.label_set_box.blockSignals(False)
        self.label_set_name = wanted

        self.label_set_menu.clear()
        group = QActionGroup(self.label_set_menu)
        for name in names:
            act = self.label_set_menu.addAction(name)
            act.setCheckable(True)
            act.setChecked(name == wanted)
            group.addAction(act)
            act.triggered.connect(lambda _=False, n=name: self.label_set_box.setCurrentText(n))
        self.label_set_menu.addSeparator()
        self.label_set_menu.addAction(self.act_edit_label_sets)

        self._fill_symbols()
        self._fill_labels()
        self.area.selection_bar.fill(legend.labels, self.project.symbols())
        self.area.margin.rebuild()

    def _span_sets(self) -> list[LabelSet]:
        return [
            s
            for s in self.project.label_sets()
            if s.kind in (LabelSetKind.SPAN, LabelSetKind.SENTENCE)
        ]

    def current_label_set(self) -> LabelSet | None:
        try:
            return self.project.label_set(self.label_set_name) if self.label_set_name else None
        except AnnotatorError:
            return None

    def label_colors(self) -> dict[str, str]:
        """Every label's colour (the current set's win), as the surfaces paint them."""
        colors: dict[str, str] = {}
        for s in self.project.label_sets():
            if s.kind != LabelSetKind.LEGEND:
                for label in s.labels:
                    colors.setdefault(label.name, label.color)
        current = self.current_label_set()
        for label in current.labels if current else ():
            colors[label.name] = label.color
        return colors

    def _label_set_chosen(self, name: str) -> None:
        if not name or name == self.label_set_name:
            return
        self.label_set_name = name
        self.shell.prefs.set_label_set(name)
        for act in self.label_set_menu.actions():
            act.setChecked(act.text() == name)
        self._fill_labels()
        self.shell.show_status(f"Label set: {name} — select text, then press a label's key", 4000)

    def _fill_labels(self) -> None:
        self.label_menu.clear()
        label_set = self.current_label_set()
        labels = label_set.labels if label_set else ()
        for label in labels:
            text = f"{label.name}\t{label.key.upper()}" if label.key else label.name
            act = self.label_menu.addAction(swatch(label.color), text)
            act.setStatusTip(label.description)
            act.triggered.connect(lambda _=False, n=label.name: self.label_chosen.emit(n))
        if not labels:
            self.label_menu.addAction("This label set has no labels").setEnabled(False)
        keys = {label.key.lower() for label in labels if label.key}
        colors = self.label_colors()
        for view in self.area.views():
            view.set_label_colors(colors, keys)

    def _fill_symbols(self) -> None:
        owner = self.shell.dialog_parent()
        toolbar = self._tools[0] if self._tools else None
        for act in self._symbol_actions:
            owner.removeAction(act)
            act.deleteLater()
        for act in self._symbol_tools:
            if toolbar is not None:
                toolbar.removeAction(act)
        self._symbol_actions, self._symbol_tools = [], []
        self.symbol_menu.clear()
        for symbol in self.project.symbols():
            key = symbol if len(symbol) == 1 else None
            act = make_action(
                owner,
                symbol,
                lambda _=False, s=symbol: self.symbol_chosen.emit(s),
                key,
                f"Mark the selection with {symbol}",
            )
            act.setText(f"Mark with {symbol}")
            act.setIconText(symbol)
            self.symbol_menu.addAction(act)
            self._symbol_actions.append(act)
            if self._tools is not None:
                tool = QAction(symbol, owner)
                tool.setToolTip(f"Mark with {symbol}" + (f" ({symbol})" if key else ""))
                tool.triggered.connect(lambda _=False, s=symbol: self.symbol_chosen.emit(s))
                self._tools[0].insertAction(self._tools[1], tool)
                self._symbol_tools.append(tool)
        self.symbol_menu.addSeparator()
        self.symbol_menu.addAction(self.act_symbols)

    def _fill_color_menu(self, legend: LabelSet) -> None:
        self.color_menu.clear()
        for i, label in enumerate(legend.labels):
            prefix = f"&{i + 1} " if i < 9 else ""
            act = self.color_menu.addAction(swatch(label.color), f"{prefix}{label.name}")
            act.setCheckable(True)
            act.setChecked(label.color.lower() == self.current_color.lower())
            act.triggered.connect(lambda _=False, c=label.color: self._color_picked(c))
        self.color_menu.addSeparator()
        self.color_menu.addAction("Add a Colour…").triggered.connect(self.add_legend_entry)
        if self._highlight is not None:
            self._highlight.setIcon(swatch(self.current_color, 14))
            name = self.annotation_model.meaning(self.current_color) or "highlight"
            self._highlight.setToolTip(f"Highlight as “{name}” (H) — Shift+H to choose")

    def show_label_menu_under_bar(self) -> None:
        bar: SelectionBar = self.area.selection_bar
        self.label_menu.exec(bar.mapToGlobal(QPoint(0, bar.height())))

    # -- choosing --------------------------------------------------------------------------

    def set_current_color(self, color: str) -> None:
        self.current_color = color
        self.shell.prefs.set_color(color)
        self.legend_bar.set_current(color)
        self._fill_color_menu(self.project.legend())

    def _color_picked(self, color: str) -> None:
        """A colour from the menu (Shift+H) or the bar: used now, and by H from now on, as a
        pen keeps its colour; the status line says so, as the Highlight button's swatch and
        the Colours bar show it (issue 15: H changed without a word)."""
        changed = color.lower() != self.current_color.lower()
        self.set_current_color(color)
        self.color_applied.emit(color)
        if changed:
            name = self.annotation_model.meaning(color) or color
            said = self.shell.status_message()
            note = f"H now highlights as “{name}”"
            self.shell.show_status(f"{said} · {note}" if said else note, 6000)

    def _legend_clicked(self, color: str) -> None:
        self._color_picked(color)
        self.area.view.setFocus()

    # -- editing ---------------------------------------------------------------------------

    def edit_legend_entry(self, i: int) -> None:
        legend = self.project.legend()
        if not 0 <= i < len(legend.labels):
            return
        dialog = LegendEntryDialog(legend.labels[i], self.shell.dialog_parent())
        if not dialog.exec():
            return
        labels = list(legend.labels)
        labels[i] = dialog.label(labels[i].key)
        self._replace_legend(legend, tuple(labels), f"Edit colour “{labels[i].name}”")

    def add_legend_entry(self) -> None:
        legend = self.project.legend()
        dialog = LegendEntryDialog(None, self.shell.dialog_parent())
        if not dialog.exec():
            return
        label = dialog.label()
        if self._replace_legend(legend, (*legend.labels, label), f"Add colour “{label.name}”"):
            self.set_current_color(label.color)

    def remove_legend_entry(self, i: int) -> None:
        legend = self.project.legend()
        if len(legend.labels) <= 1 or not 0 <= i < len(legend.labels):
            return
        label = legend.labels[i]
        labels = tuple(x for j, x in enumerate(legend.labels) if j != i)
        if self._replace_legend(legend, labels, f"Remove colour “{label.name}”"):
            self.shell.show_status(
                f"Removed “{label.name}” from the legend; passages in that colour keep it "
                "(Ctrl+Z brings the entry back)",
                6000,
            )

    def _replace_legend(self, legend: LabelSet, labels: tuple[Label, ...], text: str) -> bool:
        return self.shell.undo.run(
            ReplaceValue(
                self.project,
                self.project.save_label_set,
                legend,
                dataclasses.replace(legend, labels=labels),
                text,
            )
        )

    def edit_label_sets(self) -> None:
        self.label_sets_dialog = edit_label_sets(self.project, self.shell, self.label_set_name)

    def edit_symbols(self) -> None:
        old = self.project.symbols()
        dialog = SymbolsDialog(old, self.shell.dialog_parent())
        if dialog.exec():
            self.shell.undo.run(
                ReplaceValue(
                    self.project, self.project.set_symbols, old, dialog.symbols(), "Change symbols"
                )
            )


__all__ = ["LegendController"]
