"""Keeping annotations attached and work safe, in the window (the service is
:mod:`annotator.reanchoring`, :mod:`annotator.recovery` and :mod:`annotator.bundle`).

- Opening a document checks its file off the GUI thread; a changed file shows a banner over
  the reader offering to re-anchor the annotations, a missing one offers to locate it.
- The Orphans dock lists the annotations whose passage was lost (quote, note, label); select
  new text and press "Re-attach here" (undoable).
- File → Restore Backup…, Export / Import Project Bundle…; Document → Attach Annotations to
  Another Copy…, Re-anchor to a New Version….
- A project busy in another program is reported with a Retry button.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import AnnotatorError, ProjectInUseError
from annotator.core.model import Annotation, AnnotationStatus, Document
from annotator.documents import load_document
from annotator.project import Project
from annotator.reanchoring import (
    DocumentChange,
    attach_to_copy,
    file_change,
    orphans,
    reanchor_loaded,
    reattach,
)
from annotator.source_files import has_own_file
from annotator.ui.commands import _ServiceCommand
from annotator.ui.tasks import BackgroundTask, Failure, describe_failure

if TYPE_CHECKING:
    from annotator.ui.library import LibraryController
    from annotator.ui.reading_area import ReadingArea
    from annotator.ui.session import ReadingSession
    from annotator.ui.shell import Shell

T = TypeVar("T")

READINGS = "Readings (*.txt *.md *.markdown *.text *.pdf *.epub);;All files (*)"
BUNDLES = "Annotator bundles (*.zip);;All files (*)"
ORPHAN_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_REOPENED: set[Any] = set()


# -- the undoable re-attach ----------------------------------------------------------------


class ReattachAnnotation(_ServiceCommand):
    """Put an orphan on a new passage; undo puts the old version (orphaned) back."""

    def __init__(self, project: Project, annotation_id: str, start: int, end: int) -> None:
        super().__init__(project, "Re-attach annotation")
        self.annotation_id, self.start, self.end = annotation_id, start, end
        self.old: Annotation | None = None
        self.new: Annotation | None = None

    def execute(self) -> None:
        self.old = self.project.annotation(self.annotation_id)
        self.new = reattach(self.project, self.annotation_id, self.start, self.end)

    def _redo(self) -> None:
        assert self.new is not None
        self.project.replace_annotation(self.new)

    def undo(self) -> None:
        assert self.old is not None
        self.project.replace_annotation(self.old)


# -- widgets -------------------------------------------------------------------------------


class ChangeBanner(QFrame):
    """A strip over the reader: what changed, and what can be done about it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changeBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "QFrame#changeBanner { background: #fff4d6; border-bottom: 1px solid #d9b860; }"
            " QFrame#changeBanner QLabel { color: #3d3000; }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 6, 6)
        self.message = QLabel(self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        row.addWidget(self.message, 1)
        self.reanchor_button = QPushButton("Re-anchor annotations", self)
        self.locate_button = QPushButton("Locate file…", self)
        self.dismiss_button = QPushButton("Dismiss", self)
        for button in (self.reanchor_button, self.locate_button, self.dismiss_button):
            row.addWidget(button)
        self.dismiss_button.clicked.connect(self.hide)
        self.change: DocumentChange | None = None
        self.hide()

    def show_change(self, change: DocumentChange) -> None:
        self.change = change
        name = Path(change.path).name
        if change.state == "missing":
            self.message.setText(
                f"The file of “{change.title}” ({name}) cannot be found. Your annotations are "
                "safe in the project; locate the file to keep reading it."
            )
        else:
            self.message.setText(
                f"The file of “{change.title}” ({name}) has changed since it was added. "
                "Re-anchor the annotations to the new version (a backup is made first)."
            )
        self.reanchor_button.setVisible(change.state == "changed")
        self.locate_button.setVisible(True)
        self.locate_button.setText(
            "Locate file…" if change.state == "missing" else "Use another file…"
        )
        self.show()

    def show_text(self, text: str) -> None:
        """After re-anchoring: the report, with only Dismiss left."""
        self.change = None
        self.message.setText(text)
        self.reanchor_button.hide()
        self.locate_button.hide()
        self.show()


class OrphansPanel(QWidget):
    """Annotations whose passage was lost: quote, note and label, and "Re-attach here"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.hint = QLabel(self)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Orphaned annotations")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        layout.addWidget(self.list, 1)
        self.reattach_button = QPushButton("Re-attach here", self)
        self.reattach_button.setToolTip(
            "Select the passage in the text, choose the annotation here, then press this"
        )
        layout.addWidget(self.reattach_button)

    def fill(self, annotations: list[Annotation]) -> None:
        current = self.current_id()
        self.list.clear()
        for a in annotations:
            quote = " ".join(a.quote.split()) or "(no quote)"
            quote = quote[:157] + "…" if len(quote) > 160 else quote
            lines = [f"“{quote}”"]
            if a.label:
                lines.append(f"Label: {a.label}")
            if a.note:
                lines.append(f"Note: {' '.join(a.note.split())}")
            item = QListWidgetItem("\n".join(lines))
            item.setData(ORPHAN_ID_ROLE, a.id)
            # Tool tips guess rich text: escape, so a note shows verbatim and loads nothing.
            item.setToolTip(f"<p style='white-space:pre-wrap'>{escape(a.note or a.quote)}</p>")
            self.list.addItem(item)
            if a.id == current:
                self.list.setCurrentItem(item)
        self.hint.setText(
            "No orphaned annotations in this document."
            if not annotations
            else (
                "1 annotation lost its passage."
                if len(annotations) == 1
                else f"{len(annotations)} annotations lost their passage."
            )
            + " Select the new passage in the text, choose the annotation here, then press "
            "Re-attach here. Double-click one to go to where it was."
        )

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(ORPHAN_ID_ROLE)) if item is not None else None


# -- the controller ------------------------------------------------------------------------


class ReliabilityController(QObject):
    """Banner, Orphans dock, backup / bundle / copy actions and the busy-project Retry."""

    def __init__(
        self,
        project: Project,
        session: ReadingSession,
        area: ReadingArea,
        library: LibraryController,
        shell: Shell,
    ) -> None:
        super().__init__(area)
        self.project, self.session, self.area = project, session, area
        self.library, self.shell = library, shell
        self.closed = False
        self._checking: str | None = None
        owner = shell.dialog_parent()
        self.banner = ChangeBanner(area)
        layout = area.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, self.banner)
        self.banner.reanchor_button.clicked.connect(self.reanchor_current)
        self.banner.locate_button.clicked.connect(self.locate_file)

        self.orphans_panel = OrphansPanel(owner)
        self.orphans_panel.reattach_button.clicked.connect(self.reattach_selected)
        self.orphans_panel.list.itemDoubleClicked.connect(self._go_to_orphan)
        self.orphans_panel.list.currentItemChanged.connect(lambda *_: self._update_button())
        area.reader.selectionChanged.connect(self._update_button)
        self.orphans_dock = QDockWidget("Orphans", owner)
        self.orphans_dock.setObjectName("orphansDock")
        self.orphans_dock.setWidget(self.orphans_panel)
        shell.add_dock(self.orphans_dock, Qt.DockWidgetArea.RightDockWidgetArea)
        self.orphans_dock.hide()

        self._build_actions()
        shell.undo.retry_in_use = self.ask_retry
        self._refresh_timer = QTimer(self, singleShot=True, interval=50)
        self._refresh_timer.timeout.connect(self.refresh_orphans)
        self._connect(project)
        session.document_opened.connect(self.document_opened)
        self._update_button()

    def _connect(self, project: Project) -> None:
        e = project.events
        # Bound methods, not lambdas: Qt disconnects them when this controller goes away.
        e.annotation_added.connect(self._refresh_if_orphaned)
        e.annotation_changed.connect(self._refresh_if_orphaned)
        e.annotation_removed.connect(self._refresh_if_orphaned)
        e.annotations_reset.connect(self._schedule_refresh)

    def _refresh_if_orphaned(self, *annotations: Annotation) -> None:
        # Listing orphans scans the whole document (~10 ms for 10,000 annotations): only
        # an edit that makes, changes or removes an orphan can change the list.
        if any(a.status == AnnotationStatus.ORPHANED for a in annotations):
            self._schedule_refresh()
        else:
            self._update_button()

    def _schedule_refresh(self, *_: object) -> None:
        self._refresh_timer.start(50)

    def _build_actions(self) -> None:
        w = self.shell.dialog_parent()
        self.act_restore = QAction("Restore &Backup…", w)
        self.act_restore.setStatusTip(
            "Put an earlier copy of the project back (made before "
            "imports, migrations and re-anchoring)"
        )
        self.act_restore.triggered.connect(self.restore_backup)
        self.act_export_bundle = QAction("Export Project &Bundle…", w)
        self.act_export_bundle.setStatusTip("A zip of the project with its source files")
        self.act_export_bundle.triggered.connect(self.export_bundle)
        self.act_import_bundle = QAction("Import Project B&undle…", w)
        self.act_import_bundle.setStatusTip("Merge a project bundle into this project")
        self.act_import_bundle.triggered.connect(self.import_bundle)
        #: For the File menu, before Quit.
        self.file_actions = [self.act_restore, self.act_export_bundle, self.act_import_bundle]

        self.act_attach = QAction("&Attach Annotations to Another Copy…", w)
        self.act_attach.setStatusTip(
            "Carry this document's annotations over to another copy "
            "of the same reading (another PDF, a text export)"
        )
        self.act_attach.triggered.connect(self.attach_to_copy)
        self.act_new_version = QAction("&Re-anchor to a New Version…", w)
        self.act_new_version.setStatusTip(
            "Replace the document's file with a new version and re-anchor its annotations"
        )
        self.act_new_version.triggered.connect(self.locate_file)
        self.act_check = QAction("&Check File for Changes", w)
        self.act_check.triggered.connect(lambda: self.document_opened(self.session.document))
        self.document_menu = QMenu("&Document", w)  # the window puts it before Help
        for act in (self.act_check, self.act_new_version, self.act_attach):
            self.document_menu.addAction(act)
        self.document_menu.addSeparator()
        self.document_menu.addAction(self.orphans_dock.toggleViewAction())
        self.document_menu.aboutToShow.connect(self._update_actions)

    def _update_actions(self) -> None:
        has_doc = self.session.document is not None
        for act in (self.act_attach, self.act_new_version, self.act_check):
            act.setEnabled(has_doc)

    # -- busy project --------------------------------------------------------------------

    def ask_retry(self, message: str) -> bool:
        """A project busy elsewhere: say so, offer Retry; True when the reader wants it."""
        answer = QMessageBox.warning(
            self.shell.dialog_parent(),
            "Project in use",
            f"{message}\n\nNothing was written. Close the other program or window using this "
            "project, then retry.",
            QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Retry,
        )
        return answer == QMessageBox.StandardButton.Retry

    def guarded(self, action: Callable[[], T]) -> T | None:
        """Run a project action: errors as a dialog, a busy project with Retry."""
        while True:
            try:
                return action()
            except ProjectInUseError as error:
                if not self.ask_retry(str(error)):
                    return None
            except AnnotatorError as error:
                self.shell.show_error(str(error), dialog=True)
                return None
            except OSError as error:
                self.shell.show_error(f"Cannot read or write a file: {error}", dialog=True)
                return None

    # -- noticing a changed file ---------------------------------------------------------

    def document_opened(self, document: Document | None) -> None:
        """Hash the document's file off the GUI thread; a banner if it changed or is gone."""
        self.banner.hide()
        # After the first paint: listing orphans scans every annotation of the document
        # (~10 ms for 10,000), which a long document's first screen should not wait for.
        self._refresh_timer.start(0)
        self._update_actions()
        if document is None or not has_own_file(document):
            return
        self._checking = document.id
        BackgroundTask(
            lambda _task: [c for c in [file_change(document)] if c is not None],
            parent=self,
            what=f"checking the file of “{document.title}”",
            on_success=lambda changes, i=document.id: self._checked(i, changes),
            on_failure=lambda error: self.shell.show_status(describe_failure(error), 6000),
        ).start()

    def _checked(self, document_id: str, changes: list[DocumentChange]) -> None:
        if self.session.document is None or self.session.document.id != document_id:
            return
        self._checking = None
        if changes:
            self.banner.show_change(changes[0])
            verb = "is missing" if changes[0].state == "missing" else "has changed"
            self.shell.show_status(f"The file of “{changes[0].title}” {verb}", 6000)

    def reanchor_current(self) -> None:
        change = self.banner.change
        if change is None:
            return
        self._reanchor(change.document_id, change.path)

    def locate_file(self) -> None:
        if self.session.document is None:
            return
        start = str(Path(self.session.document.path).parent) if self.session.document.path else ""
        path, _ = QFileDialog.getOpenFileName(
            self.shell.dialog_parent(),
            f"The new version of “{self.session.document.title}”",
            start,
            READINGS,
        )
        if path:
            self._reanchor(self.session.document.id, path)

    def _reanchor(self, document_id: str, path: str) -> None:
        """Decode the file off the GUI thread, then re-anchor (one transaction) on it."""
        self.shell.show_status(f"Re-anchoring annotations on {Path(path).name}…")
        self.banner.reanchor_button.setEnabled(False)
        BackgroundTask(
            lambda _task: load_document(path),
            parent=self,
            what=f"reading {Path(path).name}",
            on_success=lambda loaded: self._reanchor_loaded(document_id, loaded, path),
            on_failure=self._reanchor_failed,
        ).start()

    def _reanchor_failed(self, error: Failure) -> None:
        self.banner.reanchor_button.setEnabled(True)
        self.shell.show_status("")
        self.shell.show_error(f"Cannot re-anchor: {describe_failure(error)}", dialog=True)

    def _reanchor_loaded(self, document_id: str, loaded: Any, path: str) -> None:
        self.banner.reanchor_button.setEnabled(True)
        report = self.guarded(
            lambda: reanchor_loaded(self.project, document_id, loaded, str(Path(path).resolve()))
        )
        if report is None:
            self.shell.show_status("")
            return
        self.shell.undo.clear()  # the history's offsets belong to the old text
        if self.session.is_open(document_id):
            self.session.close()  # the text changed: load it again
            self.shell.open_document(document_id)
        summary = f"Re-anchored: {report.summary()}"
        self.banner.show_text(
            summary + (". The orphans wait in the Orphans list." if report.orphaned else ".")
        )
        self.shell.show_status(summary, 8000)
        if report.orphaned:
            self.orphans_dock.show()
            self.orphans_dock.raise_()

    # -- orphans ----------------------------------------------------------------------------

    def close(self) -> None:
        """The window closes: nothing more is asked of its project."""
        self.closed = True
        self._refresh_timer.stop()

    def refresh_orphans(self) -> None:
        if self.session.document is None or self.closed:
            self.orphans_panel.fill([])
        else:
            try:
                found = orphans(self.project, self.session.document.id)
            except AnnotatorError:
                found = []
            self.orphans_panel.fill(found)
            if found and not self.orphans_dock.isVisible():
                self.orphans_dock.show()
        self._update_button()

    def _update_button(self) -> None:
        ready = self.orphans_panel.current_id() is not None and self.area.reader.has_selection()
        self.orphans_panel.reattach_button.setEnabled(ready)

    def _go_to_orphan(self, item: QListWidgetItem) -> None:
        ident = str(item.data(ORPHAN_ID_ROLE))
        try:
            a = self.project.annotation(ident)
        except AnnotatorError:
            return
        self.area.reader.scroll_to_offset(a.start)

    def reattach_selected(self) -> None:
        ident = self.orphans_panel.current_id()
        span = self.area.reader.selection_span()
        if ident is None or span is None or span[1] <= span[0]:
            self.shell.show_error("Select the passage in the text and an orphan in the list first")
            return
        if self.shell.undo.run(ReattachAnnotation(self.project, ident, span[0], span[1])):
            self.shell.show_status("Re-attached — Ctrl+Z to undo", 4000)
            self.area.reader.clear_selection()

    # -- backups, bundles, copies --------------------------------------------------------

    def restore_backup(self) -> QWidget | None:
        """File → Restore Backup…: choose, confirm, close the project, restore, reopen."""
        from annotator.recovery import list_backups
        from annotator.recovery import restore_backup as restore

        path = Path(self.project.path)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            backups = list_backups(path)  # each one checked
        finally:
            QApplication.restoreOverrideCursor()
        if not backups:
            QMessageBox.information(
                self.shell.dialog_parent(),
                "Restore Backup",
                "This project has no backups yet. One is made each day it is opened, and "
                "before every import, migration and re-anchoring.",
            )
            return None
        names = [
            f"{b.created.astimezone().strftime('%Y-%m-%d %H:%M:%S')} — {b.reason} — "
            f"{max(1, b.size // 1024)} KB" + ("" if b.intact else " — damaged, cannot be restored")
            for b in backups
        ]
        name, ok = QInputDialog.getItem(
            self.shell.dialog_parent(),
            "Restore Backup",
            "Restore the project as it was:",
            names,
            0,
            False,
        )
        if not ok or name not in names:
            return None
        backup = backups[names.index(name)]
        if not backup.intact:
            QMessageBox.warning(
                self.shell.dialog_parent(),
                "Restore Backup",
                f"That backup is damaged ({backup.problem}); choose another.",
            )
            return None
        answer = QMessageBox.question(
            self.shell.dialog_parent(),
            "Restore Backup",
            f"Replace the project with the backup from {name}?\n\nEverything done since is "
            "replaced; the project as it is now is kept beside it (listed here as “replaced”), "
            "so this can be undone by restoring that.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
        kept: list[Path] = []

        def change() -> str:
            while True:
                try:
                    kept.append(restore(path, backup.path))
                    break
                except ProjectInUseError as error:
                    if not self.ask_retry(str(error)):
                        break
                except (AnnotatorError, OSError) as error:
                    QMessageBox.warning(None, "Restore Backup", f"Cannot restore: {error}")
                    break
            return (
                f"Backup restored; the replaced project is kept as {kept[0].name}" if kept else ""
            )

        return self.shell.replace_project(change)

    def export_bundle(self) -> None:
        from annotator.bundle import export_bundle

        target, _ = QFileDialog.getSaveFileName(
            self.shell.dialog_parent(),
            "Export Project Bundle",
            str(Path(self.project.path).with_suffix(".zip")),
            BUNDLES,
        )
        if not target:
            return
        written = self.guarded(lambda: export_bundle(self.project, target))
        if written is not None:
            self.shell.show_status(f"Bundle written to {written}", 6000)

    def import_bundle(self) -> None:
        from annotator.bundle import import_bundle

        source, _ = QFileDialog.getOpenFileName(
            self.shell.dialog_parent(), "Import Project Bundle", "", BUNDLES
        )
        if not source:
            return
        report = self.guarded(lambda: import_bundle(self.project, source))
        if report is not None:
            self.shell.undo.clear()
            self.library.refresh()
            QMessageBox.information(
                self.shell.dialog_parent(), "Import Project Bundle", report.summary()
            )

    def attach_to_copy(self) -> None:
        if self.session.document is None:
            return
        source = self.session.document
        path, _ = QFileDialog.getOpenFileName(
            self.shell.dialog_parent(), f"Another copy of “{source.title}”", "", READINGS
        )
        if not path:
            return
        result = self.guarded(lambda: attach_to_copy(self.project, source.id, path))
        if result is None:
            return
        target, report = result
        self.library.refresh()
        self.shell.show_status(f"Attached to “{target.title}”: {report.summary()}", 8000)
        self.shell.open_document(target.id)


def reopen_window(
    make_window: Callable[[Project, Any], QWidget],
    path: Path,
    prefs: Any,
    document_id: str | None,
    message: str = "",
) -> Any:
    """A new window (from ``make_window(project, prefs)``) on a project: a restored,
    salvaged or other one, the old window and its project being closed; ``message`` goes to
    its status bar."""
    from PySide6.QtWidgets import QApplication

    try:
        project = Project(path)
    except AnnotatorError as error:
        QMessageBox.critical(None, "Annotator", f"Cannot open the project: {error}")
        return None
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(project.close)
    window: Any = make_window(project, prefs)
    _REOPENED.add(window)  # the app's only reference to it
    window.destroyed.connect(lambda *_: _REOPENED.discard(window))
    window.show()
    ids = {s.document.id for s in project.documents()}
    if document_id in ids:
        window.open_document(document_id)
    if message:
        window.statusBar().showMessage(message, 8000)
    return window


__all__ = [
    "ChangeBanner",
    "OrphansPanel",
    "ReattachAnnotation",
    "ReliabilityController",
    "reopen_window",
]
