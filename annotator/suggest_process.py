"""Suggestion runs in processes of their own, so the window never waits for spaCy.

Loading a spaCy pipeline deserialises its weights in C code that holds the GIL for tens of
milliseconds at a time, and tagging holds it in shorter stretches; run on a thread of the
window's process, both show up as moments where the window does not answer. A child process
has its own interpreter: the window only receives small messages (progress, a finished
document's suggestions, the report). The process stays up between runs and keeps the
pipelines it loaded (:func:`annotator.nlp.models.load_pipeline` caches them), so a second
run starts at once; a cancel is seen between chunks, and stopping the process ends even a
model that is still loading.

Both cores (issue 18). A run over several documents with enough text (the command line's
rule, :func:`annotator.nlp.chunks.processes_for`) is shared by *two* suggestion processes,
each running spaCy in a single process and taking the next document from a shared counter
whenever its pipeline needs more text (the document on screen first, then the longest
first); each document is still read, suggested and stored (one transaction) by one process.
The first process decides, before loading its model, and asks for the second, which the
window starts; the second joins the run when its model is loaded.

Why two processes started by the window, not spaCy's ``n_process`` inside one: then every
process doing suggestion work is a direct child of the window with no children of its own,
so stopping is ``terminate()`` on each, which behaves the same on Linux, macOS and Windows,
and nothing can be left behind. spaCy's workers would be grandchildren: stopping their
parent leaves them blocked on their queues for ever, and the ways around that are
platform-bound (a process group and ``killpg`` exist only on POSIX, a Job object only on
Windows) or unreliable (a SIGTERM handler does not run when the parent is killed; a daemonic
process may not even start children). The price: the second process loads its own copy of
the pipeline (while the first loads its own, so the wall time is about the same), and
sharing is by whole documents, so a corpus that is mostly one long document gains little.
Each process also ends itself when the window's process is gone (killed or crashed), so no
suggestion process outlives the app.

Qt-free: the window polls :meth:`SuggestionProcess.messages` from a timer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.context import SpawnProcess
from typing import Any

from annotator.core.errors import AnnotatorError

#: ``("progress", run, done, total)``, ``("document", run, outcome, items or None)``,
#: ``("sharing", run, processes)`` (the run uses that many processes from now on),
#: ``("done", run, report)``, ``("failed", run, message)``.
Message = tuple[Any, ...]

#: At most this many suggestion processes share one run (one per core, as the command line).
MAX_PROCESSES = 2

# The shared counter's slots: the run it hands documents out for (0: none), the next index,
# then how many documents each process took.
_RUN, _NEXT, _TAKEN = 0, 1, 2


@dataclass(frozen=True, slots=True)
class RunRequest:
    """One run, as a child process needs it (plain, picklable values)."""

    run: int
    project_path: str
    document_ids: tuple[str, ...]
    kind: str
    model: str | None
    annotator: str | None
    shown_document: str | None  # its pending suggestions are sent with its outcome
    #: False: the first process, which may ask for a second (up to ``max_processes``);
    #: True: the second, joining a run the first shares.
    joining: bool = False
    max_processes: int = 1
    #: The order documents are handed out in when shared (indexes into the deduplicated
    #: ``document_ids``), decided by the first process and passed on by the window.
    order: tuple[int, ...] = ()


def _serve(rank: int, requests: Any, replies: Any, cancelled_run: Any, shared: Any) -> None:
    """A child process: run requests one after another until ``None`` arrives.

    Replies are the public messages with this process's ``rank`` after the run number."""
    _end_with_parent()
    while True:
        request = requests.get()
        if request is None:
            return
        run = request.run
        try:
            report = _run(
                request, rank, replies, lambda run=run: cancelled_run.value >= run, shared
            )
        except AnnotatorError as error:
            replies.put(("failed", run, rank, str(error)))
        except OSError as error:
            message = f"Cannot read or write a file: {error.strerror or error}"
            replies.put(("failed", run, rank, message))
        except Exception as error:  # reported to the reader, never lost
            replies.put(
                ("failed", run, rank, f"Something went wrong: {type(error).__name__}: {error}")
            )
        else:
            replies.put(("done", run, rank, report))


def _end_with_parent() -> None:
    """End this process as soon as the window's process is gone, even killed: a suggestion
    process is never left running (or blocked on its queue) without its window."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # its sentinel is ready only when the parent has ended
        os._exit(0)  # SQLite rolls back a document being written

    threading.Thread(target=watch, name="end-with-window", daemon=True).start()


def _take(shared: Any, run: int, rank: int, order: tuple[int, ...]) -> int | None:
    """The index of the next document of ``run`` for the process ``rank``, None when all
    are taken (or the window closed the run to sharing)."""
    with shared.get_lock():
        if shared[_RUN] != run or shared[_NEXT] >= len(order):
            return None
        index = int(shared[_NEXT])
        shared[_NEXT] = index + 1
        shared[_TAKEN + rank] += 1
        return order[index]


def _sharing_order(ids: list[str], lengths: dict[str, int], shown: str | None) -> tuple[int, ...]:
    """The shown document first (the reader is looking at it), then the longest first: the
    run does not end with one process reading a long document alone while the other has
    nothing left. Ties keep their order."""
    return tuple(sorted(range(len(ids)), key=lambda i: (ids[i] != shown, -lengths.get(ids[i], 0))))


def _unless(cancelled: Callable[[], bool], take: Callable[[], int | None]) -> int | None:
    return None if cancelled() else take()


def _run(
    request: RunRequest, rank: int, replies: Any, cancelled: Callable[[], bool], shared: Any
) -> Any:

    from annotator.nlp.chunks import processes_for
    from annotator.project import Project
    from annotator.suggesting.review import pending_suggestions
    from annotator.suggesting.running import DocumentOutcome, existing_project_file, run_suggestions

    run = request.run
    ids = list(dict.fromkeys(request.document_ids))

    def progress(done: int, total: int) -> None:
        replies.put(("progress", run, rank, done, total))

    # Checked before the model loads: a missing project is said at once.
    with Project(existing_project_file(request.project_path)) as project:
        order: tuple[int, ...] = ()
        if request.joining:
            order = request.order
        elif request.max_processes > 1 and len(ids) > 1:
            # Decided before the model loads, so the second process loads its own meanwhile.
            lengths = project.document_text_lengths(ids)
            if min(request.max_processes, processes_for(len(ids), sum(lengths.values()))) > 1:
                order = _sharing_order(ids, lengths, request.shown_document)
                replies.put(("share", run, rank, order))
        take = None
        if request.joining or order:
            # After a cancel no process starts another document (it would store a sliver).
            take = functools.partial(
                _unless, cancelled, functools.partial(_take, shared, run, rank, order)
            )

        def on_document(outcome: DocumentOutcome) -> None:
            items = None
            if outcome.document_id == request.shown_document:
                # Read here, right after they are stored, so the window gets them as plain
                # annotations instead of reading a long document's hundreds itself.
                items = pending_suggestions(
                    project, request.shown_document, annotator=request.annotator
                )
            replies.put(("document", run, rank, outcome, items))

        return run_suggestions(
            project, ids, kind=request.kind,  # type: ignore[arg-type]
            model=request.model, annotator=request.annotator, progress=progress,
            cancel=cancelled, on_document=on_document, take=take,
        )  # fmt: skip


@dataclass(slots=True)
class _Child:
    """One suggestion process and its two queues (one each, so that a process stopped
    while writing to its queue cannot leave the other's locked)."""

    process: SpawnProcess
    requests: Any
    replies: Any


@dataclass(slots=True)
class _RunState:
    """What the window knows of the run in progress."""

    request: RunRequest
    waiting: set[int] = field(default_factory=lambda: {0})  # processes whose report is due
    reports: dict[int, Any] = field(default_factory=dict)
    done: dict[int, int] = field(default_factory=dict)  # characters done by each process


class SuggestionProcess:
    """Long-lived child processes (one, or two on a corpus) that run suggestion requests.

    Started on the first :meth:`start`; :meth:`close` ends them (a run in progress is
    cancelled first, and the processes are stopped if they do not finish in time — SQLite
    rolls back whatever transaction one had open, so nothing half-written stays).
    ``max_processes`` (default: two, or one on a single core) caps how many share a run.
    """

    def __init__(self, max_processes: int | None = None) -> None:
        self._context = multiprocessing.get_context("spawn")
        self.max_processes = max(1, min(MAX_PROCESSES, max_processes or os.cpu_count() or 1))
        self._children: dict[int, _Child] = {}
        self._cancelled_run: Any = None
        self._shared: Any = None
        self._last_run = 0
        self._state: _RunState | None = None
        self.running: int | None = None  # the run in progress, if any
        #: How many processes run the current (or last) run's documents.
        self.processes = 1

    @property
    def alive(self) -> bool:
        return self._alive(0)

    @property
    def _process(self) -> SpawnProcess | None:
        """The first suggestion process (the one every run starts in)."""
        child = self._children.get(0)
        return child.process if child is not None else None

    def pids(self) -> list[int]:
        """The process ids of the suggestion processes that are running."""
        return [
            c.process.pid
            for c in self._children.values()
            if c.process.pid is not None and c.process.is_alive()
        ]

    def documents_taken(self) -> tuple[int, ...]:
        """How many documents each process has taken in the run in progress (or the last)
        when it is shared; zeros for a run one process does alone."""
        if self._shared is None:
            return (0,) * MAX_PROCESSES
        with self._shared.get_lock():
            return tuple(int(self._shared[_TAKEN + r]) for r in range(MAX_PROCESSES))

    def _alive(self, rank: int) -> bool:
        child = self._children.get(rank)
        return child is not None and child.process.is_alive()

    def _ensure_started(self, rank: int) -> _Child:
        ctx = self._context
        if self._cancelled_run is None:
            self._cancelled_run = ctx.Value("q", 0)
            self._cancelled_run.value = self._last_run  # runs before this one count as cancelled
            self._shared = ctx.Array("q", _TAKEN + MAX_PROCESSES)
        child = self._children.get(rank)
        if child is not None and child.process.is_alive():
            return child
        if child is not None:
            self._discard(child)
        requests, replies = ctx.Queue(), ctx.Queue()
        process = ctx.Process(
            target=_serve,
            args=(rank, requests, replies, self._cancelled_run, self._shared),
            name=f"annotator-suggestions-{rank + 1}",
            daemon=True,
        )
        process.start()
        child = _Child(process, requests, replies)
        self._children[rank] = child
        return child

    def start(
        self,
        project_path: str,
        document_ids: list[str],
        *,
        kind: str,
        model: str | None,
        annotator: str | None,
        shown_document: str | None,
    ) -> int:
        """Send a run to the first process (starting it if needed); returns the run's number.
        On a corpus that process asks for the second (see :meth:`messages`)."""
        if self.running is not None:
            raise AnnotatorError("suggestions are already running: cancel that run first")
        first = self._ensure_started(0)
        self._last_run += 1
        run = self._last_run
        with self._shared.get_lock():
            self._shared[:] = [run, 0] + [0] * MAX_PROCESSES
        request = RunRequest(
            run, project_path, tuple(document_ids), kind, model, annotator, shown_document,
            max_processes=self.max_processes,
        )  # fmt: skip
        first.requests.put(request)
        self._state = _RunState(request)
        self.running = run
        self.processes = 1
        return run

    def cancel(self) -> None:
        """Ask the run in progress to stop after the passage each process is on."""
        if self.running is not None and self._cancelled_run is not None:
            self._cancelled_run.value = self.running

    def messages(self) -> list[Message]:
        """What the processes said since the last call, as one run's messages (progress over
        the whole run, one report). A process that died during a run ends the run with a
        ``failed`` message."""
        found: list[Message] = []
        for rank in sorted(self._children):
            for message in self._drain(self._children[rank]):
                if self.running is None or message[1] != self.running:
                    continue  # a run the window has already given up on (or closed)
                found.extend(self._handle(message))
        if self.running is not None and self._state is not None:
            for rank in sorted(self._state.waiting):
                if not self._alive(rank):
                    child = self._children.get(rank)
                    code = child.process.exitcode if child is not None else None
                    found.append(self._fail(
                        f"the suggestion process stopped unexpectedly (exit code {code}); "
                        "documents it had finished keep their suggestions — run it again"
                    ))  # fmt: skip
                    break
        return found

    @staticmethod
    def _drain(child: _Child) -> list[tuple[Any, ...]]:
        drained: list[tuple[Any, ...]] = []
        while True:
            try:
                drained.append(child.replies.get_nowait())
            except (queue.Empty, EOFError, OSError):
                return drained

    def _handle(self, message: tuple[Any, ...]) -> list[Message]:
        state = self._state
        assert state is not None and self.running is not None
        what, run, rank, *rest = message
        if what == "progress":
            state.done[rank] = rest[0]
            return [("progress", run, sum(state.done.values()), rest[1])]
        if what == "document":
            return [("document", run, *rest)]
        if what == "failed":
            return [self._fail(rest[0])]
        if what == "share":
            try:
                helper = self._ensure_started(1)
            except OSError:  # no second process: the first takes every document itself
                return []
            helper.requests.put(
                dataclasses.replace(state.request, joining=True, max_processes=1, order=rest[0])
            )
            state.waiting.add(1)
            self.processes = 2
            return [("sharing", run, 2)]
        # "done"
        state.reports[rank] = rest[0]
        state.waiting.discard(rank)
        if rank == 0 and 1 in state.waiting:
            with self._shared.get_lock():
                if self._shared[_TAKEN + 1] == 0:
                    # The first process ran out of documents before the second took one:
                    # the second is not waited for (its model may still be loading).
                    self._shared[_RUN] = 0
                    state.waiting.discard(1)
                    self.processes = 1
        if state.waiting:
            return []
        with self._shared.get_lock():
            took = [self._shared[_TAKEN + r] for r in range(MAX_PROCESSES)]
        self.processes = max(1, sum(1 for n in took if n))
        self.running, self._state = None, None
        return [("done", run, _merged(state.request, state.reports))]

    def _fail(self, text: str) -> Message:
        run = self.running
        self.cancel()  # the other process, if any, stops too
        with self._shared.get_lock():
            self._shared[_RUN] = 0
        self.running, self._state = None, None
        return ("failed", run, text)

    def close(self, timeout: float = 10.0) -> None:
        """Cancel any run, let the processes finish, and stop those that do not in
        ``timeout`` seconds (all of them, however many there are)."""
        children = list(self._children.values())
        if not children:
            return
        self.cancel()
        for child in children:
            if child.process.is_alive():
                with contextlib.suppress(OSError, ValueError):
                    child.requests.put(None)
        deadline = time.monotonic() + timeout
        for child in children:
            child.process.join(max(0.0, deadline - time.monotonic()))
        for child in children:
            if child.process.is_alive():
                child.process.terminate()
        for child in children:
            child.process.join(2)
            if child.process.is_alive():  # pragma: no cover - a process ignoring SIGTERM
                child.process.kill()
                child.process.join(2)
            self._discard(child)
        self._children = {}
        self._cancelled_run = self._shared = None
        self.running, self._state = None, None

    @staticmethod
    def _discard(child: _Child) -> None:
        for q in (child.requests, child.replies):
            q.cancel_join_thread()
            q.close()


def _merged(request: RunRequest, reports: dict[int, Any]) -> Any:
    """One report for a run shared by several processes: their documents in the order they
    were asked for, cancelled if a process was and not every document was finished."""
    first = reports[0] if 0 in reports else next(iter(reports.values()))
    if len(reports) == 1:
        return first
    order = {d: i for i, d in enumerate(dict.fromkeys(request.document_ids))}
    outcomes = sorted(
        (o for r in reports.values() for o in r.outcomes),
        key=lambda o: (order.get(o.document_id, len(order)), not o.complete),
    )
    finished = sum(1 for o in outcomes if o.complete)
    return dataclasses.replace(
        first,
        outcomes=tuple(outcomes),
        cancelled=any(r.cancelled for r in reports.values()) and finished < first.requested,
        seconds=max(r.seconds for r in reports.values()),
    )


__all__ = ["MAX_PROCESSES", "Message", "RunRequest", "SuggestionProcess"]
