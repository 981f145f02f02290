"""Agreement between two annotators who labelled the same items: Cohen's kappa (also weighted),
Scott's pi, per-label kappa and the label confusion matrix.

Conventions (also stated in each result's explanation):

- Items where either annotator gave no label (None or NaN) are left out and counted in the
  explanation; with ``labels``, so are items labelled outside them (as scikit-learn does).
- When both annotators used one and the same category for every item, chance agreement is 1
  and the coefficient is 0/0. It is reported as 1.0: the annotators agree on every item, and
  a coefficient that "cannot be computed" for perfect agreement would read as a failure.
  (scikit-learn returns NaN with a warning here; the ``krippendorff`` package raises.)
- No items in common gives ``value=None`` with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from itertools import combinations
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

from annotator.agreement.categories import Category, pair_codes
from annotator.agreement.intervals import (
    ANALYTIC_TWO,
    DEFAULT_LEVEL,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    Interval,
    agreement_weights,
    bootstrap_interval,
    t_interval,
    table_se,
)
from annotator.agreement.results import (
    AgreementError,
    AgreementResult,
    ConfusionMatrix,
    plural,
    undefined_result,
)

Weights = Literal["linear", "quadratic"] | None
Labels = Sequence[Category | None]
R = TypeVar("R")


def _confusion(
    codes_a: npt.NDArray[np.intp], codes_b: npt.NDArray[np.intp], k: int
) -> npt.NDArray[np.float64]:
    return np.bincount(codes_a * k + codes_b, minlength=k * k).reshape(k, k).astype(np.float64)


def _dropped_note(dropped: int) -> str:
    if not dropped:
        return ""
    return f" {plural(dropped, 'item')} left out (missing on one side or outside the labels)."


def _weight_matrix(k: int, weights: Weights) -> npt.NDArray[np.float64]:
    distance = np.abs(np.subtract.outer(np.arange(k), np.arange(k))).astype(np.float64)
    if weights is None:
        return (distance > 0).astype(np.float64)
    if weights == "linear":
        return distance
    return distance**2  # quadratic


def cohen_kappa(
    a: Labels,
    b: Labels,
    weights: Weights = None,
    labels: Sequence[Category] | None = None,
    *,
    level: float = DEFAULT_LEVEL,
) -> AgreementResult:
    """Cohen's kappa between two annotators' labels of the same items.

    κ = (p_o − p_e) / (1 − p_e) with p_e = Σ_k p_A(k)·p_B(k). With ``weights`` ("linear" or
    "quadratic") disagreements are weighted by the distance between the categories' positions
    in ``labels`` (or in sorted order), for ordinal scales such as sentiment −2..+2; this is
    the same computation as ``sklearn.metrics.cohen_kappa_score``. The standard error and
    ``level`` confidence interval are Gwet's (2014), as ``irrCAC``'s.
    """
    if weights not in (None, "linear", "quadratic"):
        raise AgreementError(
            f"unknown kappa weights {weights!r}: use None, 'linear' or 'quadratic'"
        )
    codes_a, codes_b, order, dropped = pair_codes(a, b, labels)
    k = len(order)
    return kappa_from_table(
        _confusion(codes_a, codes_b, k), order, weights, dropped=dropped, level=level
    )


def kappa_from_table(
    matrix: npt.NDArray[np.float64],
    order: Sequence[Category],
    weights: Weights = None,
    *,
    dropped: int = 0,
    level: float = DEFAULT_LEVEL,
    items: str = "labelled by both annotators",
) -> AgreementResult:
    """Cohen's kappa from the two annotators' ``k × k`` table of counts (rows: the first).

    What :func:`cohen_kappa` computes once the labels are counted; a corpus of millions of
    tokens is counted with one ``numpy.bincount`` and handed here. ``items`` says, in the
    explanation, which items were counted.
    """
    name = "Cohen's kappa" if weights is None else f"Cohen's kappa ({weights} weights)"
    matrix = np.asarray(matrix, dtype=np.float64)
    n, k = int(matrix.sum()), len(order)
    if n == 0:
        return undefined_result(
            name, "the two annotators have no labelled item in common", n_raters=2, n_categories=k
        )
    weight = _weight_matrix(k, weights)
    expected = np.outer(matrix.sum(axis=1), matrix.sum(axis=0)) / n
    disagreement_observed = float((weight * matrix).sum())
    disagreement_expected = float((weight * expected).sum())
    max_weight = float(weight.max()) if k > 1 else 1.0
    p_o = 1.0 - disagreement_observed / (n * max_weight)
    p_e = 1.0 - disagreement_expected / (n * max_weight)
    interval = None
    if disagreement_expected == 0.0:
        # Only possible when both used the same single category throughout, so p_o = 1 too.
        used = int(np.flatnonzero(matrix.sum(axis=1))[0])
        value = 1.0
        why = (
            f"both annotators used the single category '{order[used]}' for every "
            "item, so chance agreement is 1 and kappa is 0/0; reported as 1.0 (full agreement)."
        )
    else:
        value = 1.0 - disagreement_observed / disagreement_expected
        agreement = "weighted agreement" if weights else "agreement"
        why = f"observed {agreement} p_o = {p_o:.3f}, chance {agreement} p_e = {p_e:.3f}."
        se = table_se(matrix, agreement_weights(weight), "cohen", value)
        interval = t_interval(value, se, n, level, ANALYTIC_TWO)
    return AgreementResult(
        measure=name,
        value=value,
        n_items=n,
        n_raters=2,
        n_categories=k,
        observed=p_o,
        expected=p_e,
        interval=interval,
        explanation=(
            f"{name} = {value:.3f} over {plural(n, 'item')} {items}, "
            f"{plural(k, 'category', 'categories')}: {why}{_dropped_note(dropped)}"
        ),
    )


def percent_from_table(
    matrix: npt.NDArray[np.float64], order: Sequence[Category], *, level: float = DEFAULT_LEVEL
) -> AgreementResult:
    """Percent agreement of two annotators from their ``k × k`` table, with Gwet's standard
    error (irrCAC's ``pa2``)."""
    name = "Percent agreement"
    matrix = np.asarray(matrix, dtype=np.float64)
    n, k = int(matrix.sum()), len(order)
    if n == 0:
        return undefined_result(
            name, "the two annotators have no labelled item in common", n_raters=2, n_categories=k
        )
    value = float(np.trace(matrix)) / n
    se = table_se(matrix, np.eye(k), "percent", value)
    return AgreementResult(
        measure=name,
        value=value,
        n_items=n,
        n_raters=2,
        n_categories=k,
        observed=value,
        interval=t_interval(value, se, n, level, ANALYTIC_TWO),
        explanation=(
            f"{name} = {value:.1%} over {plural(n, 'item')} labelled by both annotators; "
            "not corrected for chance."
        ),
    )


def scott_pi(
    a: Labels,
    b: Labels,
    labels: Sequence[Category] | None = None,
    *,
    level: float = DEFAULT_LEVEL,
) -> AgreementResult:
    """Scott's pi: like Cohen's kappa, but chance agreement comes from the two annotators'
    pooled label distribution, p_e = Σ_k ((p_A(k) + p_B(k)) / 2)². It equals Fleiss' kappa for
    two annotators."""
    name = "Scott's pi"
    codes_a, codes_b, order, dropped = pair_codes(a, b, labels)
    n, k = len(codes_a), len(order)
    if n == 0:
        return undefined_result(
            name, "the two annotators have no labelled item in common", n_raters=2, n_categories=k
        )
    p_o = float(np.count_nonzero(codes_a == codes_b)) / n
    pooled = (np.bincount(codes_a, minlength=k) + np.bincount(codes_b, minlength=k)) / (2 * n)
    p_e = float((pooled**2).sum())
    interval = None
    if np.count_nonzero(pooled) == 1:
        value = 1.0
        why = "both annotators used one category throughout: p_e = 1, reported as 1.0."
    else:
        value = (p_o - p_e) / (1.0 - p_e)
        why = f"p_o = {p_o:.3f}, p_e = {p_e:.3f}."
        se = table_se(_confusion(codes_a, codes_b, k), np.eye(k), "scott", value)
        interval = t_interval(value, se, n, level, ANALYTIC_TWO)
    return AgreementResult(
        measure=name,
        value=value,
        n_items=n,
        n_raters=2,
        n_categories=k,
        observed=p_o,
        expected=p_e,
        interval=interval,
        explanation=(
            f"{name} = {value:.3f} over {plural(n, 'item')} labelled by both annotators, "
            f"{plural(k, 'category', 'categories')}: {why}{_dropped_note(dropped)}"
        ),
    )


def confusion_matrix(
    a: Labels, b: Labels, labels: Sequence[Category] | None = None
) -> ConfusionMatrix:
    """How often the first annotator's label ``i`` met the second annotator's label ``j``.

    Rows are the first annotator, columns the second, in the order of ``labels`` (default: the
    sorted labels either used), as ``sklearn.metrics.confusion_matrix``. Items missing on
    either side are not counted.
    """
    codes_a, codes_b, order, _ = pair_codes(a, b, labels)
    k = len(order)
    matrix = np.bincount(codes_a * k + codes_b, minlength=k * k).reshape(k, k)
    return ConfusionMatrix(labels=order, counts=tuple(tuple(int(x) for x in row) for row in matrix))


def per_label_kappa(
    a: Labels, b: Labels, labels: Sequence[Category] | None = None
) -> dict[Category, AgreementResult]:
    """Cohen's kappa for each label on its own (that label versus all others), which shows
    which labels the annotators agree on and which they confuse."""
    codes_a, codes_b, order, _ = pair_codes(a, b, labels)
    return per_label_kappa_from_table(_confusion(codes_a, codes_b, len(order)), order)


def kappa_bootstrap(
    tables: npt.NDArray[np.float64],
    *,
    level: float = DEFAULT_LEVEL,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Interval | None:
    """A bootstrap interval of Cohen's kappa over groups (documents): ``tables[g]`` is group
    g's ``k × k`` table. Units of one document are not independent; resampling whole
    documents shows how much the coefficient depends on which documents were read."""
    groups, k = tables.shape[0], tables.shape[1]
    flat = tables.reshape(groups, k * k)

    def kappa(weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        summed = (weights @ flat).reshape(-1, k, k)
        n = summed.sum(axis=(1, 2))
        with np.errstate(divide="ignore", invalid="ignore"):
            p_o = np.trace(summed, axis1=1, axis2=2) / n
            p_e = (summed.sum(axis=2) * summed.sum(axis=1)).sum(axis=1) / n**2
            return (p_o - p_e) / (1.0 - p_e)

    point = kappa(np.ones((1, groups)))[0] if groups else math.nan
    if not math.isfinite(point):
        return None
    return bootstrap_interval(
        float(point), kappa, groups, level=level, resamples=resamples, seed=seed
    )


def per_label_kappa_from_table(
    matrix: npt.NDArray[np.float64], order: Sequence[Category], *, level: float = DEFAULT_LEVEL
) -> dict[Category, AgreementResult]:
    """:func:`per_label_kappa` from the pair's ``k × k`` table: each label's 2 × 2 table (the
    label versus the rest) is read off it, so no item is visited again."""
    matrix = np.asarray(matrix, dtype=np.float64)
    n = float(matrix.sum())
    rows, cols = matrix.sum(axis=1), matrix.sum(axis=0)
    results = {}
    for i, label in enumerate(order):
        both = matrix[i, i]
        only_a, only_b = rows[i] - both, cols[i] - both
        table = np.array([[n - both - only_a - only_b, only_b], [only_a, both]])
        result = kappa_from_table(table, (False, True), level=level)
        results[label] = AgreementResult(
            measure=f"Cohen's kappa for '{label}' versus the rest",
            value=result.value,
            n_items=result.n_items,
            n_raters=2,
            n_categories=2,
            observed=result.observed,
            expected=result.expected,
            interval=result.interval,
            explanation=f"'{label}' versus all other labels: {result.explanation}",
            unit=result.unit,
        )
    return results


def pairwise(
    measure: Callable[[Labels, Labels], R], labels_by_annotator: Mapping[Hashable, Labels]
) -> dict[tuple[Hashable, Hashable], R]:
    """``measure`` for every pair of annotators, keyed ``(first, second)`` in the mapping's order.

    For example ``pairwise(cohen_kappa, {"ann": [...], "ben": [...], "cy": [...]})`` gives the
    three pairwise kappas; use ``functools.partial`` to pass weights or labels.
    """
    return {
        (first, second): measure(labels_by_annotator[first], labels_by_annotator[second])
        for first, second in combinations(labels_by_annotator, 2)
    }
