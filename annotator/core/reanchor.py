"""Re-anchoring: finding an annotation's passage again after its document's text changed.

An annotation stores ``(start, end)`` in the old text plus its quote selector (``quote``,
``prefix``, ``suffix``). Given the new text, :class:`Reanchorer` tries, in order:

1. **exact** — the quote with its full context, at the expected position or nearest to it;
2. **quote** — the quote alone; among several occurrences the one whose surroundings best
   match the stored prefix/suffix wins, and between equally good ones the nearest to the
   expected position (so a repeated phrase stays on *its* repetition);
3. **fuzzy** — an approximate match tolerating small edits inside the quote (a corrected
   typo, modernised spelling, a re-extracted hyphenation). Candidates come from exact "seed"
   pieces of the quote and of its context found near the expected position (then anywhere),
   each aligned by edit distance (Myers' bit-parallel algorithm, so long quotes cost little);
   the best with similarity ``1 - edits / len(quote)`` of at least ``threshold`` wins;
4. **position** — annotations with an empty quote (document-level ones) keep their position,
   mapped into the new text.

Anything else is :class:`Orphaned`, never guessed. The *expected position* is where the old
offset lands in the new text: with the old text at hand, through anchor lines that occur once
in both texts (patience-diff style); without it, the old offset shifted by the drift of the
annotation placed just before (annotations are placed in reading order), so an insertion near
the top of a book does not turn every later lookup into a search of the whole text.

Pure functions over strings; the cost per annotation is a few ``str.find`` calls in a window
around the expected position, so thousands of annotations on a megabyte of text take well
under a second when the text changed little (see ``bench/bench_reanchor.py``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

#: Minimum similarity ``1 - edits / len(quote)`` of a fuzzy match (0.8: one edit in five).
FUZZY_THRESHOLD = 0.8

#: Quotes shorter than this are only placed fuzzily if their context agrees as well.
SHORT_QUOTE = 12

# Half-width of the first search window around the expected position; then the whole text.
_WINDOW = 4096
# Occurrences of a quote considered at most (a very common word, e.g. "the").
_MAX_OCCURRENCES = 5000
# Hits of one seed piece used at most; pieces more common than that say little.
_MAX_SEED_HITS = 64
# Candidate clusters aligned at most per annotation.
_MAX_ALIGNMENTS = 6
# How much nearness to the expected position counts against context similarity.
_PROXIMITY_WEIGHT = 0.25
_PROXIMITY_SCALE = 1000.0


class Method(StrEnum):
    EXACT = "exact"  # quote and full context found
    QUOTE = "quote"  # quote found, context partly different
    FUZZY = "fuzzy"  # a slightly different passage, similar enough to be the same
    POSITION = "position"  # empty quote: the position carried over


@dataclass(frozen=True, slots=True)
class Placed:
    """Where the passage is in the new text.

    ``moved`` is true when the offsets differ from the old ones; ``score`` is the confidence
    in 0..1 (1.0: quote and context identical).
    """

    start: int
    end: int
    moved: bool
    method: Method
    score: float


@dataclass(frozen=True, slots=True)
class Orphaned:
    """The passage could not be found; ``near`` is where it would have been (a hint for the
    reader re-attaching it) and ``best_score`` the best fuzzy similarity that was found."""

    near: int
    best_score: float = 0.0
    reason: str = "the passage is no longer in the text"


@dataclass(frozen=True, slots=True)
class Anchor:
    """What a stored annotation knows about its passage."""

    start: int
    end: int
    quote: str
    prefix: str = ""
    suffix: str = ""


Result = Placed | Orphaned


def reanchor(
    start: int,
    end: int,
    quote: str,
    prefix: str,
    suffix: str,
    new_text: str,
    *,
    old_text: str | None = None,
    threshold: float = FUZZY_THRESHOLD,
) -> Result:
    """Place one annotation in ``new_text``; for many, use :class:`Reanchorer` (it indexes once)."""
    return Reanchorer(new_text, old_text=old_text, threshold=threshold).place(
        Anchor(start, end, quote, prefix, suffix)
    )


class Reanchorer:
    """Places many annotations in one new text.

    Call :meth:`place_all` with annotations in reading order (or :meth:`place` one by one,
    in reading order) so that the drift learnt from one annotation helps the next.
    """

    def __init__(
        self, new_text: str, *, old_text: str | None = None, threshold: float = FUZZY_THRESHOLD
    ) -> None:
        self.text = new_text
        self.threshold = threshold
        self._map = _PositionMap(old_text, new_text) if old_text is not None else None
        if self._map is not None and not self._map.anchored:
            self._map = None  # no line in common (one long line, say): learn the drift instead
        self._drift = 0

    # -- public ---------------------------------------------------------------------------

    def place_all(self, anchors: Iterable[Anchor]) -> list[Result]:
        """Results in the order given; processed in reading order internally."""
        items = list(anchors)
        order = sorted(range(len(items)), key=lambda i: (items[i].start, items[i].end))
        results: list[Result | None] = [None] * len(items)
        for i in order:
            results[i] = self.place(items[i])
        return results  # type: ignore[return-value]

    def place(self, anchor: Anchor) -> Result:
        expected = self.expected(anchor.start)
        if not anchor.quote:
            if anchor.start == anchor.end == 0:  # about the whole document: stays there
                return self._placed(anchor, 0, 0, Method.POSITION, 1.0)
            end = min(len(self.text), expected + (anchor.end - anchor.start))
            start = min(expected, end)
            return self._placed(anchor, start, end, Method.POSITION, 1.0)
        found = self._exact(anchor, expected)
        if found is not None:
            start, context = found
            method = Method.EXACT if context >= 1.0 else Method.QUOTE
            return self._placed(
                anchor, start, start + len(anchor.quote), method, 0.5 + 0.5 * context
            )
        fuzzy, best = self._fuzzy(anchor, expected)
        if fuzzy is not None:
            start, end, score = fuzzy
            return self._placed(anchor, start, end, Method.FUZZY, score)
        return Orphaned(near=expected, best_score=round(best, 3))

    def expected(self, old_offset: int) -> int:
        """Where ``old_offset`` of the old text most likely is in the new text."""
        guess = self._map.map(old_offset) if self._map is not None else old_offset + self._drift
        return max(0, min(len(self.text), guess))

    # -- steps ----------------------------------------------------------------------------

    def _placed(self, anchor: Anchor, start: int, end: int, method: Method, score: float) -> Placed:
        self._drift = start - anchor.start
        moved = (start, end) != (anchor.start, anchor.end)
        return Placed(start, end, moved, method, round(min(1.0, score), 4))

    def _exact(self, anchor: Anchor, expected: int) -> tuple[int, float] | None:
        """The best occurrence of the quote and its context similarity, or None."""
        text, quote = self.text, anchor.quote
        if text.startswith(quote, expected):
            context = _context_similarity(text, expected, expected + len(quote), anchor)
            if context >= 1.0:
                return expected, 1.0
        if anchor.prefix or anchor.suffix:
            whole = anchor.prefix + quote + anchor.suffix
            hit = _find_nearest(text, whole, expected - len(anchor.prefix))
            if hit is not None:
                return hit + len(anchor.prefix), 1.0
        occurrences = _occurrences(text, quote, expected)
        if not occurrences:
            return None
        best_key = -1.0
        best: tuple[int, float] | None = None
        scale = max(_PROXIMITY_SCALE, float(len(quote)))
        for position in occurrences:
            context = _context_similarity(text, position, position + len(quote), anchor)
            nearness = 1.0 / (1.0 + abs(position - expected) / scale)
            key = (1.0 - _PROXIMITY_WEIGHT) * context + _PROXIMITY_WEIGHT * nearness
            if key > best_key:
                best_key, best = key, (position, context)
        return best

    def _fuzzy(self, anchor: Anchor, expected: int) -> tuple[tuple[int, int, float] | None, float]:
        """The best approximate match ``(start, end, similarity)`` and the best similarity
        seen (also when below the threshold).

        Searched in three widening rings: right around the expected position (every seed
        hit counts, however common the piece), a few thousand characters either side (seeds
        too common to point anywhere are skipped), then the whole text — where, far from
        where the passage was, its context must agree too.
        """
        text, quote = self.text, anchor.quote
        length, n = len(quote), len(self.text)
        if length < 3:
            return None, 0.0
        seeds = _seeds(anchor)
        slack = max(4, length // 4 + 2)
        near = 2 * length + 64
        wide = max(_WINDOW, 4 * length)
        rings = (
            (max(0, expected - near), min(n, expected + length + near), False),
            (max(0, expected - wide), min(n, expected + length + wide), True),
            (0, n, True),
        )
        best_seen = 0.0
        covered: tuple[int, int] | None = None
        for ring, (lo, hi, skip_common) in enumerate(rings):
            if covered is not None and lo >= covered[0] and hi <= covered[1]:
                continue  # the previous ring already was the whole of this one
            covered = (lo, hi)
            candidates = _seed_candidates(text, seeds, lo, hi, skip_common=skip_common)
            if not candidates:
                continue
            found, seen = self._best_alignment(
                anchor, sorted(candidates), expected, slack, need_context=ring == 2
            )
            best_seen = max(best_seen, seen)
            if found is not None:
                return found, best_seen
        return None, best_seen

    def _best_alignment(
        self,
        anchor: Anchor,
        candidates: Sequence[int],
        expected: int,
        slack: int,
        *,
        need_context: bool,
    ) -> tuple[tuple[int, int, float] | None, float]:
        text, quote = self.text, anchor.quote
        clusters = _clusters(candidates, slack)
        clusters.sort(key=lambda c: (-c[1], abs(c[0] - expected)))
        best: tuple[int, int, float] | None = None
        best_key = -1.0
        best_seen = 0.0
        # Clusters with far fewer agreeing seeds than the best are not worth aligning.
        top_votes = clusters[0][1]
        for centre, votes in clusters[:_MAX_ALIGNMENTS]:
            if votes * 2 < top_votes:
                continue
            aligned = _align(text, quote, centre, slack)
            if aligned is None:
                continue
            start, end, similarity = aligned
            best_seen = max(best_seen, similarity)
            if similarity < self.threshold:
                continue
            context = _context_similarity(text, start, end, anchor)
            if (need_context or len(quote) < SHORT_QUOTE) and context < 0.5:
                continue
            # Nearness weighs as much as context: the expected position is a strong clue
            # when a passage and its neighbours are alike (numbered items, refrains).
            nearness = 1.0 / (1.0 + abs(start - expected) / max(64, len(quote)))
            key = 0.6 * similarity + 0.2 * context + 0.2 * nearness
            if key > best_key:
                best_key, best = key, (start, end, similarity)
        return best, best_seen


# -- helpers ------------------------------------------------------------------------------


def _common_prefix_length(a: str, b: str) -> int:
    # Binary search over slice comparisons: each comparison runs in C.
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _context_similarity(text: str, start: int, end: int, anchor: Anchor) -> float:
    """Share of the stored prefix and suffix found next to ``text[start:end]`` (0..1)."""
    total = len(anchor.prefix) + len(anchor.suffix)
    if total == 0:
        return 1.0
    before = text[max(0, start - len(anchor.prefix)) : start]
    after = text[end : end + len(anchor.suffix)]
    same_before = _common_prefix_length(anchor.prefix[::-1], before[::-1])
    same_after = _common_prefix_length(anchor.suffix, after)
    return (same_before + same_after) / total


def _find_nearest(text: str, needle: str, position: int) -> int | None:
    """The occurrence of ``needle`` starting nearest to ``position``, searching outwards."""
    n = len(text)
    position = max(0, min(n, position))
    # Not the whole text: a passage whose context changed is found by its quote alone.
    for half in (_WINDOW, 16 * _WINDOW):
        lo, hi = max(0, position - half), min(n, position + half + len(needle))
        after = text.find(needle, position, hi)
        before = text.rfind(needle, lo, min(n, position + len(needle) - 1))
        hits = [h for h in (after, before) if h >= 0]
        if hits:
            return min(hits, key=lambda h: abs(h - position))
        if lo == 0 and hi == n:
            break
    return None


def _find_all(text: str, needle: str, lo: int, hi: int, limit: int) -> list[int]:
    """Start offsets of ``needle`` within ``text[lo:hi]``; None-like empty list past ``limit``
    hits is not returned: the caller gets at most ``limit + 1`` to see that it overflowed."""
    hits: list[int] = []
    find = text.find
    at = find(needle, lo, hi)
    while at >= 0:
        hits.append(at)
        if len(hits) > limit:
            break
        at = find(needle, at + 1, hi)
    return hits


def _occurrences(text: str, quote: str, expected: int) -> list[int]:
    """Occurrences of the quote near the expected position, else anywhere (bounded)."""
    lo = max(0, expected - _WINDOW)
    hi = min(len(text), expected + len(quote) + _WINDOW)
    near = _find_all(text, quote, lo, hi, _MAX_OCCURRENCES)
    if near or (lo == 0 and hi == len(text)):
        return near
    return _find_all(text, quote, 0, len(text), _MAX_OCCURRENCES)


def _seeds(anchor: Anchor) -> list[tuple[int, str]]:
    """Exact pieces to look for, each with the offset of the quote's start relative to it.

    Pieces of the quote (evenly spread, so a few edits leave some intact), the end of the
    prefix and the start of the suffix (which bracket a passage edited throughout).
    """
    quote = anchor.quote
    length = len(quote)
    size = max(3, min(16, length // 4))
    count = max(1, min(8, length // size))
    step = (length - size) / (count - 1) if count > 1 else 0
    seeds: list[tuple[int, str]] = []
    for i in range(count):
        at = round(i * step)
        piece = quote[at : at + size]
        if len(piece.strip()) >= 2:
            seeds.append((at, piece))
    tail = anchor.prefix[-16:]
    if len(tail.strip()) >= 6:
        seeds.append((-len(tail), tail))
    head = anchor.suffix[:16]
    if len(head.strip()) >= 6:
        seeds.append((length, head))
    return seeds


def _seed_candidates(
    text: str, seeds: Sequence[tuple[int, str]], lo: int, hi: int, *, skip_common: bool
) -> list[int]:
    candidates: list[int] = []
    for offset, piece in seeds:
        hits = _find_all(text, piece, lo, hi, _MAX_SEED_HITS)
        if len(hits) > _MAX_SEED_HITS and skip_common:
            continue  # too common to point anywhere
        candidates.extend(hit - offset for hit in hits)
    return candidates


def _clusters(starts: Sequence[int], slack: int) -> list[tuple[int, int]]:
    """Group sorted candidate starts lying within ``slack`` of each other: (median, votes)."""
    clusters: list[tuple[int, int]] = []
    group: list[int] = []
    for start in starts:
        if group and start - group[-1] > slack:
            clusters.append((group[len(group) // 2], len(group)))
            group = []
        group.append(start)
    if group:
        clusters.append((group[len(group) // 2], len(group)))
    return clusters


def _align(text: str, quote: str, centre: int, slack: int) -> tuple[int, int, float] | None:
    """Align the quote with the text around ``centre``: the span with the fewest edits and
    its similarity ``1 - edits / len(quote)``."""
    lo = max(0, centre - slack)
    hi = min(len(text), centre + len(quote) + slack)
    if hi <= lo:
        return None
    region = text[lo:hi]
    distance, end = _best_end(quote, region)
    if end <= 0:
        return None
    # The start: the same search run backwards from the end that was found.
    begin = max(0, end - len(quote) - distance)
    _, back = _best_end(quote[::-1], region[begin:end][::-1])
    start = end - back
    if start >= end:
        return None
    return lo + start, lo + end, 1.0 - distance / len(quote)


def _best_end(pattern: str, text: str) -> tuple[int, int]:
    """Fewest edits turning ``pattern`` into some substring of ``text``, and where the first
    such substring ends (exclusive).

    Myers' bit-parallel approximate matching (Myers 1999, in Hyyrö's formulation): one column
    of the edit-distance table per text character, held in two integers, so the cost is
    ``len(text)`` steps of a dozen integer operations even for long quotes.
    """
    m = len(pattern)
    full = (1 << m) - 1
    top = 1 << (m - 1)
    masks: dict[str, int] = {}
    for i, ch in enumerate(pattern):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    pv, mv, score = full, 0, m
    best, best_end = m, 0
    for j, ch in enumerate(text):
        eq = masks.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & full)
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        ph = (ph << 1) & full
        mh = (mh << 1) & full
        pv = mh | (~(xv | ph) & full)
        mv = ph & xv
        if score < best:
            best, best_end = score, j + 1
    return best, best_end


class _PositionMap:
    """Old-text offsets → new-text offsets, through lines that occur exactly once in each.

    The unique lines common to both, kept in increasing order on both sides (a longest
    increasing subsequence, as in patience diff), are fixed points; an offset moves with the
    nearest anchor line before it. Cheap: one pass over each text's lines.
    """

    def __init__(self, old: str, new: str) -> None:
        old_lines = _unique_lines(old)
        new_lines = _unique_lines(new)
        pairs = sorted(
            (old_at, new_lines[line]) for line, old_at in old_lines.items() if line in new_lines
        )
        kept = _increasing(pairs)
        self._old = [o for o, _ in kept]
        self._new = [n for _, n in kept]

    @property
    def anchored(self) -> bool:
        return bool(self._old)

    def map(self, offset: int) -> int:
        i = bisect_right(self._old, offset) - 1
        if i < 0:
            return offset if not self._old else max(0, self._new[0] - (self._old[0] - offset))
        return self._new[i] + (offset - self._old[i])


def _unique_lines(text: str, minimum: int = 8) -> dict[str, int]:
    seen: dict[str, int] = {}
    repeated: set[str] = set()
    at = 0
    for line in text.split("\n"):
        if len(line.strip()) >= minimum:
            if line in seen:
                repeated.add(line)
            else:
                seen[line] = at
        at += len(line) + 1
    for line in repeated:
        del seen[line]
    return seen


def _increasing(pairs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest subsequence of ``pairs`` (sorted by first) increasing in the second too."""
    from bisect import bisect_left

    tails: list[int] = []  # smallest tail value of an increasing run of each length
    tail_index: list[int] = []
    previous: list[int] = [-1] * len(pairs)
    for i, (_, value) in enumerate(pairs):
        k = bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[k] = value
            tail_index[k] = i
        previous[i] = tail_index[k - 1] if k > 0 else -1
    result: list[tuple[int, int]] = []
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        result.append(pairs[i])
        i = previous[i]
    return result[::-1]


__all__ = [
    "FUZZY_THRESHOLD",
    "Anchor",
    "Method",
    "Orphaned",
    "Placed",
    "Reanchorer",
    "Result",
    "reanchor",
]
