"""A status bar whose messages never run under its permanent widgets (the counts, the
position, the annotator): a message too long for the room left is cut with "…" and shown
whole in its tooltip, and cut again when the window is resized."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QStatusBar, QWidget


class ElidingStatusBar(QStatusBar):
    """:meth:`showMessage` elides; :meth:`currentMessage` still gives the whole message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._whole = ""  # the message as given
        self._shown = ""  # as shown (elided)
        self._until: float | None = None  # when a timed message goes (monotonic seconds)
        self._permanent: list[QWidget] = []

    def addPermanentWidget(self, widget: QWidget, stretch: int = 0) -> None:
        self._permanent.append(widget)
        super().addPermanentWidget(widget, stretch)

    def showMessage(self, text: str, timeout: int = 0) -> None:
        self._whole = text
        self._until = time.monotonic() + timeout / 1000 if timeout > 0 else None
        self._shown = self._elided(text)
        self.setToolTip(text if self._shown != text else "")
        super().showMessage(self._shown, timeout)

    def currentMessage(self) -> str:
        shown = super().currentMessage()
        # A status tip from a menu reaches Qt's own showMessage: that one is shown as is.
        return self._whole if shown and shown == self._shown else shown

    def clearMessage(self) -> None:
        self._whole = self._shown = ""
        self.setToolTip("")
        super().clearMessage()

    def _room(self) -> int:
        used = sum(w.width() + 8 for w in self._permanent if w.isVisible())
        return max(80, self.width() - used - 24)

    def _elided(self, text: str) -> str:
        line = text.replace("\n", " ")
        return self.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, self._room())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self._whole or super().currentMessage() != self._shown:
            return
        left = 0
        if self._until is not None:
            left = int((self._until - time.monotonic()) * 1000)
            if left <= 0:
                return  # about to go anyway
        self._shown = self._elided(self._whole)
        self.setToolTip(self._whole if self._shown != self._whole else "")
        super().showMessage(self._shown, left)
