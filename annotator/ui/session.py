"""The reading session: what is open, where the reader is in it, and what is selected.

Everything in the window that depends on "what is open" subscribes to this object instead of
asking the window. Opening a document (or closing it) replaces the whole per-document state
in one place and says so with :attr:`ReadingSession.document_opened`, so nothing of the
previous document (its page, selection, links, a draft's place) can carry over into the next.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QObject, Signal

from annotator.core.model import Annotation, Document, DocumentKind, Link


class TextFormat(Enum):
    """How the open document is shown: its own pages, styled Markdown, or plain text."""

    NONE = "none"
    PLAIN = "plain"
    MARKDOWN = "markdown"
    PAGES = "pages"


@dataclass(frozen=True, slots=True)
class ViewState:
    """Where the reader is in the open document. A new document starts from a fresh one.

    The scroll position itself is the surface's (``top_offset``): it is read from there when
    the document is left, to be remembered for the next time it opens."""

    page: int = 0  # 0-based page on screen (paged documents)
    zoom: float = 1.0  # relative to the document's natural size


LinkedTo = tuple[Link, Annotation]


class ReadingSession(QObject):
    """The open document with its view state, selection, links and the visible annotations'
    count; signals say when any of them changes."""

    leaving = Signal(object)  # Document: about to be replaced (save its place and drafts)
    document_opened = Signal(object)  # Document | None: a new document (or none) is open
    document_renamed = Signal(object)  # Document: the open document's new title
    selection_changed = Signal(object, str)  # annotation id | None, where it was chosen
    view_state_changed = Signal(object)  # ViewState
    links_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document: Document | None = None
        self.selected_id: str | None = None
        self.view_state = ViewState()
        self._left = False
        self._links: dict[str, list[LinkedTo]] = {}

    # -- the document ----------------------------------------------------------------------

    def open(self, document: Document | None, state: ViewState | None = None) -> None:
        """Make ``document`` the open one, with nothing of the previous one kept."""
        self.leave()
        self._left = False
        self.document = document
        self.selected_id = None
        self._links = {}
        self.view_state = state or ViewState()
        self.document_opened.emit(document)

    def leave(self) -> None:
        """Say the open document is being left (its place and drafts are saved), before
        the surfaces change to the next one; :meth:`open` does it if nobody did."""
        if self.document is not None and not self._left:
            self._left = True
            self.leaving.emit(self.document)

    def close(self) -> None:
        self.open(None)

    @property
    def text_format(self) -> TextFormat:
        """How the open document is shown (its own pages, styled Markdown, plain text)."""
        return format_of(self.document)

    @property
    def document_id(self) -> str | None:
        return self.document.id if self.document is not None else None

    def is_open(self, document_id: str | None) -> bool:
        return document_id is not None and self.document_id == document_id

    def rename(self, title: str) -> None:
        if self.document is None or self.document.title == title:
            return
        self.document = dataclasses.replace(self.document, title=title)
        self.document_renamed.emit(self.document)

    # -- the selection ------------------------------------------------------------------------

    def select(self, annotation_id: str | None, source: str = "") -> None:
        """One selection for the text, the margin and the list (``source`` says which chose
        it, so that one does not scroll to itself)."""
        self.selected_id = annotation_id
        self.selection_changed.emit(annotation_id, source)

    # -- view state -----------------------------------------------------------------------------

    def update_view(self, **changes: object) -> None:
        new = dataclasses.replace(self.view_state, **changes)  # type: ignore[arg-type]
        if new != self.view_state:
            self.view_state = new
            self.view_state_changed.emit(new)

    # -- links ----------------------------------------------------------------------------------

    def set_links(self, links: dict[str, list[LinkedTo]]) -> None:
        self._links = links
        self.links_changed.emit()

    def links_of(self, annotation_id: str | None) -> list[LinkedTo]:
        return self._links.get(annotation_id or "", [])

    def linked_ids(self) -> set[str]:
        return set(self._links)


def format_of(document: Document | None) -> TextFormat:
    if document is None:
        return TextFormat.NONE
    if document.kind in (DocumentKind.PDF, DocumentKind.EPUB) and document.page_map:
        return TextFormat.PAGES
    if document.kind == DocumentKind.MARKDOWN:
        return TextFormat.MARKDOWN
    return TextFormat.PLAIN


__all__ = ["LinkedTo", "ReadingSession", "TextFormat", "ViewState", "format_of"]
