"""Agreement speed against the reference libraries, on the same data in the same run.

- Cohen's kappa over 1,000,000 tokens for two annotators (string labels, ~85 % ``O``):
  ``annotator.agreement.cohen_kappa`` against ``sklearn.metrics.cohen_kappa_score``.
  Target (issue 6): ratio <= 1.0 (not slower than scikit-learn).
- Krippendorff's alpha (nominal) for 10,000 units x 5 annotators with 10 % missing:
  ``annotator.agreement.krippendorff_alpha`` against ``krippendorff.alpha``, both given the
  same numeric array (NaN for missing; ours takes units x raters, theirs raters x units).
  Target (issue 6): ratio <= 1.5.
- For information: ``compute_agreement`` (the service: tokenising, units, every measure)
  over a project of 200 short documents, two annotators.
- Corpus scale (issues 16 and 18): ``annotator agreement --unit token`` as a whole process
  (every figure with its interval, JSON written) on a built project of ``--documents``
  documents of ~10,000 tokens each and two annotators, against the raw baseline in its own
  process: sqlite3 reading the texts and spans, spaCy's blank tokenizer, labels as numpy
  arrays and ``sklearn.metrics.cohen_kappa_score``. Ours runs cold (the token cache emptied
  first, so it tokenises as the baseline does) and warm (tokens from the project's cache).
  Targets: cold <= 1.0x the baseline's time (issue 16), whole process <= 1.2x (issue 18),
  peak memory <= 2x the baseline's and <= 1 GB. ``--full`` builds the 800-document,
  ~7.9 M-token corpus of issue 16 (slow to build).

Runs alternate between ours and the reference to spread machine noise; medians are compared.

    .venv/bin/python bench/bench_agreement.py [--runs 7] [--documents 80 | --full]
        [--only-corpus]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotator.agreement import cohen_kappa, krippendorff_alpha  # noqa: E402

KAPPA_TARGET = 1.0
ALPHA_TARGET = 1.5
LABELS = ["PER", "ORG", "GPE", "LOC", "DATE"]


def token_labels(n: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    a = [rng.choice(LABELS) if rng.random() < 0.15 else "O" for _ in range(n)]
    b = [x if rng.random() < 0.9 else (rng.choice(LABELS) if rng.random() < 0.5 else "O")
         for x in a]  # fmt: skip
    return a, b


def reliability(units: int, raters: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 6, size=units)
    data = np.where(rng.random((raters, units)) < 0.8, truth, rng.integers(0, 6, (raters, units)))
    data = data.astype(np.float64)
    data[rng.random((raters, units)) < 0.1] = np.nan
    return data


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def compare(
    name: str, ours: Callable[[], float], reference: Callable[[], float], runs: int, target: float
) -> bool:
    ours_times, ref_times = [], []
    ours(), reference()  # warm up (imports, caches)
    for _ in range(runs):
        t, ours_value = timed(ours)
        ours_times.append(t)
        t, ref_value = timed(reference)
        ref_times.append(t)
    ours_median, ref_median = statistics.median(ours_times), statistics.median(ref_times)
    ratio = ours_median / ref_median
    same = abs(float(ours_value) - float(ref_value)) < 1e-9  # type: ignore[arg-type]
    ok = ratio <= target and same
    print(
        f"{name}: ours {ours_median * 1000:.1f} ms, reference {ref_median * 1000:.1f} ms, "
        f"ratio {ratio:.2f} (target <= {target}); values {'equal' if same else 'DIFFER'} "
        f"({float(ours_value):.6f}) -> {'OK' if ok else 'MISSED'}"  # type: ignore[arg-type]
    )
    return ok


def bench_service(documents: int = 200) -> None:
    from annotator.comparing.report import compute_agreement
    from annotator.project import Project

    rng = random.Random(3)
    words = "the archive of letters names Ada Lovelace and Charles Babbage in London"
    words = words.split(" ")
    with tempfile.TemporaryDirectory() as folder, Project(Path(folder) / "b.annotator") as p:
        tokens = 0
        for d in range(documents):
            text = " ".join(rng.choice(words) for _ in range(300)) + f" {d}."
            doc = p.add_text(f"doc {d}", text)[0]
            tokens += 301
            for name in ("ann", "ben"):
                spans, position = [], 0
                for word in text.split(" "):
                    if word in ("Ada", "London") and rng.random() < 0.9:
                        spans.append(p.build_annotation(
                            doc.id, position, position + len(word), label="X", annotator=name,
                            text=text,
                        ))  # fmt: skip
                    position += len(word) + 1
                p.add_annotations(spans)
        seconds, _ = timed(lambda: compute_agreement(p, ["ann", "ben"], unit="token"))
        print(
            f"service: compute_agreement (token unit, every measure) over {documents} documents, "
            f"~{tokens:,} tokens: {seconds:.2f} s (for information)"
        )


CORPUS_TIME_TARGET = 1.0
CORPUS_MEMORY_TARGET = 2.0
CORPUS_MEMORY_LIMIT_MB = 1024
_NAMES = ["Ada", "Lovelace", "London", "Babbage", "Paris", "Curie", "Sorbonne", "Berlin"]
_WORDS = [
    "the",
    "of",
    "and",
    "a",
    "to",
    "in",
    "letters",
    "archive",
    "wrote",
    "that",
    "with",
    "was",
    "for",
    "on",
    "as",
    "by",
    "at",
    "from",
    "this",
    "which",
    "machine",
    "engine",
    "numbers",
    "were",
    "analytical",
    "notes",
    "about",
    "an",
    "it",
    "his",
    "her",
    "they",
]

_BASELINE = r"""
import resource, sqlite3, sys, time
import numpy as np
import spacy
from sklearn.metrics import cohen_kappa_score

path, first, second = sys.argv[1:4]
start = time.perf_counter()
conn = sqlite3.connect(path)
ids = dict(conn.execute("SELECT name, id FROM annotators"))
nlp = spacy.blank("en")
labels = {}
codes = {"O": 0}
for name in (first, second):
    labels[name] = []
documents = conn.execute("SELECT id, text FROM documents ORDER BY id").fetchall()
for doc_id, text in documents:
    doc = nlp.make_doc(text)
    table = doc.to_array(["IDX", "LENGTH", "IS_SPACE"]).astype(np.int64)
    table = table[table[:, 2] == 0]
    starts, ends = table[:, 0], table[:, 0] + table[:, 1]
    for name in (first, second):
        rows = conn.execute(
            "SELECT start, end, label FROM annotations WHERE document = ? AND annotator = ? "
            "AND status = 'accepted' AND deleted IS NULL AND label IS NOT NULL",
            (doc_id, ids[name]),
        ).fetchall()
        out = np.zeros(len(starts), dtype=np.int16)
        for s, e, label in rows:
            code = codes.setdefault(label, len(codes))
            out[np.searchsorted(ends, s, "right"):np.searchsorted(starts, e, "left")] = code
        labels[name].append(out)
a = np.concatenate(labels[first])
b = np.concatenate(labels[second])
kappa = cohen_kappa_score(a, b)
seconds = time.perf_counter() - start
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking parent.
peak = next(int(line.split()[1]) for line in open("/proc/self/status")
            if line.startswith("VmHWM")) / 1024
print(f"{seconds} {peak} {kappa} {len(a)}")
"""

_OURS = r"""
import resource, sys, time, json
start = time.perf_counter()
from annotator.cli import main
path, first, second, out = sys.argv[1:5]
code = main(["--project", path, "agreement", "--annotators", f"{first},{second}",
             "--unit", "token", "--format", "json", "-o", out])
seconds = time.perf_counter() - start
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking parent.
peak = next(int(line.split()[1]) for line in open("/proc/self/status")
            if line.startswith("VmHWM")) / 1024
data = json.load(open(out, encoding="utf-8"))
kappa = data["pairs"][0]["figures"][0]["value"]
print(f"{seconds} {peak} {kappa} {data['counts']['tokens']} {code}")
"""


def build_corpus(path: Path, documents: int, tokens_per_document: int = 10_000) -> int:
    """A project of ``documents`` texts with two annotators' entities; returns the tokens."""
    from annotator.core.model import Annotation, AnnotationId, AnnotationKind, new_id
    from annotator.project import Project

    rng = random.Random(11)
    total = 0
    with Project(path) as project:
        ids = {name: project.annotator_named(name, create=True).id for name in ("ann", "ben")}
        for d in range(documents):
            words = [
                rng.choice(_NAMES) if rng.random() < 0.08 else rng.choice(_WORDS)
                for _ in range(tokens_per_document - 1)
            ]
            text = " ".join(words) + f" {d}"
            doc = project.add_text(f"doc {d}", text)[0]
            total += len(words) + 1
            batch = []
            position = 0
            for word in words:
                if word in _NAMES:
                    label = "PER" if word in ("Ada", "Lovelace", "Babbage", "Curie") else "GPE"
                    for name in ("ann", "ben"):
                        if name == "ben" and rng.random() < 0.1:
                            continue  # ben misses one in ten
                        chosen = label if name == "ann" or rng.random() < 0.9 else "ORG"
                        batch.append(
                            Annotation(
                                id=AnnotationId(new_id()), document_id=doc.id,
                                annotator_id=ids[name], kind=AnnotationKind.ENTITY,
                                start=position, end=position + len(word), quote=word,
                                label=chosen,
                            )
                        )  # fmt: skip
                position += len(word) + 1
            project.add_annotations(batch)
    return total


def _process(script: str, *args: str) -> tuple[float, float, float, str]:
    """Wall time of the whole process (start-up and imports included), its peak memory
    (MB), the kappa it computed and its token count."""
    import subprocess

    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True, text=True, check=False, cwd=REPO,
        env={**__import__("os").environ, "PYTHONWARNINGS": "ignore"},
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"a measured process failed:\n{done.stderr}")
    fields = done.stdout.split()
    return wall, float(fields[1]), float(fields[2]), fields[3]


def bench_corpus(documents: int, runs: int) -> bool:
    import sqlite3

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "corpus.annotator"
        started = time.perf_counter()
        tokens = build_corpus(path, documents)
        print(
            f"corpus: {documents} documents, ~{tokens:,} tokens, 2 annotators "
            f"(built in {time.perf_counter() - started:.0f} s)"
        )
        # The command line makes its once-a-day backup on the first run of the day: make it
        # now, so that no measured run pays for it.
        _process(_OURS, str(path), "ann", "ben", str(Path(folder) / "warm-up.json"))
        out = str(Path(folder) / "report.json")
        times: dict[str, list[float]] = {"baseline": [], "cold": [], "warm": []}
        peaks: dict[str, list[float]] = {"baseline": [], "cold": [], "warm": []}
        values: dict[str, float] = {}
        for _ in range(runs):
            for kind in ("baseline", "cold", "warm"):
                if kind == "cold":
                    with sqlite3.connect(path) as conn:
                        conn.execute("DELETE FROM token_cache")
                    conn.close()
                if kind == "baseline":
                    seconds, peak, value, _ = _process(_BASELINE, str(path), "ann", "ben")
                else:
                    seconds, peak, value, _ = _process(_OURS, str(path), "ann", "ben", out)
                times[kind].append(seconds)
                peaks[kind].append(peak)
                values[kind] = value
        base_t, base_m = statistics.median(times["baseline"]), max(peaks["baseline"])
        ok = True
        for kind in ("cold", "warm"):
            t, m = statistics.median(times[kind]), max(peaks[kind])
            same = abs(values[kind] - values["baseline"]) < 1e-9
            good = (
                t / base_t <= CORPUS_TIME_TARGET
                and m / base_m <= CORPUS_MEMORY_TARGET
                and m <= CORPUS_MEMORY_LIMIT_MB
                and same
            )
            ok &= good
            print(
                f"agreement --unit token, whole process, {kind} token cache: {t:.2f} s, "
                f"{m:.0f} MB peak; baseline {base_t:.2f} s, {base_m:.0f} MB; ratio "
                f"{t / base_t:.2f}x time (target <= {CORPUS_TIME_TARGET}), {m / base_m:.2f}x "
                f"memory (target <= {CORPUS_MEMORY_TARGET}, <= {CORPUS_MEMORY_LIMIT_MB} MB); "
                f"kappa {'equal' if same else 'DIFFERS'} ({values[kind]:.6f}) -> "
                f"{'OK' if good else 'MISSED'}"
            )
        return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--skip-service", action="store_true")
    parser.add_argument("--documents", type=int, default=80, help="corpus size (documents)")
    parser.add_argument("--full", action="store_true", help="the 800-document corpus")
    parser.add_argument("--only-corpus", action="store_true")
    args = parser.parse_args()
    if args.only_corpus:
        return 0 if bench_corpus(800 if args.full else args.documents, args.runs) else 1

    import krippendorff
    from sklearn.metrics import cohen_kappa_score

    a, b = token_labels(args.tokens, seed=1)
    ok = compare(
        f"Cohen's kappa, {args.tokens:,} tokens",
        lambda: cohen_kappa(a, b).value,  # type: ignore[arg-type,return-value]
        lambda: cohen_kappa_score(a, b),
        args.runs,
        KAPPA_TARGET,
    )
    data = reliability(10_000, 5, seed=2)
    rows = np.ascontiguousarray(data.T)
    ok &= compare(
        "Krippendorff's alpha (nominal), 10,000 units x 5 annotators",
        lambda: krippendorff_alpha(rows).value,  # type: ignore[return-value]
        lambda: krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"),
        args.runs,
        ALPHA_TARGET,
    )
    if not args.skip_service:
        bench_service()
    ok &= bench_corpus(800 if args.full else args.documents, min(args.runs, 3))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
