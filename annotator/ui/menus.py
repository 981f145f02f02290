"""Menus from lists, and the keyboard shortcut list read back from the menus.

The window says what goes in each menu (actions, submenus, separators) as data; the list of
shortcuts (F1) is read from the menus themselves, so it can never disagree with them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar

from annotator.core.model import LabelSet

SEPARATOR = None
Item = QAction | QMenu | tuple[str, "Sequence[Item]"] | None


def fill_menu(menu: QMenu, items: Sequence[Item]) -> None:
    """Add ``items`` to ``menu``: an action, a ready menu, ``(title, items)`` for a new
    submenu, or :data:`SEPARATOR`."""
    for item in items:
        if item is SEPARATOR:
            menu.addSeparator()
        elif isinstance(item, QAction):
            menu.addAction(item)
        elif isinstance(item, QMenu):
            menu.addMenu(item)
        else:
            title, sub = item
            fill_menu(menu.addMenu(title), sub)


def add_menu(bar: QMenuBar, title: str, items: Sequence[Item]) -> QMenu:
    menu = bar.addMenu(title)
    fill_menu(menu, items)
    return menu


def shortcut_rows(bar: QMenuBar, label_set: LabelSet | None) -> list[tuple[str, str, str]]:
    """(keys, what they do, where) for every menu action with keys, the label keys of the
    current set, and the keys that belong to no menu."""

    def keys(action: QAction) -> str:
        return ", ".join(
            s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()
        )

    rows: list[tuple[str, str, str]] = []
    for menu_action in bar.actions():
        menu = menu_action.menu()
        if menu is None:
            continue
        stack = [(menu, menu_action.text().replace("&", ""))]
        while stack:
            current, where = stack.pop(0)
            for action in current.actions():
                sub = action.menu()
                if sub is not None:
                    stack.append((sub, f"{where} › {action.text().replace('&', '')}"))
                    continue
                if action.isSeparator() or not action.shortcuts():
                    continue
                rows.append((keys(action), action.text().replace("&", "").split("\t")[0], where))
    for label in label_set.labels if label_set else ():
        if label.key and label_set is not None:
            rows.append(
                (
                    label.key.upper(),
                    f"Label “{label.name}” (over a selection)",
                    f"Annotate › Label ({label_set.name})",
                )
            )
    rows += [
        ("Esc", "Cancel linking, close Find, clear the selection, leave focus mode", ""),
        ("Ctrl+Enter", "Save the note you are writing in the margin", "margin card"),
        ("Double-click", "Edit the note of the annotation under the pointer", "reader"),
        ("Drag an end", "Resize the selected annotation", "reader"),
    ]
    return rows


__all__ = ["SEPARATOR", "add_menu", "fill_menu", "shortcut_rows"]
