"""Model suggestions in the window: run, see, review, label every occurrence (issue 5).

:class:`SuggestionsController` adds a *Suggest* menu and toolbar button, a *Suggestions*
dock, a progress bar with Cancel in the status bar, and the reader overlay that draws
pending suggestions dashed and muted. Everything it changes goes through the service
(:mod:`annotator.suggesting`) and the window's undo stack; the model runs in a separate
process (:mod:`annotator.suggest_process`) that opens the project file itself, so loading
and running spaCy never makes the window wait; a run over a corpus is shared with a second
such process (both cores), and Cancel or quitting stops both.

Suggestion mode (Suggest → Review Suggestions, on by itself after a run): N / P go to the
next / previous suggestion, Enter accepts it, Backspace rejects it. Outside it the keys do
what they always do (next annotation, delete).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import AnnotatorError
from annotator.core.model import Annotation, AnnotationKind, LabelSet, LabelSetKind
from annotator.suggest_process import SuggestionProcess
from annotator.suggesting.changes import AnnotationChanges
from annotator.suggesting.labelling import label_every_occurrence
from annotator.suggesting.review import (
    accept,
    accept_all,
    next_suggestion,
    pending_suggestions,
    reject,
    reject_all,
)
from annotator.suggesting.running import (
    DocumentOutcome,
    SuggestionKind,
    SuggestionRunReport,
    announce_suggestions,
    driving_words,
)
from annotator.suggesting.snapping import snap_selection
from annotator.ui.commands import ChangeAnnotations, ReplaceValue
from annotator.ui.models import AnnotationRowsModel, plural
from annotator.ui.reading_area import ReadingArea
from annotator.ui.session import ReadingSession
from annotator.ui.shell import Shell, make_action
from annotator.ui.span_index import NOT_PAINTED, SpanIndex

if TYPE_CHECKING:
    from annotator.nlp.settings import SentimentConfig
    from annotator.project import Project
    from annotator.ui.pdf_view import PdfView
    from annotator.ui.preferences import Preferences
    from annotator.ui.reader import ReaderView
    from annotator.ui.sentiment_settings import SentimentSettingsDialog

Index = QModelIndex | QPersistentModelIndex

MODEL_KEY = "suggest/model"
SNAP_KEY = "annotate/snap_to_words"
IDLE_PROCESS_MS = 15 * 60 * 1000
#: How long after the last document opened snapping's tokenizer starts loading (once).
SNAPPING_LOAD_DELAY_MS = 1500
SUGGESTION_TINT = "#8a8a8a"  # for labels without a colour in any label set
KIND_NAMES = {"entities": "entity", "sentiment": "sentiment"}


def chosen_model(prefs: Preferences) -> str:
    """The pipeline the reader chose in the suggestion settings ("" = the default)."""
    return prefs.suggestion_model()


def describe_model(name: str) -> str:
    from annotator.nlp.models import default_model_name
    from annotator.training.saved import PROJECT_MODEL

    if name == PROJECT_MODEL:
        return "this project's model"
    return name or f"{default_model_name()} (default)"


#: The orders the Suggestions panel and review mode go through suggestions in.
ORDER_KEY = "suggest/order"
BY_POSITION, LEAST_CERTAIN = "position", "uncertain"


def _is_sentiment(a: Annotation) -> bool:
    return a.kind == AnnotationKind.SENTIMENT or a.source.startswith("asent@")


def score_text(a: Annotation, digits: int = 2) -> str:
    """A sentiment score with its sign (−1 to +1); a model's confidence (0 to 1) without."""
    if a.score is None:
        return ""
    return f"{a.score:+.{digits}f}" if _is_sentiment(a) else f"{a.score:.{digits}f}"


def score_name(a: Annotation) -> str:
    return "score" if _is_sentiment(a) else "confidence"


def least_certain_first(suggestions: list[Annotation]) -> list[Annotation]:
    """Lowest confidence first (uncertainty sampling, as Prodigy's ``ner.teach``); sentiment
    scores count by their distance from neutral; suggestions without a score go last, in
    reading order."""
    return sorted(
        suggestions,
        key=lambda a: (a.score is None, abs(a.score) if a.score is not None else 0.0, a.start),
    )


# ---------------------------------------------------------------------------------------------
# The list of pending suggestions
# ---------------------------------------------------------------------------------------------


class SuggestionTableModel(AnnotationRowsModel):
    """The current document's pending suggestions, in reading order."""

    COLUMNS = ("Passage", "Label", "Score", "Model")
    PASSAGE, LABEL, SCORE, SOURCE = range(4)

    def reload(self, suggestions: list[Annotation]) -> None:
        self.beginResetModel()
        self._rows = list(suggestions)
        self.endResetModel()

    def rows(self) -> list[Annotation]:
        return list(self._rows)

    def row_of(self, annotation_id: str | None) -> int:
        return next((i for i, a in enumerate(self._rows) if a.id == annotation_id), -1)

    def at(self, row: int) -> Annotation | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        a = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.PASSAGE:
                if a.kind == AnnotationKind.DOC_LABEL:
                    return "(whole document)"
                quote = " ".join(a.quote.split())
                return quote if len(quote) <= 70 else quote[:67] + "…"
            if column == self.LABEL:
                return a.label or ""
            if column == self.SCORE:
                return score_text(a)
            if column == self.SOURCE:
                return a.source
        if role == Qt.ItemDataRole.ToolTipRole:
            detail = f"{a.label or ''} suggested by {a.source}"
            if a.score is not None:
                detail += f", {score_name(a)} {score_text(a, 3)}"
            if a.note:
                detail += f"\n{a.note}"
            return f"“{a.quote}”\n{detail}\nEnter accepts, Backspace rejects"
        if role == Qt.ItemDataRole.UserRole:
            return a.id
        return None


class SuggestionsPanel(QWidget):
    """The Suggestions dock: pending suggestions with accept / reject buttons."""

    def __init__(self, controller: SuggestionsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = SuggestionTableModel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)

        self.summary = QLabel(self)
        self.summary.setObjectName("suggestionSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        row = QHBoxLayout()
        row.setSpacing(4)
        self.accept_button = QPushButton("Accept", self)
        self.accept_button.setToolTip("Accept the chosen suggestion (Enter)")
        self.reject_button = QPushButton("Reject", self)
        self.reject_button.setToolTip(
            "Reject the chosen suggestion (Backspace); a re-run will not bring it back"
        )
        self.label_box = QComboBox(self)
        self.label_box.setAccessibleName("Suggestion label")
        self.label_box.setToolTip("Which suggestions the buttons on the right act on")
        self.accept_label = QPushButton("Accept All", self)
        self.reject_label = QPushButton("Reject All", self)
        for w in (self.accept_button, self.reject_button):
            row.addWidget(w)
        row.addStretch(1)
        layout.addLayout(row)
        bulk = QHBoxLayout()
        bulk.setSpacing(4)
        bulk.addWidget(self.label_box, 1)
        bulk.addWidget(self.accept_label)
        bulk.addWidget(self.reject_label)
        layout.addLayout(bulk)
        order = QHBoxLayout()
        order.setSpacing(4)
        order.addWidget(QLabel("Order:", self))
        self.order_box = QComboBox(self)
        self.order_box.setAccessibleName("Suggestion order")
        self.order_box.addItem("By position in the text", BY_POSITION)
        self.order_box.addItem("Least certain first", LEAST_CERTAIN)
        self.order_box.setToolTip(
            "Least certain first: review what the model is least sure of (its confidence, "
            "lowest first) — where each decision teaches a retrained model the most"
        )
        self.order_box.setCurrentIndex(max(0, self.order_box.findData(controller.order)))
        order.addWidget(self.order_box, 1)
        layout.addLayout(order)

        self.table = QTableView(self)
        self.table.setObjectName("suggestionTable")
        self.table.setAccessibleName("Pending suggestions")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(SuggestionTableModel.PASSAGE, QHeaderView.ResizeMode.Stretch)
        for column in (
            SuggestionTableModel.LABEL,
            SuggestionTableModel.SCORE,
            SuggestionTableModel.SOURCE,
        ):
            # Sized from the distinct labels and scores (_fit_columns), not ResizeToContents:
            # that asks every row of a long document (1,600 suggestions: ~0.3 s) whenever the
            # table shows, scrolls or reloads.
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnHidden(SuggestionTableModel.SOURCE, True)  # in the tooltip
        layout.addWidget(self.table, 1)

        self.accept_button.clicked.connect(controller.accept_current)
        self.reject_button.clicked.connect(controller.reject_current)
        self.accept_label.clicked.connect(lambda: controller.review_all(True, self.chosen_label()))
        self.reject_label.clicked.connect(lambda: controller.review_all(False, self.chosen_label()))
        self.label_box.currentIndexChanged.connect(lambda _i: self._update_buttons())
        self.order_box.currentIndexChanged.connect(lambda _i: controller.set_order(
            str(self.order_box.currentData())))  # fmt: skip
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.clicked.connect(lambda index: self._row_changed(index, QModelIndex()))
        self._update_buttons()

    def chosen_label(self) -> str | None:
        data = self.label_box.currentData()
        return str(data) if data else None

    def show_suggestions(
        self, suggestions: list[Annotation], current: str | None, document: str | None
    ) -> None:
        chosen = self.chosen_label()
        if self.controller.order == LEAST_CERTAIN:
            suggestions = least_certain_first(suggestions)
        self.model.reload(suggestions)
        self._fit_columns(suggestions)
        counts: dict[str, int] = {}
        for a in suggestions:
            counts[a.label or ""] = counts.get(a.label or "", 0) + 1
        self.label_box.blockSignals(True)
        self.label_box.clear()
        self.label_box.addItem(f"every label ({len(suggestions)})", "")
        for label in sorted(counts):
            self.label_box.addItem(f"{label or '(no label)'} ({counts[label]})", label)
        found = self.label_box.findData(chosen) if chosen else 0
        self.label_box.setCurrentIndex(max(found, 0))
        self.label_box.blockSignals(False)
        if document is None:
            self.summary.setText("Open a document to see its suggestions.")
        elif not suggestions:
            self.summary.setText(
                "No pending suggestions in this document. "
                "Suggest → Suggest Entities (Ctrl+Shift+E) runs the model."
            )
        else:
            mode = (
                "N / P: next / previous · Enter: accept · Backspace: reject"
                if self.controller.mode
                else "Suggest → Review Suggestions (R) for keys"
            )
            self.summary.setText(
                f"<b>{plural(len(suggestions), 'suggestion')}</b> waiting in this document — {mode}"
            )
        self.select(current)
        self._update_buttons()

    def _fit_columns(self, suggestions: list[Annotation]) -> None:
        """Label and score columns as wide as their widest text (what ResizeToContents gives),
        measured once per distinct text."""
        model = SuggestionTableModel
        texts: dict[int, set[str]] = {model.LABEL: set(), model.SCORE: set(), model.SOURCE: set()}
        for a in suggestions:
            texts[model.LABEL].add(a.label or "")
            texts[model.SCORE].add(score_text(a))
            texts[model.SOURCE].add(a.source)
        metrics = self.table.fontMetrics()
        margin = 2 * (self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
        header = self.table.horizontalHeader()
        for column, values in texts.items():
            widest = max((metrics.horizontalAdvance(t) for t in values), default=0)
            header.resizeSection(column, max(header.sectionSizeHint(column), widest + margin))

    def select(self, annotation_id: str | None) -> None:
        row = self.model.row_of(annotation_id)
        selection = self.table.selectionModel()
        if row < 0:
            selection.clearSelection()
            return
        index = self.model.index(row, 0)
        selection.blockSignals(True)
        self.table.setCurrentIndex(index)
        selection.blockSignals(False)
        self.table.scrollTo(index)
        self._update_buttons()

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        a = self.model.at(current.row()) if current.isValid() else None
        if a is not None:
            self.controller.go_to(a.id, from_list=True)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_current = self.model.at(self.table.currentIndex().row()) is not None
        self.accept_button.setEnabled(has_current)
        self.reject_button.setEnabled(has_current)
        any_rows = self.model.rowCount() > 0
        label = self.chosen_label()
        self.accept_label.setText(f"Accept All {label}" if label else "Accept All")
        self.reject_label.setText(f"Reject All {label}" if label else "Reject All")
        self.accept_label.setEnabled(any_rows)
        self.reject_label.setEnabled(any_rows)


# ---------------------------------------------------------------------------------------------
# Dialogs
# ---------------------------------------------------------------------------------------------


class ModelDialog(QDialog):
    """Which spaCy pipeline suggests: an installed package or a model folder."""

    def __init__(
        self, current: str, parent: QWidget | None = None, project_path: Path | None = None
    ) -> None:
        super().__init__(parent)
        from annotator.nlp.models import INSTALL_HINT, available_pipelines, default_model_name
        from annotator.training.saved import PROJECT_MODEL, trained_models

        self.setWindowTitle("Suggestion Model")
        layout = QVBoxLayout(self)
        installed = available_pipelines()
        intro = QLabel(
            "The spaCy pipeline that suggests entities and sentence sentiment. Choose an "
            "installed pipeline package, or a model folder (for example one you trained on "
            "data exported from Annotator).",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.box = QComboBox(self)
        self.box.setAccessibleName("Model")
        self.box.addItem(f"Default — {default_model_name()}", "")
        # The project's own models first: "project" is always its latest.
        for number, trained in enumerate(trained_models(project_path) if project_path else []):
            when = trained.trained.replace("T", " ")[:16]
            value = PROJECT_MODEL if number == 0 else str(trained.path)
            self.box.addItem(f"{trained.describe()} — {when}", value)
        for name in installed:
            self.box.addItem(name, name)
        if current == PROJECT_MODEL and self.box.findData(current) < 0:
            self.box.addItem("This project's model (none trained yet)", current)
        elif current and self.box.findData(current) < 0:
            self.box.addItem(current, current)
        self.box.setCurrentIndex(max(0, self.box.findData(current)))
        row = QHBoxLayout()
        row.addWidget(self.box, 1)
        browse = QPushButton("Model Folder…", self)
        browse.clicked.connect(self._browse)
        row.addWidget(browse)
        form.addRow("Model:", row)
        layout.addLayout(form)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if not installed:
            self.hint.setText(
                "No spaCy pipeline is installed, so suggestions cannot run (the rest of "
                f"Annotator works as usual). Install the small English one with:\n\n"
                f"    {INSTALL_HINT}\n\nthen restart Annotator, or choose a model folder."
            )
        else:
            self.hint.setText(f"Installed: {', '.join(installed)}.")
        layout.addWidget(self.hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(480, self.sizeHint().height())

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a spaCy model folder")
        if not folder:
            return
        if not (Path(folder) / "config.cfg").is_file():
            self.hint.setText(
                f"“{folder}” has no config.cfg, so it is not a spaCy model "
                "folder: choose the folder spaCy saved (it holds config.cfg "
                "and meta.json)."
            )
            return
        if self.box.findData(folder) < 0:
            self.box.addItem(folder, folder)
        self.box.setCurrentIndex(self.box.findData(folder))

    def model_name(self) -> str:
        return str(self.box.currentData() or "")


class OccurrenceDialog(QDialog):
    """Label every occurrence of a phrase: the count first, then one undoable step."""

    def __init__(
        self,
        project: Project,
        phrase: str,
        labels: list[str],
        label: str,
        document_id: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.project = project
        self.document_id = document_id
        self.setWindowTitle("Label Every Occurrence")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.phrase = QLineEdit(phrase, self)
        self.phrase.setAccessibleName("Phrase")
        form.addRow("Phrase:", self.phrase)
        self.label = QComboBox(self)
        self.label.setEditable(True)
        self.label.setAccessibleName("Label")
        self.label.addItems(labels)
        self.label.setCurrentText(label or (labels[0] if labels else ""))
        form.addRow("Label:", self.label)
        self.case = QCheckBox("Match case", self)
        self.whole = QCheckBox("Whole words only", self)
        self.whole.setChecked(True)
        options = QHBoxLayout()
        options.addWidget(self.case)
        options.addWidget(self.whole)
        options.addStretch(1)
        form.addRow("Match:", options)
        self.in_document = QRadioButton("This document", self)
        self.in_project = QRadioButton("Every document in the project", self)
        self.in_document.setEnabled(document_id is not None)
        (self.in_document if document_id is not None else self.in_project).setChecked(True)
        scope = QButtonGroup(self)
        scope.addButton(self.in_document)
        scope.addButton(self.in_project)
        where = QVBoxLayout()
        where.addWidget(self.in_document)
        where.addWidget(self.in_project)
        form.addRow("Where:", where)
        layout.addLayout(form)
        self.count = QLabel(self)
        self.count.setObjectName("occurrenceCount")
        self.count.setWordWrap(True)
        font = self.count.font()
        font.setBold(True)
        self.count.setFont(font)
        layout.addWidget(self.count)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.apply_button = self.buttons.addButton("Label", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.to_label = 0
        self._timer = QTimer(self, singleShot=True, interval=120)
        self._timer.timeout.connect(self.recount)
        for signal in (self.phrase.textChanged, self.label.currentTextChanged):
            signal.connect(lambda _t: self._timer.start())
        for button in (self.case, self.whole, self.in_document, self.in_project):
            button.toggled.connect(lambda _on: self._timer.start())
        self.recount()
        self.resize(440, self.sizeHint().height())

    def done(self, result: int) -> None:
        self._timer.stop()
        super().done(result)

    def hideEvent(self, event: Any) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def options(self) -> dict[str, Any]:
        return {
            "phrase": self.phrase.text(),
            "label": self.label.currentText().strip(),
            "scope": self.document_id if self.in_document.isChecked() else None,
            "case_sensitive": self.case.isChecked(),
            "whole_word": self.whole.isChecked(),
        }

    def recount(self) -> None:
        """The dry run: how many occurrences there are and how many will get the label."""
        o = self.options()
        self.to_label = 0
        if not o["phrase"].strip() or not o["label"]:
            self.count.setText("Type a phrase and choose a label.")
            self.apply_button.setEnabled(False)
            return
        try:
            found = label_every_occurrence(self.project, dry_run=True, **o)
        except AnnotatorError as error:
            self.count.setText(str(error))
            self.apply_button.setEnabled(False)
            return
        self.to_label = found.to_label
        where = "in this document" if o["scope"] else f"in {plural(found.documents, 'document')}"
        text = f"{plural(found.count, 'occurrence')} of “{o['phrase']}” {where}"
        if found.already_labelled:
            text += f"; {found.already_labelled} already labelled {o['label']}"
        text += f". {found.to_label} will be labelled {o['label']}." if found.count else "."
        self.count.setText(text)
        self.apply_button.setText(
            f"Label {plural(found.to_label, 'Occurrence')}" if found.to_label else "Label"
        )
        self.apply_button.setEnabled(found.to_label > 0)


# ---------------------------------------------------------------------------------------------
# The controller
# ---------------------------------------------------------------------------------------------


class SuggestionRun:
    """The window's handle on a run in the suggestion process."""

    def __init__(self, process: SuggestionProcess, run: int) -> None:
        self.process, self.run = process, run

    def cancel(self) -> None:
        if self.process.running == self.run:
            self.process.cancel()


def _load_tokenizer(text: str) -> None:
    """Load snapping's tokenizer while handing the interpreter back to the window often.

    Each Python call the window makes (a paint, a model's data) waits for the interpreter
    while this thread holds it, up to the switch interval each time (1 ms, set at start-up):
    a repaint of hundreds of such calls took 150-250 ms while spaCy loaded. A tenth of that
    interval, only for the second or so of the load, keeps such a repaint near its usual time.
    """
    from annotator.nlp.tokens import prepare_tokens

    usual = sys.getswitchinterval()
    sys.setswitchinterval(min(usual, 0.0001))
    try:
        prepare_tokens(text)
    finally:
        sys.setswitchinterval(usual)


class SuggestionsController(QObject):
    """Everything about suggestions in one window (menu, dock, overlay, keys, runs)."""

    #: Pending suggestions were added or decided outside the project's annotation events:
    #: the Documents panel's counts are out of date.
    counts_changed = Signal()

    def __init__(
        self, project: Project, session: ReadingSession, area: ReadingArea, shell: Shell
    ) -> None:
        super().__init__(area)
        self.project, self.session, self.area, self.shell = project, session, area, shell
        #: The documents chosen (Ctrl+click) in the Documents panel, for "Suggest".
        self.chosen_documents: Callable[[], list[str]] = list
        #: The label set whose first label "label every occurrence" offers.
        self.current_label_set: Callable[[], LabelSet | None] = lambda: None
        self.mode = False
        self.current_id: str | None = None
        self.suggestions = SpanIndex()
        self._document_id: str | None = None
        self.task: SuggestionRun | None = None
        self._snapping_prepared = False  # the tokenizer's load started (once a session)
        self.last_report: SuggestionRunReport | None = None
        self._saved_keys: dict[QAction, list[QKeySequence]] = {}
        self.order = shell.prefs.text(ORDER_KEY, BY_POSITION)
        from annotator.ui.training import TrainingController

        self.training = TrainingController(
            project, session, shell, refresh=self._refresh_after_training, parent=self
        )
        self._build_actions()
        self._build_dock()
        self._build_menu()
        self._build_status()
        for view in area.views():
            view.overlays.append(functools.partial(self.paint, view=view))
            view.click_handlers.append(functools.partial(self.clicked, view=view))
        project.events.annotations_reset.connect(self._on_reset)
        project.events.current_annotator_changed.connect(lambda _a: self.reload())
        session.document_opened.connect(lambda _document: self.reload())
        shell.dialog_parent().installEventFilter(self)
        self._reload_timer = QTimer(self, singleShot=True, interval=0)
        self._reload_timer.timeout.connect(self.reload)
        # Snapping's tokenizer loads once the reader has settled on a document: loading spaCy
        # on a thread makes each of the window's Python calls wait for the interpreter, so
        # opening documents while it loads took 150-250 ms instead of 50 on a large project.
        self._snapping_timer = QTimer(self, singleShot=True, interval=SNAPPING_LOAD_DELAY_MS)
        self._snapping_timer.timeout.connect(self.prepare_snapping)
        self.process: SuggestionProcess | None = None
        self._shared_run = False
        self._poll_timer = QTimer(self, interval=40)
        self._poll_timer.timeout.connect(self._poll)
        # A process left idle this long gives its memory (the loaded pipelines) back; the
        # next run starts a new one (about a second more).
        self._idle_timer = QTimer(self, singleShot=True, interval=IDLE_PROCESS_MS)
        self._idle_timer.timeout.connect(self._stop_idle_process)

    # -- building ------------------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: Callable[[], Any],
        shortcut: str | None = None,
        tip: str = "",
        *,
        checkable: bool = False,
    ) -> QAction:
        return make_action(
            self.shell.dialog_parent(),
            text,
            lambda _checked=False: slot(),
            shortcut,
            tip,
            checkable=checkable,
        )

    def _build_actions(self) -> None:
        a = self._action
        self.act_entities = a(
            "Suggest &Entities",
            lambda: self.run("entities"),
            "Ctrl+Shift+E",
            "Let the model suggest named entities in this document (or in the documents "
            "chosen with Ctrl+click in the Documents panel)",
        )
        self.act_sentiment = a(
            "Suggest &Sentiment",
            lambda: self.run("sentiment"),
            "Ctrl+Shift+T",
            "Sentence and document sentiment suggestions",
        )
        self.act_entities_all = a(
            "Suggest Entities in &All Documents…",
            lambda: self.run("entities", everywhere=True),
            None,
            "Run the model over every document of the project",
        )
        self.act_sentiment_all = a(
            "Suggest Sentiment in All &Documents…", lambda: self.run("sentiment", everywhere=True)
        )
        self.act_cancel = a(
            "&Cancel Suggesting",
            self.cancel,
            None,
            "Stop the model; finished documents keep their suggestions",
        )
        self.act_cancel.setEnabled(False)
        self.act_mode = a(
            "&Review Suggestions",
            lambda: self.set_mode(self.act_mode.isChecked()),
            "R",
            "Keys N / P / Enter / Backspace move through suggestions, accept and reject",
            checkable=True,
        )
        self.act_next = a("&Next Suggestion", lambda: self.step(True))
        self.act_prev = a("&Previous Suggestion", lambda: self.step(False))
        self.act_accept = a("&Accept Suggestion", self.accept_current)
        self.act_reject = a("Re&ject Suggestion", self.reject_current)
        self.act_accept_all = a(
            "Accept All in &Document",
            lambda: self.review_all(True, None),
            None,
            "Accept every pending suggestion of this document",
        )
        self.act_reject_all = a("Reject All in D&ocument", lambda: self.review_all(False, None))
        self.act_model = a(
            "Suggestion &Model…",
            self.choose_model,
            None,
            "Choose the spaCy pipeline (installed package or model folder)",
        )
        self.act_train = a(
            "&Train a Model on This Project…",
            lambda: self.training.open_dialog(),
            None,
            "Learn your own labels from your annotations (spaCy, in the background), see "
            "held-out scores and a learning curve, and keep the model learning as you label",
        )
        self.act_sentiment_settings = a(
            "Sentiment Se&ttings…",
            self.edit_sentiment_settings,
            None,
            "Name the sentiment labels and set where positive, negative and mixed begin",
        )
        self.act_occurrences = a(
            "Label &Every Occurrence…",
            self.label_occurrences,
            "Ctrl+Shift+O",
            "Apply a label to every occurrence of the selected word or phrase",
        )
        self.act_snap = a(
            "S&nap to Words",
            self._snap_toggled,
            None,
            "Selections grow to whole words before they become annotations; off = exact characters",
            checkable=True,
        )
        self.act_snap.setChecked(self.shell.prefs.bool(SNAP_KEY, True))
        self.mode_keys = {
            self.act_next: ["N"],
            self.act_prev: ["P"],
            self.act_accept: ["Return", "Enter"],
            self.act_reject: ["Backspace"],
        }
        for action, keys in self.mode_keys.items():
            shown = " / ".join(keys[:1])
            action.setStatusTip(f"{action.text().replace('&', '')} ({shown} while reviewing)")

    def _build_dock(self) -> None:
        owner = self.shell.dialog_parent()
        self.panel = SuggestionsPanel(self, owner)
        dock = QDockWidget("Suggestions", owner)
        dock.setObjectName("suggestionsDock")
        dock.setWidget(self.panel)
        self.shell.add_dock(dock, Qt.DockWidgetArea.RightDockWidgetArea)
        dock.hide()
        dock.visibilityChanged.connect(self._dock_shown)
        self.dock = dock

    def _dock_shown(self, visible: bool) -> None:
        # Narrow beside the reader and its margin: the text stays the biggest thing.
        if visible:
            QTimer.singleShot(0, self._narrow_dock)

    def _narrow_dock(self) -> None:
        if self.dock.isVisible() and self.dock.width() > 380:
            owner = self.shell.dialog_parent()
            if isinstance(owner, QMainWindow):
                owner.resizeDocks([self.dock], [340], Qt.Orientation.Horizontal)

    def _build_menu(self) -> None:
        """The Suggest menu, the toolbar's Suggest button and the panel's toggle; the window
        puts them in its menu bar and tools (see :meth:`annotate_actions`)."""
        owner = self.shell.dialog_parent()
        menu = QMenu("&Suggest", owner)
        for action in (self.act_entities, self.act_sentiment):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.act_entities_all)
        menu.addAction(self.act_sentiment_all)
        menu.addAction(self.act_cancel)
        menu.addSeparator()
        menu.addAction(self.act_mode)
        for action in (self.act_next, self.act_prev, self.act_accept, self.act_reject):
            menu.addAction(action)
        menu.addAction(self.act_accept_all)
        menu.addAction(self.act_reject_all)
        menu.addSeparator()
        self.panel_toggle = self.dock.toggleViewAction()
        self.panel_toggle.setText("Suggestions &Panel")
        menu.addAction(self.panel_toggle)
        menu.addAction(self.act_model)
        menu.addAction(self.act_train)
        menu.addAction(self.act_sentiment_settings)
        self.menu = menu

        button = QToolButton(owner)
        button.setObjectName("suggestButton")
        button.setText("Suggest ▶")
        button.setToolTip(
            "Run the model on this document (Ctrl+Shift+E); the arrow offers "
            "sentiment, all documents and the model"
        )
        button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        button.setMenu(menu)
        button.clicked.connect(lambda: self.run("entities"))
        self.button = button

    def set_order(self, order: str) -> None:
        """By position, or least certain first: the list and review mode's N / P follow it."""
        self.order = order
        self.shell.prefs.set_text(ORDER_KEY, order)
        self.panel.show_suggestions(self.suggestions_in_order(), self.current_id, self._document_id)

    def suggestions_in_order(self) -> list[Annotation]:
        rows = sorted(self.suggestions.all(), key=lambda a: (a.start, a.end))
        return least_certain_first(rows) if self.order == LEAST_CERTAIN else rows

    def _refresh_after_training(self, document_id: str) -> None:
        """After the project's model is (re)trained: its suggestions for the open document,
        again (decisions stay: see annotator.suggesting.running)."""
        if self.task is None:
            self.start_run("entities", [document_id])

    def annotate_actions(self) -> list[QAction]:
        """What the Annotate menu offers of suggestions' work."""
        return [self.act_occurrences, self.act_snap]

    def _build_status(self) -> None:
        owner = self.shell.dialog_parent()
        status = self.shell.status_bar()
        self.progress = QProgressBar(owner)
        self.progress.setObjectName("suggestProgress")
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(True)
        self.progress.setFormat("Suggesting… %p%")
        self.cancel_button = QToolButton(owner)
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop the model; finished documents keep their suggestions")
        self.cancel_button.clicked.connect(self.cancel)
        self.pending_label = QLabel(owner)
        self.pending_label.setContentsMargins(8, 0, 8, 0)
        self.pending_label.setToolTip("Suggestions waiting for review in this document")
        # Permanent widgets: a status message (showMessage) would hide ordinary ones.
        for widget in (self.pending_label, self.progress, self.cancel_button):
            status.addPermanentWidget(widget)
        self.progress.hide()
        self.cancel_button.hide()
        self.pending_label.hide()

    # -- the current document's suggestions -------------------------------------------------

    def _on_reset(self, document_id: str | None) -> None:
        if document_id is None or document_id == self._document_id:
            self._reload_timer.start()

    def reload(self) -> None:
        document = self.session.document
        new_document = (document.id if document is not None else None) != self._document_id
        self._document_id = document.id if document is not None else None
        if new_document and document is not None:
            self._snapping_timer.start()  # again from the start at each document opened
        items: list[Annotation] = []
        if document is not None:
            try:
                items = pending_suggestions(self.project, document.id)
            except AnnotatorError as error:
                self.shell.show_error(str(error))
        self._show_pending(items)

    def _show_pending(self, items: list[Annotation]) -> None:
        """Show these pending suggestions of the current document (reader, list, counts)."""
        self.suggestions.reset(items)
        if self.current_id not in self.suggestions:
            self.current_id = None
        self.panel.show_suggestions(items, self.current_id, self._document_id)
        n = len(items)
        self.pending_label.setText(f"suggestions {n} pending" if n else "")
        self.pending_label.setVisible(n > 0)
        for action in (self.act_accept_all, self.act_reject_all, self.act_next, self.act_prev):
            action.setEnabled(n > 0)
        self.area.view.refresh()
        self.area.view.viewport().update()

    def pending(self) -> list[Annotation]:
        return self.panel.model.rows()

    # -- drawing ---------------------------------------------------------------------------------

    def _shown(self, view: ReaderView | PdfView) -> Iterator[tuple[Annotation, list[QRectF]]]:
        """The pending suggestions on screen in ``view`` (text reader or PDF pages) with
        their viewport rectangles."""
        if (
            view is not self.area.view
            or not len(self.suggestions)
            or view.doc is None
            or view.doc.id != self._document_id
        ):
            return
        start_cp, end_cp = view.visible_codepoints()
        for s in self.suggestions.overlapping(start_cp, end_cp + 1):
            if s.kind in NOT_PAINTED or s.end <= s.start:
                continue
            rects = view.span_rects(s.start, s.end)
            if rects:
                yield s, rects

    def paint(self, painter: QPainter, *, view: ReaderView | PdfView) -> None:
        """Pending suggestions over the text or the PDF pages: muted fill, dashed outline,
        label tag on the current one. Called by the views' paintEvent."""
        theme = view.theme
        font = QFont(view.font())
        font.setPointSizeF(
            max(7.0, font.pointSizeF() * (0.62 if view is self.area.reader else 0.8))
        )
        font.setBold(True)
        for s, rects in self._shown(view):
            base = QColor(view.label_colors.get(s.label or "", SUGGESTION_TINT))
            current = s.id == self.current_id
            fill = QColor(base)
            fill.setAlpha(70 if current else (34 if not theme.dark else 46))
            line = QColor(theme.accent if current else theme.muted)
            if not current:
                line.setAlpha(200)
            pen = QPen(line, 1.6 if current else 1.0)
            pen.setStyle(Qt.PenStyle.DashLine)
            pen.setDashPattern([3.0, 2.5])
            for rect in rects:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(fill)
                painter.drawRoundedRect(rect.adjusted(-1, 0, 1, 0), 2, 2)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(rect.adjusted(-1, 0, 1, 0), 2, 2)
            if current and s.kind == AnnotationKind.SENTIMENT:
                self._paint_driving_words(painter, view, s)
            if current and rects and s.label:
                self._paint_tag(painter, rects, f"{s.label}?", line, font, painter.window())

    @staticmethod
    def _paint_driving_words(painter: QPainter, view: ReaderView | PdfView, s: Annotation) -> None:
        """Under the current sentiment suggestion, the words that drove its score: green
        when they pushed it up, red when down (with the sign in the status bar for those
        who cannot tell the colours apart)."""
        for start, end, polarity in driving_words(s):
            colour = QColor("#2e7d32" if polarity > 0 else "#c62828")
            painter.setPen(QPen(colour, 2.2))
            for rect in view.span_rects(start, end):
                painter.drawLine(
                    rect.bottomLeft() + QPointF(0, -1), rect.bottomRight() + QPointF(0, -1)
                )

    @staticmethod
    def _paint_tag(
        painter: QPainter,
        rects: list[QRectF],
        text: str,
        colour: QColor,
        font: QFont,
        bounds: QRect,
    ) -> QRectF:
        """The label tag on the suggestion's own line, just after its last word (as displaCy
        sets it), or before its first when the line has no room: above the span it hid the
        words of the line above. Returns where it was drawn."""
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text) + 8
        last, first = rects[-1], rects[0]
        height = min(metrics.height() + 2, max(8.0, last.height()))
        tag = QRectF(last.right() + 3, last.center().y() - height / 2, width, height)
        if tag.right() > bounds.right() and first.left() - width - 3 >= bounds.left():
            tag.moveTo(first.left() - width - 3, first.center().y() - height / 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(tag, 3, 3)
        painter.setPen(QColor("#ffffff") if colour.lightness() < 150 else QColor("#111111"))
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, text)
        return tag

    # -- navigating --------------------------------------------------------------------------

    def clicked(self, pos: QPointF, *, view: ReaderView | PdfView) -> bool:
        """A click on a drawn suggestion makes it the current one (and starts reviewing),
        unless an annotation lies under the pointer too: outside review mode the annotation
        wins, inside it the suggestion does. Clicking again steps through overlapping ones."""
        hits = [
            (s.end - s.start, s.id)
            for s, rects in self._shown(view)
            if any(r.adjusted(-1, -1, 1, 1).contains(pos) for r in rects)
        ]
        if not hits:
            return False
        if not self.mode and view.annotation_at(pos, cycle=False):
            return False
        ids = [ident for _size, ident in sorted(hits)]  # innermost first
        ident = (
            ids[(ids.index(self.current_id) + 1) % len(ids)] if self.current_id in ids else ids[0]
        )
        self.session.select(None, "reader")
        self.go_to(ident, scroll=False)
        if not self.mode:
            self.set_mode(True)  # keeps the clicked one current
        return True

    def go_to(
        self, annotation_id: str | None, *, from_list: bool = False, scroll: bool = True
    ) -> None:
        """Make a suggestion the current one: outline it, scroll to it, choose its row."""
        self.current_id = annotation_id
        a = self.suggestions.get(annotation_id) if annotation_id else None
        view = self.area.view
        if a is not None and a.end > a.start:
            if scroll:
                view.scroll_to_offset(a.start)
            if view is self.area.reader:
                cursor = view.textCursor()
                cursor.setPosition(view.to_qt(a.start))
                view.setTextCursor(cursor)
        if not from_list:
            self.panel.select(annotation_id)
        if a is not None:
            score = "" if a.score is None else f" ({score_name(a)} {score_text(a)})"
            why = f" · {a.note}" if a.note else ""  # sentiment: the words that drove it
            self.shell.show_status(
                f"Suggestion: {a.label} “{a.quote[:60]}”{score}{why} — Enter accepts, "
                "Backspace rejects",
                8000,
            )
        view.viewport().update()

    def step(self, forward: bool) -> None:
        document = self.session.document
        if document is None:
            return
        if not self.mode:
            self.set_mode(True)
        if self.order == LEAST_CERTAIN:
            self._step_in_list(forward)
            return
        view = self.area.view
        current = self._current()
        offset = (
            view.caret_offset() if view is self.area.reader or current is None else current.start
        )
        if current is None and forward:
            offset -= 1  # a suggestion starting at the caret is the next one
        found = next_suggestion(
            self.project,
            document.id,
            offset,
            backwards=not forward,
            current=self.current_id,
            wrap=True,
        )
        if found is None:
            self.shell.show_status("No pending suggestions in this document", 3000)
            return
        self.go_to(found.id)

    def _step_in_list(self, forward: bool) -> None:
        """N / P in the panel's order (least certain first), wrapping around."""
        rows = self.panel.model.rows()
        if not rows:
            self.shell.show_status("No pending suggestions in this document", 3000)
            return
        at = self.panel.model.row_of(self.current_id)
        if at < 0:
            at = -1 if forward else 0
        self.go_to(rows[(at + (1 if forward else -1)) % len(rows)].id)

    def _current(self) -> Annotation | None:
        if self.current_id and self.current_id in self.suggestions:
            return self.suggestions.get(self.current_id)
        return None

    # -- reviewing ---------------------------------------------------------------------------

    def _push(self, action: Callable[[], AnnotationChanges]) -> AnnotationChanges | None:
        """Run a review action once and put it on the window's undo stack (if it did
        anything)."""
        command = ChangeAnnotations(self.project, action)
        try:
            command.execute()
        except AnnotatorError as error:
            self.shell.show_error(str(error))
            return None
        if command.changes:
            self.shell.undo.push(command)
        return command.changes

    def _review_one(self, accepting: bool) -> None:
        a = self._current()
        if a is None:
            row = self.panel.table.currentIndex().row()
            a = self.panel.model.at(row)
        if a is None:
            self.shell.show_status("No suggestion chosen: N goes to the next one", 3000)
            return
        # Where to go afterwards: the suggestion after this one, so review flows on.
        following = next_suggestion(self.project, a.document_id, a.start, current=a.id)
        verb = accept if accepting else reject
        changes = self._push(lambda: verb(self.project, [a.id]))
        if changes is None:
            return
        self.current_id = following.id if following is not None else None
        self.reload()
        if self.current_id:
            self.go_to(self.current_id)
        word = "Accepted" if accepting else "Rejected"
        self.shell.show_status(
            f"{word} {a.label} “{a.quote[:50]}” — Ctrl+Z to undo"
            + ("" if self.current_id else "; no more suggestions here"),
            5000,
        )

    def accept_current(self) -> None:
        self._review_one(True)

    def reject_current(self) -> None:
        self._review_one(False)

    def review_all(self, accepting: bool, label: str | None) -> None:
        document = self.session.document
        if document is None:
            return
        verb = accept_all if accepting else reject_all
        changes = self._push(lambda: verb(self.project, document.id, label))
        if changes:
            self.shell.show_status(f"{changes.description} — Ctrl+Z to undo", 5000)

    # -- suggestion mode ---------------------------------------------------------------------

    def review_key_rows(self) -> list[tuple[str, str, str]]:
        """Help → Keyboard Shortcuts rows for the keys review mode takes over (they have no
        shortcut outside it, so the menus alone would not list them)."""
        if self.mode:
            return []  # the Suggest menu's actions carry them now
        where = "Suggest › Review Suggestions (R)"
        rows = []
        for action, keys in self.mode_keys.items():
            shown = dict.fromkeys("Enter" if k == "Return" else k for k in keys)
            rows.append((" / ".join(shown), action.text().replace("&", ""), where))
        return rows

    def set_mode(self, on: bool) -> None:
        """Suggestion mode gives N, P, Enter and Backspace to the suggestions."""
        if on == self.mode:
            self.act_mode.setChecked(on)
            return
        self.mode = on
        self.act_mode.setChecked(on)
        taken = {QKeySequence(k) for keys in self.mode_keys.values() for k in keys}
        if on:
            self._saved_keys = {}
            for action in self.shell.dialog_parent().actions():
                if action in self.mode_keys:
                    continue
                keys = action.shortcuts()
                if any(k in taken for k in keys):
                    self._saved_keys[action] = keys
                    action.setShortcuts([k for k in keys if k not in taken])
            for action, keys in self.mode_keys.items():
                action.setShortcuts([QKeySequence(k) for k in keys])
            self.dock.show()
            if self.current_id is None and self.pending():
                self.step(True)
        else:
            for action in self.mode_keys:
                action.setShortcuts([])
            for action, keys in self._saved_keys.items():
                action.setShortcuts(keys)
            self._saved_keys = {}
        self.panel.show_suggestions(self.pending(), self.current_id, self._document_id)
        self.shell.show_status(
            "Reviewing suggestions: N / P next / previous, Enter accepts, Backspace rejects, "
            "R to stop"
            if on
            else "Stopped reviewing suggestions",
            5000,
        )

    # -- running the model -------------------------------------------------------------------

    def run(self, kind: SuggestionKind, *, everywhere: bool = False) -> None:
        if self.task is not None:
            self.shell.show_status(
                "The model is already running — Cancel in the status bar stops it", 4000
            )
            return
        if self.project.path is None:
            self.shell.show_error("Save the project to a file before suggesting.", dialog=True)
            return
        if everywhere:
            documents = [s.document.id for s in self.project.documents()]
            if not documents:
                self.shell.show_error("The project has no documents yet: open one (Ctrl+O).")
                return
        else:
            chosen = self.chosen_documents()
            if len(chosen) > 1:  # several chosen in the Documents panel: those
                documents = chosen
            elif self.session.document is None:
                self.shell.show_error("Open a document first (Ctrl+O), then suggest.")
                return
            else:
                documents = [self.session.document.id]
        self.start_run(kind, documents)

    def start_run(self, kind: SuggestionKind, documents: list[str]) -> SuggestionRun | None:
        """Send a run to the suggestion process; its messages arrive through a timer."""
        model = chosen_model(self.shell.prefs) or None
        annotator = self.project.current_annotator.name
        # Saved here first, or the process and this one could both create it at once.
        self.project.annotator_named(annotator, create=True)
        if self.process is None:
            self.process = SuggestionProcess()
        try:
            run = self.process.start(
                str(self.project.path), documents, kind=kind, model=model, annotator=annotator,
                shown_document=self._document_id,
            )  # fmt: skip
        except (OSError, AnnotatorError) as error:
            self.shell.show_error(
                f"Cannot start the suggestion model: {error}. Everything else works as usual.",
                dialog=True,
            )
            return None
        what = "sentiment" if kind == "sentiment" else "entities"
        self.progress.setRange(0, 0)  # busy until the model is loaded
        self.progress.setFormat(f"Suggesting {what}… %p%")
        self.progress.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.act_cancel.setEnabled(True)
        where = f" in {len(documents)} documents" if len(documents) > 1 else ""
        self.shell.show_status(
            f"Loading {describe_model(model or '')} to suggest {what}{where}… you can keep reading"
        )
        self._idle_timer.stop()
        self._shared_run = False  # until the process says it shares the run with a second
        self.task = SuggestionRun(self.process, run)
        self._poll_timer.start()
        return self.task

    def _poll(self) -> None:
        """Hand the suggestion process's messages to the window (GUI thread, on a timer)."""
        if self.process is None or self.task is None:
            self._poll_timer.stop()
            return
        for message in self.process.messages():
            what = message[0]
            if what == "progress":
                self._progress(message[2], message[3])
            elif what == "sharing":
                self._shared_run = True
            elif what == "document":
                self._document_done((message[2], message[3]))
            elif what == "done":
                self._poll_timer.stop()
                self._finished(message[2])
            elif what == "failed":
                self._poll_timer.stop()
                self._failed(message[2])

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.shell.show_status("Cancelling after the current passage…")

    def _progress(self, done: int, total: int) -> None:
        # The first progress: the model is loaded, so "Loading …" is no longer true.
        if self.progress.maximum() == 0 and self.shell.status_message().startswith("Loading "):
            cores = " on both cores" if self._shared_run else ""
            self.shell.show_status(f"Model loaded; suggesting{cores}… you can keep reading", 4000)
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(1000 * done / total) if total else 1000)

    def _document_done(self, note: tuple[DocumentOutcome, list[Annotation] | None]) -> None:
        outcome, items = note
        if items is not None and outcome.document_id == self._document_id:
            # A run adds pending suggestions only: the window's annotations, list and margin
            # are unchanged, so only the suggestions (read by the worker) and the documents'
            # counts are refreshed — no reload of the whole window.
            self._reload_timer.stop()
            self._show_pending(items)
            self.counts_changed.emit()
            return
        announce_suggestions(self.project, [outcome.document_id])

    def _end_run(self) -> None:
        self.task = None
        self.progress.hide()
        self.cancel_button.hide()
        self.act_cancel.setEnabled(False)
        self._idle_timer.start()

    def _stop_idle_process(self) -> None:
        if self.task is None and self.process is not None:
            self.process.close()
            self.process = None

    def _finished(self, report: SuggestionRunReport) -> None:
        self._end_run()
        self.last_report = report
        self.shell.show_status(report.summary(), 10000)
        if self._reload_timer.isActive() or self._document_id not in report.document_ids:
            # Not yet shown (the per-document announcement reloads it otherwise): once only.
            self._reload_timer.stop()
            self.reload()
        if self.pending():
            self.dock.show()
            self.current_id = None
            if not self.mode:
                self.set_mode(True)  # goes to the first suggestion after the caret
            else:
                self.step(True)

    def _failed(self, message: str) -> None:
        self._end_run()
        from annotator.nlp.models import INSTALL_HINT

        if INSTALL_HINT in message or "model" in message.lower():
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "No suggestion model",
                f"{message}\n\nEverything else in Annotator works as usual. "
                f"Install the small English pipeline with\n    {INSTALL_HINT}\n"
                "or choose another model.",
                QMessageBox.StandardButton.Close,
                self.shell.dialog_parent(),
            )
            choose = box.addButton("Choose Model…", QMessageBox.ButtonRole.ActionRole)
            box.open()
            box.finished.connect(
                lambda _r: self.choose_model() if box.clickedButton() is choose else None
            )
            self.error_box = box
            return
        self.shell.show_error(f"Suggesting stopped: {message}", dialog=True)

    def choose_model(self) -> None:
        dialog = ModelDialog(
            chosen_model(self.shell.prefs), self.shell.dialog_parent(), self.project.path
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.shell.prefs.set_text(MODEL_KEY, dialog.model_name())
            self.shell.show_status(
                f"Suggestions will use {describe_model(dialog.model_name())}", 4000
            )

    # -- label every occurrence ----------------------------------------------------------------

    def sentiment_dialog(self) -> SentimentSettingsDialog:
        from annotator.ui.sentiment_settings import SentimentSettingsDialog

        return SentimentSettingsDialog(self.project.sentiment_config(), self.shell.dialog_parent())

    def edit_sentiment_settings(self) -> None:
        dialog = self.sentiment_dialog()
        dialog.accepted.connect(lambda: self.apply_sentiment_settings(dialog.config()))
        dialog.open()
        self.settings_dialog = dialog

    def apply_sentiment_settings(self, config: SentimentConfig) -> None:
        """Save the project's sentiment settings as one undoable step."""
        old = self.project.sentiment_config()
        if config == old:
            return
        command = ReplaceValue(
            self.project, self.project.set_sentiment_config, old, config,
            "Change Sentiment Settings",
        )  # fmt: skip
        if self.shell.undo.run(command):
            self.shell.show_status(
                "Sentiment settings saved: the next sentiment run uses them — Ctrl+Z to undo",
                6000,
            )

    def occurrence_dialog(self) -> OccurrenceDialog | None:
        document = self.session.document
        view = self.area.view
        span = view.selection_span() if document is not None else None
        phrase = view.text[span[0] : span[1]].strip() if span else ""
        if not phrase and not self.project.documents():
            self.shell.show_error("Open a document and select a word or phrase first.")
            return None
        labels: list[str] = []
        for s in self.project.label_sets():
            if s.kind == LabelSetKind.SPAN:
                labels.extend(x.name for x in s.labels if x.name not in labels)
        current = self.current_label_set()
        first = current.labels[0].name if current is not None and current.labels else ""
        return OccurrenceDialog(
            self.project,
            phrase,
            labels,
            first,
            document.id if document is not None else None,
            self.shell.dialog_parent(),
        )

    def label_occurrences(self) -> None:
        dialog = self.occurrence_dialog()
        if dialog is None:
            return
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_occurrences(dialog.options())

    def apply_occurrences(self, options: dict[str, Any]) -> AnnotationChanges | None:
        def act() -> AnnotationChanges:
            done = label_every_occurrence(self.project, dry_run=False, **options)
            assert done.changes is not None
            return done.changes

        changes = self._push(act)
        if changes is not None:
            self.shell.show_status(f"{changes.description} — Ctrl+Z undoes all of them", 6000)
        return changes

    # -- snapping manual selections --------------------------------------------------------

    @property
    def snapping(self) -> bool:
        return self.act_snap.isChecked()

    def _snap_toggled(self) -> None:
        self.shell.prefs.set_bool(SNAP_KEY, self.snapping)
        self.shell.show_status(
            "Selections snap to whole words"
            if self.snapping
            else "Character mode: selections are kept exactly",
            3000,
        )

    def prepare_snapping(self) -> None:
        """Load spaCy's tokenizer on a background thread, once, so the first selection snaps
        at once instead of waiting ~1 s for it. A selection is tokenised only around itself
        (:func:`annotator.nlp.tokens.snap_to_tokens`), so later documents need nothing: the
        load holds the interpreter for tens of milliseconds at a time, and was paid again at
        every document opened."""
        reader = self.area.reader
        if self._snapping_prepared or not self.snapping or self.area.showing_pdf or not reader.text:
            return
        self._snapping_prepared = True
        import threading

        threading.Thread(
            target=_load_tokenizer, args=(reader.text,), name="tokenise", daemon=True
        ).start()

    def snap(self, span: tuple[int, int]) -> tuple[int, int]:
        """A reader selection as it becomes an annotation: whole tokens unless snapping is
        off (character mode) or nothing would be left; on a PDF page, where the selection
        follows the page's characters, only the whitespace at its edges goes (a line's
        break is never meant)."""
        document = self.session.document
        if not self.snapping or document is None:
            return span
        if self.area.showing_pdf:
            from annotator.core.spans import trim_whitespace

            text = self.project.text_of(document.id)
            if not 0 <= span[0] <= span[1] <= len(text):
                return span
            return trim_whitespace(text, *span) or span
        try:
            snapped = snap_selection(
                self.project, document.id, span[0], span[1], "token", text=self.area.reader.text
            )
        except AnnotatorError:
            return span
        return snapped or span

    # -- lifetime ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.shell.dialog_parent() and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

    def shutdown(self) -> None:
        """Stop a run and the suggestion processes, both of them on a shared run (finished
        documents keep their suggestions; one being written is rolled back by SQLite)."""
        self._poll_timer.stop()
        self._idle_timer.stop()
        self.task = None
        if self.process is not None:
            # A short wait: an idle process ends at once; one busy loading spaCy or writing a
            # document is stopped, and SQLite rolls back the document it was writing (each
            # document is one transaction). Waiting 3 s here made quitting take 3 s.
            self.process.close(timeout=0.3)
            self.process = None


__all__ = [
    "ModelDialog",
    "OccurrenceDialog",
    "SuggestionTableModel",
    "SuggestionsController",
    "SuggestionsPanel",
    "chosen_model",
]
