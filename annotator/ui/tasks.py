"""Work that must not freeze the window: one type, :class:`BackgroundTask`.

The work runs on Qt's thread pool; everything it says back (progress, notes, its result,
its failure, its cancellation) arrives on the GUI thread, as in Anki's ``QueryOp``. The work
never touches widgets or the window's project: SQLite connections belong to the thread that
opened them, so work that needs the project opens its own on the same path.

A task ends in exactly one of three outcomes:

* success: ``on_success(result)``;
* failure: ``on_failure(error)`` with the exception itself, typed (see :data:`Failure`);
  :func:`describe_failure` turns it into the one line the reader sees;
* cancellation: ``on_cancelled()``, when the work raised
  :class:`~annotator.core.errors.Cancelled` or finished after :meth:`BackgroundTask.cancel`
  was asked (the reader no longer wants that result) — never reported as a failure.

No callback runs once the task's parent is destroyed.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Generic, Self, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from annotator.core.errors import AnnotatorError, Cancelled

log = logging.getLogger(__name__)

T = TypeVar("T")


class UnexpectedFailure(Exception):
    """Work raised something nobody planned for: a bug, not the reader's to fix.

    ``str()`` is one line for the reader; the original exception is ``__cause__`` and its
    traceback has been written to the log.
    """

    def __init__(self, what: str, error: BaseException) -> None:
        detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        name = type(error).__name__
        super().__init__(
            f"An unexpected error stopped {what}: {name}{': ' + detail if detail else ''}. "
            "The details are in the log."
        )
        self.__cause__ = error


#: What ``on_failure`` receives: the reader's error as raised (any
#: :class:`~annotator.core.errors.AnnotatorError` but ``Cancelled``), an ``OSError`` as
#: raised (its ``errno`` and ``filename`` intact), or anything else wrapped in
#: :class:`UnexpectedFailure`.
Failure = AnnotatorError | OSError | UnexpectedFailure


def describe_failure(error: BaseException) -> str:
    """The one line the reader is shown for a task's failure (no traceback, never empty)."""
    if isinstance(error, OSError):
        reason = error.strerror or str(error) or type(error).__name__
        if error.filename:
            return f"Cannot read or write '{Path(str(error.filename)).name}': {reason}"
        return f"Cannot read or write a file: {reason}"
    if isinstance(error, AnnotatorError | UnexpectedFailure):
        return str(error) or type(error).__name__
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class TaskContext:
    """What the work sees of its task, on the pool thread.

    ``report`` and ``tell`` cross to the GUI thread as queued signals, so they are cheap and
    safe to call often; ``cancelled`` is a flag the work should poll between steps.
    """

    def __init__(self, relay: _Relay, cancel: threading.Event, what: str) -> None:
        self._relay, self._cancel, self.what = relay, cancel, what

    def report(self, done: int, total: int) -> None:
        """``done`` steps of ``total`` are finished (``on_progress`` on the GUI thread)."""
        try:
            self._relay.progress.emit(int(done), int(total))
        except RuntimeError:  # the application is gone: nobody to tell, so stop
            raise Cancelled(self.what) from None

    def tell(self, item: Any) -> None:
        """Hand ``item`` to ``on_note`` on the GUI thread (a step's result, as it comes)."""
        try:
            self._relay.note.emit(item)
        except RuntimeError:  # the application is gone: nobody to tell, so stop
            raise Cancelled(self.what) from None

    def cancelled(self) -> bool:
        """True once the reader asked the work to stop."""
        return self._cancel.is_set()

    def raise_if_cancelled(self) -> None:
        """Stop here with :class:`Cancelled` if the reader asked to."""
        if self._cancel.is_set():
            raise Cancelled(self.what)


class _Relay(QObject):
    """Lives on the GUI thread, so signals emitted on the pool thread reach its slots there.

    It has no Qt parent (a parent's end must not cut the task's own bookkeeping) and knows
    its task only weakly: the task holds it, so it goes with its task, on the GUI thread.
    """

    progress = Signal(int, int)
    note = Signal(object)
    ended = Signal(str, object)  # "success" | "failure" | "cancelled", result or exception

    def __init__(self, task: BackgroundTask[Any]) -> None:
        super().__init__()
        self._task = weakref.ref(task)
        self.progress.connect(self._progress)
        self.note.connect(self._note)
        self.ended.connect(self._ended)

    @Slot(int, int)
    def _progress(self, done: int, total: int) -> None:
        if (task := self._task()) is not None:
            task._progressed(done, total)

    @Slot(object)
    def _note(self, item: Any) -> None:
        if (task := self._task()) is not None:
            task._noted(item)

    @Slot(str, object)
    def _ended(self, outcome: str, payload: Any) -> None:
        if (task := self._task()) is not None:
            task._ended(outcome, payload)


class _Run(QRunnable):
    def __init__(self, work: Callable[[TaskContext], Any], context: TaskContext) -> None:
        super().__init__()
        self.work, self.context = work, context

    def run(self) -> None:
        context, work = self.context, self.work
        # Let go of the work (and whatever it holds) on this thread as soon as it is done,
        # and leave the relay to the task, so the GUI thread is the one to delete it.
        del self.context, self.work
        try:
            outcome, payload = "success", work(context)
        except Cancelled:
            outcome, payload = "cancelled", None
        except (AnnotatorError, OSError) as error:
            outcome, payload = "failure", error
        except Exception as error:  # a bug: one line for the reader, the traceback to the log
            log.error("%s failed unexpectedly", context.what, exc_info=error)
            outcome, payload = "failure", UnexpectedFailure(context.what, error)
        del work
        relay = context._relay
        del context
        try:
            relay.ended.emit(outcome, payload)
        except RuntimeError:  # the relay went with the application at its end: nobody waits
            return


class BackgroundTask(Generic[T]):
    """``work(context)`` on the thread pool, its outcome and progress on the GUI thread.

    Callbacks are given as keywords or chained before :meth:`start`::

        BackgroundTask(lambda task: load_document(path), parent=self, what=f"reading {name}")
            .on_success(self._loaded).on_failure(self._load_failed).start()

    ``parent`` ties the callbacks' lives to a QObject (usually the widget they update): once
    it is destroyed no callback runs, and the next progress report asks the work to stop.
    ``what`` names the work in a few words ("computing agreement"), for the messages of
    :class:`Cancelled` and :class:`UnexpectedFailure`. ``keep_late_result`` is for work whose
    result is a done fact (a file written): a success after :meth:`cancel` is then still
    reported as success instead of as cancelled.

    A started task keeps itself alive until its outcome has been delivered; :meth:`pending`
    counts those (tests wait for it to reach zero).
    """

    _running: ClassVar[set[BackgroundTask[Any]]] = set()

    def __init__(
        self,
        work: Callable[[TaskContext], T],
        *,
        parent: QObject | None = None,
        what: str = "the work",
        on_success: Callable[[T], Any] | None = None,
        on_failure: Callable[[Failure], Any] | None = None,
        on_cancelled: Callable[[], Any] | None = None,
        on_progress: Callable[[int, int], Any] | None = None,
        on_note: Callable[[Any], Any] | None = None,
        keep_late_result: bool = False,
    ) -> None:
        self.what = what
        self._work = work
        self._parent = parent
        self._success, self._failure, self._cancelled = on_success, on_failure, on_cancelled
        self._progress, self._note = on_progress, on_note
        self._keep_late_result = keep_late_result
        self._cancel = threading.Event()
        self._relay = _Relay(self)
        self._started = self._finished = False

    # -- callbacks, chained -------------------------------------------------------------------

    def on_success(self, callback: Callable[[T], Any]) -> Self:
        self._success = callback
        return self

    def on_failure(self, callback: Callable[[Failure], Any]) -> Self:
        self._failure = callback
        return self

    def on_cancelled(self, callback: Callable[[], Any]) -> Self:
        self._cancelled = callback
        return self

    def on_progress(self, callback: Callable[[int, int], Any]) -> Self:
        self._progress = callback
        return self

    def on_note(self, callback: Callable[[Any], Any]) -> Self:
        self._note = callback
        return self

    # -- control, from the GUI thread ----------------------------------------------------------

    def start(self) -> Self:
        """Queue the work on the global thread pool; a task runs once."""
        if self._started:
            raise RuntimeError(f"{self.what}: a background task runs only once")
        self._started = True
        BackgroundTask._running.add(self)
        self._run = _Run(self._work, TaskContext(self._relay, self._cancel, self.what))
        self._run.setAutoDelete(False)  # ours to keep until the outcome is in
        QThreadPool.globalInstance().start(self._run)
        return self

    def cancel(self) -> None:
        """Ask the work to stop; it ends as cancelled unless it had already failed.

        Progress and notes are no longer delivered once asked.
        """
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        """Started and its outcome not yet delivered."""
        return self._started and not self._finished

    @property
    def finished(self) -> bool:
        """Its outcome has been delivered (or dropped, the parent being gone)."""
        return self._finished

    @classmethod
    def pending(cls) -> int:
        """How many started tasks have not yet delivered their outcome."""
        return len(cls._running)

    # -- from the relay, on the GUI thread ----------------------------------------------------

    def _parent_alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    def _progressed(self, done: int, total: int) -> None:
        if not self._parent_alive():
            self._cancel.set()  # nobody is left to want the result
        elif self.running and not self._cancel.is_set() and self._progress is not None:
            self._progress(done, total)

    def _noted(self, item: Any) -> None:
        if not self._parent_alive():
            self._cancel.set()
        elif self.running and not self._cancel.is_set() and self._note is not None:
            self._note(item)

    def _ended(self, outcome: str, payload: Any) -> None:
        self._finished = True
        BackgroundTask._running.discard(self)
        if not self._parent_alive():
            return
        if outcome == "success" and self._cancel.is_set() and not self._keep_late_result:
            outcome = "cancelled"
        if outcome == "success":
            if self._success is not None:
                self._success(payload)
        elif outcome == "cancelled":
            if self._cancelled is not None:
                self._cancelled()
        elif self._failure is not None:
            self._failure(payload)
        else:  # never silent: with no one to tell, the log is told
            log.warning("%s failed: %s", self.what, describe_failure(payload))
