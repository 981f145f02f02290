"""Longest event-loop stall of the real window while it suggests on a long document.

A QTimer ticks every 10 ms on the GUI thread while ``SuggestionsController`` runs the model
in the suggestion process (annotator.suggest_process: own interpreter and project
connection; progress and per-document results come back as messages); the longest
gap between two ticks is the longest the window was unresponsive. Measured from the click
until the run's results are shown (model loading included), and again with the model
already loaded (a second run). A first run happens once per process, so the whole
measurement is repeated in ``--runs`` fresh processes and the medians and worst cases are
reported. The interpreter is set up as the app sets it up (``share_interpreter_with_workers``).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_suggest_gui.py [--runs 5] [--repeat 3]

Target (issue 5): longest stall <= 100 ms.

``--corpus N`` measures instead the window's run over a corpus (issue 18: both cores): the
sample readings N times over as separate documents, *Suggest Entities in All Documents* in
the real window (two suggestion processes share the documents), against single-process raw
``nlp.pipe`` over the very same chunks with the same pipeline and batch size, in this
process, interleaved (``--times`` each; medians and their ratio). The window's first run
(processes start, models load) is reported on its own; later runs start from no pending
suggestions, so each stores the same. It also times how long stopping takes to leave no
process behind: Cancel (until the run has ended; the two processes stay, idle, with no
worker of their own) and quitting (closing the window, until no suggestion process is left).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_suggest_gui.py --corpus 4 [--times 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SAMPLES = REPO.parent / "shared" / "samples"
TARGET_MS = 100.0


def long_text(repeat: int) -> str:
    parts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(SAMPLES.glob("*.txt"))]
    if not parts:
        from annotator.resources import sample_reading_path

        parts = [sample_reading_path().read_text(encoding="utf-8")]
    return "\n\n".join(parts * repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=int, default=0, help="copies of the sample readings")
    parser.add_argument("--times", type=int, default=3, help="timed runs of each, --corpus")
    parser.add_argument(
        "--processes", type=int, default=2, help="--corpus: 1 = the window before issue 18"
    )
    args = parser.parse_args()
    if args.corpus:
        measure_corpus(args.corpus, args.times, args.processes)
        return
    if args.child:
        print(json.dumps(measure_one_process(args.repeat)))
        return
    cold: list[float] = []
    warm: list[float] = []
    for run in range(args.runs):
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--repeat", str(args.repeat)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        result = json.loads(out.strip().splitlines()[-1])
        cold.append(result["cold"])
        warm.append(result["warm"])
        print(f"run {run + 1}: {result['summary']}")
    worst = max(cold + warm)
    print(
        f"longest stall, first run of a session: median {statistics.median(cold):.0f} ms, "
        f"worst {max(cold):.0f} ms; with the model loaded: median "
        f"{statistics.median(warm):.0f} ms, worst {max(warm):.0f} ms "
        f"(target <= {TARGET_MS:.0f} ms): {'OK' if worst <= TARGET_MS else 'OVER TARGET'}"
    )


def measure_one_process(repeat: int) -> dict[str, object]:
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    tmp = Path(tempfile.mkdtemp())
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp))
    from annotator.app import share_interpreter_with_workers

    share_interpreter_with_workers()
    app = QApplication(sys.argv[:1])

    from annotator.project import Project
    from annotator.ui.main_window import MainWindow
    from annotator.ui.preferences import Preferences

    text = long_text(repeat)
    project = Project(tmp / "bench.annotator")
    document, _ = project.add_text("Long reading", text)
    window = MainWindow(project, Preferences(tmp / "settings.ini"))
    window.resize(1200, 800)
    window.show()
    window.open_document(document.id)

    lines: list[str] = []

    def measure(label: str) -> float:
        timer, gaps = heartbeat()
        started = time.perf_counter()
        window.suggestions.run("entities")
        loop = QEventLoop()
        while window.suggestions.task is not None:
            QTimer.singleShot(20, loop.quit)
            loop.exec()
        timer.stop()
        seconds = time.perf_counter() - started
        longest = max(gaps) if gaps else 0.0
        over = sum(1 for g in gaps if g > TARGET_MS)
        report = window.suggestions.last_report
        lines.append(
            f"{label}: {len(text):,} chars, {report.suggestions if report else '?'} suggestions "
            f"in {seconds:.1f} s; ticks {len(gaps)}, longest gap {longest:.0f} ms, "
            f"median {sorted(gaps)[len(gaps) // 2] if gaps else 0:.0f} ms, "
            f"{over} gaps over {TARGET_MS:.0f} ms"
        )
        return longest

    cold = measure("first run (process starts, model loads)")
    warm = measure("second run (model loaded)")
    window.suggestions.shutdown()
    window.close()
    project.close()
    app.quit()
    return {"cold": cold, "warm": warm, "summary": "; ".join(lines)}


def heartbeat() -> tuple[QTimer, list[int]]:
    """A running 10 ms timer and the gaps between its ticks, in ms: the event loop's
    stalls. Stop the timer to stop counting."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]
    gaps: list[int] = []

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=10)
    timer.timeout.connect(tick)
    timer.start()
    return timer, gaps


def child_processes() -> set[int]:
    """This process's running descendants, except multiprocessing's resource tracker (one
    per program, not the window's to stop)."""
    import psutil

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


def measure_corpus(copies: int, times: int, processes: int) -> None:
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    tmp = Path(tempfile.mkdtemp())
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp))
    from annotator.app import share_interpreter_with_workers

    share_interpreter_with_workers()
    app = QApplication(sys.argv[:1])

    from annotator.nlp.chunks import DEFAULT_BATCH_SIZE, DEFAULT_CHUNK_CHARS, split_into_chunks
    from annotator.nlp.models import default_model_name, load_pipeline
    from annotator.project import Project
    from annotator.suggest_process import SuggestionProcess
    from annotator.suggesting.review import pending_suggestions
    from annotator.ui.main_window import MainWindow
    from annotator.ui.preferences import Preferences

    paths = sorted(SAMPLES.glob("*.txt"))
    project = Project(tmp / "bench.annotator")
    texts: list[tuple[str, str]] = []
    for n in range(copies):
        for path in paths:
            text = f"Copy {n + 1}.\n\n" + path.read_text(encoding="utf-8")
            texts.append((project.add_text(f"{path.stem} {n + 1}", text)[0].id, text))
    chars = sum(len(t) for _, t in texts)
    window = MainWindow(project, Preferences(tmp / "settings.ini"))
    window.resize(1200, 800)
    window.show()
    window.open_document(texts[0][0])
    controller = window.suggestions
    controller.process = SuggestionProcess(max_processes=processes)
    loop = QEventLoop()

    def spin(until: Callable[[], bool], timeout: float = 600.0) -> None:
        deadline = time.monotonic() + timeout
        while not until():
            if time.monotonic() > deadline:
                raise SystemExit(f"waited {timeout:.0f} s in vain")
            QTimer.singleShot(5, loop.quit)
            loop.exec()

    nlp = load_pipeline(default_model_name(), purpose="entities")  # what the processes load
    limit = min(DEFAULT_CHUNK_CHARS, nlp.max_length)
    pieces = [(text[a:b], (i, a)) for i, text in texts for a, b in split_into_chunks(text, limit)]

    cores: dict[str, list[float]] = {"raw": [], "ours": []}

    def raw() -> float:
        started, cpu = time.perf_counter(), time.process_time()
        found = 0
        for doc, (_id, offset) in nlp.pipe(pieces, as_tuples=True, batch_size=DEFAULT_BATCH_SIZE):
            found += len([(e.start_char + offset, e.end_char + offset, e.label_) for e in doc.ents])
        seconds = time.perf_counter() - started
        cores["raw"].append((time.process_time() - cpu) / seconds)
        return seconds

    def cpu_of_processes() -> float:
        """CPU seconds the suggestion processes have used so far."""
        import psutil

        total = 0.0
        for pid in controller.process.pids() if controller.process else []:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = psutil.Process(pid).cpu_times()
                total += times.user + times.system
        return total

    stalls: list[float] = []

    def ours() -> float:
        """Suggest Entities in All Documents, from the click until the window has the
        report, with the longest event-loop stall meanwhile."""
        gone = [a.id for i, _ in texts for a in pending_suggestions(project, i)]
        if gone:  # each run stores the same suggestions
            project.change_annotations(delete=gone)
            controller.reload()
        timer, gaps = heartbeat()
        cpu = cpu_of_processes()
        started = time.perf_counter()
        controller.act_entities_all.trigger()
        spin(lambda: controller.task is None)
        seconds = time.perf_counter() - started
        cores["ours"].append((cpu_of_processes() - cpu) / seconds)
        timer.stop()
        stalls.append(max(gaps, default=0))
        report = controller.last_report
        assert report is not None and not report.cancelled, report
        assert controller.process is not None and controller.process.processes == processes
        return seconds

    print(
        f"{len(texts)} documents, {chars:,} characters; model {default_model_name()}, "
        f"batch {DEFAULT_BATCH_SIZE}, chunks of {limit:,} characters ({len(pieces)} chunks); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    raw()  # warm the in-process pipeline up
    cold = ours()
    print(f"window, first run ({processes} process(es) start, models load): {cold:.2f} s")
    raw_times: list[float] = []
    our_times: list[float] = []
    for n in range(times):
        raw_times.append(raw())
        our_times.append(ours())
        taken = controller.process.documents_taken() if controller.process else ()
        print(
            f"  run {n + 1}: raw nlp.pipe (1 process) {raw_times[-1]:.2f} s "
            f"({cores['raw'][-1]:.2f} cores busy), window {our_times[-1]:.2f} s "
            f"({cores['ours'][-1]:.2f} cores busy; documents per process {taken}; longest "
            f"stall {stalls[-1]:.0f} ms)"
        )
    one, two = statistics.median(raw_times), statistics.median(our_times)
    print(
        f"median: window {two:.2f} s vs raw nlp.pipe in one process {one:.2f} s: "
        f"{two / one:.2f}x ({chars / two:,.0f} vs {chars / one:,.0f} chars/s); first run "
        f"{cold / one:.2f}x; longest stall median {statistics.median(stalls):.0f} ms, "
        f"worst {max(stalls):.0f} ms; load average now {os.getloadavg()[0]:.1f}"
    )

    def both_at_work() -> None:
        controller.act_entities_all.trigger()
        spin(lambda: controller.progress.value() > 0)
        if processes > 1:
            spin(
                lambda: controller.process is not None and all(controller.process.documents_taken())
            )
        deadline = time.monotonic() + 1.0  # well into the documents
        spin(lambda: time.monotonic() > deadline)

    cancels: list[float] = []
    for _ in range(times):
        both_at_work()
        started = time.perf_counter()
        controller.cancel_button.click()
        spin(lambda: controller.task is None)
        cancels.append(time.perf_counter() - started)
        assert controller.process is not None
        pids = set(controller.process.pids())
        assert child_processes() == pids and len(pids) == processes, (child_processes(), pids)
    both_at_work()
    before = child_processes()
    started = time.perf_counter()
    window.close()  # quitting: the window's close stops the suggestion processes
    spin(lambda: not child_processes(), timeout=30)
    quit_seconds = time.perf_counter() - started
    print(
        f"stop: Cancel until the run ended, median {statistics.median(cancels) * 1000:.0f} ms, "
        f"worst {max(cancels) * 1000:.0f} ms (the {processes} process(es) stay, idle, no "
        "workers); "
        f"quit until none of {len(before)} processes is left: {quit_seconds * 1000:.0f} ms"
    )
    project.close()
    app.quit()


if __name__ == "__main__":
    main()
