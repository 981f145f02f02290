"""Standard errors and confidence intervals of the agreement coefficients.

A coefficient over 40 items and one over 40,000 can both read 0.71; only the interval says
how far the second one can be trusted more. Where the literature gives a variance formula it
is used, exactly as Gwet (2014, *Handbook of Inter-Rater Reliability*, 4th ed.) and his
``irrCAC`` package compute it:

- two annotators (Cohen's kappa, also weighted; Scott's pi; percent agreement; per-label
  kappa): the linearised variance over the two-way table of the pair (Gwet 2014, ch. 5);
- any number of annotators (Fleiss' kappa, Gwet's AC1, Krippendorff's alpha, percent
  agreement): the per-unit linearisation of Gwet (2014, ch. 5-6; Gwet 2008 for AC1).

Intervals use Student's t with n − 1 degrees of freedom (n the number of units), as irrCAC
does, and are clipped to [−1, 1]. These formulas treat the units as independent; tokens of one
document are not, so for the token unit a bootstrap over documents is offered as well
(:func:`bootstrap_interval`). Span F1 has no variance formula and is always bootstrapped over
documents (seeded, so the same data give the same interval).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: The confidence level used when none is given.
DEFAULT_LEVEL = 0.95
#: Bootstrap resamples and seed used when none are given.
DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 20260101

ANALYTIC_TWO = "analytic (Gwet 2014, two-way table)"
ANALYTIC_MANY = "analytic (Gwet 2014, per-unit linearisation)"


@dataclass(frozen=True, slots=True)
class Interval:
    """The standard error of a coefficient and its confidence interval ``low..high``.

    ``method`` says how they were obtained (a variance formula or a bootstrap, with its
    resamples and seed), so that a reader can reproduce them.
    """

    se: float
    low: float
    high: float
    level: float
    method: str

    def formatted(self, digits: int = 3) -> str:
        """``"[0.612, 0.701]"``."""
        return f"[{self.low:.{digits}f}, {self.high:.{digits}f}]"

    def to_json(self) -> dict[str, object]:
        return {
            "se": self.se,
            "low": self.low,
            "high": self.high,
            "level": self.level,
            "method": self.method,
        }


# -- Student's t ------------------------------------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with ``df`` degrees of freedom."""
    tail = 0.5 * _incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t (bisection on :func:`t_cdf`, to 1e-12)."""
    if df > 1e7:  # indistinguishable from the normal distribution
        from statistics import NormalDist

        return NormalDist().inv_cdf(p)
    low, high = -1.0, 1.0
    while t_cdf(low, df) > p:
        low *= 2.0
    while t_cdf(high, df) < p:
        high *= 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return (low + high) / 2.0


def t_interval(
    value: float, se: float, n: float, level: float = DEFAULT_LEVEL, method: str = ANALYTIC_TWO
) -> Interval | None:
    """``value ± t(level, n − 1)·se`` clipped to [−1, 1].

    None when n < 2 or se is not finite, and when se is 0: the formula then has no sampling
    variation to report (one annotator never used the label, or a corner of the table is
    empty), and an interval of zero width would read as certainty."""
    if n < 2 or not math.isfinite(se) or not math.isfinite(value) or se == 0.0:
        return None
    half = t_quantile(0.5 + level / 2.0, n - 1.0) * se
    return Interval(
        se=se,
        low=max(-1.0, value - half),
        high=min(1.0, value + half),
        level=level,
        method=method,
    )


# -- two annotators: the two-way table ----------------------------------------------------------


def agreement_weights(disagreement: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Agreement weights (1 on the diagonal) from disagreement weights, as Gwet writes them."""
    top = float(disagreement.max()) if disagreement.size else 0.0
    return 1.0 - disagreement / top if top > 0 else 1.0 - disagreement


def table_se(
    table: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    measure: str,
    value: float,
) -> float:
    """The standard error of a two-annotator coefficient from its ``q × q`` table of counts.

    ``measure`` is "cohen", "scott", "gwet" or "percent"; ``weights`` are agreement weights.
    The same formulas as ``irrCAC.table.CAC`` (Gwet 2014, eq. 5.x), with no finite-population
    correction.
    """
    n = float(table.sum())
    q = table.shape[0]
    if n < 2 or (measure == "gwet" and q < 2):
        return math.nan
    p = table / n
    w = weights
    pa = float((p * w).sum())
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    if measure == "percent":
        return math.sqrt(max(0.0, float((p * w**2).sum()) - pa**2) / n)
    if measure == "gwet":
        pi = (rows + cols) / 2.0
        total = float(w.sum())
        pe = total * float((pi * (1.0 - pi)).sum()) / (q * (q - 1))
        term = w - 2.0 * (1.0 - value) * total * (1.0 - (pi[:, None] + pi[None, :]) / 2.0) / (
            q * (q - 1)
        )
    else:
        by_col = (w * cols[:, None]).sum(axis=0)  # Σ_l w_lk p_·l
        by_row = (w * rows[:, None]).sum(axis=0)  # Σ_l w_lk p_l·
        if measure == "cohen":
            pe = float((w * np.outer(rows, cols)).sum())
            term = w - (1.0 - value) * (by_col[:, None] + by_row[None, :])
        elif measure == "scott":
            pi = (rows + cols) / 2.0
            pe = float((w * np.outer(pi, pi)).sum())
            both = (by_col + by_row) / 2.0
            term = w - (1.0 - value) * (both[:, None] + both[None, :])
        else:
            raise ValueError(f"unknown measure {measure!r}")
    if pe >= 1.0:
        return math.nan
    variance = (float((p * term**2).sum()) - (pa - 2.0 * (1.0 - value) * pe) ** 2) / (
        n * (1.0 - pe) ** 2
    )
    return math.sqrt(max(0.0, variance))


# -- any number of annotators: per-unit linearisation -------------------------------------------


def many_se(
    counts: npt.NDArray[np.float64],
    multiplicity: npt.NDArray[np.float64],
    measure: str,
    value: float,
    weights: npt.NDArray[np.float64] | None = None,
) -> tuple[float, float]:
    """Standard error and the unit count n of a many-annotator coefficient.

    ``counts[i, k]`` is how many annotators put unit pattern ``i`` in category ``k`` and
    ``multiplicity[i]`` how many units share that pattern (identical units contribute
    identical terms, so a corpus of millions of tokens reduces to its distinct rows).
    ``measure`` is "fleiss", "gwet", "krippendorff" or "percent"; the formulas are those of
    ``irrCAC.raw.CAC`` (agreement ``weights``, identity by default).
    """
    q = counts.shape[1]
    w = np.eye(q) if weights is None else weights
    r = counts.sum(axis=1)
    rated = r >= 1
    counts, multiplicity, r = counts[rated], multiplicity[rated], r[rated]
    n = float(multiplicity.sum())
    if float(multiplicity[r >= 2].sum()) < 2 or (measure == "gwet" and q < 2):
        return math.nan, n  # no variance from fewer than two units
    weighted = counts @ w.T
    sum_q = (counts * (weighted - 1.0)).sum(axis=1)
    two = r >= 2
    n2 = float(multiplicity[two].sum())
    if measure == "krippendorff":
        counts, weighted, multiplicity, r, sum_q = (
            counts[two],
            weighted[two],
            multiplicity[two],
            r[two],
            sum_q[two],
        )
        n = n2
        r_mean = float((r * multiplicity).sum()) / n
        eps = 1.0 / float((r * multiplicity).sum())
        pa_prime = float((multiplicity * sum_q / (r_mean * (r - 1.0))).sum()) / n
        pa = (1.0 - eps) * pa_prime + eps
        pi = (multiplicity @ (counts / r_mean)) / n
        pe = float((w * np.outer(pi, pi)).sum())
        alpha_prime = (pa_prime - pe) / (1.0 - pe)
        pa_i = sum_q / (r_mean * (r - 1.0)) - pa * (r - r_mean) / r_mean
        coefficient_i = (pa_i - pe) / (1.0 - pe)
        pi_w = (w @ pi + w.T @ pi) / 2.0
        pe_i = counts @ pi_w / r_mean - pe * (r - r_mean) / r_mean
        x = coefficient_i - 2.0 * (1.0 - alpha_prime) * (pe_i - pe) / (1.0 - pe)
        variance = float((multiplicity * (x - alpha_prime) ** 2).sum()) / (n * (n - 1.0))
        return math.sqrt(max(0.0, variance)), n
    denominator = r * (r - 1.0)
    denominator = denominator - (denominator == 0)
    pa_i = sum_q / denominator
    pi = (multiplicity @ (counts / r[:, None])) / n
    if measure == "percent":
        x = (n / n2) * pa_i * two
        variance = float((multiplicity * (x - value) ** 2).sum()) / (n * (n - 1.0))
        return math.sqrt(max(0.0, variance)), n
    if measure == "fleiss":
        pe = float((w * np.outer(pi, pi)).sum())
        pi_w = (w @ pi + w.T @ pi) / 2.0
        pe_i = counts @ pi_w / r
    elif measure == "gwet":
        total = float(w.sum())
        pe = total * float((pi * (1.0 - pi)).sum()) / (q * (q - 1))
        pe_i = (total / (q * (q - 1))) * (counts @ (1.0 - pi)) / r
    else:
        raise ValueError(f"unknown measure {measure!r}")
    coefficient_i = (n / n2) * (pa_i - pe * two) / (1.0 - pe)
    x = coefficient_i - 2.0 * (1.0 - value) * (pe_i - pe) / (1.0 - pe)
    variance = float((multiplicity * (x - value) ** 2).sum()) / (n * (n - 1.0))
    return math.sqrt(max(0.0, variance)), n


# -- bootstrap ------------------------------------------------------------------------------


def bootstrap_interval(
    value: float,
    statistic: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]],
    n_groups: int,
    *,
    level: float = DEFAULT_LEVEL,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    what: str = "documents",
) -> Interval | None:
    """A percentile bootstrap interval over ``n_groups`` groups (documents, usually).

    ``statistic(weights)`` gets a ``(resamples, n_groups)`` array of how often each group was
    drawn in each resample and returns the coefficient of each resample (NaN where
    undefined), so a statistic built from per-group sums is one matrix product, not a Python
    loop. The standard error is the standard deviation of the resampled values.
    """
    if n_groups < 2:
        return None
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_groups, size=(resamples, n_groups))
    weights = np.zeros((resamples, n_groups), dtype=np.float64)
    np.add.at(weights, (np.arange(resamples)[:, None], draws), 1.0)
    values = np.asarray(statistic(weights), dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) < resamples // 2:
        return None
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return Interval(
        se=float(values.std(ddof=1)),
        low=float(low),
        high=float(high),
        level=level,
        method=f"bootstrap over {what} ({resamples} resamples, seed {seed})",
    )
