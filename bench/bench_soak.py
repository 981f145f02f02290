"""Minutes of concurrent writers and checkpoints: does every acknowledged write survive?

The long form of ``tests/test_reliability_soak.py`` (issue 13). ``--processes`` spawned
processes each run ``--threads`` writer threads, every thread with its own :class:`Project`
(its own connection), adding, batch-adding, editing and deleting annotations through the
service; the parent's connection reads and runs ``wal_checkpoint(PASSIVE)`` and
``(TRUNCATE)`` in a loop. Each writer keeps what every call that returned wrote. At the end
the file must pass ``integrity_check``, hold every acknowledged annotation with its content
and its history entries, and nothing else. Printed: writes survived, checkpoints done, the
integrity result and write latencies.

``ratio``: the service's writes/s against raw SQL through the same SQLite module, with the
same concurrency, journal mode, ``synchronous=FULL`` and checkpointer, each write the same
two inserts (annotation and history row) in one ``BEGIN IMMEDIATE`` transaction; the two
alternate ``--runs`` times and medians are compared.

``stdlib-wal``: the same soak with raw SQL through the *standard library's* sqlite3 forced
into WAL mode (3.40.1 on Debian 12: the WAL-reset bug), tiny autocheckpoints and every
writer checkpointing too, to see whether the corruption shows on this machine. The store
itself never does this: with that library it uses a rollback journal
(``ANNOTATOR_SQLITE=stdlib`` runs the service soak that way).

    .venv/bin/python bench/bench_soak.py [--seconds 180] [--processes 4] [--threads 2]
        [--what soak,ratio] [--ratio-seconds 10] [--runs 3]
    .venv/bin/python bench/bench_soak.py --what stdlib-wal --seconds 180
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotator.core.errors import ProjectInUseError  # noqa: E402
from annotator.project import Project  # noqa: E402
from annotator.store.sqlite import JOURNAL_MODE, WAL_SAFE  # noqa: E402
from annotator.store.sqlite import sqlite3 as store_sqlite3  # noqa: E402

TEXT = "Some books are to be tasted, others to be swallowed, and some few to be chewed. " * 40
_COLUMNS = (
    "id, document, annotator, kind, start, end, quote, prefix, suffix, label, color, symbol, "
    "note, source, status, score, page, rect, created, modified"
)

#: An acknowledged annotation as its writer last saw it: start, end, note, deleted, actions.
Expected = dict[str, list[Any]]


def _module(name: str) -> ModuleType:
    """``store``: the module projects are opened with; ``stdlib``: the standard library's."""
    if name == "stdlib":
        import sqlite3

        return sqlite3
    return store_sqlite3


# -- writers ----------------------------------------------------------------------------


class _Tally:
    """What one writer did: acknowledged state, refusals, latencies by operation."""

    def __init__(self) -> None:
        self.expected: Expected = {}
        self.live: list[str] = []
        self.refused: list[str] = []
        self.calls = 0
        self.busy = 0
        self.latency: dict[str, list[float]] = {"add": [], "batch": [], "edit": [], "delete": []}

    def as_dict(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "refused": self.refused,
            "calls": self.calls,
            "busy": self.busy,
            "latency": self.latency,
        }


def _choose(rng: random.Random, tally: _Tally, mix: str) -> str:
    roll = rng.random()
    if mix == "insert":
        return "add"
    if roll < 0.15 and tally.live:
        return "edit"
    if roll < 0.25 and tally.live:
        return "delete"
    return "batch" if roll < 0.4 else "add"


def _service_writer(
    path: str, document_id: str, worker: str, seconds: float, mix: str, ready: Any, go: Any
) -> dict[str, Any]:
    """One writer through the service, as the window or a worker thread writes."""
    rng = random.Random(worker)
    tally = _Tally()
    with Project(path) as project:
        text = project.text_of(document_id)
        ready.release()
        go.wait()
        deadline = time.monotonic() + seconds
        n = 0
        while time.monotonic() < deadline:
            n += 1
            start = rng.randrange(len(text) - 30)
            end = start + rng.randint(1, 25)
            note = f"{worker} {n}"
            op = _choose(rng, tally, mix)
            tally.calls += 1
            began = time.perf_counter()
            try:
                if op == "edit":
                    target = rng.choice(tally.live)
                    project.update_annotation(target, note=note)
                    tally.expected[target][2] = note
                    tally.expected[target][4] += 1
                elif op == "delete":
                    target = tally.live.pop(rng.randrange(len(tally.live)))
                    project.delete_annotation(target)
                    tally.expected[target][3] = True
                    tally.expected[target][4] += 1
                elif op == "batch":
                    batch = [
                        project.build_annotation(
                            document_id, start + i, end + i, note=f"{note}.{i}", text=text
                        )
                        for i in range(5)
                    ]
                    try:
                        project.add_annotations(batch)
                    except ProjectInUseError:
                        tally.refused.extend(a.id for a in batch)
                        raise
                    for a in batch:
                        tally.expected[a.id] = [a.start, a.end, a.note, False, 1]
                        tally.live.append(a.id)
                else:
                    a = project.annotate(document_id, start, end, note=note)
                    tally.expected[a.id] = [start, end, note, False, 1]
                    tally.live.append(a.id)
            except ProjectInUseError:
                tally.busy += 1
                continue
            tally.latency[op].append(time.perf_counter() - began)
    return tally.as_dict()


def _raw_writer(
    path: str,
    document_id: str,
    worker: str,
    seconds: float,
    mix: str,
    ready: Any,
    go: Any,
    *,
    library: str,
    annotator_id: str,
    journal: str,
    autocheckpoint: int | None,
    checkpoint_every: int,
) -> dict[str, Any]:
    """One writer in plain SQL: the same rows and history entries the service writes."""
    sqlite3 = _module(library)
    rng = random.Random(worker)
    tally = _Tally()
    conn = sqlite3.connect(path, timeout=10.0, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.execute("PRAGMA synchronous = FULL")
    if autocheckpoint is not None:
        conn.execute(f"PRAGMA wal_autocheckpoint = {autocheckpoint}")
    marks = ", ".join("?" * 20)
    history = (
        "INSERT INTO history (at, actor, action, entity, entity_id, after) "
        "VALUES (?, 'me', ?, 'annotation', ?, ?)"
    )

    def row(start: int, end: int, note: str) -> tuple[Any, ...]:
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        return (
            str(uuid.uuid4()), document_id, annotator_id, "comment", start, end,
            TEXT[start:end], TEXT[max(0, start - 32) : start], TEXT[end : end + 32], None, None,
            None, note, "manual", "accepted", None, None, None, now, now,
        )  # fmt: skip

    def write(statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for sql, params in statements:
                conn.execute(sql, params)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    ready.release()
    go.wait()
    deadline = time.monotonic() + seconds
    n = 0
    try:
        while time.monotonic() < deadline:
            n += 1
            start = rng.randrange(len(TEXT) - 30)
            end = start + rng.randint(1, 25)
            note = f"{worker} {n}"
            op = _choose(rng, tally, mix)
            tally.calls += 1
            now = time.strftime("%Y-%m-%dT%H:%M:%S")
            began = time.perf_counter()
            try:
                if op == "edit":
                    target = rng.choice(tally.live)
                    write(
                        [
                            ("UPDATE annotations SET note = ?, modified = ? WHERE id = ?",
                             (note, now, target)),
                            (history, (now, "edit", target, json.dumps({"note": note}))),
                        ]
                    )  # fmt: skip
                    tally.expected[target][2] = note
                    tally.expected[target][4] += 1
                elif op == "delete":
                    target = tally.live.pop(rng.randrange(len(tally.live)))
                    write(
                        [
                            ("UPDATE annotations SET deleted = ? WHERE id = ?", (now, target)),
                            (history, (now, "delete", target, None)),
                        ]
                    )
                    tally.expected[target][3] = True
                    tally.expected[target][4] += 1
                else:
                    rows = [
                        row(start + i, end + i, f"{note}.{i}" if op == "batch" else note)
                        for i in range(5 if op == "batch" else 1)
                    ]
                    statements = []
                    for r in rows:
                        statements.append(
                            (f"INSERT INTO annotations ({_COLUMNS}) VALUES ({marks})", r)
                        )
                        statements.append(
                            (history, (now, "add", r[0], json.dumps({"note": r[12]})))
                        )
                    try:
                        write(statements)
                    except sqlite3.OperationalError:
                        tally.refused.extend(r[0] for r in rows)
                        raise
                    for r in rows:
                        tally.expected[r[0]] = [r[4], r[5], r[12], False, 1]
                        tally.live.append(r[0])
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
                tally.busy += 1
                continue
            tally.latency[op].append(time.perf_counter() - began)
            if checkpoint_every and n % checkpoint_every == 0:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        conn.close()
    return tally.as_dict()


def _process(kind: str, path: str, document_id: str, name: str, threads: int, seconds: float,
             mix: str, ready: Any, go: Any, out: str, raw: dict[str, Any]) -> None:  # fmt: skip
    """A spawned process: ``threads`` writers, their tallies to one JSON file."""
    results: list[Any] = [None] * threads

    def run(index: int) -> None:
        worker = f"{name}.{index}"
        try:
            if kind == "service":
                results[index] = _service_writer(path, document_id, worker, seconds, mix, ready, go)
            else:
                results[index] = _raw_writer(
                    path, document_id, worker, seconds, mix, ready, go, **raw
                )
        except BaseException as error:
            results[index] = {"error": f"{type(error).__name__}: {error}"}
            ready.release()  # never leave the parent waiting for a writer that died

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    Path(out).write_text(json.dumps(results), encoding="utf-8")


# -- the checkpointer and one soak ------------------------------------------------------


def _checkpoint_loop(
    sqlite3: ModuleType, path: Path, stop: threading.Event, counts: dict[str, Any]
) -> None:
    """The other connection: a read, then a PASSIVE or TRUNCATE checkpoint, in a loop."""
    conn = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 200")
        turn = 0
        while not stop.is_set():
            try:
                conn.execute("SELECT count(*), max(modified) FROM annotations").fetchone()
                counts["reads"] += 1
            except sqlite3.OperationalError:
                counts["reads_busy"] += 1
            except sqlite3.DatabaseError as error:  # corruption seen by a reader
                counts["errors"].append(f"read: {error}")
            mode = "TRUNCATE" if turn % 3 == 2 else "PASSIVE"
            turn += 1
            try:
                blocked, _, _ = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
            except sqlite3.OperationalError:
                blocked = 1
            except sqlite3.DatabaseError as error:
                counts["errors"].append(f"checkpoint: {error}")
                blocked = 1
            counts["busy" if blocked else mode.lower()] += 1
            time.sleep(0.002)
    finally:
        conn.close()


def _new_project(folder: Path) -> tuple[Path, str, str]:
    path = folder / "soak.annotator"
    with Project(path) as project:
        document, _ = project.add_text("A reading", TEXT)
        seed = project.annotate(document.id, 0, 4)
    return path, document.id, seed.annotator_id


def soak(
    folder: Path,
    *,
    kind: str,
    seconds: float,
    processes: int,
    threads: int,
    mix: str,
    library: str = "store",
    autocheckpoint: int | None = None,
    checkpoint_every: int = 0,
    verify: bool = True,
) -> dict[str, Any]:
    """One soak in a fresh project: writers in processes and threads, the checkpointer here."""
    path, document_id, annotator_id = _new_project(folder)
    journal = "wal" if library == "stdlib" else JOURNAL_MODE
    raw = {
        "library": library,
        "annotator_id": annotator_id,
        "journal": journal,
        "autocheckpoint": autocheckpoint,
        "checkpoint_every": checkpoint_every,
    }
    context = multiprocessing.get_context("spawn")
    ready, go = context.Semaphore(0), context.Event()
    outs = [folder / f"process-{i}.json" for i in range(processes)]
    pool = [
        context.Process(
            target=_process,
            args=(
                kind,
                str(path),
                document_id,
                f"p{i}",
                threads,
                seconds,
                mix,
                ready,
                go,
                str(out),
                raw,
            ),
        )
        for i, out in enumerate(outs)
    ]
    for process in pool:
        process.start()
    for _ in range(processes * threads):
        if not ready.acquire(timeout=120):
            raise RuntimeError("a writer did not start")
    stop = threading.Event()
    counts: dict[str, Any] = dict.fromkeys(
        ("reads", "reads_busy", "passive", "truncate", "busy"), 0
    )
    counts["errors"] = []
    sqlite3 = _module(library)
    checkpointer = threading.Thread(target=_checkpoint_loop, args=(sqlite3, path, stop, counts))
    checkpointer.start()
    began = time.monotonic()
    go.set()
    for process in pool:
        process.join()
    elapsed = time.monotonic() - began
    stop.set()
    checkpointer.join()
    tallies = [t for out in outs for t in json.loads(out.read_text(encoding="utf-8"))]
    errors = [t["error"] for t in tallies if "error" in t] + counts.pop("errors")
    tallies = [t for t in tallies if "error" not in t]
    result: dict[str, Any] = {
        "seconds": seconds,  # every writer wrote for exactly this long after ``go``
        "elapsed": elapsed,
        "calls": sum(t["calls"] for t in tallies),
        "busy": sum(t["busy"] for t in tallies),
        "acknowledged_calls": sum(len(v) for t in tallies for v in t["latency"].values()),
        "latency": {
            op: [x for t in tallies for x in t["latency"][op]]
            for op in ("add", "batch", "edit", "delete")
        },
        "checkpoints": counts,
        "errors": errors,
    }
    if verify:
        result.update(_verify(path, tallies, library))
    return result


def _verify(path: Path, tallies: list[dict[str, Any]], library: str) -> dict[str, Any]:
    """Integrity (with the library that wrote, and the store's), then every acknowledged write."""
    integrity = {}
    for name in dict.fromkeys((library, "store")):
        conn = _module(name).connect(path)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
            integrity[_module(name).sqlite_version] = "; ".join(str(r[0]) for r in rows[:5])
        except Exception as error:
            integrity[_module(name).sqlite_version] = f"{type(error).__name__}: {error}"
        finally:
            conn.close()
    expected: Expected = {}
    for tally in tallies:
        expected.update(tally["expected"])
    refused = {i for tally in tallies for i in tally["refused"]}
    try:
        conn = store_sqlite3.connect(path)
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
        conn.close()
    except Exception as error:
        return {"integrity": integrity, "acknowledged": len(expected), "read_error": str(error)}
    missing = [i for i in expected if i not in rows]
    wrong = [
        i
        for i, (start, end, note, deleted, actions) in expected.items()
        if i in rows
        and (
            rows[i] != (start, end, TEXT[start:end], note, int(deleted))
            or history.get(i) != actions
        )
    ]
    return {
        "integrity": integrity,
        "acknowledged": len(expected),
        "missing": len(missing),
        "wrong": len(wrong),
        "refused_present": len(refused & rows.keys()),
        "unacknowledged_present": len(rows) - 1 - (len(expected) - len(missing)),
    }


# -- reports ----------------------------------------------------------------------------


def _ms(values: list[float], q: float) -> str:
    if not values:
        return "    -"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:6.1f}"


def _report(title: str, r: dict[str, Any]) -> bool:
    c = r["checkpoints"]
    survived = r["acknowledged"] - r.get("missing", r["acknowledged"]) - r.get("wrong", 0)
    ok = (
        all(v == "ok" for v in r["integrity"].values())
        and not r.get("missing")
        and not r.get("wrong")
        and not r.get("refused_present")
        and not r.get("unacknowledged_present")
        and "read_error" not in r
        and not r["errors"]
    )
    print(f"== {title}")
    print(
        f"  {r['seconds']:.0f} s of writing ({r['elapsed']:.1f} s until every writer was done), "
        f"{r['calls']} write calls, {r['acknowledged_calls']} acknowledged "
        f"({r['acknowledged_calls'] / r['seconds']:.0f}/s), {r['busy']} refused as busy"
    )
    print(
        f"  acknowledged annotations: {r['acknowledged']}, survived with content and history: "
        f"{survived}, missing: {r.get('missing', '?')}, wrong: {r.get('wrong', '?')}, "
        f"unacknowledged present: {r.get('unacknowledged_present', '?')}"
    )
    print(
        f"  checkpoints: {c['passive']} passive + {c['truncate']} truncate done, {c['busy']} busy; "
        f"reads: {c['reads']} ({c['reads_busy']} busy)"
    )
    print(f"  integrity_check: {r['integrity']}")
    for error in r["errors"][:5]:
        print(f"  ERROR {error}")
    print("  latency ms     n  median    p95    p99    max")
    for op, values in r["latency"].items():
        if values:
            print(
                f"  {op:8s} {len(values):7d}  {_ms(values, 0.5)} {_ms(values, 0.95)} "
                f"{_ms(values, 0.99)} {max(values) * 1000:6.1f}"
            )
    print(f"  {'PASS' if ok else 'FAIL'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2, help="writer threads per process")
    parser.add_argument("--what", default="soak,ratio", help="soak, ratio, stdlib-wal")
    parser.add_argument("--ratio-seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    what = set(args.what.split(","))
    shape = dict(processes=args.processes, threads=args.threads)
    print(
        f"SQLite {store_sqlite3.sqlite_version} via {store_sqlite3.__name__} "
        f"(journal_mode={JOURNAL_MODE}, WAL-reset fix: {WAL_SAFE}); "
        f"{args.processes} processes x {args.threads} writer threads"
    )
    ok = True
    if "soak" in what:
        with tempfile.TemporaryDirectory() as folder:
            result = soak(Path(folder), kind="service", seconds=args.seconds, mix="soak", **shape)
        ok &= _report(f"service soak ({JOURNAL_MODE})", result)
    if "stdlib-wal" in what:
        import sqlite3

        with tempfile.TemporaryDirectory() as folder:
            result = soak(
                Path(folder), kind="raw", seconds=args.seconds, mix="soak", library="stdlib",
                autocheckpoint=4, checkpoint_every=3, **shape,
            )  # fmt: skip
        ok &= _report(f"raw SQL, stdlib SQLite {sqlite3.sqlite_version} forced into WAL", result)
    if "ratio" in what and args.runs > 0:
        rates: dict[str, list[float]] = {"service": [], "raw": []}
        medians: dict[str, list[float]] = {"service": [], "raw": []}
        for run in range(args.runs):
            order = ("service", "raw") if run % 2 == 0 else ("raw", "service")
            for kind in order:
                with tempfile.TemporaryDirectory() as folder:
                    r = soak(
                        Path(folder), kind=kind, seconds=args.ratio_seconds, mix="insert",
                        verify=False, **shape,
                    )  # fmt: skip
                rates[kind].append(r["acknowledged_calls"] / r["seconds"])
                medians[kind].append(statistics.median(r["latency"]["add"]))
        ours, base = statistics.median(rates["service"]), statistics.median(rates["raw"])
        print(
            f"== single-annotation writes, {args.processes * args.threads} writers at once, "
            f"checkpointer running, median of {args.runs} x {args.ratio_seconds:.0f} s"
        )
        print(
            f"  service {ours:7.1f} writes/s (median latency "
            f"{statistics.median(medians['service']) * 1000:.1f} ms)   "
            f"raw {store_sqlite3.__name__} {base:7.1f} writes/s "
            f"({statistics.median(medians['raw']) * 1000:.1f} ms)   "
            f"time per write ratio {base / ours:4.2f}x"
        )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
