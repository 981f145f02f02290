"""File → Export… and File → Import…: every interchange format of the registry, from the window.

The export dialog chooses a format, a scope (the current document, the annotations overlapping
the selected text, or the whole project), whose annotations (some annotators, or the gold layer
only) and where to write; the export itself runs off the GUI thread on its own
:class:`~annotator.project.Project` (SQLite connections belong to one thread), and what the
format could not hold comes back as warnings shown to the reader.

Import reads a file whole, shows what it holds and asks before writing; the registry applies
it in one transaction, and a malformed file's :class:`~annotator.core.errors.FormatError`
(which names the line and the field) is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpacerItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import AnnotatorError
from annotator.core.model import ImportChanges
from annotator.core.words import agree, counted
from annotator.formats.exchange import (
    ONE_LAYER_FORMATS,
    DocumentAnnotations,
    ExportData,
    ExportResult,
    ExportScope,
    ImportResult,
    labelling_annotators,
)
from annotator.project import Project
from annotator.ui.commands import ImportAnnotations
from annotator.ui.session import ReadingSession
from annotator.ui.shell import Shell
from annotator.ui.tasks import BackgroundTask, Failure, TaskContext, describe_failure

DOCUMENT, SELECTION, PROJECT = "document", "selection", "project"


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """Everything one export needs, as plain values a worker thread can take."""

    format: str
    output: Path
    scope: ExportScope
    passage: tuple[str, int, int] | None = None  # (document id, start, end) for a selection


def run_export(
    project: Project,
    request: ExportRequest,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ExportResult:
    """Export ``request`` from ``project``; a passage keeps the annotations overlapping it.
    ``progress``/``cancel`` as for :func:`annotator.formats.registry.export`."""
    from annotator.formats import registry

    if request.passage is None:
        result, _ = registry.export(
            project, request.format, request.output, request.scope,
            progress=progress, cancel=cancel,
        )  # fmt: skip
        return result
    spec = registry.format_spec(request.format)
    if spec.name == "json":
        raise AnnotatorError(
            "the json format moves whole documents: export the current document instead, "
            "or choose another format for the selection"
        )
    from annotator.formats.exchange import collect
    from annotator.outputs import refuse_unsafe_output, write_text

    refuse_unsafe_output(
        project, request.output, folder=registry.writes_folder(spec.name, request.output)
    )
    document_id, start, end = request.passage
    data, warnings = collect(project, replace(request.scope, document_ids=(document_id,)))
    data = ExportData(
        tuple(
            DocumentAnnotations(
                d.document,
                tuple(a for a in d.annotations if a.start < end and a.end > start),
            )
            for d in data.documents
        ),
        data.annotator_names,
        data.label_sets,
        progress=progress,
        cancel=cancel,
        links=data.links,  # a format keeps those whose two passages are both exported
    )
    result = ExportResult(
        format=spec.name, outputs=[request.output], documents=len(data.documents),
        annotations=data.annotation_count, warnings=warnings,
    )  # fmt: skip
    if spec.to_text is not None:
        text, more = spec.to_text(data)
        write_text(request.output, text, encoding=spec.text_encoding)
    else:
        more = registry.write_export_file(project, spec, data, request.output)
    result.warnings.extend(more)
    return result


def default_suffix(format_name: str) -> str:
    """The extension an export of ``format_name`` gets (brat: a .zip of .txt/.ann pairs)."""
    from annotator.formats import registry

    if format_name == "brat":
        return ".zip"
    return registry.format_spec(format_name).extensions[0]


class ExportDialog(QDialog):
    """Choose what to export, in which format and where; the export runs in the background."""

    def __init__(
        self,
        project: Project,
        session: ReadingSession,
        shell: Shell,
        *,
        selection_span: tuple[int, int] | None = None,
    ) -> None:
        """``selection_span`` is the text selected in the reader (code points of the open
        document), offered as the "Current selection" scope."""
        super().__init__(shell.dialog_parent())
        from annotator.formats import registry

        self.project = project
        self.session = session
        self.shell = shell
        self.task: BackgroundTask[ExportResult] | None = None
        self._abandoned = False
        self.result: ExportResult | None = None
        self.setWindowTitle("Export Annotations")
        self.setObjectName("exportDialog")
        document = session.document
        span = selection_span if document is not None else None
        self.passage = (document.id, span[0], span[1]) if document and span else None

        layout = QVBoxLayout(self)
        format_label = QLabel("&Format:", self)
        layout.addWidget(format_label)
        self.formats = QTreeWidget(self)
        self.formats.setObjectName("exportFormats")
        self.formats.setAccessibleName("Export format")
        self.formats.setHeaderLabels(["Format", "What it holds", "Saves as"])
        self.formats.setRootIsDecorated(False)
        self.formats.setUniformRowHeights(True)
        self.formats.setAlternatingRowColors(True)
        bold = self.formats.font()
        bold.setBold(True)
        for name in registry.export_names():
            spec = registry.format_spec(name)
            saves = "folder or .zip" if name == "brat" else ", ".join(spec.extensions)
            item = QTreeWidgetItem(self.formats, [name, spec.description, saves])
            item.setData(0, Qt.ItemDataRole.UserRole, name)
            item.setFont(0, bold)
            item.setToolTip(1, spec.description)
        for column in range(3):
            self.formats.resizeColumnToContents(column)
        self.formats.setColumnWidth(2, self.formats.columnWidth(2) + 16)
        header = self.formats.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        format_label.setBuddy(self.formats)
        layout.addWidget(self.formats, 1)

        row = QHBoxLayout()
        self.scope_box, self.layers_box = self._build_scope(), self._build_layers()
        row.addWidget(self.scope_box, 1)
        row.addWidget(self.layers_box, 1)
        layout.addLayout(row)

        form = QFormLayout()
        where = QHBoxLayout()
        self.output = QLineEdit(self)
        self.output.setObjectName("exportOutput")
        self.output.setAccessibleName("Export to")
        where.addWidget(self.output, 1)
        choose = QPushButton("Choose…", self)
        choose.setAutoDefault(False)
        choose.clicked.connect(self.choose_output)
        where.addWidget(choose)
        save_label = QLabel("Save &to:", self)
        save_label.setBuddy(self.output)
        form.addRow(save_label, where)
        layout.addLayout(form)

        self.progress = QProgressBar(self)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setObjectName("exportMessage")
        layout.addWidget(self.message)

        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.formats.currentItemChanged.connect(lambda *_: self._format_changed())
        names = registry.export_names()
        self.select_format("markdown" if "markdown" in names else names[0])
        self.resize(640, 520)

    # -- building -------------------------------------------------------------------------------

    def _build_scope(self) -> QWidget:
        box = QGroupBox("Scope", self)
        layout = QVBoxLayout(box)
        self.scope_group = QButtonGroup(box)
        self.scope_buttons: dict[str, QRadioButton] = {}
        document = self.session.document
        title = document.title if document is not None else ""
        if len(title) > 32:
            title = title[:31].rstrip() + "…"
        for key, text in (
            (DOCUMENT, f"Current &document{f' ({title})' if title else ''}"),
            (SELECTION, "Current &selection (annotations overlapping it)"),
            (PROJECT, "Whole &project"),
        ):
            button = QRadioButton(text, box)
            self.scope_group.addButton(button)
            self.scope_buttons[key] = button
            layout.addWidget(button)
        self.scope_buttons[DOCUMENT].setEnabled(document is not None)
        self.scope_buttons[SELECTION].setEnabled(self.passage is not None)
        if self.passage is None:
            self.scope_buttons[SELECTION].setToolTip("Select text in the reader first")
        start = SELECTION if self.passage else DOCUMENT if document else PROJECT
        self.scope_buttons[start].setChecked(True)
        self.scope_group.buttonToggled.connect(lambda *_: self._update_default_name())
        layout.addStretch(1)
        return box

    def _build_layers(self) -> QWidget:
        box = QGroupBox("Annotations", self)
        layout = QVBoxLayout(box)
        self.annotators = QListWidget(box)
        self.annotators.setObjectName("exportAnnotators")
        self.annotators.setAccessibleName("Annotators to export")
        for annotator in self.project.annotators():
            item = QListWidgetItem(annotator.name, self.annotators)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
        self.annotators.setMaximumHeight(110)
        layout.addWidget(self.annotators)
        self.gold_only = QCheckBox("&Gold layer only (adjudicated)", box)
        self.gold_only.toggled.connect(lambda on: self.annotators.setEnabled(not on))
        layout.addWidget(self.gold_only)
        self.suggestions = QCheckBox("Include pending s&uggestions", box)
        layout.addWidget(self.suggestions)
        return box

    # -- choices --------------------------------------------------------------------------------

    def format_names(self) -> list[str]:
        items = (self.formats.topLevelItem(i) for i in range(self.formats.topLevelItemCount()))
        return [str(item.data(0, Qt.ItemDataRole.UserRole)) for item in items if item]

    def select_format(self, name: str) -> None:
        self.formats.setCurrentItem(self.formats.topLevelItem(self.format_names().index(name)))

    def format_name(self) -> str:
        item = self.formats.currentItem()
        return str(item.data(0, Qt.ItemDataRole.UserRole)) if item is not None else "markdown"

    def scope_key(self) -> str:
        return next(k for k, b in self.scope_buttons.items() if b.isChecked())

    def chosen_annotators(self) -> tuple[str, ...] | None:
        """The checked annotators' names; None when everyone is checked."""
        items = [self.annotators.item(i) for i in range(self.annotators.count())]
        names = tuple(i.text() for i in items if i.checkState() == Qt.CheckState.Checked)
        return None if len(names) == len(items) else names

    def request(self) -> ExportRequest:
        key = self.scope_key()
        document = self.session.document
        scope = ExportScope(
            document_ids=(document.id,) if key == DOCUMENT and document is not None else None,
            annotators=None if self.gold_only.isChecked() else self.chosen_annotators(),
            gold_only=self.gold_only.isChecked(),
            include_suggestions=self.suggestions.isChecked(),
        )
        return ExportRequest(
            self.format_name(), Path(self.output.text().strip()).expanduser(), scope,
            self.passage if key == SELECTION else None,
        )  # fmt: skip

    def _format_changed(self) -> None:
        name = self.format_name()
        self.message.setText(
            "brat writes a .zip of .txt/.ann pairs; remove “.zip” from the name to write a folder."
            if name == "brat"
            else ""
        )
        self._update_default_name()

    def _update_default_name(self) -> None:
        """Keep the output's folder and name, give it the extension the format writes."""
        suffix = default_suffix(self.format_name())
        current = self.output.text().strip()
        if current:
            path = Path(current)
            self.output.setText(str(path.with_suffix(suffix) if path.suffix else path))
            return
        project = self.project.path
        folder = Path(project).parent if project is not None else Path.home()
        document = self.session.document
        stem = (
            Path(document.title).stem
            if document is not None and self.scope_key() != PROJECT
            else Path(project).stem
            if project is not None
            else "annotations"
        )
        self.output.setText(str(folder / f"{stem}{suffix}"))

    def choose_output(self) -> None:
        from annotator.formats import registry

        name = self.format_name()
        spec = registry.format_spec(name)
        patterns = " ".join(f"*{e}" for e in spec.extensions if name != "brat" or e == ".zip")
        filters = f"{spec.description} ({patterns})"
        if name == "brat":
            filters += ";;A folder of .txt/.ann pairs (*)"
        path, chosen = QFileDialog.getSaveFileName(self, "Export to", self.output.text(), filters)
        if not path:
            return
        file = Path(path)
        if not file.suffix and not (name == "brat" and "folder" in chosen):
            file = file.with_suffix(default_suffix(name))
        self.output.setText(str(file))

    # -- running --------------------------------------------------------------------------------

    def start(self) -> BackgroundTask[ExportResult] | None:
        """Run the export off the GUI thread, on the worker's own connection to the project."""
        if self.task is not None:
            return None
        request = self.request()
        if not str(self.output.text()).strip():
            self.message.setText("Choose where to save the export.")
            return None
        if request.scope.annotators == ():
            self.message.setText("Check at least one annotator, or export the gold layer only.")
            return None
        if request.format in ONE_LAYER_FORMATS:
            names = labelling_annotators(self.project, request.scope)
            if len(names) > 1:
                shown = "CoNLL" if request.format == "conll" else "A spaCy DocBin"
                self.message.setText(
                    f"{shown} holds one layer of labels, and these documents hold the labels "
                    f"of {len(names)} annotators ({', '.join(names)}): check one of them, or "
                    "the gold layer only, and export once for each."
                )
                return None
        from annotator.formats.registry import writes_folder
        from annotator.outputs import refuse_unsafe_output

        try:  # said at once, before any work (the export checks again on its own thread)
            refuse_unsafe_output(
                self.project, request.output,
                folder=writes_folder(request.format, request.output),
            )  # fmt: skip
        except AnnotatorError as error:
            self.message.setText(f"Could not export: {error}")
            return None
        path = self.project.path

        def work(task: TaskContext) -> ExportResult:
            from annotator.project import Project

            with Project(path) as own:
                return run_export(own, request, progress=task.report, cancel=task.cancelled)

        self.progress.setRange(0, 0)  # busy until the documents are read
        self._busy(True)
        self.message.setText(f"Exporting as {request.format}…")
        self.shell.show_status(f"Exporting as {request.format}…")
        # No Qt parent: the task outlives a cancelled dialog, which waits for it to finish.
        # An export that ends after Cancel has written its file: that is said, not hidden.
        self.task = BackgroundTask(
            work,
            what="the export",
            on_success=self._done,
            on_failure=self._failed,
            on_cancelled=self._cancelled,
            on_progress=self._progress,
            keep_late_result=True,
        )
        return self.task.start()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.message.setText(f"Exporting… {done} of {counted(total, 'document')}")

    def reject(self) -> None:
        """Cancel while exporting stops the export (nothing is written) and keeps the
        dialog; otherwise it closes the dialog."""
        if self.task is not None and not self._abandoned:
            self.task.cancel()
            self.message.setText("Cancelling…")
            return
        super().reject()

    def _busy(self, on: bool) -> None:
        self.progress.setVisible(on)
        for widget in (self.export_button, self.formats, self.output, self.scope_box,
                       self.layers_box):  # fmt: skip
            widget.setEnabled(not on)

    def _cancelled(self) -> None:
        self.task = None
        if self._abandoned:
            self.deleteLater()
            return
        self._busy(False)
        self.message.setText("Export cancelled: nothing was written.")
        self.shell.show_status("Export cancelled", 5000)

    def _failed(self, error: Failure) -> None:
        self.task = None
        if self._abandoned:
            self.deleteLater()
            return
        self._busy(False)
        self.message.setText(f"Could not export: {describe_failure(error)}")
        self.shell.show_status("Export failed", 5000)

    def _done(self, result: ExportResult) -> None:
        self.task = None
        self.result = result
        where = ", ".join(str(p) for p in result.outputs)
        self.shell.show_status(
            f"Exported {counted(result.annotations, 'annotation')} to {where}", 10000
        )
        if self._abandoned:
            self.deleteLater()
            return
        self._busy(False)
        self.accept()
        if result.warnings:
            show_warnings(
                self.shell.dialog_parent(), "Export finished with losses",
                f"{counted(result.annotations, 'annotation')} of "
                f"{counted(result.documents, 'document')} "
                f"{agree(result.annotations, 'was', 'were')} exported as {result.format} to "
                f"{where}, but the format could not hold "
                "everything:",
                result.warnings,
            )  # fmt: skip

    def done(self, code: int) -> None:
        super().done(code)
        if self.task is None:
            self.deleteLater()
        else:  # the file is half written by the time a cancel could land: let it finish
            self._abandoned = True
            self.task.cancel()


def show_warnings(parent: QWidget, title: str, text: str, warnings: list[str]) -> QMessageBox:
    """A non-blocking message listing ``warnings`` (what a format left out or changed)."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=parent)
    box.setObjectName("formatWarnings")
    box.setInformativeText("\n".join(f"• {w}" for w in warnings))
    _widen(box)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def _widen(box: QMessageBox, width: int = 480) -> None:
    """Message boxes size to their first line; paths and lists of losses need more room."""
    grid = box.layout()
    if isinstance(grid, QGridLayout):
        spacer = QSpacerItem(width, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)
        grid.addItem(spacer, grid.rowCount(), 0, 1, grid.columnCount())


# -- import ------------------------------------------------------------------------------------

IMPORT_FILTER = (
    "Annotations (*.json *.jsonl *.jsonld *.conll *.iob *.iob2 *.ann *.zip *.spacy *.csv);;"
    "All files (*)"
)


def describe_import(path: Path, format_name: str) -> str:
    """What ``path`` holds, read whole and checked (raises the format's FormatError)."""
    import json

    from annotator.formats import registry
    from annotator.formats.exchange import read_utf8

    spec = registry.format_spec(format_name)
    if spec.name == "json":
        try:
            data: Any = json.loads(read_utf8(path))
        except json.JSONDecodeError as error:
            from annotator.core.errors import FormatError

            raise FormatError(
                f"'{path.name}' is not valid JSON: {error.msg} at line {error.lineno}, "
                f"column {error.colno}"
            ) from None
        documents = len(data.get("documents", [])) if isinstance(data, dict) else 0
        annotations = len(data.get("annotations", [])) if isinstance(data, dict) else 0
    else:
        assert spec.parse is not None
        incoming, _ = spec.parse(path)
        documents = len(incoming)
        annotations = sum(len(d.annotations) for d in incoming)
    return (
        f"“{path.name}” is {spec.description} with {counted(annotations, 'annotation')} in "
        f"{counted(documents, 'document')}."
    )


def import_annotations(
    project: Project, session: ReadingSession, shell: Shell, path: str | None = None
) -> ImportResult | None:
    """Ask for a file, show what it holds, import it in one transaction and report."""
    from annotator.formats import registry

    parent = shell.dialog_parent()

    if path is None:
        path, _ = QFileDialog.getOpenFileName(parent, "Import annotations", "", IMPORT_FILTER)
        if not path:
            return None
    file = Path(path)
    try:
        name = registry.detect_format(file)
        summary = describe_import(file, name)
    except AnnotatorError as error:
        show_import_error(parent, file, str(error))
        return None
    except (OSError, UnicodeDecodeError) as error:
        show_import_error(parent, file, f"cannot read it: {getattr(error, 'strerror', error)}")
        return None
    answer = QMessageBox.question(
        parent, "Import annotations",
        f"{summary}\n\nImport it into this project? Texts that are new become documents; "
        "annotations already present are skipped.",
    )  # fmt: skip
    if answer != QMessageBox.StandardButton.Yes:
        return None

    def run() -> tuple[ImportResult, ImportChanges]:
        result = registry.import_file(project, file, name)
        return result, result.changes

    command = ImportAnnotations(project, run, f"Import “{file.name}”")
    try:
        command.execute()
    except AnnotatorError as error:
        show_import_error(parent, file, str(error))
        return None
    except OSError as error:
        show_import_error(parent, file, f"cannot read it: {error.strerror or error}")
        return None
    result: ImportResult = command.result
    if result.changes:
        shell.undo.push(command)  # Ctrl+Z takes the whole import back
    from annotator.ui.models import plural

    done = (
        f"Imported “{file.name}”: {plural(result.documents_added, 'document')} and "
        f"{plural(result.annotations_added, 'annotation')} added"
        + (f", {result.annotations_unchanged} already present" if result.annotations_unchanged
           else "")
    )  # fmt: skip
    shell.show_status(done, 10000)
    text = done + "."
    if result.backup:
        text += (
            "\n\nCtrl+Z takes the import back. The project as it was before is also kept "
            f"as a backup:\n{result.backup}"
        )
    if result.warnings or result.backup:
        show_warnings(parent, "Import finished", text, result.warnings)
    if session.document is None and result.document_ids:
        shell.open_document(result.document_ids[0])
    return result


def show_import_error(parent: QWidget, file: Path, message: str) -> None:
    """The format's message as it is (it names the line and field), never a traceback."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, "Import failed",
        f"Could not import “{file.name}”; nothing was changed.", parent=parent,
    )  # fmt: skip
    box.setObjectName("importError")
    box.setInformativeText(message)
    _widen(box)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
