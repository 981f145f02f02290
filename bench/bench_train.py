"""Training on the project's labels: the service against spaCy's own ``train``, and the
window's longest stall while a model trains (issue 17).

1. **Service vs spaCy.** The same examples (passages of a real reading, a custom label
   MARKING) and the same config: ``train_model`` (write the DocBins, ``init_nlp``, spaCy's
   ``train_while_improving`` with held-out scores every epoch, save the best epoch) against
   ``init_nlp`` + ``spacy.training.loop.train`` (what ``spacy train`` runs; it writes
   ``model-last`` at every evaluation and ``model-best`` when it improves) on DocBins and a
   config prepared beforehand. Interleaved runs, medians. Target: ratio <= 1.1.
2. **Stall.** A real event loop (QApplication, offscreen) with a 5 ms timer while
   the window's way of training runs (a BackgroundTask around ``run_in_process``, progress
   relayed to the GUI thread): the longest gap between two ticks. Target: <= 50 ms.

    .venv/bin/python bench/bench_train.py [--runs 3] [--epochs 15]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotator.project import Project  # noqa: E402
from annotator.training.data import TrainingRequest, build_training_set  # noqa: E402
from annotator.training.trainer import (  # noqa: E402
    DEFAULT_EPOCHS,
    TrainingOptions,
    make_config,
    prepare,
    train_model,
    write_docbins,
)

SAMPLES = REPO.parent / "shared" / "samples"
GUIDE = SAMPLES / "guides-to-annotating-texts.txt"
PASSAGES = ((60, 70), (94, 112), (160, 180), (186, 230), (240, 265), (935, 960), (1250, 1285))
MARKING = re.compile(
    r"\b(highlight(?:ing|ed)?|underlin(?:e|ing|ed)|circl(?:e|ing|ed)|question marks|"
    r"sticky notes|symbols|abbreviations)\b",
    re.IGNORECASE,
)
RATIO_TARGET = 1.1
STALL_TARGET_MS = 50.0


def build_project(folder: Path) -> Path:
    lines = GUIDE.read_text(encoding="utf-8").splitlines(keepends=True)
    path = folder / "bench.annotator"
    with Project(path) as project:
        for number, (start, end) in enumerate(PASSAGES):
            text = "".join(lines[start:end])
            document, _ = project.add_text(f"guide part {number + 1}", text)
            project.add_annotations(
                [
                    project.build_annotation(
                        document.id, m.start(), m.end(), kind="entity", label="MARKING", text=text
                    )
                    for m in MARKING.finditer(text)
                ]
            )
    return path


def raw_spacy(training_set, options: TrainingOptions, folder: Path, output: Path) -> float:
    """spaCy's own train() on DocBins and a config made beforehand (not timed)."""
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train

    write_docbins(training_set, folder)
    _nlp, parts = prepare(training_set, options, folder)  # counts an epoch's steps
    config = make_config(training_set, options, folder / "train.spacy", folder / "dev.spacy")
    config["training"]["eval_frequency"] = parts.steps_per_epoch
    config["training"]["patience"] = 0  # as the service: every epoch, none stopped early
    output.mkdir()
    began = time.perf_counter()
    nlp = init_nlp(config)
    train(nlp, output, stdout=io.StringIO(), stderr=io.StringIO())
    return time.perf_counter() - began


def service(training_set, options: TrainingOptions, output: Path) -> float:
    began = time.perf_counter()
    train_model(training_set, options, output=output)
    return time.perf_counter() - began


def compare(project_path: Path, folder: Path, runs: int, epochs: int) -> float:
    with Project(project_path) as project:
        training_set = build_training_set(project, TrainingRequest())
    options = TrainingOptions(epochs=epochs, patience=epochs)
    print(
        f"{training_set.annotations} training annotations in {len(training_set.train)} "
        f"examples ({sum(len(e.text) for e in training_set.train):,} characters), "
        f"{training_set.held_out_annotations} held out; {epochs} epochs"
    )
    ours: list[float] = []
    theirs: list[float] = []
    for run in range(runs):
        for name in ("raw", "service") if run % 2 == 0 else ("service", "raw"):
            out = folder / f"{name}-{run}"
            if name == "raw":
                work = folder / f"raw-data-{run}"
                work.mkdir()
                theirs.append(raw_spacy(training_set, options, work, out))
            else:
                ours.append(service(training_set, options, out))
            shutil.rmtree(out, ignore_errors=True)
    ratio = statistics.median(ours) / statistics.median(theirs)
    for name, times in (("spaCy train():", theirs), ("train_model():", ours)):
        each = ", ".join(f"{t:.2f}" for t in times)
        print(f"{name:<16} median {statistics.median(times):.2f} s  ({each})")
    verdict = "OK" if ratio <= RATIO_TARGET else "OVER TARGET"
    print(f"ratio service / spaCy: {ratio:.2f}  (target <= {RATIO_TARGET})  {verdict}")
    return ratio


def stall(project_path: Path, epochs: int) -> float:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QLabel

    from annotator.training.process import TrainingJob, run_in_process
    from annotator.ui.tasks import BackgroundTask

    app = QApplication.instance() or QApplication([])
    label = QLabel("")  # progress is shown, as the dialog does
    label.show()
    gaps: list[float] = []
    last = [time.perf_counter()]

    when: list[float] = []

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        when.append(now)
        last[0] = now

    timer = QTimer(interval=5)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    job = TrainingJob(
        str(project_path), TrainingRequest(), TrainingOptions(epochs=epochs),
        output=str(project_path.parent / "stall-model"),
    )  # fmt: skip
    notes = [0]

    def note(progress) -> None:
        notes[0] += 1
        label.setText(progress.describe())

    # The same loop with nothing running: what the machine's own scheduling costs.
    idle = QTimer(singleShot=True, interval=3000)
    idle.timeout.connect(loop.quit)
    timer.start()
    idle.start()
    loop.exec()
    timer.stop()
    baseline = max(gaps) * 1000 if gaps else 0.0
    gaps.clear()
    print(f"event loop idle for 3 s: longest gap {baseline:.1f} ms")
    BackgroundTask(
        lambda context: run_in_process(job, progress=context.tell, cancelled=context.cancelled),
        what="training",
        on_note=note,
        on_success=lambda _r: loop.quit(),
        on_failure=lambda error: (print("failed:", error), loop.quit()),
    ).start()
    last[0] = began = time.perf_counter()
    when.clear()
    timer.start()
    loop.exec()
    timer.stop()
    app.processEvents()
    longest = max(gaps) * 1000 if gaps else 0.0
    median = statistics.median(gaps) * 1000 if gaps else 0.0
    verdict = "OK" if longest <= STALL_TARGET_MS else "OVER TARGET"
    worst = sorted(zip(gaps, when, strict=True), reverse=True)[:3]
    print("longest gaps: " + ", ".join(f"{g * 1000:.0f} ms at {t - began:.1f} s" for g, t in worst))
    print(
        f"event loop while training ({notes[0]} progress messages): {len(gaps)} ticks, median "
        f"{median:.1f} ms, longest {longest:.1f} ms  (target <= {STALL_TARGET_MS:.0f} ms)  "
        f"{verdict}"
    )
    return longest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS, help="default: the app's")
    parser.add_argument("--skip-stall", action="store_true")
    parser.add_argument("--skip-compare", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-train-") as name:
        folder = Path(name)
        project_path = build_project(folder)
        if not args.skip_compare:
            compare(project_path, folder, args.runs, args.epochs)
        if not args.skip_stall:
            stall(project_path, args.epochs)


if __name__ == "__main__":
    main()
