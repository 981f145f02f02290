"""Training in a process of its own, so the window never waits for spaCy.

Training holds the GIL for long stretches (thinc's layers are Python around numpy); on a
thread of the window's process that would show as a window that does not answer. A child
process (``spawn``) opens the project on its own connection, reads the annotations, trains
and saves; the caller receives small messages: :class:`~annotator.training.trainer.
TrainingProgress` after steps and epochs, then the report (or the curve). Cancel is a shared
flag the child checks after every step; stopping the process ends even a pipeline that is
still loading.

:func:`run_in_process` blocks its calling thread (the window calls it from a
:class:`~annotator.ui.tasks.BackgroundTask`, whose thread waits on a queue without the GIL).
Qt-free.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from annotator.core.errors import AnnotatorError, Cancelled

#: Seconds between two looks at ``cancelled()`` while the child is quiet.
POLL_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class TrainingJob:
    """What the child needs (plain, picklable values)."""

    project_path: str
    request: Any  # TrainingRequest
    options: Any  # TrainingOptions
    output: str | None = None  # None: the project's models folder
    curve: bool = False  # a learning curve instead of one saved model


@dataclass(frozen=True, slots=True)
class CurveResult:
    points: list[Any]  # CurvePoint
    labels: tuple[str, ...]
    annotations: int


def _child(job: TrainingJob, replies: Any, cancel_flag: Any) -> None:
    import os

    if hasattr(os, "nice"):  # background work: the window (and the reader) come first
        with contextlib.suppress(OSError):
            os.nice(10)
    try:
        result = _work(job, replies, lambda: bool(cancel_flag.value))
    except Cancelled:
        replies.put(("cancelled", None))
    except AnnotatorError as error:
        replies.put(("failed", str(error)))
    except OSError as error:
        replies.put(("failed", f"Cannot read or write a file: {error.strerror or error}"))
    except Exception as error:  # reported to the reader, never lost
        replies.put(("failed", f"Something went wrong: {type(error).__name__}: {error}"))
    else:
        replies.put(("done", result))


def _work(job: TrainingJob, replies: Any, cancelled: Callable[[], bool]) -> Any:
    from pathlib import Path

    from annotator.project import Project
    from annotator.suggesting.running import existing_project_file
    from annotator.training.data import build_training_set
    from annotator.training.trainer import default_output, learning_curve, train_model

    path = existing_project_file(job.project_path)
    with Project(path) as project:
        training_set = build_training_set(project, job.request)
    progress = lambda p: replies.put(("progress", p))  # noqa: E731
    if job.curve:
        points = learning_curve(training_set, job.options, progress=progress, cancel=cancelled)
        return CurveResult(points, training_set.labels, training_set.annotations)
    output = Path(job.output) if job.output else default_output(path, job.request.kind)
    report = train_model(
        training_set, job.options, output=output, progress=progress, cancel=cancelled
    )
    if not job.output:
        from annotator.training.saved import prune_models

        prune_models(path)
    return report


def run_in_process(
    job: TrainingJob,
    *,
    progress: Callable[[Any], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Any:
    """Run ``job`` in a child process and return its report (or :class:`CurveResult`).

    ``progress`` gets each :class:`TrainingProgress`; ``cancelled()`` is polled about ten
    times a second and, once true, the child is asked to stop (and is stopped if it does
    not within a few seconds): :class:`Cancelled` is raised. A child that dies raises
    :class:`AnnotatorError`.
    """
    context = multiprocessing.get_context("spawn")
    replies = context.Queue()
    cancel_flag = context.Value("b", 0)
    process = context.Process(
        target=_child, args=(job, replies, cancel_flag), name="annotator-training", daemon=True
    )
    process.start()
    asked_at: float | None = None
    try:
        while True:
            if cancelled is not None and cancelled() and asked_at is None:
                cancel_flag.value = 1
                asked_at = time.monotonic()
            try:
                kind, payload = replies.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not process.is_alive():
                    raise AnnotatorError(
                        f"the training process stopped unexpectedly (exit code "
                        f"{process.exitcode}); nothing was saved — train again"
                    ) from None
                if asked_at is not None and time.monotonic() - asked_at > 5:
                    raise Cancelled("training") from None
                continue
            if kind == "progress":
                if progress is not None and asked_at is None:
                    progress(payload)
            elif kind == "done":
                return payload
            elif kind == "cancelled":
                raise Cancelled("training")
            else:
                raise AnnotatorError(payload)
    finally:
        process.join(2)
        if process.is_alive():
            process.terminate()
            process.join(2)
        with contextlib.suppress(OSError, ValueError):
            replies.cancel_join_thread()
            replies.close()


__all__ = ["CurveResult", "TrainingJob", "run_in_process"]
