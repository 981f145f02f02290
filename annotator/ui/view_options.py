"""How the reading looks: zoom, the light or dark theme, and focus mode (only the text and
its margin on screen). The View menu's own actions; each choice is remembered."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from annotator.ui.reading_area import ReadingArea
from annotator.ui.session import ReadingSession
from annotator.ui.shell import Shell, make_action
from annotator.ui.status_line import TEXT_ZOOM
from annotator.ui.theme import Theme, ThemeChoice, apply_palette, resolve


class ViewOptions(QObject):
    def __init__(
        self,
        session: ReadingSession,
        area: ReadingArea,
        shell: Shell,
        *,
        chrome: Callable[[], dict[str, QWidget]],
    ) -> None:
        """``chrome``: what focus mode hides (docks, bars, menus), by name."""
        owner = shell.dialog_parent()
        super().__init__(owner)
        self.session, self.area, self.shell, self._chrome = session, area, shell, chrome
        self._focus_saved: dict[str, bool] | None = None
        a = make_action
        self.act_zoom_in = a(owner, "Zoom &In", lambda: self.zoom(+1), ["Ctrl++", "Ctrl+="])
        self.act_zoom_out = a(owner, "Zoom &Out", lambda: self.zoom(-1), ["Ctrl+-"])
        self.act_zoom_reset = a(owner, "&Actual Size", lambda: self.zoom(0), ["Ctrl+0"])
        self.act_focus = a(
            owner,
            "&Focus Mode",
            self.toggle_focus,
            "F11",
            "Hide everything but the text and its margin",
            checkable=True,
        )
        self.theme_group = QActionGroup(owner)
        self.theme_actions: dict[ThemeChoice, QAction] = {}
        for choice, text in (
            (ThemeChoice.SYSTEM, "Follow &System"),
            (ThemeChoice.LIGHT, "&Light"),
            (ThemeChoice.DARK, "&Dark"),
        ):
            act = a(owner, text, lambda _=False, c=choice: self.set_theme(c), None, checkable=True)
            self.theme_group.addAction(act)
            self.theme_actions[choice] = act
        self.theme_choice = shell.prefs.theme()
        self.theme: Theme = resolve(self.theme_choice)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_scheme_changed)
        area.reader.set_zoom(shell.prefs.zoom())

    # -- zoom -----------------------------------------------------------------------------------

    def zoom(self, step: int) -> None:
        """One step bigger (+1) or smaller (-1), or back to 100 % (0)."""
        if self.area.showing_pdf:
            self.area.pdf_view.zoom_by(step)
            return
        reader = self.area.reader
        size = TEXT_ZOOM if step == 0 else max(8, min(36, reader.zoom + step))
        reader.set_zoom(size)
        self.shell.prefs.set_zoom(size)
        self.session.update_view(zoom=size / TEXT_ZOOM)

    # -- theme ----------------------------------------------------------------------------------

    def set_theme(self, choice: ThemeChoice) -> None:
        self.theme_choice = choice
        self.shell.prefs.set_theme(choice)
        self.apply_theme(choice)

    def apply_theme(self, choice: ThemeChoice) -> None:
        theme = resolve(choice)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_palette(app, theme)
        self.theme = theme
        self.theme_actions[choice].setChecked(True)
        self.area.set_theme(theme)

    def _system_scheme_changed(self, _scheme: object) -> None:
        if self.theme_choice == ThemeChoice.SYSTEM:
            self.apply_theme(ThemeChoice.SYSTEM)

    # -- focus mode -------------------------------------------------------------------------------

    def toggle_focus(self) -> None:
        widgets = self._chrome()
        if self.act_focus.isChecked():
            self._focus_saved = {k: w.isVisible() for k, w in widgets.items()}
            for w in widgets.values():
                w.hide()
            self.shell.show_status("Focus mode — F11 or Esc to return", 3000)
        else:
            saved = self._focus_saved or {}
            for k, w in widgets.items():
                w.setVisible(saved.get(k, True))
            self._focus_saved = None
        self.area.view.setFocus()

    def leave_focus(self) -> bool:
        """Esc, or closing the window: everything back on screen; False if not in focus mode."""
        if not self.act_focus.isChecked():
            return False
        self.act_focus.setChecked(False)
        self.toggle_focus()
        return True


__all__ = ["ViewOptions"]
