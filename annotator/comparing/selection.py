"""Choosing what to compare: the annotators, the kinds of annotation and the documents."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from annotator.core.errors import AnnotatorError
from annotator.core.model import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    DocumentId,
    LabelSetKind,
)

if TYPE_CHECKING:
    from annotator.project import Project


#: The reserved annotator whose layer holds the adjudicated ("gold") annotations.
GOLD_ANNOTATOR = "gold"

Unit = Literal["token", "span", "item"]
UNITS: tuple[Unit, ...] = ("token", "span", "item")

SPAN_KINDS = frozenset({AnnotationKind.ENTITY})
ITEM_KINDS = frozenset({AnnotationKind.DOC_LABEL, AnnotationKind.SENTIMENT})
_KINDS_OF_LABEL_SET = {
    LabelSetKind.SPAN: frozenset({AnnotationKind.ENTITY}),
    LabelSetKind.SENTENCE: frozenset({AnnotationKind.SENTIMENT}),
    LabelSetKind.DOCUMENT: frozenset({AnnotationKind.DOC_LABEL}),
}


# -- choosing what to compare --------------------------------------------------------------


def comparable_annotators(project: Project) -> list[str]:
    """The annotators one can compare: everyone except the gold layer."""
    return [a.name for a in project.annotators() if a.name != GOLD_ANNOTATOR]


def annotator_names(project: Project, annotators: Iterable[str]) -> list[str]:
    names = list(dict.fromkeys(n.strip() for n in annotators if n.strip()))
    for name in names:
        project.annotator_named(name)  # NotFoundError names the unknown annotator
    return names


def compared_kinds(
    unit: Unit, kinds: Collection[AnnotationKind | str] | None, label_set_kind: LabelSetKind | None
) -> frozenset[AnnotationKind]:
    if kinds is not None:
        try:
            return frozenset(AnnotationKind(k) for k in kinds)
        except ValueError as error:
            raise AnnotatorError(f"unknown annotation kind: {error}") from None
    if label_set_kind in _KINDS_OF_LABEL_SET:
        return _KINDS_OF_LABEL_SET[label_set_kind]
    return ITEM_KINDS if unit == "item" else SPAN_KINDS


def own_annotations(
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


def left_out_by_label_set(
    project: Project,
    names: Sequence[str],
    documents: Collection[str] | None,
    label_set: str,
) -> tuple[int, Counter[str]]:
    """How many accepted, labelled annotations of ``names`` (in ``documents``, None: all)
    of the set's kind there are, and per label how many the set leaves out: a comparison by
    label set must say what it drops, never drop it silently."""
    chosen = project.label_set(label_set)
    kinds = _KINDS_OF_LABEL_SET.get(chosen.kind, SPAN_KINDS)
    inside = {label.name for label in chosen.labels}
    wanted = set(documents) if documents else None
    total = 0
    outside: Counter[str] = Counter()
    for name in names:
        if project.find_annotator(name) is None:
            continue  # the comparison itself names the unknown annotator
        # Plain rows, not annotation objects: a corpus has millions of them.
        for document, _start, _end, label in project.labelled_spans(name, sorted(kinds)):
            if wanted is not None and document not in wanted:
                continue
            total += 1
            if label not in inside:
                outside[label] += 1
    return total, outside


def done_documents(project: Project) -> dict[str, set[DocumentId]]:
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
    names = annotator_names(project, annotators)
    if not names:
        return []
    wanted = list(AnnotationKind) if kinds is None else [AnnotationKind(k) for k in kinds]
    chosen = sorted({k.value for k in wanted})
    # One DISTINCT query per annotator: a corpus has millions of annotations.
    annotated = {name: project.labelled_documents(name, chosen) for name in names}
    done = done_documents(project)
    covered = [annotated[name] | done.get(name, set()) for name in names]
    common = set.intersection(*covered)
    return [d.id for d in project.document_headers() if d.id in common]
