"""The Agreement dialog: choose what to compare, see the figures, go to the disagreements.

Everything statistical comes from :mod:`annotator.comparing` (the same functions as the
``annotator agreement`` command); this module only chooses, draws and routes clicks.

The window keeps answering on a corpus (1,000 documents, a million annotations): the
figures and the list of disagreements are computed in two child processes
(:mod:`annotator.comparing.report_process`, driven from a
:class:`~annotator.ui.tasks.BackgroundTask`), since a thread of this process holding a
million objects makes the garbage collector stop the window; the dialog opens without
importing the statistics, and reads its document list on a worker.

- *Figures*: the pairwise annotator matrix of a chosen measure and the label confusion
  matrix as heatmaps (unit and counts in every cell, the explanation as its tooltip), the
  figures over all annotators and per label, and the report's notes as a banner.
- *Disagreements*: the passages where the annotators differ and what each said (a table
  model over plain rows); choosing one opens it in the reader with both layers shown;
  A / B / Both / Neither / Edit write the gold layer (each an undoable step on the window's
  undo stack), with progress. A decision shows in its row at once and the next undecided
  passage is chosen; the documents a decision, an undo or an edit changed are listed again
  on a worker and put in place of their rows (a listing a later change made stale is
  dropped).
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, overload

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPaintEvent, QPalette, QUndoCommand
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from annotator.comparing.selection import UNITS, comparable_annotators, default_documents
from annotator.core.errors import AnnotatorError
from annotator.core.model import Annotation, LabelSetKind
from annotator.project import Project
from annotator.ui.models import plural
from annotator.ui.reading_area import ReadingArea
from annotator.ui.session import ReadingSession
from annotator.ui.shell import Shell
from annotator.ui.tasks import BackgroundTask, Failure, TaskContext, describe_failure

if TYPE_CHECKING:
    # The statistics import numpy (a third of a second): the dialog opens without them, the
    # computing worker imports them (compute), and the window's thread then finds them loaded.
    # (Importing them on a worker while the window paints still slows the painting: every
    # Python call it makes waits for the GIL, so not when the dialog opens.)
    from annotator.comparing.adjudication import AdjudicationProgress, Decision
    from annotator.comparing.disagreements import DisagreementRow, DisagreementView, PlainRow
    from annotator.comparing.report import AgreementReport, Figure, PairFigures
    from annotator.comparing.report_process import Listed

UNIT_HELP = {
    "token": "Every token gets each annotator's label (O where they marked nothing): Cohen's "
    "kappa with and without O, span F1, per-label kappa, token confusion matrix.",
    "span": "Spans (start, end, label): pairwise F1, exact and overlapping with the same "
    "label — the recommended measure for entities.",
    "item": "One label per document or sentence (sentiment, document labels): Cohen's kappa, "
    "weighted kappa for ordered scales, Krippendorff's alpha.",
}
GOOD = QColor("#2b8a6e")  # agreement, the diagonal of a confusion matrix
BAD = QColor("#d0583c")  # disagreement, below chance
_ROOT = QModelIndex()
#: Where a :class:`DisagreementRow` keeps its document and its decision.
_DOCUMENT, _DECISION = 0, 9


def _row(plain: PlainRow) -> DisagreementRow:
    from annotator.comparing.disagreements import DisagreementRow

    return DisagreementRow._make(plain)


NOTE_STYLE = (
    "QLabel#agreementNotes { background: %s; color: %s; border: 1px solid %s; "
    "border-radius: 4px; padding: 6px 8px; }"
)


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    t = max(0.0, min(1.0, t))
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def counted(f: Figure, *, short: bool = False) -> str:
    """What a figure was counted over: "n=1,204 tokens" (short) or with the unit's detail."""
    noun, _, detail = f.unit.partition(",")
    text = f"n={f.n:,} {noun}{'s' * (f.n != 1)}"
    return text if short or not detail else f"{text} ({detail.strip()})"


def interval_text(f: Figure) -> str:
    """ "[0.612, 0.701] (SE 0.023)" for a table cell; "—" when the figure has no interval."""
    i = f.interval
    return "—" if i is None else f"{i.formatted()} (SE {i.se:.3f})"


def figure_tip(f: Figure) -> str:
    counts = "".join(f"\n  {k}: {v}" for k, v in f.counts.items())
    who = " × ".join(f.annotators)
    label = f" — label {f.label}" if f.label else ""
    interval = (
        f"\n{f.interval.level:.0%} confidence interval {f.interval.formatted()}, standard "
        f"error {f.interval.se:.3f} ({f.interval.method})"
        if f.interval is not None
        else ""
    )
    return (
        f"{f.measure}{label}: {f.formatted()}{interval}\n{who}\n"
        f"counted over {counted(f)}{counts}\n\n{f.explanation}"
    )


# ---------------------------------------------------------------------------------------------
# Heatmap
# ---------------------------------------------------------------------------------------------


class Heatmap(QWidget):
    """A labelled grid whose cells are coloured by value, painted by hand.

    ``values`` set the colour (agreement measures: red below 0, green towards 1; counts:
    green on the diagonal, red off it, by share of the largest count); ``texts`` are drawn in
    the cells (the number with its count) and ``tips`` are shown as tooltips.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[str] = []
        self.columns: list[str] = []
        self.values: list[list[float | None]] = []
        self.texts: list[list[str]] = []
        self.tips: list[list[str]] = []
        self.mode = "measure"  # or "counts"
        self.row_title = ""
        self.column_title = ""
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_grid(
        self,
        rows: list[str],
        columns: list[str],
        values: list[list[float | None]],
        texts: list[list[str]],
        tips: list[list[str]],
        *,
        mode: str = "measure",
        row_title: str = "",
        column_title: str = "",
    ) -> None:
        self.rows, self.columns, self.values = rows, columns, values
        self.texts, self.tips, self.mode = texts, tips, mode
        self.row_title, self.column_title = row_title, column_title
        self.setAccessibleDescription(
            "; ".join(
                f"{r} × {c}: {self.texts[i][j].replace(chr(10), ' ')}"
                for i, r in enumerate(rows)
                for j, c in enumerate(columns)
            )
        )
        self.updateGeometry()
        self.update()

    # geometry
    def _metrics(self) -> tuple[float, float, float, float]:
        fm = self.fontMetrics()
        header_w = max([fm.horizontalAdvance(r) for r in self.rows] + [40]) + 14
        header_h = fm.height() * (2 if self.column_title else 1) + 10
        lines = max([t.count("\n") + 1 for row in self.texts for t in row] + [1])
        cell_w = (
            max(
                [
                    fm.horizontalAdvance(part)
                    for row in self.texts
                    for t in row
                    for part in t.split("\n")
                ]
                + [fm.horizontalAdvance(c) for c in self.columns]
                + [48]
            )
            + 16
        )
        cell_h = fm.height() * lines + 12
        return header_w, header_h, cell_w, cell_h

    def sizeHint(self) -> QSize:
        header_w, header_h, cell_w, cell_h = self._metrics()
        return QSize(
            int(header_w + cell_w * max(1, len(self.columns)) + 4),
            int(header_h + cell_h * max(1, len(self.rows)) + 4),
        )

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        header_w, header_h, cell_w, cell_h = self._metrics()
        if x < header_w or y < header_h:
            return None
        j, i = int((x - header_w) // cell_w), int((y - header_h) // cell_h)
        if 0 <= i < len(self.rows) and 0 <= j < len(self.columns):
            return i, j
        return None

    def colour(self, i: int, j: int) -> QColor:
        base = self.palette().color(QPalette.ColorRole.Base)
        value = self.values[i][j]
        if value is None:
            return self.palette().color(QPalette.ColorRole.AlternateBase)
        if self.mode == "counts":
            top = max((v or 0.0) for row in self.values for v in row) or 1.0
            return _mix(base, GOOD if i == j else BAD, 0.15 + 0.7 * (value / top) if value else 0)
        if value < 0:
            return _mix(base, BAD, 0.3 + 0.6 * min(1.0, -value))
        return _mix(base, GOOD if value >= 0.4 else BAD, 0.15 + 0.7 * abs(value - 0.4) / 0.6)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        ink = pal.color(QPalette.ColorRole.Text)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        header_w, header_h, cell_w, cell_h = self._metrics()
        fm = self.fontMetrics()
        bold = QFont(self.font())
        bold.setBold(True)
        if self.column_title:
            painter.setPen(muted)
            painter.drawText(
                QRectF(header_w, 2, cell_w * len(self.columns), fm.height()),
                Qt.AlignmentFlag.AlignCenter,
                self.column_title,
            )
        top = header_h - fm.height() - 6
        painter.setPen(ink)
        painter.setFont(bold)
        for j, name in enumerate(self.columns):
            painter.drawText(
                QRectF(header_w + j * cell_w, top, cell_w, fm.height() + 4),
                Qt.AlignmentFlag.AlignCenter,
                name,
            )
        for i, name in enumerate(self.rows):
            painter.drawText(
                QRectF(0, header_h + i * cell_h, header_w - 8, cell_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                name,
            )
        painter.setFont(self.font())
        grid = pal.color(QPalette.ColorRole.Window)
        for i in range(len(self.rows)):
            for j in range(len(self.columns)):
                rect = QRectF(header_w + j * cell_w, header_h + i * cell_h, cell_w, cell_h)
                painter.setPen(grid)
                painter.setBrush(self.colour(i, j))
                painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
                painter.setPen(ink if self.values[i][j] is not None else muted)
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.texts[i][j])
        painter.end()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            cell = self.cell_at(event.position().x(), event.position().y())
            if cell is not None and self.tips:
                QToolTip.showText(event.globalPos(), self.tips[cell[0]][cell[1]], self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


def _default_set(project: Project, names: list[str]) -> set[str]:
    """The documents compared by default for ``names`` (none for fewer than two)."""
    try:
        return set(default_documents(project, names)) if len(names) >= 2 else set()
    except AnnotatorError:
        return set()


def _documents_and_default(
    project: Project, names: list[str]
) -> tuple[list[tuple[str, str]], set[str]]:
    """``(id, title)`` of every document, and those compared by default for ``names``."""
    headers = [(d.id, d.title) for d in project.document_headers()]
    return headers, _default_set(project, names)


# ---------------------------------------------------------------------------------------------
# The disagreements as a table model
# ---------------------------------------------------------------------------------------------


class DisagreementModel(QAbstractTableModel):
    """The disagreements as rows of a table: Document, Passage, each annotator, Gold.

    A corpus has tens of thousands of disagreements: the cells are drawn from the rows when
    shown, never made into one item each, and the rows are plain tuples
    (:meth:`DisagreementRow.plain`), which the garbage collector leaves alone. Rows are kept
    in the order of ``documents`` (the report's), so one document's rows can be replaced
    where they are."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[PlainRow] = []
        self.names: list[str] = []
        self.order: dict[str, int] = {}

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.names) + 3

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            headers = ["Document", "Passage", *self.names, "Gold"]
            return headers[section] if 0 <= section < len(headers) else None
        return None

    def row(self, row: int) -> DisagreementRow:
        return _row(self.rows[row])

    def text(self, row: int, column: int) -> str:
        r = self.row(row)
        if column == 0:
            return r.document_title
        if column == 1:
            return f"…{r.before[-30:]}[{r.quote}]{r.after[:30]}…".replace("\n", " ")
        if column == len(self.names) + 2:
            return r.decision or "—"
        return r.reading(self.names[column - 2])

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            r = self.row(index.row())
            return f"{r.kind} disagreement: “{r.quote}”\n{self.text(index.row(), index.column())}"
        return None

    def set_rows(self, rows: list[PlainRow], names: list[str], documents: list[str]) -> None:
        self.beginResetModel()
        self.rows, self.names = rows, names
        self.order = {d: i for i, d in enumerate(documents)}
        self.endResetModel()

    def set_decision(self, row: int, decision: str | None) -> None:
        """Show a passage's gold decision (known from the step that made or undid it)."""
        if 0 <= row < len(self.rows) and self.rows[row][_DECISION] != decision:
            self.rows[row] = (*self.rows[row][:_DECISION], decision)
            gold = self.index(row, self.columnCount() - 1)
            self.dataChanged.emit(gold, gold, [Qt.ItemDataRole.DisplayRole])

    def document_rows(self, document_id: str) -> range:
        """Where a document's rows are (an empty range where they would go)."""
        place = self.order.get(document_id, len(self.order))
        first = bisect_left(self.rows, place, key=lambda r: self.order.get(r[_DOCUMENT], -1))
        last = first
        while last < len(self.rows) and self.rows[last][_DOCUMENT] == document_id:
            last += 1
        return range(first, last)

    def replace_document(self, document_id: str, rows: list[PlainRow]) -> None:
        """Put a document's disagreements as listed again in place of its old rows; the other
        rows (and the selection on them) stay as they are."""
        old = self.document_rows(document_id)
        if len(old) == len(rows):
            if rows and self.rows[old.start : old.stop] != rows:
                self.rows[old.start : old.stop] = rows
                self.dataChanged.emit(
                    self.index(old.start, 0), self.index(old.stop - 1, self.columnCount() - 1)
                )
            return
        if len(old):
            self.beginRemoveRows(QModelIndex(), old.start, old.stop - 1)
            del self.rows[old.start : old.stop]
            self.endRemoveRows()
        if rows:
            self.beginInsertRows(QModelIndex(), old.start, old.start + len(rows) - 1)
            self.rows[old.start : old.start] = rows
            self.endInsertRows()


class Rows(Sequence["DisagreementRow"]):
    """The rows of a :class:`DisagreementModel`, each read as a :class:`DisagreementRow`."""

    def __init__(self, model: DisagreementModel) -> None:
        self._model = model

    def __len__(self) -> int:
        return len(self._model.rows)

    @overload
    def __getitem__(self, index: int) -> DisagreementRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[DisagreementRow]: ...
    def __getitem__(self, index: int | slice) -> DisagreementRow | list[DisagreementRow]:
        if isinstance(index, slice):
            return [_row(r) for r in self._model.rows[index]]
        return _row(self._model.rows[index])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


class DisagreementTable(QTableView):
    """The list of disagreements over a :class:`DisagreementModel`, with row-wise helpers."""

    def __init__(self, model: DisagreementModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.rows = model

    def rowCount(self) -> int:
        return self.rows.rowCount()

    def currentRow(self) -> int:
        index = self.currentIndex()
        return index.row() if index.isValid() else -1

    def setCurrentCell(self, row: int, column: int) -> None:
        self.setCurrentIndex(self.rows.index(row, column))


# ---------------------------------------------------------------------------------------------
# Adjudication as an undoable step
# ---------------------------------------------------------------------------------------------


class Adjudicate(QUndoCommand):
    """One gold decision; undo takes it back (the previous decision, if any, returns)."""

    def __init__(
        self,
        project: Project,
        passage: DisagreementView,
        choice: str,
        first: str,
        second: str,
        edited: list[tuple[int, int, str]] | None = None,
    ) -> None:
        super().__init__(f"Adjudicate “{passage.quote[:30]}”: {choice}")
        self.project, self.passage, self.choice = project, passage, choice
        self.first, self.second, self.edited = first, second, edited
        self.decision: Decision | None = None
        self._first_run = True

    def execute(self) -> None:
        from annotator.comparing.adjudication import adjudicate

        self.decision = adjudicate(
            self.project, self.passage, self.choice,
            annotator_a=self.first, annotator_b=self.second, edited=self.edited,
        )  # fmt: skip

    def redo(self) -> None:
        if self._first_run:
            self._first_run = False
            return
        self.execute()

    def undo(self) -> None:
        from annotator.comparing.adjudication import undo_adjudication

        undo_adjudication(self.project, self.decision or self.passage)


class AcceptAgreed(QUndoCommand):
    """Every passage the annotators marked identically goes to gold, as one undoable step."""

    def __init__(self, project: Project, annotators: list[str], documents: list[str] | None):
        super().__init__("Accept agreed passages")
        self.project, self.annotators, self.documents = project, annotators, documents
        self.decision: Decision | None = None
        self._first_run = True

    def execute(self) -> None:
        from annotator.comparing.adjudication import accept_agreed

        self.decision = accept_agreed(self.project, self.annotators, self.documents)

    def redo(self) -> None:
        if self._first_run:
            self._first_run = False
            return
        self.execute()

    def undo(self) -> None:
        from annotator.comparing.adjudication import undo_adjudication

        if self.decision is not None:
            undo_adjudication(self.project, self.decision)


# ---------------------------------------------------------------------------------------------
# The dialog
# ---------------------------------------------------------------------------------------------


class Layers(Protocol):
    """What the dialog asks of the window's annotator layers
    (:class:`~annotator.ui.annotators.AnnotatorLayers`)."""

    def show_layers(self, names: list[str]) -> None:
        """Show the layers of the annotators called ``names`` (and hide the others)."""


#: What computing agreement gives the dialog: the figures, the disagreements to list, and
#: how far their adjudication is.
Computed = tuple["AgreementReport", list["PlainRow"], "AdjudicationProgress"]


class AgreementDialog(QDialog):
    """Agreement between annotators, disagreements and adjudication."""

    def __init__(
        self,
        project: Project,
        session: ReadingSession,
        area: ReadingArea,
        shell: Shell,
        layers: Layers,
    ) -> None:
        super().__init__(shell.dialog_parent())
        self.project = project
        self.session = session
        self.area = area
        self.shell = shell
        self.layers = layers
        self.setWindowTitle("Agreement Between Annotators")
        self.setObjectName("agreementDialog")
        self.report: AgreementReport | None = None
        self.task: BackgroundTask[Computed] | None = None
        #: The disagreements of changed documents being listed again, on a worker.
        self.refresh_task: BackgroundTask[Any] | None = None
        self._changed_documents: set[str] = set()
        self._everything_changed = False
        #: Counts the changes seen: a listing begun before the latest one is out of date.
        self._generation = 0
        self._quiet = False  # moving the current row without opening its passage again
        self.adjudication_figures: AdjudicationProgress | None = None
        self.compared: list[str] = []
        #: The documents being listed on a worker when the dialog opens.
        self.choices_task: BackgroundTask[Any] | None = None
        self.documents_loaded = False

        outer = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(split, 1)
        split.addWidget(self._build_setup())
        split.addWidget(self._build_results())
        split.setStretchFactor(1, 1)
        split.setSizes([270, 760])
        outer.addLayout(self._build_buttons())
        self.resize(1100, 720)
        self.fill_choices()
        self._decisions_timer = QTimer(self, singleShot=True, interval=0)
        self._decisions_timer.timeout.connect(self.refresh_decisions)
        events = project.events
        events.annotations_reset.connect(self._annotations_reset)
        events.annotation_added.connect(self._annotation_changed)
        events.annotation_changed.connect(self._annotation_changed)
        events.annotation_removed.connect(self._annotation_changed)

    # -- building -----------------------------------------------------------------------------

    def _build_setup(self) -> QWidget:
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 6, 0)
        title = QLabel("<b>Compare</b>", box)
        layout.addWidget(title)
        form = QFormLayout()
        self.unit_box = QComboBox(box)
        self.unit_box.setAccessibleName("Unit")
        for unit in UNITS:
            self.unit_box.addItem(unit, unit)
            self.unit_box.setItemData(
                self.unit_box.count() - 1, UNIT_HELP[unit], Qt.ItemDataRole.ToolTipRole
            )
        self.unit_box.setCurrentIndex(1)  # span: F1, the recommended measure for entities
        self.unit_box.currentIndexChanged.connect(self._unit_changed)
        form.addRow("Unit:", self.unit_box)
        self.label_set_box = QComboBox(box)
        self.label_set_box.setAccessibleName("Label set")
        form.addRow("Labels:", self.label_set_box)
        self.confidence_box = QComboBox(box)
        self.confidence_box.setAccessibleName("Confidence level")
        for level in (0.90, 0.95, 0.99):
            self.confidence_box.addItem(f"{level:.0%}", level)
        self.confidence_box.setCurrentIndex(1)
        self.confidence_box.setToolTip(
            "The confidence level of the intervals shown beside every figure (a journal may "
            "ask for 99%); compute again after changing it"
        )
        form.addRow("Intervals:", self.confidence_box)
        layout.addLayout(form)
        self.unit_help = QLabel(box)
        self.unit_help.setWordWrap(True)
        self.unit_help.setObjectName("unitHelp")
        layout.addWidget(self.unit_help)
        layout.addWidget(QLabel("Annotators:", box))
        self.annotator_list = QListWidget(box)
        self.annotator_list.setAccessibleName("Annotators")
        self.annotator_list.setMaximumHeight(110)
        self.annotator_list.itemChanged.connect(lambda _i: self._annotators_changed())
        layout.addWidget(self.annotator_list)
        row = QHBoxLayout()
        row.addWidget(QLabel("Documents:", box), 1)
        self.default_docs = QToolButton(box)
        self.default_docs.setText("Default")
        self.default_docs.setToolTip(
            "The documents every chosen annotator marked done or annotated"
        )
        self.default_docs.clicked.connect(self.choose_default_documents)
        row.addWidget(self.default_docs)
        layout.addLayout(row)
        self.document_list = QListWidget(box)
        self.document_list.setAccessibleName("Documents")
        layout.addWidget(self.document_list, 1)
        self.compute_button = QPushButton("Compute", box)
        self.compute_button.setDefault(True)
        self.compute_button.clicked.connect(self._compute_clicked)
        layout.addWidget(self.compute_button)
        self.progress = QProgressBar(box)
        self.progress.setRange(0, 0)
        self.progress.hide()
        layout.addWidget(self.progress)
        self._unit_changed()
        return box

    def _build_results(self) -> QWidget:
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 0, 0, 0)
        self.notes = QLabel(box)
        self.notes.setObjectName("agreementNotes")
        self.notes.setWordWrap(True)
        self.notes.hide()
        layout.addWidget(self.notes)
        self.summary = QLabel("Choose annotators and documents, then Compute.", box)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.tabs = QTabWidget(box)
        self.tabs.addTab(self._build_figures(), "Figures")
        self.tabs.addTab(self._build_disagreements(), "Disagreements")
        layout.addWidget(self.tabs, 1)
        self._style_notes()
        return box

    def _build_figures(self) -> QWidget:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        page = QWidget(scroll)
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Pairwise</b>", page))
        self.measure_box = QComboBox(page)
        self.measure_box.setAccessibleName("Measure")
        self.measure_box.currentIndexChanged.connect(lambda _i: self.show_matrix())
        row.addWidget(self.measure_box, 1)
        layout.addLayout(row)
        self.matrix = Heatmap(page)
        self.matrix.setObjectName("pairwiseHeatmap")
        self.matrix.setAccessibleName("Pairwise agreement matrix")
        layout.addWidget(self.matrix, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(QLabel("<b>All chosen annotators</b>", page))
        self.overall = self._table(["Measure", "Value", "Interval (SE)", "Counted over"], page)
        layout.addWidget(self.overall)
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Per label and confusion</b> for", page))
        self.pair_box = QComboBox(page)
        self.pair_box.setAccessibleName("Pair of annotators")
        self.pair_box.currentIndexChanged.connect(lambda _i: self.show_pair())
        row.addWidget(self.pair_box, 1)
        layout.addLayout(row)
        self.per_label = self._table(
            ["Label", "Measure", "Value", "Interval (SE)", "Counted over"], page
        )
        layout.addWidget(self.per_label)
        self.confusion_caption = QLabel(page)
        self.confusion_caption.setWordWrap(True)
        layout.addWidget(self.confusion_caption)
        self.confusion = Heatmap(page)
        self.confusion.setObjectName("confusionHeatmap")
        self.confusion.setAccessibleName("Label confusion matrix")
        layout.addWidget(self.confusion, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        scroll.setWidget(page)
        return scroll

    def _table(self, headers: list[str], parent: QWidget) -> QTableWidget:
        table = QTableWidget(0, len(headers), parent)
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        return table

    def _build_disagreements(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.adjudication = QProgressBar(page)
        self.adjudication.setObjectName("adjudicationProgress")
        self.adjudication.setTextVisible(True)
        self.adjudication.setFormat("No disagreements yet")
        layout.addWidget(self.adjudication)
        self.rows_model = DisagreementModel(self)
        self.disagreements = DisagreementTable(self.rows_model, page)
        self.disagreements.horizontalHeader().setResizeContentsPrecision(200)
        self.disagreements.setObjectName("disagreementTable")
        self.disagreements.setAccessibleName("Disagreements")
        self.disagreements.verticalHeader().hide()
        self.disagreements.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.disagreements.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.disagreements.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.disagreements.setWordWrap(True)
        self.disagreements.setAlternatingRowColors(True)
        self.disagreements.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.open_row(current.row())
        )
        self.disagreements.clicked.connect(lambda index: self.open_row(index.row()))
        layout.addWidget(self.disagreements, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Gold:", page))
        self.choice_buttons: dict[str, QPushButton] = {}
        for choice, tip in (
            ("A", "Take the first annotator's reading into the gold layer"),
            ("B", "Take the second annotator's reading"),
            ("both", "Take both readings"),
            ("neither", "Nothing here goes to gold (still counts as decided)"),
            ("edit", "Write your own label for the passage"),
        ):
            button = QPushButton(choice.capitalize() if len(choice) > 1 else choice, page)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, c=choice: self.decide(c))
            row.addWidget(button)
            self.choice_buttons[choice] = button
        self.choice_buttons["edit"].setText("Edit…")
        row.addStretch(1)
        self.accept_agreed_button = QPushButton("Accept &Agreed Passages", page)
        self.accept_agreed_button.setToolTip(
            "Copy every passage all compared annotators marked identically into the gold layer"
        )
        self.accept_agreed_button.clicked.connect(self.accept_agreed)
        row.addWidget(self.accept_agreed_button)
        self.undo_button = QPushButton("Undo", page)
        self.undo_button.setToolTip("Take back the last step (Ctrl+Z in the main window)")
        self.undo_button.clicked.connect(lambda: self.shell.undo.undo())
        row.addWidget(self.undo_button)
        layout.addLayout(row)
        self._update_choice_buttons()
        return page

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.export_button = QToolButton(self)
        self.export_button.setText("Export ▾")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        for text, fmt in (("Table (.txt)…", "table"), ("JSON…", "json"), ("CSV…", "csv")):
            menu.addAction(text).triggered.connect(lambda _=False, f=fmt: self.export(f))
        self.export_button.setMenu(menu)
        self.export_button.setEnabled(False)
        row.addWidget(self.export_button)
        row.addStretch(1)
        close = QPushButton("Close", self)
        close.setAutoDefault(False)
        close.clicked.connect(self.close)
        row.addWidget(close)
        return row

    def _style_notes(self) -> None:
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        if dark:
            self.notes.setStyleSheet(NOTE_STYLE % ("#3a3320", "#f3e3b3", "#6b5a2a"))
        else:
            self.notes.setStyleSheet(NOTE_STYLE % ("#fff4d6", "#5a4300", "#e8cf8a"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._style_notes()
        super().changeEvent(event)

    # -- choices ------------------------------------------------------------------------------

    def fill_choices(self) -> None:
        names = comparable_annotators(self.project)
        self.annotator_list.blockSignals(True)
        self.annotator_list.clear()
        for name in names:
            item = QListWidgetItem(name, self.annotator_list)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
        self.annotator_list.blockSignals(False)
        self.label_set_box.clear()
        self.label_set_box.addItem("All labels", "")
        for s in self.project.label_sets():
            if s.kind != LabelSetKind.LEGEND:
                self.label_set_box.addItem(f"{s.name} ({s.kind})", s.name)
        self._load_choices()

    def _load_choices(self) -> None:
        """List the documents, those compared by default checked, from a worker: over a
        corpus reading them takes a third of a second. Whatever needs the documents before
        they arrive reads them at once (:meth:`_ensure_documents`)."""
        self.documents_loaded = False
        self.document_list.clear()
        waiting = QListWidgetItem("Reading the documents…", self.document_list)
        waiting.setFlags(Qt.ItemFlag.NoItemFlags)
        path, names = self.project.path, self.chosen_annotators()
        if path is None:
            self._ensure_documents()
            return

        def work(_task: TaskContext) -> tuple[list[tuple[str, str]], set[str]]:
            from annotator.project import Project

            with Project(path) as own:  # the worker's own connection
                return _documents_and_default(own, names)

        def loaded(result: tuple[list[tuple[str, str]], set[str]]) -> None:
            if task is self.choices_task:
                self.choices_task = None
                self._put_documents(*result, names)

        def failed(_error: Failure) -> None:
            if task is self.choices_task:
                self.choices_task = None
                self._ensure_documents()  # says what is wrong, if it still is

        task: BackgroundTask[Any] = BackgroundTask(
            work, parent=self, what="reading the documents", on_success=loaded, on_failure=failed
        )
        self.choices_task = task
        task.start()

    def _ensure_documents(self) -> None:
        """Read the documents here and now if the worker has not brought them yet."""
        if self.documents_loaded:
            return
        if self.choices_task is not None:
            self.choices_task.cancel()
            self.choices_task = None
        names = self.chosen_annotators()
        try:
            headers, wanted = _documents_and_default(self.project, names)
        except AnnotatorError as error:
            self.summary.setText(f"Could not read the documents: {error}")
            return
        self._put_documents(headers, wanted, names)

    def _put_documents(
        self, headers: list[tuple[str, str]], wanted: set[str], names: list[str]
    ) -> None:
        self.documents_loaded = True
        self.document_list.clear()
        for document_id, title in headers:
            item = QListWidgetItem(title, self.document_list)
            item.setData(Qt.ItemDataRole.UserRole, document_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = document_id in wanted
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        if self.chosen_annotators() != names:  # changed while the documents were read
            self.choose_default_documents()

    def chosen_annotators(self) -> list[str]:
        out = []
        for i in range(self.annotator_list.count()):
            item = self.annotator_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.text())
        return out

    def set_annotators(self, names: list[str]) -> None:
        self.annotator_list.blockSignals(True)
        for i in range(self.annotator_list.count()):
            item = self.annotator_list.item(i)
            item.setCheckState(
                Qt.CheckState.Checked if item.text() in names else Qt.CheckState.Unchecked
            )
        self.annotator_list.blockSignals(False)
        self.choose_default_documents()

    def set_documents(self, document_ids: list[str]) -> None:
        self._ensure_documents()
        wanted = set(document_ids)
        for i in range(self.document_list.count()):
            item = self.document_list.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def chosen_documents(self) -> list[str]:
        self._ensure_documents()
        out = []
        for i in range(self.document_list.count()):
            item = self.document_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def choose_default_documents(self) -> None:
        if not self.documents_loaded:
            self._ensure_documents()  # reads the default for the annotators chosen now
            return
        self.set_documents(list(_default_set(self.project, self.chosen_annotators())))

    def _annotators_changed(self) -> None:
        self.choose_default_documents()

    def _unit_changed(self) -> None:
        self.unit_help.setText(UNIT_HELP[str(self.unit_box.currentData())])

    # -- computing ----------------------------------------------------------------------------

    def _compute_clicked(self) -> None:
        if self.task is not None:  # the button reads "Cancel" while computing
            self.task.cancel()
            self.compute_button.setEnabled(False)
            self.summary.setText("Cancelling…")
            return
        self.compute()

    def compute(self) -> BackgroundTask[Computed] | None:
        if self.task is not None:
            return self.task
        names = self.chosen_annotators()
        documents = self.chosen_documents()
        unit = str(self.unit_box.currentData())
        label_set = str(self.label_set_box.currentData() or "") or None
        level = float(self.confidence_box.currentData())
        path = self.project.path
        if path is None:
            return None

        def work(task: TaskContext) -> Computed:
            # In processes of their own: over a corpus the figures hold a million objects,
            # and the collector walking them would stop the window (see report_process).
            from annotator.comparing.report_process import Request, compute_in_processes

            request = Request(str(path), tuple(names), tuple(documents), unit, label_set, level)
            report, listed = compute_in_processes(
                request, progress=task.report, cancelled=task.cancelled
            )
            assert report is not None
            return report, listed.rows, listed.progress

        self.compute_button.setText("Cancel")
        self.compute_button.setToolTip("Stop computing; the last results stay shown")
        self.progress.setRange(0, 0)
        self.progress.show()
        self.summary.setText(f"Computing {unit} agreement…")
        self.task = BackgroundTask(
            work,
            parent=self,
            what="computing agreement",
            on_success=self._computed,
            on_failure=self._failed,
            on_cancelled=self._cancelled,
            on_progress=self._progress,
        )
        return self.task.start()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.progress.setFormat("%v of %m documents")

    def _end_computing(self) -> None:
        self.task = None
        self.progress.hide()
        self.compute_button.setText("Compute")
        self.compute_button.setToolTip("")
        self.compute_button.setEnabled(True)

    def _cancelled(self) -> None:
        self._end_computing()
        self.summary.setText("Cancelled: the figures shown (if any) are from before.")

    def _failed(self, error: Failure) -> None:
        self._end_computing()
        self.summary.setText(f"Could not compute agreement: {describe_failure(error)}")

    def _computed(self, result: Computed) -> None:
        self._end_computing()
        self.report, rows, self.adjudication_figures = result
        # What changed before this listing is in it; a refresh under way is out of date.
        self._generation += 1
        self._changed_documents.clear()
        self._everything_changed = False
        if self.refresh_task is not None:
            self.refresh_task.cancel()
            self.refresh_task = None
        self.show_report(rows)

    def show_report(self, rows: list[PlainRow] | None = None) -> None:
        report = self.report
        if report is None:
            return
        self.export_button.setEnabled(True)
        docs = len(report.documents)
        counts = ", ".join(
            f"{k.removeprefix('annotations ')}: {plural(v, 'annotation')}"
            for k, v in report.counts.items()
            if k.startswith("annotations ")
        )
        self.summary.setText(
            f"<b>Agreement by {report.unit}</b> between {', '.join(report.annotators) or '—'} "
            f"on {plural(docs, 'document')}"
            + (f" — label set {report.label_set}" if report.label_set else " — all labels")
            + (f"<br>{counts}" if counts else "")
            + (
                f"<br><small>Intervals: {levels[0]:.0%} confidence, Gwet's variance formulas; "
                "span F1 bootstrapped over documents. Hover a figure for its method.</small>"
                if (levels := [f.interval.level for f in report.overall if f.interval])
                else ""
            )
        )
        # What a token is and how overlapping spans label one, in the reader's words.
        self.summary.setToolTip(
            "\n\n".join(f"{k.capitalize()}: {v}" for k, v in report.definitions.items())
        )
        if report.notes:
            self.notes.setText("ⓘ " + "<br>ⓘ ".join(report.notes))
            self.notes.show()
        else:
            self.notes.hide()
        self.measure_box.blockSignals(True)
        self.measure_box.clear()
        for measure in report.measures():
            self.measure_box.addItem(measure, measure)
        self.measure_box.blockSignals(False)
        self.pair_box.blockSignals(True)
        self.pair_box.clear()
        for pair in report.pairs:
            self.pair_box.addItem(f"{pair.first} × {pair.second}", (pair.first, pair.second))
        self.pair_box.blockSignals(False)
        self.show_matrix()
        self._fill_overall()
        self.show_pair()
        self.compared = list(report.annotators[:2])
        self.show_disagreements(rows)

    def show_matrix(self) -> None:
        report = self.report
        measure = self.measure_box.currentData()
        names = list(report.annotators) if report else []
        if report is None or not measure or not report.pairs:
            self.matrix.set_grid(names, names, [], [], [])
            self.matrix.setVisible(False)
            return
        self.matrix.setVisible(True)
        values = report.matrix(str(measure))
        texts: list[list[str]] = []
        tips: list[list[str]] = []
        for i, a in enumerate(names):
            row_t, row_tip = [], []
            for j, b in enumerate(names):
                if i == j:
                    row_t.append("—")
                    row_tip.append(f"{a} with themselves")
                    continue
                f = report.pair(a, b).figure(str(measure))
                ci = f"\n{f.interval.formatted(2)}" if f.interval is not None else ""
                row_t.append(f"{f.formatted()}{ci}\n{counted(f, short=True)}")
                row_tip.append(figure_tip(f))
            texts.append(row_t)
            tips.append(row_tip)
        diag = [[None if i == j else v for j, v in enumerate(row)] for i, row in enumerate(values)]
        self.matrix.set_grid(names, names, diag, texts, tips, column_title=str(measure))

    def _fill_overall(self) -> None:
        report = self.report
        rows = list(report.overall) if report else []
        self._fill_figures(self.overall, rows, with_label=False)

    def _fill_figures(
        self, table: QTableWidget, figures: list[Figure], *, with_label: bool
    ) -> None:
        table.setRowCount(len(figures))
        for r, f in enumerate(figures):
            cells = ([f.label or ""] if with_label else []) + [
                f.measure,
                f.formatted(),
                interval_text(f),
                counted(f) + "".join(f"; {k} {v}" for k, v in f.counts.items()),
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(figure_tip(f))
                if c == len(cells) - 3 and f.value is not None:
                    item.setBackground(self.matrix_colour(f.value))
                table.setItem(r, c, item)
        table.resizeRowsToContents()
        height = table.horizontalHeader().height() + sum(
            table.rowHeight(r) for r in range(table.rowCount())
        )
        table.setFixedHeight(height + 4)

    def matrix_colour(self, value: float) -> QColor:
        probe = Heatmap(self)
        probe.values = [[value]]
        colour = probe.colour(0, 0)
        probe.deleteLater()
        return colour

    def current_pair(self) -> PairFigures | None:
        report = self.report
        data = self.pair_box.currentData()
        if report is None or not data:
            return None
        return report.pair(*data)

    def show_pair(self) -> None:
        pair = self.current_pair()
        self._fill_figures(self.per_label, list(pair.per_label) if pair else [], with_label=True)
        unit = self.report.unit if self.report else ""
        matrix = pair.confusion if pair else None
        if pair is None or matrix is None or not matrix.labels:
            self.confusion_caption.setText(
                "No label confusion matrix for this choice." if pair else ""
            )
            self.confusion.set_grid([], [], [], [], [])
            self.confusion.setVisible(False)
            return
        self.confusion.setVisible(True)
        labels = [str(x) for x in matrix.labels]
        self.confusion_caption.setText(
            f"<b>Label confusion</b> in {unit}s ({matrix.n_items} in all): rows "
            f"{pair.first}, columns {pair.second}. Green: the same label; red: a disagreement."
        )
        values: list[list[float | None]] = [[float(c) for c in row] for row in matrix.counts]
        texts = [[f"{c}" for c in row] for row in matrix.counts]
        tips = [
            [
                f"{c} {unit}{'s' * (c != 1)}: {pair.first} said {labels[i]}, "
                f"{pair.second} said {labels[j]}"
                for j, c in enumerate(row)
            ]
            for i, row in enumerate(matrix.counts)
        ]
        self.confusion.set_grid(
            labels, labels, values, texts, tips, mode="counts",
            row_title=pair.first, column_title=f"{pair.second} →",
        )  # fmt: skip

    # -- disagreements ------------------------------------------------------------------------

    @property
    def views(self) -> Rows:
        """The disagreements listed, in the table's order."""
        return Rows(self.rows_model)

    def show_disagreements(self, rows: list[PlainRow] | None = None) -> None:
        """List ``rows`` (None: the ones listed) under the report's annotators."""
        names = list(self.report.annotators) if self.report else []
        documents = [d.id for d in self.report.documents] if self.report else []
        quiet, self._quiet = self._quiet, True
        self.rows_model.set_rows(self.rows_model.rows if rows is None else rows, names, documents)
        self._quiet = quiet
        header = self.disagreements.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column in range(self.rows_model.columnCount()):
            if column != 1:
                self.disagreements.resizeColumnToContents(column)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for key, button in self.choice_buttons.items():
            if key in ("A", "B") and len(names) >= 2:
                who = names[0] if key == "A" else names[1]
                button.setText(f"{key}: {who}")
        self._update_progress()
        self._update_choice_buttons()

    def _update_progress(self) -> None:
        names = self.compared
        if len(names) < 2:
            self.adjudication.setRange(0, 1)
            self.adjudication.setValue(0)
            self.adjudication.setFormat("Adjudication needs two annotators")
            return
        progress = self.adjudication_figures
        if progress is None:
            self.adjudication.setFormat("Counting decisions…")
            return
        self.adjudication.setRange(0, max(1, progress.total))
        self.adjudication.setValue(progress.decided)
        self.adjudication.setFormat(str(progress))

    def current_row(self) -> DisagreementRow | None:
        """The disagreement chosen in the list, None when none is."""
        row = self.disagreements.currentRow()
        return self.rows_model.row(row) if 0 <= row < self.rows_model.rowCount() else None

    def _update_choice_buttons(self) -> None:
        on = self.current_row() is not None and len(self.compared) >= 2
        for button in self.choice_buttons.values():
            button.setEnabled(on)
        self.accept_agreed_button.setEnabled(len(self.compared) >= 2)

    def open_row(self, row: int) -> None:
        """Open the passage in the reader with both annotators' layers visible."""
        self._update_choice_buttons()
        if self._quiet or not 0 <= row < self.rows_model.rowCount():
            return
        view = self.rows_model.row(row)
        self.layers.show_layers([name for name, _ in view.said])
        self.shell.open_document(view.document_id)
        reader = self.area.reader
        if self.session.is_open(view.document_id) and self.area.view is reader:
            reader.scroll_to_offset(view.start)
            reader.select_span(view.start, view.end)
        said = " · ".join(f"{name}: {what}" for name, what in view.said)
        self.shell.show_status(f"“{view.quote}” — {said}", 10000)

    def decide(self, choice: str, edited: list[tuple[int, int, str]] | None = None) -> bool:
        """Write the gold decision for the chosen disagreement (an undoable step), show it in
        its row and go on to the next undecided one. Reads only that passage's document."""
        index = self.disagreements.currentRow()
        row = self.current_row()
        if row is None or self.report is None or len(self.compared) < 2:
            return False
        if choice == "edit" and edited is None:
            label, ok = QInputDialog.getText(
                self, "Edit the gold reading",
                f"Label for “{row.quote}” in the gold layer (empty: no label):",
            )  # fmt: skip
            if not ok:
                return False
            edited = [(row.start, row.end, label.strip())] if label.strip() else []
        from annotator.comparing.disagreements import disagreement_at

        try:
            view = disagreement_at(
                self.project, list(self.report.annotators), row.document_id, row.start, row.end,
                label_set=self.report.label_set,
            )  # fmt: skip
            if view is None:
                self._mark_changed(row.document_id)
                self.shell.show_status(
                    f"The annotators no longer disagree on “{row.quote}”: the list is updated",
                    6000,
                )
                return False
            command = Adjudicate(self.project, view, choice, self.compared[0], self.compared[1],
                                 edited)  # fmt: skip
            command.execute()
        except AnnotatorError as error:
            self.summary.setText(f"Could not adjudicate: {error}")
            return False
        self.shell.undo.push(command)
        self._set_decision(index, command.decision.choice if command.decision else choice)
        self.select_next_undecided(index)
        return True

    def select_next_undecided(self, after: int) -> None:
        """Choose the first undecided disagreement after row ``after`` (from the top again
        when there is none below); the next row when every one is decided."""
        rows = self.rows_model.rows
        count = len(rows)
        if not count:
            return
        order = chain(range(after + 1, count), range(0, after + 1))
        target = next((i for i in order if rows[i][_DECISION] is None), min(after + 1, count - 1))
        self.disagreements.setCurrentCell(target, 0)

    def _set_decision(self, row: int, decision: str | None) -> None:
        """Show a row's decision and count it in the adjudication bar."""
        if not 0 <= row < self.rows_model.rowCount():
            return
        before = self.rows_model.rows[row][_DECISION]
        self.rows_model.set_decision(row, decision)
        self._count_decisions(int(decision is not None) - int(before is not None), 0)

    def _count_decisions(self, decided: int, total: int) -> None:
        figures = self.adjudication_figures
        if figures is not None and (decided or total):
            self.adjudication_figures = dataclasses.replace(
                figures, decided=figures.decided + decided, total=figures.total + total
            )
            self._update_progress()

    def accept_agreed(self) -> int:
        """Copy the agreed passages into gold (undoable); returns how many were written."""
        if len(self.compared) < 2:
            return 0
        command = AcceptAgreed(self.project, list(self.compared), self.chosen_documents() or None)
        try:
            command.execute()
        except AnnotatorError as error:
            self.summary.setText(f"Could not accept the agreed passages: {error}")
            return 0
        written = len(command.decision.written) if command.decision is not None else 0
        if written:
            self.shell.undo.push(command)
        self.shell.show_status(
            f"{written} agreed passages copied to the gold layer — Ctrl+Z to undo"
            if written
            else "Every agreed passage is already in the gold layer",
            6000,
        )
        return written

    # -- keeping the list up to date ----------------------------------------------------------

    def _annotations_reset(self, document_id: object) -> None:
        if document_id is None:
            self._mark_changed(None)
        else:
            self._mark_changed(str(document_id))

    def _annotation_changed(self, annotation: Annotation, *_new: Annotation) -> None:
        self._mark_changed(annotation.document_id)

    def _mark_changed(self, document_id: str | None) -> None:
        """A document's annotations (None: any document's) changed: its disagreements and
        decisions are read again soon; a listing already under way is now out of date."""
        if self.report is None:
            return
        if document_id is None:
            self._everything_changed = True
        elif document_id in self.rows_model.order:
            self._changed_documents.add(document_id)
        else:
            return
        self._generation += 1
        self._refresh_decisions_later()

    def _refresh_decisions_later(self) -> None:
        if self.isVisible() and self.report is not None:
            self._decisions_timer.start()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._refresh_decisions_later()  # what changed while the dialog was closed

    def refresh_decisions(self) -> BackgroundTask[Any] | None:
        """Bring the list up to date with the documents that changed (a decision, an undo, an
        edit in the reader): their rows' decisions at once (a few indexed reads), then their
        disagreements listed again on a worker and put in place of their rows. When every
        document may have changed (agreed passages accepted), the whole list is made again
        in processes of its own. A result that a later change made stale is dropped."""
        if self.report is None or not (self._changed_documents or self._everything_changed):
            return None
        names = list(self.report.annotators)
        label_set = self.report.label_set
        path = self.project.path
        if path is None:
            return None
        everything = self._everything_changed
        documents = sorted(self._changed_documents, key=lambda d: self.rows_model.order[d])
        if documents:
            from annotator.comparing.disagreements import current_choice

            for document_id in documents:
                for row in self.rows_model.document_rows(document_id):
                    key = self.rows_model.row(row).key
                    self._set_decision(row, current_choice(self.project, key))
        if self.refresh_task is not None:
            self.refresh_task.cancel()
        generation = self._generation
        listed = [d.id for d in self.report.documents]
        compared = self.compared

        def work(task: TaskContext) -> Any:
            if everything:
                from annotator.comparing.report_process import Request, compute_in_processes

                request = Request(str(path), tuple(names), tuple(listed), "span", label_set, 0.95)
                return compute_in_processes(request, report=False, cancelled=task.cancelled)[1]
            from annotator.comparing.disagreements import DisagreementRow, list_disagreements
            from annotator.project import Project

            found: dict[str, list[PlainRow]] = {}
            with Project(path) as own:  # the worker's own connection
                for document_id in documents:
                    task.raise_if_cancelled()
                    views = list_disagreements(own, names, [document_id], label_set=label_set)
                    found[document_id] = [DisagreementRow.of(v).plain() for v in views]
            return found

        def listed_again(result: Any) -> None:
            if task is not self.refresh_task:
                return
            self.refresh_task = None
            if generation != self._generation or compared != self.compared:
                return  # a later change: its own refresh is on its way
            self._changed_documents.clear()
            self._everything_changed = False
            self._put_rows(result)

        def failed(error: Failure) -> None:
            if task is self.refresh_task:
                self.refresh_task = None
                self.summary.setText(
                    f"Could not list the disagreements again: {describe_failure(error)}"
                )

        task: BackgroundTask[Any] = BackgroundTask(
            work, parent=self, what="listing disagreements again",
            on_success=listed_again, on_failure=failed,
        )  # fmt: skip
        self.refresh_task = task
        return task.start()

    def _put_rows(self, result: Listed | dict[str, list[PlainRow]]) -> None:
        """Show disagreements listed again, the reader's place (the chosen passage, or the
        row where it was) kept, without opening it again."""
        current = self.current_row()
        at = self.disagreements.currentRow()
        self._quiet = True
        try:
            if not isinstance(result, dict):  # a Listed: the whole list
                self.adjudication_figures = result.progress
                self.show_disagreements(result.rows)
            else:
                for document_id, rows in result.items():
                    old = self.rows_model.document_rows(document_id)
                    self._count_decisions(
                        sum(r[_DECISION] is not None for r in rows)
                        - sum(self.rows_model.rows[i][_DECISION] is not None for i in old),
                        len(rows) - len(old),
                    )
                    self.rows_model.replace_document(document_id, rows)
            if current is not None:
                place = self.rows_model.document_rows(current.document_id)
                found = next(
                    (i for i in place if self.rows_model.rows[i][:3] == current[:3]),
                    min(at, self.rows_model.rowCount() - 1),
                )
                if found != self.disagreements.currentRow() and found >= 0:
                    self.disagreements.setCurrentCell(found, 0)
        finally:
            self._quiet = False
        self._update_choice_buttons()

    # -- export -------------------------------------------------------------------------------

    def export_text(self, fmt: str) -> str:
        from annotator.comparing.report import report_json

        assert self.report is not None
        if fmt == "json":
            return report_json(self.report)
        if fmt == "csv":
            return self.report.to_csv()
        return self.report.to_table()

    def export(self, fmt: str) -> None:
        if self.report is None:
            return
        suffix = {"table": "txt", "json": "json", "csv": "csv"}[fmt]
        path, _ = QFileDialog.getSaveFileName(
            self, "Export agreement", f"agreement-{self.report.unit}.{suffix}",
            f"{fmt.upper()} (*.{suffix})",
        )  # fmt: skip
        if not path:
            return
        try:
            Path(path).write_text(self.export_text(fmt), encoding="utf-8")
        except OSError as error:
            self.summary.setText(f"Could not write {path}: {error.strerror or error}")
            return
        self.shell.show_status(f"Agreement exported to {path}", 5000)

    def closeEvent(self, event: Any) -> None:
        if self.task is not None:
            self.task.cancel()
        for task in (self.refresh_task, self.choices_task):
            if task is not None:
                task.cancel()
        self.refresh_task = self.choices_task = None
        super().closeEvent(event)
