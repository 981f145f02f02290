"""Storing 100,000 annotations and loading the 10,000 of one document, against raw sqlite3.

Both sides run in the same process, alternating, several times; the medians and their
ratio are printed (target: at most 2x). The raw side does the same inserts into a table of
the same columns (WAL, synchronous=FULL, one transaction) and the same indexed select of the
same 20 columns the store reads.
Run: ``.venv/bin/python bench/bench_store.py``.

``--scale`` times bulk writes at growing sizes instead (issue 18): ``Project.add_annotations``
of 10,000 and 100,000 built annotations (``--full``: and 1,000,000) into a project of ten
documents, against raw ``executemany`` of the same rows into a table of the same columns and
indexes (the same SQLite library as the store, WAL, synchronous=FULL, one transaction).
Interleaved, medians; target at 1M: at most 2x, and time growing linearly with the size.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from annotator.project import Project

DOCUMENTS = 10
PER_DOCUMENT = 10_000
RUNS = 5
# What Store.annotations reads, in its order (``deleted`` is only filtered on).
COLUMNS = (
    "id, document, annotator, kind, start, end, quote, prefix, suffix, label, color, symbol, "
    "note, source, status, score, page, rect, created, modified"
)
WORDS = ["studies", "serve", "for", "delight", "ornament", "reading", "maketh", "😀", "𝛽"]


def make_text(seed: int, length: int = 100_000) -> str:
    rng = random.Random(seed)
    words: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:length]


def ours(folder: Path, texts: list[str]) -> tuple[float, float]:
    project = Project(folder / "ours.annotator")
    rng = random.Random(1)
    docs = [project.add_text(f"doc {i}", text)[0] for i, text in enumerate(texts)]
    batch = []
    for doc, text in zip(docs, texts, strict=True):
        for _ in range(PER_DOCUMENT):
            start = rng.randrange(len(text) - 50)
            batch.append(
                project.build_annotation(
                    doc.id, start, start + rng.randint(1, 40), text=text, note="a note",
                    color="#ffe066",
                )
            )  # fmt: skip
    began = time.perf_counter()
    project.add_annotations(batch)
    stored = time.perf_counter() - began
    began = time.perf_counter()
    loaded = project.annotations(docs[3].id)
    load = time.perf_counter() - began
    assert len(loaded) == PER_DOCUMENT
    project.close()
    return stored, load


def raw(folder: Path, texts: list[str]) -> tuple[float, float]:
    conn = sqlite3.connect(folder / "raw.sqlite")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(
        "CREATE TABLE annotations (id TEXT PRIMARY KEY, document TEXT, annotator TEXT, kind TEXT,"
        " start INTEGER, end INTEGER, quote TEXT, prefix TEXT, suffix TEXT, label TEXT,"
        " color TEXT, symbol TEXT, note TEXT, source TEXT, status TEXT, score REAL,"
        " page INTEGER, rect TEXT, created TEXT, modified TEXT, deleted TEXT)"
    )
    conn.execute("CREATE INDEX idx_doc ON annotations (document, start)")
    rng = random.Random(1)
    rows = []
    for d, text in enumerate(texts):
        for _ in range(PER_DOCUMENT):
            start = rng.randrange(len(text) - 50)
            end = start + rng.randint(1, 40)
            rows.append(
                (str(uuid.uuid4()), f"doc{d}", "me", "comment", start, end, text[start:end],
                 text[max(0, start - 32) : start], text[end : end + 32], None, "#ffe066", None,
                 "a note", "manual", "accepted", None, None, None, "2026-01-01", "2026-01-01")
            )  # fmt: skip
    began = time.perf_counter()
    with conn:
        conn.executemany(f"INSERT INTO annotations VALUES ({', '.join('?' * 20)}, NULL)", rows)
    stored = time.perf_counter() - began
    began = time.perf_counter()
    loaded = conn.execute(
        f"SELECT {COLUMNS} FROM annotations WHERE document = ? AND deleted IS NULL "
        "ORDER BY start, end",
        ("doc3",),
    ).fetchall()
    load = time.perf_counter() - began
    assert len(loaded) == PER_DOCUMENT
    conn.close()
    return stored, load


def scale_rows(total: int, documents: list[str], annotator: str, texts: list[str]) -> list:
    """``total`` annotations spread over the documents (random spans, a note on each)."""
    from annotator.core.model import Annotation, AnnotationKind, new_id

    rng = random.Random(total)
    batch = []
    for i in range(total):
        d = i % len(documents)
        text = texts[d]
        start = rng.randrange(len(text) - 50)
        end = start + rng.randint(1, 40)
        batch.append(
            Annotation(
                new_id(), documents[d], annotator, AnnotationKind.COMMENT, start, end,
                text[start:end], text[max(0, start - 32) : start], text[end : end + 32],
                note="a note", color="#ffe066",
            )
        )  # fmt: skip
    return batch


def scale_ours(folder: Path, texts: list[str], total: int) -> float:
    project = Project(folder / "ours.annotator")
    docs = [project.add_text(f"doc {i}", text)[0].id for i, text in enumerate(texts)]
    batch = scale_rows(total, docs, project._ensure_current_saved(), texts)
    began = time.perf_counter()
    project.add_annotations(batch)
    elapsed = time.perf_counter() - began
    project.close()
    return elapsed


def scale_raw(folder: Path, texts: list[str], total: int) -> float:
    from annotator.store.sqlite import sqlite3 as store_sqlite3
    from annotator.store.store import _annotation_row

    conn = store_sqlite3.connect(folder / "raw.sqlite")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(
        "CREATE TABLE annotations (id TEXT PRIMARY KEY, document TEXT, annotator TEXT, kind TEXT,"
        " start INTEGER, end INTEGER, quote TEXT, prefix TEXT, suffix TEXT, label TEXT,"
        " color TEXT, symbol TEXT, note TEXT, source TEXT, status TEXT, score REAL,"
        " page INTEGER, rect TEXT, created TEXT, modified TEXT, deleted TEXT)"
    )
    conn.execute("CREATE INDEX idx_doc ON annotations (document, start)")
    docs = [str(uuid.uuid4()) for _ in texts]
    rows = [_annotation_row(a) for a in scale_rows(total, docs, str(uuid.uuid4()), texts)]
    began = time.perf_counter()
    with conn:
        conn.executemany(f"INSERT INTO annotations VALUES ({', '.join('?' * 20)}, NULL)", rows)
    elapsed = time.perf_counter() - began
    conn.close()
    return elapsed


def scale_main(full: bool, runs: int) -> None:
    texts = [make_text(seed) for seed in range(DOCUMENTS)]
    sizes = (10_000, 100_000, 1_000_000) if full else (10_000, 100_000)
    print(f"{'annotations':>12} {'add_annotations':>16} {'raw executemany':>16} {'ratio':>6}"
          f" {'µs/row ours':>12}")  # fmt: skip
    for total in sizes:
        results: dict[str, list[float]] = {"ours": [], "raw": []}
        count = runs if total < 1_000_000 else max(1, runs // 2)
        for run in range(count):
            for name, fn in (
                (("ours", scale_ours), ("raw", scale_raw))
                if run % 2 == 0
                else (("raw", scale_raw), ("ours", scale_ours))
            ):
                with tempfile.TemporaryDirectory() as folder:
                    results[name].append(fn(Path(folder), texts, total))
        mine = statistics.median(results["ours"])
        base = statistics.median(results["raw"])
        print(f"{total:>12,} {mine:>15.2f}s {base:>15.2f}s {mine / base:>5.2f}x"
              f" {mine / total * 1e6:>12.1f}")  # fmt: skip


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="store_true", help="bulk writes at growing sizes")
    parser.add_argument("--full", action="store_true", help="--scale up to 1,000,000")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    if args.scale:
        scale_main(args.full, args.runs)
        return
    texts = [make_text(seed) for seed in range(DOCUMENTS)]
    results: dict[str, list[tuple[float, float]]] = {"ours": [], "raw": []}
    for run in range(RUNS):
        for name, fn in (
            (("ours", ours), ("raw", raw)) if run % 2 else (("raw", raw), ("ours", ours))
        ):
            with tempfile.TemporaryDirectory() as folder:
                results[name].append(fn(Path(folder), texts))
    for index, what in enumerate(("store 100,000 annotations", "load 10,000 of one document")):
        mine = statistics.median(r[index] for r in results["ours"])
        base = statistics.median(r[index] for r in results["raw"])
        print(
            f"{what:32s} ours {mine * 1000:8.1f} ms   raw sqlite3 {base * 1000:8.1f} ms   "
            f"ratio {mine / base:4.2f}x  (target <= 2x, median of {RUNS})"
        )


if __name__ == "__main__":
    main()
