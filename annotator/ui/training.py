"""Training a model on the project from the window, and keeping it learning (issue 17).

:class:`TrainingController` adds *Train a Model on This Project…* and *Learning Curve…* to
the Suggest menu. Training runs in a child process (:mod:`annotator.training.process`)
driven from a :class:`~annotator.ui.tasks.BackgroundTask`, so the window stays responsive;
the dialog shows the epoch, the loss and the held-out precision, recall and F1 of each
label as they come, and Cancel stops it (nothing is saved). The trained model becomes a
suggestion model ("this project's model, trained on N annotations, F1 0.xx").

*Keep learning*: after every N new accepted or hand-made labels (a setting), the model is
retrained in the background with the same choices and, when it is the chosen suggestion
model, the open document's pending suggestions are refreshed — accepted ones stay, rejected
ones are never brought back (the suggestion service's rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import Annotation, AnnotationStatus, LabelSetKind
from annotator.core.words import counted
from annotator.ui.tasks import BackgroundTask, TaskContext, describe_failure

if TYPE_CHECKING:
    from annotator.project import Project
    from annotator.training.trainer import CurvePoint, TrainingProgress, TrainingReport
    from annotator.ui.session import ReadingSession
    from annotator.ui.shell import Shell

KEEP_LEARNING_KEY = "train/keep_learning"
EVERY_KEY = "train/every"
DEFAULT_EVERY = 25
KINDS = (
    ("entities", "Labelled spans (entity recogniser)"),
    ("spans", "Overlapping spans (span categoriser)"),
    ("documents", "Document labels (text classifier)"),
)
#: Lines of the learning curve: distinct on a light background (Tableau 10).
CURVE_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                 "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")  # fmt: skip


@dataclass(frozen=True, slots=True)
class TrainingChoice:
    """What the reader chose in the dialog; kept for retraining."""

    kind: str
    label_set: str | None
    annotators: tuple[str, ...]
    gold: bool
    base: str | None
    epochs: int

    def job(self, project_path: str, *, curve: bool = False) -> Any:
        from annotator.training.data import TrainingRequest
        from annotator.training.process import TrainingJob
        from annotator.training.trainer import TrainingOptions

        request = TrainingRequest(
            kind=self.kind,  # type: ignore[arg-type]
            label_set=self.label_set,
            annotators=self.annotators,
            gold=self.gold,
        )
        options = TrainingOptions(base=self.base, epochs=self.epochs)
        return TrainingJob(project_path, request, options, curve=curve)


# ---------------------------------------------------------------------------------------------
# The learning curve
# ---------------------------------------------------------------------------------------------


class CurveChart(QWidget):
    """Held-out F1 (0–1) against the number of training annotations, one line per label
    and a thick one for all labels together."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(420, 240)
        self.setAccessibleName("Learning curve")
        self.points: list[CurvePoint] = []
        self.labels: tuple[str, ...] = ()

    def show_curve(self, points: list[CurvePoint], labels: tuple[str, ...]) -> None:
        self.points, self.labels = list(points), tuple(labels)
        self.setToolTip(
            "\n".join(
                f"{counted(p.annotations, 'annotation')} ({p.share:.0%}): F1 {p.f1:.2f}"
                for p in points
            )
        )
        self.update()

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        text = self.palette().text().color()
        metrics = self.fontMetrics()
        left, right = metrics.horizontalAdvance("F1 1.0") + 12, 130
        top, bottom = 14, metrics.height() * 2 + 10
        plot = QRectF(left, top, self.width() - left - right, self.height() - top - bottom)
        grid = QColor(text)
        grid.setAlpha(50)
        painter.setPen(QPen(grid, 1))
        for step in range(6):
            y = plot.bottom() - plot.height() * step / 5
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            painter.drawText(QRectF(0, y - 8, left - 6, 16), Qt.AlignmentFlag.AlignRight,
                             f"{step / 5:.1f}")  # fmt: skip
            painter.setPen(QPen(grid, 1))
        painter.setPen(text)
        painter.drawText(
            QRectF(plot.left(), plot.bottom() + metrics.height() + 4, plot.width(), 18),
            Qt.AlignmentFlag.AlignCenter,
            "held-out F1 against the number of training annotations",
        )
        if not self.points:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No curve yet")
            return
        most = max(p.annotations for p in self.points) or 1

        def at(annotations: int, f1: float) -> QPointF:
            return QPointF(
                plot.left() + plot.width() * annotations / most,
                plot.bottom() - plot.height() * max(0.0, min(1.0, f1)),
            )

        for p in self.points:
            x = at(p.annotations, 0).x()
            painter.drawText(QRectF(x - 30, plot.bottom() + 2, 60, 16),
                             Qt.AlignmentFlag.AlignCenter, str(p.annotations))  # fmt: skip
        lines = [("all labels", [(p.annotations, p.f1) for p in self.points], text, 3.0)]
        for index, label in enumerate(self.labels):
            colour = QColor(CURVE_COLOURS[index % len(CURVE_COLOURS)])
            values = [(p.annotations, p.scores[label].f1) for p in self.points if label in p.scores]
            lines.append((label, values, colour, 1.8))
        for row, (name, values, colour, width) in enumerate(lines):
            painter.setPen(QPen(colour, width))
            path = QPainterPath()
            for i, (n, f1) in enumerate(values):
                point = at(n, f1)
                path.moveTo(point) if i == 0 else path.lineTo(point)
                painter.drawEllipse(point, 2.5, 2.5)
            painter.drawPath(path)
            y = top + row * (metrics.height() + 2)
            painter.drawLine(QPointF(plot.right() + 10, y + 8), QPointF(plot.right() + 28, y + 8))
            painter.setPen(text)
            painter.drawText(QRectF(plot.right() + 32, y, right - 34, metrics.height() + 2),
                             Qt.AlignmentFlag.AlignLeft, name)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The dialog
# ---------------------------------------------------------------------------------------------


class TrainingDialog(QDialog):
    """Choose what to learn from, train, watch the held-out scores, see the curve."""

    def __init__(self, controller: TrainingController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        project = controller.project
        self.setWindowTitle("Train a Model on This Project")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Learns your own labels from the annotations you accepted or made. About a fifth "
            "of the labelled documents are held out: the scores below are measured on them.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.kind = QComboBox(self)
        for value, text in KINDS:
            self.kind.addItem(text, value)
        form.addRow("Learn:", self.kind)
        self.label_set = QComboBox(self)
        self.label_set.addItem("Every label used", "")
        for label_set in project.label_sets():
            if label_set.kind in (LabelSetKind.SPAN, LabelSetKind.DOCUMENT):
                self.label_set.addItem(label_set.name, label_set.id)
        form.addRow("Labels:", self.label_set)
        self.layer = QComboBox(self)
        me = project.current_annotator.name
        self.layer.addItem(f"{me} (you)", me)
        for annotator in project.annotators():
            if annotator.name not in (me, "gold"):
                self.layer.addItem(annotator.name, annotator.name)
        if project.find_annotator("gold") is not None:
            self.layer.addItem("The gold layer (adjudicated)", "\0gold")
        form.addRow("Annotations of:", self.layer)
        self.base = QComboBox(self)
        self.base.addItem("Nothing (a new model)", "")
        for name in controller.installed():
            self.base.addItem(f"{name}'s tok2vec", name)
        form.addRow("Start from:", self.base)
        self.epochs = QSpinBox(self)
        self.epochs.setRange(1, 200)
        from annotator.training.trainer import DEFAULT_EPOCHS

        self.epochs.setValue(DEFAULT_EPOCHS)
        form.addRow("Epochs (at most):", self.epochs)
        keep = QHBoxLayout()
        self.keep_learning = QCheckBox("Retrain after every", self)
        self.keep_learning.setChecked(controller.keep_learning)
        self.every = QSpinBox(self)
        self.every.setRange(5, 1000)
        self.every.setValue(controller.every)
        keep.addWidget(self.keep_learning)
        keep.addWidget(self.every)
        keep.addWidget(QLabel("new labels", self))
        keep.addStretch(1)
        form.addRow("Keep learning:", keep)
        layout.addLayout(form)

        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.scores = QTableWidget(0, 4, self)
        self.scores.setHorizontalHeaderLabels(["Label", "Precision", "Recall", "F1"])
        self.scores.verticalHeader().hide()
        self.scores.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.scores.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.scores.setMaximumHeight(150)
        self.scores.setAccessibleName("Held-out scores per label")
        layout.addWidget(self.scores)
        self.chart = CurveChart(self)
        self.chart.setVisible(False)
        layout.addWidget(self.chart, 1)

        buttons = QHBoxLayout()
        self.train_button = QPushButton("Train", self)
        self.train_button.setDefault(True)
        self.curve_button = QPushButton("Learning Curve", self)
        self.curve_button.setToolTip(
            "Train on 25, 50, 75 and 100% of the annotations and compare the held-out F1: "
            "does labelling more still help?"
        )
        self.use_button = QPushButton("Suggest With It", self)
        self.use_button.setToolTip("Make this project's model the suggestion model and run it")
        self.use_button.setVisible(False)
        self.cancel_button = QPushButton("Cancel Training", self)
        self.cancel_button.setEnabled(False)
        close = QPushButton("Close", self)
        for button in (self.train_button, self.curve_button, self.use_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.train_button.clicked.connect(lambda: controller.train(self.choice()))
        self.curve_button.clicked.connect(lambda: controller.learning_curve(self.choice()))
        self.use_button.clicked.connect(controller.suggest_with_project_model)
        self.cancel_button.clicked.connect(controller.cancel)
        close.clicked.connect(self.close)
        self.keep_learning.toggled.connect(lambda on: controller.set_keep_learning(on))
        self.every.valueChanged.connect(controller.set_every)
        self.resize(560, 420)

    def choice(self) -> TrainingChoice:
        layer = str(self.layer.currentData())
        return TrainingChoice(
            kind=str(self.kind.currentData()),
            label_set=str(self.label_set.currentData()) or None,
            annotators=() if layer == "\0gold" else (layer,),
            gold=layer == "\0gold",
            base=str(self.base.currentData()) or None,
            epochs=self.epochs.value(),
        )

    def set_running(self, running: bool, what: str = "") -> None:
        for widget in (self.train_button, self.curve_button, self.kind, self.label_set,
                       self.layer, self.base, self.epochs):  # fmt: skip
            widget.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        if running:
            self.progress.setRange(0, 0)
            self.status.setText(f"Starting {what}…")

    def show_progress(self, p: TrainingProgress) -> None:
        share = f"{p.share:.0%} of the annotations — " if p.share < 1 else ""
        self.status.setText(share + p.describe())
        if p.stage == "training" and p.epochs:
            self.progress.setRange(0, p.epochs)
            self.progress.setValue(max(0, p.epoch - (0 if p.scores is not None else 1)))
        if p.scores is not None:
            self.show_scores(p.scores)

    def show_scores(self, scores: dict[str, Any]) -> None:
        self.scores.setRowCount(len(scores))
        for row, (label, s) in enumerate(sorted(scores.items())):
            values = (label, f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}")
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.scores.setItem(row, column, item)


# ---------------------------------------------------------------------------------------------
# The controller
# ---------------------------------------------------------------------------------------------


class TrainingController(QObject):
    """Training, the learning curve and keep-learning for one window."""

    #: A model was trained and saved (its report).
    trained = Signal(object)

    def __init__(
        self,
        project: Project,
        session: ReadingSession,
        shell: Shell,
        *,
        refresh: Any = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.project, self.session, self.shell = project, session, shell
        #: Called with the open document's id to re-run the chosen model on it.
        self.refresh = refresh
        self.task: BackgroundTask[Any] | None = None
        self.dialog: TrainingDialog | None = None
        self.last_choice: TrainingChoice | None = None
        self.last_report: TrainingReport | None = None
        self.new_labels = 0
        self._installed: list[str] | None = None
        project.events.annotation_added.connect(self._added)
        project.events.annotation_changed.connect(self._changed)

    # -- settings ---------------------------------------------------------------------------

    @property
    def keep_learning(self) -> bool:
        return self.shell.prefs.bool(KEEP_LEARNING_KEY, False)

    def set_keep_learning(self, on: bool) -> None:
        self.shell.prefs.set_bool(KEEP_LEARNING_KEY, on)

    @property
    def every(self) -> int:
        try:
            return max(5, int(self.shell.prefs.text(EVERY_KEY, str(DEFAULT_EVERY))))
        except ValueError:
            return DEFAULT_EVERY

    def set_every(self, n: int) -> None:
        self.shell.prefs.set_text(EVERY_KEY, str(n))

    def installed(self) -> list[str]:
        if self._installed is None:
            from annotator.nlp.models import available_pipelines

            self._installed = available_pipelines()
        return self._installed

    # -- the dialog -------------------------------------------------------------------------

    def open_dialog(self) -> TrainingDialog:
        if self.dialog is None:
            self.dialog = TrainingDialog(self, self.shell.dialog_parent())
        if not self.running:
            self._show_review_summary()
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def _show_review_summary(self) -> None:
        """What the reader's decisions say of the project's model so far: read on a worker
        thread (every decided annotation of the project), shown when nothing else is."""
        from annotator.project import Project
        from annotator.training.data import describe_review_precision, review_precision

        path = self.project.path

        def work(_context: TaskContext) -> str:
            with Project(path) as project:
                described = describe_review_precision(review_precision(project))
            return f"Your review of its suggestions so far: {described}" if described else ""

        def show(text: str) -> None:
            if self.dialog is not None and not self.running and not self.dialog.status.text():
                self.dialog.status.setText(text)

        BackgroundTask(work, parent=self.dialog, what="reading the review decisions",
                       on_success=show).start()  # fmt: skip

    # -- running ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.task is not None and self.task.running

    def train(self, choice: TrainingChoice, *, quietly: bool = False) -> BackgroundTask[Any] | None:
        """Train in the background; the dialog (if open) shows progress."""
        return self._start(choice, curve=False, quietly=quietly)

    def learning_curve(self, choice: TrainingChoice) -> BackgroundTask[Any] | None:
        return self._start(choice, curve=True, quietly=False)

    def _start(self, choice: TrainingChoice, *, curve: bool, quietly: bool) -> Any:
        if self.running:
            if not quietly:
                self.shell.show_status("A model is already training — cancel it first", 4000)
            return None
        from annotator.training.process import run_in_process

        job = choice.job(str(self.project.path), curve=curve)
        self.last_choice = choice
        self.new_labels = 0

        def work(context: TaskContext) -> Any:
            return run_in_process(job, progress=context.tell, cancelled=context.cancelled)

        what = "the learning curve" if curve else "training"
        task: BackgroundTask[Any] = BackgroundTask(
            work,
            parent=self.dialog if self.dialog is not None else self.shell.dialog_parent(),
            what=what,
            on_note=self._progress,
            on_success=(self._curve_done if curve else self._trained),
            on_failure=lambda error: self._failed(describe_failure(error), quietly),
            on_cancelled=self._cancelled,
        )
        if self.dialog is not None:
            self.dialog.set_running(True, what)
            self.dialog.use_button.setVisible(False)
        self.shell.show_status(
            "Retraining this project's model in the background…" if quietly
            else f"Started {what} — the window stays usable",
            4000,
        )  # fmt: skip
        self.task = task.start()
        return task

    def cancel(self) -> None:
        if self.task is not None and self.task.running:
            self.task.cancel()

    def _progress(self, p: TrainingProgress) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.show_progress(p)

    def _done(self) -> None:
        if self.dialog is not None:
            self.dialog.set_running(False)

    def _trained(self, report: TrainingReport) -> None:
        self._done()
        self.last_report = report
        f1 = f"held-out F1 {report.f1:.2f}" if report.f1 is not None else "no held-out score"
        self.shell.show_status(
            f"Trained this project's model on {counted(report.annotations, 'annotation')}, {f1}",
            8000,
        )
        if self.dialog is not None:
            self.dialog.status.setText(report.summary().replace("\n", "<br>"))
            if report.best is not None:
                self.dialog.show_scores(
                    {
                        label: score
                        for label, score in report.best.scores.items()
                        if report.held_out_counts.get(label, 1)
                    }
                )
            self.dialog.use_button.setVisible(True)
        self.trained.emit(report)
        self._refresh_if_chosen()

    def _curve_done(self, result: Any) -> None:
        self._done()
        if self.dialog is not None:
            self.dialog.chart.show_curve(result.points, result.labels)
            self.dialog.chart.setVisible(True)
            last = result.points[-1] if result.points else None
            if last is not None:
                self.dialog.status.setText(
                    f"Learning curve: held-out F1 {last.f1:.2f} with all "
                    f"{last.annotations} training annotations"
                )
                self.dialog.show_scores(last.scores)

    def _failed(self, message: str, quietly: bool) -> None:
        self._done()
        if self.dialog is not None:
            self.dialog.status.setText(message)
        self.shell.show_error(message, dialog=not quietly and self.dialog is None)

    def _cancelled(self) -> None:
        self._done()
        if self.dialog is not None:
            self.dialog.status.setText("Cancelled: no model was saved.")
        self.shell.show_status("Training cancelled: no model was saved", 4000)

    # -- using the model --------------------------------------------------------------------

    def suggest_with_project_model(self) -> None:
        from annotator.training.saved import PROJECT_MODEL

        self.shell.prefs.set_text("suggest/model", PROJECT_MODEL)
        document = self.session.document
        if document is not None and self.refresh is not None:
            self.refresh(document.id)

    def _refresh_if_chosen(self) -> None:
        from annotator.training.saved import PROJECT_MODEL

        document = self.session.document
        if (
            document is not None
            and self.refresh is not None
            and self.shell.prefs.suggestion_model() == PROJECT_MODEL
        ):
            self.refresh(document.id)

    # -- keep learning ----------------------------------------------------------------------

    def _added(self, annotation: Annotation) -> None:
        if annotation.status == AnnotationStatus.ACCEPTED and annotation.label:
            self._count()

    def _changed(self, old: Annotation, new: Annotation) -> None:
        if old.status == AnnotationStatus.SUGGESTED and new.status == AnnotationStatus.ACCEPTED:
            self._count()

    def _count(self) -> None:
        self.new_labels += 1
        if self.keep_learning and self.new_labels >= self.every and not self.running:
            choice = self.last_choice or self._choice_of_latest_model()
            if choice is not None:
                self.train(choice, quietly=True)

    def _choice_of_latest_model(self) -> TrainingChoice | None:
        """The choices the project's latest model was trained with (after a restart)."""
        from annotator.training.saved import latest_model

        latest = latest_model(self.project.path)
        if latest is None:
            return None
        import json

        try:
            info = json.loads((latest.path / "meta.json").read_text("utf-8"))["annotator"]
        except (OSError, ValueError, KeyError):
            return None
        layer = str(info.get("layer", ""))
        gold = layer == "the gold layer"
        from annotator.training.trainer import DEFAULT_EPOCHS

        return TrainingChoice(
            kind=latest.kind,
            label_set=None,
            annotators=() if gold else tuple(n.strip() for n in layer.split(",") if n.strip()),
            gold=gold,
            base=info.get("base"),
            epochs=DEFAULT_EPOCHS,
        )


__all__ = ["CurveChart", "TrainingChoice", "TrainingController", "TrainingDialog"]
