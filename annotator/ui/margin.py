"""Margin notes: comment cards beside their passages, like a word processor's comments.

Only the cards for the text on screen exist as widgets; they are laid out top to bottom at
the height of their passage and pushed down just enough not to overlap. A card's note is
edited in place (double-click, or Enter on the selected annotation).

Nothing typed is lost: a note saves itself a second after typing pauses, when the editor
loses the keyboard (a click in the text, another document, switching annotator, closing the
window) and on Ctrl+Enter; a dialog or menu opening saves but leaves the editor open. Each
save carries the card's editing session, so the window merges one session's saves into one
undo step. Escape is the one explicit way out: it discards the session's changes. A new
comment starts as a draft card; its first save makes it an annotation and the card stays
open on it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from html import escape

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent
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
#: How long typing must pause before a note saves itself: a crash loses at most this much.
AUTOSAVE_MS = 1000
#: The tallest the note editor grows, in lines of text; longer notes scroll inside it.
EDITOR_MAX_LINES = 12
EDITING_HINT = "Saved as you type · Ctrl+Enter to finish · Esc to discard changes"

_sessions = itertools.count(1)

LinksFor = Callable[[str], list[tuple[Link, Annotation]]]
Describe = Callable[[Annotation], tuple[str, str, str]]  # (mark text, colour, annotator)


def wants_card(a: Annotation) -> bool:
    """Comments, summaries and anything with a note get a card; links add one too."""
    return bool(a.note) or a.kind in (AnnotationKind.COMMENT, AnnotationKind.SUMMARY)


class _NoteEditor(QPlainTextEdit):
    save = Signal()
    cancel = Signal()
    left = Signal(bool)  # the keyboard went elsewhere; False if only to a dialog or a menu

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        # A dialog or menu opening (switch annotator, Edit menu) takes the keyboard for a
        # moment and gives it back: save, but leave the editor open.
        passing = event.reason() in (
            Qt.FocusReason.ActiveWindowFocusReason,
            Qt.FocusReason.PopupFocusReason,
        )
        self.left.emit(not passing)

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
    saved = Signal(object, str, bool)  # this card, the note as typed, whether writing is over
    cancelled = Signal(object)  # this card: Escape, discard this session's changes
    handed_back = Signal()  # closed from the keyboard: the keyboard goes back to the text
    grew = Signal()  # the editor changed height with its text: place the cards again
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
        self.editor.save.connect(self._save_key)
        self.editor.cancel.connect(self._cancel)
        self.editor.left.connect(self._left)
        self.editor.textChanged.connect(self._typed)
        self.hint = QLabel(EDITING_HINT, self)
        self.hint.setObjectName("cardHint")
        self.hint.setWordWrap(True)
        for w in (self.header, self.body, self.links, self.editor, self.hint):
            layout.addWidget(w)
        self.editor.hide()
        self.hint.hide()
        self.selected = False
        #: The editing session the saves belong to (a new one each time editing starts).
        self.session = 0
        #: The note as last saved (or as it was when editing began): what the project holds.
        self.saved_text = ""
        self._editing = False
        self._autosave = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_typed)

    @property
    def editing(self) -> bool:
        # A flag, not the editor's visibility: a card scrolled out of view is still being
        # written and must not be recycled for another annotation.
        return self._editing

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
        """Open the editor on the note: a new editing session (one undo step)."""
        if self._editing:
            self.editor.setFocus()
            return
        self.session = next(_sessions)
        self.saved_text = self.annotation.note if self.annotation else ""
        self.editor.setPlainText(self.saved_text)
        self._editing = True
        self.body.hide()
        self.editor.show()
        self.hint.show()
        self._fit_editor()
        self.editor.setFocus()
        self.editor.moveCursor(self.editor.textCursor().MoveOperation.End)

    def stop_editing(self) -> None:
        """Close the editor without saving (after a save, or when the note went away)."""
        self._editing = False  # first: hiding the editor moves the keyboard (see _left)
        self._autosave.stop()
        self.editor.hide()
        self.hint.hide()
        self.body.setVisible(bool(self.body.text()))

    def save_typed(self) -> None:
        """Save what is written so far and keep writing (a pause in typing, a dialog)."""
        self._autosave.stop()
        text = self.editor.toPlainText().strip()
        if not self._editing or text == self.saved_text:
            return
        if self.annotation is None and not text:
            return  # a new comment is not made of nothing
        self.saved_text = text
        self.saved.emit(self, text, False)

    def finish(self) -> None:
        """Save and close the editor: Ctrl+Enter, a click elsewhere, leaving the document."""
        if not self._editing:
            return
        text = self.editor.toPlainText().strip()
        self.stop_editing()
        self.saved_text = text
        self.saved.emit(self, text, True)

    def _typed(self) -> None:
        if self._editing:
            self._autosave.start()
            self._fit_editor()

    def _fit_editor(self) -> None:
        """The editor as tall as its text (wrapped at its width), within bounds: a long note
        scrolls inside it rather than pushing the hint out of the margin."""
        editor = self.editor
        lines = 0
        block = editor.document().firstBlock()
        while block.isValid():
            layout = block.layout()
            lines += max(1, layout.lineCount() if layout is not None else 1)
            block = block.next()
        line = editor.fontMetrics().lineSpacing()
        frame = 2 * editor.frameWidth() + round(editor.document().documentMargin() * 2) + 4
        height = max(3 * line + frame, min(EDITOR_MAX_LINES * line + frame, lines * line + frame))
        if height != editor.height() or editor.minimumHeight() != height:
            editor.setFixedHeight(height)
            self.grew.emit()

    def _left(self, closing: bool) -> None:
        if not self._editing:
            return
        if closing:
            self.finish()
        else:
            self.save_typed()

    def _save_key(self) -> None:
        self.finish()
        self.handed_back.emit()

    def _cancel(self) -> None:
        self.stop_editing()
        self.cancelled.emit(self)
        self.handed_back.emit()

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
    note_saved = Signal(str, str, int, bool)  # annotation id, note, editing session, finished
    note_cancelled = Signal(str, int)  # annotation id, editing session: put the note back
    draft_saved = Signal(str, int, bool)  # the note of a new comment, editing session, finished
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
        self.finish_editing()
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
            if card.editing and (a is None or a.note != card.saved_text):
                # Deleted or changed under the editor (an undo, another window, an import):
                # show what the project holds rather than write over it.
                card.stop_editing()
            if a is None or not self._shows(a):
                if not card.editing:
                    self._drop(ident)
                continue
            self._fill(card, a)
        self.relayout()

    def _shows(self, a: Annotation) -> bool:
        """A card for notes and links, and for any annotation whose note is being written
        (C on a plain highlight: it has no card of its own until the note is saved)."""
        if wants_card(a) or a.id in self._linked_ids:
            return True
        card = self._cards.get(a.id)
        return card is not None and card.editing

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
            card.finish()  # a note being written is saved, never dropped
            card.hide()
            if len(self._pool) < 40:
                self._pool.append(card)
            else:
                card.deleteLater()

    def _card_for(self, a: Annotation) -> Card:
        card = self._cards.get(a.id)
        if card is None:
            card = self._pool.pop() if self._pool else self._new_card(a)
            self._cards[a.id] = card
            self._fill(card, a)
            card.show()
        return card

    def _new_card(self, a: Annotation | None) -> Card:
        card = Card(a, self)
        card.clicked.connect(self.card_clicked)
        card.saved.connect(self._on_saved)
        card.cancelled.connect(self._on_cancelled)
        card.handed_back.connect(lambda: self.reader.setFocus())
        card.grew.connect(self._editor_grew)
        card.link_clicked.connect(self.link_clicked)
        return card

    def clear(self) -> None:
        """Empty the margin (another document): what is being written is saved first."""
        self.finish_editing()
        for ident in list(self._cards):
            self._drop(ident)
        self.cancel_draft()

    def finish_editing(self, keep: Card | None = None) -> None:
        """Save whatever is being written and close its editor (all but ``keep``)."""
        if self._draft is not None and self._draft is not keep:
            self._draft.finish()
        for card in list(self._cards.values()):
            if card is not keep:
                card.finish()

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
            if card.editing and top < height and top + h > height - CARD_GAP:
                # An open editor is never cut off by the bottom edge (a passage low on the
                # last page cannot be scrolled up): it rises over the cards above it.
                top = max(float(CARD_GAP), height - CARD_GAP - h)
                card.raise_()
            card.setGeometry(CARD_GAP, round(top), width, h)
            bottom = max(bottom, top + h)
            card.setVisible(top < height + 400)
        self.update()

    def _editor_grew(self) -> None:
        self.relayout()
        card = next((c for c in self._cards.values() if c.editing), self._draft)
        if card is not None and card.editing:
            self._reveal(card)

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
        self._fill(card, a)  # the note as the project holds it now, not as last painted
        self.finish_editing(keep=card)
        card.start_editing()
        self.relayout()
        self._reveal(card)
        return True

    def start_draft(self, anchor: int, title: str, color: str = "") -> Card:
        self.finish_editing()
        self.cancel_draft()
        card = self._new_card(None)
        card.anchor = anchor
        card.setProperty("draft", True)
        card.fill(None, title, color, "", [], self.theme)
        self._draft = card
        card.show()
        card.start_editing()
        self.relayout()
        self._reveal(card)
        return card

    def _reveal(self, card: Card) -> None:
        """Scroll the text up until an open editor fits beside its passage: typing below the
        bottom edge, where it cannot be seen, is how words get lost. Where the text cannot
        scroll further (the end of a document), :meth:`relayout` lifts the card instead."""
        bar = self.reader.verticalScrollBar()
        step = max(1, bar.singleStep())  # a line of text, or some pixels of a PDF
        for _ in range(200):
            y = self.reader.offset_y(card.anchor)
            if y is None or bar.value() >= bar.maximum():
                break
            top = y + self._viewport_top() - 4
            if top + card.height() + CARD_GAP <= self.height():
                break
            if top - step < CARD_GAP:
                break  # one step more and the passage itself goes out of sight
            bar.setValue(bar.value() + step)
        self.relayout()

    @property
    def draft(self) -> Card | None:
        return self._draft

    def cancel_draft(self) -> None:
        if self._draft is not None:
            draft, self._draft = self._draft, None
            draft.hide()
            draft.deleteLater()
            self.relayout()

    def adopt_draft(self, annotation: Annotation) -> None:
        """The draft was saved as ``annotation`` while still being written: its card becomes
        that annotation's card and stays open, so later saves edit the annotation."""
        card, self._draft = self._draft, None
        if card is None:
            return
        made = self._cards.pop(annotation.id, None)  # a card the new annotation already got
        if made is not None and made is not card:
            made.hide()
            self._pool.append(made)
        card.setProperty("draft", False)
        card.style().unpolish(card)
        card.style().polish(card)
        self._cards[annotation.id] = card
        self._fill(card, annotation)
        self.relayout()

    def _on_saved(self, card: Card, text: str, done: bool) -> None:
        if card.annotation is not None:
            self.note_saved.emit(card.annotation.id, text, card.session, done)
            self.relayout()
            return
        # A draft: its first save with any text makes it an annotation.
        if done:
            self.cancel_draft()
        if text:
            self.draft_saved.emit(text, card.session, done)
        elif done:
            self.draft_cancelled.emit()

    def _on_cancelled(self, card: Card) -> None:
        if card.annotation is None:
            self.cancel_draft()
            self.draft_cancelled.emit()
            return
        self.note_cancelled.emit(card.annotation.id, card.session)
        self.relayout()
