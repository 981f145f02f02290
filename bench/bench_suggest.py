"""Entity-suggestion throughput: ``suggest_entities`` against raw ``nlp.pipe``.

Both run in the same process over the sample readings, with the same pipeline object (the
default model loaded for entities, so only ``ner`` runs) and the same batch size. The raw
baseline reads each doc's entities over the very chunks Annotator cuts the texts into, so
the ratio measures only what Annotator adds (``as_tuples`` bookkeeping, offsets, building
:class:`Suggestion` objects); raw ``nlp.pipe`` over the whole texts is printed beside it
(short chunks parse faster per character, so that ratio flatters us and is not the target).
Runs alternate between the two to spread machine noise evenly; medians are compared.

    .venv/bin/python bench/bench_suggest.py [--runs 7] [--batch-size 16] [--model NAME]

Target (issue 5): ratio <= 1.15.
"""

from __future__ import annotations

import argparse
import statistics
import sys
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
from annotator.nlp.suggest import suggest_entities  # noqa: E402

SAMPLES = REPO.parent / "shared" / "samples"
TARGET = 1.15


def run_raw(nlp, texts: list[tuple[str, str]], batch_size: int) -> int:
    count = 0
    pairs = ((text, doc_id) for doc_id, text in texts)  # spaCy's order: (text, context)
    for doc, _doc_id in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
        count += len([(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents])
    return count


def run_raw_chunked(nlp, texts: list[tuple[str, str]], batch_size: int, chunk_chars: int) -> int:
    """Raw ``nlp.pipe`` over the very chunks Annotator cuts the texts into: the fair baseline
    (short texts parse faster per character, so the whole-text baseline flatters us)."""
    pieces = [
        (text[a:b], (doc_id, a))
        for doc_id, text in texts
        for a, b in split_into_chunks(text, chunk_chars)
    ]
    count = 0
    for doc, (_doc_id, offset) in nlp.pipe(pieces, as_tuples=True, batch_size=batch_size):
        count += len([(ent.start_char + offset, ent.end_char + offset, ent.label_)
                      for ent in doc.ents])  # fmt: skip
    return count


def run_suggest(nlp, texts: list[tuple[str, str]], batch_size: int, chunk_chars: int) -> int:
    count = 0
    for result in suggest_entities(texts, nlp, batch_size=batch_size, chunk_chars=chunk_chars):
        count += len(result.suggestions)
    return count


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
    texts = [(path.stem, path.read_text(encoding="utf-8")) for path in paths]
    chars = sum(len(text) for _, text in texts)

    nlp = load_pipeline(args.model or default_model_name(), purpose="entities")
    print(f"model {model_source(nlp)} (components: {', '.join(nlp.pipe_names)})")
    print(
        f"{len(texts)} documents, {chars:,} characters; batch size {args.batch_size}, "
        f"chunk {args.chunk_chars:,} characters, {args.runs} runs each"
    )

    # Warm up both paths (lazy initialisation, caches) before timing.
    raw_count = run_raw(nlp, texts, args.batch_size)
    ours_count = run_suggest(nlp, texts, args.batch_size, args.chunk_chars)

    run_raw_chunked(nlp, texts, args.batch_size, args.chunk_chars)
    raw_times: list[float] = []
    chunked_times: list[float] = []
    ours_times: list[float] = []
    for _ in range(args.runs):
        start = time.perf_counter()
        run_raw(nlp, texts, args.batch_size)
        raw_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        run_raw_chunked(nlp, texts, args.batch_size, args.chunk_chars)
        chunked_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        run_suggest(nlp, texts, args.batch_size, args.chunk_chars)
        ours_times.append(time.perf_counter() - start)

    whole = statistics.median(raw_times)
    raw = statistics.median(chunked_times)
    ours = statistics.median(ours_times)
    ratio = ours / raw
    print(f"raw nlp.pipe, whole texts  median {whole:.3f} s  ({raw_count} ents; "
          f"suggest/this {ours / whole:.3f}x)")  # fmt: skip
    print(f"raw nlp.pipe, same chunks  median {raw:.3f} s  ({chars / raw:,.0f} chars/s)")
    print(
        f"suggest_entities   median {ours:.3f} s  ({chars / ours:,.0f} chars/s, {ours_count} ents)"
    )
    verdict = "OK" if ratio <= TARGET else "OVER"
    print(f"ratio suggest/raw  {ratio:.3f}x  (target <= {TARGET}x): {verdict}")

    # Both cores (issue 18): the command line's suggestions over a corpus (the readings four
    # times over) in two processes, against single-process nlp.pipe over the same chunks.
    corpus = [(f"{doc_id}-{n}", text) for n in range(4) for doc_id, text in texts]
    two_times, one_times = [], []
    for _ in range(max(1, args.runs // 2)):
        start = time.perf_counter()
        run_raw_chunked(nlp, corpus, args.batch_size, args.chunk_chars)
        one_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        for _result in suggest_entities(
            corpus, nlp, batch_size=args.batch_size, chunk_chars=args.chunk_chars, n_process=2
        ):
            pass
        two_times.append(time.perf_counter() - start)
    one, two = statistics.median(one_times), statistics.median(two_times)
    print(
        f"corpus of {len(corpus)} documents: suggestions in 2 processes {two:.2f} s vs "
        f"raw nlp.pipe in 1 process {one:.2f} s: {two / one:.2f}x"
    )
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
