"""When the project file cannot be written or is damaged: say so once, show the file as it is,
and let the reader choose (try again, restore a backup, salvage, open another project).

The store stops taking writes after a storage failure (``Store.failure``); this module is the
window's side of that: one dialog per failure, a permanent "Not saving" button in the status
bar while writing is stopped, undo and redo held (their commands would only fail), and views
reloaded from the file so nothing on screen claims a change that was not stored. The same
dialog serves a project found damaged when the app starts (:func:`recover_at_start`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMessageBox,
    QProgressDialog,
    QStatusBar,
    QToolButton,
    QWidget,
)

from annotator.core.errors import (
    AnnotatorError,
    ProjectDamagedError,
    ProjectError,
    ProjectInUseError,
    ProjectStorageError,
)
from annotator.project import PROJECT_SUFFIX, Project
from annotator.recovery import BackupInfo, newest_intact_backup, restore_backup, salvage

PROJECTS = f"Annotator projects (*{PROJECT_SUFFIX});;All files (*)"
#: Why a backup was made, in the reader's words.
REASONS = {
    "daily": "the daily backup",
    "before-import": "made before an import",
    "before-reanchor": "made before re-anchoring",
    "before-attach": "made before attaching a copy",
    "replaced": "the project as it was before a restore",
}


class Choice(enum.Enum):
    """What the reader chose in the failure dialog."""

    RETRY = "retry"
    KEEP_READING = "keep reading"
    RESTORE = "restore"
    SALVAGE = "salvage"
    OPEN_OTHER = "open other"
    QUIT = "quit"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What recovering led to: the project file to open now, and what to tell the reader."""

    path: Path
    message: str = ""


def _backup_words(backup: BackupInfo | None) -> str:
    if backup is None:
        return "There is no intact backup of this project."
    when = backup.created.astimezone().strftime("%Y-%m-%d %H:%M")
    why = REASONS.get(backup.reason, backup.reason.replace("-", " "))
    return f"The newest intact backup is from {when} ({why}, {max(1, backup.size // 1024)} KB)."


def tell(
    parent: QWidget | None,
    title: str,
    text: str,
    icon: QMessageBox.Icon = QMessageBox.Icon.Warning,
) -> None:
    """A message with an OK button (a box of its own, like :func:`ask`'s)."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.exec()


def ask(
    parent: QWidget | None, error: AnnotatorError, project_path: Path, *, in_session: bool
) -> Choice:
    """The failure dialog: what is wrong, what was kept, and the reader's way on."""
    damaged = isinstance(error, ProjectDamagedError)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical if damaged else QMessageBox.Icon.Warning)
    box.setWindowTitle("Project damaged" if damaged else "Cannot save")
    buttons: dict[object, Choice] = {}

    def add(text: str, role: QMessageBox.ButtonRole, choice: Choice) -> None:
        buttons[box.addButton(text, role)] = choice

    if damaged:
        backup = None
        try:
            backup = newest_intact_backup(project_path)
        except (AnnotatorError, OSError):
            backup = None
        box.setText(f"The project file “{project_path.name}” is damaged.")
        box.setInformativeText(
            f"{_backup_words(backup)}\n\nRestore it (the damaged file is kept aside, not "
            "deleted), or salvage everything that can still be read into a new project."
            + ("\n\nNothing more is written to the damaged file." if in_session else "")
        )
        if backup is not None:
            add("Restore Backup", QMessageBox.ButtonRole.AcceptRole, Choice.RESTORE)
        add("Salvage into a New Project…", QMessageBox.ButtonRole.ActionRole, Choice.SALVAGE)
        add("Open Another Project…", QMessageBox.ButtonRole.ActionRole, Choice.OPEN_OTHER)
    else:
        box.setText("Your last change was not saved.")
        box.setInformativeText(
            f"{error}\n\nNothing more is written until you choose Try Again; what you see is "
            "what the project file holds."
        )
        add("Try Again", QMessageBox.ButtonRole.AcceptRole, Choice.RETRY)
    if in_session:
        add(
            "Keep Reading (Nothing Is Saved)",
            QMessageBox.ButtonRole.RejectRole,
            Choice.KEEP_READING,
        )
    else:  # nothing is open yet: the way out is to quit
        add("Quit", QMessageBox.ButtonRole.RejectRole, Choice.QUIT)
    if damaged:
        box.setDetailedText(str(error))  # SQLite's own words and the commands to type
    box.exec()
    return buttons.get(box.clickedButton(), Choice.KEEP_READING if in_session else Choice.QUIT)


def _busy(parent: QWidget | None, text: str) -> QProgressDialog:
    progress = QProgressDialog(text, "", 0, 0, parent)
    progress.setCancelButton(None)
    progress.setMinimumDuration(0)
    progress.setWindowTitle("Annotator")
    progress.show()
    QApplication.processEvents()
    return progress


@dataclass(frozen=True, slots=True)
class Plan:
    """A recovery the reader has confirmed: what to do, and the file it leads to."""

    choice: Choice
    project_path: Path
    target: Path  # the restored project, the new salvaged one, or the other project


def plan(parent: QWidget | None, choice: Choice, project_path: Path) -> Plan | None:
    """Ask what the choice needs (a file name, a confirmation) while nothing is closed yet;
    ``None`` when the reader cancels or there is nothing to do."""
    if choice is Choice.RESTORE:
        if newest_intact_backup(project_path) is None:
            tell(parent, "Restore Backup", "There is no intact backup to restore.")
            return None
        return Plan(choice, project_path, project_path)
    if choice is Choice.SALVAGE:
        default = project_path.with_name(f"{project_path.stem}-salvaged{PROJECT_SUFFIX}")
        target, _ = QFileDialog.getSaveFileName(
            parent, "Salvage into a New Project", str(default), PROJECTS
        )
        if not target:
            return None
        new = Path(target)
        if new.suffix != PROJECT_SUFFIX:
            new = new.with_name(new.name + PROJECT_SUFFIX)
        return Plan(choice, project_path, new)
    if choice is Choice.OPEN_OTHER:
        target, _ = QFileDialog.getOpenFileName(
            parent, "Open Another Project", str(project_path.parent), PROJECTS
        )
        return Plan(choice, project_path, Path(target)) if target else None
    return None


def perform(parent: QWidget | None, planned: Plan) -> Outcome:
    """Carry out a plan (the damaged project closed first); raises what went wrong."""
    if planned.choice is Choice.RESTORE:
        backup = newest_intact_backup(planned.project_path)
        if backup is None:
            raise ProjectError("there is no intact backup to restore")
        progress = _busy(parent, "Restoring the backup…")
        try:
            kept = restore_backup(planned.project_path, backup.path)
        finally:
            progress.close()
        kept_as = f"; the damaged file is kept as {kept.name}" if kept is not None else ""
        return Outcome(planned.target, f"Backup restored{kept_as}")
    if planned.choice is Choice.SALVAGE:
        progress = _busy(parent, "Salvaging what can be read…")
        try:
            report = salvage(planned.project_path, planned.target)
        finally:
            progress.close()
        tell(parent, "Salvage", report.summary(), QMessageBox.Icon.Information)
        return Outcome(
            planned.target, f"Salvaged into {planned.target.name}; the damaged file is untouched"
        )
    return Outcome(planned.target)


def recover_at_start(error: AnnotatorError, project_path: Path) -> Outcome | None:
    """A project that cannot be opened because it is damaged: the reader chooses, until there
    is a project to open or they quit. Returns it, or ``None`` to quit."""
    while True:
        choice = ask(None, error, project_path, in_session=False)
        if choice is Choice.QUIT:
            return None
        planned = plan(None, choice, project_path)
        if planned is None:
            continue
        try:
            return perform(None, planned)
        except (AnnotatorError, OSError) as failure:
            tell(None, "Annotator", f"That did not work: {failure}")


class WriteFailures(QObject):
    """The window's side of a failed write (see the module docstring).

    ``reload`` shows the views as the file holds them; ``reopen(plan)`` closes this window,
    carries the plan out (:func:`perform`) and opens the project it leads to in a new one.
    """

    _arrived = Signal(object)  # ProjectStorageError, from whichever thread failed

    def __init__(
        self,
        project: Project,
        parent: QWidget,
        status_bar: QStatusBar,
        *,
        reload: Callable[[], None],
        reopen: Callable[[Plan], object],
    ) -> None:
        super().__init__(parent)
        self.project = project
        self._parent = parent
        self._reload = reload
        self._reopen = reopen
        self._status = status_bar
        self._asking = False
        self._pending = False
        self.button = QToolButton(parent)
        self.button.setObjectName("notSavingButton")
        self.button.setText("⚠ Not saving")
        self.button.setAutoRaise(True)
        self.button.setStyleSheet("QToolButton { color: #c0392b; font-weight: bold; }")
        self.button.clicked.connect(self.report)
        self.button.hide()
        status_bar.addPermanentWidget(self.button)
        self._arrived.connect(self._failed)
        project.events.write_failed.connect(self._failed_on_any_thread)

    @property
    def stopped(self) -> bool:
        """Whether writing is stopped after a failure."""
        return self.project.write_failure is not None

    def disconnect_project(self) -> None:
        self.project.events.write_failed.disconnect(self._failed_on_any_thread, missing_ok=True)

    def _failed_on_any_thread(self, error: ProjectStorageError) -> None:
        # The background flush fails on its own thread: widgets are touched on theirs.
        self._arrived.emit(error)

    def _failed(self, error: ProjectStorageError) -> None:
        # Emitted inside the failing action: report once it has unwound.
        self.button.setToolTip(f"Nothing is saved: {error}\nClick to choose what to do.")
        self.button.show()
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self.report)

    def report(self) -> None:
        """Reload the views from the file, then ask what to do (once at a time)."""
        self._pending = False
        failure = self.project.write_failure
        if failure is None or self._asking:
            self._update()
            return
        self._asking = True
        try:
            self._reload()
            choice = ask(self._parent, failure, Path(self.project.path), in_session=True)
            self._act(choice)
        finally:
            self._asking = False
            self._update()

    def _act(self, choice: Choice) -> None:
        if choice is Choice.RETRY:
            try:
                self.project.resume_writing()
            except ProjectInUseError as error:
                tell(self._parent, "Cannot save", str(error))
            except AnnotatorError:
                QTimer.singleShot(0, self.report)  # still failing: ask again
                return
            else:
                self._reload()
                self._status.showMessage("Saving again: the project file can be written", 6000)
        elif choice in (Choice.RESTORE, Choice.SALVAGE, Choice.OPEN_OTHER):
            planned = plan(self._parent, choice, Path(self.project.path))
            if planned is None:
                QTimer.singleShot(0, self.report)  # cancelled: the choice is still open
                return
            self._reopen(planned)

    def _update(self) -> None:
        self.button.setVisible(self.stopped)


__all__ = [
    "Choice",
    "Outcome",
    "Plan",
    "WriteFailures",
    "ask",
    "perform",
    "plan",
    "recover_at_start",
]
