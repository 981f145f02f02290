"""Find (Ctrl+F) on a 2,000+ page manual: the line-break-aware matching against plain ones.

    .venv/bin/python bench/bench_find.py [--pdf PATH] [--runs N]

For each query, over the whole canonical text (extracted once, not timed):

* ``str.find`` — a case-insensitive substring scan (casefold the text, then ``find`` in a loop,
  at most 100,000 hits), which misses phrases broken over lines;
* ``\\s+ regex`` — the query's words joined by ``\\s+`` with ``re.IGNORECASE``, which finds
  phrases over line breaks but not words hyphenated at a line end;
* ``find_spans`` — :mod:`annotator.documents.find`: both, plus soft hyphens;

then ``PdfReader.search`` (spans and rectangles) limited to ten pages, as a view would ask for
the pages on screen. Prints the median of ``--runs`` runs and the number of hits. The PDF is
the R reference manual from Debian's ``r-doc-pdf`` when installed, else a built 2,400-page one.
A script, not a test.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_pdf import build_big_pdf, find_manual

from annotator.documents.find import find_spans
from annotator.documents.pdf import PdfReader, load_pdf

QUERIES = (
    "the",
    "information",
    "representation",
    "data frame",
    "missing values are",
    "floating-point",
    "zzzqqq",
)
LIMIT = 100_000


def substring_find(text: str, query: str) -> list[tuple[int, int]]:
    haystack, needle = text.casefold(), query.casefold()
    if len(haystack) != len(text):
        haystack, needle = text.lower(), query.lower()
    spans: list[tuple[int, int]] = []
    start = haystack.find(needle)
    while start >= 0 and len(spans) < LIMIT:
        spans.append((start, start + len(needle)))
        start = haystack.find(needle, start + max(1, len(needle)))
    return spans


def whitespace_regex(text: str, query: str) -> list[tuple[int, int]]:
    pattern = re.compile(r"\s+".join(re.escape(w) for w in query.split()), re.IGNORECASE)
    spans: list[tuple[int, int]] = []
    for match in pattern.finditer(text):
        if len(spans) >= LIMIT:
            break
        spans.append(match.span())
    return spans


def line_aware(text: str, query: str) -> list[tuple[int, int]]:
    return find_spans(text, query, limit=LIMIT)


def median_ms(function: Callable[[], object], runs: int) -> tuple[float, object]:
    result = function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdf", type=Path, help="a PDF of 2,000+ pages (default: R manual)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = args.pdf or find_manual()
        if path is None:
            print("r-doc-pdf not installed: building a 2,400-page PDF …", flush=True)
            path = build_big_pdf(Path(scratch) / "big.pdf")
        loaded = load_pdf(path)
        text = loaded.text
        print(f"PDF: {path} ({len(loaded.page_map)} pages, {len(text):,} characters)")
        header = ("query", "str.find", "\\s+ regex", "find_spans", "10 pages")
        print("{:22} {:>16} {:>16} {:>16} {:>9}".format(*header))
        with PdfReader(path, text=loaded) as reader:
            for query in QUERIES:
                print(measure(text, reader, query, args.runs))


def measure(text: str, reader: PdfReader, query: str, runs: int) -> str:
    """One row: each full-text matcher's median time and hit count, then ten pages' search."""
    row = [f"{query!r:22}"]
    for method in (substring_find, whitespace_regex, line_aware):
        ms, spans = median_ms(partial(method, text, query), runs)
        row.append(f"{ms:7.1f} ms {len(spans):>6}")  # type: ignore[arg-type]
    ms, _hits = median_ms(partial(reader.search, query, pages=range(100, 110)), runs)
    row.append(f"{ms:6.1f} ms")
    return " ".join(row)


if __name__ == "__main__":
    main()
