"""Find in the open document: every match marked, F3 / Shift+F3 to step, Esc to close.

Phrases match across line breaks and hyphenation (:func:`annotator.documents.find.find_spans`);
a newly opened document is searched again for what the find bar holds, so hits of the
previous document are never shown over the next.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence

from annotator.core.model import Document
from annotator.documents.find import find_spans
from annotator.ui.reading_area import ReadingArea
from annotator.ui.session import ReadingSession
from annotator.ui.shell import Shell, make_action

MAX_HITS = 100_000


class FindController(QObject):
    def __init__(self, session: ReadingSession, area: ReadingArea, shell: Shell) -> None:
        super().__init__(area)
        self.session, self.area = session, area
        self.matches: list[tuple[int, int]] = []
        self.index = -1
        owner = shell.dialog_parent()
        self.act_find = make_action(
            owner,
            "&Find…",
            self.open_find,
            QKeySequence.StandardKey.Find,
            "Find in the document; every match is marked",
        )
        self.act_find_next = make_action(owner, "Find &Next", lambda: self.step(1), ["F3"])
        self.act_find_prev = make_action(
            owner, "Find Pre&vious", lambda: self.step(-1), ["Shift+F3"]
        )
        bar = area.find_bar
        bar.search_changed.connect(self.find)
        bar.step.connect(self.step)
        bar.closed.connect(self._closed)
        session.document_opened.connect(self._document_opened)

    def _document_opened(self, document: Document | None) -> None:
        self.act_find.setEnabled(document is not None)
        bar = self.area.find_bar
        if bar.isVisible() and bar.edit.text():
            self.find(bar.edit.text(), bar.case.isChecked())
        else:
            self.matches, self.index = [], -1

    def open_find(self) -> None:
        view = self.area.view
        span = view.selection_span()
        text = view.text[span[0] : span[1]] if span and span[1] - span[0] < 80 else ""
        self.area.find_bar.open_bar(text)

    def find(self, text: str, match_case: bool) -> None:
        view = self.area.view
        self.matches = (
            find_spans(view.text, text, match_case=match_case, limit=MAX_HITS)
            if text and self.session.document is not None
            else []
        )
        top = view.top_offset()
        self.index = (
            next((i for i, (s, _e) in enumerate(self.matches) if s >= top), 0)
            if self.matches
            else -1
        )
        view.set_find_hits(self.matches, self.index)
        self.area.find_bar.show_count(self.index, len(self.matches), text)

    def step(self, direction: int) -> None:
        bar = self.area.find_bar
        if not self.matches:
            if not bar.isVisible():
                self.open_find()
            return
        self.index = (self.index + direction) % len(self.matches)
        view = self.area.view
        view.set_find_hits(self.matches, self.index)
        view.select_span(*self.matches[self.index])
        bar.show_count(self.index, len(self.matches), bar.edit.text())

    def close(self) -> bool:
        """Esc: close the bar if it is open (False if it was not)."""
        if not self.area.find_bar.isVisible():
            return False
        self.area.find_bar.close_bar()
        return True

    def _closed(self) -> None:
        self.matches, self.index = [], -1
        self.area.view.set_find_hits([], -1)
        self.area.view.setFocus()


__all__ = ["FindController"]
