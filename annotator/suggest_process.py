"""Suggestion runs in a process of their own, so the window never waits for spaCy.

Loading a spaCy pipeline deserialises its weights in C code that holds the GIL for tens of
milliseconds at a time, and tagging holds it in shorter stretches; run on a thread of the
window's process, both show up as moments where the window does not answer. A child process
has its own interpreter: the window only receives small messages (progress, a finished
document's suggestions, the report). The process stays up between runs and keeps the
pipelines it loaded (:func:`annotator.nlp.models.load_pipeline` caches them), so a second
run starts at once; a cancel is seen between chunks, and stopping the process ends even a
model that is still loading.

Qt-free: the window polls :meth:`SuggestionProcess.messages` from a timer.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.context import SpawnProcess
from typing import Any

from annotator.core.errors import AnnotatorError

#: ``("progress", run, done, total)``, ``("document", run, outcome, items or None)``,
#: ``("done", run, report)``, ``("failed", run, message)``.
Message = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class RunRequest:
    """One run, as the child process needs it (plain, picklable values)."""

    run: int
    project_path: str
    document_ids: tuple[str, ...]
    kind: str
    model: str | None
    annotator: str | None
    shown_document: str | None  # its pending suggestions are sent with its outcome


def _serve(requests: Any, replies: Any, cancelled_run: Any) -> None:
    """The child process: run requests one after another until ``None`` arrives."""
    while True:
        request = requests.get()
        if request is None:
            return
        run = request.run
        try:
            report = _run(request, replies, lambda run=run: cancelled_run.value >= run)
        except AnnotatorError as error:
            replies.put(("failed", request.run, str(error)))
        except OSError as error:
            replies.put(
                ("failed", request.run, f"Cannot read or write a file: {error.strerror or error}")
            )
        except Exception as error:  # reported to the reader, never lost
            replies.put(
                ("failed", request.run, f"Something went wrong: {type(error).__name__}: {error}")
            )
        else:
            replies.put(("done", request.run, report))


def _run(request: RunRequest, replies: Any, cancelled: Callable[[], bool]) -> Any:

    from annotator.suggesting.review import pending_suggestions
    from annotator.suggesting.running import DocumentOutcome, existing_project_file, run_suggestions

    run = request.run

    def progress(done: int, total: int) -> None:
        replies.put(("progress", run, done, total))

    from annotator.project import Project

    # Checked before the model loads: a missing project is said at once.
    with Project(existing_project_file(request.project_path)) as project:

        def on_document(outcome: DocumentOutcome) -> None:
            items = None
            if outcome.document_id == request.shown_document:
                # Read here, right after they are stored, so the window gets them as plain
                # annotations instead of reading a long document's hundreds itself.
                items = pending_suggestions(
                    project, request.shown_document, annotator=request.annotator
                )
            replies.put(("document", run, outcome, items))

        return run_suggestions(
            project, list(request.document_ids), kind=request.kind,  # type: ignore[arg-type]
            model=request.model, annotator=request.annotator, progress=progress,
            cancel=cancelled, on_document=on_document,
        )  # fmt: skip


class SuggestionProcess:
    """A long-lived child process that runs suggestion requests one at a time.

    Started on the first :meth:`start`; :meth:`close` ends it (a run in progress is
    cancelled first, and the process is stopped if it does not finish in time — SQLite
    rolls back whatever transaction it had open, so nothing half-written stays).
    """

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._requests: Any = None
        self._replies: Any = None
        self._cancelled_run: Any = None
        self._process: SpawnProcess | None = None
        self._last_run = 0
        self.running: int | None = None  # the run in progress, if any

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def _ensure_started(self) -> None:
        if self.alive:
            return
        ctx = self._context
        self._requests, self._replies = ctx.Queue(), ctx.Queue()
        self._cancelled_run = ctx.Value("q", 0)
        self._cancelled_run.value = self._last_run  # runs before this one count as cancelled
        process = ctx.Process(
            target=_serve,
            args=(self._requests, self._replies, self._cancelled_run),
            name="annotator-suggestions",
            daemon=True,
        )
        process.start()
        self._process = process

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
        """Send a run to the process (starting it if needed); returns the run's number."""
        if self.running is not None:
            raise AnnotatorError("suggestions are already running: cancel that run first")
        self._ensure_started()
        self._last_run += 1
        run = self._last_run
        self._requests.put(
            RunRequest(
                run, project_path, tuple(document_ids), kind, model, annotator, shown_document
            )
        )
        self.running = run
        return run

    def cancel(self) -> None:
        """Ask the run in progress to stop after the passage it is on."""
        if self.running is not None and self._cancelled_run is not None:
            self._cancelled_run.value = self.running

    def messages(self) -> list[Message]:
        """What the process said since the last call. A process that died during a run
        ends the run with a ``failed`` message."""
        found: list[Message] = []
        if self._replies is None:
            return found
        while True:
            try:
                message = self._replies.get_nowait()
            except queue.Empty:
                break
            except (EOFError, OSError):
                break
            if message[1] != self.running:
                continue  # a run the window has already given up on
            found.append(message)
            if message[0] in ("done", "failed"):
                self.running = None
        if self.running is not None and not self.alive:
            code = self._process.exitcode if self._process is not None else None
            found.append(
                (
                    "failed",
                    self.running,
                    f"the suggestion process stopped unexpectedly (exit code {code}); "
                    "documents it had finished keep their suggestions — run it again",
                )
            )
            self.running = None
        return found

    def close(self, timeout: float = 10.0) -> None:
        """Cancel any run, let the process finish, and stop it if it does not."""
        process = self._process
        if process is None:
            return
        self.cancel()
        if process.is_alive():
            with contextlib.suppress(OSError, ValueError):
                self._requests.put(None)
            process.join(timeout)
            if process.is_alive():
                process.terminate()
                process.join(2)
        for q in (self._requests, self._replies):
            if q is not None:
                q.cancel_join_thread()
                q.close()
        self._process = None
        self._requests = self._replies = None
        self.running = None


__all__ = ["Message", "RunRequest", "SuggestionProcess"]
