"""Re-anchoring benchmark: 10,000 annotations on a 1 MB text, against a naive ``str.find`` loop.

Run: ``.venv/bin/python bench/bench_reanchor.py``

For each kind of change to the text, places every annotation with
:class:`annotator.core.reanchor.Reanchorer` and reports the time, the ratio to a loop that only
calls ``new_text.find(quote)`` per annotation (no context, no fuzzy matching — the floor any
re-anchoring pays), and how many annotations were placed correctly, moved and orphaned.
"Correct" means the placed span is where the edit script says the passage went.
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from annotator.core.reanchor import Anchor, Orphaned, Placed, Reanchorer
from annotator.core.spans import make_selector

TEXT_CHARS = 1_000_000
ANNOTATIONS = 10_000
RUNS = 3
WORDS = " ".join(
    [
        "the reader weighs every claim and considers how studies serve delight ornament",
        "ability judgment discourse experience nature books tasted swallowed chewed digested",
        "histories poets mathematics subtle philosophy deep morals grave logic rhetoric able",
        "contend abeunt studia in mores crafty men contemn simple admire wise use them for",
        "they teach not their own",
    ]
).split(" ")


def make_text(rng: random.Random) -> str:
    words: list[str] = []
    size = 0
    while size < TEXT_CHARS:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 24)))
        sentence = sentence.capitalize() + (". " if rng.random() > 0.1 else ".\n\n")
        words.append(sentence)
        size += len(sentence)
    return "".join(words)[:TEXT_CHARS]


def make_anchors(text: str, rng: random.Random) -> list[Anchor]:
    anchors = []
    for _ in range(ANNOTATIONS):
        length = rng.randint(8, 200)
        start = rng.randrange(0, len(text) - length)
        selector = make_selector(text, start, start + length)
        anchors.append(
            Anchor(start, start + length, selector.exact, selector.prefix, selector.suffix)
        )
    return anchors


def edit(text: str, rng: random.Random, edits: int, kind: str) -> tuple[str, list[int]]:
    """Apply ``edits`` random edits; returns the new text and an old→new offset shift table."""
    positions = sorted(rng.sample(range(1000, len(text) - 1000), edits))
    pieces: list[str] = []
    shift = [0] * (len(text) + 1)
    last = 0
    delta = 0
    for at in positions:
        pieces.append(text[last:at])
        for i in range(last, at):
            shift[i] = delta
        if kind == "substitute":
            pieces.append("X")
            last = at + 1
            shift[at] = delta
        elif kind == "insert":
            inserted = " NEW" * rng.randint(1, 5)
            pieces.append(inserted)
            delta += len(inserted)
            last = at
        else:  # delete one character
            delta -= 1
            last = at + 1
            shift[at] = delta
    pieces.append(text[last:])
    for i in range(last, len(text) + 1):
        shift[i] = delta
    return "".join(pieces), shift


def naive(text: str, anchors: list[Anchor]) -> int:
    return sum(1 for a in anchors if text.find(a.quote) >= 0)


def run(name: str, old: str, new: str, anchors: list[Anchor], shift: list[int] | None) -> None:
    times, base = [], []
    results: list = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        results = Reanchorer(new).place_all(anchors)
        times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        naive(new, anchors)
        base.append(time.perf_counter() - t0)
    with_old = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        Reanchorer(new, old_text=old).place_all(anchors)
        with_old.append(time.perf_counter() - t0)
    placed = [r for r in results if isinstance(r, Placed)]
    orphaned = sum(isinstance(r, Orphaned) for r in results)
    moved = sum(r.moved for r in placed)
    correct = 0
    if shift is not None:
        for a, r in zip(anchors, results, strict=True):
            if isinstance(r, Placed) and abs(r.start - (a.start + shift[a.start])) <= 2:
                correct += 1
    ours, floor = statistics.median(times), statistics.median(base)
    old_ms = statistics.median(with_old) * 1000
    print(
        f"{name:<34} {ours * 1000:8.0f} ms  (with old text {old_ms:6.0f} ms)  "
        f"naive find {floor * 1000:6.0f} ms  ratio {ours / floor:5.2f}  "
        f"placed {len(placed):5d} moved {moved:5d} orphaned {orphaned:4d}"
        + (f"  correct {correct:5d}" if shift is not None else "")
    )


def main() -> int:
    rng = random.Random(9)
    text = make_text(rng)
    anchors = make_anchors(text, rng)
    print(f"{len(text):,} characters, {len(anchors):,} annotations, median of {RUNS} runs")
    identity = [0] * (len(text) + 1)
    run("unchanged", text, text, anchors, identity)
    preface = "A NEW PREFACE.\n\n" * 200
    run(
        "new preface (3 kB inserted at top)",
        text,
        preface + text,
        anchors,
        [len(preface)] * len(identity),
    )
    for kind in ("insert", "delete", "substitute"):
        new, shift = edit(text, rng, 2000, kind)
        run(f"2,000 scattered edits ({kind})", text, new, anchors, shift)
    other = make_text(random.Random(10))
    run("a different text (all orphans)", text, other, anchors[:1000], None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
