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

from annotator.agreement.categories import Category, check_same_length, count_matrix
from annotator.agreement.results import AgreementError, AgreementResult, plural, undefined_result

Level = Literal["nominal", "ordinal", "interval", "ratio"]
Rows = Sequence[Sequence[Category | None]]

_ONE_CATEGORY = "every rating is the same category, so chance agreement is 1 and "


def _rows(
    units_or_a: Rows | Sequence[Category | None], b: Sequence[Category | None] | None
) -> Rows:
    """Accept either ``units_by_raters`` or two annotators' sequences ``a, b``."""
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


def percent_agreement(
    units_or_a: Rows | Sequence[Category | None], b: Sequence[Category | None] | None = None
) -> AgreementResult:
    """The share of agreeing pairs of ratings, not corrected for chance.

    Call as ``percent_agreement(a, b)`` for two annotators (the share of items where both gave
    the same label) or ``percent_agreement(units_by_raters)`` for any number: the mean, over
    units rated by at least two annotators, of the share of rater pairs that agree.
    """
    name = "Percent agreement"
    counts, order, n_raters = count_matrix(_rows(units_or_a, b))
    if n_raters < 2:
        return undefined_result(name, "it needs at least two annotators", n_raters=n_raters)
    shares, paired = _agreeing_pairs(counts)
    n = int(np.count_nonzero(paired))
    if n == 0:
        return undefined_result(
            name,
            "no unit was labelled by two or more annotators",
            n_raters=n_raters,
            n_categories=len(order),
        )
    value = float(shares.mean())
    return AgreementResult(
        measure=name,
        value=value,
        n_items=n,
        n_raters=n_raters,
        n_categories=len(order),
        observed=value,
        explanation=(
            f"{name} = {value:.1%} over {plural(n, 'item')} labelled by at least two of "
            f"{plural(n_raters, 'annotator')}; not corrected for chance."
        ),
    )


def fleiss_kappa(
    units_by_raters: Rows, labels: Sequence[Category] | None = None
) -> AgreementResult:
    """Fleiss' kappa for any number of annotators who each labelled every unit.

    P_i = Σ_k n_ik(n_ik − 1) / (n(n − 1)), κ = (P̄ − P_e)/(1 − P_e), P_e = Σ_k p_k², as
    ``statsmodels.stats.inter_rater.fleiss_kappa``. Fleiss' kappa needs complete data: units
    that some annotator left unlabelled are left out (and counted in the explanation); use
    :func:`krippendorff_alpha` to keep them.
    """
    name = "Fleiss' kappa"
    counts, order, n_raters = count_matrix(units_by_raters, labels)
    k = len(order)
    if n_raters < 2:
        return undefined_result(name, "it needs at least two annotators", n_raters=n_raters)
    complete = counts.sum(axis=1) == n_raters
    counts = counts[complete]
    n = len(counts)
    left_out = len(complete) - n
    note = f" {plural(left_out, 'unit')} with a missing label left out." if left_out else ""
    if n == 0:
        return undefined_result(
            name,
            "no unit was labelled by every annotator" + (f" ({note.strip()})" if note else ""),
            n_raters=n_raters,
            n_categories=k,
        )
    shares, _ = _agreeing_pairs(counts)
    p_bar = float(shares.mean())
    p_k = counts.sum(axis=0) / (n * n_raters)
    p_e = float((p_k**2).sum())
    if np.count_nonzero(p_k) == 1:
        value = 1.0
        why = _ONE_CATEGORY + "kappa is 0/0; reported as 1.0 (full agreement)."
    else:
        value = (p_bar - p_e) / (1.0 - p_e)
        why = f"mean pairwise agreement P̄ = {p_bar:.3f}, chance P_e = {p_e:.3f}."
    return AgreementResult(
        measure=name,
        value=value,
        n_items=n,
        n_raters=n_raters,
        n_categories=k,
        observed=p_bar,
        expected=p_e,
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
    units_by_raters: Rows, level: Level = "nominal", labels: Sequence[Category] | None = None
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
    counts, order, n_raters = count_matrix(units_by_raters, labels)
    k = len(order)
    if n_raters < 2:
        return undefined_result(name, "it needs at least two annotators", n_raters=n_raters)
    per_unit = counts.sum(axis=1)
    pairable = per_unit >= 2
    n_units = int(np.count_nonzero(pairable))
    if n_units == 0:
        return undefined_result(
            name,
            "no unit was labelled by two or more annotators",
            n_raters=n_raters,
            n_categories=k,
        )
    c = counts[pairable].astype(np.float64)
    weighted = c / (per_unit[pairable] - 1)[:, None].astype(np.float64)
    coincidences = weighted.T @ c - np.diag(weighted.sum(axis=0))
    n_c = coincidences.sum(axis=0)
    n = float(n_c.sum())
    delta = _distances(order, level, n_c)
    expected_coincidences = (np.outer(n_c, n_c) - np.diag(n_c)) / (n - 1.0)
    d_o = float((coincidences * delta).sum()) / n
    d_e = float((expected_coincidences * delta).sum()) / n
    if d_e == 0.0:
        value = 1.0
        why = (
            "every pairable label is the same, so expected disagreement is 0 and alpha is 0/0; "
            "reported as 1.0 (full agreement)."
        )
    else:
        value = 1.0 - d_o / d_e
        why = f"observed disagreement D_o = {d_o:.4g}, expected D_e = {d_e:.4g}."
    left_out = len(per_unit) - n_units
    note = f" {plural(left_out, 'unit')} with fewer than two labels left out." if left_out else ""
    return AgreementResult(
        measure=name,
        value=value,
        n_items=n_units,
        n_raters=n_raters,
        n_categories=k,
        observed=d_o,
        expected=d_e,
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
) -> AgreementResult:
    """Gwet's AC1, a chance-corrected agreement that stays high when one label dominates.

    Call as ``gwet_ac1(a, b)`` or ``gwet_ac1(units_by_raters)``. Following Gwet (2008, 2014):
    p_a = mean over units with ≥ 2 labels of Σ_k r_ik(r_ik − 1) / (r_i(r_i − 1));
    π_k = mean over units with ≥ 1 label of r_ik / r_i; p_e = Σ_k π_k(1 − π_k) / (q − 1);
    AC1 = (p_a − p_e)/(1 − p_e). q is the number of categories: ``len(labels)`` if given,
    else the number of categories used (pass ``labels`` when some were never chosen).
    """
    name = "Gwet's AC1"
    counts, order, n_raters = count_matrix(_rows(units_or_a, b), labels)
    q = len(order)
    if n_raters < 2:
        return undefined_result(name, "it needs at least two annotators", n_raters=n_raters)
    shares, paired = _agreeing_pairs(counts)
    n = int(np.count_nonzero(paired))
    if n == 0:
        return undefined_result(
            name,
            "no unit was labelled by two or more annotators",
            n_raters=n_raters,
            n_categories=q,
        )
    p_a = float(shares.mean())
    per_unit = counts.sum(axis=1)
    rated = per_unit >= 1
    pi = (counts[rated] / per_unit[rated][:, None]).mean(axis=0)
    if q == 1:
        value, p_e = 1.0, 1.0
        why = "only one category exists, so chance agreement is 1 and AC1 is 0/0; reported as 1.0."
    else:
        p_e = float((pi * (1.0 - pi)).sum()) / (q - 1)
        value = (p_a - p_e) / (1.0 - p_e)
        why = f"p_a = {p_a:.3f}, p_e = {p_e:.3f}."
    return AgreementResult(
        measure=name,
        value=value,
        n_items=n,
        n_raters=n_raters,
        n_categories=q,
        observed=p_a,
        expected=p_e,
        explanation=(
            f"{name} = {value:.3f} over {plural(n, 'item')} labelled by at least two of "
            f"{plural(n_raters, 'annotator')}, {plural(q, 'category', 'categories')}: {why}"
        ),
    )
