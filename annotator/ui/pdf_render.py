"""Background work for the PDF view: page images and the full-text extraction.

PyMuPDF documents are single-threaded, so the renderer thread opens its *own*
:class:`PdfReader`; the GUI thread keeps another one for sizes, characters and offsets.
The view tells the renderer which pages it wants (visible pages first, then a small margin,
then thumbnails) with :meth:`PageRenderer.want`; a new wish list replaces the old one, so
pages scrolled past are never rendered. Results come back as ``QImage`` through queued
signals (a ``QImage`` may be made off the GUI thread, a ``QPixmap`` may not).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QThreadPool, Signal
from PySide6.QtGui import QImage

from annotator.core.errors import AnnotatorError, Cancelled, DocumentError
from annotator.documents.pdf import (
    ExtractionCancelled,
    PageError,
    PageImage,
    PdfExtraction,
    PdfReader,
    extract_pdf,
)
from annotator.ui.tasks import BackgroundTask, TaskContext

SIZE_CHUNK = 150  # page sizes read between two renderings, so visible pages never wait long


def to_qimage(image: PageImage, device_pixel_ratio: float = 1.0) -> QImage:
    """A PyMuPDF rendering as a QImage that owns its pixels (safe to pass between threads)."""
    fmt = QImage.Format.Format_RGBA8888 if image.has_alpha else QImage.Format.Format_RGB888
    qimage = QImage(image.samples, image.width, image.height, image.stride, fmt).copy()
    qimage.setDevicePixelRatio(device_pixel_ratio)
    return qimage


@dataclass(frozen=True, slots=True)
class RenderJob:
    """One image wanted: ``kind`` is "page" or "thumb"; ``scale`` is device pixels per point."""

    kind: str
    page: int
    scale: float
    device_pixel_ratio: float = 1.0
    annots: bool = True  # draw the annotations already in the file


class PageRenderer(QThread):
    """A thread with its own PdfReader rendering the pages the view asks for, newest wish first."""

    rendered = Signal(object, object, str)  # RenderJob, QImage | None, error message
    sizes_ready = Signal(object)  # list[(width, height)] of every page, in points
    open_failed = Signal(str)

    def __init__(
        self, path: str | Path, password: str | None, page_count: int, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.path, self.password, self.page_count = Path(path), password, page_count
        self._cond = threading.Condition()
        self._jobs: dict[str, list[RenderJob]] = {"page": [], "thumb": []}
        self._stopping = False
        self.rendered_count = 0

    def want(self, jobs: Sequence[RenderJob], channel: str = "page") -> None:
        """Replace a wish list (most wanted first); jobs no longer wanted are dropped.

        Two channels: "page" (the view) is always served before "thumb" (the thumbnails).
        """
        with self._cond:
            self._jobs[channel] = list(dict.fromkeys(jobs))
            self._cond.notify()

    def _next_job(self) -> RenderJob | None:
        for channel in ("page", "thumb"):
            if self._jobs[channel]:
                return self._jobs[channel].pop(0)
        return None

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._jobs = {"page": [], "thumb": []}
            self._cond.notify()
        self.wait(5000)

    def run(self) -> None:
        try:
            reader = PdfReader(self.path, password=self.password)
        except (AnnotatorError, OSError) as error:
            self.open_failed.emit(str(error))
            return
        try:
            self._loop(reader)
        finally:
            reader.close()

    def _loop(self, reader: PdfReader) -> None:
        sizes: list[tuple[float, float]] = []
        while True:
            with self._cond:
                while (
                    not self._stopping
                    and not any(self._jobs.values())
                    and len(sizes) >= self.page_count
                ):
                    self._cond.wait()
                if self._stopping:
                    return
                job = self._next_job()
            if job is None:
                # Idle: learn the sizes of the pages, a chunk at a time.
                for page in range(len(sizes), min(self.page_count, len(sizes) + SIZE_CHUNK)):
                    try:
                        sizes.append(reader.page_size(page))
                    except (DocumentError, IndexError):
                        sizes.append(sizes[-1] if sizes else (612.0, 792.0))
                if len(sizes) >= self.page_count:
                    self.sizes_ready.emit(list(sizes))
                continue
            try:
                image = reader.render_page(job.page, job.scale, annots=job.annots)
            except PageError as error:
                self.rendered.emit(job, None, str(error))
                continue
            except (DocumentError, IndexError, ValueError) as error:
                self.rendered.emit(job, None, str(error) or type(error).__name__)
                continue
            self.rendered_count += 1
            self.rendered.emit(job, to_qimage(image, job.device_pixel_ratio), "")


# -- full-text extraction ---------------------------------------------------------------------


def read_pdf_text(
    path: str | Path, password: str | None, *, parent: QObject | None = None
) -> BackgroundTask[PdfExtraction]:
    """A task reading a PDF's whole text off the GUI thread, reporting pages as it goes.

    Chain the callbacks, then start it: ``on_success(PdfExtraction)``,
    ``on_progress(pages done, page count)``, ``on_failure(error)`` and ``on_cancelled()``
    all run on the GUI thread; :meth:`~BackgroundTask.cancel` stops it between two pages.
    """

    def work(task: TaskContext) -> PdfExtraction:
        try:
            return extract_pdf(path, password, progress=task.report, cancel=task.cancelled)
        except ExtractionCancelled as stop:
            raise Cancelled(task.what) from stop

    return BackgroundTask(work, parent=parent, what=f"reading '{Path(path).name}'")


def wait_for_extractions(timeout_ms: int = 10_000) -> bool:
    """Block until background extractions have finished (tests, shutting down)."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
