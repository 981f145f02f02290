"""The main window: documents, reader with margin notes, annotation list, legend, menus.

It wires widgets to the service and keeps one selection: an annotation chosen in the text,
the margin or the list is selected in all three. Every change goes through an undoable
command that calls :class:`Project`; the widgets redraw from the project's events.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator import __version__
from annotator.core.errors import AnnotatorError
from annotator.core.model import (
    Annotation,
    AnnotationKind,
    Document,
    Label,
    LabelSet,
    LabelSetKind,
    Link,
)
from annotator.documents import load_document
from annotator.documents.find import find_spans
from annotator.project import Project
from annotator.ui.commands import (
    AddAnnotation,
    DeleteAnnotations,
    EditAnnotation,
    LinkAnnotations,
    RemoveDocument,
    ReplaceValue,
    UndoHistory,
)
from annotator.ui.dialogs import LegendEntryDialog, ShortcutsDialog, SymbolsDialog
from annotator.ui.margin import MARGIN_WIDTH, MarginView
from annotator.ui.models import AnnotationTableModel, DocumentListModel, plural
from annotator.ui.panels import (
    AnnotationsPanel,
    DocumentsPanel,
    FindBar,
    LegendBar,
    SelectionBar,
    swatch,
)
from annotator.ui.pdf_window import PdfWindowMixin, is_paged_file
from annotator.ui.preferences import Preferences
from annotator.ui.reader import ReaderView
from annotator.ui.recovery import Outcome, Plan, WriteFailures, perform, recover_at_start
from annotator.ui.status import ElidingStatusBar
from annotator.ui.theme import ThemeChoice, apply_palette, resolve
from annotator.ui.workers import Worker

OPEN_FILTER = "Readings (*.txt *.md *.markdown *.text *.pdf *.epub);;All files (*)"
WORD = re.compile(r"\w+", re.UNICODE)


class MainWindow(PdfWindowMixin, QMainWindow):
    def __init__(self, project: Project, preferences: Preferences | None = None) -> None:
        super().__init__()
        self.project = project
        self.prefs = preferences or Preferences()
        self.document: Document | None = None
        self.selected_id: str | None = None
        self.current_color = ""
        self.label_set_name = ""
        self._draft: dict[str, Any] | None = None
        self._links: dict[str, list[tuple[Link, Annotation]]] = {}
        self._focus_saved: dict[str, bool] | None = None
        self._closing = False

        self.setWindowTitle("Annotator")
        self.setAcceptDrops(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )
        self.undo = UndoHistory(self.show_error, self)
        self.setStatusBar(ElidingStatusBar(self))  # messages never run under the counts

        self._build_center()
        self._build_panels()
        self._build_pdf_panels()
        self._build_actions()
        self._build_pdf_actions()
        self._build_menus()
        self._build_toolbars()
        self._build_status()
        self._build_pdf_status()
        for act in (self.act_fit_width, self.act_fit_page, self.act_go_to_page):
            act.setEnabled(False)
        self._connect_project()
        self.write_failures = WriteFailures(
            project,
            self,
            self.statusBar(),
            reload=self.reload_from_project,
            reopen=self._recover,
        )
        self.undo.writing_stopped = lambda: self.write_failures.stopped
        from annotator.ui.suggestions import SuggestionsController

        self.suggestions = SuggestionsController(self)  # Suggest menu, dock, overlay, keys
        from annotator.ui.annotators import AnnotatorLayers

        self.layers = AnnotatorLayers(self)  # View → layers, blind mode, Agreement menu
        from annotator.ui.reliability import ReliabilityController

        self.reliability = ReliabilityController(self)  # changed files, orphans, backups
        from annotator.ui.contents import ContentsController

        self.contents = ContentsController(self)  # a Markdown reading's headings

        self.theme_choice = self.prefs.theme()
        self.apply_theme(self.theme_choice)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_scheme_changed)
        self.reader.set_zoom(self.prefs.zoom())
        self._refresh_label_sets()
        self._restore_layout()
        self._update_actions()

    # == building ===========================================================================

    def _build_center(self) -> None:
        self.reader = ReaderView(self)
        self.reader.setAcceptDrops(False)
        self.reader.viewport().setAcceptDrops(False)
        self.margin = MarginView(self.reader, self)
        self.margin.configure(self._links_for, self._describe)
        self.find_bar = FindBar(self)
        self.find_bar.hide()
        self.selection_bar = SelectionBar(self.reader.viewport())
        self._build_pdf()

        self.reading_split = QSplitter(Qt.Orientation.Horizontal, self)
        self.reading_split.setObjectName("readingSplit")
        self.reading_split.addWidget(self.reading_stack)
        self.reading_split.addWidget(self.margin)
        self.reading_split.setStretchFactor(0, 3)
        self.reading_split.setStretchFactor(1, 1)
        self.reading_split.setSizes([760, MARGIN_WIDTH])
        self.reading_split.setChildrenCollapsible(False)
        self.reading_split.setHandleWidth(1)
        self.reading_split.splitterMoved.connect(lambda *_: self.margin.relayout())

        center = QWidget(self)
        layout = QVBoxLayout(center)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.reading_split, 1)
        layout.addWidget(self.find_bar)
        self.setCentralWidget(center)

        r = self.reader
        r.annotation_clicked.connect(
            lambda ident: self.select_annotation(ident or None, source="reader")
        )
        r.annotation_activated.connect(self.edit_note)
        r.selection_finished.connect(self._show_selection_bar)
        r.selectionChanged.connect(self._selection_changed)
        r.cursorPositionChanged.connect(self._update_position)
        r.label_key_pressed.connect(self._label_key)
        r.resize_requested.connect(self._resize_to)
        r.escape_pressed.connect(self._escape)
        r.layout_changed.connect(self._reader_moved)
        r.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        r.customContextMenuRequested.connect(self._reader_menu)

        m = self.margin
        m.card_clicked.connect(lambda ident: self.select_annotation(ident, source="margin"))
        m.note_saved.connect(self._note_saved)
        m.note_cancelled.connect(self._note_cancelled)
        m.draft_saved.connect(self._draft_saved)
        m.draft_cancelled.connect(self._draft_cancelled)
        m.link_clicked.connect(self.go_to_annotation)

        f = self.find_bar
        f.search_changed.connect(self._find)
        f.step.connect(self._find_step)
        f.closed.connect(self._find_closed)
        self._find_matches: list[tuple[int, int]] = []
        self._find_index = -1

        sb = self.selection_bar
        sb.color_chosen.connect(self._bar_color)
        sb.comment.connect(self.comment)
        sb.symbol_chosen.connect(self.mark_symbol)
        sb.label_menu.connect(self._bar_label_menu)

    def _build_panels(self) -> None:
        self.documents_model = DocumentListModel(self.project, self)
        self.documents_panel = DocumentsPanel(self.documents_model, self)
        self.documents_panel.document_activated.connect(self.open_document)
        self.documents_panel.status_requested.connect(self._set_status)
        self.documents_panel.remove_requested.connect(self._remove_document)
        self.documents_panel.rename_requested.connect(self.rename_document)
        self.documents_dock = QDockWidget("Documents", self)
        self.documents_dock.setObjectName("documentsDock")
        self.documents_dock.setWidget(self.documents_panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.documents_dock)

        self.annotation_model = AnnotationTableModel(self.project, self)
        self.annotations_panel = AnnotationsPanel(self.annotation_model, self)
        self.annotations_panel.annotation_selected.connect(
            lambda ident: self.select_annotation(ident, source="list")
        )
        self.annotations_panel.annotation_activated.connect(self.edit_note)
        self.annotations_dock = QDockWidget("Annotations", self)
        self.annotations_dock.setObjectName("annotationsDock")
        self.annotations_dock.setWidget(self.annotations_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.annotations_dock)
        self.resizeDocks([self.documents_dock], [220], Qt.Orientation.Horizontal)
        self.resizeDocks([self.annotations_dock], [210], Qt.Orientation.Vertical)

        self._docs_timer = QTimer(self, singleShot=True, interval=250)
        self._docs_timer.timeout.connect(self._refresh_documents)

    def _action(
        self,
        text: str,
        slot: Any,
        shortcut: str | QKeySequence.StandardKey | list[str] | None = None,
        tip: str = "",
        *,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        if isinstance(shortcut, list):
            action.setShortcuts([QKeySequence(s) for s in shortcut])
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            name = text.replace("&", "").rstrip("…")
            action.setToolTip(f"{name} ({keys})" if keys else name)
        action.setCheckable(checkable)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)  # keys keep working in focus mode with the menus hidden
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.act_open = a(
            "&Open…",
            self.open_dialog,
            QKeySequence.StandardKey.Open,
            "Open a text, Markdown or PDF file and add it to the project",
        )
        self.act_sample = a(
            "Open the &Sample Reading", self.open_sample, None, "The bundled essay to practise on"
        )
        self.act_export = a(
            "&Export…",
            self.export_annotations,
            "Ctrl+E",
            "Export annotations as JSON, spaCy, CoNLL, brat, Markdown notes…",
        )
        self.act_import = a(
            "&Import…",
            self.import_annotations,
            None,
            "Import annotations (JSON, spaCy, Prodigy, doccano, CoNLL, brat, W3C, CSV, PDF)",
        )
        self.act_quit = a("&Quit", self.close, QKeySequence.StandardKey.Quit)

        self.act_undo = self.undo.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_redo = self.undo.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        # The actions keep the stack's text and enabled state, but run through UndoHistory's
        # Python undo/redo (errors reported, held while writing is stopped), not the C++ slot.
        for action, step in ((self.act_undo, self.undo.undo), (self.act_redo, self.undo.redo)):
            action.triggered.disconnect()
            action.triggered.connect(lambda _checked=False, step=step: step())
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
        self.act_copy = a("&Copy", self.view.copy, QKeySequence.StandardKey.Copy)
        self.act_find = a(
            "&Find…",
            self.open_find,
            QKeySequence.StandardKey.Find,
            "Find in the document; every match is marked",
        )
        self.act_find_next = a("Find &Next", lambda: self._find_step(1), ["F3"])
        self.act_find_prev = a("Find Pre&vious", lambda: self._find_step(-1), ["Shift+F3"])
        self.act_edit_note = a(
            "&Edit Note",
            lambda: self.edit_note(self.selected_id or ""),
            "E",
            "Write or change the note of the selected annotation",
        )
        self.act_delete = a(
            "&Delete Annotation",
            self.delete_selected,
            [QKeySequence(QKeySequence.StandardKey.Delete).toString(), "Backspace"],
            "Delete the selected annotation",
        )
        self.act_symbols = a(
            "S&ymbols…", self.edit_symbols, None, "Choose the symbols you mark passages with"
        )
        self.act_edit_label_sets = a(
            "&Edit Label Sets…",
            self.edit_label_sets,
            None,
            "Label sets, their colours, keys and meanings; new ones from the model's labels",
        )

        self.act_zoom_in = a("Zoom &In", lambda: self.zoom(+1), ["Ctrl++", "Ctrl+="])
        self.act_zoom_out = a("Zoom &Out", lambda: self.zoom(-1), ["Ctrl+-"])
        self.act_zoom_reset = a("&Actual Size", lambda: self.zoom(0), ["Ctrl+0"])
        self.act_focus = a(
            "&Focus Mode",
            self.toggle_focus,
            "F11",
            "Hide everything but the text and its margin",
            checkable=True,
        )
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[ThemeChoice, QAction] = {}
        for choice, text in (
            (ThemeChoice.SYSTEM, "Follow &System"),
            (ThemeChoice.LIGHT, "&Light"),
            (ThemeChoice.DARK, "&Dark"),
        ):
            act = a(text, lambda _=False, c=choice: self.set_theme(c), None, checkable=True)
            self.theme_group.addAction(act)
            self.theme_actions[choice] = act

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
            "&Link to…",
            self.link_selected,
            "Ctrl+L",
            "Connect the selected annotation to another one",
        )
        self.act_follow = a("&Go to Linked Annotation", self.follow_link, "Ctrl+Shift+L")
        self.act_next = a("&Next Annotation", lambda: self.step(True), "N")
        self.act_prev = a("&Previous Annotation", lambda: self.step(False), "P")
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
        self.act_annotator = a(
            "Switch &Annotator…", self.switch_annotator, None, "Annotate under another name"
        )
        self.act_shortcuts = a("&Keyboard Shortcuts", self.show_shortcuts, ["F1", "Ctrl+/"])
        self.act_about = a("&About Annotator", self.show_about)
        self.symbol_actions: list[QAction] = []
        self.label_actions: list[QAction] = []

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        file.addAction(self.act_open)
        self.recent_menu = file.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file.addAction(self.act_sample)
        file.addSeparator()
        file.addAction(self.act_import)
        file.addAction(self.act_export)
        file.addAction(self.act_export_pdf)
        file.addSeparator()
        file.addAction(self.act_quit)

        edit = bar.addMenu("&Edit")
        edit.addAction(self.act_undo)
        edit.addAction(self.act_redo)
        edit.addSeparator()
        edit.addAction(self.act_copy)
        edit.addAction(self.act_find)
        edit.addAction(self.act_find_next)
        edit.addAction(self.act_find_prev)
        edit.addSeparator()
        edit.addAction(self.act_edit_note)
        edit.addAction(self.act_delete)
        edit.addSeparator()
        edit.addAction(self.act_symbols)

        view = bar.addMenu("&View")
        view.addAction(self.act_zoom_in)
        view.addAction(self.act_zoom_out)
        view.addAction(self.act_zoom_reset)
        view.addAction(self.act_fit_width)
        view.addAction(self.act_fit_page)
        view.addAction(self.act_go_to_page)
        view.addSeparator()
        theme = view.addMenu("&Theme")
        for act in self.theme_actions.values():
            theme.addAction(act)
        view.addSeparator()
        view.addAction(self.documents_dock.toggleViewAction())
        view.addAction(self.annotations_dock.toggleViewAction())
        pages = self.pages_dock.toggleViewAction()
        pages.setText("&Pages (Outline, Thumbnails)")
        pages.triggered.connect(lambda on: self.prefs.set_bool("view/pages_panel", on))
        view.addAction(pages)
        self.act_margin = self._action("&Margin Notes", self._toggle_margin, None, checkable=True)
        self.act_margin.setChecked(True)
        view.addAction(self.act_margin)
        view.addSeparator()
        view.addAction(self.act_focus)
        self.view_menu = view

        annotate = bar.addMenu("&Annotate")
        annotate.addAction(self.act_highlight)
        annotate.addAction(self.act_choose_color)
        annotate.addAction(self.act_comment)
        self.symbol_menu = annotate.addMenu("&Mark with Symbol")
        self.label_menu = annotate.addMenu("&Label")
        self.label_set_menu = annotate.addMenu("Label &Set")
        annotate.addSeparator()
        annotate.addAction(self.act_summary_section)
        annotate.addAction(self.act_summary_document)
        annotate.addSeparator()
        annotate.addAction(self.act_link)
        annotate.addAction(self.act_follow)
        annotate.addSeparator()
        annotate.addAction(self.act_next)
        annotate.addAction(self.act_prev)
        span = annotate.addMenu("Resize Span")
        for act in (
            self.act_grow_end,
            self.act_shrink_end,
            self.act_grow_start,
            self.act_shrink_start,
        ):
            span.addAction(act)
        annotate.addSeparator()
        annotate.addAction(self.act_annotator)

        help_menu = bar.addMenu("&Help")
        self.act_welcome = self._action("&Welcome", self.show_welcome)
        self.act_docs = self._action("&Documentation", self.show_documentation)
        help_menu.addAction(self.act_welcome)
        help_menu.addAction(self.act_docs)
        help_menu.addAction(self.act_shortcuts)
        help_menu.addAction(self.act_about)

    def _build_toolbars(self) -> None:
        tools = QToolBar("Tools", self)
        tools.setObjectName("toolsBar")
        tools.setMovable(False)
        tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        tools.addAction(self.act_open)
        tools.addSeparator()
        self.highlight_button = QToolButton(self)
        self.highlight_button.setDefaultAction(self.act_highlight)
        self.highlight_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.highlight_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.color_menu = QMenu(self)
        self.highlight_button.setMenu(self.color_menu)
        tools.addWidget(self.highlight_button)
        tools.addAction(self.act_comment)
        self.symbol_tools: list[QAction] = []
        self.symbol_anchor = tools.addSeparator()
        self.tools_bar = tools
        label_box = QWidget(self)
        row = QHBoxLayout(label_box)
        row.setContentsMargins(6, 0, 6, 0)
        row.addWidget(QLabel("Labels:", label_box))
        self.label_set_box = QComboBox(label_box)
        self.label_set_box.setAccessibleName("Label set")
        self.label_set_box.setToolTip("The label set whose keys (1–9, letters) apply labels")
        self.label_set_box.currentTextChanged.connect(self._label_set_chosen)
        row.addWidget(self.label_set_box)
        edit_sets = QToolButton(label_box)
        edit_sets.setDefaultAction(self.act_edit_label_sets)
        edit_sets.setText("Edit…")
        row.addWidget(edit_sets)
        tools.addWidget(label_box)
        tools.addSeparator()
        tools.addAction(self.act_link)
        tools.addAction(self.act_find)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tools)

        self.legend_bar = LegendBar(self)
        self.legend_bar.color_chosen.connect(self._legend_clicked)
        self.legend_bar.edit_requested.connect(self.edit_legend_entry)
        self.legend_bar.add_requested.connect(self.add_legend_entry)
        self.legend_bar.remove_requested.connect(self.remove_legend_entry)
        self.legend_bar.filter_requested.connect(self._filter_color)
        legend = QToolBar("Legend", self)
        legend.setObjectName("legendBar")
        legend.setMovable(False)
        legend.addWidget(self.legend_bar)
        self.addToolBarBreak()
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, legend)
        self.legend_toolbar = legend

    def _build_status(self) -> None:
        status = self.statusBar()
        self.annotator_button = QToolButton(self)
        self.annotator_button.setAutoRaise(True)
        self.annotator_button.setToolTip("The name your annotations are saved under")
        self.annotator_button.clicked.connect(self.switch_annotator)
        self.counts_label = QLabel(self)
        self.position_label = QLabel(self)
        self.zoom_label = QLabel(self)
        for w in (self.counts_label, self.position_label, self.zoom_label):
            w.setContentsMargins(8, 0, 8, 0)
        status.addPermanentWidget(self.counts_label)
        status.addPermanentWidget(self.position_label)
        status.addPermanentWidget(self.zoom_label)
        status.addPermanentWidget(self.annotator_button)
        self._update_annotator()

    def _connect_project(self) -> None:
        e = self.project.events
        e.annotation_added.connect(self._on_added)
        e.annotation_changed.connect(self._on_changed)
        e.annotation_removed.connect(self._on_removed)
        e.annotations_reset.connect(self._on_reset)
        e.documents_changed.connect(self._documents_changed)
        e.links_changed.connect(self._on_links_changed)
        e.label_sets_changed.connect(self._refresh_label_sets)
        e.annotators_changed.connect(self._on_annotators_changed)
        e.current_annotator_changed.connect(lambda _a: self._update_annotator())

    def _documents_changed(self) -> None:
        self._docs_timer.start()

    def _disconnect_project(self) -> None:
        e = self.project.events
        for signal, slot in (
            (e.annotation_added, self._on_added),
            (e.annotation_changed, self._on_changed),
            (e.annotation_removed, self._on_removed),
            (e.annotations_reset, self._on_reset),
            (e.documents_changed, self._documents_changed),
            (e.links_changed, self._on_links_changed),
            (e.label_sets_changed, self._refresh_label_sets),
            (e.annotators_changed, self._on_annotators_changed),
        ):
            signal.disconnect(slot, missing_ok=True)
        e.current_annotator_changed.disconnect()
        self.write_failures.disconnect_project()

    # == documents ============================================================================

    def open_document(self, document_id: str) -> None:
        if self.document is not None and self.document.id == document_id:
            return
        try:
            document = self.project.document(document_id)
            paged = self._is_paged_document(document)
            # Text: the first screen's annotations are read after scrolling there, the rest
            # on first need (see _load_first_screen). Pages: all of them now.
            annotations = self.layers.visible(document_id) if paged else []  # layers, blind
        except AnnotatorError as error:
            self.show_error(str(error), dialog=True)
            return
        self._remember_position()
        self.margin.clear()
        self._draft = None
        pdf = paged and self._show_pdf_document(document)
        if not pdf:
            self._close_pdf()
            self._activate(self.reader)
        elif self.reader.doc is not None:
            self.reader.load(None, [])
        self.document = document
        self.selected_id = None
        self.view.load(document, annotations)
        # The list is not needed for the first paint: it fills on the next turn of the loop.
        self.annotation_model.set_document(document.id, document.text, [], document.page_map)
        QTimer.singleShot(0, lambda d=document.id: self._fill_list(d))
        self._load_links()
        if not pdf:
            self.reader.scroll_to_offset(self.prefs.position(document.sha256), top=True)
            if not paged:
                self._load_first_screen(document.id)
        self.setWindowTitle(f"{document.title} — Annotator")
        self.documents_panel.select_document(document.id)
        self.prefs.set_last_document(str(self.project.path), document.id)
        if self.find_bar.isVisible() and self.find_bar.edit.text():
            self._find(self.find_bar.edit.text(), self.find_bar.case.isChecked())
        self._update_actions()
        self.margin.rebuild()
        self.reliability.document_opened(document)  # file changed or missing? (off-thread)
        self.contents.document_opened()

    def _leave_document(self) -> None:
        """Nothing open: the list, the margin and the reader are emptied."""
        self._remember_position()
        self.margin.clear()
        self._draft = None
        self.document = None
        self.selected_id = None
        self.reader.load(None, [])
        self.annotation_model.set_document(None, "", [])
        self.contents.document_opened()
        self._links = {}
        self._update_counts()
        self._update_actions()

    def _load_first_screen(self, document_id: str) -> None:
        """Give the reader the annotations around the screen it opens on; the others load
        the first time anything asks about them (at the latest when the list fills, on the
        next turn of the event loop), so a long document paints before they are read."""
        reader = self.reader
        a, b = reader.visible_range(pad_pixels=2 * reader.viewport().height())
        start, end = reader.to_cp(a), reader.to_cp(b)
        try:
            first = self.layers.visible_in_range(document_id, start, end)
        except AnnotatorError:
            reader.reset_annotations(self._all_visible(document_id))
            return
        reader.reset_first_screen(first, start, end, lambda: self._all_visible(document_id))

    def _all_visible(self, document_id: str) -> list[Annotation]:
        try:
            return self.layers.visible(document_id)  # layers, blind mode
        except AnnotatorError as error:
            self.show_error(str(error))
            return []

    def _fill_list(self, document_id: str) -> None:
        if self._closing or self.document is None or self.document.id != document_id:
            return
        self.annotation_model.reload(self.view.index.all())
        self._refresh_filter_choices()
        self._update_counts()
        if self.selected_id:
            self.annotations_panel.select(self.selected_id)

    def open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open readings", "", OPEN_FILTER)
        if paths:
            self.open_paths(paths)

    def open_sample(self) -> None:
        # Added with its example annotations when new to the project (annotator.samples).
        from annotator.samples import add_sample_reading

        try:
            document, _ = add_sample_reading(self.project)
        except (AnnotatorError, OSError) as error:
            self.show_error(str(error))
            return
        self.open_document(document.id)

    def open_paths(self, paths: list[str], *, remember: bool = True) -> None:
        """Add files to the project and open the last one; decoding runs off the GUI thread."""
        for i, path in enumerate(paths):
            if is_paged_file(path) and i == len(paths) - 1:
                self.open_pdf_path(path, remember=remember)
                continue
            self.statusBar().showMessage(f"Opening {Path(path).name}…")
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
            Worker(
                lambda p=path: load_document(p),
                lambda loaded, p=path: self._loaded(p, loaded, remember),
                lambda message, p=path: self._load_failed(p, message),
                self,
            ).start()

    def _loaded(self, path: str, loaded: Any, remember: bool) -> None:
        QApplication.restoreOverrideCursor()
        try:
            document, new = self.project.add_loaded_document(loaded, str(Path(path).resolve()))
        except AnnotatorError as error:
            self._load_failed(path, str(error))
            return
        if remember:
            self.prefs.add_recent_file(str(Path(path).resolve()))
        self.statusBar().showMessage(
            f"Added “{document.title}” to the project"
            if new
            else f"“{document.title}” was already in the project",
            4000,
        )
        self._refresh_documents()
        self.open_document(document.id)

    def _load_failed(self, path: str, message: str) -> None:
        QApplication.restoreOverrideCursor()
        self.statusBar().clearMessage()
        self.show_error(f"Could not open {Path(path).name}: {message}", dialog=True)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.prefs.recent_files()
        for i, path in enumerate(files):
            label = f"&{i + 1} {Path(path).name}" if i < 9 else Path(path).name
            action = self.recent_menu.addAction(label)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_paths([p]))
        if not files:
            self.recent_menu.addAction("No recent files").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear Recent Files").triggered.connect(
                self.prefs.clear_recent_files
            )

    def _refresh_documents(self) -> None:
        if self._closing:
            return
        self.documents_model.refresh()
        if self.document is not None:
            self.documents_panel.select_document(self.document.id)
            row = self.documents_model.row_of(self.document.id)
            if row >= 0:  # a rename (or its undo) shows in the title bar too
                title = self.documents_model.summary(row).document.title
                if title != self.document.title:
                    self.document = dataclasses.replace(self.document, title=title)
                    self.setWindowTitle(f"{title} — Annotator")

    def set_document_status(self, document_id: str, status: str) -> bool:
        """The current annotator's status of a document, as an undoable step."""
        from annotator.comparing import document_status

        try:
            old = document_status(self.project, document_id, self.project.current_annotator.name)
        except AnnotatorError as error:
            self.show_error(str(error))
            return False
        if old == status:
            return True
        return self.undo.run(
            ReplaceValue(
                self.project,
                lambda value: self.project.set_document_status(document_id, value),
                old,
                status,
                f"Mark {status}",
            )
        )

    def _set_status(self, document_id: str, status: str) -> None:
        self.set_document_status(document_id, status)

    def rename_document(self, document_id: str, title: str | None = None) -> bool:
        """Give a document a title of the reader's choosing (undoable); asks when no
        ``title`` is given."""
        try:
            old = self.project.document(document_id).title
        except AnnotatorError as error:
            self.show_error(str(error))
            return False
        if title is None:
            title, ok = QInputDialog.getText(
                self, "Rename document", "Title:", QLineEdit.EchoMode.Normal, old
            )
            if not ok:
                return False
        title = title.strip()
        if not title or title == old:
            return False
        done = self.undo.run(
            ReplaceValue(
                self.project,
                lambda value: self.project.rename_document(document_id, value),
                old,
                title,
                f"Rename “{old}”",
            )
        )
        return done

    def _remove_document(self, document_id: str) -> None:
        summary = next((s for s in self.project.documents() if s.document.id == document_id), None)
        if summary is None:
            return
        answer = QMessageBox.question(
            self,
            "Remove document",
            f"Remove “{summary.document.title}” and its {plural(summary.annotations, 'note')} "
            "from the project? Ctrl+Z brings it back.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        title = summary.document.title
        if not self.undo.run(RemoveDocument(self.project, document_id, f"Remove “{title}”")):
            return
        self.statusBar().showMessage(f"Removed “{title}” — Ctrl+Z brings it back", 6000)
        if self.document is not None and self.document.id == document_id:
            self.document = None
            self._close_pdf()
            self._activate(self.reader)
            self.reader.load(None, [])
            self.annotation_model.set_document(None, "", [])
            self.contents.document_opened()
            self.margin.clear()
            self.setWindowTitle("Annotator")
            self._update_counts()

    def export_annotations(self) -> None:
        """File → Export…: format, scope and layers in a dialog; the export runs off-thread."""
        from annotator.ui.export_dialog import ExportDialog

        ExportDialog(self).open()  # deletes itself once closed and its export is over

    def import_annotations(self) -> None:
        """File → Import…: detect the format, confirm, import in one transaction, report."""
        from annotator.ui.export_dialog import import_annotations

        import_annotations(self)

    # == following the project ================================================================

    def _on_added(self, a: Annotation) -> None:
        self._ensure_filter_choice(a)
        for view in self._views():
            view.add_annotation(a)
        self.annotation_model.add(a)
        self.margin.rebuild()
        self._after_change()

    def _on_changed(self, _old: Annotation, new: Annotation) -> None:
        self._ensure_filter_choice(new)
        for view in self._views():
            view.change_annotation(new)
        self.annotation_model.change(new)
        self.margin.rebuild()
        self._after_change()

    def _on_removed(self, a: Annotation) -> None:
        for view in self._views():
            view.remove_annotation(a.id)
        self.annotation_model.remove(a.id)
        if self.selected_id == a.id:
            self.select_annotation(None)
        self.margin.rebuild()
        self._after_change()

    def _on_reset(self, document_id: str | None) -> None:
        if self.document is None or document_id not in (None, self.document.id):
            self._docs_timer.start()
            return
        annotations = self.layers.visible(self.document.id)
        for view in self._views():
            view.reset_annotations(annotations)
        self.annotation_model.reload(annotations)
        self._load_links()
        self.margin.rebuild()
        self._after_change()

    def _ensure_filter_choice(self, a: Annotation) -> None:
        # A label used for the first time becomes a choice of the list's label filter.
        box = self.annotations_panel.label_box
        if a.label and box.findData(a.label) < 0:
            QTimer.singleShot(0, self._refresh_filter_choices)

    def _after_change(self) -> None:
        self._docs_timer.start()
        self._update_counts()
        self._update_actions()

    def _load_links(self) -> None:
        self._links = {}
        if self.document is None:
            self.margin.set_linked(set())
            return
        for link in self.project.links(self.document.id):
            for here, there in (
                (link.from_annotation, link.to_annotation),
                (link.to_annotation, link.from_annotation),
            ):
                try:
                    other = self.project.annotation(there)
                except AnnotatorError:
                    continue
                self._links.setdefault(here, []).append((link, other))
        self.margin.set_linked(set(self._links))

    def _on_links_changed(self) -> None:
        self._load_links()
        self._update_actions()
        self._show_selection_status(only_replacing=True)

    def _links_for(self, annotation_id: str) -> list[tuple[Link, Annotation]]:
        return self._links.get(annotation_id, [])

    def _describe(self, a: Annotation) -> tuple[str, str, str]:
        mark = self.annotation_model.mark(a)
        if a.kind == AnnotationKind.SUMMARY:
            mark = "Summary of the whole reading" if a.start == a.end else "Section summary"
        elif a.kind == AnnotationKind.COMMENT and not (a.symbol or a.label or a.color):
            mark = "Comment"
        color = a.color or (self.view.label_colors.get(a.label or "", ""))
        return mark, color, self.annotation_model.annotator_name(a.annotator_id)

    def _on_annotators_changed(self) -> None:
        self.annotation_model.refresh_names()
        self._refresh_filter_choices()
        self._update_annotator()

    # == label sets, legend, symbols ===========================================================

    def _refresh_label_sets(self) -> None:
        legend = self.project.legend()
        colors = [label.color for label in legend.labels]
        saved = self.current_color or self.prefs.color() or ""
        self.current_color = next(
            (c for c in colors if c.lower() == saved.lower()), colors[0] if colors else "#ffe066"
        )
        self.legend_bar.set_legend(legend.labels, self.current_color)
        self._fill_color_menu(legend)

        sets = [
            s
            for s in self.project.label_sets()
            if s.kind in (LabelSetKind.SPAN, LabelSetKind.SENTENCE)
        ]
        names = [s.name for s in sets]
        wanted = self.label_set_name or self.prefs.label_set() or (names[0] if names else "")
        if wanted not in names and names:
            wanted = names[0]
        self.label_set_box.blockSignals(True)
        self.label_set_box.clear()
        self.label_set_box.addItems(names)
        self.label_set_box.setCurrentText(wanted)
        self.label_set_box.blockSignals(False)
        self.label_set_name = wanted

        self.label_set_menu.clear()
        group = QActionGroup(self.label_set_menu)
        for name in names:
            act = self.label_set_menu.addAction(name)
            act.setCheckable(True)
            act.setChecked(name == wanted)
            group.addAction(act)
            act.triggered.connect(lambda _=False, n=name: self.label_set_box.setCurrentText(n))
        self.label_set_menu.addSeparator()
        self.label_set_menu.addAction(self.act_edit_label_sets)

        self._fill_symbols()
        self._fill_labels()
        self.annotation_model.refresh_names()
        self._refresh_filter_choices()
        self.selection_bar.fill(legend.labels, self.project.symbols())
        self.margin.rebuild()

    def current_label_set(self) -> LabelSet | None:
        try:
            return self.project.label_set(self.label_set_name) if self.label_set_name else None
        except AnnotatorError:
            return None

    def _label_set_chosen(self, name: str) -> None:
        if not name or name == self.label_set_name:
            return
        self.label_set_name = name
        self.prefs.set_label_set(name)
        for act in self.label_set_menu.actions():
            act.setChecked(act.text() == name)
        self._fill_labels()
        self.statusBar().showMessage(
            f"Label set: {name} — select text, then press a label's key", 4000
        )

    def _fill_labels(self) -> None:
        self.label_menu.clear()
        label_set = self.current_label_set()
        labels = label_set.labels if label_set else ()
        all_colors: dict[str, str] = {}
        for s in self.project.label_sets():
            if s.kind != LabelSetKind.LEGEND:
                for label in s.labels:
                    all_colors.setdefault(label.name, label.color)
        for label in labels:
            all_colors[label.name] = label.color
            text = f"{label.name}\t{label.key.upper()}" if label.key else label.name
            act = self.label_menu.addAction(swatch(label.color), text)
            act.setStatusTip(label.description)
            act.triggered.connect(lambda _=False, n=label.name: self.apply_label(n))
        if not labels:
            self.label_menu.addAction("This label set has no labels").setEnabled(False)
        for view in self._views():
            view.set_label_colors(all_colors, {label.key.lower() for label in labels if label.key})

    def _fill_symbols(self) -> None:
        for act in self.symbol_actions:
            self.removeAction(act)
            act.deleteLater()
        for act in self.symbol_tools:
            self.tools_bar.removeAction(act)
        self.symbol_actions, self.symbol_tools = [], []
        self.symbol_menu.clear()
        for symbol in self.project.symbols():
            key = symbol if len(symbol) == 1 else None
            act = self._action(
                symbol,
                lambda _=False, s=symbol: self.mark_symbol(s),
                key,
                f"Mark the selection with {symbol}",
            )
            act.setText(f"Mark with {symbol}")
            act.setIconText(symbol)
            self.symbol_menu.addAction(act)
            self.symbol_actions.append(act)
            tool = QAction(symbol, self)
            tool.setToolTip(f"Mark with {symbol}" + (f" ({symbol})" if key else ""))
            tool.triggered.connect(lambda _=False, s=symbol: self.mark_symbol(s))
            self.tools_bar.insertAction(self.symbol_anchor, tool)
            self.symbol_tools.append(tool)
        self.symbol_menu.addSeparator()
        self.symbol_menu.addAction(self.act_symbols)

    def _fill_color_menu(self, legend: LabelSet) -> None:
        self.color_menu.clear()
        for i, label in enumerate(legend.labels):
            prefix = f"&{i + 1} " if i < 9 else ""
            act = self.color_menu.addAction(swatch(label.color), f"{prefix}{label.name}")
            act.setCheckable(True)
            act.setChecked(label.color.lower() == self.current_color.lower())
            act.triggered.connect(lambda _=False, c=label.color: self._color_picked(c))
        self.color_menu.addSeparator()
        self.color_menu.addAction("Add a Colour…").triggered.connect(self.add_legend_entry)
        self.highlight_button.setIcon(swatch(self.current_color, 14))
        name = self.annotation_model.meaning(self.current_color) or "highlight"
        self.act_highlight.setToolTip(f"Highlight as “{name}” (H) — Shift+H to choose")

    def _set_current_color(self, color: str) -> None:
        self.current_color = color
        self.prefs.set_color(color)
        self.legend_bar.set_current(color)
        self._fill_color_menu(self.project.legend())

    def _color_picked(self, color: str) -> None:
        self._set_current_color(color)
        if self.view.has_selection() or self.selected_id:
            self.highlight()

    def _legend_clicked(self, color: str) -> None:
        self._color_picked(color)
        self.view.setFocus()

    def _bar_color(self, color: str) -> None:
        self._set_current_color(color)
        self.highlight()

    def edit_legend_entry(self, i: int) -> None:
        legend = self.project.legend()
        if not 0 <= i < len(legend.labels):
            return
        dialog = LegendEntryDialog(legend.labels[i], self)
        if not dialog.exec():
            return
        labels = list(legend.labels)
        labels[i] = dialog.label(labels[i].key)
        self.undo.run(
            ReplaceValue(
                self.project,
                self.project.save_label_set,
                legend,
                dataclasses.replace(legend, labels=tuple(labels)),
                f"Edit colour “{labels[i].name}”",
            )
        )

    def add_legend_entry(self) -> None:
        legend = self.project.legend()
        dialog = LegendEntryDialog(None, self)
        if not dialog.exec():
            return
        label = dialog.label()
        new = dataclasses.replace(legend, labels=(*legend.labels, label))
        if self.undo.run(
            ReplaceValue(
                self.project, self.project.save_label_set, legend, new, f"Add colour “{label.name}”"
            )
        ):
            self._set_current_color(label.color)

    def remove_legend_entry(self, i: int) -> None:
        legend = self.project.legend()
        if len(legend.labels) <= 1 or not 0 <= i < len(legend.labels):
            return
        label = legend.labels[i]
        labels = tuple(x for j, x in enumerate(legend.labels) if j != i)
        self.undo.run(
            ReplaceValue(
                self.project,
                self.project.save_label_set,
                legend,
                dataclasses.replace(legend, labels=labels),
                f"Remove colour “{label.name}”",
            )
        )
        self.statusBar().showMessage(
            f"Removed “{label.name}” from the legend; passages in that colour keep it "
            "(Ctrl+Z brings the entry back)",
            6000,
        )

    def edit_label_sets(self) -> None:
        from annotator.ui.label_sets import edit_label_sets

        self.label_sets_dialog = edit_label_sets(self)

    def edit_symbols(self) -> None:
        old = self.project.symbols()
        dialog = SymbolsDialog(old, self)
        if dialog.exec():
            self.undo.run(
                ReplaceValue(
                    self.project, self.project.set_symbols, old, dialog.symbols(), "Change symbols"
                )
            )

    def _refresh_filter_choices(self) -> None:
        labels: list[str] = []
        for s in self.project.label_sets():
            if s.kind != LabelSetKind.LEGEND:
                labels.extend(label.name for label in s.labels if label.name not in labels)
        used = {a.label for a in self.annotation_model.annotations() if a.label}
        labels = [x for x in labels if x in used] + sorted(used - set(labels))
        self.annotations_panel.set_choices(
            self.project.legend(),
            labels,
            self.project.symbols(),
            [(a.id, a.name) for a in self.project.annotators()],
        )

    def _filter_color(self, color: str) -> None:
        self.annotations_dock.show()
        self.annotations_panel.filter_by_color(color)

    # == annotating ===========================================================================

    def _need_selection(self) -> tuple[int, int] | None:
        if self.document is None:
            self.show_error(self._not_ready_message() or "Open a document first (Ctrl+O).")
            return None
        span = self.view.selection_span() or self._area_span()
        if span is None:
            self.show_error(
                "Select some text first, then press the key again."
                + (" On a page without text, drag a rectangle." if self.showing_pdf else "")
            )
        return span

    def _add(self, undo_text: str, **fields: Any) -> Annotation | None:
        span = self._need_selection()
        if span is None or self.document is None:
            return None
        span = self.suggestions.snap(span)  # whole words unless Annotate → Snap to Words is off
        command = AddAnnotation(
            self.project,
            self.document.id,
            span[0],
            span[1],
            undo_text,
            **fields,
            **self._area_fields(),
        )
        if not self.undo.run(command):
            return None
        self._after_annotating(command.annotation)
        return command.annotation

    def _after_annotating(self, a: Annotation | None) -> None:
        self.view.clear_selection()
        self.selection_bar.hide()
        if a is not None:
            self.select_annotation(a.id, source="new")
            self.statusBar().showMessage(
                f"{self._describe(a)[0].capitalize()} added — Ctrl+Z to undo", 3000
            )

    def _edit(self, annotation_id: str, undo_text: str, **changes: Any) -> bool:
        return self.undo.run(EditAnnotation(self.project, annotation_id, undo_text, **changes))

    def highlight(self) -> None:
        if not self.view.has_selection() and self.selected_id:
            self._edit(self.selected_id, "Change colour", color=self.current_color)
            return
        self._add("Highlight", kind=AnnotationKind.HIGHLIGHT, color=self.current_color)

    def choose_color(self) -> None:
        self.color_menu.exec(self.view.viewport().mapToGlobal(self._caret_point()))

    def mark_symbol(self, symbol: str) -> None:
        if not self.view.has_selection() and self.selected_id:
            current = self.project.annotation(self.selected_id)
            new = None if current.symbol == symbol else symbol
            self._edit(
                self.selected_id, f"Mark with {symbol}" if new else "Remove symbol", symbol=new
            )
            return
        self._add(f"Mark with {symbol}", kind=AnnotationKind.HIGHLIGHT, symbol=symbol)

    def apply_label(self, name: str) -> None:
        if not self.view.has_selection() and self.selected_id:
            current = self.project.annotation(self.selected_id)
            new = None if current.label == name else name
            self._edit(self.selected_id, f"Label {name}" if new else "Remove label", label=new)
            return
        self._add(f"Label {name}", kind=AnnotationKind.ENTITY, label=name)

    def _label_key(self, key: str) -> None:
        label_set = self.current_label_set()
        if label_set is None:
            return
        label = next((x for x in label_set.labels if x.key.lower() == key), None)
        if label is not None:
            self.apply_label(label.name)

    def _bar_label_menu(self) -> None:
        self.label_menu.exec(self.selection_bar.mapToGlobal(QPoint(0, self.selection_bar.height())))

    def comment(self) -> None:
        span = self.view.selection_span()
        if span is None and not self.view.has_selection() and self.selected_id:
            self.edit_note(self.selected_id)
            return
        span = self._need_selection()
        if span is None:
            return
        self._start_draft(
            "Comment", span[0], span[1], kind=AnnotationKind.COMMENT, **self._area_fields()
        )

    def _start_draft(self, title: str, start: int, end: int, **fields: Any) -> None:
        self.selection_bar.hide()
        self.margin.finish_editing()  # saves a draft being written before this one replaces it
        assert self.document is not None
        # The selection is remembered with the draft: it is saved where it was begun.
        self._draft = {"document_id": self.document.id, "start": start, "end": end, **fields}
        if not self.act_margin.isChecked():
            self.act_margin.setChecked(True)
            self._toggle_margin()
        self.margin.start_draft(start, title, fields.get("color") or "")

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
        saved = self.undo.run(command)
        if saved or done:
            self._draft = None
        if not saved or command.annotation is None:
            return  # the error is shown; a draft still open tries again on its next save
        if not done:
            self.margin.adopt_draft(command.annotation)
        self._after_annotating(command.annotation)

    def _draft_cancelled(self) -> None:
        self._draft = None

    def edit_note(self, annotation_id: str) -> None:
        if not annotation_id:
            self.show_error("Select an annotation first (click it, or N / P).")
            return
        if not self.act_margin.isChecked():
            self.act_margin.setChecked(True)
            self._toggle_margin()
        self.select_annotation(annotation_id, source="edit")
        if not self.margin.edit(annotation_id):
            return

    def _note_saved(self, annotation_id: str, note: str, session: int, done: bool) -> None:
        """A note saved as typed or on leaving it: one editing session is one undo step."""
        a = self.view.index.get(annotation_id)
        if a is None:
            return
        if done and not note and isinstance(self.undo.session_command(session), AddAnnotation):
            self.undo.discard_session(session)  # a new comment left empty is not kept
            return
        if a.note == note:
            return
        changes: dict[str, Any] = {"note": note}
        if a.kind == AnnotationKind.HIGHLIGHT and note:
            changes["kind"] = AnnotationKind.COMMENT
        self.undo.run(
            EditAnnotation(self.project, annotation_id, "Edit note", session=session, **changes)
        )

    def _note_cancelled(self, _annotation_id: str, session: int) -> None:
        """Escape: the note goes back to what it was before this editing session."""
        self.undo.discard_session(session)

    def summarise_section(self) -> None:
        if self.document is None:
            self.show_error("Open a document first (Ctrl+O).")
            return
        offset = self.view.caret_offset()
        section = self.view.section_at(offset)
        if section is None:
            self.statusBar().showMessage(
                "No heading above this point: summarising the whole document instead", 4000
            )
            self.summarise_document()
            return
        start, end, title = section
        existing = next(
            (
                a
                for a in self.view.index.all()
                if a.kind == AnnotationKind.SUMMARY and a.start == start and a.end == end
            ),
            None,
        )
        if existing is not None:
            self.edit_note(existing.id)
            return
        self.view.scroll_to_offset(start)
        self._start_draft(f"Summary of “{title}”", start, end, kind=AnnotationKind.SUMMARY)

    def summarise_document(self) -> None:
        if self.document is None:
            self.show_error("Open a document first (Ctrl+O).")
            return
        existing = next(
            (
                a
                for a in self.view.index.all()
                if a.kind == AnnotationKind.SUMMARY and a.start == a.end == 0
            ),
            None,
        )
        if existing is not None:
            self.view.scroll_to_offset(0, top=True)
            self.edit_note(existing.id)
            return
        self.view.scroll_to_offset(0, top=True)
        self._start_draft("Summary of the whole reading", 0, 0, kind=AnnotationKind.SUMMARY)

    def delete_selected(self) -> None:
        if self.margin.draft is not None:
            return
        ident = self.selected_id
        if ident is None:
            self.show_error("Select an annotation to delete (click it, or N / P).")
            return
        following = self.view.index.step(ident, 0, forward=True)
        a = self.view.index.get(ident)
        what = self._describe(a)[0] if a else "annotation"
        if self.undo.run(DeleteAnnotations(self.project, [ident], f"Delete {what}")):
            self.statusBar().showMessage(f"Deleted {what} — Ctrl+Z brings it back", 4000)
            if following is not None:
                self.select_annotation(following.id, source="nav")

    def _resize_to(self, annotation_id: str, start: int, end: int) -> None:
        self.undo.run(
            EditAnnotation(
                self.project, annotation_id, "Resize annotation", merge=True, start=start, end=end
            )
        )

    def resize_selected(self, which: str, direction: int) -> None:
        a = self.view.selected()
        if a is None or a.end <= a.start:
            self.show_error("Select an annotation to resize (click it, or N / P).")
            return
        start, end = a.start, a.end
        if which == "end":
            end = _word_step(self.view.text, end, direction)
            end = max(end, start + 1)
        else:
            start = _word_step(self.view.text, start, direction)
            start = min(start, end - 1)
        if (start, end) != (a.start, a.end):
            self._resize_to(a.id, start, end)

    # == selection and navigation ================================================================

    def select_annotation(self, annotation_id: str | None, *, source: str = "") -> None:
        """One selection, shown in the text, the margin and the list."""
        if annotation_id is not None and annotation_id not in self.view.index:
            annotation_id = None
        linking = self.view.linking_from
        if (
            linking
            and annotation_id
            and annotation_id != linking
            and source in ("reader", "margin", "list")
        ):
            self._finish_link(linking, annotation_id)
            return
        self.selected_id = annotation_id
        self.view.select_annotation(annotation_id, scroll=source not in ("reader", "new"))
        self.margin.select(annotation_id)
        if source != "list":
            self.annotations_panel.select(annotation_id)
        self._update_actions()
        self._show_selection_status()

    def _show_selection_status(self, *, only_replacing: bool = False) -> None:
        """Say what the selected annotation is; with ``only_replacing``, only if the status
        bar still says it (so a link or its undo updates the message rather than leaving a
        stale "1 link")."""
        a = self.view.selected()
        if a is None:
            return
        mark, _c, who = self._describe(a)
        message = f"{mark} by {who}"
        current = self.statusBar().currentMessage()
        if only_replacing and not current.startswith(message):
            return
        note = f" — {' '.join(a.note.split())[:80]}" if a.note else ""
        links = self._links.get(a.id, [])
        more = f" · {plural(len(links), 'link')} (Ctrl+Shift+L)" if links else ""
        self.statusBar().showMessage(f"{message}{note}{more}", 6000)

    def step(self, forward: bool) -> None:
        if self.document is None:
            return
        nxt = self.view.index.step(self.selected_id, self.view.caret_offset(), forward=forward)
        if nxt is None:
            self.statusBar().showMessage(
                "No more annotations " + ("after this one" if forward else "before this one"), 3000
            )
            return
        if self.view is self.reader:
            cursor = self.reader.textCursor()
            cursor.clearSelection()
            cursor.setPosition(self.reader.to_qt(nxt.start))
            self.reader.setTextCursor(cursor)
        else:
            self.view.clear_selection()
        self.select_annotation(nxt.id, source="nav")

    def go_to_annotation(self, annotation_id: str) -> None:
        """Jump to an annotation, in another document if need be (following a link)."""
        try:
            a = self.project.annotation(annotation_id)
        except AnnotatorError as error:
            self.show_error(str(error))
            return
        if self.document is None or a.document_id != self.document.id:
            self.open_document(a.document_id)
        self.select_annotation(a.id, source="link")

    def link_selected(self) -> None:
        linking = self.view.linking_from
        if linking and self.selected_id and self.selected_id != linking:
            self._finish_link(linking, self.selected_id)
            return
        if self.selected_id is None:
            self.show_error("Select the annotation to link from first (click it, or N / P).")
            return
        self.view.linking_from = self.selected_id
        self.view.refresh()
        self.statusBar().showMessage(
            "Linking: click the annotation to connect to (or pick it with N / P and press "
            "Ctrl+L again). Esc cancels."
        )

    def _finish_link(self, from_id: str, to_id: str) -> None:
        self.view.linking_from = None
        if self.undo.run(LinkAnnotations(self.project, from_id, to_id, "Link annotations")):
            self.statusBar().showMessage(
                "Linked — the margin shows the connection both ways; Ctrl+Shift+L follows it", 5000
            )
        self.select_annotation(to_id, source="link")

    def cancel_link(self) -> None:
        if self.view.linking_from:
            self.view.linking_from = None
            self.view.refresh()
            self.statusBar().showMessage("Linking cancelled", 2000)

    def follow_link(self) -> None:
        if self.selected_id is None:
            self.show_error("Select a linked annotation first.")
            return
        links = self._links.get(self.selected_id, [])
        if not links:
            self.show_error("This annotation is not linked to another yet (Ctrl+L links it).")
            return
        if len(links) == 1:
            self.go_to_annotation(links[0][1].id)
            return
        menu = QMenu(self)
        for _link, other in links:
            quote = " ".join(other.quote.split())[:60] or "(the whole document)"
            menu.addAction(f"“{quote}”").triggered.connect(
                lambda _=False, i=other.id: self.go_to_annotation(i)
            )
        menu.exec(self.view.viewport().mapToGlobal(self._caret_point()))

    def _escape(self) -> None:
        if self.view.linking_from:
            self.cancel_link()
        elif self.find_bar.isVisible():
            self.find_bar.close_bar()
        elif self.view.has_selection():
            self.view.clear_selection()
        elif self.selected_id:
            self.select_annotation(None)
        elif self.act_focus.isChecked():
            self.act_focus.setChecked(False)
            self.toggle_focus()

    def _reader_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        under = self.view.annotation_at(pos, cycle=False)
        if under and self.view.selection_span() is None:
            self.select_annotation(under, source="reader")
        if self.view.has_selection():
            menu.addAction(self.act_highlight)
            menu.addMenu(self.color_menu).setText("Highlight in Colour")
            menu.addAction(self.act_comment)
            menu.addMenu(self.symbol_menu)
            menu.addMenu(self.label_menu)
            menu.addSeparator()
            menu.addAction(self.act_copy)
        elif self.selected_id:
            menu.addAction(self.act_edit_note)
            menu.addMenu(self.color_menu).setText("Change Colour")
            menu.addMenu(self.symbol_menu)
            menu.addMenu(self.label_menu)
            menu.addAction(self.act_link)
            menu.addAction(self.act_follow)
            menu.addSeparator()
            menu.addAction(self.act_delete)
        else:
            menu.addAction(self.act_summary_section)
            menu.addAction(self.act_summary_document)
            menu.addAction(self.act_find)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    # == the floating selection bar ===============================================================

    def _show_selection_bar(self) -> None:
        if not self.view.has_selection():
            self.selection_bar.hide()
            return
        rects = self._selection_rects()
        if not rects:
            return
        first = rects[0]
        bar = self.selection_bar
        bar.adjustSize()
        x = int(min(max(4, first.left()), self.view.viewport().width() - bar.width() - 4))
        y = int(first.top() - bar.height() - 6)
        if y < 2:
            y = int(rects[-1].bottom() + 6)
        bar.move(x, y)
        bar.show()
        bar.raise_()

    def _selection_changed(self) -> None:
        if not self.view.has_selection():
            self.selection_bar.hide()
        self._update_actions()

    def _reader_moved(self) -> None:
        if self.selection_bar.isVisible():
            self._show_selection_bar()
        self._update_position()

    # == find ======================================================================================

    def open_find(self) -> None:
        span = self.view.selection_span()
        text = self.view.text[span[0] : span[1]] if span and span[1] - span[0] < 80 else ""
        self.find_bar.open_bar(text)

    def _find(self, text: str, match_case: bool) -> None:
        # Phrases match across line breaks (and "infor-\nmation" finds "information"):
        # annotator.documents.find.
        self._find_matches = (
            find_spans(self.view.text, text, match_case=match_case, limit=100_000)
            if text and self.document is not None
            else []
        )
        caret = self.view.top_offset()
        self._find_index = (
            next((i for i, (s, _e) in enumerate(self._find_matches) if s >= caret), 0)
            if self._find_matches
            else -1
        )
        self.view.set_find_hits(self._find_matches, self._find_index)
        self.find_bar.show_count(self._find_index, len(self._find_matches), text)

    def _find_step(self, direction: int) -> None:
        if not self._find_matches:
            if not self.find_bar.isVisible():
                self.open_find()
            return
        self._find_index = (self._find_index + direction) % len(self._find_matches)
        self.view.set_find_hits(self._find_matches, self._find_index)
        s, e = self._find_matches[self._find_index]
        self.view.select_span(s, e)
        self.find_bar.show_count(
            self._find_index, len(self._find_matches), self.find_bar.edit.text()
        )

    def _find_closed(self) -> None:
        self._find_matches, self._find_index = [], -1
        self.view.set_find_hits([], -1)
        self.view.setFocus()

    # == view ======================================================================================

    def zoom(self, step: int) -> None:
        if self.showing_pdf:
            self.pdf_view.zoom_by(step)
            return
        size = 13 if step == 0 else max(8, min(36, self.view.zoom + step))
        self.view.set_zoom(size)
        self.prefs.set_zoom(size)
        self._update_position()

    def set_theme(self, choice: ThemeChoice) -> None:
        self.theme_choice = choice
        self.prefs.set_theme(choice)
        self.apply_theme(choice)

    def apply_theme(self, choice: ThemeChoice) -> None:
        theme = resolve(choice)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_palette(app, theme)
        self.theme = theme
        self.theme_actions[choice].setChecked(True)
        border = theme.card_border.name()
        self.selection_bar.setStyleSheet(
            f"QFrame#selectionBar {{ background: {theme.card.name()}; border: 1px solid {border};"
            " border-radius: 6px; }"
        )
        self.find_bar.setStyleSheet(f"QFrame#findBar {{ border-top: 1px solid {border}; }}")
        self.reading_split.setStyleSheet(f"QSplitter::handle {{ background: {border}; }}")
        # After the style sheets: a style sheet on an ancestor repolishes the views and puts
        # back the palette they had when first polished (the old theme's paper).
        for view in self._views():
            view.set_theme(theme)
        self.margin.set_theme(theme)

    def _system_scheme_changed(self, _scheme: object) -> None:
        if self.theme_choice == ThemeChoice.SYSTEM:
            self.apply_theme(ThemeChoice.SYSTEM)

    def _toggle_margin(self) -> None:
        self.margin.setVisible(self.act_margin.isChecked())

    def toggle_focus(self) -> None:
        widgets = {
            "documents": self.documents_dock,
            "annotations": self.annotations_dock,
            "tools": self.tools_bar,
            "legend": self.legend_toolbar,
            "status": self.statusBar(),
            "menu": self.menuBar(),
        }
        if self.act_focus.isChecked():
            self._focus_saved = {k: w.isVisible() for k, w in widgets.items()}
            for w in widgets.values():
                w.hide()
            self.statusBar().showMessage("Focus mode — F11 or Esc to return", 3000)
        else:
            saved = self._focus_saved or {}
            for k, w in widgets.items():
                w.setVisible(saved.get(k, True))
            self._focus_saved = None
        self.view.setFocus()

    # == status, actions ==========================================================================

    def _update_counts(self) -> None:
        rows = self.annotation_model.annotations()
        if self.document is None:
            self.counts_label.setText("")
            return
        comments = sum(1 for a in rows if a.note)
        text = plural(len(rows), "annotation")
        if comments:
            text += f" · {plural(comments, 'note')}"
        self.counts_label.setText(text)

    def _update_position(self) -> None:
        if self.showing_pdf:
            self.position_label.setText(self.pdf_position_text())
            self.zoom_label.setText(f"{round(100 * self.pdf_view.zoom)}%")
            return
        if self.document is None:
            self.position_label.setText("")
        else:
            cursor = self.view.textCursor()
            bar = self.view.verticalScrollBar()
            percent = round(100 * bar.value() / bar.maximum()) if bar.maximum() else 0
            self.position_label.setText(
                f"Line {cursor.blockNumber() + 1}, col {cursor.positionInBlock() + 1} · {percent}%"
            )
        self.zoom_label.setText(f"{round(100 * self.view.zoom / 13)}%")

    def _update_annotator(self) -> None:
        self.annotator_button.setText(f"Annotator: {self.project.current_annotator.name} ▾")

    def _update_actions(self) -> None:
        has_doc = self.document is not None or self._pdf_pending is not None
        has_sel = self.view.has_selection()
        has_ann = self.selected_id is not None
        for act in (self.act_highlight, self.act_choose_color, self.act_comment):
            act.setEnabled(has_doc)
        for act in (
            self.act_delete,
            self.act_edit_note,
            self.act_link,
            self.act_grow_end,
            self.act_shrink_end,
            self.act_grow_start,
            self.act_shrink_start,
        ):
            act.setEnabled(has_ann)
        self.act_follow.setEnabled(has_ann and bool(self._links.get(self.selected_id or "")))
        for act in (
            self.act_summary_section,
            self.act_summary_document,
            self.act_find,
            self.act_next,
            self.act_prev,
        ):
            act.setEnabled(has_doc)
        _ = has_sel

    def show_error(self, message: str, *, dialog: bool = False) -> None:
        """Errors in the reader's words: a status message, or a dialog when it matters.

        While writing is stopped after a storage failure, its own dialog has said what is
        wrong: the failed action's error goes to the status bar only.
        """
        if dialog and not self.write_failures.stopped:
            QMessageBox.warning(self, "Annotator", message)
        else:
            self.statusBar().showMessage(message, 6000)

    def reload_from_project(self) -> None:
        """Show what the project file holds (after a failed write): the documents panel, the
        open document's annotations and links. A file that cannot even be read leaves the
        document closed, so nothing on screen claims what the file may not hold."""
        if self._closing:
            return
        try:
            self.documents_model.refresh()
            if self.document is not None:
                self.project.document(self.document.id)
                self._on_reset(None)
        except AnnotatorError as error:
            self._leave_document()
            self.statusBar().showMessage(f"Cannot read the project: {error}")

    def _recover(self, planned: Plan) -> None:
        """Restore, salvage or open another project: this window closes, the plan is carried
        out on the closed file, and the resulting project opens in a new window."""
        from annotator.ui.reliability import reopen_window

        prefs = self.prefs
        document_id = self.document.id if self.document is not None else None
        if not self.close():
            return
        self._leave_document()  # the closed window asks the project for nothing more
        self.project.close()
        try:
            outcome: Outcome | None = perform(None, planned)
        except (AnnotatorError, OSError) as error:
            outcome = recover_at_start(error, Path(planned.project_path))
        if outcome is not None:
            same = outcome.path == planned.project_path
            reopen_window(outcome.path, prefs, document_id if same else None, outcome.message)

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
            self._docs_timer.start()

    def shortcut_rows(self) -> list[tuple[str, str, str]]:
        def key(action: QAction) -> str:
            return ", ".join(
                s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()
            )

        rows: list[tuple[str, str, str]] = []
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            if menu is None:
                continue
            title = menu_action.text().replace("&", "")
            stack = [(menu, title)]
            while stack:
                current, where = stack.pop(0)
                for action in current.actions():
                    if action.menu() is not None:
                        sub = action.menu()
                        stack.append((sub, f"{where} › {action.text().replace('&', '')}"))
                        continue
                    if action.isSeparator() or not action.shortcuts():
                        continue
                    rows.append((key(action), action.text().replace("&", "").split("\t")[0], where))
        label_set = self.current_label_set()
        for label in label_set.labels if label_set else ():
            if label.key:
                rows.append(
                    (
                        label.key.upper(),
                        f"Label “{label.name}” (over a selection)",
                        f"Annotate › Label ({label_set.name if label_set else ''})",
                    )
                )
        rows += [
            ("Esc", "Cancel linking, close Find, clear the selection, leave focus mode", ""),
            ("Ctrl+Enter", "Save the note you are writing in the margin", "margin card"),
            ("Double-click", "Edit the note of the annotation under the pointer", "reader"),
            ("Drag an end", "Resize the selected annotation", "reader"),
        ]
        rows += self.suggestions.review_key_rows()  # N / P / Enter / Backspace in review mode
        return rows

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.shortcut_rows(), self).exec()

    def show_welcome(self) -> None:
        from annotator.ui.welcome import show_welcome

        show_welcome(self)

    def show_documentation(self) -> None:
        from annotator.ui.welcome import show_documentation

        show_documentation(self)

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
            self.reading_split.restoreState(split)

    def _remember_position(self) -> None:
        if self.document is not None:
            self.prefs.set_position(self.document.sha256, self.view.top_offset())

    def save_state(self) -> None:
        self._remember_position()
        if self.act_focus.isChecked():
            self.act_focus.setChecked(False)
            self.toggle_focus()
        self.prefs.set_geometry(self.saveGeometry())
        self.prefs.set_window_state(self.saveState())
        self.prefs.set_splitter("reading", self.reading_split.saveState())
        self.prefs.set_zoom(self.reader.zoom)
        self.prefs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.margin.finish_editing()  # notes save as typed: nothing to ask
        self.save_state()
        self.cancel_pdf_extraction(quiet=True)
        self._close_pdf()
        self._disconnect_project()
        self._docs_timer.stop()
        self._closing = True
        super().closeEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)


def _word_step(text: str, offset: int, direction: int) -> int:
    """The next word boundary after (or before) ``offset``: how keyboard resizing moves."""
    if direction > 0:
        match = WORD.search(text, offset)
        if match is None:
            return len(text)
        return match.end()
    window = WORD.finditer(text, max(0, offset - 400), offset)
    ends = [m.end() for m in window if m.end() < offset]
    return ends[-1] if ends else max(0, offset - 1)


__all__ = ["Label", "MainWindow"]
