"""The project's documents: opening files into it (off the GUI thread), the sample reading,
recent files, and renaming, removing and marking documents from the Documents panel.

Each change is an undoable step; opening a document is the shell's, which this asks for.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMenu,
    QMessageBox,
)

from annotator.comparing.layers import blind_mode
from annotator.core.errors import AnnotatorError, ProjectError
from annotator.core.model import Document, DocumentId
from annotator.documents import load_document
from annotator.documents.base import LoadedDocument
from annotator.project import DocumentSummary, Project
from annotator.ui.commands import RemoveDocument, ReplaceValue
from annotator.ui.models import DocumentListModel, plural
from annotator.ui.panels import DocumentsPanel
from annotator.ui.pdf_flow import PdfController, is_paged_file
from annotator.ui.session import ReadingSession
from annotator.ui.shell import Shell, make_action
from annotator.ui.tasks import BackgroundTask, Failure, describe_failure

log = logging.getLogger(__name__)

OPEN_FILTER = "Readings (*.txt *.md *.markdown *.text *.pdf *.epub);;All files (*)"

#: The second line of a row whose counts are still being read.
COUNTING = "counting notes…"


class DocumentRows(DocumentListModel):
    """The Documents panel's rows: every title at once, the counts a moment later.

    Counting is a pass over every live annotation (0.1 s on the GUI thread at a million),
    so a worker does it on its own connection. Rows already shown keep their counts until
    the new ones arrive, updated in place (the selection and scroll position stay); a row
    new to the panel says it is counting. Blind mode's counts (the viewer's own work) come
    from :attr:`summaries` on the GUI thread, as before.
    """

    #: The counts of the latest refresh are in.
    counted = Signal()

    _generation = 0  # one per refresh: only the latest one's counts are shown
    _counting: frozenset[DocumentId] = frozenset()  # rows shown without counts yet
    _task: BackgroundTask[list[DocumentSummary]] | None = None
    _shown_generation = 0
    _closed = False  # the window let go of the project: nothing more is counted

    def close(self) -> None:
        """Stop counting: the project is being closed (a count under way is dropped)."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def refresh(self) -> None:
        if self._closed:
            return
        self._generation += 1
        project = self.project
        if blind_mode(project):
            self._counting = frozenset()
            self._show(self.summaries())
            self._shown_generation = self._generation
            self.counted.emit()
            return
        known = {row.document.id: row for row in self._rows}
        rows: list[DocumentSummary] = []
        for document in project.document_headers():
            old = known.get(document.id)
            if old is not None:
                rows.append(dataclasses.replace(old, document=document))
            else:
                rows.append(DocumentSummary(document, 0, 0, "not started"))
        self._counting = frozenset(row.document.id for row in rows if row.document.id not in known)
        self._show(rows)
        if self._task is None:  # else the count under way starts the next when it ends
            self._count()

    @property
    def pending(self) -> bool:
        """True until the counts of the latest refresh are shown."""
        return self._shown_generation != self._generation

    @property
    def counting(self) -> bool:
        """True while some row is shown without its counts."""
        return bool(self._counting)

    def _count(self) -> None:
        """Count on a worker, as the project is now, for the latest refresh."""
        generation, path = self._generation, Path(self.project.path)
        viewer = self.project.current_annotator.name

        def count(_task: object) -> list[DocumentSummary]:
            if not path.exists():  # opening would make a new, empty project there
                raise ProjectError(f"'{path.name}' is no longer there")
            with Project(path) as own:  # the worker's own connection
                own.act_as(viewer)  # whose reading status the rows show
                return own.documents()

        self._task = BackgroundTask(
            count,
            parent=self,
            what="counting each document's notes",
            on_success=lambda counted: self._counted(generation, counted),
            on_failure=lambda error: self._not_counted(generation, error),
        ).start()

    def _counted(self, generation: int, counted: list[DocumentSummary]) -> None:
        self._task = None
        if self._closed:
            return
        if generation != self._generation:
            self._count()  # the project changed meanwhile: count it again
            return
        by_id = {row.document.id: row for row in counted}
        rows = []
        for row in self._rows:
            new = by_id.get(row.document.id)
            rows.append(
                row
                if new is None
                else dataclasses.replace(
                    row, annotations=new.annotations, suggestions=new.suggestions, status=new.status
                )
            )
        self._counting = frozenset()
        self._show(rows)
        self._shown_generation = generation
        self.counted.emit()

    def _not_counted(self, generation: int, error: Failure) -> None:
        """The worker could not count: count here, as before (a file that cannot be read
        at all is the window's to report, when it next reads it)."""
        log.warning("counting on a worker failed: %s", describe_failure(error))
        self._task = None
        if self._closed:
            return
        try:
            counted = self.project.documents()
        except AnnotatorError as again:
            log.warning("the Documents panel's counts are not shown: %s", again)
            self._task = None
            self._counting = frozenset()
            self._shown_generation = self._generation
            return
        self._counted(generation, counted)

    def _show(self, rows: list[DocumentSummary]) -> None:
        """The same documents in the same order change in place; anything else resets."""
        old = self._rows
        if len(rows) == len(old) and all(
            a.document.id == b.document.id for a, b in zip(rows, old, strict=True)
        ):
            self._rows = rows
            if rows:
                self.dataChanged.emit(self.index(0), self.index(len(rows) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            role == Qt.ItemDataRole.AccessibleDescriptionRole
            and index.isValid()
            and self._rows[index.row()].document.id in self._counting
        ):
            return COUNTING
        return super().data(index, role)


class LibraryController(QObject):
    def __init__(
        self, project: Project, session: ReadingSession, pdf: PdfController, shell: Shell
    ) -> None:
        owner = shell.dialog_parent()
        super().__init__(owner)
        self.project, self.session, self.pdf, self.shell = project, session, pdf, shell
        self.closed = False
        self.model = DocumentRows(project, owner)
        self.panel = DocumentsPanel(self.model, owner)
        self.panel.document_activated.connect(shell.open_document)
        self.panel.status_requested.connect(self.set_document_status)
        self.panel.remove_requested.connect(self.remove_document)
        self.panel.rename_requested.connect(self.rename_document)
        self.dock = QDockWidget("Documents", owner)
        self.dock.setObjectName("documentsDock")
        self.dock.setWidget(self.panel)
        shell.add_dock(self.dock, Qt.DockWidgetArea.LeftDockWidgetArea)

        self.act_open = make_action(
            owner,
            "&Open…",
            self.open_dialog,
            QKeySequence.StandardKey.Open,
            "Open a text, Markdown or PDF file and add it to the project",
        )
        self.act_sample = make_action(
            owner, "Open the &Sample Reading", self.open_sample, None, "The bundled essay"
        )
        self.recent_menu = QMenu("Open &Recent", owner)
        self.recent_menu.aboutToShow.connect(self._fill_recent)

        # Counts change with every annotation: the panel catches up a moment later, once.
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.refresh)
        project.events.documents_changed.connect(self.soon)
        session.document_opened.connect(self._document_opened)
        pdf.document_added.connect(self.refresh)

    def soon(self) -> None:
        """Refresh the panel after the current burst of changes."""
        self._timer.start()

    def disconnect_project(self) -> None:
        self.project.events.documents_changed.disconnect(self.soon)
        self._timer.stop()
        self.model.close()
        self.closed = True

    def _document_opened(self, document: Document | None) -> None:
        if document is not None:
            self.panel.select_document(document.id)

    def refresh(self) -> None:
        if self.closed:
            return
        self.model.refresh()
        document = self.session.document
        if document is not None:
            self.panel.select_document(document.id)
            row = self.model.row_of(document.id)
            if row >= 0:  # a rename (or its undo) shows in the title bar too
                self.session.rename(self.model.summary(row).document.title)

    # -- opening files ------------------------------------------------------------------------

    def open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self.shell.dialog_parent(), "Open readings", "", OPEN_FILTER
        )
        if paths:
            self.open_paths(paths)

    def open_sample(self) -> None:
        # Added with its example annotations when new to the project (annotator.samples).
        from annotator.samples import add_sample_reading

        try:
            document, _ = add_sample_reading(self.project)
        except (AnnotatorError, OSError) as error:
            self.shell.show_error(str(error))
            return
        self.shell.open_document(document.id)

    def open_paths(self, paths: list[str], *, remember: bool = True) -> None:
        """Add files to the project and open the first; the rest join it as they are read.

        The first is the one asked for (``annotator a.pdf b.txt``, the first of a multiple
        choice in Open…); decoding runs off the GUI thread.
        """
        for i, path in enumerate(paths):
            show = i == 0
            if show and is_paged_file(path):
                self.pdf.open_pdf_path(path, remember=remember)
                continue
            self.shell.show_status(f"Opening {Path(path).name}…")
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
            BackgroundTask(
                lambda _task, p=path: load_document(p),
                parent=self,
                what=f"reading '{Path(path).name}'",
                on_success=lambda loaded, p=path, s=show: self._loaded(p, loaded, remember, s),
                on_failure=lambda error, p=path: self._load_failed(p, error),
            ).start()

    def _loaded(self, path: str, loaded: LoadedDocument, remember: bool, show: bool) -> None:
        QApplication.restoreOverrideCursor()
        try:
            document, new = self.project.add_loaded_document(loaded, str(Path(path).resolve()))
        except AnnotatorError as error:
            self._load_failed(path, error)
            return
        if remember:
            self.shell.prefs.add_recent_file(str(Path(path).resolve()))
        self.shell.show_status(
            f"Added “{document.title}” to the project"
            if new
            else f"“{document.title}” was already in the project",
            4000,
        )
        self.refresh()
        if show:
            self.shell.open_document(document.id)

    def _load_failed(self, path: str, error: Failure) -> None:
        QApplication.restoreOverrideCursor()
        self.shell.show_status("")
        self.shell.show_error(
            f"Could not open {Path(path).name}: {describe_failure(error)}", dialog=True
        )

    def _fill_recent(self) -> None:
        prefs = self.shell.prefs
        menu = self.recent_menu
        menu.clear()
        files = prefs.recent_files()
        for i, path in enumerate(files):
            label = f"&{i + 1} {Path(path).name}" if i < 9 else Path(path).name
            action = menu.addAction(label)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_paths([p]))
        if not files:
            menu.addAction("No recent files").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear Recent Files").triggered.connect(prefs.clear_recent_files)

    # -- changing documents --------------------------------------------------------------------

    def set_document_status(self, document_id: str, status: str) -> bool:
        """The current annotator's status of a document, as an undoable step."""
        from annotator.comparing.layers import document_status

        project = self.project
        try:
            old = document_status(project, document_id, project.current_annotator.name)
        except AnnotatorError as error:
            self.shell.show_error(str(error))
            return False
        if old == status:
            return True
        return self.shell.undo.run(
            ReplaceValue(
                project,
                lambda value: project.set_document_status(document_id, value),
                old,
                status,
                f"Mark {status}",
            )
        )

    def rename_document(self, document_id: str, title: str | None = None) -> bool:
        """Give a document a title of the reader's choosing (undoable); asks when no
        ``title`` is given."""
        try:
            old = self.project.document(document_id).title
        except AnnotatorError as error:
            self.shell.show_error(str(error))
            return False
        if title is None:
            title, ok = QInputDialog.getText(
                self.shell.dialog_parent(),
                "Rename document",
                "Title:",
                QLineEdit.EchoMode.Normal,
                old,
            )
            if not ok:
                return False
        title = title.strip()
        if not title or title == old:
            return False
        return self.shell.undo.run(
            ReplaceValue(
                self.project,
                lambda value: self.project.rename_document(document_id, value),
                old,
                title,
                f"Rename “{old}”",
            )
        )

    def remove_document(self, document_id: str) -> None:
        summary = next((s for s in self.project.documents() if s.document.id == document_id), None)
        if summary is None:
            return
        answer = QMessageBox.question(
            self.shell.dialog_parent(),
            "Remove document",
            f"Remove “{summary.document.title}” and its {plural(summary.annotations, 'note')} "
            "from the project? Ctrl+Z brings it back.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        title = summary.document.title
        if not self.shell.undo.run(RemoveDocument(self.project, document_id, f"Remove “{title}”")):
            return
        self.shell.show_status(f"Removed “{title}” — Ctrl+Z brings it back", 6000)
        if self.session.is_open(document_id):
            self.session.close()


__all__ = ["COUNTING", "OPEN_FILTER", "DocumentRows", "LibraryController"]
