"""Annotating what is read: highlight, comment, symbols, labels, summaries, links, resizing,
deleting, and the one selection the text, the margin and the list share.

Every change is an undoable command run through the shell's history; the surfaces redraw
from the project's events, not from here. Notes are written in the margin and saved as they
are typed (one editing session is one undo step), so a note is never lost by clicking away.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from annotator.core.errors import AnnotatorError
from annotator.core.model import Annotation, AnnotationKind, Document
from annotator.project import Project
from annotator.ui.commands import AddAnnotation, DeleteAnnotations, EditAnnotation, LinkAnnotations
from annotator.ui.legend import LegendController
from annotator.ui.models import plural
from annotator.ui.reading_area import ReadingArea
from annotator.ui.session import ReadingSession
from annotator.ui.shell import Shell, make_action

WORD = re.compile(r"\w+", re.UNICODE)

Describe = Callable[[Annotation], tuple[str, str, str]]  # what it is, its colour, whose


class AnnotatingController(QObject):
    """The Annotate menu's work and the selection; see the module's docstring."""

    #: Something was annotated, for a status message and the list: the new annotation.
    annotated = Signal(object)

    def __init__(
        self,
        project: Project,
        session: ReadingSession,
        area: ReadingArea,
        legend: LegendController,
        shell: Shell,
        describe: Describe,
    ) -> None:
        super().__init__(area)
        self.project, self.session, self.area = project, session, area
        self.legend, self.shell, self.describe = legend, shell, describe
        #: A selection as it becomes an annotation (whole words unless snapping is off).
        self.snap: Callable[[tuple[int, int]], tuple[int, int]] = lambda span: span
        #: Why nothing can be annotated yet (a PDF whose text is being read), if so.
        self.not_ready: Callable[[], str | None] = lambda: None
        self._draft: dict[str, Any] | None = None
        self._build_actions()

        legend.color_applied.connect(self.apply_color)
        legend.symbol_chosen.connect(self.mark_symbol)
        legend.label_chosen.connect(self.apply_label)
        session.document_opened.connect(self._document_opened)
        session.selection_changed.connect(self._selection_changed)
        session.links_changed.connect(self._links_changed)

        for view in area.views():
            view.annotation_clicked.connect(lambda ident: self.pick(ident or None, "reader"))
            view.annotation_activated.connect(self.edit_note)
            view.selection_finished.connect(area.show_selection_bar)
            view.selectionChanged.connect(self._text_selection_changed)
            view.label_key_pressed.connect(self._label_key)
            view.resize_requested.connect(self._resize_to)
        m = area.margin
        m.card_clicked.connect(lambda ident: self.pick(ident, "margin"))
        m.note_saved.connect(self._note_saved)
        m.note_cancelled.connect(self._note_cancelled)
        m.draft_saved.connect(self._draft_saved)
        m.draft_cancelled.connect(self._draft_cancelled)
        m.link_clicked.connect(self.go_to_annotation)
        bar = area.selection_bar
        bar.color_chosen.connect(self._bar_color)
        bar.comment.connect(self.comment)
        bar.symbol_chosen.connect(self.mark_symbol)
        bar.label_menu.connect(legend.show_label_menu_under_bar)
        self.update_actions()

    def _build_actions(self) -> None:
        owner = self.shell.dialog_parent()

        def a(*args: Any, **kwargs: Any) -> QAction:
            return make_action(owner, *args, **kwargs)

        self.act_highlight = a(
            "&Highlight", self.highlight, "H", "Highlight the selection in the current colour"
        )
        self.act_choose_color = a(
            "Highlight in &Colour…", self.choose_color, "Shift+H", "Choose a colour of the legend"
        )
        self.act_comment = a(
            "&Comment", self.comment, "C", "Write a note in the margin beside the selection"
        )
        self.act_summary_section = a(
            "Summarise &Section",
            self.summarise_section,
            "S",
            "A note in your own words on the section you are in",
        )
        self.act_summary_document = a(
            "Summarise the &Whole Document",
            self.summarise_document,
            "Shift+S",
            "A note in your own words on the whole reading",
        )
        self.act_link = a(
            "&Link to…", self.link_selected, "Ctrl+L", "Connect the selected annotation to another"
        )
        self.act_follow = a("&Go to Linked Annotation", self.follow_link, "Ctrl+Shift+L")
        self.act_next = a("&Next Annotation", lambda: self.step(True), "N")
        self.act_prev = a("&Previous Annotation", lambda: self.step(False), "P")
        self.act_edit_note = a(
            "&Edit Note",
            lambda: self.edit_note(self.session.selected_id or ""),
            "E",
            "Write or change the note of the selected annotation",
        )
        self.act_delete = a(
            "&Delete Annotation",
            self.delete_selected,
            [QKeySequence(QKeySequence.StandardKey.Delete).toString(), "Backspace"],
            "Delete the selected annotation",
        )
        self.act_grow_end = a(
            "Extend End",
            lambda: self.resize_selected("end", +1),
            "Alt+Shift+Right",
            "Move the end of the annotation one word right",
        )
        self.act_shrink_end = a(
            "Shrink End",
            lambda: self.resize_selected("end", -1),
            "Alt+Shift+Left",
            "Move the end of the annotation one word left",
        )
        self.act_grow_start = a(
            "Extend Start",
            lambda: self.resize_selected("start", -1),
            "Ctrl+Alt+Shift+Left",
            "Move the start one word left",
        )
        self.act_shrink_start = a(
            "Shrink Start",
            lambda: self.resize_selected("start", +1),
            "Ctrl+Alt+Shift+Right",
            "Move the start one word right",
        )
        self.resize_actions = (
            self.act_grow_end,
            self.act_shrink_end,
            self.act_grow_start,
            self.act_shrink_start,
        )
        self.act_margin = a(
            "&Margin Notes",
            self._margin_toggled,
            None,
            "Show the notes beside the text",
            checkable=True,
        )
        self.act_margin.setChecked(True)
        self.legend.set_highlight_action(self.act_highlight)

    # -- following the session ------------------------------------------------------------------

    def _document_opened(self, _document: Document | None) -> None:
        self._draft = None  # a draft was saved (or left empty) when its document was left
        self.area.selection_bar.hide()
        self.update_actions()

    def _selection_changed(self, annotation_id: str | None, source: str) -> None:
        view = self.area.view
        view.select_annotation(annotation_id, scroll=source not in ("reader", "new"))
        self.area.margin.select(annotation_id)
        self.update_actions()
        self._show_selection_status()

    def _links_changed(self) -> None:
        self.area.margin.set_linked(self.session.linked_ids())
        self.update_actions()
        self._show_selection_status(only_replacing=True)

    def _text_selection_changed(self) -> None:
        if not self.area.view.has_selection():
            self.area.selection_bar.hide()

    def update_actions(self) -> None:
        has_doc = self.session.document is not None or self.not_ready() is not None
        has_ann = self.session.selected_id is not None
        for act in (
            self.act_highlight,
            self.act_choose_color,
            self.act_comment,
            self.act_summary_section,
            self.act_summary_document,
            self.act_next,
            self.act_prev,
        ):
            act.setEnabled(has_doc)
        for act in (self.act_delete, self.act_edit_note, self.act_link, *self.resize_actions):
            act.setEnabled(has_ann)
        self.act_follow.setEnabled(
            has_ann and bool(self.session.links_of(self.session.selected_id))
        )

    # -- the selection ----------------------------------------------------------------------------

    def pick(self, annotation_id: str | None, source: str = "") -> None:
        """An annotation chosen in the text, the margin or the list (or by a key): it becomes
        the selection, or, while linking, the other end of the link."""
        view = self.area.view
        if annotation_id is not None and annotation_id not in view.index:
            annotation_id = None
        linking = view.linking_from
        if (
            linking
            and annotation_id
            and annotation_id != linking
            and source in ("reader", "margin", "list")
        ):
            self._finish_link(linking, annotation_id)
            return
        self.session.select(annotation_id, source)

    def _show_selection_status(self, *, only_replacing: bool = False) -> None:
        """Say what the selected annotation is; with ``only_replacing``, only if the status
        bar still says it (so a link or its undo updates the message rather than leaving a
        stale "1 link")."""
        a = self.area.view.selected()
        if a is None:
            return
        mark, _c, who = self.describe(a)
        message = f"{mark} by {who}"
        if only_replacing and not self.shell.status_message().startswith(message):
            return
        note = f" — {' '.join(a.note.split())[:80]}" if a.note else ""
        links = self.session.links_of(a.id)
        more = f" · {plural(len(links), 'link')} (Ctrl+Shift+L)" if links else ""
        self.shell.show_status(f"{message}{note}{more}", 6000)

    def step(self, forward: bool) -> None:
        """N / P: the next (previous) annotation from the caret or the selected one."""
        if self.session.document is None:
            return
        view = self.area.view
        nxt = view.index.step(self.session.selected_id, view.caret_offset(), forward=forward)
        if nxt is None:
            self.shell.show_status(
                "No more annotations " + ("after this one" if forward else "before this one"), 3000
            )
            return
        if view is self.area.reader:
            reader = self.area.reader
            cursor = reader.textCursor()
            cursor.clearSelection()
            cursor.setPosition(reader.to_qt(nxt.start))
            reader.setTextCursor(cursor)
        else:
            view.clear_selection()
        self.pick(nxt.id, "nav")

    def go_to_annotation(self, annotation_id: str) -> None:
        """Jump to an annotation, in another document if need be (following a link)."""
        try:
            a = self.project.annotation(annotation_id)
        except AnnotatorError as error:  # gone meanwhile
            self.shell.show_error(str(error))
            return
        if not self.session.is_open(a.document_id):
            self.shell.open_document(a.document_id)
        self.pick(a.id, "link")

    def escape(self) -> bool:
        """Esc: drop the text selection, else the selected annotation; False when there was
        neither."""
        view = self.area.view
        if view.has_selection():
            view.clear_selection()
        elif self.session.selected_id:
            self.pick(None)
        else:
            return False
        return True

    # -- making annotations -----------------------------------------------------------------------

    def _need_selection(self) -> tuple[int, int] | None:
        if self.session.document is None:
            self.shell.show_error(self.not_ready() or "Open a document first (Ctrl+O).")
            return None
        span = self.area.view.selection_span() or self.area.area_span()
        if span is None:
            self.shell.show_error(
                "Select some text first, then press the key again."
                + (" On a page without text, drag a rectangle." if self.area.showing_pdf else "")
            )
        return span

    def _add(self, undo_text: str, **fields: Any) -> Annotation | None:
        span = self._need_selection()
        document = self.session.document
        if span is None or document is None:
            return None
        span = self.snap(span)
        command = AddAnnotation(
            self.project,
            document.id,
            span[0],
            span[1],
            undo_text,
            **fields,
            **self.area.area_fields(),
        )
        if not self.shell.undo.run(command):
            return None
        self._after_annotating(command.annotation)
        return command.annotation

    def _after_annotating(self, a: Annotation | None) -> None:
        self.area.view.clear_selection()
        self.area.selection_bar.hide()
        if a is not None:
            self.pick(a.id, "new")
            self.shell.show_status(
                f"{self.describe(a)[0].capitalize()} added — Ctrl+Z to undo", 3000
            )
            self.annotated.emit(a)

    def _edit(self, annotation_id: str, undo_text: str, **changes: Any) -> bool:
        return self.shell.undo.run(
            EditAnnotation(self.project, annotation_id, undo_text, **changes)
        )

    def highlight(self) -> None:
        selected = self.session.selected_id
        color = self.legend.current_color
        if not self.area.view.has_selection() and selected:
            self._edit(selected, "Change colour", color=color)
            return
        self._add("Highlight", kind=AnnotationKind.HIGHLIGHT, color=color)

    def apply_color(self, color: str) -> None:
        """A legend colour chosen while something is selected: highlight it in that colour."""
        if self.area.view.has_selection() or self.session.selected_id:
            self.highlight()

    def _bar_color(self, color: str) -> None:
        self.legend.set_current_color(color)
        self.highlight()

    def choose_color(self) -> None:
        self.legend.color_menu.exec(self.area.view.viewport().mapToGlobal(self.area.caret_point()))

    def mark_symbol(self, symbol: str) -> None:
        selected = self.session.selected_id
        if not self.area.view.has_selection() and selected:
            current = self.project.annotation(selected)
            new = None if current.symbol == symbol else symbol
            self._edit(selected, f"Mark with {symbol}" if new else "Remove symbol", symbol=new)
            return
        self._add(f"Mark with {symbol}", kind=AnnotationKind.HIGHLIGHT, symbol=symbol)

    def apply_label(self, name: str) -> None:
        selected = self.session.selected_id
        if not self.area.view.has_selection() and selected:
            current = self.project.annotation(selected)
            new = None if current.label == name else name
            self._edit(selected, f"Label {name}" if new else "Remove label", label=new)
            return
        self._add(f"Label {name}", kind=AnnotationKind.ENTITY, label=name)

    def _label_key(self, key: str) -> None:
        label_set = self.legend.current_label_set()
        if label_set is None:
            return
        label = next((x for x in label_set.labels if x.key.lower() == key), None)
        if label is not None:
            self.apply_label(label.name)

    # -- notes: comments and summaries --------------------------------------------------------

    def show_margin(self) -> None:
        if not self.act_margin.isChecked():
            self.act_margin.setChecked(True)
            self._margin_toggled()

    def _margin_toggled(self) -> None:
        self.area.margin.setVisible(self.act_margin.isChecked())

    def comment(self) -> None:
        view = self.area.view
        span = view.selection_span()
        if span is None and not view.has_selection() and self.session.selected_id:
            self.edit_note(self.session.selected_id)
            return
        span = self._need_selection()
        if span is None:
            return
        self._start_draft(
            "Comment", span[0], span[1], kind=AnnotationKind.COMMENT, **self.area.area_fields()
        )

    def _start_draft(self, title: str, start: int, end: int, **fields: Any) -> None:
        margin = self.area.margin
        self.area.selection_bar.hide()
        margin.finish_editing()  # saves a draft being written before this one replaces it
        document = self.session.document
        assert document is not None
        # The selection is remembered with the draft: it is saved where it was begun.
        self._draft = {"document_id": document.id, "start": start, "end": end, **fields}
        self.show_margin()
        view = self.area.view
        y = view.offset_y(start)
        if y is None or not 0 <= y <= view.viewport().height():
            # The passage was scrolled away after it was selected: its card goes beside it,
            # so bring it back first (else the card had no line to stand by).
            view.scroll_to_offset(start)
        margin.start_draft(start, title, fields.get("color") or "")

    def _draft_saved(self, note: str, session: int, done: bool) -> None:
        """A new comment or summary's first save (a pause in typing, the keyboard going
        elsewhere, Ctrl+Enter) makes it an annotation; if it is still being written, its card
        stays open on it and later saves merge into the same undo step."""
        if self._draft is None:
            return
        draft = dict(self._draft)
        document_id, start, end = draft.pop("document_id"), draft.pop("start"), draft.pop("end")
        kind = draft.get("kind")
        text = "Summary" if kind == AnnotationKind.SUMMARY else "Comment"
        command = AddAnnotation(
            self.project, document_id, start, end, text, note=note, session=session, **draft
        )
        saved = self.shell.undo.run(command)
        if saved or done:
            self._draft = None
        if not saved or command.annotation is None:
            return  # the error is shown; a draft still open tries again on its next save
        if not done:
            self.area.margin.adopt_draft(command.annotation)
        self._after_annotating(command.annotation)

    def _draft_cancelled(self) -> None:
        self._draft = None

    def edit_note(self, annotation_id: str) -> None:
        if not annotation_id:
            self.shell.show_error("Select an annotation first (click it, or N / P).")
            return
        self.show_margin()
        self.pick(annotation_id, "edit")
        self.area.margin.edit(annotation_id)

    def _note_saved(self, annotation_id: str, note: str, session: int, done: bool) -> None:
        """A note saved as typed or on leaving it: one editing session is one undo step."""
        a = self.area.view.index.get(annotation_id)
        undo = self.shell.undo
        if a is None:
            return
        if done and not note and isinstance(undo.session_command(session), AddAnnotation):
            undo.discard_session(session)  # a new comment left empty is not kept
            return
        if a.note == note:
            return
        changes: dict[str, Any] = {"note": note}
        if a.kind == AnnotationKind.HIGHLIGHT and note:
            changes["kind"] = AnnotationKind.COMMENT
        undo.run(
            EditAnnotation(self.project, annotation_id, "Edit note", session=session, **changes)
        )

    def _note_cancelled(self, _annotation_id: str, session: int) -> None:
        """Escape: the note goes back to what it was before this editing session."""
        self.shell.undo.discard_session(session)

    def summarise_section(self) -> None:
        if self.session.document is None:
            self.shell.show_error("Open a document first (Ctrl+O).")
            return
        view = self.area.view
        section = view.section_at(view.caret_offset())
        if section is None:
            self.shell.show_status(
                "No heading above this point: summarising the whole document instead", 4000
            )
            self.summarise_document()
            return
        start, end, title = section
        existing = next(
            (
                a
                for a in view.index.all()
                if a.kind == AnnotationKind.SUMMARY and a.start == start and a.end == end
            ),
            None,
        )
        if existing is not None:
            self.edit_note(existing.id)
            return
        view.scroll_to_offset(start)
        self._start_draft(f"Summary of “{title}”", start, end, kind=AnnotationKind.SUMMARY)

    def summarise_document(self) -> None:
        if self.session.document is None:
            self.shell.show_error("Open a document first (Ctrl+O).")
            return
        view = self.area.view
        existing = next(
            (
                a
                for a in view.index.all()
                if a.kind == AnnotationKind.SUMMARY and a.start == a.end == 0
            ),
            None,
        )
        view.scroll_to_offset(0, top=True)
        if existing is not None:
            self.edit_note(existing.id)
            return
        self._start_draft("Summary of the whole reading", 0, 0, kind=AnnotationKind.SUMMARY)

    # -- changing and deleting -----------------------------------------------------------------

    def delete_selected(self) -> None:
        if self.area.margin.draft is not None:
            return
        ident = self.session.selected_id
        if ident is None:
            self.shell.show_error("Select an annotation to delete (click it, or N / P).")
            return
        view = self.area.view
        following = view.index.step(ident, 0, forward=True)
        a = view.index.get(ident)
        what = self.describe(a)[0] if a else "annotation"
        if self.shell.undo.run(DeleteAnnotations(self.project, [ident], f"Delete {what}")):
            self.shell.show_status(f"Deleted {what} — Ctrl+Z brings it back", 4000)
            if following is not None:
                self.pick(following.id, "nav")

    def _resize_to(self, annotation_id: str, start: int, end: int) -> None:
        self.shell.undo.run(
            EditAnnotation(
                self.project, annotation_id, "Resize annotation", merge=True, start=start, end=end
            )
        )

    def resize_selected(self, which: str, direction: int) -> None:
        view = self.area.view
        a = view.selected()
        if a is None or a.end <= a.start:
            self.shell.show_error("Select an annotation to resize (click it, or N / P).")
            return
        start, end = a.start, a.end
        if which == "end":
            end = max(word_step(view.text, end, direction), start + 1)
        else:
            start = min(word_step(view.text, start, direction), end - 1)
        if (start, end) != (a.start, a.end):
            self._resize_to(a.id, start, end)

    # -- links -----------------------------------------------------------------------------------

    def link_selected(self) -> None:
        view = self.area.view
        linking, selected = view.linking_from, self.session.selected_id
        if linking and selected and selected != linking:
            self._finish_link(linking, selected)
            return
        if selected is None:
            self.shell.show_error("Select the annotation to link from first (click it, or N / P).")
            return
        view.linking_from = selected
        view.refresh()
        self.shell.show_status(
            "Linking: click the annotation to connect to (or pick it with N / P and press "
            "Ctrl+L again). Esc cancels."
        )

    def _finish_link(self, from_id: str, to_id: str) -> None:
        self.area.view.linking_from = None
        if self.shell.undo.run(LinkAnnotations(self.project, from_id, to_id, "Link annotations")):
            self.shell.show_status(
                "Linked — the margin shows the connection both ways; Ctrl+Shift+L follows it", 5000
            )
        self.pick(to_id, "link")

    def cancel_link(self) -> bool:
        """Stop linking (Esc); False if no link was being made."""
        view = self.area.view
        if not view.linking_from:
            return False
        view.linking_from = None
        view.refresh()
        self.shell.show_status("Linking cancelled", 2000)
        return True

    def follow_link(self) -> None:
        selected = self.session.selected_id
        if selected is None:
            self.shell.show_error("Select a linked annotation first.")
            return
        links = self.session.links_of(selected)
        if not links:
            self.shell.show_error("This annotation is not linked to another yet (Ctrl+L links it).")
            return
        if len(links) == 1:
            self.go_to_annotation(links[0][1].id)
            return
        menu = QMenu(self.shell.dialog_parent())
        for _link, other in links:
            quote = " ".join(other.quote.split())[:60] or "(the whole document)"
            menu.addAction(f"“{quote}”").triggered.connect(
                lambda _=False, i=other.id: self.go_to_annotation(i)
            )
        menu.exec(self.area.view.viewport().mapToGlobal(self.area.caret_point()))


def word_step(text: str, offset: int, direction: int) -> int:
    """The next word boundary after (or before) ``offset``: how keyboard resizing moves."""
    if direction > 0:
        match = WORD.search(text, offset)
        if match is None:
            return len(text)
        return match.end()
    window = WORD.finditer(text, max(0, offset - 400), offset)
    ends = [m.end() for m in window if m.end() < offset]
    return ends[-1] if ends else max(0, offset - 1)


__all__ = ["AnnotatingController", "word_step"]
