"""Longest stall of the "GUI" thread while suggestions run in a worker thread — without Qt.

The window stays responsive only if its thread gets the interpreter often enough: spaCy's
Cython code and SQLite calls can hold the GIL, and a project write from the window waits
while the worker holds the write lock. This harness stands in for the event loop with a
plain loop on the main thread that wakes every ``--tick`` ms and, every ``--io-every`` ms,
does what the window does while a run is going on (reads the pending suggestions of a
document, adds and deletes an annotation). The longest gap between two wake-ups is the
longest stall an event loop would have seen; it is measured with and without the worker.

The worker does exactly what the GUI worker will do: ``run_suggestions(project_path, ...)``
on its own connection, with progress and cancel callbacks. The long document is the sample
readings joined (``--repeat`` times).

    .venv/bin/python bench/bench_suggest_stall.py [--kind entities] [--repeat 2]

Target (issue 5): longest stall <= 100 ms. The Qt version of this measurement (a QTimer
in a real event loop, with the suggestion worker) belongs with the GUI work.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotator.nlp.models import default_model_name, load_pipeline  # noqa: E402
from annotator.nlp.sentiment import sentiment_pipeline  # noqa: E402
from annotator.project import Project  # noqa: E402
from annotator.suggesting.review import pending_suggestions  # noqa: E402
from annotator.suggesting.running import run_suggestions  # noqa: E402

SAMPLES = REPO.parent / "shared" / "samples"
TARGET_MS = 100.0


def heartbeat(
    project: Project, document_id: str, stop: threading.Event, tick: float, io_every: float
) -> tuple[list[float], list[float]]:
    """Gaps between wake-ups and durations of the window's project work, in seconds."""
    gaps: list[float] = []
    io: list[float] = []
    last = time.perf_counter()
    next_io = last + io_every
    while not stop.is_set():
        time.sleep(tick)
        now = time.perf_counter()
        if now >= next_io:
            pending_suggestions(project, document_id)
            added = project.annotate(document_id, 0, 5, note="typing while it runs")
            project.delete_annotation(added.id)
            io.append(time.perf_counter() - now)
            next_io = time.perf_counter() + io_every
        now = time.perf_counter()
        gaps.append(now - last - tick)
        last = now
    return gaps, io


def describe(name: str, gaps: list[float], io: list[float]) -> float:
    worst = max(gaps) * 1000
    p99 = statistics.quantiles(gaps, n=100)[98] * 1000 if len(gaps) > 100 else worst
    io_worst = max(io) * 1000 if io else 0.0
    print(
        f"{name:<22} longest stall {worst:7.1f} ms   p99 {p99:6.1f} ms   "
        f"window read+write worst {io_worst:6.1f} ms ({len(io)} times)"
    )
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("entities", "sentiment"), default="entities")
    parser.add_argument("--model", default=None)
    parser.add_argument("--repeat", type=int, default=2, help="copies of the joined samples")
    parser.add_argument("--tick", type=float, default=5.0, help="ms between wake-ups")
    parser.add_argument("--io-every", type=float, default=200.0, help="ms between writes")
    parser.add_argument("--samples", type=Path, default=SAMPLES)
    parser.add_argument(
        "--cold", action="store_true", help="load the model inside the timed run (first run)"
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=None,
        help="ms; sys.setswitchinterval for the run (Python's default is 5 ms)",
    )
    args = parser.parse_args()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval / 1000)

    paths = sorted(args.samples.glob("*.txt"))
    if not paths:
        print(f"no sample readings in {args.samples}", file=sys.stderr)
        return 2
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in paths) * args.repeat
    model = args.model or default_model_name()
    if not args.cold:  # what every run after the first sees: the pipeline is loaded
        if args.kind == "entities":
            load_pipeline(model, purpose="entities")
        else:
            sentiment_pipeline(model)
    tick, io_every = args.tick / 1000, args.io_every / 1000

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stall.annotator"
        with Project(path) as project:
            document, _ = project.add_text("long reading", text)
            other, _ = project.add_text("the one being read", text[:20_000])
            print(
                f"one document of {len(text):,} characters, kind {args.kind}, model {model}, "
                f"switch interval {sys.getswitchinterval() * 1000:g} ms, "
                f"{'model loaded inside the run' if args.cold else 'model loaded beforehand'}"
            )

            stop = threading.Event()
            timer = threading.Timer(2.0, stop.set)
            timer.start()
            idle = describe("idle", *heartbeat(project, other.id, stop, tick, io_every))

            stop.clear()
            result: dict[str, object] = {}
            progress_calls: list[float] = []

            def work() -> None:
                try:
                    result["report"] = run_suggestions(
                        path, [document.id], kind=args.kind, model=model,
                        progress=lambda done, total: progress_calls.append(time.perf_counter()),
                        cancel=lambda: False,
                    )  # fmt: skip
                except BaseException as error:  # reported below, never swallowed
                    result["error"] = error
                finally:
                    stop.set()

            worker = threading.Thread(target=work, name="suggest-worker")
            started = time.perf_counter()
            worker.start()
            busy = describe("while suggesting", *heartbeat(project, other.id, stop, tick, io_every))
            worker.join()
            if "error" in result:
                raise result["error"]  # type: ignore[misc]
            seconds = time.perf_counter() - started
            report = result["report"]
            gaps = [b - a for a, b in itertools.pairwise(progress_calls)]
            print(
                f"run took {seconds:.1f} s: {report.summary()}\n"  # type: ignore[attr-defined]
                f"progress reports: {len(progress_calls)}, longest gap "
                f"{max(gaps, default=0.0):.2f} s (how late a cancel can be noticed)"
            )
    verdict = "OK" if busy <= TARGET_MS else "OVER"
    print(f"longest stall {busy:.1f} ms (idle {idle:.1f} ms), target <= {TARGET_MS} ms: {verdict}")
    return 0 if busy <= TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
