"""PDF view benchmarks: the GUI against raw PyMuPDF on a 2,000+ page manual.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_pdf_view.py [--pdf PATH] [--runs N]

(a) time until the first page is *shown* — painted in a :class:`PdfView` (and, separately,
    in the main window via ``open_pdf_path``, which also starts hashing and the background
    text extraction) — against ``pymupdf.open()`` + first page ``get_pixmap()`` at the same
    zoom (device pixels per point). Target ≤ 1.5×. Medians of ``--runs`` alternating runs.
(b) memory while scrolling through 200 pages in the view (each page waited for until its
    image is in the cache): peak RSS against RSS after the first page, in a fresh process.

The PDF is the R reference manual from Debian's ``r-doc-pdf`` when installed, else one built
by ``bench/bench_pdf.py``'s builder. A script, not a test.
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

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pymupdf
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from annotator.documents.pdf import PdfReader

REFMAN = Path("/usr/share/R/doc/manual/refman.pdf")


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def pump(app: QApplication, until, timeout: float = 30.0) -> None:
    end = time.perf_counter() + timeout
    while not until():
        app.processEvents()
        if time.perf_counter() > end:
            raise TimeoutError("the view did not get there in time")
        time.sleep(0.0005)


def time_raw(path: Path, scale: float) -> float:
    t = time.perf_counter()
    doc = pymupdf.open(path)
    doc[0].get_pixmap(matrix=pymupdf.Matrix(scale, scale))
    elapsed = time.perf_counter() - t
    doc.close()
    return elapsed


def time_view(app: QApplication, view, path: Path) -> float:
    view.close_document()
    app.processEvents()
    t = time.perf_counter()
    view.open_reader(PdfReader(path))
    pump(app, lambda: view._shown_first)
    elapsed = time.perf_counter() - t
    view.close_document()  # no renderer thread left running into the next measurement
    app.processEvents()
    return elapsed


def time_window(app: QApplication, window, path: Path) -> float:
    window._close_pdf()
    app.processEvents()
    t = time.perf_counter()
    window.open_pdf_path(str(path), remember=False)
    pump(app, lambda: window.pdf_view._shown_first)
    elapsed = time.perf_counter() - t
    window._close_pdf()
    from annotator.ui.pdf_render import wait_for_extractions

    wait_for_extractions()
    app.processEvents()
    return elapsed


def first_page(path: Path, runs: int) -> dict[str, float]:
    from annotator.project import Project
    from annotator.ui.main_window import MainWindow
    from annotator.ui.pdf_view import PdfView
    from annotator.ui.preferences import Preferences

    app = QApplication.instance() or QApplication(sys.argv)
    tmp = Path(tempfile.mkdtemp())
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "qs"))
    view = PdfView()
    view.resize(1000, 900)
    view.show()
    project = Project(tmp / "bench.annotator")
    window = MainWindow(project, Preferences(tmp / "settings.ini"))
    window.resize(1400, 950)
    window.show()
    app.processEvents()
    # Warm up (imports, fonts, the OS file cache) before timing anything.
    time_view(app, view, path)
    scale = view.zoom * view.devicePixelRatioF()
    time_raw(path, scale)
    raw, ours, win = [], [], []
    for _ in range(runs):
        raw.append(time_raw(path, scale))
        ours.append(time_view(app, view, path))
        win.append(time_window(app, window, path))
    view.close_document()
    window.close()
    project.close()
    r, o, w = statistics.median(raw), statistics.median(ours), statistics.median(win)
    return {
        "scale": scale,
        "raw_s": r,
        "view_s": o,
        "window_s": w,
        "view_ratio": o / r,
        "window_ratio": w / r,
    }


def scroll_memory(path: Path, pages: int) -> dict[str, float]:
    from annotator.ui.pdf_view import PdfView

    app = QApplication.instance() or QApplication(sys.argv)
    view = PdfView()
    view.resize(1000, 900)
    view.show()
    app.processEvents()
    view.open_reader(PdfReader(path))
    pump(app, lambda: view._shown_first)
    after_first = rss_mb()
    peak = after_first
    for page in range(1, pages + 1):
        view.go_to_page(page)
        pump(app, lambda p=page: p in view.cached_pages)
        peak = max(peak, rss_mb())
    result = {
        "after_first_mb": after_first,
        "peak_mb": peak,
        "ratio": peak / after_first,
        "cache_mb": view.cache_bytes / 2**20,
        "cached_pages": len(view.cached_pages),
    }
    view.close_document()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdf", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = args.pdf
    if path is None:
        if REFMAN.exists():
            path = REFMAN
        else:
            from bench_pdf import build_big_pdf

            path = build_big_pdf(Path(tempfile.mkdtemp()) / "big.pdf")
    if args.memory_child:
        print(json.dumps(scroll_memory(path, args.pages)))
        return
    with pymupdf.open(path) as doc:
        count = doc.page_count
    print(f"{path} — {count:,} pages")
    first = first_page(path, args.runs)
    print(f"(a) first page shown at {first['scale']:.2f} device px/pt, median of {args.runs}:")
    print(f"    raw pymupdf.open + get_pixmap   {first['raw_s'] * 1000:7.1f} ms")
    print(
        f"    PdfView (open_reader → painted) {first['view_s'] * 1000:7.1f} ms  "
        f"= {first['view_ratio']:.2f}× (target ≤ 1.5×)"
    )
    print(
        f"    MainWindow.open_pdf_path        {first['window_s'] * 1000:7.1f} ms  "
        f"= {first['window_ratio']:.2f}×"
    )
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--memory-child",
            "--pdf",
            str(path),
            "--pages",
            str(args.pages),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    memory = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"(b) scrolling through {args.pages} pages (fresh process):")
    print(
        f"    RSS after first page {memory['after_first_mb']:.0f} MB, peak "
        f"{memory['peak_mb']:.0f} MB = {memory['ratio']:.2f}×; image cache "
        f"{memory['cache_mb']:.0f} MB in {memory['cached_pages']} pages"
    )


if __name__ == "__main__":
    main()
