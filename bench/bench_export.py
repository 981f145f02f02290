"""Benchmark: exporting 100,000 annotations to JSONL (doccano, Prodigy) and to ``.spacy``.

Each exporter is timed against the least work that produces the same file:
- JSONL: ``json.dumps`` of the very records the exporter writes, built beforehand
  (for Prodigy that includes the tokens, so the ratio shows the cost of tokenising);
- ``.spacy``: a DocBin built directly with spaCy (``make_doc``, ``char_span``,
  ``filter_spans``, ``doc.ents``, ``doc.spans["sc"]``, ``doc.cats``, ``to_bytes``).
Reading the same annotations out of a project file (``collect``) is timed once on its own.
Medians of several runs. Run: ``.venv/bin/python bench/bench_export.py [--runs 5]``.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
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
