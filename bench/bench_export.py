"""Benchmark: exporting 100,000 annotations to JSONL (doccano, Prodigy) and to ``.spacy``.

Each exporter is timed against the least work that produces the same file:
- JSONL: ``json.dumps`` of the very records the exporter writes, built beforehand
  (for Prodigy that includes the tokens, so the ratio shows the cost of tokenising);
- ``.spacy``: a DocBin built directly with spaCy (``make_doc``, ``char_span``,
  ``filter_spans``, ``doc.ents``, ``doc.spans["sc"]``, ``doc.cats``, ``to_bytes``).
Reading the same annotations out of a project file (``collect``) is timed once on its own.
Medians of several runs. Run: ``.venv/bin/python bench/bench_export.py [--runs 5]``.

``--native`` times the native JSON export instead (``annotator export --format json``, issue
18): a project of 100,000 annotations (``--full``: 1,000,000) in 1,000 documents is exported
by ``registry.export`` and, as the baseline, by sqlite3 reading the same rows and ``json.dump``
writing the same records (indented); each run is a fresh process (wall time and peak memory,
``VmHWM``), the two alternating. Target: at most 1.5x the time, peak memory under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import spacy
from spacy.tokens import DocBin
from spacy.util import filter_spans

from annotator.core.model import (
    Annotation,
    AnnotationId,
    AnnotationKind,
    AnnotatorId,
    Document,
    DocumentId,
    DocumentKind,
    new_id,
)
from annotator.documents.base import sha256_text
from annotator.formats import doccano, prodigy, spacy_docbin
from annotator.formats.exchange import DocumentAnnotations, ExportData, ExportScope, Losses

DOCUMENTS = 1_000
PER_DOCUMENT = 100  # 100,000 annotations in all
WORDS = ("Ada", "Lovelace", "met", "Charles", "Babbage", "in", "London", "🙂", "the", "angle",
         "\U0001d6fd", "was", "small", "said", "Marie", "Curie", "of", "Paris")  # fmt: skip
LABELS = ("PERSON", "GPE", "ORG", "MISC")


def make_data() -> ExportData:
    """1,000 documents of ~300 words with 100 single- and two-word entities each."""
    documents = []
    annotator = AnnotatorId(new_id())
    for d in range(DOCUMENTS):
        words = [WORDS[(d * 7 + i * 3) % len(WORDS)] for i in range(300)]
        text = " ".join(words) + "."
        starts, position = [], 0
        for word in words:
            starts.append(position)
            position += len(word) + 1
        document = Document(
            DocumentId(new_id()), f"doc {d}", "", sha256_text(text), sha256_text(text),
            DocumentKind.TEXT, text,
        )  # fmt: skip
        annotations = []
        for k in range(PER_DOCUMENT):
            i = k * 3
            length = 1 + (k % 2)
            start = starts[i]
            end = starts[i + length - 1] + len(words[i + length - 1])
            annotations.append(
                Annotation(
                    AnnotationId(new_id()),
                    document.id,
                    annotator,
                    AnnotationKind.ENTITY,
                    start,
                    end,
                    text[start:end],
                    label=LABELS[k % len(LABELS)],
                )
            )
        documents.append(DocumentAnnotations(document, tuple(annotations)))
    return ExportData(tuple(documents), {annotator: "ada"})


def median_time(run: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def direct_docbin(data: ExportData) -> bytes:
    nlp = spacy.blank("en")
    docs = []
    for item in data.documents:
        doc = nlp.make_doc(item.document.text)
        spans = [
            doc.char_span(a.start, a.end, label=a.label, alignment_mode="contract")
            for a in item.annotations
        ]
        spans = [s for s in spans if s is not None]
        doc.ents = filter_spans(spans)
        doc.spans["sc"] = spans
        doc.cats = {}
        docs.append(doc)
    return DocBin(docs=docs, store_user_data=False).to_bytes()


def collect_from_project(data: ExportData) -> float:
    """Seconds to read the 100,000 annotations back out of a project file."""
    from annotator.formats.exchange import collect
    from annotator.project import Project

    with tempfile.TemporaryDirectory() as folder, Project(Path(folder) / "b.annotator") as p:
        with p.store.transaction():
            p.store.add_annotator(p.current_annotator)
        for item in data.documents:
            document, _ = p.add_text(item.document.title, item.document.text)
            with p.store.transaction():
                p.store.insert_annotations(
                    [
                        Annotation(
                            AnnotationId(new_id()),
                            document.id,
                            p.current_annotator.id,
                            a.kind,
                            a.start,
                            a.end,
                            a.quote,
                            label=a.label,
                        )
                        for a in item.annotations
                    ]
                )
        start = time.perf_counter()
        collected, _ = collect(p, ExportScope())
        elapsed = time.perf_counter() - start
        assert collected.annotation_count == data.annotation_count
        return elapsed


NATIVE_CHILD = r"""
import json, sys, time
from pathlib import Path

side, project_path, out = sys.argv[1:4]
began = time.perf_counter()
if side == "ours":
    from annotator.formats import registry
    from annotator.project import Project

    with Project(project_path) as project:
        result, _ = registry.export(project, "json", out)
    count = result.annotations
else:
    import sqlite3

    conn = sqlite3.connect(project_path)
    documents = []
    for row in conn.execute(
        "SELECT id, title, path, kind, sha256, text_sha256, encoding, added, text, page_map "
        "FROM documents WHERE deleted IS NULL ORDER BY added, title"
    ):
        keys = ("id", "title", "source", "kind", "sha256", "text_sha256", "encoding", "added",
                "text")
        record = dict(zip(keys, row[:9]))
        if row[9] and json.loads(row[9]):
            record["page_map"] = json.loads(row[9])
        documents.append(record)
    keys = ("id", "kind", "start", "end", "quote", "prefix", "suffix", "label", "color",
            "symbol", "note", "source", "status", "score", "page", "rect", "created",
            "modified", "document", "annotator")
    annotations = [
        dict(zip(keys, (*row[:15], json.loads(row[15]) if row[15] else None, *row[16:])))
        for row in conn.execute(
            "SELECT id, kind, start, end, quote, prefix, suffix, label, color, symbol, note, "
            "source, status, score, page, rect, created, modified, document, annotator "
            "FROM annotations WHERE deleted IS NULL ORDER BY document, start, end"
        )
    ]
    data = {
        "format": "annotator", "version": 1, "generator": "raw", "exported": "now",
        "documents": documents,
        "annotators": [dict(zip(("id", "name", "color"), r)) for r in conn.execute(
            "SELECT id, name, color FROM annotators ORDER BY created, name")],
        "label_sets": [],
        "annotations": annotations,
        "links": [],
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    count = len(annotations)
elapsed = time.perf_counter() - began
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec
peak = next(int(line.split()[1]) for line in open("/proc/self/status")
            if line.startswith("VmHWM")) / 1024
print(json.dumps({"seconds": elapsed, "peak_mb": peak, "annotations": count}))
"""


def build_native_project(path: Path, total: int) -> None:
    """1,000 documents of ~8,000 characters and ``total`` annotations among them, written
    through the store's bulk path (what an import or "accept all" writes)."""
    from annotator.project import Project

    per_document = total // DOCUMENTS
    with Project(path) as project:
        annotator = project._ensure_current_saved()
        for d in range(DOCUMENTS):
            words = [WORDS[(d * 7 + i * 3) % len(WORDS)] for i in range(1_200)]
            text = " ".join(words) + "."
            document, _ = project.add_text(f"doc {d}", text)
            batch = []
            for k in range(per_document):
                start = (k * 7919) % (len(text) - 40)
                end = start + 5 + k % 30
                batch.append(
                    Annotation(
                        AnnotationId(new_id()), document.id, annotator,
                        AnnotationKind.COMMENT if k % 3 else AnnotationKind.ENTITY,
                        start, end, text[start:end], text[max(0, start - 32) : start],
                        text[end : end + 32], label=None if k % 3 else LABELS[k % 4],
                        note="a note" if k % 3 else "", color="#ffe066" if k % 5 == 0 else None,
                    )
                )  # fmt: skip
            project.add_annotations(batch)


def native_main(args: argparse.Namespace) -> None:
    import subprocess
    import sys

    total = 1_000_000 if args.full else args.annotations
    with tempfile.TemporaryDirectory() as folder:
        project_path = Path(folder) / "native.annotator"
        began = time.perf_counter()
        build_native_project(project_path, total)
        built = time.perf_counter() - began
        print(f"built {total:,} annotations in {DOCUMENTS:,} documents ({built:.1f}s); "
              f"{args.runs} runs each, interleaved")  # fmt: skip
        results: dict[str, list[dict[str, float]]] = {"ours": [], "raw": []}
        for run in range(args.runs):
            for side in ("ours", "raw") if run % 2 == 0 else ("raw", "ours"):
                out = Path(folder) / f"{side}.json"
                done = subprocess.run(
                    [sys.executable, "-c", NATIVE_CHILD, side, str(project_path), str(out)],
                    check=True, capture_output=True, text=True,
                )  # fmt: skip
                result = json.loads(done.stdout.strip().splitlines()[-1])
                assert result["annotations"] == total, result
                results[side].append(result)
                out.unlink()
    ours = statistics.median(r["seconds"] for r in results["ours"])
    raw = statistics.median(r["seconds"] for r in results["raw"])
    ours_mb = max(r["peak_mb"] for r in results["ours"])
    raw_mb = max(r["peak_mb"] for r in results["raw"])
    print(f"export --format json  ours {ours:7.2f}s {ours_mb:7.0f} MB peak   "
          f"sqlite3 + json.dump {raw:7.2f}s {raw_mb:7.0f} MB peak   "
          f"ratio {ours / raw:.2f}x  (target <= 1.5x, <= 300 MB)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--native", action="store_true", help="time the native JSON export")
    parser.add_argument("--annotations", type=int, default=100_000, help="for --native")
    parser.add_argument("--full", action="store_true", help="--native with 1,000,000")
    args = parser.parse_args()
    if args.native:
        native_main(args)
        return
    data = make_data()
    print(f"{data.annotation_count:,} annotations in {len(data.documents):,} documents; "
          f"median of {args.runs} runs")  # fmt: skip

    rows = []
    doccano_records = doccano.records(data, Losses())
    ours = median_time(lambda: doccano.export(data), args.runs)
    base = median_time(
        lambda: "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in doccano_records),
        args.runs,
    )
    rows.append(("doccano JSONL", ours, base))

    prodigy.export(data)  # warm the tokenizer cache the way a second export would find it
    prodigy_records = prodigy.tasks(data, Losses())
    ours = median_time(lambda: prodigy.export(data), args.runs)
    base = median_time(
        lambda: "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in prodigy_records),
        args.runs,
    )
    rows.append(("Prodigy JSONL", ours, base))

    ours = median_time(lambda: spacy_docbin.build_docbin(data)[0].to_bytes(), args.runs)
    base = median_time(lambda: direct_docbin(data), args.runs)
    rows.append((".spacy DocBin", ours, base))

    print(f"{'format':<15}{'Annotator':>12}{'baseline':>12}{'ratio':>8}")
    for name, ours, base in rows:
        print(f"{name:<15}{ours:>11.3f}s{base:>11.3f}s{ours / base:>8.2f}")
    print(f"reading them from a project file (collect): {collect_from_project(data):.3f}s")


if __name__ == "__main__":
    main()
