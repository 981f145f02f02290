"""Agreement among any number of annotators: percent agreement, Fleiss' kappa, Krippendorff's
alpha and Gwet's AC1.

``units_by_raters`` is a list of rows, one per unit (token, item, passage), with one entry per
annotator in the same order on every row and ``None`` where that annotator gave no label.

Conventions (also stated in each result's explanation):

- Fewer than two annotators, or no unit rated by two of them, gives ``value=None``.
- When every rating falls in one category the chance term makes the coefficient 0/0; it is
  reported as 1.0 because every pair of ratings agrees (the ``krippendorff`` package raises
  instead, statsmodels returns NaN).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from annotator.agreement.categories import Category, Tallies, check_same_length, tallies
from annotator.agreement.intervals import (
    ANALYTIC_MANY,
    ANALYTIC_TWO,
    DEFAULT_LEVEL,
    many_se,
    t_interval,
    table_se,
)
from annotator.agreement.results import AgreementError, AgreementResult, plural, undefined_result

Level = Literal["nominal", "ordinal", "interval", "ratio"]
Rows = Sequence[Sequence[Category | None]] | Tallies

_NO_UNITS = "there are no units to compare (0 items)"

_ONE_CATEGORY = "every rating is the same category, so chance agreement is 1 and "


def _rows(
    units_or_a: Rows | Sequence[Category | None], b: Sequence[Category | None] | None
) -> Rows:
    """Accept ``units_by_raters``, :class:`Tallies` or two annotators' sequences ``a, b``."""
    if b is None:
        return units_or_a  # type: ignore[return-value]
    a = units_or_a
    check_same_length(a, b)
    return list(zip(a, b, strict=True))


def _agreeing_pairs(
    counts: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Per unit, the share of pairs of its ratings that agree; and which units have a pair."""
    per_unit = counts.sum(axis=1)
    paired = per_unit >= 2
    m = per_unit[paired].astype(np.float64)
    c = counts[paired].astype(np.float64)
    return ((c * (c - 1)).sum(axis=1) / (m * (m - 1))), paired


def _mean(values: npt.NDArray[np.float64], weights: npt.NDArray[np.int64]) -> float:
    return float((values * weights).sum()) / float(weights.sum())


def _interval(
    t: Tallies,
    measure: str,
    value: float,
    level: float,
    weights: npt.NDArray[np.float64] | None = None,
) -> object:
    counts = t.counts.astype(np.float64)
    multiplicity = t.multiplicity.astype(np.float64)
    se, n = many_se(counts, multiplicity, measure, value, weights)
    return t_interval(value, se, n, level, ANALYTIC_MANY)


def percent_agreement(
    units_or_a: Rows | Sequence[Category | None],
    b: Sequence[Category | None] | None = None,
    *,
    level: float = DEFAULT_LEVEL,
) -> AgreementResult:
    """The share of agreeing pairs of ratings, not corrected for chance.

    Call as ``percent_agreement(a, b)`` for two annotators (the share of items where both gave
    the same label) or ``percent_agreement(units_by_raters)`` for any number: the mean, over
    units rated by at least two annotators, of the share of rater pairs that agree.
    """
    name = "Percent agreement"
    t = tallies(_rows(units_or_a, b))
    order, n_raters = t.order, t.n_raters
    if t.n_units == 0:
        return undefined_result(name, _NO_UNITS, n_raters=n_raters)
    if n_raters < 2:
        return undefined_result(name, "it needs at least two annotators", n_raters=n_raters)
    shares, paired = _agreeing_pairs(t.counts)
    n = int(t.multiplicity[paired].sum())
    if n == 0:
        return undefined_result(
            name,
            "no unit was labelled by two or more annotators",
            n_raters=n_raters,
            n_categories=len(order),
        )
    value = _mean(shares, t.multiplicity[paired])
    if b is not None:  # two annotators: the two-way table formula, as irrCAC's pa2
        share = value
        se = (share * (1.0 - share) / n) ** 0.5
        interval = t_interval(value, se, n, level, ANALYTIC_TWO)
    else:
        interval = _interval(t, "percent", value, level)
    return AgreementResult(
        measure=name,
        value=value,
        n_items=n,
        n_raters=n_raters,
        n_categories=len(order),
        observed=value,
        interval=interval,  # type: ignore[arg-type]
        explanation=(
            f"{name} = {value:.1%} over {plural(n, 'item')} labelled by at least two of "
            f"{plural(n_raters, 'annotator')}; not corrected for chance."
        ),
    )


def fleiss_kappa(
    units_by_raters: Rows,
    labels: Sequence[Category] | None = None,
    *,
    level: float = DEFAULT_LEVEL,
) -> AgreementResult:
    """Fleiss' kappa for any number of annotators who each labelled every unit.

    P_i = Σ_k n_ik(n_ik − 1) / (n(n − 1)), κ = (P̄ − P_e)/(1 − P_e), P_e = Σ_k p_k², as
    ``statsmodels.stats.inter_rater.fleiss_kappa``. Fleiss' kappa needs complete data: units
    that some annotator left unlabelled are left out (and counted in the explanation); use
    :func:`krippendorff_alpha` to keep them.
    """
    name = "Fleiss' kappa"
    t = tallies(units_by_raters, labels)
    order, n_raters = t.order, t.n_raters
    k = len(order)
    if t.n_units == 0:
        return undefined_result(name, _NO_UNITS, n_raters=n_raters, n_categories=k)
    if n_raters < 2:
        return undefined_result(name, "it needs at least two annotators", n_raters=n_raters)
    all_units = t.n_units
    t = t.where(t.counts.sum(axis=1) == n_raters)
    counts = t.counts
    n = t.n_units
    left_out = all_units - n
    note = f" {plural(left_out, 'unit')} with a missing label left out." if left_out else ""
    if n == 0:
        return undefined_result(
            name,
            "no unit was labelled by every annotator" + (f" ({note.strip()})" if note else ""),
            n_raters=n_raters,
            n_categories=k,
        )
    shares, _ = _agreeing_pairs(counts)
    p_bar = _mean(shares, t.multiplicity)
    p_k = (t.multiplicity @ counts) / (n * n_raters)
    p_e = float((p_k**2).sum())
    interval = None
    if np.count_nonzero(p_k) == 1:
        value = 1.0
        why = _ONE_CATEGORY + "kappa is 0/0; reported as 1.0 (full agreement)."
    else:
        value = (p_bar - p_e) / (1.0 - p_e)
        why = f"mean pairwise agreement P̄ = {p_bar:.3f}, chance P_e = {p_e:.3f}."
        interval = _interval(t, "fleiss", value, level)
    return AgreementResult(
        measure=name,
        value=value,
        n_items=n,
        n_raters=n_raters,
        n_categories=k,
        observed=p_bar,
        expected=p_e,
        interval=interval,  # type: ignore[arg-type]
        explanation=(
            f"{name} = {value:.3f} over {plural(n, 'item')}, {plural(n_raters, 'annotator')}, "
            f"{plural(k, 'category', 'categories')}: {why}{note}"
        ),
    )


def _distances(
    order: Sequence[Category], level: Level, n_c: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Krippendorff's squared difference δ²_ck between every two categories."""
    k = len(order)
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "ordinal":
        # δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)², ranks by position in ``order``.
        cumulative = np.concatenate(([0.0], np.cumsum(n_c)))
        low = np.minimum.outer(np.arange(k), np.arange(k))
        high = np.maximum.outer(np.arange(k), np.arange(k))
        between = cumulative[high + 1] - cumulative[low]
        return (between - (n_c[low] + n_c[high]) / 2.0) ** 2
    try:
        values = np.array([float(v) for v in order])  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise AgreementError(
            f"the {level} level needs numeric labels, got {list(order)!r}; use 'nominal' or "
            "'ordinal' for named categories"
        ) from error
    difference = np.subtract.outer(values, values)
    if level == "interval":
        return difference**2
    if level == "ratio":
        total = np.add.outer(values, values)
        ratio = np.divide(difference, total, out=np.zeros_like(difference), where=total != 0)
        return ratio**2
    raise AgreementError(
        f"unknown level of measurement {level!r}: use 'nominal', 'ordinal', 'interval' or 'ratio'"
    )


def krippendorff_alpha(
    units_by_raters: Rows,
    level: Level = "nominal",
    labels: Sequence[Category] | None = None,
    *,
    confidence: float = DEFAULT_LEVEL,
) -> AgreementResult:
    """Krippendorff's alpha for any number of annotators, with missing labels allowed.

    α = 1 − D_o / D_e from the coincidence matrix of pairable values (units with at least two
    labels), as in Krippendorff (2011) and the ``krippendorff`` package. ``level`` picks the
    difference function: "nominal", "ordinal" (categories ranked in ``labels`` order, default
    sorted), "interval" or "ratio" (labels must be numbers).
    """
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise AgreementError(
            f"unknown level of measurement {level!r}: use 'nominal', 'ordinal', 'interval' or "
            "'ratio'"
        )
    name = f"Krippendorff's alpha ({level})"
    t = tallies(units_by_raters, labels)
    counts, order, n_raters = t.counts, t.order, t.n_raters
    k = len(order)
    if t.n_units == 0:
        return undefined_result(name, _NO_UNITS, n_raters=n_raters, n_categories=k)
    if n_raters < 2:
        return undefined_result(name, "it needs at least two annotators", n_raters=n_raters)
    per_unit = counts.sum(axis=1)
    pairable = per_unit >= 2
    n_units = int(t.multiplicity[pairable].sum())
    if n_units == 0:
        return undefined_result(
            name,
            "no unit was labelled by two or more annotators",
            n_raters=n_raters,
            n_categories=k,
        )
    c = counts[pairable].astype(np.float64)
    times = t.multiplicity[pairable].astype(np.float64)[:, None]
    weighted = times * c / (per_unit[pairable] - 1)[:, None].astype(np.float64)
    coincidences = weighted.T @ c - np.diag(weighted.sum(axis=0))
    n_c = coincidences.sum(axis=0)
    n = float(n_c.sum())
    delta = _distances(order, level, n_c)
    expected_coincidences = (np.outer(n_c, n_c) - np.diag(n_c)) / (n - 1.0)
    d_o = float((coincidences * delta).sum()) / n
    d_e = float((expected_coincidences * delta).sum()) / n
    interval = None
    if d_e == 0.0:
        value = 1.0
        why = (
            "every pairable label is the same, so expected disagreement is 0 and alpha is 0/0; "
            "reported as 1.0 (full agreement)."
        )
    else:
        value = 1.0 - d_o / d_e
        why = f"observed disagreement D_o = {d_o:.4g}, expected D_e = {d_e:.4g}."
        # Gwet's variance with agreement weights 1 − δ²/max δ² (for ordinal, the rank
        # distances of these data are taken as fixed).
        top = float(delta.max())
        agreement = 1.0 - delta / top if top > 0 else np.eye(k)
        interval = _interval(t, "krippendorff", value, confidence, agreement)
    left_out = t.n_units - n_units
    note = f" {plural(left_out, 'unit')} with fewer than two labels left out." if left_out else ""
    return AgreementResult(
        measure=name,
        value=value,
        n_items=n_units,
        n_raters=n_raters,
        n_categories=k,
        observed=d_o,
        expected=d_e,
        interval=interval,  # type: ignore[arg-type]
        explanation=(
            f"{name} = {value:.3f} over {plural(n_units, 'item')} with at least two labels "
            f"({int(n)} pairable labels), {plural(n_raters, 'annotator')}, "
            f"{plural(k, 'category', 'categories')}: {why}{note}"
        ),
    )


def gwet_ac1(
    units_or_a: Rows | Sequence[Category | None],
    b: Sequence[Category | None] | None = None,
    *,
    labels: Sequence[Category] | None = None,
    level: float = DEFAULT_LEVEL,
) -> AgreementResult:
    """Gwet's AC1, a chance-corrected agreement that stays high when one label dominates.

    Call as ``gwet_ac1(a, b)`` or ``gwet_ac1(units_by_raters)``. Following Gwet (2008, 2014):
    p_a = mean over units with ≥ 2 labels of Σ_k r_ik(r_ik − 1) / (r_i(r_i − 1));
    π_k = mean over units with ≥ 1 label of r_ik / r_i; p_e = Σ_k π_k(1 − π_k) / (q − 1);
    AC1 = (p_a − p_e)/(1 − p_e). q is the number of categories: ``len(labels)`` if given,
    else the number of categories used (pass ``labels`` when some were never chosen).
    """
    name = "Gwet's AC1"
    t = tallies(_rows(units_or_a, b), labels)
    counts, order, n_raters = t.counts, t.order, t.n_raters
    q = len(order)
    if t.n_units == 0:
        return undefined_result(name, _NO_UNITS, n_raters=n_raters, n_categories=q)
    if n_raters < 2:
        return undefined_result(name, "it needs at least two annotators", n_raters=n_raters)
    shares, paired = _agreeing_pairs(counts)
    n = int(t.multiplicity[paired].sum())
    if n == 0:
        return undefined_result(
            name,
            "no unit was labelled by two or more annotators",
            n_raters=n_raters,
            n_categories=q,
        )
    p_a = _mean(shares, t.multiplicity[paired])
    per_unit = counts.sum(axis=1)
    rated = per_unit >= 1
    times = t.multiplicity[rated]
    pi = (times @ (counts[rated] / per_unit[rated][:, None])) / float(times.sum())
    interval = None
    if q == 1:
        value, p_e = 1.0, 1.0
        why = "only one category exists, so chance agreement is 1 and AC1 is 0/0; reported as 1.0."
    else:
        p_e = float((pi * (1.0 - pi)).sum()) / (q - 1)
        value = (p_a - p_e) / (1.0 - p_e)
        why = f"p_a = {p_a:.3f}, p_e = {p_e:.3f}."
        interval = _interval(t, "gwet", value, level)
        if n_raters == 2 and n == t.n_units:
            # Two annotators who both labelled every item: Gwet's two-way-table variance,
            # as irrCAC's table functions and the handbook's two-rater examples give it.
            table = np.zeros((q, q))
            for row, times in zip(counts, t.multiplicity, strict=True):
                first = np.flatnonzero(row)
                i, j = (first[0], first[0]) if len(first) == 1 else (first[0], first[1])
                table[i, j] += times
            se = table_se(table, np.eye(q), "gwet", value)
            interval = t_interval(value, se, n, level, ANALYTIC_TWO)
    return AgreementResult(
        measure=name,
        value=value,
        n_items=n,
        n_raters=n_raters,
        n_categories=q,
        observed=p_a,
        expected=p_e,
        interval=interval,  # type: ignore[arg-type]
        explanation=(
            f"{name} = {value:.3f} over {plural(n, 'item')} labelled by at least two of "
            f"{plural(n_raters, 'annotator')}, {plural(q, 'category', 'categories')}: {why}"
        ),
    )
