"""Agreement and the disagreements list computed in processes of their own, so the window
never waits for them.

Over a corpus :func:`~annotator.comparing.report.compute_agreement` holds a million
annotation objects. Run on a thread of the window's process, the garbage collector's full
passes over them (and freeing them at the end) hold the GIL for a third of a second and
more at a time, and the window stops answering for as long. A child process has its own
interpreter and its own collector: the window's process only receives progress, the finished
report (a few kilobytes) and the disagreements as plain rows, a thousand at a time.

Two children work at once (one per core): one computes the figures, the other lists the
disagreements and counts how far their adjudication is. A cancel ends them (they only read
the project), and each ends itself if the window's process is gone.

Qt-free: :func:`compute_in_processes` blocks its caller (a worker thread) until everything
is in, relaying progress and polling for a cancel.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from annotator.comparing.adjudication import AdjudicationProgress
from annotator.comparing.disagreements import DisagreementRow, PlainRow
from annotator.comparing.report import AgreementReport
from annotator.core.errors import AnnotatorError, Cancelled

#: Disagreement rows are sent this many at a time: unpickling a few thousand small tuples
#: takes the receiving process's GIL for a millisecond or two, never for long.
CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Request:
    """What to compare, as a child needs it (plain, picklable values)."""

    path: str
    annotators: tuple[str, ...]
    documents: tuple[str, ...] | None
    unit: str
    label_set: str | None
    confidence: float


@dataclass(frozen=True, slots=True)
class Listed:
    """The disagreements (in reading order, as :meth:`DisagreementRow.plain` tuples) and how
    far their adjudication is."""

    rows: list[PlainRow]
    progress: AdjudicationProgress


def compute_in_processes(
    request: Request,
    *,
    report: bool = True,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> tuple[AgreementReport | None, Listed]:
    """The agreement report (unless ``report`` is False) and the disagreements, each
    computed in a child process, the two at once.

    ``progress(done, total)`` counts the documents listed; :class:`Cancelled` (the children
    stopped) once ``cancelled()`` is True. A child's error is raised here: an
    :class:`AnnotatorError` as the one it raised, anything else as an AnnotatorError saying
    what it was."""
    jobs = ["disagreements"] + (["report"] if report else [])
    context = multiprocessing.get_context("spawn")
    children: dict[Connection, Any] = {}
    results: dict[str, Any] = {}
    rows: list[PlainRow] = []
    try:
        for job in jobs:
            receive, send = context.Pipe(duplex=False)
            child = context.Process(
                target=_serve, args=(send, job, request), name=f"agreement {job}", daemon=True
            )
            child.start()
            send.close()  # the child holds its end: end of file then means it is gone
            children[receive] = child
        while len(results) < len(jobs):
            if cancelled():
                raise Cancelled("computing agreement")
            waiting = [c for c, job in zip(children, jobs, strict=True) if job not in results]
            for receive in wait(waiting, timeout=0.05):
                assert isinstance(receive, Connection)
                try:
                    message = receive.recv()
                except EOFError:
                    raise AnnotatorError(
                        "A process computing agreement stopped before it finished (out of memory?)"
                    ) from None
                kind = message[0]
                if kind == "rows":
                    rows.extend(message[1])
                elif kind == "progress":
                    if progress is not None:
                        progress(message[1], message[2])
                elif kind == "done":
                    results[message[1]] = message[2]
                elif isinstance(message[2], AnnotatorError):
                    raise message[2]
                else:
                    raise AnnotatorError(str(message[2]))
    finally:
        for receive, child in children.items():
            receive.close()
            if child.is_alive():
                child.terminate()
            child.join(5)
    return results.get("report"), Listed(rows, results["disagreements"])


def _serve(send: Connection, job: str, request: Request) -> None:
    """A child: do ``job`` and send what it gives (see :func:`compute_in_processes`), then
    ``("done", job, result)`` or ``("failed", job, error)``."""
    _end_with_parent()
    if hasattr(os, "nice"):  # the window's process comes first for the cores (POSIX)
        os.nice(5)
    from annotator.project import Project

    try:
        with Project(request.path) as own:
            result = _report(own, request) if job == "report" else _listed(own, request, send)
    except AnnotatorError as error:
        _send_failure(send, job, error)
    except OSError as error:
        _send_failure(send, job, f"Cannot read or write a file: {error.strerror or error}")
    except Exception as error:  # reported to the reader, never lost
        _send_failure(send, job, f"Something went wrong: {type(error).__name__}: {error}")
    else:
        send.send(("done", job, result))
    send.close()


def _report(own: Any, request: Request) -> AgreementReport:
    from annotator.comparing.report import compute_agreement

    return compute_agreement(
        own, request.annotators, request.documents, request.unit,  # type: ignore[arg-type]
        request.label_set, confidence=request.confidence,
    )  # fmt: skip


def _listed(own: Any, request: Request, send: Connection) -> AdjudicationProgress:
    from annotator.comparing.adjudication import adjudication_progress
    from annotator.comparing.disagreements import documents_for, list_disagreements
    from annotator.comparing.selection import annotator_names, compared_kinds

    names = annotator_names(own, request.annotators)
    documents = request.documents
    if documents is None and len(names) >= 2:  # the list's own default, as it would choose
        label_set = own.label_set(request.label_set) if request.label_set else None
        kinds = compared_kinds("span", None, label_set.kind if label_set else None)
        documents = tuple(documents_for(own, names, None, kinds))
    chunk: list[PlainRow] = []
    for done, document_id in enumerate(documents or ()):
        views = list_disagreements(own, names, [document_id], label_set=request.label_set)
        chunk.extend(DisagreementRow.of(v).plain() for v in views)
        if len(chunk) >= CHUNK:
            send.send(("rows", chunk))
            chunk = []
        send.send(("progress", done + 1, len(documents or ())))
    if chunk:
        send.send(("rows", chunk))
    return adjudication_progress(own, names, request.documents or None)


def _send_failure(send: Connection, job: str, error: AnnotatorError | str) -> None:
    try:
        send.send(("failed", job, error))
    except Exception:  # an error that does not pickle: its words still go
        send.send(("failed", job, str(error)))


def _end_with_parent() -> None:
    """End this process as soon as the window's process is gone, even killed."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # its sentinel is ready only when the parent has ended
        os._exit(0)

    threading.Thread(target=watch, name="end-with-window", daemon=True).start()
