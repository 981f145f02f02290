"""Where annotators differ: the passages behind an agreement number, for review and adjudication."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass

from annotator.agreement.units import SpanKinds, common_documents, usable_annotations
from annotator.core.model import Annotation, AnnotationId, AnnotationKind, DocumentId

MISSING = "missing"  # at least one annotator marked nothing there
LABEL = "label"  # same passages, different labels
BOUNDARY = "boundary"  # same labels, different start or end
LABEL_AND_BOUNDARY = "label and boundary"


@dataclass(frozen=True, slots=True)
class Reading:
    """One annotator's span inside a disagreement."""

    start: int
    end: int
    label: str
    annotation_id: AnnotationId
    quote: str = ""


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A passage where the annotators' spans differ, and what each of them marked there.

    ``start``/``end`` cover all the spans involved; ``readings`` has every compared annotator,
    with an empty tuple for one who marked nothing. ``kind`` is one of "missing", "label",
    "boundary" or "label and boundary".
    """

    document_id: DocumentId
    start: int
    end: int
    quote: str
    kind: str
    readings: Mapping[Hashable, tuple[Reading, ...]]

    def said(self, annotator: Hashable) -> str:
        """What ``annotator`` marked here, in words: ``PER 'Ada'`` or ``nothing``."""
        readings = self.readings.get(annotator, ())
        if not readings:
            return "nothing"
        return "; ".join(f"{r.label} {r.quote!r}" if r.quote else r.label for r in readings)


def _quote(annotations: Iterable[Annotation], start: int, end: int, text: str | None) -> str:
    if text is not None:
        return text[start:end]
    # Without the text, piece the passage together from the annotations' own quotes.
    chars: list[str | None] = [None] * (end - start)
    for a in annotations:
        if len(a.quote) == a.end - a.start:
            chars[a.start - start : a.end - start] = list(a.quote)
    pieces, previous_known = [], True
    for char in chars:
        if char is not None:
            pieces.append(char)
        elif previous_known:
            pieces.append("…")
        previous_known = char is not None
    return "".join(pieces)


def _kind(readings: Mapping[Hashable, tuple[Reading, ...]]) -> str | None:
    marked = [{(r.start, r.end, r.label) for r in rs} for rs in readings.values()]
    if all(m == marked[0] for m in marked):
        return None
    if any(not m for m in marked):
        return MISSING
    same_places = all({s[:2] for s in m} == {s[:2] for s in marked[0]} for m in marked)
    same_labels = all({s[2] for s in m} == {s[2] for s in marked[0]} for m in marked)
    if same_places:
        return LABEL
    return BOUNDARY if same_labels else LABEL_AND_BOUNDARY


def _clusters(annotations: list[Annotation]) -> list[list[Annotation]]:
    """Groups of annotations linked by overlapping; zero-length (whole-document) annotations
    group by exact position."""
    groups: list[list[Annotation]] = []
    points: dict[int, list[Annotation]] = defaultdict(list)
    reach = -1
    for a in sorted(annotations, key=lambda a: (a.start, a.end)):
        if a.start == a.end:
            points[a.start].append(a)
        elif groups and a.start < reach:
            groups[-1].append(a)
            reach = max(reach, a.end)
        else:
            groups.append([a])
            reach = a.end
    return groups + list(points.values())


def disagreements(
    annotations_by_annotator: Mapping[Hashable, Iterable[Annotation]],
    documents: Collection[DocumentId] | None = None,
    *,
    texts: Mapping[DocumentId, str] | None = None,
    kinds: Collection[AnnotationKind] | None = SpanKinds,
) -> list[Disagreement]:
    """The passages where the annotators' labelled spans differ, in document order.

    Spans that overlap (across annotators) form one passage; it is a disagreement unless every
    annotator marked exactly the same spans with the same labels there. That covers overlaps
    with different labels, spans one annotator has and another lacks, and boundary differences.
    ``documents`` defaults to those every annotator annotated (see :func:`common_documents`);
    ``texts`` (document id → canonical text) gives exact quotes, otherwise they are pieced
    together from the annotations' quotes. Only accepted, labelled annotations of ``kinds``
    count, as for the agreement units.
    """
    if documents is None:
        documents = common_documents(annotations_by_annotator)
    usable = {
        annotator: usable_annotations(anns, kinds, documents)
        for annotator, anns in annotations_by_annotator.items()
    }
    by_document: dict[DocumentId, list[Annotation]] = defaultdict(list)
    owner: dict[AnnotationId, Hashable] = {}
    for annotator, anns in usable.items():
        for a in anns:
            by_document[a.document_id].append(a)
            owner[a.id] = annotator
    found = []
    for document_id in sorted(by_document):
        text = texts.get(document_id) if texts else None
        for group in _clusters(by_document[document_id]):
            readings = {
                annotator: tuple(
                    Reading(a.start, a.end, a.label or "", a.id, a.quote)
                    for a in group
                    if owner[a.id] == annotator
                )
                for annotator in usable
            }
            kind = _kind(readings)
            if kind is None:
                continue
            start, end = min(a.start for a in group), max(a.end for a in group)
            found.append(
                Disagreement(
                    document_id=document_id,
                    start=start,
                    end=end,
                    quote=_quote(group, start, end, text),
                    kind=kind,
                    readings=readings,
                )
            )
    found.sort(key=lambda d: (d.document_id, d.start, d.end))
    return found
