"""Agreement coefficients checked against reference libraries and textbook worked examples."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from annotator.agreement import (
    AgreementError,
    cohen_kappa,
    confusion_matrix,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    pairwise,
    per_label_kappa,
    percent_agreement,
    scott_pi,
)

NAN = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers
# (rows) x 12 units (columns), NaN where an observer gave no value.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]

# Fleiss (1971): 30 patients, each diagnosed by 6 psychiatrists into 5 categories (the table as
# the R irr package and statsmodels reproduce it); kappa = 0.430.
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip


def units_from_reliability_data(data: list[list[float]]) -> list[list[int | None]]:
    """The krippendorff package's raters x units matrix as our units x raters rows."""
    return [[None if v != v else int(v) for v in unit] for unit in np.asarray(data).T]


def random_pair(seed: int, n: int = 300, k: int = 5, agree: float = 0.6):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, k, n)
    b = np.where(rng.random(n) < agree, a, rng.integers(0, k, n))
    return a.tolist(), b.tolist()


# --- Cohen's kappa ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_sklearn(seed, weights):
    a, b = random_pair(seed)
    result = cohen_kappa(a, b, weights=weights)
    assert result.value == pytest.approx(cohen_kappa_score(a, b, weights=weights), abs=1e-12)
    assert result.n_items == 300 and result.n_raters == 2 and result.n_categories == 5


def test_cohen_kappa_matches_sklearn_with_quadratic_weights_on_sentiment_scale():
    a = [-2, -1, 0, 0, 1, 2, 2, 1, 0, -1, 0, 1]
    b = [-1, -1, 0, 1, 1, 2, 1, 1, -1, -2, 0, 2]
    result = cohen_kappa(a, b, weights="quadratic")
    assert result.value == pytest.approx(cohen_kappa_score(a, b, weights="quadratic"))
    assert "weighted agreement" in result.explanation


def test_cohen_kappa_uses_label_order_for_weights_like_sklearn():
    a = ["low", "mid", "high", "high", "mid", "low", "high"]
    b = ["mid", "mid", "high", "mid", "high", "low", "low"]
    scale = ["low", "mid", "high"]
    ours = cohen_kappa(a, b, weights="linear", labels=scale).value
    assert ours == pytest.approx(cohen_kappa_score(a, b, weights="linear", labels=scale))
    # Alphabetical order (high, low, mid) would rank "mid" last: a different, wrong kappa.
    assert ours != pytest.approx(cohen_kappa(a, b, weights="linear").value)


def test_cohen_kappa_with_labels_subset_drops_other_items_like_sklearn():
    a = ["PER", "ORG", "LOC", "PER", "MISC", "ORG"]
    b = ["PER", "LOC", "LOC", "ORG", "MISC", "ORG"]
    labels = ["PER", "ORG", "LOC"]
    result = cohen_kappa(a, b, labels=labels)
    assert result.value == pytest.approx(cohen_kappa_score(a, b, labels=labels))
    assert result.n_items == 5
    assert "1 item left out" in result.explanation


def test_cohen_kappa_leaves_out_items_missing_on_either_side():
    a = ["x", "y", None, "x", "y", "x"]
    b = ["x", "y", "x", None, "x", "x"]
    result = cohen_kappa(a, b)
    assert result.value == pytest.approx(
        cohen_kappa_score(["x", "y", "y", "x"], ["x", "y", "x", "x"])
    )
    assert result.n_items == 4
    assert "2 items left out" in result.explanation


def test_cohen_kappa_reports_observed_and_chance_agreement():
    a = ["a"] * 6 + ["b"] * 4
    b = ["a"] * 5 + ["b"] * 5
    result = cohen_kappa(a, b)
    # p_o = 9/10; p_e = 0.6*0.5 + 0.4*0.5 = 0.5; kappa = 0.4/0.5 = 0.8.
    assert result.observed == pytest.approx(0.9)
    assert result.expected == pytest.approx(0.5)
    assert result.value == pytest.approx(0.8)


def test_cohen_kappa_rejects_sequences_of_different_length():
    with pytest.raises(AgreementError, match="differ in length"):
        cohen_kappa(["a", "b"], ["a"])


def test_cohen_kappa_rejects_unknown_weights():
    with pytest.raises(AgreementError, match="unknown kappa weights"):
        cohen_kappa(["a"], ["a"], weights="cubic")  # type: ignore[arg-type]


def test_cohen_kappa_is_one_when_both_use_one_category_only():
    result = cohen_kappa(["O"] * 5, ["O"] * 5)
    assert result.value == 1.0
    assert result.expected == 1.0
    assert "0/0" in result.explanation and "1.0" in result.explanation


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_is_one_for_identical_annotations(weights):
    a, _ = random_pair(3)
    assert cohen_kappa(a, list(a), weights=weights).value == pytest.approx(1.0)


def test_cohen_kappa_with_no_items_is_undefined_and_explained():
    for a, b in [([], []), ([None, "x"], ["y", None])]:
        result = cohen_kappa(a, b)
        assert result.value is None and not result.is_defined
        assert result.n_items == 0
        assert "no labelled item in common" in result.explanation


# --- Scott's pi, confusion matrix, per label, pairwise ----------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_scott_pi_equals_statsmodels_fleiss_kappa_for_two_raters(seed):
    a, b = random_pair(seed)
    table, _ = aggregate_raters(np.column_stack([a, b]))
    assert scott_pi(a, b).value == pytest.approx(sm_fleiss_kappa(table, method="fleiss"))


def test_scott_pi_is_one_when_both_use_one_category_only():
    result = scott_pi(["x", "x"], ["x", "x"])
    assert result.value == 1.0 and "1.0" in result.explanation


def test_confusion_matrix_matches_sklearn():
    a = ["PER", "ORG", "O", "O", "PER", "LOC", "O"]
    b = ["PER", "PER", "O", "LOC", "PER", "LOC", "O"]
    matrix = confusion_matrix(a, b)
    assert matrix.labels == ("LOC", "O", "ORG", "PER")
    assert np.array_equal(np.array(matrix.counts), sk_confusion_matrix(a, b))
    assert matrix.count("ORG", "PER") == 1
    assert matrix.n_items == 7


def test_confusion_matrix_follows_given_label_order_like_sklearn():
    a, b = random_pair(1, k=4)
    labels = [3, 1, 0, 2]
    matrix = confusion_matrix(a, b, labels=labels)
    assert np.array_equal(np.array(matrix.counts), sk_confusion_matrix(a, b, labels=labels))


def test_per_label_kappa_is_one_versus_rest_cohen_kappa():
    a = ["PER", "ORG", "O", "O", "PER", "LOC", "O", "ORG"]
    b = ["PER", "PER", "O", "LOC", "PER", "LOC", "O", "ORG"]
    results = per_label_kappa(a, b)
    assert set(results) == {"LOC", "O", "ORG", "PER"}
    for label, result in results.items():
        expected = cohen_kappa_score([x == label for x in a], [x == label for x in b])
        assert result.value == pytest.approx(expected)
        assert label in result.measure


def test_pairwise_gives_every_annotator_pair_in_order():
    labels = {"ann": [1, 2, 3, 1], "ben": [1, 2, 2, 1], "cy": [3, 2, 3, 1]}
    matrix = pairwise(cohen_kappa, labels)
    assert list(matrix) == [("ann", "ben"), ("ann", "cy"), ("ben", "cy")]
    for (first, second), result in matrix.items():
        assert result.value == pytest.approx(cohen_kappa_score(labels[first], labels[second]))


# --- Fleiss' kappa ----------------------------------------------------------------------------


def test_fleiss_kappa_reproduces_fleiss_1971_example():
    result = fleiss_kappa(FLEISS_1971)
    assert result.value == pytest.approx(0.4302445, abs=1e-7)
    assert (result.n_items, result.n_raters, result.n_categories) == (30, 6, 5)


def test_fleiss_kappa_reproduces_wikipedia_worked_example():
    # 10 subjects, 14 raters, 5 categories; per-subject counts; kappa = 0.210.
    counts = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    rows = [[k for k, n in enumerate(row) for _ in range(n)] for row in counts]
    assert fleiss_kappa(rows).value == pytest.approx(0.20993, abs=1e-5)


@pytest.mark.parametrize("seed", range(4))
def test_fleiss_kappa_matches_statsmodels(seed):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, 80)
    data = np.where(rng.random((80, 5)) < 0.7, truth[:, None], rng.integers(0, 4, (80, 5)))
    table, _ = aggregate_raters(data)
    assert fleiss_kappa(data.tolist()).value == pytest.approx(sm_fleiss_kappa(table))


def test_fleiss_kappa_leaves_out_incomplete_units_and_says_so():
    rows = [row[:] for row in FLEISS_1971] + [[1, None, 2, 2, 2, 2]]
    result = fleiss_kappa(rows)
    assert result.value == pytest.approx(0.4302445, abs=1e-7)
    assert result.n_items == 30
    assert "1 unit with a missing label left out" in result.explanation


def test_fleiss_kappa_is_one_when_everyone_uses_one_category():
    result = fleiss_kappa([["O", "O", "O"]] * 4)
    assert result.value == 1.0 and "0/0" in result.explanation


def test_fleiss_kappa_with_one_annotator_is_undefined_and_explained():
    result = fleiss_kappa([["a"], ["b"]])
    assert result.value is None
    assert "at least two annotators" in result.explanation


def test_fleiss_kappa_with_no_units_is_undefined():
    assert fleiss_kappa([]).value is None


def test_fleiss_kappa_rejects_rows_of_different_width():
    with pytest.raises(AgreementError, match="one entry per annotator"):
        fleiss_kappa([["a", "b"], ["a"]])


# --- Krippendorff's alpha ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_alpha_reproduces_krippendorff_2011_example(level, published):
    units = units_from_reliability_data(KRIPPENDORFF_2011)
    result = krippendorff_alpha(units, level=level)
    assert result.value == pytest.approx(published, abs=5e-4)
    reference = krippendorff.alpha(KRIPPENDORFF_2011, level_of_measurement=level)
    assert result.value == pytest.approx(reference, abs=1e-12)
    # Unit 11 has one value only: not pairable. 40 pairable values in the other 11 units.
    assert result.n_items == 11 and "40 pairable labels" in result.explanation


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_alpha_matches_package_with_missing_data(seed, level):
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, 60)
    data = np.where(rng.random((4, 60)) < 0.7, truth, rng.integers(1, 6, (4, 60))).astype(float)
    data[rng.random((4, 60)) < 0.25] = np.nan
    expected = krippendorff.alpha(data, level_of_measurement=level)
    ours = krippendorff_alpha(units_from_reliability_data(data), level=level)
    assert ours.value == pytest.approx(expected, abs=1e-12)


def test_krippendorff_alpha_ordinal_uses_given_label_order_like_package():
    order = ["very low", "low", "mid", "high", "very high"]
    named = [[None if v != v else order[int(v) - 1] for v in row] for row in KRIPPENDORFF_2011]
    units = [list(unit) for unit in zip(*named, strict=True)]
    result = krippendorff_alpha(units, level="ordinal", labels=order)
    assert result.value == pytest.approx(0.815, abs=5e-4)
    as_strings = np.array([[v if v else "nan" for v in row] for row in named])
    reference = krippendorff.alpha(as_strings, level_of_measurement="ordinal", value_domain=order)
    assert result.value == pytest.approx(reference, abs=1e-12)


def test_krippendorff_alpha_nominal_works_on_string_labels():
    units = [["PER", "PER", None], ["ORG", "LOC", "ORG"], ["O", "O", "O"], [None, "LOC", "LOC"]]
    reference_data = np.array([[u[r] or "nan" for u in units] for r in range(3)])
    expected = krippendorff.alpha(reference_data, level_of_measurement="nominal")
    assert krippendorff_alpha(units).value == pytest.approx(expected)


def test_krippendorff_alpha_interval_needs_numeric_labels():
    with pytest.raises(AgreementError, match="needs numeric labels"):
        krippendorff_alpha([["a", "b"], ["a", "a"]], level="interval")


def test_krippendorff_alpha_rejects_unknown_level():
    with pytest.raises(AgreementError, match="unknown level"):
        krippendorff_alpha([[1, 2]], level="cardinal")  # type: ignore[arg-type]


def test_krippendorff_alpha_is_one_when_every_value_is_the_same():
    # The krippendorff package raises "There has to be more than one value in the domain."
    result = krippendorff_alpha([[3, 3, None], [3, 3, 3]], level="interval")
    assert result.value == 1.0 and "0/0" in result.explanation


def test_krippendorff_alpha_without_pairable_units_is_undefined_and_explained():
    result = krippendorff_alpha([["a", None], [None, "b"]])
    assert result.value is None
    assert "no unit was labelled by two or more annotators" in result.explanation


def test_krippendorff_alpha_with_one_annotator_is_undefined():
    assert krippendorff_alpha([["a"], ["b"]]).value is None


# --- Gwet's AC1 -------------------------------------------------------------------------------


def test_gwet_ac1_stays_high_where_kappa_collapses_under_skewed_labels():
    # The prevalence paradox: 125 items, two raters, 2 categories; A says "+" 123 times, B 120.
    # Table: (+,+) 118, (+,-) 5, (-,+) 2, (-,-) 0.
    a = ["+"] * 118 + ["+"] * 5 + ["-"] * 2
    b = ["+"] * 118 + ["-"] * 5 + ["+"] * 2
    # By hand (Gwet 2008): p_a = 118/125; pi_+ = (123/125 + 120/125)/2 = 243/250, pi_- = 7/250;
    # p_e = sum pi_k (1 - pi_k) / (q - 1) = 2 * 243/250 * 7/250; AC1 = (p_a - p_e)/(1 - p_e).
    p_a = Fraction(118, 125)
    p_e = 2 * Fraction(243, 250) * Fraction(7, 250)
    ac1 = (p_a - p_e) / (1 - p_e)
    assert float(ac1) == pytest.approx(0.940776, abs=1e-6)
    result = gwet_ac1(a, b)
    assert result.value == pytest.approx(float(ac1), abs=1e-12)
    assert result.expected == pytest.approx(float(p_e))
    # Same data: Cohen's kappa is slightly negative (sklearn agrees).
    assert cohen_kappa(a, b).value == pytest.approx(cohen_kappa_score(a, b))
    assert cohen_kappa(a, b).value < 0


def _gwet_ac1_by_hand(rows: list[list[object]], categories: list[object]) -> Fraction:
    """Gwet (2014) AC1 for many raters with missing data, in exact fractions, loop by loop."""
    rated = [[x for x in row if x is not None] for row in rows]
    rated = [r for r in rated if r]
    pairable = [r for r in rated if len(r) >= 2]
    p_a = sum(
        (Fraction(sum(r.count(k) * (r.count(k) - 1) for k in categories), len(r) * (len(r) - 1))
         for r in pairable),
        Fraction(0),
    ) / len(pairable)  # fmt: skip
    pi = {k: sum((Fraction(r.count(k), len(r)) for r in rated), Fraction(0)) / len(rated)
          for k in categories}  # fmt: skip
    p_e = sum((p * (1 - p) for p in pi.values()), Fraction(0)) / (len(categories) - 1)
    return (p_a - p_e) / (1 - p_e)


def test_gwet_ac1_for_many_raters_with_missing_data_matches_hand_derivation():
    units = units_from_reliability_data(KRIPPENDORFF_2011)
    expected = _gwet_ac1_by_hand(units, [1, 2, 3, 4, 5])
    assert gwet_ac1(units).value == pytest.approx(float(expected), abs=1e-12)
    # With the scale's six categories declared (one never used) q changes, and so does p_e.
    six = _gwet_ac1_by_hand(units, [0, 1, 2, 3, 4, 5])
    assert gwet_ac1(units, labels=[0, 1, 2, 3, 4, 5]).value == pytest.approx(float(six))


def test_gwet_ac1_is_one_with_a_single_category():
    result = gwet_ac1(["x", "x", "x"], ["x", "x", "x"])
    assert result.value == 1.0 and "0/0" in result.explanation


def test_gwet_ac1_with_one_annotator_is_undefined():
    assert gwet_ac1([["a"], ["b"]]).value is None


# --- Percent agreement ------------------------------------------------------------------------


def test_percent_agreement_for_two_annotators_is_share_of_equal_labels():
    result = percent_agreement(["a", "b", "c", "a"], ["a", "b", "a", "a"])
    assert result.value == pytest.approx(0.75)
    assert "75.0%" in result.explanation and "not corrected for chance" in result.explanation


def test_percent_agreement_for_many_annotators_is_mean_share_of_agreeing_pairs():
    rows = [["a", "a", "b"], ["a", "a", "a"], ["b", None, "b"], ["c", None, None]]
    # Unit 1: 1 of 3 pairs agree; unit 2: 3 of 3; unit 3: 1 of 1; unit 4 has no pair.
    result = percent_agreement(rows)
    assert result.value == pytest.approx((1 / 3 + 1 + 1) / 3)
    assert result.n_items == 3


def test_percent_agreement_with_no_common_items_is_undefined():
    result = percent_agreement([None, "a"], ["b", None])
    assert result.value is None and "no unit" in result.explanation


# --- Properties -------------------------------------------------------------------------------

labels_strategy = st.lists(st.sampled_from("ABCD"), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_pairwise_measures_are_symmetric_and_bounded(data):
    a = data.draw(labels_strategy)
    b = data.draw(st.lists(st.sampled_from("ABCD"), min_size=len(a), max_size=len(a)))
    for measure in (cohen_kappa, scott_pi, gwet_ac1, percent_agreement):
        ab, ba = measure(a, b), measure(b, a)
        assert ab.value == pytest.approx(ba.value)
        assert -1.0 <= ab.value <= 1.0 + 1e-12
    rows = [list(pair) for pair in zip(a, b, strict=True)]
    alpha = krippendorff_alpha(rows).value
    assert alpha == pytest.approx(krippendorff_alpha([r[::-1] for r in rows]).value)


@settings(max_examples=60, deadline=None)
@given(labels_strategy, st.integers(min_value=2, max_value=4))
def test_identical_annotations_give_one_for_every_measure(a, n_raters):
    rows = [[x] * n_raters for x in a]
    assert cohen_kappa(a, a).value == pytest.approx(1.0)
    assert cohen_kappa(a, a, weights="quadratic").value == pytest.approx(1.0)
    assert scott_pi(a, a).value == pytest.approx(1.0)
    assert fleiss_kappa(rows).value == pytest.approx(1.0)
    assert krippendorff_alpha(rows).value == pytest.approx(1.0)
    assert gwet_ac1(rows).value == pytest.approx(1.0)
    assert percent_agreement(rows).value == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from([1, 2, 3, None]), min_size=3, max_size=3), min_size=2,
                max_size=30))  # fmt: skip
def test_krippendorff_alpha_matches_package_on_arbitrary_data(rows):
    data = np.array([[np.nan if v is None else v for v in row] for row in rows], float).T
    pairable = [row for row in rows if sum(v is not None for v in row) >= 2]
    values = {v for row in pairable for v in row if v is not None}
    result = krippendorff_alpha(rows, level="interval")
    if len(values) >= 2:
        assert result.value == pytest.approx(
            krippendorff.alpha(data, level_of_measurement="interval")
        )
    else:  # the package raises or returns NaN here; we give a defined, explained value
        assert result.value in (None, 1.0) and result.explanation


def test_every_result_explains_itself_and_never_holds_nan():
    cases = [
        cohen_kappa([], []),
        cohen_kappa(["x"], ["x"]),
        fleiss_kappa([]),
        fleiss_kappa([["a"]]),
        krippendorff_alpha([]),
        gwet_ac1([]),
        percent_agreement([]),
        scott_pi([], []),
    ]
    for result in cases:
        assert result.explanation
        assert result.value is None or result.value == result.value
    for first, second in combinations(cases, 2):
        assert first.measure and second.measure


# --- Input shapes -----------------------------------------------------------------------------


def test_measures_accept_numpy_arrays_as_well_as_lists():
    a, b = random_pair(7)
    strings = np.array(["PER", "LOC", "O"])
    sa, sb = strings[np.array(a) % 3], strings[np.array(b) % 3]
    assert cohen_kappa(sa, sb).value == pytest.approx(cohen_kappa_score(sa, sb))
    assert cohen_kappa(np.array(a), np.array(b), weights="linear").value == pytest.approx(
        cohen_kappa_score(a, b, weights="linear")
    )
    data = np.array(KRIPPENDORFF_2011)
    for level in ("nominal", "ordinal", "interval", "ratio"):
        from_array = krippendorff_alpha(data.T, level=level)
        from_rows = krippendorff_alpha(units_from_reliability_data(KRIPPENDORFF_2011), level=level)
        assert from_array.value == pytest.approx(from_rows.value, abs=1e-12)
        assert from_array.n_items == from_rows.n_items
    assert fleiss_kappa(np.array(FLEISS_1971)).value == pytest.approx(0.4302445, abs=1e-7)


def test_cohen_kappa_reproduces_textbook_two_by_two_example():
    # 50 proposals, two readers, yes/no: both yes 20, A yes/B no 5, A no/B yes 10, both no 15.
    # p_o = 35/50 = 0.7; p_e = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = 0.2/0.5 = 0.4.
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    result = cohen_kappa(a, b)
    assert (result.observed, result.expected) == (pytest.approx(0.7), pytest.approx(0.5))
    assert result.value == pytest.approx(0.4)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([2, 3, None]), min_size=3, max_size=3), min_size=2, max_size=25
    )
)
def test_krippendorff_alpha_ordinal_with_unused_scale_points_matches_package(rows):
    pairable = [row for row in rows if sum(v is not None for v in row) >= 2]
    if len({v for row in pairable for v in row if v is not None}) < 2:
        return
    scale = [1, 2, 3, 4]
    data = np.array([[np.nan if v is None else v for v in row] for row in rows], float).T
    expected = krippendorff.alpha(data, level_of_measurement="ordinal", value_domain=scale)
    result = krippendorff_alpha(rows, level="ordinal", labels=scale)
    assert result.value == pytest.approx(expected)
    assert result.n_categories == 4
