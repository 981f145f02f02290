"""Deprecated: use :class:`annotator.ui.tasks.BackgroundTask`.

Kept only until main_window.py and pdf_window.py move over; then this module goes.

Work that must not freeze the window, run on a thread pool with results on the GUI thread.

Reading and decoding a file (or extracting a PDF's text) happens off the GUI thread; the
project (and its SQLite connection) is touched only back on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from annotator.core.errors import AnnotatorError


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.work, self.signals = work, signals

    def run(self) -> None:
        try:
            result = self.work()
        except AnnotatorError as error:
            self.signals.failed.emit(str(error))
        except OSError as error:
            self.signals.failed.emit(f"Cannot read the file: {error.strerror or error}")
        else:
            self.signals.done.emit(result)


class Worker(QObject):
    """Runs ``work`` off the GUI thread; ``on_done``/``on_error`` run on the GUI thread."""

    _alive: ClassVar[set[Worker]] = set()

    def __init__(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.signals = _Signals()
        self._on_done, self._on_error = on_done, on_error
        # Bound slots of a GUI-thread object: Qt queues the call back to the GUI thread.
        self.signals.done.connect(self._done)
        self.signals.failed.connect(self._failed)
        self._job = _Job(work, self.signals)
        self._job.setAutoDelete(False)

    def start(self) -> Worker:
        Worker._alive.add(self)
        QThreadPool.globalInstance().start(self._job)
        return self

    @Slot(object)
    def _done(self, result: Any) -> None:
        Worker._alive.discard(self)
        self._on_done(result)

    @Slot(str)
    def _failed(self, message: str) -> None:
        Worker._alive.discard(self)
        self._on_error(message)

    @staticmethod
    def pending() -> int:
        return len(Worker._alive)


class _TaskSignals(QObject):
    progress = Signal(int, int)
    note = Signal(object)
    done = Signal(object)
    failed = Signal(str)


class _TaskJob(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self.task = task

    def run(self) -> None:
        task = self.task
        try:
            result = task.work(task)
        except AnnotatorError as error:
            task.signals.failed.emit(str(error))
        except OSError as error:
            task.signals.failed.emit(f"Cannot read or write a file: {error.strerror or error}")
        except Exception as error:  # reported to the reader, never lost
            task.signals.failed.emit(f"Something went wrong: {type(error).__name__}: {error}")
        else:
            task.signals.done.emit(result)


class Task(QObject):
    """Long work off the GUI thread with progress, per-step notes and cancel.

    ``work(task)`` runs on a pool thread; it calls ``task.report(done, total)`` and
    ``task.tell(obj)`` (both cross to the GUI thread as queued signals) and polls
    ``task.cancelled()``. It must not touch widgets or the GUI's project: a worker opens its
    own :class:`~annotator.project.Project` on the same path. ``on_done``/``on_error`` and
    the ``progress``/``note`` callbacks run on the GUI thread.
    """

    _alive: ClassVar[set[Task]] = set()

    def __init__(
        self,
        work: Callable[[Task], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
        *,
        on_progress: Callable[[int, int], None] | None = None,
        on_note: Callable[[Any], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        import threading

        self.work = work
        self.signals = _TaskSignals()
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._on_done, self._on_error = on_done, on_error
        self._on_progress, self._on_note = on_progress, on_note
        self.signals.done.connect(self._done)
        self.signals.failed.connect(self._failed)
        self.signals.progress.connect(self._progress)
        self.signals.note.connect(self._note)
        self._job = _TaskJob(self)
        self._job.setAutoDelete(False)

    # -- from the worker thread --------------------------------------------------------------

    def report(self, done: int, total: int) -> None:
        self.signals.progress.emit(int(done), int(total))

    def tell(self, item: Any) -> None:
        self.signals.note.emit(item)

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    # -- from the GUI thread -----------------------------------------------------------------

    def start(self) -> Task:
        Task._alive.add(self)
        QThreadPool.globalInstance().start(self._job)
        return self

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def running(self) -> bool:
        return self in Task._alive

    @Slot(int, int)
    def _progress(self, done: int, total: int) -> None:
        if self._on_progress is not None and self.running:
            self._on_progress(done, total)

    @Slot(object)
    def _note(self, item: Any) -> None:
        if self._on_note is not None and self.running:
            self._on_note(item)

    @Slot(object)
    def _done(self, result: Any) -> None:
        Task._alive.discard(self)
        self._on_done(result)

    @Slot(str)
    def _failed(self, message: str) -> None:
        Task._alive.discard(self)
        self._on_error(message)

    @staticmethod
    def pending() -> int:
        return len(Task._alive)
