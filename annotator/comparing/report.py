"""The agreement report: kappa, alpha, F1... per pair of annotators and overall (no Qt)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from annotator.agreement import (
    OUTSIDE,
    AgreementResult,
    ConfusionMatrix,
    LabelF1,
    Units,
    cohen_kappa,
    confusion_matrix,
    fleiss_kappa,
    gwet_ac1,
    item_units,
    krippendorff_alpha,
    per_label_kappa,
    percent_agreement,
    span_f1,
    span_units,
)
from annotator.agreement.categories import tallies_from_codes
from annotator.agreement.intervals import DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, Interval
from annotator.agreement.results import plural
from annotator.agreement.span_f1 import exact_span_f1_arrays, span_f1_interval
from annotator.agreement.token_codes import DOCUMENT_SHIFT, label_codes
from annotator.agreement.two_raters import (
    kappa_bootstrap,
    kappa_from_table,
    per_label_kappa_from_table,
    percent_from_table,
)
from annotator.comparing.selection import (
    UNITS,
    Unit,
    annotator_names,
    compared_kinds,
    default_documents,
    own_annotations,
)
from annotator.core.errors import AnnotatorError
from annotator.core.model import (
    Annotation,
    AnnotationKind,
    DocumentId,
)

if TYPE_CHECKING:
    from annotator.project import Project


#: What the missing side of a span is called in the span confusion matrix.
NO_SPAN = "(no span)"
#: The measure name of per-label kappa figures (the label is in ``Figure.label``).
PER_LABEL_KAPPA = "Cohen's kappa (label vs rest)"
_UNIT_NOUNS = {"token": ("token", "tokens"), "span": ("span", "spans"), "item": ("item", "items")}


# -- report data ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentRef:
    id: DocumentId
    title: str


@dataclass(frozen=True, slots=True)
class Figure:
    """One agreement number together with what it was counted over.

    ``value`` is None when the measure is undefined, and ``explanation`` then says why.
    ``n`` is the number of units counted (tokens, spans or items, see ``unit``); ``counts``
    holds further counts such as each annotator's spans and the matched ones.
    """

    measure: str
    value: float | None
    unit: str
    n: int
    annotators: tuple[str, ...]
    explanation: str
    label: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    #: Standard error and confidence interval; None when undefined or degenerate.
    interval: Interval | None = None

    @property
    def is_defined(self) -> bool:
        return self.value is not None

    def formatted(self, digits: int = 3) -> str:
        """The value as text, ``"undefined"`` when there is none."""
        return "undefined" if self.value is None else f"{self.value:.{digits}f}"

    def formatted_interval(self, digits: int = 3) -> str:
        """``"95% CI [0.61, 0.70], SE 0.023"``, or "" when there is no interval."""
        i = self.interval
        if i is None:
            return ""
        return f"{i.level:.0%} CI {i.formatted(digits)}, SE {i.se:.{digits}f}"

    def to_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "value": self.value,
            "se": None if self.interval is None else self.interval.se,
            "ci": None if self.interval is None else self.interval.to_json(),
            "unit": self.unit,
            "n": self.n,
            "annotators": list(self.annotators),
            "label": self.label,
            "counts": dict(self.counts),
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class PairFigures:
    """The figures of one pair of annotators: a cell of the pairwise annotator matrix."""

    first: str
    second: str
    figures: tuple[Figure, ...]
    per_label: tuple[Figure, ...] = ()
    confusion: ConfusionMatrix | None = None

    def figure(self, measure: str) -> Figure:
        """The figure whose measure name starts with ``measure``."""
        for candidate in self.figures:
            if candidate.measure.startswith(measure):
                return candidate
        raise KeyError(measure)


@dataclass(frozen=True, slots=True)
class AgreementReport:
    """Everything the agreement dialog and ``annotator agreement`` show.

    ``pairs`` has one entry per pair of annotators (pairwise figures, per-label figures and
    their label confusion matrix); ``overall`` the measures for any number of annotators;
    ``notes`` the explanations of edge cases (one annotator, no common documents...).
    """

    unit: Unit
    annotators: tuple[str, ...]
    documents: tuple[DocumentRef, ...]
    label_set: str | None
    counts: Mapping[str, int]
    pairs: tuple[PairFigures, ...]
    overall: tuple[Figure, ...]
    notes: tuple[str, ...] = ()
    scale: tuple[str, ...] | None = None
    #: What a token is and how overlapping spans label one (token unit only).
    definitions: Mapping[str, str] = field(default_factory=dict)

    def pair(self, first: str, second: str) -> PairFigures:
        for pair in self.pairs:
            if (pair.first, pair.second) in ((first, second), (second, first)):
                return pair
        raise KeyError((first, second))

    def _figures(self) -> list[Figure]:
        found = [f for p in self.pairs for f in (*p.figures, *p.per_label)]
        return found + list(self.overall)

    def measures(self) -> list[str]:
        """The pairwise measures, in the order shown."""
        return [f.measure for f in self.pairs[0].figures] if self.pairs else []

    def matrix(self, measure: str) -> list[list[float | None]]:
        """The annotator × annotator matrix of one pairwise measure (1.0 on the diagonal),
        for a heatmap; rows and columns in the order of ``annotators``."""
        size = len(self.annotators)
        grid: list[list[float | None]] = [
            [1.0 if i == j else None for j in range(size)] for i in range(size)
        ]
        index = {name: i for i, name in enumerate(self.annotators)}
        for pair in self.pairs:
            value = pair.figure(measure).value
            i, j = index[pair.first], index[pair.second]
            grid[i][j] = grid[j][i] = value
        return grid

    # -- renderings -------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "annotators": list(self.annotators),
            "documents": [{"id": d.id, "title": d.title} for d in self.documents],
            "label_set": self.label_set,
            "scale": list(self.scale) if self.scale else None,
            "counts": dict(self.counts),
            "definitions": dict(self.definitions),
            "pairs": [
                {
                    "annotators": [p.first, p.second],
                    "figures": [f.to_json() for f in p.figures],
                    "per_label": [f.to_json() for f in p.per_label],
                    "confusion": _confusion_json(p.confusion),
                }
                for p in self.pairs
            ],
            "overall": [f.to_json() for f in self.overall],
            "notes": list(self.notes),
        }

    def to_csv(self) -> str:
        """One flat table: a row per figure, and a row per confusion-matrix cell."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["section", "annotator_a", "annotator_b", "measure", "label", "label_b", "value",
             "n", "unit", "explanation", "se", "ci_low", "ci_high", "ci_level", "ci_method"]
        )  # fmt: skip
        for pair in self.pairs:
            for f in pair.figures:
                writer.writerow(_csv_row("pairwise", pair.first, pair.second, f))
            for f in pair.per_label:
                writer.writerow(_csv_row("per label", pair.first, pair.second, f))
            if pair.confusion is not None:
                for i, row_label in enumerate(pair.confusion.labels):
                    for j, col_label in enumerate(pair.confusion.labels):
                        writer.writerow(
                            ["confusion", pair.first, pair.second, "count", row_label,
                             col_label, pair.confusion.counts[i][j], "", self.unit, ""]
                        )  # fmt: skip
        for f in self.overall:
            writer.writerow(_csv_row("all annotators", "", "", f))
        for note in self.notes:
            writer.writerow(["note", "", "", "", "", "", "", "", "", note])
        for name, text in self.definitions.items():
            writer.writerow(["definition", "", "", name, "", "", "", "", self.unit, text])
        return out.getvalue()

    def to_table(self) -> str:
        """A plain-text report for the terminal, every number with its unit and count."""
        lines = [
            f"Agreement by {self.unit}: {', '.join(self.annotators) or 'no annotators'}",
            f"Documents: {len(self.documents)}"
            + (f" ({', '.join(d.title for d in self.documents[:5])}" if self.documents else "")
            + (", ..." if len(self.documents) > 5 else "")
            + (")" if self.documents else ""),
            "Labels: " + (f"label set '{self.label_set}'" if self.label_set else "all labels")
            + (f"; ordered scale {' < '.join(self.scale)}" if self.scale else ""),
            "Counts: " + ", ".join(f"{k} {v}" for k, v in self.counts.items()),
        ]  # fmt: skip
        lines += [f"{name.capitalize()}: {text}" for name, text in self.definitions.items()]
        shown = next((f.interval for f in self._figures() if f.interval is not None), None)
        if shown is not None:
            lines.append(
                f"Intervals: {shown.level:.0%} confidence intervals and standard errors; "
                "kappa, alpha, AC1 and percent agreement by Gwet's (2014) variance formulas "
                "(units taken as independent; token kappa's explanation adds a bootstrap over "
                "documents), span F1 by a bootstrap over documents"
            )
        for pair in self.pairs:
            lines += ["", f"{pair.first} × {pair.second}"]
            lines += [_table_line(f) for f in pair.figures]
            if pair.per_label:
                lines.append("  per label:")
                lines += ["  " + _table_line(f, with_label=True) for f in pair.per_label]
            if pair.confusion is not None and pair.confusion.labels:
                lines.append(
                    f"  confusion ({self.unit}s; rows {pair.first}, columns {pair.second}):"
                )
                lines += ["    " + row for row in _confusion_rows(pair.confusion)]
        if self.overall:
            lines += ["", "All annotators"]
            lines += [_table_line(f) for f in self.overall]
        if self.notes:
            lines += ["", "Notes"]
            lines += [f"  - {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def _csv_row(section: str, a: str, b: str, f: Figure) -> list[Any]:
    value = "" if f.value is None else round(f.value, 6)
    i = f.interval
    ci: list[Any] = ["", "", "", "", ""] if i is None else [
        round(i.se, 6), round(i.low, 6), round(i.high, 6), i.level, i.method
    ]  # fmt: skip
    return [section, a, b, f.measure, f.label or "", "", value, f.n, f.unit, f.explanation, *ci]


def _table_line(f: Figure, *, with_label: bool = False) -> str:
    name = f"{f.label}: {f.measure}" if with_label and f.label else f.measure
    extra = ", ".join(f"{k} {v}" for k, v in f.counts.items())
    i = f.interval
    ci = f" {i.formatted():<16} SE {i.se:.3f}" if i is not None else " " * 27
    return f"  {name:<54} {f.formatted():>9}{ci}  n={f.n} ({f.unit})" + (
        f"; {extra}" if extra else ""
    )


def _confusion_json(matrix: ConfusionMatrix | None) -> dict[str, Any] | None:
    if matrix is None:
        return None
    return {"labels": [str(x) for x in matrix.labels], "counts": [list(r) for r in matrix.counts]}


def _confusion_rows(matrix: ConfusionMatrix) -> list[str]:
    labels = [str(x) for x in matrix.labels]
    width = max(6, *(len(x) for x in labels)) + 1
    rows = [" " * width + "".join(f"{x:>{width}}" for x in labels)]
    for label, counts in zip(labels, matrix.counts, strict=True):
        rows.append(f"{label:<{width}}" + "".join(f"{c:>{width}}" for c in counts))
    return rows


# -- agreement ---------------------------------------------------------------------------


def _figure(result: AgreementResult, unit: str, annotators: Sequence[str], **extra: Any) -> Figure:
    return Figure(
        measure=result.measure,
        value=result.value,
        unit=unit,
        n=result.n_items,
        annotators=tuple(annotators),
        explanation=result.explanation,
        interval=result.interval,
        **extra,
    )


def _f1_figure(
    name: str,
    score: LabelF1,
    first: str,
    second: str,
    explanation: str,
    label: str | None = None,
    interval: Interval | None = None,
) -> Figure:
    return Figure(
        interval=interval,
        measure=name,
        value=score.f1,
        unit="span",
        n=score.n_a + score.n_b,
        annotators=(first, second),
        explanation=explanation,
        label=label,
        counts={
            f"spans {first}": score.n_a,
            f"spans {second}": score.n_b,
            f"matched {first}": score.matched_a,
            f"matched {second}": score.matched_b,
        },
    )


def _scale(unit: Unit, scale: Sequence[str] | None, units: Units | None) -> tuple[str, ...] | None:
    """The ordered categories of an item scale: as given, or numeric labels in numeric order."""
    if unit != "item":
        return None
    if scale is not None:
        return tuple(str(s) for s in scale)
    if units is None:
        return None
    used = {x for seq in units.labels.values() for x in seq if x is not None}
    try:
        numbers = {label: float(label) for label in used}
    except ValueError:
        return None
    return tuple(sorted(used, key=numbers.__getitem__)) if len(used) > 1 else None


def _is_numeric(scale: Sequence[str]) -> bool:
    try:
        [float(s) for s in scale]
    except ValueError:
        return False
    return True


def compute_agreement(
    project: Project,
    annotators: Sequence[str],
    documents: Sequence[str] | None = None,
    unit: Unit = "token",
    label_set: str | None = None,
    kinds: Collection[AnnotationKind | str] | None = None,
    *,
    scale: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    confidence: float = DEFAULT_LEVEL,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> AgreementReport:
    """Agreement between ``annotators`` on ``documents`` (default :func:`default_documents`).

    ``progress(done, total)`` is called after each document is tokenised (the long part of
    the token unit) and ``cancel()`` polled there: True stops with
    :class:`~annotator.core.errors.Cancelled`.

    ``unit``:

    - ``"token"``: each token (spaCy's tokenizer) gets each annotator's label, ``O`` where
      they marked nothing; Cohen's kappa with ``O`` and over annotated tokens only, exact span
      F1 alongside, per-label kappa, a token confusion matrix, and Fleiss' kappa,
      Krippendorff's alpha, Gwet's AC1 and percent agreement over all annotators.
    - ``"span"``: pairwise F1, exact and overlap with the same label, micro and per label; a
      confusion matrix over span positions (``(no span)`` where one annotator has none).
    - ``"item"``: document labels and sentence sentiment on the same passages: Cohen's kappa
      (weighted linear and quadratic with an ordered ``scale``), Krippendorff's alpha
      (nominal; ordinal with a scale; interval when the scale is numeric), Fleiss, Gwet.

    ``label_set`` (a name or id) keeps only its labels and, unless ``kinds`` is given, the
    annotation kinds of that set; its label order is the default ordinal ``scale``.
    Edge cases give undefined figures with notes, never an exception; an unknown annotator,
    document or label set raises :class:`~annotator.core.errors.NotFoundError`.

    Every figure carries its standard error and ``confidence`` interval
    (:mod:`annotator.agreement.intervals`); span F1 is bootstrapped over documents
    (``resamples`` draws with ``seed``).
    """
    if unit not in UNITS:
        raise AnnotatorError(f"unknown agreement unit '{unit}': use token, span or item")
    names = annotator_names(project, annotators)
    labels: set[str] | None = None
    set_kind = None
    set_name = None
    if label_set is not None:
        chosen = project.label_set(label_set)
        labels, set_kind, set_name = {x.name for x in chosen.labels}, chosen.kind, chosen.name
    wanted = compared_kinds(unit, kinds, set_kind)
    notes: list[str] = []
    if len(names) < 2:
        notes.append(
            "Agreement needs at least two annotators; "
            + (f"only '{names[0]}' was chosen." if names else "none was chosen.")
        )
    if documents is None:
        document_ids = default_documents(project, names, kinds=wanted) if names else []
        if names and not document_ids:
            notes.append(_no_documents_note(project, names, unit, wanted))
    else:
        document_ids = list(dict.fromkeys(DocumentId(d) for d in documents))
        if not document_ids:
            notes.append("No documents were chosen.")
    headers = {d.id: d for d in project.document_headers()}
    # Headers carry no text (a corpus need not be read to count cached tokens); a document
    # missing from them (removed) is read itself, and NotFoundError names an unknown id.
    docs = [headers.get(d) or project.document(d) for d in document_ids]
    chosen_ids = set(document_ids)
    ci = _Confidence(confidence, resamples, seed)
    counts: dict[str, int] = {"documents": len(docs), "annotators": len(names)}
    definitions: dict[str, str] = {}
    scale_used: tuple[str, ...] | None = None
    if unit == "token":
        # Plain (document, start, end, label) rows as arrays: a corpus has millions of them.
        spans = _span_arrays(project, names, docs, wanted, labels)
        for name, found in spans.rows.items():
            counts[f"annotations {name}"] = len(found[0])
        nothing = all(len(found[0]) == 0 for found in spans.rows.values())
    else:
        by_annotator = {
            name: [a for a in anns if a.document_id in chosen_ids]
            for name, anns in own_annotations(project, names, wanted, labels).items()
        }
        for name, anns in by_annotator.items():
            counts[f"annotations {name}"] = len(anns)
        nothing = all(not anns for anns in by_annotator.values())
    if names and nothing and docs:
        notes.append(
            "None of the chosen annotators labelled anything of the chosen kinds in these "
            "documents."
            + (
                " The item unit compares document labels and sentence sentiment (one "
                "category per passage); compare entities by token or span."
                if unit == "item"
                else ""
            )
        )

    if unit == "token":
        pairs, overall, definitions = _token_figures(
            project, names, docs, spans, counts, ci, progress, cancel
        )
    elif unit == "span":
        pairs, overall = _span_figures(names, by_annotator, chosen_ids, counts, ci)
    else:
        units = item_units(by_annotator, chosen_ids, kinds=wanted)
        scale_used = _scale(unit, scale, units)
        pairs, overall = _item_figures(names, units, scale_used, counts, ci)
    return AgreementReport(
        unit=unit,
        annotators=tuple(names),
        documents=tuple(DocumentRef(d.id, d.title) for d in docs),
        label_set=set_name,
        counts=counts,
        pairs=tuple(pairs),
        overall=tuple(overall),
        notes=tuple(notes + _undefined_notes(pairs, overall)),
        scale=scale_used,
        definitions=definitions,
    )


_KIND_NOUNS = {
    AnnotationKind.ENTITY: "entities",
    AnnotationKind.DOC_LABEL: "document labels",
    AnnotationKind.SENTIMENT: "sentence sentiment",
}


def _no_documents_note(
    project: Project, names: Sequence[str], unit: Unit, wanted: Collection[AnnotationKind]
) -> str:
    """Why there is nothing to compare: no common documents at all, or none with the kinds
    of annotation this unit compares (an entities-only project asked for items)."""
    kinds = " or ".join(_KIND_NOUNS.get(k, k.value) for k in sorted(wanted, key=str))
    if default_documents(project, names):
        return (
            f"The chosen annotators annotated documents in common, but none with {kinds}, "
            f"which is what the {unit} unit compares, so there are 0 items: "
            + (
                "compare entities with the token or span unit."
                if unit == "item"
                else "choose the kinds of annotation to compare, or another unit."
            )
        )
    return (
        "No document was marked done or annotated by every chosen annotator, so there "
        "is nothing to compare: choose documents, or mark them done."
    )


def _undefined_notes(pairs: Sequence[PairFigures], overall: Sequence[Figure]) -> list[str]:
    """The explanation of every undefined figure, once each."""
    found = [f.explanation for p in pairs for f in p.figures if f.value is None]
    found += [f.explanation for f in overall if f.value is None]
    return list(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class _Confidence:
    level: float = DEFAULT_LEVEL
    resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED


def _many(rows: Any, unit: str, names: Sequence[str], ci: _Confidence) -> list[Figure]:
    return [
        _figure(percent_agreement(rows, level=ci.level), unit, names),
        _figure(fleiss_kappa(rows, level=ci.level), unit, names),
        _figure(krippendorff_alpha(rows, "nominal", confidence=ci.level), unit, names),
        _figure(gwet_ac1(rows, level=ci.level), unit, names),
    ]


#: How a token covered by two spans of one annotator is labelled (as label_tokens does).
OVERLAP_RULE = (
    "a token takes the label of the span sharing characters with it; where spans of one "
    "annotator with different labels cover a token, the span covering more of its characters "
    "wins, then the earlier span, then the label first in alphabetical order"
)
_UNIT_O = f"token, unlabelled tokens counted as '{OUTSIDE}'"
_UNIT_ANNOTATED = "token, only tokens labelled by at least one annotator"
_UNIT_ANNOTATED_PAIR = "token, only tokens labelled by at least one of the two"


def _used(
    matrix: npt.NDArray[np.int64], order: Sequence[str]
) -> tuple[npt.NDArray[np.int64], tuple[str, ...]]:
    """The table without the categories neither annotator used."""
    keep = (matrix.sum(axis=0) + matrix.sum(axis=1)) > 0
    return matrix[np.ix_(keep, keep)], tuple(x for x, k in zip(order, keep, strict=True) if k)


@dataclass
class _SpanArrays:
    """Each annotator's spans as ``(global start, global end, label code)`` arrays (see
    :mod:`annotator.agreement.token_codes`), and the label of each code."""

    labels: list[str]
    rows: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]]


def _span_arrays(
    project: Project,
    names: Sequence[str],
    docs: Sequence[Any],
    kinds: Collection[AnnotationKind],
    labels: Collection[str] | None,
) -> _SpanArrays:
    """Read each annotator's labelled spans and turn them into arrays at once, with ``map``
    over dicts (C loops), so only one annotator's rows are ever held as Python objects;
    documents not compared and labels outside the label set are left out."""
    from collections import defaultdict
    from itertools import repeat

    position = {d.id: i for i, d in enumerate(docs)}
    chosen = sorted(k.value for k in kinds)
    provisional: defaultdict[str, int] = defaultdict()
    provisional.default_factory = provisional.__len__  # a new label gets the next code
    provisional[OUTSIDE]
    found: dict[str, tuple[npt.NDArray[np.int64], ...]] = {}
    for name in names:
        rows = project.labelled_spans(name, chosen)
        n = len(rows)
        if n == 0:
            empty = np.zeros(0, dtype=np.int64)
            found[name] = (empty, empty, empty, empty)
            continue
        doc_ids, starts, ends, label_names = zip(*rows, strict=True)
        del rows
        found[name] = (
            np.fromiter(map(position.get, doc_ids, repeat(-1)), dtype=np.int64, count=n),
            np.fromiter(starts, dtype=np.int64, count=n),
            np.fromiter(ends, dtype=np.int64, count=n),
            np.fromiter(map(provisional.__getitem__, label_names), dtype=np.int64, count=n),
        )
        del doc_ids, starts, ends, label_names
    allowed = [x for x in provisional if labels is None or x in labels or x == OUTSIDE]
    ordered = sorted(allowed)
    final = np.full(len(provisional), -1, dtype=np.int64)
    for label in allowed:
        final[provisional[label]] = ordered.index(label)
    result = {}
    for name, (where, starts_, ends_, codes) in found.items():
        codes = final[codes]
        keep = (where >= 0) & (codes >= 0)
        shift = where[keep] << DOCUMENT_SHIFT
        result[name] = (starts_[keep] + shift, ends_[keep] + shift, codes[keep])
    return _SpanArrays(ordered, result)


def _token_figures(
    project: Project,
    names: Sequence[str],
    docs: Sequence[Any],
    spans: _SpanArrays,
    counts: dict[str, int],
    ci: _Confidence,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> tuple[list[PairFigures], list[Figure], dict[str, str]]:
    """Token-unit figures over the whole corpus as numpy arrays: one int16 label code per
    token per annotator, a pair's table from one ``bincount``, the many-annotator measures
    from the distinct rows (:class:`~annotator.agreement.categories.Tallies`)."""
    from annotator.comparing.corpus_tokens import corpus_tokens, token_definition

    tokens = corpus_tokens(project, [(d.id, d.text_sha256) for d in docs], progress, cancel)
    used_labels = spans.labels
    outside = used_labels.index(OUTSIDE)
    codes: dict[str, npt.NDArray[np.int16]] = {
        name: label_codes(tokens.starts, tokens.ends, *spans.rows[name], outside) for name in names
    }
    k = len(used_labels)
    n_tokens = len(tokens.starts)
    doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), np.diff(tokens.bounds))
    counts["tokens"] = n_tokens
    definitions = {
        "token": token_definition(tokens.languages),
        "overlapping spans": OVERLAP_RULE,
    }
    pairs = []
    for first, second in combinations(names, 2):
        a, b = codes[first], codes[second]
        table = np.bincount(a.astype(np.int64) * k + b, minlength=k * k).reshape(k, k)
        with_o, order_o = _used(table, used_labels)
        annotated = table.copy()
        annotated[outside, outside] = 0
        annotated, order_annotated = _used(annotated, used_labels)
        kappa_o = kappa_from_table(
            with_o, order_o, level=ci.level,
            items=(
                "(every token of the compared documents; unlabelled tokens count as "
                f"'{OUTSIDE}')"
            ),
        )  # fmt: skip
        kappa_annotated = kappa_from_table(
            annotated, order_annotated, level=ci.level,
            items=(
                f"that at least one of the two labelled (the other's '{OUTSIDE}' counts as "
                "a label)"
            ),
        )  # fmt: skip
        per_document = np.bincount(
            (doc_of * k + a) * k + b, minlength=len(docs) * k * k
        ).reshape(len(docs), k, k).astype(np.float64)  # fmt: skip
        kappa_o = _with_document_bootstrap(kappa_o, per_document, ci)
        per_document[:, outside, outside] = 0.0
        kappa_annotated = _with_document_bootstrap(kappa_annotated, per_document, ci)
        f1, f1_ci = exact_span_f1_arrays(
            spans.rows[first], spans.rows[second], used_labels,
            lambda starts: starts >> DOCUMENT_SHIFT, len(docs),
            level=ci.level, resamples=ci.resamples, seed=ci.seed,
        )  # fmt: skip
        both = (first, second)
        figures = (
            _figure(_rename(kappa_o, f"Cohen's kappa (with '{OUTSIDE}')"), _UNIT_O, both),
            _figure(
                _rename(kappa_annotated, "Cohen's kappa (annotated tokens only)"),
                _UNIT_ANNOTATED_PAIR,
                both,
            ),
            _figure(percent_from_table(with_o, order_o, level=ci.level), _UNIT_O, both),
            _f1_figure("Span F1 (exact)", f1.micro, first, second, f1.explanation, interval=f1_ci),
        )
        per_label = tuple(
            _figure(_rename(result, PER_LABEL_KAPPA), _UNIT_O, both, label=str(label))
            for label, result in per_label_kappa_from_table(with_o, order_o, level=ci.level).items()
            if label != OUTSIDE
        )
        confusion = ConfusionMatrix(
            labels=order_o, counts=tuple(tuple(int(x) for x in row) for row in with_o)
        )
        pairs.append(PairFigures(first, second, figures, per_label, confusion))
    overall: list[Figure] = []
    everyone = tallies_from_codes([codes[n] for n in names], used_labels)
    labelled = everyone.where(everyone.counts[:, outside] < len(names)).compact()
    counts["tokens labelled by anyone"] = labelled.n_units
    if len(names) >= 2:
        overall = _many(everyone.compact(), _UNIT_O, names, ci)
        alpha = krippendorff_alpha(labelled, confidence=ci.level)
        overall.append(
            _figure(
                _rename(alpha, "Krippendorff's alpha (nominal, annotated tokens only)"),
                _UNIT_ANNOTATED,
                names,
            )
        )
    return pairs, overall, definitions


def _with_document_bootstrap(
    result: AgreementResult, tables: npt.NDArray[np.float64], ci: _Confidence
) -> AgreementResult:
    """Say in the explanation what resampling whole documents gives: the analytic interval
    takes tokens as independent, which tokens of one document are not."""
    interval = kappa_bootstrap(tables, level=ci.level, resamples=ci.resamples, seed=ci.seed)
    if interval is None or result.value is None:
        return result
    from dataclasses import replace

    return replace(
        result,
        explanation=(
            f"{result.explanation} Resampling whole documents ({interval.method.split('(')[1]}"
            f" gives a {interval.level:.0%} interval {interval.formatted()} (SE "
            f"{interval.se:.3f}): the interval above takes tokens as independent, this one "
            "shows how much kappa depends on which documents were read."
        ),
    )


def _rename(result: AgreementResult, measure: str) -> AgreementResult:
    from dataclasses import replace

    return replace(result, measure=measure)


def _span_figures(
    names: Sequence[str],
    by_annotator: Mapping[str, list[Annotation]],
    documents: Collection[DocumentId],
    counts: dict[str, int],
    ci: _Confidence = _Confidence(),
) -> tuple[list[PairFigures], list[Figure]]:
    spans = span_units(by_annotator, documents, kinds=None)
    for name in names:
        counts[f"spans {name}"] = len(set(spans[name]))
    positions = item_units(by_annotator, documents, kinds=None)
    pairs = []
    for first, second in combinations(names, 2):
        exact = span_f1(spans[first], spans[second], "exact")
        overlap = span_f1(spans[first], spans[second], "overlap")

        def interval(match: Any, label: str | None = None) -> Interval | None:
            return span_f1_interval(
                spans[first], spans[second], match, label=label,  # noqa: B023
                level=ci.level, resamples=ci.resamples, seed=ci.seed,
            )  # fmt: skip

        figures = (
            _f1_figure(
                "Span F1 (exact match)", exact.micro, first, second, exact.explanation,
                interval=interval("exact"),
            ),
            _f1_figure(
                "Span F1 (overlap, same label)", overlap.micro, first, second,
                overlap.explanation, interval=interval("overlap"),
            ),
        )  # fmt: skip
        per_label = []
        for label in sorted(set(exact.per_label) | set(overlap.per_label)):
            for name, result in (("F1 (exact match)", exact), ("F1 (overlap)", overlap)):
                score = result.per_label.get(label)
                match = "exact" if result is exact else "overlap"
                if score is not None:
                    per_label.append(
                        _f1_figure(
                            name, score, first, second,
                            f"{name} for '{label}': {first} {plural(score.n_a, 'span')} "
                            f"({score.matched_a} matched), {second} {plural(score.n_b, 'span')} "
                            f"({score.matched_b} matched).",
                            label=label, interval=interval(match, label),
                        )
                    )  # fmt: skip
        # A span position one annotator has and the other lacks is "(no span)" for the latter.
        a = [NO_SPAN if x is None else x for x in positions[first]]
        b = [NO_SPAN if x is None else x for x in positions[second]]
        keep = [i for i in range(len(a)) if a[i] != NO_SPAN or b[i] != NO_SPAN]
        matrix = confusion_matrix([a[i] for i in keep], [b[i] for i in keep])
        pairs.append(PairFigures(first, second, figures, tuple(per_label), matrix))
    overall: list[Figure] = []
    if len(pairs) >= 1:
        for index, measure in enumerate(("Span F1 (exact match)", "Span F1 (overlap, same label)")):
            values = [p.figures[index].value for p in pairs]
            defined = [v for v in values if v is not None]
            overall.append(
                Figure(
                    measure=f"Mean pairwise {measure}",
                    value=sum(defined) / len(defined) if defined else None,
                    unit="span",
                    n=sum(counts[f"spans {n}"] for n in names),
                    annotators=tuple(names),
                    explanation=(
                        f"Mean of the {measure} of {plural(len(defined), 'pair')} of annotators."
                        if defined
                        else f"Mean pairwise {measure} is undefined: no annotator marked a span."
                    ),
                )
            )
    if len(names) >= 2:
        counts["span positions"] = len(positions.positions)
    return pairs, overall


def _item_figures(
    names: Sequence[str],
    units: Units,
    scale: tuple[str, ...] | None,
    counts: dict[str, int],
    ci: _Confidence = _Confidence(),
) -> tuple[list[PairFigures], list[Figure]]:
    counts["items"] = len(units.positions)
    pairs = []
    for first, second in combinations(names, 2):
        a, b = units[first], units[second]
        both = (first, second)
        figures = [
            _figure(cohen_kappa(a, b, level=ci.level), "item", both),
            _figure(percent_agreement(a, b, level=ci.level), "item", both),
        ]
        if scale is not None:
            figures += [
                _figure(cohen_kappa(a, b, "linear", scale, level=ci.level), "item", both),
                _figure(cohen_kappa(a, b, "quadratic", scale, level=ci.level), "item", both),
            ]
        per_label = tuple(
            _figure(_rename(result, PER_LABEL_KAPPA), "item", both, label=str(label))
            for label, result in per_label_kappa(a, b).items()
        )
        pairs.append(
            PairFigures(first, second, tuple(figures), per_label, confusion_matrix(a, b, scale))
        )
    overall: list[Figure] = []
    if len(names) >= 2:
        rows = units.rows(names)
        overall = _many(rows, "item", names, ci)
        if scale is not None:
            overall.append(
                _figure(
                    krippendorff_alpha(rows, "ordinal", scale, confidence=ci.level), "item", names
                )
            )
            if _is_numeric(scale):
                numeric = [tuple(None if x is None else float(x) for x in row) for row in rows]
                overall.append(
                    _figure(
                        krippendorff_alpha(numeric, "interval", confidence=ci.level), "item", names
                    )
                )
    return pairs, overall


def report_json(report: AgreementReport) -> str:
    """The report as JSON text (UTF-8, indented), as ``--format json`` prints it."""
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
