"""The main window: the shell the window's parts are put together in.

It builds the reading area, the docks and the status bar, composes the controllers (library,
PDF, legend, annotating, find, suggestions, layers, reliability, contents) and implements the
:class:`~annotator.ui.shell.Shell` they talk to. What is open lives in the
:class:`~annotator.ui.session.ReadingSession`: opening a document is one call to
:meth:`ReadingSession.open`, and every part resets its own per-document state from that
signal. See docs/architecture.md for who subscribes to what.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QSize, Qt, QUrl
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QInputDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStatusBar,
    QToolBar,
    QWidget,
)

from annotator import __version__
from annotator.core.errors import AnnotatorError
from annotator.core.model import Document, Link
from annotator.project import Project
from annotator.ui.annotating import AnnotatingController
from annotator.ui.annotation_list import AnnotationList
from annotator.ui.annotators import AnnotatorLayers
from annotator.ui.commands import UndoHistory
from annotator.ui.contents import ContentsController
from annotator.ui.dialogs import ShortcutsDialog
from annotator.ui.find import FindController
from annotator.ui.legend import LegendController
from annotator.ui.library import LibraryController
from annotator.ui.menus import SEPARATOR, add_menu, shortcut_rows
from annotator.ui.on_screen import AnnotationsOnScreen
from annotator.ui.pdf_flow import PdfController, is_paged_document
from annotator.ui.preferences import Preferences
from annotator.ui.reading_area import ReadingArea
from annotator.ui.recovery import Outcome, Plan, WriteFailures, perform, recover_at_start
from annotator.ui.reliability import ReliabilityController
from annotator.ui.session import ReadingSession
from annotator.ui.shell import make_action
from annotator.ui.status import ElidingStatusBar
from annotator.ui.status_line import StatusLine
from annotator.ui.suggestions import SuggestionsController
from annotator.ui.surface import ReadingSurface
from annotator.ui.view_options import ViewOptions
from annotator.ui.welcome import show_documentation, show_welcome


class MainWindow(QMainWindow):
    def __init__(self, project: Project, preferences: Preferences | None = None) -> None:
        super().__init__()
        self.project = project
        # A mark is shown without waiting on the disk; it is on disk a moment later.
        project.flush_in_background()
        self.prefs = preferences or Preferences()
        self.session = ReadingSession(self)
        self._closing = False

        self.setWindowTitle("Annotator")
        self.setAcceptDrops(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )
        self.undo = UndoHistory(self.show_error, self)
        self.setStatusBar(ElidingStatusBar(self))  # messages never run under the counts
        self.area = ReadingArea(self)
        self.setCentralWidget(self.area)
        self.reader, self.pdf_view, self.margin = (
            self.area.reader,
            self.area.pdf_view,
            self.area.margin,
        )
        s, a = self.session, self.area
        self.pdf = PdfController(project, s, a, self)
        self.library = LibraryController(project, s, self.pdf, self)
        self.list = AnnotationList(project, s, a, self)
        self.margin.configure(s.links_of, self.list.describe)
        self.resizeDocks([self.library.dock], [220], Qt.Orientation.Horizontal)
        self.resizeDocks([self.list.dock], [210], Qt.Orientation.Vertical)
        self.legend = LegendController(project, a, self, self.list.model)
        self.annotating = AnnotatingController(project, s, a, self.legend, self, self.list.describe)
        self.annotating.not_ready = self.pdf.not_ready_message
        self.find = FindController(s, a, self)
        self.options = ViewOptions(s, a, self, chrome=self._chrome)
        self._build_window_actions()
        self._build_menus()
        self._build_toolbars()
        self.status = StatusLine(
            project, s, a, self, counts=self.list.counts_text, page_text=self.pdf.pdf_position_text
        )
        self.status.annotator_button.clicked.connect(self.switch_annotator)

        self.write_failures = WriteFailures(
            project, self, self.statusBar(), reload=self.reload_from_project, reopen=self._recover
        )
        self.undo.writing_stopped = lambda: self.write_failures.stopped
        self.suggestions = SuggestionsController(project, s, a, self)  # menu, dock, overlay, keys
        self.suggestions.chosen_documents = self.library.panel.selected_ids
        self.suggestions.current_label_set = self.legend.current_label_set
        self.annotating.snap = self.suggestions.snap
        self.pdf_view.snap_to_words = self.suggestions.snapping  # a PDF drag snaps as it goes
        self.suggestions.act_snap.toggled.connect(
            lambda on: setattr(a.pdf_view, "snap_to_words", on)
        )
        self.layers = AnnotatorLayers(project, s, a, self.library, self)  # layers, blind, Agreement
        self.reliability = ReliabilityController(project, s, a, self.library, self)  # files
        self.on_screen = AnnotationsOnScreen(project, s, a, self.list, self.layers, self.show_error)
        self._place_parts()
        self.contents = ContentsController(
            s, a, self.list.model, self, before=self.annotating.act_margin
        )  # a Markdown reading's headings
        self._follow()

        self.options.apply_theme(self.options.theme_choice)
        self.legend.refresh()
        self.list.refresh_choices()
        self._restore_layout()

    # == building ==================================================================================

    def _build_window_actions(self) -> None:
        a = make_action
        self.act_import = a(
            self,
            "&Import…",
            self.import_annotations,
            None,
            "Import annotations (JSON, spaCy, Prodigy, doccano, CoNLL, brat, W3C, CSV, PDF)",
        )
        self.act_export = a(
            self,
            "&Export…",
            self.export_annotations,
            "Ctrl+E",
            "Export annotations as JSON, spaCy, CoNLL, brat, Markdown notes…",
        )
        self.act_quit = a(self, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.act_undo = self.undo.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_redo = self.undo.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        # The actions keep the stack's text and enabled state, but run through UndoHistory's
        # Python undo/redo (errors reported, held while writing is stopped), not the C++ slot.
        for action, forward in ((self.act_undo, False), (self.act_redo, True)):
            action.triggered.disconnect()
            action.triggered.connect(lambda _checked=False, f=forward: self._step_history(f))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
        self.act_copy = a(
            self, "&Copy", lambda: self.area.view.copy(), QKeySequence.StandardKey.Copy
        )
        self.act_annotator = a(
            self, "Switch &Annotator…", self.switch_annotator, None, "Annotate under another name"
        )
        self.act_shortcuts = a(self, "&Keyboard Shortcuts", self.show_shortcuts, ["F1", "Ctrl+/"])
        self.act_about = a(self, "&About Annotator", self.show_about)
        self.act_welcome = a(
            self, "&Welcome", lambda: show_welcome(self, self.project, self.session)
        )
        self.act_docs = a(self, "&Documentation", lambda: show_documentation(self))
        self.pages_toggle = self.pdf.pages_dock.toggleViewAction()
        self.pages_toggle.setText("&Pages (Outline, Thumbnails)")
        self.pages_toggle.triggered.connect(lambda on: self.prefs.set_bool("view/pages_panel", on))

    def _build_menus(self) -> None:
        bar, an, lg, pdf, fd = self.menuBar(), self.annotating, self.legend, self.pdf, self.find
        lib, sep = self.library, SEPARATOR
        file = [lib.act_open, lib.recent_menu, lib.act_sample, sep, self.act_import]
        file += [self.act_export, pdf.act_export_pdf, sep, self.act_quit]
        edit = [self.act_undo, self.act_redo, sep, self.act_copy, fd.act_find]
        edit += [fd.act_find_next, fd.act_find_prev, sep, an.act_edit_note, an.act_delete]
        edit += [sep, lg.act_symbols]
        op = self.options
        view = [op.act_zoom_in, op.act_zoom_out, op.act_zoom_reset, pdf.act_fit_width]
        view += [pdf.act_fit_page, pdf.act_go_to_page, sep]
        view += [("&Theme", list(op.theme_actions.values())), sep]
        view += [lib.dock.toggleViewAction(), self.list.dock.toggleViewAction()]
        view += [self.pages_toggle, an.act_margin, sep, op.act_focus]
        annotate = [an.act_highlight, an.act_choose_color, an.act_comment, lg.symbol_menu]
        annotate += [lg.label_menu, lg.label_set_menu, sep, an.act_summary_section]
        annotate += [an.act_summary_document, sep, an.act_link, an.act_follow, sep]
        annotate += [an.act_next, an.act_prev, ("Resize Span", list(an.resize_actions))]
        annotate += [sep, self.act_annotator]
        help_ = [self.act_welcome, self.act_docs, self.act_shortcuts, self.act_about]
        add_menu(bar, "&File", file)
        add_menu(bar, "&Edit", edit)
        self.view_menu = add_menu(bar, "&View", view)
        add_menu(bar, "&Annotate", annotate)
        add_menu(bar, "&Help", help_)

    def _place_parts(self) -> None:
        """The menus, buttons and toggles the later parts bring, where a reader looks."""
        sg, ly, rl = self.suggestions, self.layers, self.reliability
        for menu in (sg.menu, ly.menu, rl.document_menu):
            self.insert_menu(menu, before="Help")
        ly.menu.addAction(self.act_annotator)
        annotate = self.menu("Annotate")
        assert annotate is not None
        first_break = next(act for act in annotate.actions() if act.isSeparator())
        annotate.insertActions(first_break, sg.annotate_actions())
        annotate.addAction(ly.act_blind)
        focus = self.options.act_focus
        self.view_menu.insertAction(focus, sg.panel_toggle)
        self.view_menu.insertMenu(focus, ly.layers_menu)
        self.view_menu.insertSeparator(focus)
        self.view_menu.addAction(rl.orphans_dock.toggleViewAction())
        file = self.menu("File")
        assert file is not None
        file.insertActions(self.act_quit, rl.file_actions)
        file.insertSeparator(self.act_quit)
        rl.document_menu.addSeparator()
        rl.document_menu.addAction(rl.orphans_dock.toggleViewAction())
        self.tools_bar.insertWidget(self.annotating.act_link, sg.button)
        self.tools_bar.insertSeparator(self.annotating.act_link)

    def _build_toolbars(self) -> None:
        tools = QToolBar("Tools", self)
        tools.setObjectName("toolsBar")
        tools.setMovable(False)
        tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        tools.setIconSize(QSize(14, 14))  # the one icon is the Highlight swatch: a low bar
        tools.addAction(self.library.act_open)
        tools.addSeparator()
        tools.addWidget(self.legend.highlight_button)
        tools.addAction(self.annotating.act_comment)
        self.legend.put_symbol_tools(tools, tools.addSeparator())
        tools.addWidget(self.legend.label_box)
        tools.addSeparator()
        tools.addAction(self.annotating.act_link)
        tools.addAction(self.find.act_find)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tools)
        self.tools_bar = tools

        legend = QToolBar("Legend", self)
        legend.setObjectName("legendBar")
        legend.setMovable(False)
        legend.addWidget(self.legend.legend_bar)
        self.addToolBarBreak()
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, legend)
        self.legend_toolbar = legend

    def _follow(self) -> None:
        """Who follows what, beyond what each part wires itself: the session for what is
        open, the project for who annotates and what labels exist."""
        s, an, st = self.session, self.annotating, self.status
        s.leaving.connect(self._leaving)
        s.document_opened.connect(self._document_opened)
        s.document_renamed.connect(lambda d: self.setWindowTitle(f"{d.title} — Annotator"))
        for view in self.area.views():
            view.escape_pressed.connect(self._escape)
            view.layout_changed.connect(self._reader_moved)
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(self._reader_menu)
        self.list.chosen.connect(lambda ident: an.pick(ident, "list"))
        self.list.activated.connect(an.edit_note)
        self.list.filled.connect(st.update_counts)
        self.legend.legend_bar.filter_requested.connect(self.list.filter_by_color)
        self.pdf.pending_changed.connect(an.update_actions)
        self.suggestions.counts_changed.connect(self.library.soon)
        for slot in (st.update_counts, self.library.soon, an.update_actions):
            self.on_screen.changed.connect(slot)
        e = self.project.events
        self._followed = (
            (e.label_sets_changed, self.list.refresh_choices),
            (e.annotators_changed, self.list.refresh_names),
            (e.annotators_changed, st.update_annotator),
            (e.current_annotator_changed, st.update_annotator),
        )
        for signal, slot in self._followed:
            signal.connect(slot)

    # == the Shell the parts talk to ===============================================================

    def show_error(self, message: str, *, dialog: bool = False) -> None:
        """Errors in the reader's words: a status message, or a dialog when it matters.

        While writing is stopped after a storage failure, its own dialog has said what is
        wrong: the failed action's error goes to the status bar only.
        """
        if dialog and not self.write_failures.stopped:
            QMessageBox.warning(self, "Annotator", message)
        else:
            self.statusBar().showMessage(message, 6000)

    def show_status(self, message: str, timeout: int = 0) -> None:
        if message:
            self.statusBar().showMessage(message, timeout)
        else:
            self.statusBar().clearMessage()

    def status_message(self) -> str:
        return self.statusBar().currentMessage()

    def status_bar(self) -> QStatusBar:
        return self.statusBar()

    def dialog_parent(self) -> QWidget:
        return self

    def add_dock(self, dock: QDockWidget, area: Qt.DockWidgetArea) -> None:
        self.addDockWidget(area, dock)

    def menu(self, title: str) -> QMenu | None:
        for action in self.menuBar().actions():
            if action.menu() is not None and action.text().replace("&", "") == title:
                return action.menu()
        return None

    def insert_menu(self, menu: QMenu, *, before: str) -> None:
        anchor = self.menu(before)
        if anchor is None:
            self.menuBar().addMenu(menu)
        else:
            self.menuBar().insertMenu(anchor.menuAction(), menu)

    def add_action(self, action: QAction) -> None:
        self.addAction(action)

    def replace_project(self, change: Callable[[], str]) -> QWidget | None:
        """Close this window and its project, run ``change`` on the closed file (a restore),
        and open the project again in a new window showing ``change``'s message."""
        from annotator.ui.reliability import reopen_window

        document_id, prefs, path = self.session.document_id, self.prefs, self.project.path
        if not self.close():
            return None
        self.session.close()  # the closed window asks the project for nothing more
        self.project.close()
        message = change()
        return reopen_window(MainWindow, Path(path), prefs, document_id, message)

    def set_title(self, title: str) -> None:
        self.setWindowTitle(f"{title} — Annotator" if title else "Annotator")

    # == what is open ==============================================================================

    @property
    def document(self) -> Document | None:
        return self.session.document

    @property
    def selected_id(self) -> str | None:
        return self.session.selected_id

    @property
    def view(self) -> ReadingSurface:
        return self.area.view

    def open_document(self, document_id: str) -> None:
        """Put a document on screen: everything of the one before is let go first."""
        if self.session.is_open(document_id):
            return
        try:
            document = self.project.document(document_id)
            paged = is_paged_document(document)
            # Text: the first screen's annotations are read after scrolling there, the rest
            # on first need (see _load_first_screen). Pages: all of them now.
            annotations = self.on_screen.for_pages(document_id) if paged else []
        except AnnotatorError as error:
            self.show_error(str(error), dialog=True)
            return
        self.session.leave()  # its place is remembered before the surfaces change
        pdf = paged and self.pdf.show_document(document)
        if not pdf:
            self.pdf.close_pdf()
            self.pdf.show_pages(False)
        self.area.view.load(document, annotations)
        self.session.open(document)
        if not pdf:
            self.reader.scroll_to_offset(self.prefs.position(document.sha256), top=True)
        self.on_screen.opened(document, first_screen=not paged)
        self.prefs.set_last_document(str(self.project.path), document.id)
        self.margin.rebuild()

    def _leaving(self, document: Document) -> None:
        self.prefs.set_position(document.sha256, self.area.view.top_offset())
        self.margin.finish_editing()

    def _document_opened(self, document: Document | None) -> None:
        """Per-document state of the shell's own widgets; the parts reset theirs."""
        self.margin.clear()
        if document is None:
            self.reader.load(None, [])
            self.list.show_document(None)
            self.setWindowTitle("Annotator")
        else:
            if self.area.showing_pdf and self.reader.doc is not None:
                self.reader.load(None, [])  # the text of the last document is let go
            self.setWindowTitle(f"{document.title} — Annotator")

    def select_annotation(self, annotation_id: str | None, *, source: str = "") -> None:
        """One selection, shown in the text, the margin and the list."""
        self.annotating.pick(annotation_id, source)

    def open_paths(self, paths: list[str], *, remember: bool = True) -> None:
        self.library.open_paths(paths, remember=remember)

    def open_pdf_path(self, path: str, *, remember: bool = True) -> bool:
        return self.pdf.open_pdf_path(path, remember=remember)

    def export_annotations(self) -> None:
        """File → Export…: format, scope and layers in a dialog; the export runs off-thread."""
        from annotator.ui.export_dialog import ExportDialog

        ExportDialog(
            self.project, self.session, self, selection_span=self.area.view.selection_span()
        ).open()  # deletes itself when done

    def import_annotations(self) -> None:
        """File → Import…: detect the format, confirm, import in one transaction, report."""
        from annotator.ui.export_dialog import import_annotations

        import_annotations(self.project, self.session, self)

    # == keys, menus and view ======================================================================

    def _escape(self) -> None:
        """Esc undoes the nearest thing: linking, Find, the selection, then focus mode."""
        an = self.annotating
        for step in (an.cancel_link, self.find.close, an.escape, self.options.leave_focus):
            if step():
                return

    def _reader_menu(self, pos: QPoint) -> None:
        view, an, lg = self.area.view, self.annotating, self.legend
        menu = QMenu(self)
        under = view.annotation_at(pos, cycle=False)
        if under and view.selection_span() is None:
            self.select_annotation(under, source="reader")
        if view.has_selection():
            menu.addAction(an.act_highlight)
            menu.addMenu(lg.color_menu).setText("Highlight in Colour")
            menu.addAction(an.act_comment)
            menu.addMenu(lg.symbol_menu)
            menu.addMenu(lg.label_menu)
            menu.addSeparator()
            menu.addAction(self.act_copy)
        elif self.session.selected_id:
            menu.addAction(an.act_edit_note)
            menu.addMenu(lg.color_menu).setText("Change Colour")
            menu.addMenu(lg.symbol_menu)
            menu.addMenu(lg.label_menu)
            menu.addAction(an.act_link)
            menu.addAction(an.act_follow)
            menu.addSeparator()
            menu.addAction(an.act_delete)
        else:
            menu.addAction(an.act_summary_section)
            menu.addAction(an.act_summary_document)
            menu.addAction(self.find.act_find)
        menu.exec(view.viewport().mapToGlobal(pos))

    def _reader_moved(self) -> None:
        if self.area.selection_bar.isVisible():
            self.area.show_selection_bar()

    def _step_history(self, forward: bool) -> None:
        """Ctrl+Z / Ctrl+Shift+Z, saying what was undone or redone (a message of the step
        itself, "… added — Ctrl+Z to undo", would otherwise stay up)."""
        text = self.undo.redoText() if forward else self.undo.undoText()
        if (self.undo.redo() if forward else self.undo.undo()) and text:
            self.show_status(f"{'Redone' if forward else 'Undone'}: {text}", 3000)

    def _chrome(self) -> dict[str, QWidget]:
        """What focus mode hides."""
        return {
            "documents": self.library.dock,
            "annotations": self.list.dock,
            "tools": self.tools_bar,
            "legend": self.legend_toolbar,
            "status": self.statusBar(),
            "menu": self.menuBar(),
        }

    # == writing trouble ===========================================================================

    def reload_from_project(self) -> None:
        """Show what the project file holds (after a failed write): the documents panel, the
        open document's annotations and links. A file that cannot even be read leaves the
        document closed, so nothing on screen claims what the file may not hold."""
        if self._closing:
            return
        try:
            self.library.model.refresh()
            if self.session.document is not None:
                self.project.document(self.session.document.id)
                self.on_screen.reset(None)
        except AnnotatorError as error:
            self.session.close()
            self.statusBar().showMessage(f"Cannot read the project: {error}")

    def _recover(self, planned: Plan) -> None:
        """Restore, salvage or open another project: this window closes, the plan is carried
        out on the closed file, and the resulting project opens in a new window."""
        from annotator.ui.reliability import reopen_window

        prefs = self.prefs
        document_id = self.session.document_id
        if not self.close():
            return
        self.session.close()  # the closed window asks the project for nothing more
        self.project.close()
        try:
            outcome: Outcome | None = perform(None, planned)
        except (AnnotatorError, OSError) as error:
            outcome = recover_at_start(error, Path(planned.project_path))
        if outcome is not None:
            same = outcome.path == planned.project_path
            reopen_window(
                type(self), outcome.path, prefs, document_id if same else None, outcome.message
            )

    # == who annotates, help =======================================================================

    def switch_annotator(self) -> None:
        names = [a.name for a in self.project.annotators()]
        current = self.project.current_annotator.name
        if current not in names:
            names.insert(0, current)
        name, ok = QInputDialog.getItem(
            self,
            "Annotator",
            "Annotate as (type a new name to add one):",
            names,
            names.index(current),
            True,
        )
        if ok and name.strip() and name.strip() != current:
            self.margin.finish_editing()  # a note being written stays its writer's
            try:
                self.project.switch_annotator(name.strip())
            except AnnotatorError as error:
                self.show_error(str(error), dialog=True)
                return
            self.statusBar().showMessage(f"Now annotating as {name.strip()}", 4000)
            self.library.soon()

    def shortcut_rows(self) -> list[tuple[str, str, str]]:
        return shortcut_rows(self.menuBar(), self.legend.current_label_set()) + (
            self.suggestions.review_key_rows()  # N / P / Enter / Backspace in review mode
        )

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.shortcut_rows(), self).exec()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About Annotator",
            f"<h3>Annotator {__version__}</h3><p>Close reading and annotation of texts.</p>"
            f"<p>Project: {self.project.path}</p>"
            "<p>Everything you do is saved as you do it: there is no Save button.</p>",
        )

    def open_url(self, url: str) -> None:
        QDesktopServices.openUrl(QUrl(url))

    # == window state ==============================================================================

    def _restore_layout(self) -> None:
        geometry = self.prefs.geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            screen = QGuiApplication.primaryScreen()
            if screen is not None:
                available = screen.availableGeometry()
                self.resize(
                    min(1400, int(available.width() * 0.9)), min(900, int(available.height() * 0.9))
                )
        state = self.prefs.window_state()
        if state is not None:
            self.restoreState(state)
        split = self.prefs.splitter("reading")
        if split is not None:
            self.area.split.restoreState(split)

    def save_state(self) -> None:
        document = self.session.document
        if document is not None:
            self.prefs.set_position(document.sha256, self.area.view.top_offset())
        self.options.leave_focus()
        self.prefs.set_geometry(self.saveGeometry())
        self.prefs.set_window_state(self.saveState())
        self.prefs.set_splitter("reading", self.area.split.saveState())
        self.prefs.set_zoom(self.reader.zoom)
        self.prefs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.margin.finish_editing()  # notes save as typed: nothing to ask
        self.save_state()
        self.pdf.close()
        self.reliability.close()
        self.on_screen.disconnect_project()
        self.list.closed = True
        for signal, slot in self._followed:
            signal.disconnect(slot)
        self.legend.disconnect_project()
        self.library.disconnect_project()
        self.write_failures.disconnect_project()
        self._closing = True
        super().closeEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.library.open_paths(paths)


__all__ = ["Link", "MainWindow"]
