"""The annotated PDF export (and importing its highlights back) against raw PyMuPDF.

    .venv/bin/python bench/bench_pdf_export.py [--counts 250,1000,2500,10000] [--runs N]

For each count, ``count`` highlights on one densely written page (the worst case: every mark
reads the same page's characters, and every annotation lands on the same page; above ~2,200
marks the words are marked a second time) are exported with :func:`write_annotated_pdf`, and
the copy is read back with :func:`read_pdf_annotations`. The baseline, in the same run, is raw
PyMuPDF adding the very same quads with ``page.add_highlight_annot(quads)`` (plus colour,
author, note and ``update()``) and saving, and reading them back with ``page.annots()``.
Both are O(n²) on one page (see ``--raw-max``), so above ``--raw-max`` the baseline is not
run and says so. Prints the medians of ``--runs`` runs, the ratios, the export's time per
mark, and how the export time grew from the previous count against the count's own growth
(linear: the same factor). A script, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator.documents.pdf import LoadedDocument, PdfReader, load_pdf
from annotator.documents.pdf_annotations import PdfMark, read_pdf_annotations, write_annotated_pdf

WORDS = [
    "close",
    "reading",
    "marks",
    "the",
    "words",
    "that",
    "matter",
    "in",
    "a",
    "long",
    "and",
    "winding",
    "argument",
]


def build_dense_pdf(path: Path, lines: int = 160, words_per_line: int = 14) -> Path:
    """One tall page with ``lines × words_per_line`` words, enough for 5,000 distinct marks."""
    doc = pymupdf.open()
    page = doc.new_page(width=900, height=lines * 11 + 80)
    for k in range(lines):
        line = " ".join(WORDS[(k + i) % len(WORDS)] for i in range(words_per_line))
        page.insert_text((40, 50 + 11 * k), line, fontsize=9)
    doc.save(path)
    doc.close()
    return path


def word_marks(loaded: LoadedDocument, count: int) -> list[PdfMark]:
    """``count`` marks on one or two consecutive words each, spread over the page."""
    spans: list[tuple[int, int]] = []
    text = loaded.text
    position = 0
    while len(spans) < count:
        start = text.find(" ", position)
        if start < 0:
            position = 0
            continue
        start += 1
        end = text.find(" ", start + 1)
        if end < 0 or "\n" in text[start:end]:
            position = start
            continue
        spans.append((start, end))
        position = end
    return [
        PdfMark(start=s, end=e, color="#ffd54f", author="bench", note=f"note {i}", id=f"m{i}")
        for i, (s, e) in enumerate(spans)
    ]


def quads_of(
    source: Path, loaded: LoadedDocument, marks: list[PdfMark]
) -> list[list[pymupdf.Quad]]:
    """The quads our export writes, worked out once so the baseline only adds and saves."""
    with PdfReader(source, text=loaded) as reader:
        return [
            [pymupdf.Rect(r).quad
             for _page, rects, _m in reader._span_rects_unrotated(m.start, m.end) for r in rects]
            for m in marks
        ]  # fmt: skip


def raw_export(source: Path, out: Path, quads: list[list[pymupdf.Quad]]) -> None:
    doc = pymupdf.open(source)
    page = doc[0]
    for i, q in enumerate(quads):
        annot = page.add_highlight_annot(q)
        annot.set_colors(stroke=(1.0, 0.84, 0.31))
        annot.set_info(title="bench", content=f"note {i}")
        annot.update()
    doc.save(out, garbage=1, deflate=True)
    doc.close()


def raw_import(path: Path) -> int:
    with pymupdf.open(path) as doc:
        return sum(len(annot.vertices or ()) for page in doc for annot in page.annots())


def median_time(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="250,1000,2500,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--raw-max",
        type=int,
        default=2500,
        help="skip raw PyMuPDF above this count (default 2500): add_highlight_annot names "
        "each new annotation by comparing with every other's name, update() brings every "
        "annotation of the page up to date, and page.annots() looks each one up from the "
        "start of the page's list, so each is O(n²) on one page (10,000 marks: minutes)",
    )
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        source = build_dense_pdf(root / "dense.pdf")
        loaded = load_pdf(source)
        print(f"{'marks':>6} {'export s':>9} {'raw s':>7} {'ratio':>6} {'ms/mark':>8} "
              f"{'growth':>13}   {'import s':>9} {'raw s':>7} {'ratio':>6}")  # fmt: skip
        previous: tuple[int, float] | None = None
        skipped = []
        for count in counts:
            marks = word_marks(loaded, count)
            quads = quads_of(source, loaded, marks)
            ours_out, raw_out = root / f"ours{count}.pdf", root / f"raw{count}.pdf"
            export_ours = partial(write_annotated_pdf, source, ours_out, marks, loaded)
            ours = median_time(export_ours, args.runs)
            back = median_time(partial(read_pdf_annotations, ours_out, loaded), args.runs)
            if count <= args.raw_max:
                raw = median_time(partial(raw_export, source, raw_out, quads), args.runs)
                raw_back = median_time(partial(raw_import, ours_out), args.runs)
            else:
                raw = raw_back = float("nan")
                skipped.append(count)
            growth = ""
            if previous is not None:
                growth = f"{ours / previous[1]:.1f}x for {count / previous[0]:.0f}x"
            print(f"{count:>6} {ours:>9.2f} {raw:>7.2f} {ours / raw:>6.2f} "
                  f"{ours / count * 1000:>8.3f} {growth:>13}   "
                  f"{back:>9.2f} {raw_back:>7.2f} {back / raw_back:>6.2f}")  # fmt: skip
            previous = (count, ours)
        if skipped:
            print(f"raw PyMuPDF was not run for {', '.join(map(str, skipped))} marks "
                  f"(above --raw-max {args.raw_max}): nan")  # fmt: skip


if __name__ == "__main__":
    main()
