"""The reader's preferences: window layout, zoom, theme, recent files, last positions.

Kept in QSettings (an INI file in the user's config folder), never in the project: a
project moves between machines and annotators, these belong to one person's desk.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from annotator.ui.theme import ThemeChoice

MAX_RECENT = 10


class Preferences:
    """Typed access to the settings file; ``path`` lets tests use a temporary one."""

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            self._settings = QSettings(
                QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Annotator", "Annotator"
            )
        else:
            self._settings = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def file(self) -> str:
        return self._settings.fileName()

    def sync(self) -> None:
        self._settings.sync()

    # -- window -------------------------------------------------------------------------

    def geometry(self) -> QByteArray | None:
        value = self._settings.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def set_geometry(self, value: QByteArray) -> None:
        self._settings.setValue("window/geometry", value)

    def window_state(self) -> QByteArray | None:
        value = self._settings.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def set_window_state(self, value: QByteArray) -> None:
        self._settings.setValue("window/state", value)

    def splitter(self, name: str) -> QByteArray | None:
        value = self._settings.value(f"window/splitter-{name}")
        return value if isinstance(value, QByteArray) else None

    def set_splitter(self, name: str, value: QByteArray) -> None:
        self._settings.setValue(f"window/splitter-{name}", value)

    # -- reading --------------------------------------------------------------------------

    def zoom(self) -> int:
        """Reader font size in points."""
        try:
            return max(7, min(40, int(self._settings.value("reader/zoom", 13))))
        except (TypeError, ValueError):
            return 13

    def set_zoom(self, points: int) -> None:
        self._settings.setValue("reader/zoom", int(points))

    def theme(self) -> ThemeChoice:
        try:
            return ThemeChoice(str(self._settings.value("view/theme", ThemeChoice.SYSTEM)))
        except ValueError:
            return ThemeChoice.SYSTEM

    def set_theme(self, choice: ThemeChoice) -> None:
        self._settings.setValue("view/theme", str(choice))

    def position(self, document_key: str) -> int:
        """Where the reader left this document: a code-point offset at the top of the view."""
        try:
            return max(0, int(self._settings.value(f"positions/{document_key}", 0)))
        except (TypeError, ValueError):
            return 0

    def set_position(self, document_key: str, offset: int) -> None:
        self._settings.setValue(f"positions/{document_key}", int(offset))

    def last_document(self, project_key: str) -> str | None:
        value = self._settings.value(f"projects/{_key(project_key)}/last_document")
        return str(value) if value else None

    def set_last_document(self, project_key: str, document_id: str) -> None:
        self._settings.setValue(f"projects/{_key(project_key)}/last_document", document_id)

    def label_set(self) -> str | None:
        value = self._settings.value("annotate/label_set")
        return str(value) if value else None

    def set_label_set(self, name: str) -> None:
        self._settings.setValue("annotate/label_set", name)

    def color(self) -> str | None:
        value = self._settings.value("annotate/color")
        return str(value) if value else None

    def set_color(self, color: str) -> None:
        self._settings.setValue("annotate/color", color)

    def bool(self, key: str, default: bool) -> bool:
        value = self._settings.value(key, default)
        if isinstance(value, str):
            return value.lower() in ("1", "true", "yes")
        return bool(value)

    def set_bool(self, key: str, value: bool) -> None:
        self._settings.setValue(key, bool(value))

    def suggestion_model(self) -> str:
        """The pipeline chosen in the suggestion settings ("" = the default)."""
        return self.text("suggest/model", "")

    def text(self, key: str, default: str = "") -> str:
        value = self._settings.value(key, default)
        return str(value) if value is not None else default

    def set_text(self, key: str, value: str) -> None:
        self._settings.setValue(key, str(value))

    # -- recent files -----------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        value = self._settings.value("recent/files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or []) if v]

    def add_recent_file(self, path: str) -> list[str]:
        files = [path, *(f for f in self.recent_files() if f != path)][:MAX_RECENT]
        self._settings.setValue("recent/files", files)
        return files

    def clear_recent_files(self) -> None:
        self._settings.setValue("recent/files", [])


def _key(text: str) -> str:
    # QSettings keys may not contain slashes or backslashes.
    return text.replace("\\", "_").replace("/", "_").replace(":", "_")
