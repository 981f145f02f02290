"""From annotations to the units agreement is counted over: tokens, spans and items.

Only an annotator's *own* labels count: an annotation counts when its status is ACCEPTED and it
has a label. Suggestions not yet reviewed and rejected suggestions are not the annotator's
judgement, and orphaned annotations no longer point at their passage, so all three count as
"not annotated".
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from annotator.agreement.results import AgreementError, AgreementResult
from annotator.agreement.two_raters import cohen_kappa
from annotator.core.model import Annotation, AnnotationKind, AnnotationStatus, DocumentId
from annotator.core.timestamps import is_later

OUTSIDE = "O"
Token = tuple[int, int]
#: Where a unit is: ``(document_id, start, end)``; document_id is None when not known.
UnitKey = tuple[DocumentId | None, int, int]
SpanKinds = frozenset({AnnotationKind.ENTITY})
ItemKinds = frozenset({AnnotationKind.DOC_LABEL, AnnotationKind.SENTIMENT})


def counts_as_annotated(annotation: Annotation) -> bool:
    """True for an accepted annotation with a label; see the module docstring for why."""
    return annotation.status == AnnotationStatus.ACCEPTED and annotation.label is not None


def usable_annotations(
    annotations: Iterable[Annotation],
    kinds: Collection[AnnotationKind] | None,
    documents: Collection[Hashable] | None,
) -> list[Annotation]:
    return [
        a
        for a in annotations
        if counts_as_annotated(a)
        and (kinds is None or a.kind in kinds)
        and (documents is None or a.document_id in documents)
    ]


@dataclass(frozen=True)
class Units(Mapping[Hashable, tuple[str | None, ...]]):
    """Each annotator's label for each unit, aligned: ``units[annotator][i]`` is their label of
    the unit at ``positions[i]`` (None where they gave none).

    A mapping from annotator to label sequence, ready for :func:`cohen_kappa` and
    :func:`pairwise`; :meth:`rows` turns it into ``units_by_raters`` for the many-annotator
    measures. ``unit`` says what was counted, for showing next to the number.
    """

    unit: str
    positions: tuple[UnitKey, ...]
    labels: Mapping[Hashable, tuple[str | None, ...]] = field(default_factory=dict)

    def __getitem__(self, annotator: Hashable) -> tuple[str | None, ...]:
        return self.labels[annotator]

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self.labels)

    def __len__(self) -> int:
        return len(self.labels)

    def rows(self, annotators: Sequence[Hashable] | None = None) -> list[tuple[str | None, ...]]:
        """``units_by_raters``: one row per unit, one entry per annotator (in mapping order)."""
        chosen = list(self.labels) if annotators is None else list(annotators)
        return list(zip(*(self.labels[name] for name in chosen), strict=True)) if chosen else []


def label_tokens(
    tokens: Sequence[Token], spans: Iterable[tuple[int, int, str]], outside: str = OUTSIDE
) -> list[str]:
    """The label of every token: the label of the span covering it, ``outside`` if none.

    A token belongs to a span when they share at least one character. If spans of the same
    annotator with different labels cover one token, the span covering more of its characters
    wins, then the earlier span, then the label first in alphabetical order.
    """
    order = sorted(range(len(tokens)), key=lambda i: tokens[i])
    starts = [tokens[i][0] for i in order]
    ends = [tokens[i][1] for i in order]
    if any(ends[i] > starts[i + 1] for i in range(len(order) - 1)):
        raise AgreementError("tokens overlap: give each token's own (start, end) character range")
    labels = [outside] * len(tokens)
    best = [0] * len(tokens)
    for start, end, label in sorted(spans, key=lambda s: (s[0], s[1], s[2])):
        for position in range(bisect_right(ends, start), bisect_left(starts, end)):
            token = order[position]
            covered = min(end, ends[position]) - max(start, starts[position])
            if covered > best[token]:
                best[token], labels[token] = covered, label
    return labels


def _spans_of(annotations: Iterable[Annotation]) -> list[tuple[int, int, str]]:
    return [(a.start, a.end, a.label) for a in annotations if a.label is not None]


def token_units(
    tokens: Sequence[Token],
    annotations_by_annotator: Mapping[Hashable, Iterable[Annotation]],
    only_annotated: bool = False,
    *,
    outside: str = OUTSIDE,
    document_id: DocumentId | None = None,
    kinds: Collection[AnnotationKind] | None = SpanKinds,
) -> Units:
    """One label per token of a document per annotator, ``outside`` ("O") where unlabelled.

    ``tokens`` are the document's ``(start, end)`` character ranges. Including the ``O`` tokens
    inflates kappa (most tokens are ``O`` for everyone); ``only_annotated=True`` keeps only the
    tokens at least one annotator labelled. Pass ``document_id`` when the annotations may come
    from several documents; ``kinds`` picks the annotation kinds that count (default: entities).
    """
    documents = None if document_id is None else {document_id}
    labels = {
        annotator: label_tokens(
            tokens, _spans_of(usable_annotations(anns, kinds, documents)), outside
        )
        for annotator, anns in annotations_by_annotator.items()
    }
    keep = range(len(tokens))
    if only_annotated:
        keep = [i for i in keep if any(seq[i] != outside for seq in labels.values())]
    unit = (
        "token, only tokens labelled by at least one annotator"
        if only_annotated
        else (f"token, unlabelled tokens counted as '{outside}'")
    )
    return Units(
        unit=unit,
        positions=tuple((document_id, tokens[i][0], tokens[i][1]) for i in keep),
        labels={annotator: tuple(seq[i] for i in keep) for annotator, seq in labels.items()},
    )


def token_kappa(
    tokens: Sequence[Token],
    spans_a: Iterable[tuple[int, int, str]],
    spans_b: Iterable[tuple[int, int, str]],
    outside: str = OUTSIDE,
    only_annotated: bool = False,
) -> AgreementResult:
    """Cohen's kappa over tokens between two annotators' ``(start, end, label)`` spans.

    Every token gets each annotator's label (``outside`` where unlabelled, see
    :func:`label_tokens`). ``only_annotated=True`` counts only tokens that at least one of the
    two labelled, the variant that is not inflated by the many ``O`` tokens.
    """
    a = label_tokens(tokens, spans_a, outside)
    b = label_tokens(tokens, spans_b, outside)
    if only_annotated:
        keep = [i for i in range(len(tokens)) if a[i] != outside or b[i] != outside]
        a, b = [a[i] for i in keep], [b[i] for i in keep]
        unit = "token, only tokens labelled by at least one annotator"
        note = " Only tokens that at least one annotator labelled are counted."
    else:
        unit = f"token, unlabelled tokens counted as '{outside}'"
        note = (
            f" Unlabelled tokens count as '{outside}', which raises kappa when most tokens are "
            f"'{outside}' for both; see the variant over labelled tokens only."
        )
    result = cohen_kappa(a, b)
    return replace(result, unit=unit, explanation=result.explanation + note)


def span_units(
    annotations_by_annotator: Mapping[Hashable, Iterable[Annotation]],
    documents: Collection[Hashable] | None = None,
    *,
    kinds: Collection[AnnotationKind] | None = SpanKinds,
) -> dict[Hashable, list[tuple[DocumentId, int, int, str]]]:
    """Each annotator's labelled spans as ``(document_id, start, end, label)``, for
    :func:`span_f1`; only the given ``documents`` if any, only the given ``kinds``."""
    return {
        annotator: sorted(
            (a.document_id, a.start, a.end, a.label)  # type: ignore[misc]
            for a in usable_annotations(anns, kinds, documents)
        )
        for annotator, anns in annotations_by_annotator.items()
    }


def item_units(
    annotations_by_annotator: Mapping[Hashable, Iterable[Annotation]],
    documents: Collection[Hashable] | None = None,
    *,
    kinds: Collection[AnnotationKind] | None = ItemKinds,
) -> Units:
    """One category per item per annotator, for document labels, sentence sentiment or tags on
    the same passages. An item is a ``(document_id, start, end)`` passage (0, 0 for a whole
    document) that at least one annotator labelled; None where an annotator did not. If an
    annotator gave one item several labels, their most recently modified one counts.
    """
    latest: dict[Hashable, dict[UnitKey, Annotation]] = {}
    for annotator, anns in annotations_by_annotator.items():
        chosen: dict[UnitKey, Annotation] = {}
        for a in usable_annotations(anns, kinds, documents):
            key: UnitKey = (a.document_id, a.start, a.end)
            if key not in chosen or not is_later(chosen[key].modified, a.modified):
                chosen[key] = a
        latest[annotator] = chosen
    positions = tuple(
        sorted(
            {key for chosen in latest.values() for key in chosen},
            key=lambda k: (str(k[0]), k[1], k[2]),
        )
    )
    labels = {
        annotator: tuple(chosen[key].label if key in chosen else None for key in positions)
        for annotator, chosen in latest.items()
    }
    return Units(unit="item", positions=positions, labels=labels)


def common_documents(
    annotations_by_annotator: Mapping[Hashable, Iterable[Annotation]],
) -> set[DocumentId]:
    """Documents in which every annotator has at least one annotation that counts: the
    default set to compare on. Empty when there is fewer than one annotator."""
    per_annotator = [
        {a.document_id for a in anns if counts_as_annotated(a)}
        for anns in annotations_by_annotator.values()
    ]
    return set.intersection(*per_annotator) if per_annotator else set()
