"""BackgroundTask: work on the thread pool, its outcome and progress on the GUI thread."""

from __future__ import annotations

import errno
import logging
import threading
from typing import Any

import pytest
from PySide6.QtCore import QObject, QThread
from PySide6.QtWidgets import QApplication

from annotator.core.errors import Cancelled, DocumentError
from annotator.ui.tasks import (
    BackgroundTask,
    TaskContext,
    UnexpectedFailure,
    describe_failure,
)


class Outcomes:
    """Records every callback, and on which thread it ran."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.threads: set[bool] = set()

    def _record(self, name: str, value: Any = None) -> None:
        self.threads.add(QThread.currentThread() is QApplication.instance().thread())
        self.calls.append((name, value))

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_success": lambda result: self._record("success", result),
            "on_failure": lambda error: self._record("failure", error),
            "on_cancelled": lambda: self._record("cancelled"),
            "on_progress": lambda done, total: self._record("progress", (done, total)),
            "on_note": lambda item: self._record("note", item),
        }

    def ends(self) -> list[tuple[str, Any]]:
        return [c for c in self.calls if c[0] in ("success", "failure", "cancelled")]


@pytest.fixture
def outcomes() -> Outcomes:
    return Outcomes()


def wait_done(qtbot: Any, task: BackgroundTask[Any]) -> None:
    qtbot.waitUntil(lambda: task.finished, timeout=10000)
    assert not task.running


def test_tasks_success_arrives_on_the_gui_thread(qtbot, outcomes):
    worker_threads: list[bool] = []

    def work(task: TaskContext) -> int:
        worker_threads.append(QThread.currentThread() is QApplication.instance().thread())
        return 42

    task = BackgroundTask(work, **outcomes.callbacks()).start()
    assert task.running and BackgroundTask.pending() >= 1
    wait_done(qtbot, task)
    assert outcomes.ends() == [("success", 42)]
    assert worker_threads == [False] and outcomes.threads == {True}
    assert task not in BackgroundTask._running


def test_tasks_chained_callbacks_work_like_keywords(qtbot):
    seen: list[str] = []
    task = (
        BackgroundTask(lambda _task: "text")
        .on_success(seen.append)
        .on_failure(lambda error: seen.append("failure"))
        .start()
    )
    wait_done(qtbot, task)
    assert seen == ["text"]


def test_tasks_failure_is_the_typed_exception_itself(qtbot, outcomes):
    problem = DocumentError("'a.pdf' is encrypted: enter its password to open it")

    def work(_task: TaskContext) -> None:
        raise problem

    task = BackgroundTask(work, **outcomes.callbacks()).start()
    wait_done(qtbot, task)
    [(kind, error)] = outcomes.ends()
    assert kind == "failure" and error is problem
    assert describe_failure(error) == "'a.pdf' is encrypted: enter its password to open it"


def test_tasks_os_error_names_the_file_and_the_problem(qtbot, outcomes, tmp_path):
    missing = tmp_path / "gone" / "notes.txt"
    task = BackgroundTask(lambda _task: missing.read_text(), **outcomes.callbacks()).start()
    wait_done(qtbot, task)
    [(kind, error)] = outcomes.ends()
    assert kind == "failure" and isinstance(error, FileNotFoundError)
    assert error.errno == errno.ENOENT  # kept as raised: callers may tell disk-full apart
    assert describe_failure(error) == "Cannot read or write 'notes.txt': No such file or directory"
    assert describe_failure(OSError(errno.ENOSPC, "No space left on device")) == (
        "Cannot read or write a file: No space left on device"
    )


def test_tasks_unexpected_exception_is_one_line_and_logged(qtbot, outcomes, caplog):
    def work(_task: TaskContext) -> None:
        {}["missing key"]

    caplog.set_level(logging.ERROR, logger="annotator.ui.tasks")
    task = BackgroundTask(work, what="counting labels", **outcomes.callbacks()).start()
    wait_done(qtbot, task)
    [(kind, error)] = outcomes.ends()
    assert kind == "failure" and isinstance(error, UnexpectedFailure)
    assert isinstance(error.__cause__, KeyError)
    message = describe_failure(error)
    assert message == (
        "An unexpected error stopped counting labels: KeyError: 'missing key'. "
        "The details are in the log."
    )
    assert "\n" not in message
    [record] = [r for r in caplog.records if r.name == "annotator.ui.tasks"]
    assert "counting labels" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is KeyError  # the traceback


def test_tasks_cancel_is_its_own_outcome_not_a_failure(qtbot, outcomes):
    started = threading.Event()

    def work(task: TaskContext) -> str:
        started.set()
        while True:
            task.raise_if_cancelled()
            QThread.msleep(5)

    task = BackgroundTask(work, what="computing agreement", **outcomes.callbacks()).start()
    assert started.wait(10)
    task.cancel()
    assert task.cancel_requested
    wait_done(qtbot, task)
    assert outcomes.ends() == [("cancelled", None)]


def test_tasks_work_raising_cancelled_ends_as_cancelled(qtbot, outcomes):
    def work(_task: TaskContext) -> None:
        raise Cancelled("the export")

    task = BackgroundTask(work, **outcomes.callbacks()).start()
    wait_done(qtbot, task)
    assert outcomes.ends() == [("cancelled", None)]


def test_tasks_result_after_cancel_is_cancelled_unless_kept(qtbot):
    for keep, expected in ((False, "cancelled"), (True, "success")):
        gate = threading.Event()
        ends: list[str] = []

        def work(_task: TaskContext, gate: threading.Event = gate) -> str:
            gate.wait(10)
            return "written"  # the work never looked at the flag

        task = BackgroundTask(
            work,
            keep_late_result=keep,
            on_success=lambda _result, ends=ends: ends.append("success"),
            on_cancelled=lambda ends=ends: ends.append("cancelled"),
        ).start()
        task.cancel()
        gate.set()
        wait_done(qtbot, task)
        assert ends == [expected]


def test_tasks_progress_and_notes_arrive_in_order_on_the_gui_thread(qtbot, outcomes):
    def work(task: TaskContext) -> str:
        for done in range(1, 4):
            task.tell(f"page {done}")
            task.report(done, 3)
        return "all read"

    task = BackgroundTask(work, **outcomes.callbacks()).start()
    wait_done(qtbot, task)
    assert outcomes.calls == [
        ("note", "page 1"),
        ("progress", (1, 3)),
        ("note", "page 2"),
        ("progress", (2, 3)),
        ("note", "page 3"),
        ("progress", (3, 3)),
        ("success", "all read"),
    ]
    assert outcomes.threads == {True}


def test_tasks_no_progress_after_cancel(qtbot, outcomes):
    gate = threading.Event()

    def work(task: TaskContext) -> None:
        gate.wait(10)
        task.report(1, 2)
        task.tell("late")
        task.raise_if_cancelled()

    task = BackgroundTask(work, **outcomes.callbacks()).start()
    task.cancel()
    gate.set()
    wait_done(qtbot, task)
    assert outcomes.calls == [("cancelled", None)]


def test_tasks_no_callback_after_the_parent_is_deleted(qtbot, outcomes):
    parent = QObject()
    gate = threading.Event()
    asked_to_stop = threading.Event()

    def work(task: TaskContext) -> str:
        gate.wait(10)
        task.report(1, 2)  # nobody is there: the task asks the work to stop
        for _ in range(1000):
            if task.cancelled():
                asked_to_stop.set()
                break
            QThread.msleep(5)
        return "too late"

    task = BackgroundTask(work, parent=parent, **outcomes.callbacks()).start()
    before = BackgroundTask.pending()
    parent.deleteLater()
    qtbot.waitUntil(lambda: not _valid(parent), timeout=5000)
    gate.set()
    wait_done(qtbot, task)
    assert asked_to_stop.is_set()
    assert outcomes.calls == []
    assert BackgroundTask.pending() == before - 1  # not stuck as pending


def test_tasks_keep_themselves_alive_while_running(qtbot):
    seen: list[str] = []
    gate = threading.Event()

    def work(_task: TaskContext) -> str:
        gate.wait(10)
        return "kept"

    BackgroundTask(work, on_success=seen.append).start()  # no reference kept by the caller
    import gc

    gc.collect()
    gate.set()
    qtbot.waitUntil(lambda: seen == ["kept"], timeout=10000)


def test_tasks_run_once(qtbot):
    task = BackgroundTask(lambda _task: None).start()
    with pytest.raises(RuntimeError, match="runs only once"):
        task.start()
    wait_done(qtbot, task)


def test_tasks_failure_without_a_callback_is_logged_not_lost(qtbot, caplog):
    def work(_task: TaskContext) -> None:
        raise DocumentError("'b.txt' is empty")

    caplog.set_level(logging.WARNING, logger="annotator.ui.tasks")
    task = BackgroundTask(work, what="reading b.txt").start()
    wait_done(qtbot, task)
    assert any("'b.txt' is empty" in r.getMessage() for r in caplog.records)


def _valid(obj: QObject) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


# -- the PDF text extraction is one of these tasks ---------------------------------------------


def _pdf(path: Any, pages: int) -> Any:
    import pymupdf

    doc = pymupdf.open()
    for number in range(pages):
        doc.new_page().insert_text((72, 72), f"Page {number + 1} of the reading")
    doc.save(path)
    doc.close()
    return path


def test_tasks_pdf_text_reports_pages_then_the_extraction(qtbot, outcomes, tmp_path):
    from annotator.ui.pdf_render import read_pdf_text

    path = _pdf(tmp_path / "reading.pdf", pages=5)
    task = read_pdf_text(path, None)
    for name, callback in outcomes.callbacks().items():
        getattr(task, name)(callback)
    wait_done(qtbot, task.start())
    progress = [value for kind, value in outcomes.calls if kind == "progress"]
    assert progress[-1] == (5, 5)
    [(kind, result)] = outcomes.ends()
    assert kind == "success" and result.page_count == 5
    assert "Page 3 of the reading" in result.document.text


def test_tasks_pdf_text_cancelled_is_its_own_outcome(qtbot, outcomes, tmp_path):
    from annotator.ui.pdf_render import read_pdf_text

    path = _pdf(tmp_path / "long.pdf", pages=400)
    task = read_pdf_text(path, None)
    for name, callback in outcomes.callbacks().items():
        getattr(task, name)(callback)
    task.on_progress(lambda done, total: task.cancel())  # stop at the first report
    wait_done(qtbot, task.start())
    assert outcomes.ends() == [("cancelled", None)]


def test_tasks_whose_relay_went_with_the_application_end_quietly(qtbot, capfd):
    """At the application's end Qt deletes the object that carries a task's messages while
    the work may still run: its progress then stops the work, its end says nothing (it used
    to print 'Signal source has been deleted' with a traceback as the app closed)."""
    from PySide6.QtCore import QThreadPool
    from shiboken6 import Shiboken

    started, go_on = threading.Event(), threading.Event()
    reached: list[str] = []

    def work(task: TaskContext) -> None:
        started.set()
        go_on.wait(10)
        try:
            task.report(1, 2)
        except Cancelled:
            reached.append("stopped at its next report")
            raise

    task = BackgroundTask(work).start()
    assert started.wait(10)
    Shiboken.delete(task._relay)  # as the application's end does
    go_on.set()
    assert QThreadPool.globalInstance().waitForDone(10000)
    assert reached == ["stopped at its next report"]
    assert "Traceback" not in capfd.readouterr().err
