"""Many writers at once, with checkpoints in between: nothing acknowledged is lost or damaged.

SQLite 3.7.0 to 3.51.2 can corrupt a write-ahead-log database when connections write and
checkpoint at the same instant (the WAL-reset bug), and Annotator has that shape: the
window, worker threads, the suggestion process and the command line may all write to one
project. This soak runs writers in two spawned processes and two threads, each through its
own :class:`Project`, adding, batch-adding, editing and deleting annotations, while another
connection reads and runs ``wal_checkpoint(PASSIVE)`` and ``(TRUNCATE)`` in a loop. Every
writer keeps what each call that returned has written. Afterwards ``integrity_check`` must be
``ok``, every acknowledged annotation must be there with its content and its history, and no
refused write may have left anything behind. ``bench/bench_soak.py`` runs the same for minutes.

``ANNOTATOR_SQLITE=stdlib`` runs it on the standard library's SQLite (the rollback-journal
fallback when that library has the bug).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

from annotator.core.errors import ProjectInUseError
from annotator.project import Project
from annotator.store.sqlite import (
    JOURNAL_MODE,
    SQLITE_MODULE,
    WAL_SAFE,
    sqlite3,
    wal_reset_fixed,
)

#: Seconds every writer writes for, once all of them are ready.
SECONDS = 3.0
PROCESSES = 2
THREADS = 2
TEXT = "Some books are to be tasted, others to be swallowed, and some few to be chewed. " * 40

#: An annotation as its writer last saw it acknowledged: start, end, note, deleted, actions.
Expected = dict[str, list[Any]]


def _write(path: str, document_id: str, worker: str, seconds: float, ready: Any, go: Any) -> dict:
    """One writer: a mix of the service's writes until ``seconds`` after ``go``.

    Returns what was acknowledged (``expected``), the ids of refused batches (``refused``,
    which must be absent), how many calls were refused as busy, and the library it used."""
    rng = random.Random(worker)
    expected: Expected = {}
    live: list[str] = []
    refused: list[str] = []
    calls = busy = 0
    with Project(path) as project:
        conn = project.store.db.conn
        library = conn.execute("SELECT sqlite_version()").fetchone()[0]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        text = project.text_of(document_id)
        ready.release()
        if not go.wait(60):
            raise TimeoutError("the soak never started")
        deadline = time.monotonic() + seconds
        n = 0
        while time.monotonic() < deadline:
            n += 1
            start = rng.randrange(len(text) - 30)
            end = start + rng.randint(1, 25)
            note = f"{worker} {n}"
            roll = rng.random()
            calls += 1
            try:
                if roll < 0.15 and live:
                    target = rng.choice(live)
                    project.update_annotation(target, note=note)
                    expected[target][2] = note
                    expected[target][4] += 1
                elif roll < 0.25 and live:
                    target = live.pop(rng.randrange(len(live)))
                    project.delete_annotation(target)
                    expected[target][3] = True
                    expected[target][4] += 1
                elif roll < 0.4:
                    batch = [
                        project.build_annotation(
                            document_id, start + i, end + i, note=f"{note}.{i}", text=text
                        )
                        for i in range(5)
                    ]
                    try:
                        project.add_annotations(batch)
                    except ProjectInUseError:
                        refused.extend(a.id for a in batch)
                        raise
                    for a in batch:
                        expected[a.id] = [a.start, a.end, a.note, False, 1]
                        live.append(a.id)
                else:
                    a = project.annotate(document_id, start, end, note=note)
                    expected[a.id] = [start, end, note, False, 1]
                    live.append(a.id)
            except ProjectInUseError:
                busy += 1  # nothing was written: the expected state stays as it was
    return {
        "expected": expected,
        "refused": refused,
        "calls": calls,
        "busy": busy,
        "library": library,
        "mode": mode,
    }


def _process_writer(
    path: str, document_id: str, worker: str, seconds: float, ready: Any, go: Any, out: str
) -> None:
    """A spawned process's writer: its outcome goes to a JSON file the test reads."""
    outcome = _write(path, document_id, worker, seconds, ready, go)
    Path(out).write_text(json.dumps(outcome), encoding="utf-8")


def _checkpoint_loop(path: Path, stop: threading.Event, counts: dict[str, int]) -> None:
    """Another connection: reads, then a PASSIVE or TRUNCATE checkpoint, again and again."""
    conn = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 200")  # short: a TRUNCATE must not starve writers
        turn = 0
        while not stop.is_set():
            try:
                conn.execute("SELECT count(*), max(modified) FROM annotations").fetchone()
                counts["reads"] += 1
            except sqlite3.OperationalError:  # a rollback journal's writer excludes readers
                counts["reads_busy"] += 1
            mode = "TRUNCATE" if turn % 3 == 2 else "PASSIVE"
            turn += 1
            try:
                blocked, _, _ = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
            except sqlite3.OperationalError:
                blocked = 1
            counts["busy" if blocked else mode.lower()] += 1
            time.sleep(0.002)
    finally:
        conn.close()


def _in_thread(target: Any, *args: Any) -> tuple[threading.Thread, list[Any]]:
    """Run ``target`` on a thread; its result or exception lands in the returned list."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append(target(*args))
        except BaseException as error:  # reported by the test, never lost
            box.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def test_concurrent_writers_and_checkpoints_keep_every_acknowledged_write(
    tmp_path: Path, record_property
):
    path = tmp_path / "soak.annotator"
    with Project(path) as project:
        document, _ = project.add_text("A reading", TEXT)
        project.annotate(document.id, 0, 4)  # the annotator exists before the writers start
    context = multiprocessing.get_context("spawn")
    ready, go = context.Semaphore(0), context.Event()
    outs = [tmp_path / f"process-{i}.json" for i in range(PROCESSES)]
    processes = [
        context.Process(
            target=_process_writer,
            args=(str(path), document.id, f"p{i}", SECONDS, ready, go, str(out)),
            daemon=True,
        )
        for i, out in enumerate(outs)
    ]
    for process in processes:
        process.start()
    threads = [
        _in_thread(_write, str(path), document.id, f"t{i}", SECONDS, ready, go)
        for i in range(THREADS)
    ]
    for _ in range(PROCESSES + THREADS):
        assert ready.acquire(timeout=60), "a writer did not open the project"
    stop = threading.Event()
    counts = dict.fromkeys(("reads", "reads_busy", "passive", "truncate", "busy"), 0)
    checkpointer, checkpoint_box = _in_thread(_checkpoint_loop, path, stop, counts)
    began = time.monotonic()
    go.set()
    for process in processes:
        process.join(SECONDS + 60)
        assert process.exitcode == 0, f"a writer process failed (exit code {process.exitcode})"
    for thread, _ in threads:
        thread.join(SECONDS + 60)
    stop.set()
    checkpointer.join(30)
    elapsed = time.monotonic() - began

    outcomes = [json.loads(out.read_text(encoding="utf-8")) for out in outs]
    for _, box in (*threads, (checkpointer, checkpoint_box)):
        if box and isinstance(box[0], BaseException):
            raise box[0]
    outcomes += [box[0] for _, box in threads]

    # Every writer, in every process, used the library that is safe with its journal mode.
    conn = sqlite3.connect(path)
    try:
        assert {(o["library"], o["mode"]) for o in outcomes} == {
            (sqlite3.sqlite_version, JOURNAL_MODE)
        }
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT id, start, end, quote, note, deleted IS NOT NULL FROM annotations"
            )
        }
        history = dict(
            conn.execute(
                "SELECT entity_id, count(*) FROM history WHERE entity = 'annotation' "
                "GROUP BY entity_id"
            ).fetchall()
        )
    finally:
        conn.close()

    expected: Expected = {}
    for outcome in outcomes:
        expected.update(outcome["expected"])
    lost = [i for i in expected if i not in rows]
    assert not lost, f"{len(lost)} of {len(expected)} acknowledged annotations are missing"
    for annotation_id, (start, end, note, deleted, actions) in expected.items():
        assert rows[annotation_id] == (start, end, TEXT[start:end], note, int(deleted))
        assert history[annotation_id] == actions, "an action lost its history entry"
    refused = {i for outcome in outcomes for i in outcome["refused"]}
    assert not refused & rows.keys(), "a refused batch left annotations behind"
    assert len(rows) == len(expected) + 1, "the file holds writes nobody acknowledged"

    calls = sum(o["calls"] for o in outcomes)
    busy = sum(o["busy"] for o in outcomes)
    checkpoints = counts["passive"] + counts["truncate"]
    record_property("acknowledged_annotations", len(expected))
    record_property("checkpoints", checkpoints)
    print(
        f"\nsoak: {PROCESSES} processes + {THREADS} threads, {calls} calls in {elapsed:.1f} s, "
        f"{len(expected)} acknowledged annotations all present, {busy} refused as busy, "
        f"{counts['passive']} passive + {counts['truncate']} truncate checkpoints "
        f"({counts['busy']} busy), {counts['reads']} reads ({counts['reads_busy']} busy); "
        f"SQLite {sqlite3.sqlite_version}"
    )
    assert calls >= 5 * (PROCESSES + THREADS), "the writers hardly wrote"
    assert busy <= max(1, calls // 100), f"{busy} of {calls} writes were refused as busy"
    if JOURNAL_MODE == "wal":  # readers never wait for writers in WAL mode
        assert checkpoints >= 10 and counts["reads_busy"] == 0


def test_projects_use_wal_only_with_a_library_that_has_the_wal_reset_fix(tmp_path: Path):
    path = tmp_path / "mode.annotator"
    with Project(path) as project:
        conn = project.store.db.conn
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        library = tuple(
            int(p) for p in conn.execute("SELECT sqlite_version()").fetchone()[0].split(".")
        )
    header = path.read_bytes()[18:20]  # file format write/read versions: 2 = WAL, 1 = legacy
    assert wal_reset_fixed(library) == WAL_SAFE  # type: ignore[arg-type]
    if WAL_SAFE:
        assert (mode, header) == ("wal", b"\x02\x02")
    else:
        assert (mode, header) == ("delete", b"\x01\x01")
    if os.environ.get("ANNOTATOR_SQLITE", "").lower() != "stdlib" and _pysqlite3_installed():
        # Where the bundled library is available it is the one used, and it is fixed.
        assert SQLITE_MODULE == "pysqlite3"
        assert library >= (3, 51, 3) and mode == "wal"


def _pysqlite3_installed() -> bool:
    try:
        import pysqlite3  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return False
    return True
