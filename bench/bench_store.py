"""Storing 100,000 annotations and loading the 10,000 of one document, against raw sqlite3.

Both sides run in the same process, alternating, several times; the medians and their
ratio are printed (target: at most 2x). The raw side does the same inserts into a table of
the same columns (WAL, synchronous=FULL, one transaction) and the same indexed select of the
same 20 columns the store reads.
Run: ``.venv/bin/python bench/bench_store.py``.
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


def main() -> None:
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
