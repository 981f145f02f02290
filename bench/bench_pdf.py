"""PDF benchmarks: our documents layer against raw PyMuPDF on a 2,000+ page manual.

    .venv/bin/python bench/bench_pdf.py [--pdf PATH] [--runs N] [--zoom Z]

(a) time to the first page shown: ``PdfReader(path)`` + ``render_page(0, zoom)`` against
    ``pymupdf.open(path)`` + ``page.get_pixmap()`` at the same zoom (target ≤ 1.5×);
(b) full text extraction: ``load_pdf(path)`` against a raw ``page.get_text()`` loop
    (target ≤ 1.3×);
(c) memory while scrolling: RSS after rendering 200 pages one after another (plus their
    character boxes), against RSS after the first page, measured in a fresh process.

The PDF is the R reference manual from Debian's ``r-doc-pdf`` package when installed
(``apt-get install r-doc-pdf``); otherwise a 2,400-page PDF is built with PyMuPDF first.
Prints medians of several runs and the ratios. A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator.documents.pdf import PdfReader, load_pdf

MANUAL_DIRS = (Path("/usr/share/doc/r-doc-pdf"), Path("/usr/share/R/doc/manual"))
MIN_PAGES = 2000


def find_manual() -> Path | None:
    """The biggest PDF of 2,000+ pages that r-doc-pdf installed, if any."""
    candidates: list[Path] = []
    for folder in MANUAL_DIRS:
        if folder.is_dir():
            candidates.extend(p.resolve() for p in folder.rglob("*.pdf"))
    for path in sorted(set(candidates), key=lambda p: p.stat().st_size, reverse=True):
        with pymupdf.open(path) as doc:
            if doc.page_count >= MIN_PAGES:
                return path
    return None


def build_big_pdf(path: Path, pages: int = 2400) -> Path:
    """A text-heavy PDF of ``pages`` pages, for machines without r-doc-pdf."""
    doc = pymupdf.open()
    line = "The reader annotates a long manual, page after page, with highlights. "
    for number in range(pages):
        page = doc.new_page()
        text = "\n".join(f"{number}.{k} {line}" for k in range(45))
        page.insert_textbox(pymupdf.Rect(50, 50, 560, 800), text, fontsize=9)
    doc.save(path, garbage=3, deflate=True)
    return path


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def medians(
    ours: Callable[[], object], raw: Callable[[], object], runs: int
) -> tuple[float, float]:
    """Median seconds of both, run alternately after one warm-up each (so both see the
    same OS file cache and MuPDF font caches)."""
    ours()
    raw()
    ours_times, raw_times = [], []
    for _ in range(runs):
        ours_times.append(timed(ours))
        raw_times.append(timed(raw))
    return statistics.median(ours_times), statistics.median(raw_times)


def first_page(path: Path, zoom: float, runs: int) -> tuple[float, float]:
    def ours() -> None:
        reader = PdfReader(path)
        image = reader.render_page(0, zoom)
        assert image.samples
        reader.close()

    def raw() -> None:
        doc = pymupdf.open(path)
        pix = doc[0].get_pixmap(matrix=pymupdf.Matrix(zoom, zoom))
        assert pix.samples_mv
        doc.close()

    return medians(ours, raw, runs)


def extraction(path: Path, runs: int) -> tuple[float, float]:
    def ours() -> None:
        load_pdf(path)

    def raw() -> None:
        doc = pymupdf.open(path)
        texts = [page.get_text() for page in doc]
        assert texts
        doc.close()

    return medians(ours, raw, runs)


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def memory_child(path: Path, zoom: float, pages: int) -> None:
    """Run in a fresh process: prints JSON with RSS after the first page and the peak."""
    loaded = load_pdf(path)
    reader = PdfReader(path, text=loaded)
    reader.render_page(0, zoom)
    reader.char_boxes(0)
    after_first = _rss_kib()
    peak = after_first
    for number in range(min(pages, reader.page_count)):
        image = reader.render_page(number, zoom)
        reader.char_boxes(number)
        del image
        peak = max(peak, _rss_kib())
    print(json.dumps({"after_first_kib": after_first, "peak_kib": peak}))


def memory(path: Path, zoom: float, pages: int) -> dict[str, int]:
    output = subprocess.run(
        [
            *(sys.executable, __file__, "--memory-child"),
            *("--pdf", str(path), "--zoom", str(zoom), "--pages", str(pages)),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdf", type=Path, help="a PDF of 2,000+ pages (default: R manual)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of (a); (b) uses half")
    parser.add_argument("--zoom", type=float, default=1.5)
    parser.add_argument("--pages", type=int, default=200, help="pages scrolled in (c)")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.pdf, args.zoom, args.pages)
        return

    with tempfile.TemporaryDirectory() as scratch:
        path = args.pdf or find_manual()
        if path is None:
            print("r-doc-pdf not installed: building a 2,400-page PDF …", flush=True)
            path = build_big_pdf(Path(scratch) / "big.pdf")
        with pymupdf.open(path) as doc:
            page_count = doc.page_count
        size_mb = path.stat().st_size / 1e6
        print(f"PDF: {path} ({page_count} pages, {size_mb:.1f} MB), zoom {args.zoom}")
        print(f"pymupdf {pymupdf.__version__} (MuPDF {pymupdf.VersionFitz})\n")

        ours, raw = first_page(path, args.zoom, args.runs)
        print("(a) first page shown  (open + render page 1)")
        print(
            f"    ours {ours * 1e3:8.1f} ms   raw {raw * 1e3:8.1f} ms   "
            f"ratio {ours / raw:.2f}x  (target <= 1.5x)  median of {args.runs}"
        )

        runs_b = max(3, args.runs // 2)
        ours, raw = extraction(path, runs_b)
        print("(b) full text extraction  (load_pdf vs page.get_text() loop)")
        print(
            f"    ours {ours:8.2f} s    raw {raw:8.2f} s    "
            f"ratio {ours / raw:.2f}x  (target <= 1.3x)  median of {runs_b}"
        )

        result = memory(path, args.zoom, args.pages)
        first_mb, peak_mb = result["after_first_kib"] / 1024, result["peak_kib"] / 1024
        print(f"(c) memory scrolling {args.pages} pages (render + char boxes), fresh process")
        print(
            f"    RSS after page 1 {first_mb:7.1f} MB   peak {peak_mb:7.1f} MB   "
            f"growth {peak_mb - first_mb:+.1f} MB   ratio {peak_mb / first_mb:.2f}x"
        )


if __name__ == "__main__":
    main()
