"""The window's suggestion processes on a corpus (issue 18): two processes share the
documents (both cores), store exactly what one process stores, and stopping them — Cancel,
close, or the window's process dying — leaves no process behind."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from annotator.core.model import AnnotationStatus
from annotator.nlp.chunks import processes_for
from annotator.project import Project
from annotator.suggest_process import SuggestionProcess
from annotator.suggesting.review import pending_suggestions
from annotator.suggesting.running import run_suggestions

pytestmark = pytest.mark.skipif(
    processes_for(2, 10**9) < 2, reason="one core: runs are never shared"
)


def corpus(project: Project, samples: Path, copies: int = 2) -> list[str]:
    """The sample readings ``copies`` times over, each copy a document of its own."""
    ids = []
    for n in range(copies):
        for path in sorted(samples.glob("*.txt")):
            text = f"Copy {n + 1}.\n\n" + path.read_text(encoding="utf-8")
            ids.append(project.add_text(f"{path.stem} {n + 1}", text)[0].id)
    return ids


def wait_for(
    process: SuggestionProcess,
    until: Callable[[list[tuple]], bool],
    messages: list[tuple] | None = None,
    timeout: float = 180.0,
) -> list[tuple]:
    """The process's messages (added to ``messages``) until ``until(messages)`` holds."""
    messages = [] if messages is None else messages
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages.extend(process.messages())
        if until(messages):
            return messages
        assert not (messages and messages[-1][0] == "failed"), messages[-1]
        time.sleep(0.02)
    raise AssertionError(f"waited {timeout} s in vain: {messages[-3:]}")


def ended(messages: list[tuple]) -> bool:
    return bool(messages) and messages[-1][0] in ("done", "failed")


def descendants() -> set[int]:
    """This process's child processes, all generations, except multiprocessing's resource
    tracker (one per program, not ours to stop)."""
    found = set()
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                continue
            if "resource_tracker" not in " ".join(child.cmdline()):
                found.add(child.pid)
        except psutil.NoSuchProcess:
            continue
    return found


def running(pid: int) -> bool:
    """Whether a process is still running (an ended orphan may linger as a zombie until its
    new parent reaps it)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def stored(path: Path) -> set[tuple[str, int, int, str | None]]:
    with Project(path) as project:
        return {
            (s.document_id, s.start, s.end, s.label)
            for d in project.document_headers()
            for s in pending_suggestions(project, d.id)
        }


@pytest.fixture
def process():
    p = SuggestionProcess()
    yield p
    p.close()


def test_a_corpus_run_is_shared_by_two_processes_and_stores_what_one_process_stores(
    project: Project, samples: Path, process: SuggestionProcess, tmp_path: Path
):
    ids = corpus(project, samples)
    total = sum(project.document_text_lengths(ids).values())
    assert processes_for(len(ids), total) == 2
    one = tmp_path / "one.annotator"
    with sqlite3.connect(project.path) as source, sqlite3.connect(one) as copy:
        source.backup(copy)  # the project as it is now, written-ahead log included
    run_suggestions(one, ids, annotator="me", processes=1)  # here, in this process

    process.start(
        str(project.path), ids, kind="entities", model=None, annotator="me",
        shown_document=ids[-1],
    )  # fmt: skip
    messages = wait_for(process, ended)
    assert messages[-1][0] == "done"
    assert ("sharing", messages[0][1], 2) in messages
    taken = process.documents_taken()
    assert sum(taken) == len(ids) and all(taken), taken  # both processes ran documents
    report = messages[-1][2]
    assert not report.cancelled and report.document_ids == ids  # in the order asked for
    progress = [m for m in messages if m[0] == "progress"]
    assert progress[-1][2] == progress[-1][3] == total
    assert [m[2] for m in progress] == sorted(m[2] for m in progress)  # never goes back
    # The shown document's suggestions come with its outcome, whichever process ran it.
    notes = {m[2].document_id: m[3] for m in messages if m[0] == "document"}
    assert [a.id for a in notes[ids[-1]]] == [a.id for a in pending_suggestions(project, ids[-1])]
    assert all(notes[i] is None for i in ids[:-1])
    found = stored(project.path)
    assert found == stored(one) and len(found) > 1000
    with Project(project.path) as again:
        assert all(
            a.status == AnnotationStatus.SUGGESTED
            for i in ids
            for a in pending_suggestions(again, i)
        )


def test_cancel_mid_run_stops_both_processes_work_and_close_leaves_no_process(
    project: Project, samples: Path, process: SuggestionProcess
):
    ids = corpus(project, samples)
    before = descendants()
    process.start(
        str(project.path), ids, kind="entities", model=None, annotator="me",
        shown_document=None,
    )  # fmt: skip
    messages: list[tuple] = []
    wait_for(process, lambda _m: all(process.documents_taken()), messages)  # both at work
    process.cancel()
    wait_for(process, ended, messages)
    report = messages[-1][2]
    assert report.cancelled and len([o for o in report.outcomes if o.complete]) < len(ids)
    # What is left are the two suggestion processes themselves, idle, with no workers of
    # their own (spaCy's n_process would have left grandchildren here).
    pids = set(process.pids())
    assert len(pids) == 2 and descendants() - before == pids
    assert all(not psutil.Process(pid).children(recursive=True) for pid in pids)
    finished = [o.document_id for o in report.outcomes if o.complete]
    assert all(pending_suggestions(project, i) for i in finished)

    process.close()
    assert descendants() - before == set()
    assert not any(running(pid) for pid in pids)


def test_closing_mid_run_stops_both_processes_and_keeps_the_project_whole(
    project: Project, samples: Path, process: SuggestionProcess
):
    ids = corpus(project, samples)
    before = descendants()
    process.start(
        str(project.path), ids, kind="entities", model=None, annotator="me",
        shown_document=None,
    )  # fmt: skip
    messages: list[tuple] = []
    wait_for(process, lambda _m: all(process.documents_taken()), messages)
    pids = set(process.pids())
    process.close(timeout=0.3)  # what quitting the window does
    assert descendants() - before == set()
    assert not any(running(pid) for pid in pids)
    with Project(project.path) as again:
        assert again.store.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The next run starts new processes and works.
    process.start(
        str(project.path), ids[:1], kind="entities", model=None, annotator="me",
        shown_document=None,
    )  # fmt: skip
    assert wait_for(process, ended)[-1][0] == "done"


KILLED_WINDOW = """
import os, sys, time
from annotator.suggest_process import SuggestionProcess

process = SuggestionProcess()
process.start(sys.argv[1], sys.argv[2:], kind="entities", model=None, annotator="me",
              shown_document=None)
while not all(process.documents_taken()):
    process.messages()
    time.sleep(0.02)
print(*process.pids(), flush=True)
os._exit(3)  # as if the window crashed: nothing stops the suggestion processes
"""


def test_the_suggestion_processes_end_when_the_window_process_dies(project: Project, samples: Path):
    ids = corpus(project, samples)
    result = subprocess.run(
        [sys.executable, "-c", KILLED_WINDOW, str(project.path), *ids],
        capture_output=True, text=True, timeout=300, cwd=Path(__file__).parent.parent,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    pids = [int(p) for p in result.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 60
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(running(pid) for pid in pids)
    with Project(project.path) as again:
        assert again.store.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
