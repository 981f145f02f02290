"""Start-up: the window shown and painted with the last document, and three command-line verbs.

Every measurement is a fresh process, timed from its launch by this script (so interpreter
start-up counts on both sides); the scenarios run interleaved, several times, and the
medians and their ratios are printed.

- **window**: ``annotator --project P`` (the real entry point: the command line, then
  ``annotator.app.run_gui``) on a project whose last document is the sample reading, with
  its example annotations; timed until the reader's first paint, offscreen. Baseline: a bare
  ``QMainWindow`` + ``QPlainTextEdit`` showing the same text, timed until its first paint.
  Targets (issue 18): at most 1.0 s wall and at most 4x the baseline.
- **first run**: no project and no settings yet (the sample reading is added, the welcome
  shown); same baseline.
- **restart, PDF + state**: a project with several documents whose last one is a 300-page
  PDF, reopened with remembered state (dark theme, zoom, window layout with the Pages and
  Documents docks); timed until the PDF's first paint. Baseline: a bare ``QMainWindow``
  showing the same PDF's first page rendered by PyMuPDF. The restart/first-run ratio is
  printed too (issue 15: restarts were far slower than the first run).
- **quit**: in each window scenario the window is closed a second after its first paint (as
  a reader would), and the time from ``close()`` to the process's exit is measured on both
  sides (Linux's monotonic clock is shared between processes).
- **--version**, **list**, **export --format json** on the same project. Baseline: bare
  Python importing ``sqlite3`` and ``json`` and doing the same reads (the version; the
  documents' ids and titles; every document and annotation row as indented JSON).

Modules are read from bytecode caches, as in an installed app (written, in a temporary
folder, by the dropped warm-up round); ``--no-bytecode-cache`` compiles every module in
every run instead (what ``PYTHONDONTWRITEBYTECODE=1`` does to a source checkout).

Run: ``.venv/bin/python bench/bench_startup.py [--runs 7] [--source DIR]``; ``--source``
measures the annotator package of another checkout (e.g. ``git archive`` of an older
commit unpacked in DIR) against the same baselines.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "resources" / "samples" / "of-studies.md"
TIMEOUT = 120

# Reports the first paint of a text viewport in a main window: wall seconds since this
# interpreter was launched are measured by the parent; the child adds CPU and peak memory.
_PAINT_PROBE = """
import os, resource, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QMainWindow, QWidget

class FirstPaint(QObject):
    seen = False

    shown = False

    def eventFilter(self, obj, event):
        if not self.shown and event.type() == QEvent.Type.Paint:
            if isinstance(obj, QWidget) and isinstance(obj.window(), QMainWindow):
                self.shown = True  # the window's first paint, whatever it shows yet
                print("SHOWN", flush=True)
        if not self.seen and event.type() == QEvent.Type.Paint:
            area = obj.parent()
            if (
                isinstance(area, QAbstractScrollArea)
                and obj is area.viewport()
                and isinstance(obj.window(), QMainWindow)
                and (
                    (hasattr(area, "document") and not area.document().isEmpty())
                    or getattr(area, "page_count", 0) > 0  # the PDF view with its pages
                )
            ):
                self.seen = True
                self.window = obj.window()
                QTimer.singleShot(0, self.report)  # after this paint has been delivered
        return False

    def report(self):
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"PAINTED {time.process_time():.4f} {rss:.1f}", flush=True)
        QTimer.singleShot(1000, self.quit)  # a reader closes the window a moment later

    def quit(self):
        print(f"QUIT {time.monotonic():.6f}", flush=True)
        self.window.close()  # the last window: the application quits

app = QApplication(sys.argv[:1])
probe = FirstPaint()
app.installEventFilter(probe)
"""

_APP = (
    _PAINT_PROBE
    + """
from annotator.cli import main
main(["--project", sys.argv[1]])
"""
)

_BARE_WINDOW = (
    _PAINT_PROBE
    + """
from pathlib import Path
from PySide6.QtWidgets import QPlainTextEdit
window = QMainWindow()
editor = QPlainTextEdit()
editor.setPlainText(Path(sys.argv[2]).read_text(encoding="utf-8"))
window.setCentralWidget(editor)
window.resize(1000, 700)
window.show()
app.exec()
"""
)

_BARE_PDF_WINDOW = (
    _PAINT_PROBE
    + """
import pymupdf
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea
pdf = pymupdf.open(sys.argv[1])
page = pdf[0]
pix = page.get_pixmap(dpi=96)
image = QImage(pix.samples, pix.width, pix.height, pix.stride, QImage.Format.Format_RGB888)
label = QLabel()
label.setPixmap(QPixmap.fromImage(image))
area = QScrollArea()
area.setWidget(label)
area.page_count = 1  # the probe's sign of a page on screen
window = QMainWindow()
window.setCentralWidget(area)
window.resize(1000, 700)
window.show()
app.exec()
"""
)

_BARE_VERSION = "import json, sqlite3; print(sqlite3.sqlite_version)"

_BARE_LIST = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
rows = conn.execute("SELECT id, title FROM documents WHERE deleted IS NULL").fetchall()
print(json.dumps(rows, ensure_ascii=False, indent=2))
"""

_BARE_EXPORT = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.row_factory = sqlite3.Row
data = {
    table: [dict(row) for row in conn.execute(f"SELECT * FROM {table}")]
    for table in ("documents", "annotators", "annotations")
}
sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\\n")
"""

# A project of several documents whose last one is a PDF, closed by the window with state
# to remember (theme, zoom, docks), as a reader leaves it after a session.
_SETUP_STATE = """
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
from annotator.documents.pdf_library import pymupdf
from annotator.project import Project
from annotator.samples import add_sample_reading
from annotator.ui.main_window import MainWindow
from annotator.ui.theme import ThemeChoice

pdf_path = Path(sys.argv[2])
pdf = pymupdf.open()
line = "Graphical procedures always return an object the reader can inspect again. " * 2
for number in range(300):
    page = pdf.new_page(width=595, height=842)
    text = f"Chapter {number + 1}\\n" + (line + "\\n") * 40
    page.insert_textbox((60, 60, 540, 790), text, fontsize=10)
pdf.save(pdf_path)
app = QApplication(sys.argv[:1])
project = Project(sys.argv[1])
add_sample_reading(project)
project.add_text("Notes", "A second document, so that the last one read is not the first. " * 50)
document, _ = project.add_document(pdf_path)
window = MainWindow(project)
window.resize(1100, 760)
window.show()
window.open_document(document.id)
window.options.set_theme(ThemeChoice.DARK)
window.options.zoom(1)
window.pdf.pages_dock.show()
app.processEvents()
window.close()
project.close()
"""

_SETUP = """
import sys
from pathlib import Path
from annotator.project import Project
from annotator.samples import add_sample_reading
from annotator.ui.preferences import Preferences

project = Project(sys.argv[1])
project.add_text("Notes", "A second document, so that the last one read is not the first. " * 50)
document, _ = add_sample_reading(project)
prefs = Preferences()
prefs.set_last_document(str(project.path), document.id)
prefs.sync()
project.close()
"""


def _env(
    folder: Path, source: Path | None, bytecode: bool, pycache: Path | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    if bytecode:  # as installed: compiled once (in the warm-up round), then read from cache
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache or folder / "pycache")
    else:  # every module compiled from source in every run
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["XDG_CONFIG_HOME"] = str(folder / "config")  # QSettings: the last document, welcome
    env["XDG_DATA_HOME"] = str(folder / "data")
    # Also the working folder: ``-m``/``-c`` put it first on sys.path, before --source.
    env["HOME"] = str(folder)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    return env


def _run(args: list[str], env: dict[str, str], *, until_painted: bool = False) -> dict[str, float]:
    """Launch ``python args``; seconds until it exits (or reports its first paint)."""
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, *args], env=env, cwd=env["HOME"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, encoding="utf-8",
    )  # fmt: skip
    if not until_painted:
        _, err = child.communicate(timeout=TIMEOUT)
        wall = time.perf_counter() - began
        if child.returncode != 0:
            raise RuntimeError(f"{args[:3]} failed ({child.returncode}): {err[-2000:]}")
        return {"wall": wall}
    assert child.stdout is not None
    result: dict[str, float] | None = None
    closed: float | None = None
    shown = 0.0
    for line in child.stdout:
        if line.startswith("SHOWN") and not shown:
            shown = time.perf_counter() - began
        elif line.startswith("PAINTED "):
            wall = time.perf_counter() - began
            _, cpu, rss = line.split()
            result = {"wall": wall, "shown": shown or wall, "cpu": float(cpu), "rss_mb": float(rss)}
        elif line.startswith("QUIT "):
            closed = float(line.split()[1])
            break
    try:
        _, err = child.communicate(timeout=TIMEOUT)  # let it close before the next run
    except subprocess.TimeoutExpired:
        child.kill()
        _, err = child.communicate()
    if result is None or closed is None:
        raise RuntimeError(f"{args[:3]} never painted ({child.returncode}): {err[-2000:]}")
    result["quit"] = time.monotonic() - closed
    return result


class _Fresh:
    """Settings and project folders never used before, one set per run: a first run."""

    def __init__(self, folder: Path, source: Path | None, bytecode: bool) -> None:
        self.folder, self.source, self.bytecode, self.count = folder, source, bytecode, 0
        self.project = ""

    def next(self) -> dict[str, str]:
        self.count += 1
        home = self.folder / f"first-{self.count}"
        home.mkdir()
        self.project = str(home / "first.annotator")
        return _env(home, self.source, self.bytecode, pycache=self.folder / "pycache")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--source", type=Path, help="checkout whose annotator package to time")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="compile every module from source in every run (PYTHONDONTWRITEBYTECODE=1)",
    )
    options = parser.parse_args()
    bytecode = not options.no_bytecode_cache
    source = options.source.resolve() if options.source else None

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        folder = Path(tmp)
        project = str(folder / "bench.annotator")
        ours_env = _env(folder, source, bytecode)
        bare_env = _env(folder, None, bytecode)
        subprocess.run(
            [sys.executable, "-c", _SETUP, project], env=ours_env, cwd=folder, check=True
        )
        # Its own settings folder: its theme and layout are not the other scenarios'.
        state = folder / "state"
        state.mkdir()
        state_env = _env(state, source, bytecode, pycache=folder / "pycache")
        state_project, pdf = str(state / "state.annotator"), str(state / "reading.pdf")
        subprocess.run(
            [sys.executable, "-c", _SETUP_STATE, state_project, pdf],
            env=state_env, cwd=state, check=True,
        )  # fmt: skip
        fresh = _Fresh(folder, source, bytecode)
        cli = ["-m", "annotator", "--project", project]
        scenarios = {
            "window": (
                (["-c", _APP, project], ours_env),
                (["-c", _BARE_WINDOW, project, str(SAMPLE)], bare_env),
            ),
            "first run": (
                (["-c", _APP, fresh.project], fresh),
                (["-c", _BARE_WINDOW, project, str(SAMPLE)], bare_env),
            ),
            "restart, PDF + state": (
                (["-c", _APP, state_project], state_env),
                (["-c", _BARE_PDF_WINDOW, pdf], bare_env),
            ),
            "--version": (
                (["-m", "annotator", "--version"], ours_env),
                (["-c", _BARE_VERSION], bare_env),
            ),
            "list": (([*cli, "list"], ours_env), (["-c", _BARE_LIST, project], bare_env)),
            "export --format json": (
                ([*cli, "export", "--format", "json"], ours_env),
                (["-c", _BARE_EXPORT, project], bare_env),
            ),
        }  # fmt: skip
        samples: dict[tuple[str, str], list[dict[str, float]]] = {
            (name, side): [] for name in scenarios for side in ("ours", "bare")
        }
        painted_scenarios = ("window", "first run", "restart, PDF + state")
        for run in range(options.runs + 1):  # the first round warms caches and is dropped
            for name, ((ours_args, o_env), (bare_args, b_env)) in scenarios.items():
                painted = name in painted_scenarios
                sides = [("ours", ours_args, o_env), ("bare", bare_args, b_env)]
                if run % 2:
                    sides.reverse()  # neither side always goes first
                for side, args, env in sides:
                    if isinstance(env, _Fresh):  # a first run every time
                        env = env.next()
                        args = [*args[:-1], fresh.project]
                    measured = _run(args, env, until_painted=painted)
                    if run:
                        samples[(name, side)].append(measured)

    print(f"start-up, fresh processes, medians of {options.runs} interleaved runs")
    if source:
        print(f"annotator from {source}")
    print("bytecode cache:", "yes (as installed)" if bytecode else "no (compiled every run)")
    report: dict[str, dict[str, float]] = {}
    for name in scenarios:
        ours = {
            k: statistics.median(s[k] for s in samples[(name, "ours")])
            for k in samples[(name, "ours")][0]
        }
        bare = {
            k: statistics.median(s[k] for s in samples[(name, "bare")])
            for k in samples[(name, "bare")][0]
        }
        ratio = ours["wall"] / bare["wall"]
        extra = ""
        if "cpu" in ours:
            extra = (
                f"; CPU {ours['cpu']:.2f} s vs {bare['cpu']:.2f} s; "
                f"peak {ours['rss_mb']:.0f} MB vs {bare['rss_mb']:.0f} MB"
            )
        print(
            f"{name:<22} {ours['wall']:6.3f} s  baseline {bare['wall']:6.3f} s  "
            f"ratio {ratio:5.2f}x{extra}"
        )
        report[name] = {"ours": ours["wall"], "baseline": bare["wall"], "ratio": ratio}
    for name in painted_scenarios:
        ours = statistics.median(s["shown"] for s in samples[(name, "ours")])
        bare = statistics.median(s["shown"] for s in samples[(name, "bare")])
        print(
            f"window shown, {name:<21} {ours:6.3f} s  baseline {bare:6.3f} s  "
            f"ratio {ours / bare:5.2f}x"
        )
        report[f"shown {name}"] = {"ours": ours, "baseline": bare, "ratio": ours / bare}
    shown = report["shown restart, PDF + state"]["ours"] / report["shown first run"]["ours"]
    print(f"window shown: restart (PDF + state) / first run: {shown:5.2f}x")
    for name in painted_scenarios:
        ours = statistics.median(s["quit"] for s in samples[(name, "ours")])
        bare = statistics.median(s["quit"] for s in samples[(name, "bare")])
        print(
            f"quit after {name:<22} {ours:6.3f} s  baseline {bare:6.3f} s  "
            f"ratio {ours / bare:5.2f}x"
        )
        report[f"quit after {name}"] = {"ours": ours, "baseline": bare, "ratio": ours / bare}
    restart = report["restart, PDF + state"]["ours"] / report["first run"]["ours"]
    print(f"restart (PDF + state) / first run: {restart:5.2f}x")
    report["restart/first run"] = {"ratio": restart}
    window = report["window"]
    verdict = window["ours"] <= 1.0 and window["ratio"] <= 4.0
    print(f"window target (<= 1.0 s and <= 4x): {'met' if verdict else 'missed'}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
