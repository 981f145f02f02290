"""Span-level agreement: pairwise F1 with exact or overlapping matches.

For span tasks such as named entities the number of negatives (all the spans nobody marked) is
undefined, and kappa tends to F1 as it grows (Hripcsak & Rothschild 2005), so F1 is the
recommended agreement measure there.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import accumulate
from typing import Literal

import numpy as np
import numpy.typing as npt

from annotator.agreement.intervals import (
    DEFAULT_LEVEL,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    Interval,
    bootstrap_interval,
)
from annotator.agreement.results import AgreementError, LabelF1, SpanF1Result, plural

Match = Literal["exact", "overlap"]
#: ``(start, end, label)`` within one document, or ``(document_id, start, end, label)``.
SpanTuple = tuple[int, int, str] | tuple[Hashable, int, int, str]
_Span = tuple[Hashable, int, int, str]


def _normalise(spans: Iterable[SpanTuple]) -> list[_Span]:
    """The distinct spans as ``(document, start, end, label)``; their order does not matter
    (only counts of matches are kept), so they are not sorted."""
    result: set[_Span] = set()
    for span in spans:
        if len(span) == 4:
            result.add(span)  # type: ignore[arg-type]
        elif len(span) == 3:
            result.add((None, span[0], span[1], span[2]))  # type: ignore[misc]
        else:
            raise AgreementError(
                f"a span is (start, end, label) or (document_id, start, end, label), got {span!r}"
            )
    return list(result)


def _score(n_a: int, n_b: int, matched_a: int, matched_b: int) -> LabelF1:
    precision = matched_b / n_b if n_b else None
    recall = matched_a / n_a if n_a else None
    if n_a + n_b == 0:
        f1 = None
    elif not n_a or not n_b or not matched_a + matched_b:
        f1 = 0.0
    else:
        assert precision is not None and recall is not None
        f1 = 2 * precision * recall / (precision + recall)
    return LabelF1(precision, recall, f1, n_a, n_b, matched_a, matched_b)


class _OverlapIndex:
    """Answers "does any span of the other annotator overlap ``start..end``?" in O(log n)."""

    def __init__(self, spans: Sequence[_Span], labeled: bool) -> None:
        groups: dict[tuple[Hashable, str | None], list[tuple[int, int]]] = defaultdict(list)
        for document, start, end, label in spans:
            groups[(document, label if labeled else None)].append((start, end))
        self._starts: dict[tuple[Hashable, str | None], list[int]] = {}
        self._max_ends: dict[tuple[Hashable, str | None], list[int]] = {}
        for key, ranges in groups.items():
            ranges.sort()
            self._starts[key] = [start for start, _ in ranges]
            self._max_ends[key] = list(accumulate((end for _, end in ranges), max))
        self._labeled = labeled

    def overlaps(self, span: _Span) -> bool:
        document, start, end, label = span
        key = (document, label if self._labeled else None)
        starts = self._starts.get(key)
        if not starts:
            return False
        # Among the other spans starting before ``end``, does the furthest-reaching pass ``start``?
        before = bisect_left(starts, end)
        return before > 0 and self._max_ends[key][before - 1] > start


def _matched(
    spans: Sequence[_Span], other: Sequence[_Span], match: Match, labeled: bool
) -> list[bool]:
    if match not in ("exact", "overlap"):
        raise AgreementError(f"unknown span match {match!r}: use 'exact' or 'overlap'")
    if match == "exact":
        keys = {s if labeled else s[:3] for s in other}
        return [(s if labeled else s[:3]) in keys for s in spans]
    index = _OverlapIndex(other, labeled)
    return [index.overlaps(s) for s in spans]


def span_f1(
    spans_a: Iterable[SpanTuple],
    spans_b: Iterable[SpanTuple],
    match: Match = "exact",
    labeled: bool = True,
) -> SpanF1Result:
    """Pairwise F1 between two annotators' spans, micro over all spans and per label.

    Spans are ``(start, end, label)`` or, across documents, ``(document_id, start, end, label)``;
    duplicates count once. ``match="exact"``: same document, start, end (and label when
    ``labeled``); F1 = 2·|A∩B| / (|A| + |B|). ``match="overlap"``: a span is matched when it
    shares at least one character with a span of the other annotator (with the same label when
    ``labeled``); recall is the share of A's spans matched, precision the share of B's, and F1
    their harmonic mean. Per-label figures group each annotator's spans by their own label.
    """
    a, b = _normalise(spans_a), _normalise(spans_b)
    hits_a = _matched(a, b, match, labeled)
    hits_b = _matched(b, a, match, labeled)
    return _result(a, b, hits_a, hits_b, match, labeled)


def _result(
    a: Sequence[_Span],
    b: Sequence[_Span],
    hits_a: Sequence[bool],
    hits_b: Sequence[bool],
    match: Match,
    labeled: bool,
) -> SpanF1Result:
    tallies: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for span, hit in zip(a, hits_a, strict=True):
        tallies[span[3]][0] += 1
        tallies[span[3]][2] += hit
    for span, hit in zip(b, hits_b, strict=True):
        tallies[span[3]][1] += 1
        tallies[span[3]][3] += hit
    per_label = {label: _score(*tallies[label]) for label in sorted(tallies, key=str)}
    micro = _score(len(a), len(b), sum(hits_a), sum(hits_b))
    how = ("exact" if match == "exact" else "overlapping") + (
        " spans with the same label" if labeled else " spans, labels ignored"
    )
    if micro.f1 is None:
        explanation = "Span F1 is undefined: neither annotator marked any span."
    else:
        explanation = (
            f"Span F1 = {micro.f1:.3f} ({how}): the first annotator marked "
            f"{plural(len(a), 'span')} ({micro.matched_a} matched), the second "
            f"{plural(len(b), 'span')} ({micro.matched_b} matched)."
        )
    return SpanF1Result(
        match=match, labeled=labeled, micro=micro, per_label=per_label, explanation=explanation
    )


def span_f1_interval(
    spans_a: Iterable[SpanTuple],
    spans_b: Iterable[SpanTuple],
    match: Match = "exact",
    labeled: bool = True,
    *,
    label: str | None = None,
    level: float = DEFAULT_LEVEL,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Interval | None:
    """A bootstrap confidence interval of :func:`span_f1` over documents.

    F1 has no variance formula, and spans of one document are not independent, so whole
    documents are resampled (``resamples`` times, with ``seed``: the same data give the same
    interval). ``label`` restricts it to one label's F1. None with fewer than two documents.
    """
    a, b = _normalise(spans_a), _normalise(spans_b)
    hits_a, hits_b = _matched(a, b, match, labeled), _matched(b, a, match, labeled)
    return _bootstrap_f1(a, b, hits_a, hits_b, label, level, resamples, seed)


def span_f1_with_interval(
    spans_a: Iterable[SpanTuple],
    spans_b: Iterable[SpanTuple],
    match: Match = "exact",
    labeled: bool = True,
    *,
    level: float = DEFAULT_LEVEL,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> tuple[SpanF1Result, Interval | None]:
    """:func:`span_f1` and :func:`span_f1_interval` of the micro F1, matching the spans once."""
    a, b = _normalise(spans_a), _normalise(spans_b)
    hits_a, hits_b = _matched(a, b, match, labeled), _matched(b, a, match, labeled)
    result = _result(a, b, hits_a, hits_b, match, labeled)
    return result, _bootstrap_f1(a, b, hits_a, hits_b, None, level, resamples, seed)


def _bootstrap_f1(
    a: Sequence[_Span],
    b: Sequence[_Span],
    hits_a: Sequence[bool],
    hits_b: Sequence[bool],
    label: str | None,
    level: float,
    resamples: int,
    seed: int,
) -> Interval | None:
    groups = sorted({s[0] for s in a} | {s[0] for s in b}, key=str)
    index = {g: i for i, g in enumerate(groups)}
    tallies = np.zeros((4, len(groups)))
    for row, spans, hits in ((0, a, hits_a), (1, b, hits_b)):
        chosen = [(index[s[0]], hit) for s, hit in zip(spans, hits, strict=True)
                  if label is None or s[3] == label]  # fmt: skip
        if chosen:
            where = np.array([g for g, _ in chosen], dtype=np.int64)
            hit = np.array([h for _, h in chosen], dtype=np.float64)
            tallies[row] = np.bincount(where, minlength=len(groups))
            tallies[row + 2] = np.bincount(where, weights=hit, minlength=len(groups))
    return _bootstrap_tallies(tallies, level, resamples, seed)


def _bootstrap_tallies(
    tallies: npt.NDArray[np.float64], level: float, resamples: int, seed: int
) -> Interval | None:
    """The bootstrap of F1 from per-document ``(n_a, n_b, matched_a, matched_b)`` columns."""
    groups = tallies.shape[1]
    n_a, n_b, m_a, m_b = (tallies[i] for i in range(4))

    def f1(weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        sa, sb, ma, mb = weights @ n_a, weights @ n_b, weights @ m_a, weights @ m_b
        with np.errstate(divide="ignore", invalid="ignore"):
            precision, recall = mb / sb, ma / sa
            value = 2 * precision * recall / (precision + recall)
        value = np.where((sa > 0) & (sb > 0) & (ma + mb == 0), 0.0, value)
        return np.where((sa == 0) | (sb == 0), np.where(sa + sb > 0, 0.0, np.nan), value)

    point = f1(np.ones((1, groups)))[0] if groups else math.nan
    if not math.isfinite(point):
        return None
    return bootstrap_interval(float(point), f1, groups, level=level, resamples=resamples, seed=seed)


_ROW = np.dtype([("start", np.int64), ("end", np.int64), ("label", np.int64)])


def _distinct_rows(
    starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64], labels: npt.NDArray[np.int64]
) -> npt.NDArray[np.void]:
    rows = np.empty(len(starts), dtype=_ROW)
    rows["start"], rows["end"], rows["label"] = starts, ends, labels
    return np.unique(rows)


def _packed(
    sides: Sequence[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]],
) -> list[npt.NDArray[np.uint64]] | None:
    """Each span as one uint64 (start: 46 bits, length: 12, label: 6) when all fit: sorting
    and matching integers is several times faster than records. None when one does not."""
    packed = []
    for starts, ends, labels in sides:
        lengths = ends - starts
        if len(starts) and (
            starts.min() < 0 or starts.max() >= 1 << 46 or lengths.min() < 0
            or lengths.max() >= 1 << 12 or labels.max() >= 1 << 6
        ):  # fmt: skip
            return None
        key = (starts.astype(np.uint64) << np.uint64(18)) | (
            (lengths.astype(np.uint64) << np.uint64(6)) | labels.astype(np.uint64)
        )
        packed.append(np.unique(key))
    return packed


def exact_span_f1_arrays(
    a: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]],
    b: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]],
    label_names: Sequence[str],
    group_of: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.int64]],
    n_groups: int,
    *,
    level: float = DEFAULT_LEVEL,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> tuple[SpanF1Result, Interval | None]:
    """:func:`span_f1` with ``match="exact"`` over a corpus given as arrays, with its bootstrap
    interval over documents, without a Python loop over the spans.

    Each side is ``(starts, ends, label_codes)`` (positions unique across documents, codes
    indexing ``label_names``); ``group_of(starts)`` gives each span's document, of
    ``n_groups`` (documents without spans are resampled too).
    """
    packed = _packed((a, b))
    if packed is not None:
        ka, kb = packed
        hits_a = np.isin(ka, kb, assume_unique=True)
        hits_b = np.isin(kb, ka, assume_unique=True)
        label_a = (ka & np.uint64(63)).astype(np.int64)
        label_b = (kb & np.uint64(63)).astype(np.int64)
        start_a = (ka >> np.uint64(18)).astype(np.int64)
        start_b = (kb >> np.uint64(18)).astype(np.int64)
    else:
        ua, ub = _distinct_rows(*a), _distinct_rows(*b)
        hits_a, hits_b = np.isin(ua, ub), np.isin(ub, ua)
        label_a, label_b = ua["label"], ub["label"]
        start_a, start_b = ua["start"], ub["start"]
    k = len(label_names)
    n_a = np.bincount(label_a, minlength=k)
    n_b = np.bincount(label_b, minlength=k)
    m_a = np.bincount(label_a[hits_a], minlength=k)
    m_b = np.bincount(label_b[hits_b], minlength=k)
    per_label = {
        str(label_names[i]): _score(int(n_a[i]), int(n_b[i]), int(m_a[i]), int(m_b[i]))
        for i in sorted(np.flatnonzero(n_a + n_b), key=lambda i: str(label_names[i]))
    }
    micro = _score(len(label_a), len(label_b), int(hits_a.sum()), int(hits_b.sum()))
    if micro.f1 is None:
        explanation = "Span F1 is undefined: neither annotator marked any span."
    else:
        explanation = (
            f"Span F1 = {micro.f1:.3f} (exact spans with the same label): the first annotator "
            f"marked {plural(len(label_a), 'span')} ({micro.matched_a} matched), the second "
            f"{plural(len(label_b), 'span')} ({micro.matched_b} matched)."
        )
    result = SpanF1Result(
        match="exact", labeled=True, micro=micro, per_label=per_label, explanation=explanation
    )
    groups_a, groups_b = group_of(start_a), group_of(start_b)
    tallies = np.stack(
        [
            np.bincount(groups_a, minlength=n_groups),
            np.bincount(groups_b, minlength=n_groups),
            np.bincount(groups_a[hits_a], minlength=n_groups),
            np.bincount(groups_b[hits_b], minlength=n_groups),
        ]
    ).astype(np.float64)
    return result, _bootstrap_tallies(tallies, level, resamples, seed)
