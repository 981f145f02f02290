"""Standard errors and confidence intervals equal irrCAC's and Gwet's published figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from irrCAC.datasets import raw_4raters, table_cont3x3abstractors
from irrCAC.raw import CAC as RawCAC
from irrCAC.table import CAC as TableCAC
from scipy import stats

from annotator.agreement import (
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    per_label_kappa,
    percent_agreement,
    scott_pi,
)
from annotator.agreement.intervals import bootstrap_interval, t_quantile


def _rows_of(frame: pd.DataFrame) -> list[tuple[float | None, ...]]:
    return [tuple(None if math.isnan(x) else x for x in row) for row in frame.to_numpy()]


def _pairs_of_table(table: pd.DataFrame) -> tuple[list[str], list[str]]:
    a, b = [], []
    for row_label, row in table.iterrows():
        for column_label, count in row.items():
            a += [row_label] * int(count)
            b += [column_label] * int(count)
    return a, b


def test_t_quantile_matches_scipy():
    for df in (1, 2, 5, 11, 99, 10_000, 5_000_000):
        for p in (0.95, 0.975, 0.995):
            assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), abs=1e-7)


def test_many_annotator_intervals_match_gwets_published_four_rater_example():
    # Gwet (2014), Handbook of Inter-Rater Reliability, the 4 raters x 12 units example with
    # missing ratings, as printed in irrCAC's documentation: AC1 0.77544 (se 0.14295,
    # 95 % CI 0.46081..1).
    rows = _rows_of(raw_4raters().dropna(how="all"))
    ac1 = gwet_ac1(rows)
    assert ac1.value == pytest.approx(0.77544, abs=5e-6)
    assert ac1.interval is not None
    assert ac1.interval.se == pytest.approx(0.14295, abs=5e-6)
    assert ac1.interval.low == pytest.approx(0.46081, abs=5e-6)
    assert ac1.interval.high == 1.0
    alpha = krippendorff_alpha(rows)
    assert alpha.value == pytest.approx(0.74342, abs=5e-6)
    assert alpha.interval is not None and alpha.interval.se == pytest.approx(0.14557, abs=5e-6)


def test_two_annotator_intervals_match_gwets_published_abstractor_table():
    # Gwet (2014), the 3 x 3 table of two abstractors classifying 100 pregnancies, as in
    # irrCAC's documentation: AC1 0.84933, se 0.04322, 95 % CI 0.76358..0.93508.
    a, b = _pairs_of_table(table_cont3x3abstractors())
    ac1 = gwet_ac1(a, b)
    assert ac1.value == pytest.approx(0.84933, abs=5e-6)
    assert ac1.interval is not None
    assert ac1.interval.se == pytest.approx(0.04322, abs=5e-6)
    assert ac1.interval.low == pytest.approx(0.76358, abs=5e-6)
    assert ac1.interval.high == pytest.approx(0.93508, abs=5e-6)
    kappa = cohen_kappa(a, b)
    reference = TableCAC(table_cont3x3abstractors()).cohen()["est"]
    assert kappa.value == pytest.approx(reference["coefficient_value"], abs=5e-6)
    assert kappa.interval is not None
    assert kappa.interval.se == pytest.approx(reference["se"], abs=5e-6)
    assert kappa.interval.low == pytest.approx(reference["confidence_interval"][0], abs=5e-6)
    assert kappa.interval.high == pytest.approx(reference["confidence_interval"][1], abs=5e-6)


def _random_pair(seed: int, n: int = 400) -> tuple[list[int], list[int]]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 5, size=n)
    a = np.where(rng.random(n) < 0.8, truth, rng.integers(1, 5, size=n))
    b = np.where(rng.random(n) < 0.7, truth, rng.integers(1, 5, size=n))
    return a.tolist(), b.tolist()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_annotator_standard_errors_equal_irrcac_on_shared_data(seed):
    a, b = _random_pair(seed)
    table = pd.crosstab(pd.Series(a), pd.Series(b)).reindex(
        index=[1, 2, 3, 4], columns=[1, 2, 3, 4], fill_value=0
    )
    reference = TableCAC(table)
    cases = [
        (cohen_kappa(a, b), reference.cohen()),
        (scott_pi(a, b), reference.scott()),
        (percent_agreement(a, b), reference.pa2()),
    ]
    for weights in ("linear", "quadratic"):
        cases.append(
            (cohen_kappa(a, b, weights, labels=[1, 2, 3, 4]), TableCAC(table, weights).cohen())
        )
    for ours, theirs in cases:
        est = theirs["est"]
        assert ours.value == pytest.approx(est["coefficient_value"], abs=5e-6), ours.measure
        assert ours.interval is not None, ours.measure
        assert ours.interval.se == pytest.approx(est["se"], abs=5e-6), ours.measure
        assert ours.interval.low == pytest.approx(est["confidence_interval"][0], abs=5e-6)


@pytest.mark.parametrize("seed", [4, 5])
def test_many_annotator_standard_errors_equal_irrcac_on_shared_data(seed):
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 4, size=150)
    data = np.where(rng.random((150, 4)) < 0.75, truth[:, None], rng.integers(1, 4, (150, 4)))
    frame = pd.DataFrame(data.astype(float))
    reference = RawCAC(frame)
    rows = [tuple(row) for row in data.tolist()]
    for ours, theirs in (
        (fleiss_kappa(rows), reference.fleiss()),
        (gwet_ac1(rows), reference.gwet()),
        (krippendorff_alpha(rows), reference.krippendorff()),
    ):
        est = theirs["est"]
        assert ours.value == pytest.approx(est["coefficient_value"], abs=5e-6), ours.measure
        assert ours.interval is not None
        assert ours.interval.se == pytest.approx(est["se"], abs=5e-6), ours.measure
        assert ours.interval.low == pytest.approx(est["confidence_interval"][0], abs=5e-6)


def test_missing_ratings_alpha_and_ac1_standard_errors_equal_irrcac():
    rng = np.random.default_rng(9)
    truth = rng.integers(1, 5, size=120)
    data = np.where(rng.random((120, 3)) < 0.7, truth[:, None], rng.integers(1, 5, (120, 3)))
    data = data.astype(float)
    data[rng.random((120, 3)) < 0.15] = np.nan
    frame = pd.DataFrame(data)
    reference = RawCAC(frame)
    rows = _rows_of(frame.dropna(how="all"))
    for ours, theirs in (
        (gwet_ac1(rows), reference.gwet()),
        (krippendorff_alpha(rows), reference.krippendorff()),
    ):
        assert ours.interval is not None
        assert ours.interval.se == pytest.approx(theirs["est"]["se"], abs=5e-6), ours.measure


def test_interval_contains_the_value_and_narrows_with_more_items():
    a, b = _random_pair(7, n=100)
    small = cohen_kappa(a, b)
    large = cohen_kappa(a * 16, b * 16)
    assert small.interval and large.interval
    assert small.interval.low < small.value < small.interval.high  # type: ignore[operator]
    assert large.interval.se == pytest.approx(small.interval.se / 4, rel=1e-9)


def test_per_label_kappa_has_the_interval_of_its_two_by_two_table():
    a, b = _random_pair(8)
    for label, result in per_label_kappa(a, b).items():
        binary = cohen_kappa([x == label for x in a], [x == label for x in b])
        assert result.value == pytest.approx(binary.value)
        assert result.interval is not None and binary.interval is not None
        assert result.interval.se == pytest.approx(binary.interval.se)


def test_undefined_and_single_category_results_have_no_interval():
    assert cohen_kappa([], []).interval is None
    assert cohen_kappa(["X", "X"], ["X", "X"]).interval is None
    assert fleiss_kappa([("X", "X"), ("X", "X")]).interval is None


def test_bootstrap_is_seeded_and_reproducible():
    values = np.arange(1.0, 51.0)

    def mean(weights: np.ndarray) -> np.ndarray:
        return weights @ values / weights.sum(axis=1)

    first = bootstrap_interval(float(values.mean()), mean, len(values), seed=3)
    again = bootstrap_interval(float(values.mean()), mean, len(values), seed=3)
    assert first == again and first is not None
    assert first.low < values.mean() < first.high
    assert first.se == pytest.approx(values.std(ddof=0) / math.sqrt(len(values)), rel=0.15)
    assert "seed 3" in first.method


def test_interval_alpha_standard_error_equals_irrcac_with_quadratic_weights():
    rng = np.random.default_rng(11)
    truth = rng.integers(1, 6, size=90)
    data = np.clip(truth[:, None] + rng.integers(-1, 2, (90, 3)), 1, 5).astype(float)
    data[rng.random((90, 3)) < 0.1] = np.nan
    frame = pd.DataFrame(data)
    reference = RawCAC(frame, weights="quadratic", categories=[1.0, 2.0, 3.0, 4.0, 5.0])
    est = reference.krippendorff()["est"]
    ours = krippendorff_alpha(_rows_of(frame.dropna(how="all")), "interval")
    assert ours.value == pytest.approx(est["coefficient_value"], abs=5e-6)
    assert ours.interval is not None
    assert ours.interval.se == pytest.approx(est["se"], abs=5e-6)
