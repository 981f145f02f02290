"""What an agreement computation hands back: the number together with what it was counted over.

A coefficient alone is easy to misread (kappa over tokens including ``O`` is not kappa over
annotated tokens), so every result carries its unit, its counts and a sentence explaining it.
When there is nothing to measure (no items, one annotator) ``value`` is ``None`` and the
explanation says why; a result never holds NaN.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from annotator.agreement.intervals import Interval
from annotator.core.errors import AnnotatorError


class AgreementError(AnnotatorError):
    """Input that no agreement measure can use (sequences of different length, unknown level)."""


@dataclass(frozen=True, slots=True)
class AgreementResult:
    """A chance-corrected (or raw) agreement coefficient and what it was computed over.

    ``observed`` and ``expected`` are the observed and chance agreement (for Krippendorff's
    alpha: observed and expected *disagreement*); ``None`` where the measure has none.
    ``interval`` holds the standard error and confidence interval.
    """

    measure: str
    value: float | None
    n_items: int
    n_raters: int
    n_categories: int
    explanation: str
    observed: float | None = None
    expected: float | None = None
    unit: str = "item"
    #: Standard error and confidence interval (see :mod:`annotator.agreement.intervals`);
    #: None when the value is undefined or degenerate (one category throughout).
    interval: Interval | None = None

    @property
    def is_defined(self) -> bool:
        """True when there was something to measure and ``value`` is a number."""
        return self.value is not None


@dataclass(frozen=True, slots=True)
class ConfusionMatrix:
    """Label-by-label counts between two annotators: ``counts[i][j]`` items that the first
    annotator labelled ``labels[i]`` and the second ``labels[j]`` (as in scikit-learn)."""

    labels: tuple[Hashable, ...]
    counts: tuple[tuple[int, ...], ...]

    @property
    def n_items(self) -> int:
        return sum(sum(row) for row in self.counts)

    def count(self, label_a: Hashable, label_b: Hashable) -> int:
        """Items labelled ``label_a`` by the first annotator and ``label_b`` by the second."""
        return self.counts[self.labels.index(label_a)][self.labels.index(label_b)]


@dataclass(frozen=True, slots=True)
class LabelF1:
    """Span agreement for one label (or for all labels together, the micro average).

    The first annotator is taken as the reference: ``recall`` is the share of their spans the
    second annotator matched, ``precision`` the share of the second annotator's spans that match
    one of the first's. F1 does not depend on which annotator comes first.
    """

    precision: float | None
    recall: float | None
    f1: float | None
    n_a: int
    n_b: int
    matched_a: int
    matched_b: int


@dataclass(frozen=True, slots=True)
class SpanF1Result:
    """Pairwise span F1, micro-averaged over all labels and broken down per label."""

    match: str
    labeled: bool
    micro: LabelF1
    per_label: Mapping[str, LabelF1] = field(default_factory=dict)
    explanation: str = ""
    unit: str = "span"

    @property
    def f1(self) -> float | None:
        return self.micro.f1

    @property
    def precision(self) -> float | None:
        return self.micro.precision

    @property
    def recall(self) -> float | None:
        return self.micro.recall


def undefined_result(
    measure: str, reason: str, *, n_items: int = 0, n_raters: int = 0, n_categories: int = 0
) -> AgreementResult:
    """A result with no value, for when there is nothing to measure; ``reason`` says why."""
    return AgreementResult(
        measure=measure,
        value=None,
        n_items=n_items,
        n_raters=n_raters,
        n_categories=n_categories,
        explanation=f"{measure} is undefined: {reason}.",
    )


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``"1 item"``, ``"3 items"``; ``nouns`` for irregular plurals ("category", "categories")."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {nouns or noun + 's'}"
