"""The status bar's permanent right-hand side: the open document's counts, where the reader
is (line and column, or page), the zoom, and whose annotations are being made."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QToolButton

from annotator.core.model import Document
from annotator.project import Project
from annotator.ui.reading_area import ReadingArea
from annotator.ui.session import ReadingSession
from annotator.ui.shell import Shell

TEXT_ZOOM = 13  # points: the text reader's 100 %


class StatusLine(QObject):
    def __init__(
        self,
        project: Project,
        session: ReadingSession,
        area: ReadingArea,
        shell: Shell,
        *,
        counts: Callable[[], str],
        page_text: Callable[[], str],
    ) -> None:
        owner = shell.dialog_parent()
        super().__init__(owner)
        self.project, self.session, self.area = project, session, area
        self._counts, self._page_text = counts, page_text
        self.annotator_button = QToolButton(owner)
        self.annotator_button.setAutoRaise(True)
        self.annotator_button.setToolTip("The name your annotations are saved under")
        self.counts_label = QLabel(owner)
        self.position_label = QLabel(owner)
        self.zoom_label = QLabel(owner)
        bar = shell.status_bar()
        for label in (self.counts_label, self.position_label, self.zoom_label):
            label.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(label)
        bar.addPermanentWidget(self.annotator_button)
        self.update_annotator()
        session.document_opened.connect(self._document_opened)
        session.view_state_changed.connect(lambda _state: self.update_position())
        area.reader.cursorPositionChanged.connect(self.update_position)
        for view in area.views():
            view.layout_changed.connect(self.update_position)

    def _document_opened(self, _document: Document | None) -> None:
        self.update_counts()
        self.update_position()

    def update_counts(self) -> None:
        self.counts_label.setText(self._counts() if self.session.document is not None else "")

    def update_position(self) -> None:
        area = self.area
        if area.showing_pdf:
            self.position_label.setText(self._page_text())
            self.zoom_label.setText(f"{round(100 * area.pdf_view.zoom)}%")
            return
        reader = area.reader
        if self.session.document is None:
            self.position_label.setText("")
        else:
            cursor = reader.textCursor()
            bar = reader.verticalScrollBar()
            percent = round(100 * bar.value() / bar.maximum()) if bar.maximum() else 0
            self.position_label.setText(
                f"Line {cursor.blockNumber() + 1}, col {cursor.positionInBlock() + 1} · {percent}%"
            )
        self.zoom_label.setText(f"{round(100 * reader.zoom / TEXT_ZOOM)}%")

    def update_annotator(self, *_args: object) -> None:
        self.annotator_button.setText(f"Annotator: {self.project.current_annotator.name} ▾")


__all__ = ["TEXT_ZOOM", "StatusLine"]
