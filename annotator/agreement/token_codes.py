"""Token labels of a whole corpus as integer arrays, without a Python loop over the tokens.

The same rule as :func:`annotator.agreement.units.label_tokens`, for millions of tokens: a
token gets the label of the span that shares characters with it; where spans of one
annotator with different labels cover one token, the span covering more of its characters
wins, then the earlier span, then the label first in alphabetical order. Positions are
"global" integers (a document's index shifted left by :data:`DOCUMENT_SHIFT` plus the code
point offset), so one sorted array holds every document's tokens.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: A document's index is shifted this many bits left in a global position (2**36 code
#: points, 64 G, per document).
DOCUMENT_SHIFT = 36

Int64s = npt.NDArray[np.int64]


def label_codes(
    starts: Int64s,
    ends: Int64s,
    span_starts: Int64s,
    span_ends: Int64s,
    span_codes: npt.NDArray[np.integer],
    outside: int,
) -> npt.NDArray[np.int16]:
    """The code of every token (``outside`` where no span covers it).

    ``starts``/``ends`` are the tokens' sorted, non-overlapping global ranges; the spans'
    ``span_codes`` must be ranked in alphabetical order of their labels (for the tie rule).
    """
    codes = np.full(len(starts), outside, dtype=np.int16)
    if len(span_starts) == 0 or len(starts) == 0:
        return codes
    order = np.lexsort((span_codes, span_ends, span_starts))
    s_start, s_end, s_code = span_starts[order], span_ends[order], span_codes[order]
    low = np.searchsorted(ends, s_start, side="right")
    high = np.searchsorted(starts, s_end, side="left")
    # An empty span, or one inside the gap between two tokens, labels nothing.
    touching = (high > low) & (s_end > s_start)
    low, high = low[touching], high[touching]
    s_start, s_end, s_code = s_start[touching], s_end[touching], s_code[touching]
    if len(low) == 0:
        return codes
    # Spans whose token ranges meet form clusters; a span alone in its cluster owns its
    # tokens outright, and all of those are written in one vectorised step.
    reach = np.maximum.accumulate(high)
    previous = np.concatenate(([-1], reach[:-1]))
    cluster = np.cumsum(low >= previous) - 1
    alone = np.bincount(cluster)[cluster] == 1
    _fill(codes, low[alone], high[alone], s_code[alone])
    if not alone.all():  # rare: overlapping spans of one annotator
        _settle(codes, starts, ends, low, high, s_start, s_end, s_code, ~alone)
    return codes


def _fill(codes: npt.NDArray[np.int16], low: Int64s, high: Int64s, code: npt.NDArray) -> None:
    lengths = high - low
    total = int(lengths.sum())
    if total == 0:
        return
    offsets = np.cumsum(lengths) - lengths
    positions = np.arange(total, dtype=np.int64) - np.repeat(offsets - low, lengths)
    codes[positions] = np.repeat(code.astype(np.int16), lengths)


def _settle(
    codes: npt.NDArray[np.int16],
    starts: Int64s,
    ends: Int64s,
    low: Int64s,
    high: Int64s,
    s_start: Int64s,
    s_end: Int64s,
    s_code: npt.NDArray,
    clustered: npt.NDArray[np.bool_],
) -> None:
    """Tokens of overlapping spans: the span covering most of the token wins, then the
    earlier span, then the alphabetically first label (spans are already in that order)."""
    best: dict[int, int] = {}
    for i in np.flatnonzero(clustered):
        lo, hi = int(low[i]), int(high[i])
        if hi <= lo:
            continue
        covered = np.minimum(s_end[i], ends[lo:hi]) - np.maximum(s_start[i], starts[lo:hi])
        for offset in np.flatnonzero(covered > 0):
            token = lo + int(offset)
            amount = int(covered[offset])
            if amount > best.get(token, 0):
                best[token] = amount
                codes[token] = s_code[i]
