"""What checking a project when it opens costs: ``PRAGMA quick_check`` on a ~300 MB project.

``annotator`` runs ``quick_check`` every time the command line opens a project (``check=True``)
so that a damaged file is reported with a way out instead of failing half way through a
command. This measures that check against the cheapest useful thing a command does anyway:
opening the file and counting the annotations (``SELECT count(*)``, which walks the whole
annotations b-tree), with raw sqlite3 in the same process, alternating, several runs; the
medians and their ratio are printed. ``integrity_check`` (what a written backup gets) and
opening through :class:`~annotator.store.Store` with ``check=True`` are printed alongside.

The project is built once (documents of 1 MB of text and annotations with quotes, notes and
context, through :class:`~annotator.store.Store` bulk inserts) and reused on later runs.
Run: ``.venv/bin/python bench/bench_quick_check.py [--project /tmp/bench/qc.annotator]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from annotator.core.model import Annotation, AnnotationKind, Annotator, AnnotatorId, new_id
from annotator.store import Store
from annotator.store.sqlite import sqlite3

RUNS = 5
DEFAULT = Path("/tmp/annotator-bench/quick_check.annotator")
WORDS = ["studies", "serve", "for", "delight", "ornament", "reading", "maketh", "😀", "𝛽"]


def make_text(rng: random.Random, length: int) -> str:
    words: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:length]


def build(path: Path, documents: int, per_document: int) -> None:
    """A project of ``documents`` texts of 1 MB, each with ``per_document`` annotations."""
    from annotator.core.model import Document, DocumentKind
    from annotator.documents.base import sha256_text

    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    store = Store(path)
    annotator = Annotator(AnnotatorId(new_id()), "bench")
    with store.transaction():
        store.add_annotator(annotator)
    for d in range(documents):
        text = make_text(rng, 1_000_000)
        digest = sha256_text(text)
        doc = Document(
            id=new_id(), title=f"doc {d}", path="", sha256=digest, text_sha256=digest,
            kind=DocumentKind.TEXT, text=text,
        )  # type: ignore[arg-type]  # fmt: skip
        batch = []
        for _ in range(per_document):
            start = rng.randrange(len(text) - 200)
            end = start + rng.randint(5, 60)
            batch.append(
                Annotation(
                    new_id(), doc.id, annotator.id, AnnotationKind.HIGHLIGHT, start, end,
                    quote=text[start:end], prefix=text[max(0, start - 32) : start],
                    suffix=text[end : end + 32], note="a note " * rng.randint(0, 6),
                    color="#ffe066", label="Term",
                )  # type: ignore[arg-type]
            )  # fmt: skip
        with store.transaction():
            store.add_document(doc)
            store.insert_annotations(batch)
        print(f"built document {d + 1}/{documents}", flush=True)
    store.close()


def median_seconds(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def quick_check(path: Path) -> None:
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    conn.close()


def integrity_check(path: Path) -> None:
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()


def open_and_count(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("SELECT count(*) FROM annotations").fetchone()
    conn.close()


def open_and_scan(path: Path) -> None:
    """Every annotation row read (count(*) alone counts the smallest index instead)."""
    conn = sqlite3.connect(path)
    conn.execute("SELECT count(*) FROM annotations NOT INDEXED WHERE note IS NOT NULL").fetchone()
    conn.close()


def backup_once(path: Path, thorough: bool) -> float:
    """Seconds for one checked backup (written, checked, then deleted again)."""
    from annotator.store.backups import write_backup

    conn = sqlite3.connect(path)
    began = time.perf_counter()
    written = write_backup(conn, path, "bench", thorough=thorough)
    seconds = time.perf_counter() - began
    conn.close()
    written.unlink()
    return seconds


def store_open_checked(path: Path) -> None:
    Store(path, check=True).close()


def store_open(path: Path) -> None:
    Store(path).close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=DEFAULT)
    parser.add_argument("--documents", type=int, default=44)
    parser.add_argument("--per-document", type=int, default=12_000)
    args = parser.parse_args()
    path: Path = args.project
    if not path.exists():
        build(path, args.documents, args.per_document)
    size = path.stat().st_size / 1e6
    conn = sqlite3.connect(path)
    annotations = conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
    conn.close()
    print(f"project: {path} ({size:.0f} MB, {annotations:,} annotations), SQLite "
          f"{sqlite3.sqlite_version}; medians of {RUNS} runs (file in the page cache)")  # fmt: skip
    baseline = median_seconds(lambda: open_and_count(path))
    quick = median_seconds(lambda: quick_check(path))
    scan = median_seconds(lambda: open_and_scan(path))
    print(f"open + SELECT count(*) FROM annotations: {baseline:.3f} s")
    print(f"open + full scan of the annotations:    {scan:.3f} s")
    print(f"PRAGMA quick_check:                     {quick:.3f} s  ({quick / baseline:.1f}x "
          f"count(*), {quick / scan:.1f}x the full scan)")  # fmt: skip
    integrity = median_seconds(lambda: integrity_check(path))
    print(f"PRAGMA integrity_check:                 {integrity:.3f} s  "
          f"({integrity / baseline:.1f}x)")  # fmt: skip
    plain = median_seconds(lambda: store_open(path))
    checked = median_seconds(lambda: store_open_checked(path))
    print(f"Store(path):                            {plain:.3f} s")
    print(f"Store(path, check=True):                {checked:.3f} s  "
          f"({checked / baseline:.1f}x the baseline)")  # fmt: skip
    quick_backup = backup_once(path, thorough=False)
    thorough_backup = backup_once(path, thorough=True)
    print(f"a backup checked with quick_check:      {quick_backup:.3f} s (one run)")
    print(f"a backup checked with integrity_check:  {thorough_backup:.3f} s (one run)")


if __name__ == "__main__":
    main()
