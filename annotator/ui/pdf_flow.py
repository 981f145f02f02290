"""Reading PDFs (and what PyMuPDF opens like them): opening with passwords, the text read in
the background, the Pages panel, page navigation and the annotated-PDF export.

Opening a PDF shows its first page at once from a :class:`PdfReader` made on the GUI thread;
the whole text is extracted in the background (progress and Cancel in the status bar) and
the document joins the project only when that is done: until then the pages can be read but
not annotated, and :meth:`PdfController.not_ready_message` says so.

Opening something else meanwhile does not drop the PDF: its reading goes on in the
background and it joins the project (Documents panel, a status message) without taking the
screen from what is being read now. Only Cancel (or closing the window) stops it.
"""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
)

from annotator.core.errors import AnnotatorError, DocumentError
from annotator.core.model import Annotation, Document, DocumentKind, ImportChanges
from annotator.documents.base import LoadedDocument, sha256_file
from annotator.documents.pdf import (
    PasswordRequired,
    PdfExtraction,
    PdfReader,
    WrongPassword,
    page_name,
    page_named,
)
from annotator.project import Project
from annotator.ui.commands import ImportAnnotations
from annotator.ui.models import plural
from annotator.ui.pdf_panels import PagesPanel
from annotator.ui.pdf_render import read_pdf_text
from annotator.ui.reading_area import ReadingArea
from annotator.ui.session import ReadingSession
from annotator.ui.shell import Shell, make_action
from annotator.ui.tasks import BackgroundTask, describe_failure

PAGED_SUFFIXES = frozenset({".pdf", ".epub", ".xps", ".oxps", ".cbz", ".fb2", ".mobi"})


def is_paged_file(path: str | Path) -> bool:
    """Files the PDF view shows (PDF and what PyMuPDF opens like it)."""
    return Path(path).suffix.lower() in PAGED_SUFFIXES


def is_paged_document(document: Document) -> bool:
    return (
        document.kind in (DocumentKind.PDF, DocumentKind.EPUB)
        and bool(document.path)
        and is_paged_file(document.path)
    )


class PdfController(QObject):
    """PDFs in the window; see the module's docstring."""

    document_added = Signal()  # a PDF joined the project (the Documents panel shows it)
    pending_changed = Signal()  # a PDF on screen started or stopped being read

    def __init__(
        self, project: Project, session: ReadingSession, area: ReadingArea, shell: Shell
    ) -> None:
        super().__init__(area)
        self.project, self.session, self.area, self.shell = project, session, area, shell
        self.closed = False
        #: The PDF on screen whose text is still being read (None when there is none).
        self._pdf_pending: dict[str, Any] | None = None
        #: PDFs left for another document before their text was read: still being added.
        self._pdf_background: list[dict[str, Any]] = []
        self._pdf_passwords: dict[str, str | None] = {}
        owner = shell.dialog_parent()

        v = area.pdf_view
        v.page_changed.connect(self._pdf_page_changed)
        v.first_page_shown.connect(self._pdf_first_shown)
        v.zoom_changed.connect(lambda zoom: session.update_view(zoom=zoom))
        v.page_failed.connect(
            lambda page, message: shell.show_status(
                f"Page {page + 1} cannot be shown ({message}); the other pages work.", 6000
            )
        )

        self.pages_panel = PagesPanel(v, owner)
        self.pages_panel.page_chosen.connect(self._go_to_pdf_page)
        self.pages_dock = QDockWidget("Pages", owner)
        self.pages_dock.setObjectName("pagesDock")
        self.pages_dock.setWidget(self.pages_panel)
        shell.add_dock(self.pages_dock, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.pages_dock.hide()

        self.act_export_pdf = make_action(
            owner,
            "Export Annotated &PDF…",
            lambda: self.export_annotated_pdf(),  # not triggered(checked) as the output path
            None,
            "A copy of the PDF with your highlights and notes in it, "
            "for Acrobat, Zotero, Okular or a browser",
        )
        self.act_fit_width = make_action(
            owner,
            "Fit &Width",
            lambda: self.fit("width"),
            "Ctrl+Alt+W",
            "Pages as wide as the window",
        )
        self.act_fit_page = make_action(
            owner,
            "Fit &Page",
            lambda: self.fit("page"),
            "Ctrl+Alt+P",
            "A whole page in the window",
        )
        self.act_go_to_page = make_action(
            owner, "&Go to Page…", self.go_to_page, "Ctrl+G", "Jump to a page"
        )
        for act in (self.act_fit_width, self.act_fit_page, self.act_go_to_page):
            act.setEnabled(False)

        self.extract_progress = QProgressBar(owner)
        self.extract_progress.setMaximumWidth(160)
        self.extract_progress.setTextVisible(True)
        self.extract_progress.setFormat("Reading text %p%")
        self.extract_cancel = QPushButton("Cancel", owner)
        self.extract_cancel.setToolTip("Stop reading the text: the PDF is not added")
        self.extract_cancel.clicked.connect(self.cancel_pdf_extraction)
        for w in (self.extract_progress, self.extract_cancel):
            shell.status_bar().addWidget(w)
            w.hide()

    # -- which surface -----------------------------------------------------------------------

    def show_pages(self, on: bool) -> None:
        """The PDF view on screen (with its Pages panel and page actions), or the text."""
        self.area.show_pdf(on)
        self.pages_dock.setVisible(on and self.shell.prefs.bool("view/pages_panel", True))
        for act in (self.act_fit_width, self.act_fit_page, self.act_go_to_page):
            act.setEnabled(on)

    @property
    def reading(self) -> bool:
        """A PDF is on screen whose text is still being read."""
        return self._pdf_pending is not None

    def not_ready_message(self) -> str | None:
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
        self, path: str, password: str | None = None
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
                self.shell.show_error(f"Could not open {name}: {error}", dialog=True)
                return None, None
            except OSError as error:
                self.shell.show_error(
                    f"Could not open {name}: {error.strerror or error}", dialog=True
                )
                return None, None
            text, ok = QInputDialog.getText(
                self.shell.dialog_parent(), "Password needed", prompt, QLineEdit.EchoMode.Password
            )
            if not ok:
                self.shell.show_status(f"{name} was not opened (no password given)", 5000)
                return None, None
            password = text

    def open_pdf_path(self, path: str, *, remember: bool = True) -> bool:
        """Show a PDF at once and read its text in the background; False if it did not open."""
        pending = self._pdf_pending
        if pending is not None and Path(pending["path"]).resolve() == Path(path).resolve():
            return True  # already on screen, its text being read
        reader, password = self._ask_reader(path)
        if reader is None:
            return False
        self._pdf_to_background()
        self.session.close()
        self.show_pages(True)
        self._pdf_pending = {
            "path": path,
            "password": password,
            "remember": remember,
            "started": False,
        }
        self.area.pdf_view.file_marks = True  # a new file: nothing of it imported yet
        self.area.pdf_view.open_reader(reader, password)
        self.shell.set_title(f"{Path(path).name} — Annotator")
        self.extract_progress.setValue(0)
        self.shell.show_status(f"Opened {Path(path).name}; reading its text…")
        self.pending_changed.emit()
        # Everything else waits until the first page is on screen (or 400 ms at most).
        QTimer.singleShot(400, self._pdf_first_shown)
        return True

    def _pdf_first_shown(self) -> None:
        """After the first page is painted: the Pages panel, then hashing and extraction."""
        pending = self._pdf_pending
        if pending is None or pending["started"]:
            return
        self._fill_pages_panel()
        self._pdf_start_reading(pending)

    def _pdf_start_reading(self, pending: dict[str, Any]) -> None:
        """Is it already in the project? Hash it off the GUI thread, then decide."""
        pending["started"] = True
        path = pending["path"]
        BackgroundTask(
            lambda _task: sha256_file(path),
            parent=self,
            what=f"reading '{Path(path).name}'",
            on_success=lambda digest: self._pdf_hashed(pending, digest),
            on_failure=lambda error: self._pdf_failed(pending, describe_failure(error)),
        ).start()

    def _pdf_to_background(self) -> None:
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
            self.shell.show_status(f"Still reading “{name}”: it joins the project when done", 6000)

    def _pdf_reading(self) -> list[dict[str, Any]]:
        """Every PDF whose text is being read: the one on screen and those left for another."""
        shown = [self._pdf_pending] if self._pdf_pending is not None else []
        return shown + self._pdf_background

    def _pdf_forget(self, pending: dict[str, Any]) -> bool:
        """No longer being read; True if it was still on screen."""
        if pending in self._pdf_background:
            self._pdf_background.remove(pending)
        shown = pending is self._pdf_pending
        if shown:
            self._pdf_pending = None
        if not any(p.get("extraction") for p in self._pdf_reading()):
            self._hide_progress()
        return shown

    def _pdf_hashed(self, pending: dict[str, Any], digest: str) -> None:
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
                self.shell.prefs.add_recent_file(str(Path(path).resolve()))
            self.project.add_loaded_document(
                _stored_as_loaded(self.project.document(known.id)), str(Path(path).resolve())
            )
            self.shell.show_status(f"“{known.title}” was already in the project", 4000)
            self.document_added.emit()
            if shown:
                self.shell.open_document(known.id)
            return
        self.shell.show_status("")  # the progress bar and Cancel say it from now on
        self.extract_progress.show()
        self.extract_cancel.show()
        pending["extraction"] = (
            read_pdf_text(path, pending["password"], parent=self)
            .on_success(lambda result: self._pdf_extracted(pending, result))
            .on_failure(lambda error: self._pdf_failed(pending, describe_failure(error)))
            .on_progress(lambda done, total: self._pdf_progress(pending, done, total))
            .on_cancelled(lambda: self._pdf_cancelled(pending))
            .start()
        )

    def _pdf_progress(self, pending: dict[str, Any], done: int, total: int) -> None:
        if pending is self._pdf_pending:
            self.extract_progress.setFormat("Reading text %p%")
        else:
            self.extract_progress.setFormat(f"Adding {Path(pending['path']).name} %p%")
        self.extract_progress.setValue(round(100 * done / max(1, total)))

    def cancel_pdf_extraction(self, *, quiet: bool = False) -> None:
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
            self.shell.show_status(
                f"Stopped reading {names}: not added to the project. Open it again to add it.",
                8000,
            )
        self.pending_changed.emit()

    def _hide_progress(self) -> None:
        self.extract_progress.hide()
        self.extract_cancel.hide()

    def _pdf_cancelled(self, pending: dict[str, Any]) -> None:
        # Cancel has already said so and forgotten it; this is the worker stopping.
        self._pdf_forget(pending)
        self.pending_changed.emit()

    def _pdf_failed(self, pending: dict[str, Any], message: str) -> None:
        if pending is not self._pdf_pending and pending not in self._pdf_background:
            return  # cancelled meanwhile
        name = Path(pending["path"]).name
        if self._pdf_forget(pending):
            self.session.close()
            self.area.pdf_view.close_document()
            self.show_pages(False)
            self.shell.show_error(f"Could not open {name}: {message}", dialog=True)
        else:  # the reader is busy with another document: no dialog in the way
            self.shell.show_error(f"Could not add {name} to the project: {message}")

    def _pdf_extracted(self, pending: dict[str, Any], result: PdfExtraction) -> None:
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
            self.shell.prefs.add_recent_file(path)
        self.document_added.emit()
        pages = plural(result.page_count, "page")
        if shown:
            self.shell.open_document(document.id)
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
        self.shell.show_status(message, 10000)
        self.pending_changed.emit()
        if new and shown:
            QTimer.singleShot(0, lambda: self._offer_pdf_import(document, pending["password"]))

    def _offer_pdf_import(self, document: Document, password: str | None) -> None:
        if self.area.pdf_view.reader is None or self.closed:
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
            self.shell.dialog_parent(),
            "Highlights in this PDF",
            f"“{document.title}” already contains {plural(len(marks), 'highlight or note')}"
            f"{who}. Import them as annotations? They are then shown, edited and exported like "
            "your own (Ctrl+Z takes the import back).",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.import_pdf_annotations(document.id)

    def import_pdf_annotations(self, document_id: str) -> list[Annotation]:
        """The PDF's own highlights and notes as annotations: one undoable step."""
        document = self.project.document(document_id)

        def run() -> tuple[list[Annotation], ImportChanges]:
            return self.project.import_pdf_marks(
                document_id, password=self._pdf_passwords.get(document.sha256)
            )

        command = ImportAnnotations(self.project, run, "Import the PDF's Highlights")
        try:
            command.execute()
        except AnnotatorError as error:
            self.shell.show_error(f"Could not import the PDF's annotations: {error}", dialog=True)
            return []
        added: list[Annotation] = command.result
        if added:
            self.shell.undo.push(command)
        self.shell.show_status(
            f"Imported {plural(len(added), 'annotation')} from the PDF — Ctrl+Z to undo", 6000
        )
        return added

    def show_document(self, document: Document) -> bool:
        """Make sure the PDF view shows this document's file; False to fall back to text."""
        view = self.area.pdf_view
        path = Path(document.path)
        if view.reader is not None and view.reader.path.resolve() == path.resolve():
            self.show_pages(True)
            view.show_file_marks(not self.project.has_file_marks_imported(document.id))
            return True
        if not path.is_file():
            self.shell.show_status(
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
        offset = self.shell.prefs.position(document.sha256)
        if offset and document.page_map:
            starts = [s for s, _ in document.page_map]
            start_page = max(0, bisect_right(starts, offset) - 1)
        self.show_pages(True)
        view.file_marks = not self.project.has_file_marks_imported(document.id)
        view.open_reader(reader, password, start_page=start_page)
        self._fill_pages_panel()
        return True

    def _fill_pages_panel(self) -> None:
        view = self.area.pdf_view
        if view.reader is None:
            return
        self.pages_panel.fill(
            view.load_outline(), view.page_count, view._sizes[0], view.reader.page_labels()
        )

    # -- PDF navigation and view ----------------------------------------------------------------

    def _pdf_page_changed(self, page: int, _count: int) -> None:
        self.pages_panel.show_page(page)
        self.session.update_view(page=page)

    def _go_to_pdf_page(self, page: int) -> None:
        self.area.pdf_view.go_to_page(page)
        self.area.pdf_view.setFocus()

    def fit(self, mode: str) -> None:
        if self.area.showing_pdf:
            self.area.pdf_view.set_fit(mode)

    def go_to_page(self) -> None:
        view = self.area.pdf_view
        if not self.area.showing_pdf or view.page_count == 0:
            self.shell.show_error("Go to page works in a PDF.")
            return
        labels = view.reader.page_labels() if view.reader is not None else ()
        if labels:
            # The numbers printed on the pages, as a reader quotes them ("p. iv", "p. 12").
            name, ok = QInputDialog.getText(
                self.shell.dialog_parent(),
                "Go to page",
                f"Page as printed ({page_name(labels, 0)}–{page_name(labels, len(labels) - 1)}"
                f"), or #N for the file's Nth page (1–{view.page_count}):",
                text=page_name(labels, view.current_page()),
            )
            if not ok:
                return
            found = page_named(labels, name, view.page_count)
            if found is None:
                self.shell.show_error(
                    f"No page is numbered “{name.strip()}” in this PDF: type a number printed "
                    f"on a page, or #N for the file's Nth page (1–{view.page_count})."
                )
                return
            self._go_to_pdf_page(found)
            return
        page, ok = QInputDialog.getInt(
            self.shell.dialog_parent(),
            "Go to page",
            f"Page (1–{view.page_count}):",
            view.current_page() + 1,
            1,
            view.page_count,
        )
        if ok:
            self._go_to_pdf_page(page - 1)

    def pdf_position_text(self) -> str:
        """ "Page 1 (3 of 120)": the number printed on the page (its label) first, where the
        PDF has one that differs from its place in the file."""
        view = self.area.pdf_view
        page = view.current_page()
        labels = view.reader.page_labels() if view.reader is not None else ()
        printed = page_name(labels, page)
        if printed != str(page + 1):
            return f"Page {printed} ({page + 1:,} of {view.page_count:,})"
        return f"Page {page + 1} of {view.page_count:,}"

    # -- export ---------------------------------------------------------------------------------

    def export_annotated_pdf(self, out_path: str | None = None) -> bool:
        document = self.session.document
        if (
            document is None
            or not is_paged_document(document)
            or Path(document.path).suffix.lower() != ".pdf"
        ):
            self.shell.show_error(
                "Open a PDF document first: this exports a copy of it with your annotations.",
                dialog=out_path is None,
            )
            return False
        if out_path is None:
            suggested = str(
                Path(document.path).with_name(f"{Path(document.path).stem} (annotated).pdf")
            )
            out_path, _ = QFileDialog.getSaveFileName(
                self.shell.dialog_parent(), "Export annotated PDF", suggested, "PDF (*.pdf)"
            )
            if not out_path:
                return False
        try:
            report = self.project.export_annotated_pdf(
                document.id, out_path, password=self._pdf_passwords.get(document.sha256)
            )
        except AnnotatorError as error:
            self.shell.show_error(f"Could not export the annotated PDF: {error}", dialog=True)
            return False
        message = f"Wrote {plural(report.written, 'annotation')} into {Path(out_path).name}"
        if report.skipped:
            message += (
                f"; {plural(len(report.skipped), 'annotation')} could not be placed "
                f"({report.skipped[0][1]})"
            )
        self.shell.show_status(message, 8000)
        return True

    def close_pdf(self) -> None:
        """Leave the PDF view; a PDF still being read there is added in the background."""
        self._pdf_to_background()
        self.area.pdf_view.close_document()

    def close(self) -> None:
        """The window closes: stop reading PDFs not yet added, let the view go."""
        self.cancel_pdf_extraction(quiet=True)
        self.close_pdf()
        self.closed = True


def _stored_as_loaded(document: Document) -> LoadedDocument:
    return LoadedDocument(
        title=document.title,
        kind=document.kind,
        text=document.text,
        sha256=document.sha256,
        text_sha256=document.text_sha256,
        encoding=document.encoding,
        page_map=document.page_map,
    )


__all__ = ["PdfController", "is_paged_document", "is_paged_file"]
