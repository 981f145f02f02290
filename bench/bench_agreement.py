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

Runs alternate between ours and the reference to spread machine noise; medians are compared.

    .venv/bin/python bench/bench_agreement.py [--runs 7]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--skip-service", action="store_true")
    args = parser.parse_args()

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
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
