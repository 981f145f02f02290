"""Work that must not freeze the window, run on a thread pool with results on the GUI thread.

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

    def __init__(self, work: Callable[[], Any], on_done: Callable[[Any], None],
                 on_error: Callable[[str], None], parent: QObject | None = None) -> None:
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
