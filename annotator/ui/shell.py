"""What a part of the window may ask of the window around it.

Controllers (annotating, legend, find, PDF, suggestions, layers…) take the project, the
:class:`~annotator.ui.session.ReadingSession` and a :class:`Shell`: report an error, say
something in the status bar, put a command on the undo stack, add a dock, a menu or a
window-wide action. They never import the main window, so each can be read, built and tested
on its own, and the window is only the place where they are put together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu, QStatusBar, QWidget

from annotator.ui.commands import UndoHistory
from annotator.ui.preferences import Preferences

Shortcut = str | QKeySequence.StandardKey | list[str] | None


class Shell(Protocol):
    """The window as its parts see it."""

    prefs: Preferences
    undo: UndoHistory

    def show_error(self, message: str, *, dialog: bool = False) -> None:
        """An error in the reader's words: the status bar, or a dialog when it matters."""

    def show_status(self, message: str, timeout: int = 0) -> None:
        """A passing message in the status bar (``timeout`` in ms; 0 keeps it)."""

    def status_message(self) -> str:
        """What the status bar says now (whole, even if cut on screen)."""

    def status_bar(self) -> QStatusBar:
        """For progress bars and buttons that live in the status bar."""

    def dialog_parent(self) -> QWidget:
        """The window dialogs and menus belong to."""

    def add_dock(self, dock: QDockWidget, area: Qt.DockWidgetArea) -> None: ...

    def menu(self, title: str) -> QMenu | None:
        """The menu bar's menu called ``title`` (without ``&``), if there is one."""

    def insert_menu(self, menu: QMenu, *, before: str) -> None: ...

    def add_action(self, action: QAction) -> None:
        """A window-wide action: its keys work wherever the focus is (and in focus mode)."""

    def open_document(self, document_id: str) -> None: ...

    def replace_project(self, change: Callable[[], str]) -> QWidget | None:
        """Close the window and its project, run ``change`` on the closed file (restoring a
        backup), and reopen the project in a new window, showing what ``change`` says."""

    def set_title(self, title: str) -> None:
        """What the title bar names (a file still being opened, before it is a document)."""


def make_action(
    owner: QWidget,
    text: str,
    slot: object,
    shortcut: Shortcut = None,
    tip: str = "",
    *,
    checkable: bool = False,
) -> QAction:
    """An action with its keys named in its tooltip, working window-wide (``owner`` is the
    window: actions added there keep their keys with the menus hidden in focus mode)."""
    action = QAction(text, owner)
    if isinstance(shortcut, list):
        action.setShortcuts([QKeySequence(s) for s in shortcut])
    elif shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        name = text.replace("&", "").rstrip("…")
        action.setToolTip(f"{name} ({keys})" if keys else name)
    action.setCheckable(checkable)
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(slot)  # type: ignore[arg-type]
    owner.addAction(action)
    return action


__all__ = ["Shell", "Shortcut", "make_action"]
