"""The main window's PDF side: opening (passwords, background text), the Pages panel, export.

A mixin of :class:`MainWindow`, kept apart so the window does not grow into one huge class.
Opening a PDF shows its first page at once from a :class:`PdfReader` made on the GUI thread;
the whole text is extracted in the background (progress and Cancel in the status bar) and
the document joins the project only when that is done: until then the pages can be read but
not annotated, and the window says so.

Opening something else meanwhile does not drop the PDF: its reading goes on in the
background and it joins the project (Documents panel, a status message) without taking the
screen from what is being read now. Only Cancel (or closing the window) stops it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
)

from annotator.core.errors import AnnotatorError, DocumentError
from annotator.core.model import Annotation, Document, DocumentKind
from annotator.documents.base import sha256_file
from annotator.documents.pdf import PasswordRequired, PdfExtraction, PdfReader, WrongPassword
from annotator.ui.models import plural
from annotator.ui.pdf_panels import PagesPanel
from annotator.ui.pdf_render import TextExtraction
from annotator.ui.pdf_view import PdfView
from annotator.ui.workers import Worker

if TYPE_CHECKING:
    from annotator.ui.reader import ReaderView

PAGED_SUFFIXES = frozenset({".pdf", ".epub", ".xps", ".oxps", ".cbz", ".fb2", ".mobi"})


def is_paged_file(path: str | Path) -> bool:
    """Files the PDF view shows (PDF and what PyMuPDF opens like it)."""
    return Path(path).suffix.lower() in PAGED_SUFFIXES


class PdfWindowMixin:
    """PDF support for the main window (mixed into :class:`MainWindow`)."""

    # -- building ----------------------------------------------------------------------------

    def _build_pdf(self: Any) -> None:
        """The PDF view, in a stack with the text reader; call before the splitter is made."""
        self.pdf_view = PdfView(self)
        self.pdf_view.setAcceptDrops(False)
        self.reading_stack = QStackedWidget(self)
        self.reading_stack.addWidget(self.reader)
        self.reading_stack.addWidget(self.pdf_view)
        #: The PDF on screen whose text is still being read (None when there is none).
        self._pdf_pending: dict[str, Any] | None = None
        #: PDFs left for another document before their text was read: still being added.
        self._pdf_background: list[dict[str, Any]] = []
        self._pdf_passwords: dict[str, str | None] = {}
        v = self.pdf_view
        v.annotation_clicked.connect(
            lambda ident: self.select_annotation(ident or None, source="reader")
        )
        v.annotation_activated.connect(self.edit_note)
        v.selection_finished.connect(self._show_selection_bar)
        v.selectionChanged.connect(self._selection_changed)
        v.label_key_pressed.connect(self._label_key)
        v.resize_requested.connect(self._resize_to)
        v.escape_pressed.connect(self._escape)
        v.layout_changed.connect(self._reader_moved)
        v.page_changed.connect(self._pdf_page_changed)
        v.first_page_shown.connect(self._pdf_first_shown)
        v.zoom_changed.connect(lambda _z: self._update_position())
        v.page_failed.connect(
            lambda page, message: self.statusBar().showMessage(
                f"Page {page + 1} cannot be shown ({message}); the other pages work.", 6000
            )
        )
        v.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        v.customContextMenuRequested.connect(self._reader_menu)

    def _build_pdf_panels(self: Any) -> None:
        self.pages_panel = PagesPanel(self.pdf_view, self)
        self.pages_panel.page_chosen.connect(self._go_to_pdf_page)
        self.pages_dock = QDockWidget("Pages", self)
        self.pages_dock.setObjectName("pagesDock")
        self.pages_dock.setWidget(self.pages_panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.pages_dock)
        self.pages_dock.hide()

    def _build_pdf_actions(self: Any) -> None:
        a = self._action
        self.act_export_pdf = a(
            "Export Annotated &PDF…",
            lambda: self.export_annotated_pdf(),  # not triggered(checked) as the output path
            None,
            "A copy of the PDF with your highlights and notes in it, "
            "for Acrobat, Zotero, Okular or a browser",
        )
        self.act_fit_width = a(
            "Fit &Width",
            lambda: self._pdf_fit("width"),
            "Ctrl+Alt+W",
            "Pages as wide as the window",
        )
        self.act_fit_page = a(
            "Fit &Page", lambda: self._pdf_fit("page"), "Ctrl+Alt+P", "A whole page in the window"
        )
        self.act_go_to_page = a("&Go to Page…", self.go_to_page, "Ctrl+G", "Jump to a page")

    def _build_pdf_status(self: Any) -> None:
        self.extract_progress = QProgressBar(self)
        self.extract_progress.setMaximumWidth(160)
        self.extract_progress.setTextVisible(True)
        self.extract_progress.setFormat("Reading text %p%")
        self.extract_cancel = QPushButton("Cancel", self)
        self.extract_cancel.setToolTip("Stop reading the text: the PDF is not added")
        self.extract_cancel.clicked.connect(self.cancel_pdf_extraction)
        for w in (self.extract_progress, self.extract_cancel):
            self.statusBar().addWidget(w)
            w.hide()

    # -- the active reading surface ------------------------------------------------------------

    @property
    def view(self: Any) -> ReaderView | PdfView:
        """What the reader is looking at: the text reader or the PDF view."""
        return self.pdf_view if self.reading_stack.currentWidget() is self.pdf_view else self.reader

    def _views(self: Any) -> tuple[Any, ...]:
        return (self.reader, self.pdf_view)

    @property
    def showing_pdf(self: Any) -> bool:
        return self.reading_stack.currentWidget() is self.pdf_view

    def _activate(self: Any, view: Any) -> None:
        if self.reading_stack.currentWidget() is view:
            return
        self.selection_bar.hide()
        self.reading_stack.setCurrentWidget(view)
        self.selection_bar.setParent(view.viewport())
        self.selection_bar.hide()
        self.margin.set_reader(view)
        pdf = view is self.pdf_view
        self.pages_dock.setVisible(pdf and self.prefs.bool("view/pages_panel", True))
        for act in (self.act_fit_width, self.act_fit_page, self.act_go_to_page):
            act.setEnabled(pdf)

    def _caret_point(self: Any) -> Any:
        """Where menus opened from the keyboard appear (under the selection or caret)."""
        from PySide6.QtCore import QPoint

        if self.view is self.reader:
            return self.reader.cursorRect().bottomLeft()
        span = self.pdf_view.selection_span()
        a = self.pdf_view.selected()
        if span is None and a is not None:
            span = (a.start, a.end)
        rects = self.pdf_view.span_rects(*span) if span else []
        if rects:
            return rects[-1].bottomLeft().toPoint()
        return QPoint(40, 40)

    def _selection_rects(self: Any) -> list[Any]:
        if self.view is self.pdf_view and self.pdf_view.area is not None:
            area = self.pdf_view.area
            return [self.pdf_view.to_view_rect(area.page, area.rect)]
        span = self.view.selection_span()
        return self.view.span_rects(*span) if span else []

    def _area_fields(self: Any) -> dict[str, Any]:
        """``page`` and ``rect`` when the selection is an area of a PDF page."""
        if self.view is self.pdf_view and self.pdf_view.area is not None:
            area = self.pdf_view.area
            return {"page": area.page, "rect": tuple(round(v, 2) for v in area.rect)}
        return {}

    def _area_span(self: Any) -> tuple[int, int] | None:
        if self.view is self.pdf_view and self.pdf_view.area is not None and self.document:
            start = self.pdf_view.page_map[self.pdf_view.area.page][0]
            return start, start
        return None

    def _not_ready_message(self: Any) -> str | None:
        pending = self._pdf_pending
        if pending is None:
            return None
        done = self.extract_progress.value()
        return (
            f"The text of “{Path(pending['path']).name}” is still being read ({done}%): "
            "you can annotate as soon as it is done."
        )

    # -- opening ----------------------------------------------------------------------------------

    def _ask_reader(
        self: Any, path: str, password: str | None = None
    ) -> tuple[PdfReader | None, str | None]:
        """Open ``path`` for showing, asking for its password while it is needed."""
        name = Path(path).name
        while True:
            try:
                return PdfReader(path, password=password), password
            except PasswordRequired:
                prompt = f"“{name}” is encrypted. Enter its password to open it:"
            except WrongPassword:
                prompt = (
                    f"That password does not open “{name}”. Check it (capitals count) "
                    "and enter it again:"
                )
            except DocumentError as error:
                self.show_error(f"Could not open {name}: {error}", dialog=True)
                return None, None
            except OSError as error:
                self.show_error(f"Could not open {name}: {error.strerror or error}", dialog=True)
                return None, None
            text, ok = QInputDialog.getText(
                self, "Password needed", prompt, QLineEdit.EchoMode.Password
            )
            if not ok:
                self.statusBar().showMessage(f"{name} was not opened (no password given)", 5000)
                return None, None
            password = text

    def open_pdf_path(self: Any, path: str, *, remember: bool = True) -> bool:
        """Show a PDF at once and read its text in the background; False if it did not open."""
        pending = self._pdf_pending
        if pending is not None and Path(pending["path"]).resolve() == Path(path).resolve():
            return True  # already on screen, its text being read
        reader, password = self._ask_reader(path)
        if reader is None:
            return False
        self._pdf_to_background()
        self._leave_document()
        self._activate(self.pdf_view)
        self._pdf_pending = {
            "path": path,
            "password": password,
            "remember": remember,
            "started": False,
        }
        self.pdf_view.open_reader(reader, password)
        self.setWindowTitle(f"{Path(path).name} — Annotator")
        self.extract_progress.setValue(0)
        self.statusBar().showMessage(f"Opened {Path(path).name}; reading its text…")
        self._update_actions()
        # Everything else waits until the first page is on screen (or 400 ms at most).
        QTimer.singleShot(400, self._pdf_first_shown)
        return True

    def _pdf_first_shown(self: Any) -> None:
        """After the first page is painted: the Pages panel, then hashing and extraction."""
        pending = self._pdf_pending
        if pending is None or pending["started"]:
            return
        self._fill_pages_panel()
        self._pdf_start_reading(pending)

    def _pdf_start_reading(self: Any, pending: dict[str, Any]) -> None:
        """Is it already in the project? Hash it off the GUI thread, then decide."""
        pending["started"] = True
        path = pending["path"]
        Worker(
            lambda: sha256_file(path),
            lambda digest: self._pdf_hashed(pending, digest),
            lambda message: self._pdf_failed(pending, message),
            self,
        ).start()

    def _pdf_to_background(self: Any) -> None:
        """The reader leaves the PDF on screen before its text is read: keep reading it and
        add it to the project when done, without coming back to it."""
        pending, self._pdf_pending = self._pdf_pending, None
        if pending is None:
            return
        self._pdf_background.append(pending)
        if not pending["started"]:
            self._pdf_start_reading(pending)
        name = Path(pending["path"]).name
        if pending.get("extraction") is not None:  # the progress bar says it
            self.extract_progress.setFormat(f"Adding {name} %p%")
        else:
            self.statusBar().showMessage(
                f"Still reading “{name}”: it joins the project when done", 6000
            )

    def _pdf_reading(self: Any) -> list[dict[str, Any]]:
        """Every PDF whose text is being read: the one on screen and those left for another."""
        shown = [self._pdf_pending] if self._pdf_pending is not None else []
        return shown + self._pdf_background

    def _pdf_forget(self: Any, pending: dict[str, Any]) -> bool:
        """No longer being read; True if it was still on screen."""
        if pending in self._pdf_background:
            self._pdf_background.remove(pending)
        shown = pending is self._pdf_pending
        if shown:
            self._pdf_pending = None
        if not any(p.get("extraction") for p in self._pdf_reading()):
            self._hide_progress()
        return shown

    def _pdf_hashed(self: Any, pending: dict[str, Any], digest: str) -> None:
        if pending is not self._pdf_pending and pending not in self._pdf_background:
            return  # cancelled meanwhile
        path = pending["path"]
        known = next(
            (s.document for s in self.project.documents() if s.document.sha256 == digest), None
        )
        if known is not None and known.page_map:
            shown = self._pdf_forget(pending)
            self._pdf_passwords[digest] = pending["password"]
            if pending["remember"]:
                self.prefs.add_recent_file(str(Path(path).resolve()))
            self.project.add_loaded_document(
                _stored_as_loaded(self.project.document(known.id)), str(Path(path).resolve())
            )
            self.statusBar().showMessage(f"“{known.title}” was already in the project", 4000)
            self._refresh_documents()
            if shown:
                self.open_document(known.id)
            return
        self.statusBar().clearMessage()  # the progress bar and Cancel say it from now on
        self.extract_progress.show()
        self.extract_cancel.show()
        pending["extraction"] = TextExtraction(
            path,
            pending["password"],
            on_done=lambda result: self._pdf_extracted(pending, result),
            on_failed=lambda message: self._pdf_failed(pending, message),
            on_progress=lambda done, total: self._pdf_progress(pending, done, total),
            on_cancelled=lambda: self._pdf_cancelled(pending),
            parent=self,
        ).start()

    def _pdf_progress(self: Any, pending: dict[str, Any], done: int, total: int) -> None:
        if pending is self._pdf_pending:
            self.extract_progress.setFormat("Reading text %p%")
        else:
            self.extract_progress.setFormat(f"Adding {Path(pending['path']).name} %p%")
        self.extract_progress.setValue(round(100 * done / max(1, total)))

    def cancel_pdf_extraction(self: Any, *, quiet: bool = False) -> None:
        """Stop reading every PDF not yet added (Cancel, closing the window)."""
        reading = self._pdf_reading()
        self._pdf_pending = None
        self._pdf_background = []
        for pending in reading:
            extraction = pending.get("extraction")
            if extraction is not None and not extraction.finished:
                extraction.cancel()
        self._hide_progress()
        if reading and not quiet:
            names = ", ".join(f"“{Path(p['path']).name}”" for p in reading)
            self.statusBar().showMessage(
                f"Stopped reading {names}: not added to the project. Open it again to add it.",
                8000,
            )
        self._update_actions()

    def _hide_progress(self: Any) -> None:
        self.extract_progress.hide()
        self.extract_cancel.hide()

    def _pdf_cancelled(self: Any, pending: dict[str, Any]) -> None:
        # Cancel has already said so and forgotten it; this is the worker stopping.
        self._pdf_forget(pending)
        self._update_actions()

    def _pdf_failed(self: Any, pending: dict[str, Any], message: str) -> None:
        if pending is not self._pdf_pending and pending not in self._pdf_background:
            return  # cancelled meanwhile
        name = Path(pending["path"]).name
        if self._pdf_forget(pending):
            self._leave_document()
            self.pdf_view.close_document()
            self._activate(self.reader)
            self.show_error(f"Could not open {name}: {message}", dialog=True)
        else:  # the reader is busy with another document: no dialog in the way
            self.show_error(f"Could not add {name} to the project: {message}")

    def _pdf_extracted(self: Any, pending: dict[str, Any], result: PdfExtraction) -> None:
        if pending is not self._pdf_pending and pending not in self._pdf_background:
            return  # cancelled meanwhile
        path = str(Path(pending["path"]).resolve())
        try:
            document, new = self.project.add_loaded_document(result.document, path)
        except AnnotatorError as error:
            self._pdf_failed(pending, str(error))
            return
        shown = self._pdf_forget(pending)
        self._pdf_passwords[document.sha256] = pending["password"]
        if pending["remember"]:
            self.prefs.add_recent_file(path)
        self._refresh_documents()
        pages = plural(result.page_count, "page")
        if shown:
            self.open_document(document.id)
            message = (
                f"Added “{document.title}” ({pages}) — select text to annotate"
                if new
                else f"“{document.title}” was already in the project"
            )
        else:  # left for another document: added, and the reader stays where they are
            message = (
                f"Added “{document.title}” ({pages}) to the project — open it from Documents"
                if new
                else f"“{document.title}” was already in the project"
            )
        if result.warnings:
            message = " ".join(result.warnings)
        self.statusBar().showMessage(message, 10000)
        self._update_actions()
        if new and shown:
            QTimer.singleShot(0, lambda: self._offer_pdf_import(document, pending["password"]))

    def _offer_pdf_import(self: Any, document: Document, password: str | None) -> None:
        if self.pdf_view.reader is None or self._closing:
            return
        try:
            from annotator.documents.pdf_annotations import read_pdf_annotations

            marks = read_pdf_annotations(document.path, document, password=password)
        except AnnotatorError:
            return
        if not marks:
            return
        authors = sorted({m.author for m in marks if m.author})
        who = f" by {', '.join(authors[:3])}" if authors else ""
        answer = QMessageBox.question(
            self,
            "Highlights in this PDF",
            f"“{document.title}” already contains {plural(len(marks), 'highlight or note')}"
            f"{who}. Import them as annotations? (You can undo nothing here, but you can "
            "delete them like any annotation.)",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.import_pdf_annotations(document.id)

    def import_pdf_annotations(self: Any, document_id: str) -> list[Annotation]:
        """The PDF's own highlights and notes as annotations: one undoable step."""
        from annotator.core.model import ImportChanges
        from annotator.ui.commands import ImportAnnotations

        document = self.project.document(document_id)

        def run() -> tuple[list[Annotation], ImportChanges]:
            added = self.project.import_pdf_annotations(
                document_id, password=self._pdf_passwords.get(document.sha256)
            )
            return added, ImportChanges(annotations=tuple(a.id for a in added))

        command = ImportAnnotations(self.project, run, "Import the PDF's Highlights")
        try:
            command.execute()
        except AnnotatorError as error:
            self.show_error(f"Could not import the PDF's annotations: {error}", dialog=True)
            return []
        added: list[Annotation] = command.result
        if added:
            self.undo.push(command)
        self.statusBar().showMessage(
            f"Imported {plural(len(added), 'annotation')} from the PDF — Ctrl+Z to undo", 6000
        )
        return added

    def _is_paged_document(self: Any, document: Document) -> bool:
        return (
            document.kind in (DocumentKind.PDF, DocumentKind.EPUB)
            and bool(document.path)
            and is_paged_file(document.path)
        )

    def _show_pdf_document(self: Any, document: Document) -> bool:
        """Make sure the PDF view shows this document's file; False to fall back to text."""
        view = self.pdf_view
        path = Path(document.path)
        if view.reader is not None and view.reader.path.resolve() == path.resolve():
            self._activate(view)
            return True
        if not path.is_file():
            self.statusBar().showMessage(
                f"The file of “{document.title}” is not at {path} any more: showing its text. "
                "Open the file again (Ctrl+O) to see its pages.",
                10000,
            )
            return False
        reader, password = self._ask_reader(str(path), self._pdf_passwords.get(document.sha256))
        if reader is None:
            return False
        self._pdf_to_background()
        self._pdf_passwords[document.sha256] = password
        start_page = 0
        offset = self.prefs.position(document.sha256)
        if offset and document.page_map:
            from bisect import bisect_right

            starts = [s for s, _ in document.page_map]
            start_page = max(0, bisect_right(starts, offset) - 1)
        self._activate(view)
        view.open_reader(reader, password, start_page=start_page)
        self._fill_pages_panel()
        return True

    def _fill_pages_panel(self: Any) -> None:
        view = self.pdf_view
        if view.reader is None:
            return
        self.pages_panel.fill(view.load_outline(), view.page_count, view._sizes[0])

    # -- PDF navigation and view ----------------------------------------------------------------

    def _pdf_page_changed(self: Any, page: int, _count: int) -> None:
        self.pages_panel.show_page(page)
        self._update_position()

    def _go_to_pdf_page(self: Any, page: int) -> None:
        self.pdf_view.go_to_page(page)
        self.pdf_view.setFocus()

    def _pdf_fit(self: Any, mode: str) -> None:
        if self.showing_pdf:
            self.pdf_view.set_fit(mode)

    def go_to_page(self: Any) -> None:
        view = self.pdf_view
        if not self.showing_pdf or view.page_count == 0:
            self.show_error("Go to page works in a PDF.")
            return
        page, ok = QInputDialog.getInt(
            self,
            "Go to page",
            f"Page (1–{view.page_count}):",
            view.current_page() + 1,
            1,
            view.page_count,
        )
        if ok:
            self._go_to_pdf_page(page - 1)

    def pdf_position_text(self: Any) -> str:
        view = self.pdf_view
        return f"Page {view.current_page() + 1} of {view.page_count:,}"

    # -- export ---------------------------------------------------------------------------------

    def export_annotated_pdf(self: Any, out_path: str | None = None) -> bool:
        document = self.document
        if (
            document is None
            or not self._is_paged_document(document)
            or Path(document.path).suffix.lower() != ".pdf"
        ):
            self.show_error(
                "Open a PDF document first: this exports a copy of it with your annotations.",
                dialog=out_path is None,
            )
            return False
        if out_path is None:
            suggested = str(
                Path(document.path).with_name(f"{Path(document.path).stem} (annotated).pdf")
            )
            out_path, _ = QFileDialog.getSaveFileName(
                self, "Export annotated PDF", suggested, "PDF (*.pdf)"
            )
            if not out_path:
                return False
        try:
            report = self.project.export_annotated_pdf(
                document.id, out_path, password=self._pdf_passwords.get(document.sha256)
            )
        except AnnotatorError as error:
            self.show_error(f"Could not export the annotated PDF: {error}", dialog=True)
            return False
        message = f"Wrote {plural(report.written, 'annotation')} into {Path(out_path).name}"
        if report.skipped:
            message += (
                f"; {plural(len(report.skipped), 'annotation')} could not be placed "
                f"({report.skipped[0][1]})"
            )
        self.statusBar().showMessage(message, 8000)
        return True

    def _close_pdf(self: Any) -> None:
        """Leave the PDF view; a PDF still being read there is added in the background."""
        self._pdf_to_background()
        self.pdf_view.close_document()


def _stored_as_loaded(document: Document) -> Any:
    from annotator.documents.base import LoadedDocument

    return LoadedDocument(
        title=document.title,
        kind=document.kind,
        text=document.text,
        sha256=document.sha256,
        text_sha256=document.text_sha256,
        encoding=document.encoding,
        page_map=document.page_map,
    )


__all__ = ["PdfWindowMixin", "is_paged_file"]
_ = (DocumentError, QAction)
