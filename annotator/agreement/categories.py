"""Turning label sequences into integer codes over an ordered set of categories."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from annotator.agreement.results import AgreementError

Category = Hashable
Codes = npt.NDArray[np.intp]


def is_missing(value: object) -> bool:
    """None and float NaN (what numpy and pandas use for "no rating") are missing values."""
    return value is None or (isinstance(value, float) and value != value)


def category_order(
    values: Iterable[Category | None], labels: Sequence[Category] | None = None
) -> tuple[Category, ...]:
    """The categories to count over, in order.

    With ``labels`` the caller's order is kept (it is the scale order for weighted kappa and
    ordinal alpha). Without, the categories seen are sorted, as scikit-learn and the
    ``krippendorff`` package do; categories that cannot be compared keep first-seen order.
    """
    if labels is not None:
        order = tuple(dict.fromkeys(labels))
        if any(is_missing(label) for label in order):
            raise AgreementError("the list of labels cannot contain a missing value (None or NaN)")
        return order
    seen = [value for value in dict.fromkeys(values) if not is_missing(value)]
    try:
        return tuple(sorted(seen))  # type: ignore[type-var]
    except TypeError:
        return tuple(seen)


def encode(values: Sequence[Category | None], order: Sequence[Category]) -> Codes:
    """Index of each value in ``order``; -1 for missing values and values outside ``order``."""
    # ``order`` never holds None or NaN, so a plain lookup sends missing values to -1 as well;
    # ``map`` over ``dict.get`` keeps the loop in C (a million tokens in a fraction of a second).
    index = {category: i for i, category in enumerate(order)}
    return np.fromiter(map(index.get, values, repeat(-1)), dtype=np.intp, count=len(values))


def as_list(values: Sequence[Category | None]) -> Sequence[Category | None]:
    """numpy arrays as Python lists: iterating an array element by element is slow."""
    return values.tolist() if isinstance(values, np.ndarray) else values


def check_same_length(a: Sequence[object], b: Sequence[object]) -> None:
    if len(a) != len(b):
        raise AgreementError(
            f"the two annotators' label sequences differ in length ({len(a)} and {len(b)}): "
            "each position must be the same item for both"
        )


def pair_codes(
    a: Sequence[Category | None],
    b: Sequence[Category | None],
    labels: Sequence[Category] | None,
) -> tuple[Codes, Codes, tuple[Category, ...], int]:
    """Codes of the items both annotators rated within the categories, and how many were left out.

    Items where either rating is missing, or (with ``labels``) outside the labels, are dropped,
    as scikit-learn's ``confusion_matrix`` does.
    """
    check_same_length(a, b)
    a, b = as_list(a), as_list(b)
    order = category_order(chain(a, b), labels)
    codes_a, codes_b = encode(a, order), encode(b, order)
    keep = (codes_a >= 0) & (codes_b >= 0)
    dropped = int(len(keep) - np.count_nonzero(keep))
    return codes_a[keep], codes_b[keep], order, dropped


def _numeric_codes(
    values: npt.NDArray[Any], labels: Sequence[Category] | None
) -> tuple[Codes, tuple[Category, ...]]:
    """:func:`encode` for a numeric numpy array (NaN missing), without a Python-level loop."""
    valid = ~np.isnan(values) if values.dtype.kind == "f" else np.ones(values.shape, dtype=bool)
    distinct, inverse = np.unique(values[valid], return_inverse=True)
    order = category_order(distinct.tolist(), labels)
    index = {category: i for i, category in enumerate(order)}
    lookup = np.array([index.get(value, -1) for value in distinct.tolist()], dtype=np.intp)
    codes = np.full(values.shape, -1, dtype=np.intp)
    codes[valid] = lookup[inverse]
    return codes, order


def count_matrix(
    units_by_raters: Sequence[Sequence[Category | None]] | npt.NDArray[Any],
    labels: Sequence[Category] | None = None,
) -> tuple[npt.NDArray[np.int64], tuple[Category, ...], int]:
    """Per unit, how many raters chose each category: an ``(n_units, n_categories)`` array.

    Returns the counts, the category order and the number of raters (the row length; every row
    must have one entry per rater, None where that rater gave no rating). A 2-D numeric numpy
    array (NaN for missing) is also accepted and encoded without a Python loop.
    """
    if isinstance(units_by_raters, np.ndarray) and units_by_raters.dtype.kind in "iufb":
        if units_by_raters.ndim != 2:
            raise AgreementError(
                "units_by_raters must be 2-D: one row per unit, one column per rater"
            )
        n_units, n_raters = units_by_raters.shape
        flat, order = _numeric_codes(units_by_raters.reshape(-1), labels)
    else:
        rows = as_list(units_by_raters)
        widths = set(map(len, rows))
        if len(widths) > 1:
            raise AgreementError(
                f"every unit needs one entry per annotator (None where missing); rows have "
                f"{sorted(widths)} entries"
            )
        n_units, n_raters = len(rows), (widths.pop() if widths else 0)
        flat_values = list(chain.from_iterable(rows))
        order = category_order(flat_values, labels)
        flat = encode(flat_values, order)
    n_categories = len(order)
    unit_of = np.repeat(np.arange(n_units), n_raters)
    rated = flat >= 0
    counts = np.bincount(
        unit_of[rated] * n_categories + flat[rated], minlength=n_units * n_categories
    ).reshape(n_units, n_categories)
    return counts.astype(np.int64), order, n_raters


@dataclass(frozen=True, slots=True)
class Tallies:
    """Per distinct unit, how many annotators chose each category, and how many units look
    like that: ``counts[i, k]`` and ``multiplicity[i]``.

    Every many-annotator coefficient and its variance depend on a unit only through its row
    of counts, so a corpus of millions of tokens reduces to its few distinct rows (two
    annotators and 20 labels give at most 441) without changing any figure.
    """

    counts: npt.NDArray[np.int64]
    multiplicity: npt.NDArray[np.int64]
    order: tuple[Category, ...]
    n_raters: int

    @property
    def n_units(self) -> int:
        return int(self.multiplicity.sum())

    def where(self, keep: npt.NDArray[np.bool_]) -> Tallies:
        """Only the distinct rows where ``keep`` is True."""
        return Tallies(self.counts[keep], self.multiplicity[keep], self.order, self.n_raters)

    def compact(self) -> Tallies:
        """Without the categories nobody chose (as counting the labels themselves gives)."""
        used = (self.multiplicity @ self.counts) > 0
        order = tuple(c for c, u in zip(self.order, used, strict=True) if u)
        return Tallies(self.counts[:, used], self.multiplicity, order, self.n_raters)


def _distinct(counts: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct rows and how often each occurs. Rows are read as numbers in base (largest
    count + 1) when that fits in 63 bits (an integer sort), else compared whole; when
    nearly every row is distinct they are kept as they are."""
    n, q = counts.shape
    if n == 0:
        return counts, np.zeros(0, dtype=np.int64)
    base = int(counts.max()) + 1
    if q * np.log2(max(base, 2)) < 62:
        key = counts @ (base ** np.arange(q - 1, -1, -1, dtype=np.int64))
        _, first, multiplicity = np.unique(key, return_index=True, return_counts=True)
        return counts[first].astype(np.int64), multiplicity.astype(np.int64)
    rows, multiplicity = np.unique(counts, axis=0, return_counts=True)
    return rows.astype(np.int64), multiplicity.astype(np.int64)


def tallies(
    units_by_raters: Sequence[Sequence[Category | None]] | npt.NDArray[Any] | Tallies,
    labels: Sequence[Category] | None = None,
) -> Tallies:
    """:func:`count_matrix` with identical rows merged (see :class:`Tallies`)."""
    if isinstance(units_by_raters, Tallies):
        return units_by_raters
    counts, order, n_raters = count_matrix(units_by_raters, labels)
    rows, multiplicity = _distinct(counts)
    return Tallies(rows, multiplicity, order, n_raters)


def tallies_from_codes(
    codes: Sequence[npt.NDArray[np.integer]], order: Sequence[Category]
) -> Tallies:
    """Tallies of units labelled with integer ``codes`` (one array per annotator, aligned, -1
    for no label), built without a Python loop over the units."""
    q, m = len(order), len(codes)
    if m == 0 or len(codes[0]) == 0:
        return Tallies(
            np.zeros((0, q), dtype=np.int64), np.zeros(0, dtype=np.int64), tuple(order), m
        )
    base = q + 1
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for column in codes:
        key = key * base + (column.astype(np.int64) + 1)
    if base**m <= 4_000_000:
        found = np.bincount(key, minlength=base**m)
        keys = np.flatnonzero(found)
        multiplicity = found[keys].astype(np.int64)
    else:
        keys, multiplicity = np.unique(key, return_counts=True)
    counts = np.zeros((len(keys), q), dtype=np.int64)
    rest = keys.copy()
    for _ in range(m):
        code = rest % base - 1
        rest //= base
        rated = code >= 0
        np.add.at(counts, (np.flatnonzero(rated), code[rated]), 1)
    return Tallies(counts, multiplicity.astype(np.int64), tuple(order), m)
