"""Margin notes: comment cards beside their passages, like a word processor's comments.

Only the cards for the text on screen exist as widgets; they are laid out top to bottom at
the height of their passage and pushed down just enough not to overlap. A card's note is
edited in place (double-click, or Enter on the selected annotation): Ctrl+Enter saves,
Escape cancels. A new comment starts as a draft card that becomes an annotation on save.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import Annotation, AnnotationKind, Link
from annotator.ui.models import when
from annotator.ui.reader import ReaderView
from annotator.ui.theme import Theme

CARD_GAP = 8
MARGIN_WIDTH = 290

LinksFor = Callable[[str], list[tuple[Link, Annotation]]]
Describe = Callable[[Annotation], tuple[str, str, str]]  # (mark text, colour, annotator)


def wants_card(a: Annotation) -> bool:
    """Comments, summaries and anything with a note get a card; links add one too."""
    return bool(a.note) or a.kind in (AnnotationKind.COMMENT, AnnotationKind.SUMMARY)


class _NoteEditor(QPlainTextEdit):
    save = Signal()
    cancel = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.save.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.cancel.emit()
            return
        super().keyPressEvent(event)


class Card(QFrame):
    """One margin note. ``annotation`` is None for a draft not yet saved."""

    clicked = Signal(str)
    saved = Signal(str, str)  # annotation id ("" for a draft), note
    cancelled = Signal(str)
    link_clicked = Signal(str)

    def __init__(self, annotation: Annotation | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.annotation = annotation
        self.anchor = annotation.start if annotation else 0
        self.setObjectName("card")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 7, 10, 8)
        layout.setSpacing(3)
        self.header = QLabel(self)
        self.header.setObjectName("cardHeader")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.body = QLabel(self)
        self.body.setObjectName("cardBody")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.links = QLabel(self)
        self.links.setObjectName("cardLinks")
        self.links.setWordWrap(True)
        self.links.setTextFormat(Qt.TextFormat.RichText)
        self.links.linkActivated.connect(self.link_clicked)
        self.editor = _NoteEditor(self)
        self.editor.setObjectName("cardEditor")
        self.editor.setPlaceholderText("Write your note…")
        self.editor.setTabChangesFocus(True)
        self.editor.save.connect(self._save)
        self.editor.cancel.connect(self._cancel)
        self.hint = QLabel("Ctrl+Enter to save · Esc to cancel", self)
        self.hint.setObjectName("cardHint")
        for w in (self.header, self.body, self.links, self.editor, self.hint):
            layout.addWidget(w)
        self.editor.hide()
        self.hint.hide()
        self.selected = False

    @property
    def editing(self) -> bool:
        return self.editor.isVisible()

    def fill(
        self,
        annotation: Annotation | None,
        mark: str,
        color: str,
        who: str,
        links: list[tuple[Link, Annotation]],
        theme: Theme,
    ) -> None:
        self.annotation = annotation
        dot = f'<span style="color:{escape(color)}">●</span> ' if color else ""
        stamp = f" — {escape(who)}" if who else ""
        if annotation is not None:
            stamp += f", {when(annotation.modified)}"
        muted = theme.muted.name()
        self.header.setText(f'{dot}<b>{escape(mark)}</b><span style="color:{muted}">{stamp}</span>')
        note = annotation.note if annotation else ""
        self.body.setText(note)
        self.body.setVisible(bool(note) and not self.editing)
        if links:
            accent = theme.accent.name()
            items = []
            for _link, other in links[:4]:
                quote = " ".join(other.quote.split())
                quote = quote[:40] + "…" if len(quote) > 40 else quote
                items.append(
                    f'<a style="color:{accent}; text-decoration:none" '
                    f'href="{other.id}">↔ “{escape(quote or "(document)")}”</a>'
                )
            if len(links) > 4:
                items.append(f"and {len(links) - 4} more")
            self.links.setText("<br>".join(items))
            self.links.show()
        else:
            self.links.hide()

    def start_editing(self) -> None:
        self.editor.setPlainText(self.annotation.note if self.annotation else "")
        self.body.hide()
        self.editor.show()
        self.hint.show()
        self.editor.setFixedHeight(max(70, min(200, self.editor.document().lineCount() * 22 + 30)))
        self.editor.setFocus()
        self.editor.moveCursor(self.editor.textCursor().MoveOperation.End)

    def stop_editing(self) -> None:
        self.editor.hide()
        self.hint.hide()
        self.body.setVisible(bool(self.body.text()))

    def _save(self) -> None:
        text = self.editor.toPlainText().strip()
        self.stop_editing()
        self.saved.emit(self.annotation.id if self.annotation else "", text)

    def _cancel(self) -> None:
        self.stop_editing()
        self.cancelled.emit(self.annotation.id if self.annotation else "")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.annotation is not None:
            self.clicked.emit(self.annotation.id)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.annotation is not None and not self.editing:
            self.start_editing()


class MarginView(QWidget):
    """The column of cards to the right of the reader, following its scrolling."""

    card_clicked = Signal(str)
    note_saved = Signal(str, str)  # annotation id, new note
    draft_saved = Signal(str)  # the note of a new comment
    draft_cancelled = Signal()
    link_clicked = Signal(str)

    def __init__(self, reader: ReaderView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reader = reader
        self.setObjectName("margin")
        self.setMinimumWidth(200)
        self.setAccessibleName("Margin notes")
        self.theme = reader.theme
        self._cards: dict[str, Card] = {}
        self._pool: list[Card] = []  # hidden cards kept for reuse: scrolling makes no widgets
        self._draft: Card | None = None
        self._draft_title = ""
        self._links_for: LinksFor = lambda _id: []
        self._describe: Describe = lambda a: (a.kind.value, a.color or "", "")
        self._linked_ids: set[str] = set()
        self.selected_id: str | None = None
        self.setAutoFillBackground(False)
        self._background = self.theme.paper.darker(103)
        self._rebuild_timer = QTimer(self, singleShot=True, interval=0)
        self._rebuild_timer.timeout.connect(self.rebuild_now)
        reader.layout_changed.connect(self.relayout)

    def set_reader(self, reader: ReaderView) -> None:
        """Follow another reading surface (the text reader or the PDF view)."""
        if reader is self.reader:
            return
        self.reader.layout_changed.disconnect(self.relayout)
        for ident in list(self._cards):
            self._drop(ident)
        self.cancel_draft()
        self.reader = reader
        reader.layout_changed.connect(self.relayout)
        self.relayout()

    def configure(self, links_for: LinksFor, describe: Describe) -> None:
        self._links_for, self._describe = links_for, describe

    def set_linked(self, ids: set[str]) -> None:
        self._linked_ids = ids
        self.rebuild()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        border, card, ink, muted = (
            theme.card_border.name(),
            theme.card.name(),
            theme.ink.name(),
            theme.muted.name(),
        )
        accent = theme.accent.name()
        self.setStyleSheet(f"""
            QFrame#card {{ background: {card}; border: 1px solid {border}; border-radius: 6px; }}
            QFrame#card[selected="true"] {{ border: 2px solid {accent}; }}
            QFrame#card[draft="true"] {{ border: 2px dashed {accent}; }}
            QLabel#cardHeader {{ color: {ink}; font-size: 11px; }}
            QLabel#cardBody {{ color: {ink}; font-size: 13px; }}
            QLabel#cardLinks {{ font-size: 11px; }}
            QLabel#cardHint {{ color: {muted}; font-size: 10px; }}
            QPlainTextEdit#cardEditor {{ background: {card}; color: {ink};
                border: 1px solid {border}; border-radius: 4px; font-size: 13px; }}
        """)
        # Painted by hand (paintEvent): with a style sheet set, Qt's re-polish puts back the
        # palette it first saw, so a palette colour would stay light after switching to dark.
        self._background = theme.paper.darker(103) if not theme.dark else theme.paper.lighter(112)
        self.update()
        self.rebuild()

    # -- which cards exist -------------------------------------------------------------------

    def rebuild(self) -> None:
        """Refill every card (after edits, link changes, a theme switch), once per event turn."""
        self._rebuild_timer.start()

    def rebuild_now(self) -> None:
        self._rebuild_timer.stop()
        for ident, card in list(self._cards.items()):
            a = self.reader.index.get(ident)
            if a is None or not self._shows(a):
                if not card.editing:
                    self._drop(ident)
                continue
            self._fill(card, a)
        self.relayout()

    def _shows(self, a: Annotation) -> bool:
        return wants_card(a) or a.id in self._linked_ids

    def _fill(self, card: Card, a: Annotation) -> None:
        mark, color, who = self._describe(a)
        card.fill(
            a,
            mark,
            color,
            who,
            self._links_for(a.id) if a.id in self._linked_ids else [],
            self.theme,
        )
        card.anchor = a.start

    def _drop(self, ident: str) -> None:
        card = self._cards.pop(ident, None)
        if card is not None:
            card.hide()
            if card.editing:
                card.stop_editing()
            if len(self._pool) < 40:
                self._pool.append(card)
            else:
                card.deleteLater()

    def _card_for(self, a: Annotation) -> Card:
        card = self._cards.get(a.id)
        if card is None:
            if self._pool:
                card = self._pool.pop()
            else:
                card = Card(a, self)
                card.clicked.connect(self.card_clicked)
                card.saved.connect(self._on_saved)
                card.cancelled.connect(lambda _id: self.relayout())
                card.link_clicked.connect(self.link_clicked)
            self._cards[a.id] = card
            self._fill(card, a)
            card.show()
        return card

    def clear(self) -> None:
        for ident in list(self._cards):
            self._drop(ident)
        self.cancel_draft()

    def card(self, annotation_id: str) -> Card | None:
        if self._rebuild_timer.isActive():
            self.rebuild_now()
        return self._cards.get(annotation_id)

    def cards(self) -> list[Card]:
        return [c for c in self._cards.values() if c.isVisible()]

    # -- layout -------------------------------------------------------------------------------

    def relayout(self) -> None:
        if self.reader.doc is None:
            for ident in list(self._cards):
                self._drop(ident)
            return
        height = self.height()
        top_cp, bottom_cp = self.reader.visible_codepoints()
        span = max(1, bottom_cp - top_cp)
        wanted = [
            a
            for a in self.reader.index.overlapping(max(0, top_cp - span), bottom_cp + 1)
            if self._shows(a) and (a.start >= top_cp - span)
        ]
        # Whole-document notes (0, 0) belong at the top of the text.
        if top_cp == 0:
            wanted = [
                a
                for a in self.reader.index.overlapping(0, 1)
                if self._shows(a) and a.start == a.end == 0
            ] + [w for w in wanted if w.start or w.end]
        keep = {a.id for a in wanted}
        for ident, card in list(self._cards.items()):
            if ident not in keep and not card.editing:
                self._drop(ident)
        placed: list[tuple[float, QWidget]] = []
        offset = self._viewport_top()
        for a in wanted:
            y = self.reader.offset_y(a.start)
            if y is None:
                continue
            card = self._card_for(a)
            selected = a.id == self.selected_id
            if card.property("selected") != selected:
                card.setProperty("selected", selected)
                card.style().unpolish(card)
                card.style().polish(card)
            placed.append((y + offset, card))
        if self._draft is not None:
            y = self.reader.offset_y(self._draft.anchor)
            if y is not None:
                placed.append((y + offset, self._draft))
        placed.sort(key=lambda item: item[0])
        width = self.width() - 2 * CARD_GAP
        bottom = -1e9
        for y, card in placed:
            card.setFixedWidth(width)
            h = card.heightForWidth(width) if card.hasHeightForWidth() else -1
            h = max(h, card.sizeHint().height())
            top = max(y - 4, bottom + CARD_GAP)
            card.setGeometry(CARD_GAP, round(top), width, h)
            bottom = top + h
            card.setVisible(top < height + 400)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        background = QPainter(self)
        background.fillRect(event.rect(), self._background)
        background.end()
        super().paintEvent(event)
        if self.selected_id is None or self.selected_id not in self._cards:
            return
        # A thin line from the selected card to its passage, so the pairing is obvious.
        card = self._cards[self.selected_id]
        y = self.reader.offset_y(card.anchor)
        if y is None or not card.isVisible():
            return
        y += self._viewport_top() + 8
        painter = QPainter(self)
        painter.setPen(self.theme.accent)
        painter.drawLine(0, round(y), CARD_GAP, round(card.y() + 12))
        painter.end()

    def _viewport_top(self) -> int:
        # The reader's viewport and the margin are siblings: go through global coordinates.
        viewport = self.reader.viewport()
        return self.mapFromGlobal(viewport.mapToGlobal(QPoint(0, 0))).y()

    def resizeEvent(self, event: object) -> None:
        self.relayout()

    # -- selection and editing ----------------------------------------------------------------

    def select(self, annotation_id: str | None) -> None:
        self.selected_id = annotation_id
        self.relayout()

    def edit(self, annotation_id: str) -> bool:
        a = self.reader.index.get(annotation_id)
        if a is None:
            return False
        self.relayout()
        card = self._card_for(a)
        card.start_editing()
        self.relayout()
        return True

    def start_draft(self, anchor: int, title: str, color: str = "") -> Card:
        self.cancel_draft()
        card = Card(None, self)
        card.anchor = anchor
        card.setProperty("draft", True)
        card.fill(None, title, color, "", [], self.theme)
        card.saved.connect(self._on_draft_saved)
        card.cancelled.connect(self._on_draft_cancelled)
        self._draft = card
        card.show()
        card.start_editing()
        self.relayout()
        return card

    @property
    def draft(self) -> Card | None:
        return self._draft

    def cancel_draft(self) -> None:
        if self._draft is not None:
            draft, self._draft = self._draft, None
            draft.hide()
            draft.deleteLater()
            self.relayout()

    def _on_draft_saved(self, _ident: str, text: str) -> None:
        self.cancel_draft()
        if text:
            self.draft_saved.emit(text)
        else:
            self.draft_cancelled.emit()

    def _on_draft_cancelled(self, _ident: str) -> None:
        self.cancel_draft()
        self.draft_cancelled.emit()

    def _on_saved(self, ident: str, text: str) -> None:
        self.note_saved.emit(ident, text)
        self.relayout()
