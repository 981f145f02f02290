"""Agreement between annotators: pure functions over plain data (no Qt, no SQL, no spaCy).

Measures return :class:`AgreementResult` (the value with its unit, counts, an explanation,
its standard error and confidence interval, :class:`Interval`) rather than a bare float; when
there is nothing to measure the value is ``None`` and the explanation says why. Every measure
is checked against scikit-learn, statsmodels, the ``krippendorff`` package, irrCAC and
textbook examples in ``tests/test_agreement*.py``.
"""

from annotator.agreement.disagreements import Disagreement, Reading, disagreements
from annotator.agreement.intervals import Interval
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
from annotator.agreement.span_f1 import span_f1, span_f1_interval
from annotator.agreement.two_raters import (
    cohen_kappa,
    confusion_matrix,
    kappa_from_table,
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
    "Interval",
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
    "kappa_from_table",
    "krippendorff_alpha",
    "label_tokens",
    "pairwise",
    "per_label_kappa",
    "percent_agreement",
    "scott_pi",
    "span_f1",
    "span_f1_interval",
    "span_units",
    "token_kappa",
    "token_units",
]
