"""Comparing annotators: agreement, disagreements, adjudication into a gold layer, merging.

The service half of "several annotators" (issue 6). It reads a :class:`~annotator.project.Project`,
hands the annotations to the pure measures of :mod:`annotator.agreement`, and returns plain
frozen dataclasses (no Qt), so the agreement dialog, the command line and the tests share it.

Design (see also ``docs/several-annotators.md``):

- **Gold layer.** The adjudicated version is the layer of a reserved annotator called
  ``"gold"`` (:data:`GOLD_ANNOTATOR`). Gold annotations are ordinary accepted annotations, so
  every exporter handles them; ``source`` says ``"adjudicated by <name>"`` (or ``"agreed,
  accepted by <name>"``) and ``created`` says when.
- **Decisions** are entries of the project's append-only history: action ``"adjudicate"``,
  entity ``"passage"``, entity id ``"<document>:<start>:<end>"``, with the choice, the gold
  annotations written and the ones replaced. Deciding a passage again replaces the earlier
  decision for it (idempotent per passage); :func:`undo_adjudication` puts the previous one
  back. "Neither" writes no annotation but is still a decision, so progress counts it.
- **Blind mode** is the project setting ``"blind_mode"``: until a viewer marks a document done,
  :func:`visible_annotations` and :func:`document_counts` show them only their own work.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from annotator.agreement import (
    OUTSIDE,
    AgreementResult,
    ConfusionMatrix,
    Disagreement,
    LabelF1,
    Reading,
    Units,
    cohen_kappa,
    confusion_matrix,
    disagreements,
    fleiss_kappa,
    gwet_ac1,
    item_units,
    krippendorff_alpha,
    per_label_kappa,
    percent_agreement,
    span_f1,
    span_units,
    token_units,
)
from annotator.agreement.results import plural
from annotator.core.errors import AnnotatorError, Cancelled, ProjectError
from annotator.core.model import (
    Annotation,
    AnnotationId,
    AnnotationKind,
    AnnotationStatus,
    DocumentId,
    LabelSetKind,
)
from annotator.core.timestamps import OLDEST, timestamp_key
from annotator.store import annotation_to_json

if TYPE_CHECKING:
    from annotator.formats.native import ImportReport
    from annotator.project import Project

#: The reserved annotator whose layer holds the adjudicated ("gold") annotations.
GOLD_ANNOTATOR = "gold"
#: The project setting that turns blind mode on.
BLIND_MODE_SETTING = "blind_mode"

Unit = Literal["token", "span", "item"]
UNITS: tuple[Unit, ...] = ("token", "span", "item")
Choice = str  # "A", "B", "both", "neither", "edit", or an annotator's name
CHOICES = ("A", "B", "both", "neither", "edit")
#: What the missing side of a span is called in the span confusion matrix.
NO_SPAN = "(no span)"
#: The measure name of per-label kappa figures (the label is in ``Figure.label``).
PER_LABEL_KAPPA = "Cohen's kappa (label vs rest)"

_SPAN_KINDS = frozenset({AnnotationKind.ENTITY})
_ITEM_KINDS = frozenset({AnnotationKind.DOC_LABEL, AnnotationKind.SENTIMENT})
_KINDS_OF_LABEL_SET = {
    LabelSetKind.SPAN: frozenset({AnnotationKind.ENTITY}),
    LabelSetKind.SENTENCE: frozenset({AnnotationKind.SENTIMENT}),
    LabelSetKind.DOCUMENT: frozenset({AnnotationKind.DOC_LABEL}),
}
_UNIT_NOUNS = {"token": ("token", "tokens"), "span": ("span", "spans"), "item": ("item", "items")}


class AnnotatorNameConflict(AnnotatorError):
    """A merged project has annotators with the same names as ours but other identities."""

    def __init__(self, other: Path, names: Sequence[str]) -> None:
        listed = ", ".join(f"'{n}'" for n in names)
        super().__init__(
            f"'{other.name}' has annotators named {listed} who are not the ones in this project: "
            "say whether they are the same people (merge their work) or others (rename theirs)"
        )
        self.other = other
        self.names = tuple(names)


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

    @property
    def is_defined(self) -> bool:
        return self.value is not None

    def formatted(self, digits: int = 3) -> str:
        """The value as text, ``"undefined"`` when there is none."""
        return "undefined" if self.value is None else f"{self.value:.{digits}f}"

    def to_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "value": self.value,
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

    def pair(self, first: str, second: str) -> PairFigures:
        for pair in self.pairs:
            if (pair.first, pair.second) in ((first, second), (second, first)):
                return pair
        raise KeyError((first, second))

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
             "n", "unit", "explanation"]
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
    return [section, a, b, f.measure, f.label or "", "", value, f.n, f.unit, f.explanation]


def _table_line(f: Figure, *, with_label: bool = False) -> str:
    name = f"{f.label}: {f.measure}" if with_label and f.label else f.measure
    extra = ", ".join(f"{k} {v}" for k, v in f.counts.items())
    return f"  {name:<46} {f.formatted():>9}  n={f.n} ({f.unit})" + (f"; {extra}" if extra else "")


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


# -- choosing what to compare --------------------------------------------------------------


def comparable_annotators(project: Project) -> list[str]:
    """The annotators one can compare: everyone except the gold layer."""
    return [a.name for a in project.annotators() if a.name != GOLD_ANNOTATOR]


def _names(project: Project, annotators: Iterable[str]) -> list[str]:
    names = list(dict.fromkeys(n.strip() for n in annotators if n.strip()))
    for name in names:
        project.annotator_named(name)  # NotFoundError names the unknown annotator
    return names


def _kinds(
    unit: Unit, kinds: Collection[AnnotationKind | str] | None, label_set_kind: LabelSetKind | None
) -> frozenset[AnnotationKind]:
    if kinds is not None:
        try:
            return frozenset(AnnotationKind(k) for k in kinds)
        except ValueError as error:
            raise AnnotatorError(f"unknown annotation kind: {error}") from None
    if label_set_kind in _KINDS_OF_LABEL_SET:
        return _KINDS_OF_LABEL_SET[label_set_kind]
    return _ITEM_KINDS if unit == "item" else _SPAN_KINDS


def _own_annotations(
    project: Project,
    names: Sequence[str],
    kinds: Collection[AnnotationKind] | None = None,
    labels: Collection[str] | None = None,
) -> dict[str, list[Annotation]]:
    """Each annotator's accepted annotations (the ones agreement counts), optionally filtered."""
    result = {}
    for name in names:
        anns = project.annotations(annotator=name, statuses=(AnnotationStatus.ACCEPTED,))
        result[name] = [
            a
            for a in anns
            if a.label is not None
            and (kinds is None or a.kind in kinds)
            and (labels is None or a.label in labels)
        ]
    return result


def _done(project: Project) -> dict[str, set[DocumentId]]:
    """For each annotator name, the documents they marked done."""
    names = {a.id: a.name for a in project.annotators()}
    done: dict[str, set[DocumentId]] = {}
    for (document_id, annotator_id), status in project.document_statuses().items():
        if status == "done" and annotator_id in names:
            done.setdefault(names[annotator_id], set()).add(document_id)
    return done


def default_documents(
    project: Project,
    annotators: Sequence[str],
    *,
    kinds: Collection[AnnotationKind | str] | None = None,
) -> list[DocumentId]:
    """The documents to compare on by default: those every chosen annotator has either
    marked done or annotated (an accepted, labelled annotation of ``kinds``; any kind when
    None). A document marked done without annotations counts: "nothing to mark" is a reading
    too. In the project's document order."""
    names = _names(project, annotators)
    if not names:
        return []
    wanted = None if kinds is None else frozenset(AnnotationKind(k) for k in kinds)
    annotated = {
        name: {a.document_id for a in anns}
        for name, anns in _own_annotations(project, names, wanted).items()
    }
    done = _done(project)
    covered = [annotated[name] | done.get(name, set()) for name in names]
    common = set.intersection(*covered)
    return [d.id for d in project.document_headers() if d.id in common]


# -- agreement ---------------------------------------------------------------------------


def _figure(result: AgreementResult, unit: str, annotators: Sequence[str], **extra: Any) -> Figure:
    return Figure(
        measure=result.measure,
        value=result.value,
        unit=unit,
        n=result.n_items,
        annotators=tuple(annotators),
        explanation=result.explanation,
        **extra,
    )


def _f1_figure(
    name: str, score: LabelF1, first: str, second: str, explanation: str, label: str | None = None
) -> Figure:
    return Figure(
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


def _concat(parts: Sequence[Units], unit: str, names: Sequence[str]) -> Units:
    positions = tuple(p for part in parts for p in part.positions)
    labels = {name: tuple(x for part in parts for x in part.labels[name]) for name in names}
    return Units(unit=unit, positions=positions, labels=labels)


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
    """
    if unit not in UNITS:
        raise AnnotatorError(f"unknown agreement unit '{unit}': use token, span or item")
    names = _names(project, annotators)
    labels: set[str] | None = None
    set_kind = None
    set_name = None
    if label_set is not None:
        chosen = project.label_set(label_set)
        labels, set_kind, set_name = {x.name for x in chosen.labels}, chosen.kind, chosen.name
    wanted = _kinds(unit, kinds, set_kind)
    notes: list[str] = []
    if len(names) < 2:
        notes.append(
            "Agreement needs at least two annotators; "
            + (f"only '{names[0]}' was chosen." if names else "none was chosen.")
        )
    if documents is None:
        document_ids = default_documents(project, names, kinds=wanted) if names else []
        if names and not document_ids:
            notes.append(
                "No document was marked done or annotated by every chosen annotator, so there "
                "is nothing to compare: choose documents, or mark them done."
            )
    else:
        document_ids = list(dict.fromkeys(DocumentId(d) for d in documents))
        if not document_ids:
            notes.append("No documents were chosen.")
    docs = [project.document(d) for d in document_ids]  # NotFoundError for an unknown id
    chosen_ids = set(document_ids)
    by_annotator = {
        name: [a for a in anns if a.document_id in chosen_ids]
        for name, anns in _own_annotations(project, names, wanted, labels).items()
    }
    counts: dict[str, int] = {"documents": len(docs), "annotators": len(names)}
    for name, anns in by_annotator.items():
        counts[f"annotations {name}"] = len(anns)
    if names and all(not anns for anns in by_annotator.values()) and docs:
        notes.append(
            "None of the chosen annotators labelled anything of the chosen kinds in these "
            "documents."
        )

    if unit == "token":
        pairs, overall = _token_figures(names, docs, by_annotator, counts, progress, cancel)
    elif unit == "span":
        pairs, overall = _span_figures(names, by_annotator, chosen_ids, counts)
    else:
        units = item_units(by_annotator, chosen_ids, kinds=wanted)
        scale_used = _scale(unit, scale, units)
        pairs, overall = _item_figures(names, units, scale_used, counts)
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
        )
    return AgreementReport(
        unit=unit,
        annotators=tuple(names),
        documents=tuple(DocumentRef(d.id, d.title) for d in docs),
        label_set=set_name,
        counts=counts,
        pairs=tuple(pairs),
        overall=tuple(overall),
        notes=tuple(notes + _undefined_notes(pairs, overall)),
    )


def _undefined_notes(pairs: Sequence[PairFigures], overall: Sequence[Figure]) -> list[str]:
    """The explanation of every undefined figure, once each."""
    found = [f.explanation for p in pairs for f in p.figures if f.value is None]
    found += [f.explanation for f in overall if f.value is None]
    return list(dict.fromkeys(found))


def _many(rows: Sequence[Sequence[str | None]], unit: str, names: Sequence[str]) -> list[Figure]:
    return [
        _figure(percent_agreement(rows), unit, names),
        _figure(fleiss_kappa(rows), unit, names),
        _figure(krippendorff_alpha(rows, "nominal"), unit, names),
        _figure(gwet_ac1(rows), unit, names),
    ]


def _token_figures(
    names: Sequence[str],
    docs: Sequence[Any],
    by_annotator: Mapping[str, list[Annotation]],
    counts: dict[str, int],
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> tuple[list[PairFigures], list[Figure]]:
    from annotator.nlp.tokens import token_spans

    # Group by document once: token_units filters what it is given, so handing it every
    # document's annotations for each document would be quadratic in the corpus size.
    per_document: dict[DocumentId, dict[str, list[Annotation]]] = {
        doc.id: {name: [] for name in names} for doc in docs
    }
    for name, anns in by_annotator.items():
        for a in anns:
            if a.document_id in per_document:
                per_document[a.document_id][name].append(a)
    with_o = []
    for done, doc in enumerate(docs, start=1):
        if cancel is not None and cancel():
            raise Cancelled("computing agreement")
        with_o.append(
            token_units(token_spans(doc.text), per_document[doc.id], document_id=doc.id,
                        kinds=None)
        )  # fmt: skip
        if progress is not None:
            progress(done, len(docs))
    unit_o = f"token, unlabelled tokens counted as '{OUTSIDE}'"
    unit_annotated = "token, only tokens labelled by at least one annotator"
    all_tokens = _concat(with_o, unit_o, names)
    keep = [
        i
        for i, row in enumerate(zip(*(all_tokens[n] for n in names), strict=True))
        if any(label != OUTSIDE for label in row)
    ]
    labelled = Units(
        unit=unit_annotated,
        positions=tuple(all_tokens.positions[i] for i in keep),
        labels={n: tuple(all_tokens[n][i] for i in keep) for n in names},
    )
    counts["tokens"] = len(all_tokens.positions)
    counts["tokens labelled by anyone"] = len(labelled.positions)
    spans = span_units(by_annotator, kinds=None)
    pairs = []
    for first, second in combinations(names, 2):
        pair_a, pair_b = all_tokens[first], all_tokens[second]
        only = [(x, y) for x, y in zip(pair_a, pair_b, strict=True) if x != OUTSIDE or y != OUTSIDE]
        kappa_o = cohen_kappa(pair_a, pair_b)
        kappa_annotated = cohen_kappa([x for x, _ in only], [y for _, y in only])
        f1 = span_f1(spans[first], spans[second], "exact")
        figures = (
            _figure(_rename(kappa_o, f"Cohen's kappa (with '{OUTSIDE}')"), unit_o, (first, second)),
            _figure(
                _rename(kappa_annotated, "Cohen's kappa (annotated tokens only)"),
                "token, only tokens labelled by at least one of the two",
                (first, second),
            ),
            _figure(percent_agreement(pair_a, pair_b), unit_o, (first, second)),
            _f1_figure("Span F1 (exact)", f1.micro, first, second, f1.explanation),
        )
        per_label = tuple(
            _figure(_rename(result, PER_LABEL_KAPPA), unit_o, (first, second), label=str(label))
            for label, result in per_label_kappa(pair_a, pair_b).items()
            if label != OUTSIDE
        )
        pairs.append(
            PairFigures(first, second, figures, per_label, confusion_matrix(pair_a, pair_b))
        )
    overall: list[Figure] = []
    if len(names) >= 2:
        overall = _many(all_tokens.rows(names), unit_o, names)
        alpha = krippendorff_alpha(labelled.rows(names))
        overall.append(
            _figure(
                _rename(alpha, "Krippendorff's alpha (nominal, annotated tokens only)"),
                unit_annotated,
                names,
            )
        )
    return pairs, overall


def _rename(result: AgreementResult, measure: str) -> AgreementResult:
    from dataclasses import replace

    return replace(result, measure=measure)


def _span_figures(
    names: Sequence[str],
    by_annotator: Mapping[str, list[Annotation]],
    documents: Collection[DocumentId],
    counts: dict[str, int],
) -> tuple[list[PairFigures], list[Figure]]:
    spans = span_units(by_annotator, documents, kinds=None)
    for name in names:
        counts[f"spans {name}"] = len(set(spans[name]))
    positions = item_units(by_annotator, documents, kinds=None)
    pairs = []
    for first, second in combinations(names, 2):
        exact = span_f1(spans[first], spans[second], "exact")
        overlap = span_f1(spans[first], spans[second], "overlap")
        figures = (
            _f1_figure("Span F1 (exact match)", exact.micro, first, second, exact.explanation),
            _f1_figure(
                "Span F1 (overlap, same label)", overlap.micro, first, second, overlap.explanation
            ),
        )
        per_label = []
        for label in sorted(set(exact.per_label) | set(overlap.per_label)):
            for name, result in (("F1 (exact match)", exact), ("F1 (overlap)", overlap)):
                score = result.per_label.get(label)
                if score is not None:
                    per_label.append(
                        _f1_figure(
                            name, score, first, second,
                            f"{name} for '{label}': {first} {plural(score.n_a, 'span')} "
                            f"({score.matched_a} matched), {second} {plural(score.n_b, 'span')} "
                            f"({score.matched_b} matched).",
                            label=label,
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
) -> tuple[list[PairFigures], list[Figure]]:
    counts["items"] = len(units.positions)
    pairs = []
    for first, second in combinations(names, 2):
        a, b = units[first], units[second]
        both = (first, second)
        figures = [
            _figure(cohen_kappa(a, b), "item", both),
            _figure(percent_agreement(a, b), "item", both),
        ]
        if scale is not None:
            figures += [
                _figure(cohen_kappa(a, b, "linear", labels=scale), "item", both),
                _figure(cohen_kappa(a, b, "quadratic", labels=scale), "item", both),
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
        overall = _many(rows, "item", names)
        if scale is not None:
            overall.append(_figure(krippendorff_alpha(rows, "ordinal", scale), "item", names))
            if _is_numeric(scale):
                numeric = [tuple(None if x is None else float(x) for x in row) for row in rows]
                overall.append(_figure(krippendorff_alpha(numeric, "interval"), "item", names))
    return pairs, overall


# -- disagreements ---------------------------------------------------------------------


def passage_key(document_id: str, start: int, end: int) -> str:
    """The id of a passage in decisions: ``"<document>:<start>:<end>"``."""
    return f"{document_id}:{start}:{end}"


@dataclass(frozen=True, slots=True)
class DisagreementView:
    """A disagreement ready to show: the passage with context and what each annotator said.

    ``disagreement`` is the pure :class:`~annotator.agreement.Disagreement` (pass either to
    :func:`adjudicate`); ``decision`` is the current gold decision's choice, or None.
    """

    disagreement: Disagreement
    document_title: str
    before: str
    after: str
    said: Mapping[str, str]
    decision: str | None = None

    @property
    def document_id(self) -> DocumentId:
        return self.disagreement.document_id

    @property
    def start(self) -> int:
        return self.disagreement.start

    @property
    def end(self) -> int:
        return self.disagreement.end

    @property
    def quote(self) -> str:
        return self.disagreement.quote

    @property
    def kind(self) -> str:
        return self.disagreement.kind

    @property
    def key(self) -> str:
        return passage_key(self.document_id, self.start, self.end)

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.document_id,
            "title": self.document_title,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "before": self.before,
            "after": self.after,
            "kind": self.kind,
            "said": dict(self.said),
            "decision": self.decision,
        }


def _documents_for(
    project: Project,
    names: Sequence[str],
    documents: Sequence[str] | None,
    kinds: frozenset[AnnotationKind],
) -> list[DocumentId]:
    if documents is None:
        return default_documents(project, names, kinds=kinds)
    return [DocumentId(d) for d in dict.fromkeys(documents)]


def list_disagreements(
    project: Project,
    annotators: Sequence[str],
    documents: Sequence[str] | None = None,
    *,
    label_set: str | None = None,
    kinds: Collection[AnnotationKind | str] | None = None,
    context: int = 40,
) -> list[DisagreementView]:
    """The passages where ``annotators`` differ, in reading order, with ``context``
    characters either side and each annotator's reading in words ("PER 'Ada'", "nothing").

    Entities by default (``kinds`` or a ``label_set`` to choose others)."""
    names = _names(project, annotators)
    labels = None
    set_kind = None
    if label_set is not None:
        chosen = project.label_set(label_set)
        labels, set_kind = {x.name for x in chosen.labels}, chosen.kind
    wanted = _kinds("span", kinds, set_kind)
    if len(names) < 2:
        return []
    document_ids = _documents_for(project, names, documents, wanted)
    docs = {d: project.document(d) for d in document_ids}
    by_annotator = _own_annotations(project, names, wanted, labels)
    found = disagreements(
        by_annotator, set(document_ids), texts={d: doc.text for d, doc in docs.items()}, kinds=None
    )
    order = {d: i for i, d in enumerate(document_ids)}
    found.sort(key=lambda d: (order[d.document_id], d.start, d.end))
    views = []
    for item in found:
        text = docs[item.document_id].text
        views.append(
            DisagreementView(
                disagreement=item,
                document_title=docs[item.document_id].title,
                before=text[max(0, item.start - context) : item.start],
                after=text[item.end : item.end + context],
                said={str(name): item.said(name) for name in item.readings},
                decision=_current_choice(
                    project, passage_key(item.document_id, item.start, item.end)
                ),
            )
        )
    return views


# -- adjudication ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    """A gold decision for one passage: what was written to the gold layer and what it
    replaced. Pass it to :func:`undo_adjudication` to take it back."""

    key: str
    choice: str
    decider: str
    written: tuple[AnnotationId, ...]
    replaced: tuple[AnnotationId, ...]
    at: str = ""


@dataclass(frozen=True, slots=True)
class AdjudicationProgress:
    """How far adjudication is: ``decided`` of ``total`` disagreements, and how many of the
    passages both annotators agree on are already in the gold layer."""

    decided: int
    total: int
    agreed_in_gold: int
    agreed_total: int

    @property
    def remaining(self) -> int:
        return self.total - self.decided

    @property
    def fraction(self) -> float:
        """Share decided; 1.0 when there is nothing to decide."""
        return self.decided / self.total if self.total else 1.0

    def __str__(self) -> str:
        return (
            f"{self.decided} of {plural(self.total, 'disagreement')} decided; "
            f"{self.agreed_in_gold} of {plural(self.agreed_total, 'agreed passage')} in gold"
        )


def _decision_stack(project: Project, key: str) -> list[dict[str, Any]]:
    """The decisions in force for a passage, oldest first (undone ones removed)."""
    stack: list[dict[str, Any]] = []
    for entry in project.history(key):
        if entry["entity"] != "passage":
            continue
        if entry["action"] == "adjudicate":
            stack.append(entry)
        elif entry["action"] == "undo adjudicate" and stack:
            stack.pop()
    return stack


def _current_choice(project: Project, key: str) -> str | None:
    stack = _decision_stack(project, key)
    return str(stack[-1]["after"]["choice"]) if stack else None


def current_decision(project: Project, passage: Disagreement | DisagreementView) -> Decision | None:
    """The gold decision in force for a passage, or None if it is undecided."""
    stack = _decision_stack(project, _key_of(passage))
    return _decision_from(stack[-1]) if stack else None


def _decision_from(entry: Mapping[str, Any]) -> Decision:
    after = entry["after"]
    return Decision(
        key=entry["entity_id"],
        choice=after["choice"],
        decider=entry["actor"] or "",
        written=tuple(after["written"]),
        replaced=tuple(after["replaced"]),
        at=entry["at"],
    )


def _key_of(passage: Disagreement | DisagreementView | str) -> str:
    if isinstance(passage, str):
        return passage
    return passage_key(passage.document_id, passage.start, passage.end)


def _pure(passage: Disagreement | DisagreementView) -> Disagreement:
    return passage.disagreement if isinstance(passage, DisagreementView) else passage


def gold_annotations(project: Project, document_id: str | None = None) -> list[Annotation]:
    """The gold layer (what exports for training), empty when nothing was adjudicated."""
    if project.find_annotator(GOLD_ANNOTATOR) is None:
        return []
    return project.annotations(
        document_id, annotator=GOLD_ANNOTATOR, statuses=(AnnotationStatus.ACCEPTED,)
    )


def adjudicate(
    project: Project,
    disagreement: Disagreement | DisagreementView,
    choice: Choice,
    *,
    annotator_a: str | None = None,
    annotator_b: str | None = None,
    edited: Sequence[tuple[int, int, str]] | None = None,
) -> Decision:
    """Decide a disagreement and write the result to the gold layer.

    ``choice``: ``"A"`` or ``"B"`` (that annotator's spans there; A and B default to the
    first two annotators of the disagreement), ``"both"`` (the union), ``"neither"`` (nothing
    goes to gold, still a decision), ``"edit"`` (``edited`` spans ``(start, end, label)``), or
    any compared annotator's name. The decider is the current annotator, the time now.
    Deciding the same passage again replaces the earlier decision: its gold annotations, and
    any gold annotation inside the passage, are removed (soft delete) in the same action.
    """
    item = _pure(disagreement)
    compared = [str(name) for name in item.readings]
    first = annotator_a or (compared[0] if compared else None)
    second = annotator_b or (compared[1] if len(compared) > 1 else None)
    if choice == "A":
        picked = _readings_of(item, first)
    elif choice == "B":
        picked = _readings_of(item, second)
    elif choice == "both":
        picked = _readings_of(item, first) + _readings_of(item, second)
    elif choice == "neither":
        picked = []
    elif choice == "edit":
        if edited is None:
            raise AnnotatorError("choose 'edit' together with the edited spans")
        picked = [(int(s), int(e), str(label), None) for s, e, label in edited]
    elif choice in compared:
        picked = _readings_of(item, choice)
    else:
        raise AnnotatorError(
            f"unknown choice '{choice}': use A, B, both, neither, edit or an annotator's name"
        )
    decider = project.current_annotator.name
    source = f"adjudicated by {decider}"
    return _write_decision(project, item, choice, picked, source, [first, second])


def _readings_of(item: Disagreement, name: str | None) -> list[tuple[int, int, str, Any]]:
    if name is None or name not in item.readings:
        raise AnnotatorError(f"'{name}' is not one of the annotators compared in this passage")
    readings: tuple[Reading, ...] = item.readings[name]
    return [(r.start, r.end, r.label, r.annotation_id) for r in readings]


def _gold_copies(
    project: Project,
    document_id: DocumentId,
    picked: Sequence[tuple[int, int, str, Any]],
    source: str,
    text: str,
) -> list[Annotation]:
    seen: set[tuple[int, int, str]] = set()
    built = []
    for start, end, label, original_id in picked:
        if (start, end, label) in seen:
            continue
        seen.add((start, end, label))
        kind: AnnotationKind | str = AnnotationKind.ENTITY
        if original_id is not None:
            kind = project.annotation(original_id, include_deleted=True).kind
        built.append(
            project.build_annotation(
                document_id, start, end, kind=kind, label=label, annotator=GOLD_ANNOTATOR,
                source=source, text=text,
            )
        )  # fmt: skip
    return built


def _write_decision(
    project: Project,
    item: Disagreement,
    choice: str,
    picked: Sequence[tuple[int, int, str, Any]],
    source: str,
    compared: Sequence[str | None],
) -> Decision:
    key = passage_key(item.document_id, item.start, item.end)
    text = project.document(item.document_id).text
    new = _gold_copies(project, item.document_id, picked, source, text)
    previous = _decision_stack(project, key)
    replaced = set(previous[-1]["after"]["written"]) if previous else set()
    replaced |= {
        a.id
        for a in gold_annotations(project, item.document_id)
        if item.start <= a.start and a.end <= item.end
    }
    live = {a.id for a in gold_annotations(project, item.document_id)}
    replaced &= live
    with project.edit() as edit:
        edit.set_annotations_deleted(sorted(replaced), True)
        edit.insert_annotations(new)
        for a in new:
            edit.record("add", "annotation", a.id, after=annotation_to_json(a))
        for annotation_id in sorted(replaced):
            edit.record("delete", "annotation", annotation_id)
        edit.record(
            "adjudicate", "passage", key,
            after={
                "choice": choice,
                "annotators": [c for c in compared if c],
                "written": [a.id for a in new],
                "replaced": sorted(replaced),
                "document": item.document_id,
                "start": item.start,
                "end": item.end,
            },
        )  # fmt: skip
    project.events.annotations_reset.emit(item.document_id)
    stack = _decision_stack(project, key)
    return _decision_from(stack[-1])


def undo_adjudication(
    project: Project, passage: Decision | Disagreement | DisagreementView | str
) -> Decision | None:
    """Take back the decision in force for a passage (or the given decision): remove what it
    wrote to gold and restore what it replaced. Returns the undone decision, None if the
    passage had none. Undoing again goes one decision further back."""
    key = passage.key if isinstance(passage, Decision) else _key_of(passage)
    stack = _decision_stack(project, key)
    if not stack:
        return None
    entry = stack[-1]
    decision = _decision_from(entry)
    document_id = entry["after"]["document"]
    with project.edit() as edit:
        edit.set_annotations_deleted(list(decision.written), True)
        edit.set_annotations_deleted(list(decision.replaced), False)
        edit.record("undo adjudicate", "passage", key, after={"undid": entry["seq"]})
    project.events.annotations_reset.emit(document_id)
    return decision


def _agreed_spans(
    project: Project,
    names: Sequence[str],
    document_ids: Sequence[DocumentId],
    kinds: frozenset[AnnotationKind],
) -> tuple[list[Annotation], list[Disagreement]]:
    """Annotations (of the first annotator) that every other annotator marked identically and
    that lie outside every disagreement passage; and the disagreements."""
    by_annotator = _own_annotations(project, names, kinds)
    wanted = set(document_ids)
    found = disagreements(by_annotator, wanted, kinds=None)
    contested: dict[DocumentId, list[tuple[int, int]]] = {}
    for d in found:
        contested.setdefault(d.document_id, []).append((d.start, d.end))
    others = [
        {(a.document_id, a.start, a.end, a.label) for a in by_annotator[name]} for name in names[1:]
    ]
    agreed = []
    seen = set()
    for a in by_annotator[names[0]]:
        key = (a.document_id, a.start, a.end, a.label)
        if a.document_id not in wanted or key in seen or not all(key in o for o in others):
            continue
        if any(s <= a.start and a.end <= e for s, e in contested.get(a.document_id, [])):
            continue
        seen.add(key)
        agreed.append(a)
    return agreed, found


def accept_agreed(
    project: Project,
    annotators: Sequence[str],
    documents: Sequence[str] | None = None,
    *,
    kinds: Collection[AnnotationKind | str] | None = None,
) -> Decision:
    """Copy every passage all ``annotators`` marked identically into the gold layer, in one
    action; those already in gold are skipped, so running it twice adds nothing. Returns the
    decision (``undo_adjudication(project, decision)`` takes it back)."""
    names = _names(project, annotators)
    if len(names) < 2:
        raise AnnotatorError("accepting agreed passages needs at least two annotators")
    wanted = _kinds("span", kinds, None)
    document_ids = _documents_for(project, names, documents, wanted)
    agreed, _ = _agreed_spans(project, names, document_ids, wanted)
    in_gold = {(a.document_id, a.start, a.end, a.label) for a in gold_annotations(project)}
    decider = project.current_annotator.name
    source = f"agreed, accepted by {decider}"
    new: list[Annotation] = []
    texts: dict[DocumentId, str] = {}
    for a in agreed:
        if (a.document_id, a.start, a.end, a.label) in in_gold:
            continue
        if a.document_id not in texts:
            texts[a.document_id] = project.document(a.document_id).text
        new.extend(
            _gold_copies(
                project, a.document_id, [(a.start, a.end, a.label or "", a.id)], source,
                texts[a.document_id],
            )
        )  # fmt: skip
    key = f"agreed:{','.join(names)}:{len(project.history())}"
    with project.edit() as edit:
        edit.insert_annotations(new)
        for a in new:
            edit.record("add", "annotation", a.id, after=annotation_to_json(a))
        edit.record(
            "adjudicate", "passage", key,
            after={"choice": "agreed", "annotators": names, "written": [a.id for a in new],
                   "replaced": [], "document": None, "start": None, "end": None},
        )  # fmt: skip
    project.events.annotations_reset.emit(None)
    return _decision_from(_decision_stack(project, key)[-1])


def adjudication_progress(
    project: Project,
    annotators: Sequence[str],
    documents: Sequence[str] | None = None,
    *,
    kinds: Collection[AnnotationKind | str] | None = None,
) -> AdjudicationProgress:
    """How many of the current disagreements have a gold decision, and how many agreed
    passages are already in the gold layer."""
    names = _names(project, annotators)
    if len(names) < 2:
        return AdjudicationProgress(0, 0, 0, 0)
    wanted = _kinds("span", kinds, None)
    document_ids = _documents_for(project, names, documents, wanted)
    agreed, found = _agreed_spans(project, names, document_ids, wanted)
    decided = sum(
        1 for d in found if _decision_stack(project, passage_key(d.document_id, d.start, d.end))
    )
    in_gold = {(a.document_id, a.start, a.end, a.label) for a in gold_annotations(project)}
    agreed_in_gold = sum(1 for a in agreed if (a.document_id, a.start, a.end, a.label) in in_gold)
    return AdjudicationProgress(decided, len(found), agreed_in_gold, len(agreed))


# -- blind mode ----------------------------------------------------------------------------


def blind_mode(project: Project) -> bool:
    """True when annotators see only their own work until they mark a document done."""
    return bool(project.setting(BLIND_MODE_SETTING, False))


def set_blind_mode(project: Project, on: bool) -> None:
    project.change_setting(BLIND_MODE_SETTING, bool(on))
    project.events.annotations_reset.emit(None)
    project.events.documents_changed.emit()


def document_status(project: Project, document_id: str, annotator: str) -> str:
    """``annotator``'s status of a document: "not started", "in progress" or "done"."""
    who = project.find_annotator(annotator)
    if who is None:
        return "not started"
    stored = project.document_statuses().get((DocumentId(document_id), who.id))
    if stored is not None:
        return stored
    own = project.annotations(document_id, annotator_id=who.id, statuses=None)
    return "in progress" if own else "not started"


def others_visible(project: Project, document_id: str, viewer: str | None = None) -> bool:
    """Whether ``viewer`` (default: the current annotator) may see other annotators' work in
    this document: always without blind mode, else once they marked it done."""
    if not blind_mode(project):
        return True
    viewer = viewer or project.current_annotator.name
    return document_status(project, document_id, viewer) == "done"


def visible_annotations(
    project: Project,
    document_id: str,
    viewer: str | None = None,
    *,
    statuses: Sequence[AnnotationStatus] | None = (
        AnnotationStatus.ACCEPTED,
        AnnotationStatus.ORPHANED,
    ),
) -> list[Annotation]:
    """The annotations of a document that ``viewer`` may see (all layers, or in blind mode
    before they marked it done, only their own), in reading order."""
    viewer = viewer or project.current_annotator.name
    if others_visible(project, document_id, viewer):
        return project.annotations(document_id, statuses=statuses)
    own = project.find_annotator(viewer)
    if own is None:
        return []
    return project.annotations(document_id, annotator_id=own.id, statuses=statuses)


@dataclass(frozen=True, slots=True)
class VisibleCounts:
    """A document's annotation counts as ``viewer`` may see them; ``others`` is None while
    blind mode hides them."""

    document_id: DocumentId
    own: int
    others: int | None


def document_counts(project: Project, viewer: str | None = None) -> list[VisibleCounts]:
    """Per document, the viewer's own accepted annotations and, unless hidden, everyone
    else's: what the documents panel may show in blind mode."""
    viewer = viewer or project.current_annotator.name
    own_id = getattr(project.find_annotator(viewer), "id", None)
    own: dict[DocumentId, int] = {}
    others: dict[DocumentId, int] = {}
    for a in project.annotations(statuses=(AnnotationStatus.ACCEPTED,)):
        target = own if a.annotator_id == own_id else others
        target[a.document_id] = target.get(a.document_id, 0) + 1
    return [
        VisibleCounts(
            d.id,
            own.get(d.id, 0),
            others.get(d.id, 0) if others_visible(project, d.id, viewer) else None,
        )
        for d in project.document_headers()
    ]


# -- merging -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MergeReport:
    """What merging another annotator's project brought in."""

    other: str
    imported: ImportReport
    annotators: tuple[str, ...]
    renamed: Mapping[str, str] = field(default_factory=dict)
    deleted: int = 0  # deleted here because the other project deleted them later
    restored: int = 0  # brought back because the other project changed them later
    kept_ours: int = 0  # the other project's older version or deletion lost to ours

    def summary(self) -> str:
        renamed = "".join(f"; '{a}' renamed to '{b}'" for a, b in self.renamed.items())
        who = ", ".join(self.annotators) or "no annotators"
        settled = ""
        if self.deleted or self.restored:
            settled = f"; {self.deleted} deleted, {self.restored} restored (later change wins)"
        return (
            f"merged '{Path(self.other).name}' ({who}): {self.imported.summary()}{settled}{renamed}"
        )


SameName = Literal["ask", "same", "rename"]


def merge_project(
    project: Project, other_project_path: str | Path, *, same_name: SameName = "ask"
) -> MergeReport:
    """Bring another project's documents and annotations into this one (by UUID, so merging
    the same project twice changes nothing).

    Annotators of the other project with a name used here by another identity are not
    guessed at: with ``same_name="ask"`` :class:`AnnotatorNameConflict` is raised (the GUI
    asks, the CLI says which option to give); ``"same"`` merges them into ours, ``"rename"``
    keeps them apart as ``"<name> (<other project>)"``. The gold layer always merges.
    """
    from annotator.project import Project as OpenProject

    path = Path(other_project_path)
    if not path.is_file():
        raise ProjectError(f"'{path}' does not exist or is not a project file")
    if path.resolve() == project.path.resolve():
        raise ProjectError(f"'{path.name}' is this project: choose another project to merge")
    with OpenProject(path) as other:
        data = other.export_json()
        theirs = _change_states(other)
    ours = _change_states(project)
    our_names = {a.name: a.id for a in project.annotators()}
    conflicts = [
        a["name"]
        for a in data["annotators"]
        if a["name"] in our_names
        and our_names[a["name"]] != a["id"]
        and a["name"] != GOLD_ANNOTATOR
    ]
    renamed: dict[str, str] = {}
    if conflicts and same_name == "ask":
        raise AnnotatorNameConflict(path, conflicts)
    if conflicts and same_name == "rename":
        for record in data["annotators"]:
            if record["name"] in conflicts:
                renamed[record["name"]] = f"{record['name']} ({path.stem})"
                record["name"] = renamed[record["name"]]
    report = project.import_json(data)
    deleted, restored, kept = _settle_changes(project, ours, theirs, path)
    return MergeReport(
        other=str(path),
        imported=report,
        annotators=tuple(a["name"] for a in data["annotators"]),
        renamed=renamed,
        deleted=deleted,
        restored=restored,
        kept_ours=kept,
    )


# The merge rule: for an annotation both projects hold, the later change wins, deletions
# included. A change is an edit (``modified``), a deletion or a restore (the history's
# entries for the annotation: its tombstones). On equal times a deletion wins, then the
# greater content, so that merging A into B and B into A end with the same live set holding
# the same contents. When a merge applies the other side's change it records it as a
# "merge" history entry carrying that change's own time, so merging back does not mistake
# the moment of merging for a newer change.


@dataclass(frozen=True, slots=True)
class _ChangeState:
    """One annotation as a merge sees it: live or deleted, and when that last changed."""

    annotation: Annotation
    live: bool
    changed: datetime

    def rank(self) -> tuple[datetime, bool, str]:
        content = json.dumps(annotation_to_json(self.annotation), sort_keys=True, default=str)
        return (self.changed, not self.live, content)


def _change_states(project: Project) -> dict[str, _ChangeState]:
    live = {a.id for a in project.annotations(statuses=None)}
    deletions: dict[str, datetime] = {}  # latest entry of any kind: what deleted it
    restores: dict[str, datetime] = {}  # latest restore (or merge that made it live)
    for entry in project.history():
        if entry["entity"] != "annotation":
            continue
        after = entry["after"] if isinstance(entry["after"], dict) else {}
        if entry["action"] == "merge" and "changed" in after:
            when = timestamp_key(after["changed"])
        else:
            when = timestamp_key(entry["at"])
        ident = entry["entity_id"]
        deletions[ident] = max(when, deletions.get(ident, OLDEST))
        if entry["action"] == "restore" or (
            entry["action"] == "merge" and after.get("state") == "live"
        ):
            restores[ident] = max(when, restores.get(ident, OLDEST))
    states = {}
    for a in project.annotations(statuses=None, include_deleted=True):
        modified = timestamp_key(a.modified)
        if a.id in live:
            changed = max(modified, restores.get(a.id, OLDEST))
        else:
            changed = max(modified, deletions.get(a.id, OLDEST))
        states[a.id] = _ChangeState(a, a.id in live, changed)
    return states


def _settle_changes(
    project: Project,
    ours: Mapping[str, _ChangeState],
    theirs: Mapping[str, _ChangeState],
    other: Path,
) -> tuple[int, int, int]:
    """Apply the later change to every annotation both projects hold (the import before
    this only adds and updates live ones). Returns (deleted, restored, kept ours)."""
    deleted = restored = kept = 0
    with project.edit() as edit:
        live_now = {a.id for a in project.annotations(statuses=None)}
        for ident in sorted(ours.keys() & theirs.keys()):
            mine, their = ours[ident], theirs[ident]
            current = project.annotation(ident, include_deleted=True)
            if their.rank() > mine.rank():
                # Their content, in our project's documents and annotators.
                wanted = dataclasses.replace(
                    their.annotation,
                    document_id=current.document_id,
                    annotator_id=current.annotator_id,
                )
                winner = their
            else:
                wanted, winner = mine.annotation, mine
                if (their.live, their.annotation) != (mine.live, mine.annotation):
                    kept += 1
            is_live = ident in live_now
            if current == wanted and is_live == winner.live:
                continue
            if current != wanted:
                edit.replace_annotation(wanted)
            if is_live != winner.live:
                edit.set_annotations_deleted([ident], not winner.live)
                if winner.live:
                    restored += 1
                else:
                    deleted += 1
            edit.record(
                "merge", "annotation", ident,
                before=annotation_to_json(current),
                after={"state": "live" if winner.live else "deleted",
                       "changed": winner.changed.isoformat(), "from": str(other),
                       "annotation": annotation_to_json(wanted)},
            )  # fmt: skip
    if deleted or restored:
        project.events.annotations_reset.emit(None)
    return deleted, restored, kept


def report_json(report: AgreementReport) -> str:
    """The report as JSON text (UTF-8, indented), as ``--format json`` prints it."""
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"


__all__ = [
    "BLIND_MODE_SETTING",
    "CHOICES",
    "GOLD_ANNOTATOR",
    "NO_SPAN",
    "PER_LABEL_KAPPA",
    "UNITS",
    "AdjudicationProgress",
    "AgreementReport",
    "AnnotatorNameConflict",
    "Decision",
    "DisagreementView",
    "DocumentRef",
    "Figure",
    "MergeReport",
    "PairFigures",
    "VisibleCounts",
    "accept_agreed",
    "adjudicate",
    "adjudication_progress",
    "blind_mode",
    "comparable_annotators",
    "compute_agreement",
    "current_decision",
    "default_documents",
    "document_counts",
    "document_status",
    "gold_annotations",
    "list_disagreements",
    "merge_project",
    "others_visible",
    "passage_key",
    "report_json",
    "set_blind_mode",
    "undo_adjudication",
    "visible_annotations",
]
