"""Agreement between annotators: pure functions over plain data (no Qt, no SQL, no spaCy).

Measures return :class:`AgreementResult` (the value with its unit, counts and an explanation)
rather than a bare float; when there is nothing to measure the value is ``None`` and the
explanation says why. Every measure is checked against scikit-learn, statsmodels, the
``krippendorff`` package and textbook examples in ``tests/test_agreement*.py``.
"""

from annotator.agreement.disagreements import Disagreement, Reading, disagreements
from annotator.agreement.many_raters import (
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)
from annotator.agreement.results import (
    AgreementError,
    AgreementResult,
    ConfusionMatrix,
    LabelF1,
    SpanF1Result,
)
from annotator.agreement.span_f1 import span_f1
from annotator.agreement.two_raters import (
    cohen_kappa,
    confusion_matrix,
    pairwise,
    per_label_kappa,
    scott_pi,
)
from annotator.agreement.units import (
    OUTSIDE,
    Units,
    common_documents,
    counts_as_annotated,
    item_units,
    label_tokens,
    span_units,
    token_kappa,
    token_units,
)

__all__ = [
    "OUTSIDE",
    "AgreementError",
    "AgreementResult",
    "ConfusionMatrix",
    "Disagreement",
    "LabelF1",
    "Reading",
    "SpanF1Result",
    "Units",
    "cohen_kappa",
    "common_documents",
    "confusion_matrix",
    "counts_as_annotated",
    "disagreements",
    "fleiss_kappa",
    "gwet_ac1",
    "item_units",
    "krippendorff_alpha",
    "label_tokens",
    "pairwise",
    "per_label_kappa",
    "percent_agreement",
    "scott_pi",
    "span_f1",
    "span_units",
    "token_kappa",
    "token_units",
]
