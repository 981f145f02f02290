"""End-to-end suggestion throughput: ``run_suggestions`` (model + storing) against raw ``nlp.pipe``.

What a reader waits for when they press Suggest: the service opens its own connection on the
project path (as a worker thread does), streams the texts out of the project, runs the
pipeline, reconciles with what is stored and writes each document's suggestions in one
transaction with their history. The baseline is bare ``nlp.pipe`` over the same texts with
the same pipeline object and batch size, reading each doc's entities. A second baseline runs
``nlp.pipe`` over the same paragraph chunks the service uses, so the "storing" line isolates
what reconciling and writing cost (whole long texts are slower per character than chunks,
which flatters the service against the first baseline).

Each timed service run starts from a fresh copy of a project holding the sample readings and
no suggestions (copying is not timed), so every run stores every suggestion. Runs alternate
between the two to spread machine noise evenly; medians are compared.

    .venv/bin/python bench/bench_suggest_service.py [--runs 7] [--batch-size 8] [--model NAME]

Target (issue 5): ratio <= 1.15.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotator.nlp.chunks import (  # noqa: E402
    DEFAULT_BATCH_SIZE,
    DEFAULT_CHUNK_CHARS,
    split_into_chunks,
)
from annotator.nlp.models import default_model_name, load_pipeline, model_source  # noqa: E402
from annotator.project import Project  # noqa: E402
from annotator.suggesting.running import run_suggestions  # noqa: E402

SAMPLES = REPO.parent / "shared" / "samples"
TARGET = 1.15


def run_raw(nlp, texts: list[tuple[str, str]], batch_size: int) -> int:
    count = 0
    pairs = ((text, doc_id) for doc_id, text in texts)  # spaCy's order: (text, context)
    for doc, _doc_id in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
        count += len([(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents])
    return count


def chunked(texts: list[tuple[str, str]], chunk_chars: int) -> list[tuple[str, str]]:
    return [
        (doc_id, text[start:end])
        for doc_id, text in texts
        for start, end in split_into_chunks(text, chunk_chars)
    ]


def run_service(template: Path, work: Path, model: str, batch_size: int, chunk_chars: int):
    """Copy the empty project (untimed), then time ``run_suggestions`` on its path."""
    target = work / "run.annotator"
    for leftover in work.glob("run.annotator*"):
        leftover.unlink()
    shutil.copyfile(template, target)
    start = time.perf_counter()
    report = run_suggestions(
        target, kind="entities", model=model, batch_size=batch_size, chunk_chars=chunk_chars
    )
    return time.perf_counter() - start, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--chunk-chars", type=int, default=DEFAULT_CHUNK_CHARS)
    parser.add_argument("--model", default=None, help="pipeline package or directory")
    parser.add_argument("--samples", type=Path, default=SAMPLES)
    args = parser.parse_args()

    paths = sorted(args.samples.glob("*.txt"))
    if not paths:
        print(f"no sample readings in {args.samples}", file=sys.stderr)
        return 2
    model = args.model or default_model_name()
    nlp = load_pipeline(model, purpose="entities")  # the cached object run_suggestions uses

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        template = work / "template.annotator"
        with Project(template) as project:
            for path in paths:
                project.add_document(path)
            # The texts exactly as the service reads them (canonical, newline-normalised).
            texts = [(d.id, project.document(d.id).text) for d in project.store.documents()]
        chars = sum(len(text) for _, text in texts)
        print(f"model {model_source(nlp)} (components: {', '.join(nlp.pipe_names)})")
        print(
            f"{len(texts)} documents, {chars:,} characters; batch size {args.batch_size}, "
            f"chunk {args.chunk_chars:,} characters, {args.runs} runs each"
        )

        # Warm up both paths (lazy initialisation, caches) before timing.
        chunks = chunked(texts, min(args.chunk_chars, nlp.max_length))
        raw_count = run_raw(nlp, texts, args.batch_size)
        run_raw(nlp, chunks, args.batch_size)
        _, report = run_service(template, work, model, args.batch_size, args.chunk_chars)

        raw_times: list[float] = []
        ours_times: list[float] = []
        chunk_times: list[float] = []
        for _ in range(args.runs):
            start = time.perf_counter()
            run_raw(nlp, texts, args.batch_size)
            raw_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            run_raw(nlp, chunks, args.batch_size)
            chunk_times.append(time.perf_counter() - start)
            seconds, report = run_service(template, work, model, args.batch_size, args.chunk_chars)
            ours_times.append(seconds)

    raw = statistics.median(raw_times)
    ours = statistics.median(ours_times)
    raw_chunks = statistics.median(chunk_times)
    ratio = ours / raw
    print(f"raw nlp.pipe       median {raw:.3f} s  ({chars / raw:,.0f} chars/s, {raw_count} ents)")
    print(
        f"run_suggestions    median {ours:.3f} s  ({chars / ours:,.0f} chars/s, "
        f"{report.suggestions} stored)"
    )
    print(
        f"raw nlp.pipe chunks median {raw_chunks:.3f} s  (the same chunks as the service; "
        f"storing and reconciling add {ours / raw_chunks - 1:+.1%})"
    )
    verdict = "OK" if ratio <= TARGET else "OVER"
    print(f"ratio service/raw  {ratio:.3f}x  (target <= {TARGET}x): {verdict}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
