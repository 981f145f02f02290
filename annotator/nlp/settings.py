"""What a project can tune about sentiment suggestions, without importing spaCy.

The project stores these (so the command line and every annotator's window use the same
labels and cut points); :mod:`annotator.nlp.sentiment` applies them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class SentimentConfig:
    """Thresholds and label names; :mod:`annotator.nlp.sentiment` says what they mean."""

    positive_threshold: float = 0.05
    negative_threshold: float = -0.05
    strong_threshold: float = 0.5
    mixed_min_share: float = 0.25
    positive_label: str = "positive"
    negative_label: str = "negative"
    neutral_label: str = "neutral"
    mixed_label: str = "mixed"

    def __post_init__(self) -> None:
        if not self.negative_threshold <= self.positive_threshold:
            raise ValueError("the negative cut point must not be above the positive one")
        if not 0 < self.strong_threshold <= 1:
            raise ValueError("a strong sentence's score must be above 0 and at most 1")
        if not 0 <= self.mixed_min_share <= 0.5:
            raise ValueError("the mixed share must be between 0 and 0.5")
        names = [name.strip() for name in self.labels]
        if not all(names):
            raise ValueError("every sentiment label needs a name")
        if len(set(names)) != len(names):
            raise ValueError("the four sentiment labels need four different names")

    @property
    def labels(self) -> tuple[str, str, str, str]:
        """Positive, negative, neutral and mixed label names, in that order."""
        return (self.positive_label, self.negative_label, self.neutral_label, self.mixed_label)

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SentimentConfig:
        """Known keys only (a newer version's extra settings are ignored); raises
        ValueError or TypeError when a value is unusable."""
        known = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            if key.endswith("_label"):
                if not isinstance(value, str):
                    raise TypeError(f"{key} must be text")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"{key} must be a number")
            values[key] = value
        return cls(**values)

    def label_for(self, score: float) -> str:
        """The positive / negative / neutral label of a compound score."""
        if score >= self.positive_threshold:
            return self.positive_label
        if score <= self.negative_threshold:
            return self.negative_label
        return self.neutral_label


DEFAULT_CONFIG = SentimentConfig()
