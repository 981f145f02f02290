"""What a model learns from: the project's annotations, split by document, as plain data.

A *layer* (one or more annotators, or the adjudicated gold layer) and a label set choose
the annotations; documents with at least one of them take part. A seeded shuffle of those
documents puts about a fifth aside as *held-out* documents: the scores a trained model
reports are measured on them, never on text it learnt from (held out by document, so a
phrase repeated within one reading cannot leak from training into the check).

Within a document the text is cut into paragraph chunks (the examples spaCy trains on).
For spans, only the chunks up to the last annotation take part: a reader who labelled the
first chapters has not said that the rest holds nothing to label.

No spaCy here (see :mod:`annotator.training.trainer`); every check that data cannot train a
model raises :class:`TrainingDataError` saying what is needed.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from annotator.core.errors import AnnotatorError
from annotator.core.model import AnnotationKind, AnnotationStatus, LabelSetKind
from annotator.nlp.chunks import split_into_chunks

if TYPE_CHECKING:
    from annotator.project import Project

TrainingKind = Literal["entities", "spans", "documents"]
TRAINING_KINDS: tuple[TrainingKind, ...] = ("entities", "spans", "documents")

#: Fewer annotations than this for a label and the label is left out (with a warning).
MIN_PER_LABEL = 3
#: The share of documents held out to measure the model on (at least one document).
HELD_OUT_SHARE = 0.2
#: Chunk size of the training examples, in characters (whole paragraphs).
EXAMPLE_CHARS = 2_000
GOLD_ANNOTATOR = "gold"

_NOT_SPANS = frozenset({AnnotationKind.SENTIMENT, AnnotationKind.DOC_LABEL, AnnotationKind.SUMMARY})


class TrainingDataError(AnnotatorError):
    """The chosen annotations cannot train a model (too few, one label, one document...)."""


@dataclass(frozen=True, slots=True)
class TrainingRequest:
    """Which annotations to learn from, and how to split them (picklable, for a process)."""

    kind: TrainingKind = "entities"
    label_set: str | None = None  # a label set's name or id; None: every label used
    annotators: tuple[str, ...] = ()  # names; empty: the current annotator
    gold: bool = False  # the adjudicated gold layer instead
    seed: int = 0
    held_out_share: float = HELD_OUT_SHARE
    min_per_label: int = MIN_PER_LABEL


@dataclass(frozen=True, slots=True)
class Example:
    """One chunk of a document: its text, its labelled spans (offsets within the chunk) and,
    for document labels, the labels of the whole document."""

    document_id: str
    text: str
    spans: tuple[tuple[int, int, str], ...] = ()
    cats: tuple[str, ...] = ()

    @property
    def annotations(self) -> int:
        return len(self.spans) or len(self.cats)


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """The examples a model trains on and the ones it is measured on."""

    kind: TrainingKind
    labels: tuple[str, ...]
    train: tuple[Example, ...]
    held_out: tuple[Example, ...]
    layer: str  # whose annotations, in words ("me", "the gold layer")
    train_documents: int = 0
    held_out_documents: int = 0
    exclusive: bool = True  # documents: one label per document (textcat) or several
    warnings: tuple[str, ...] = field(default=())

    @property
    def annotations(self) -> int:
        """Annotations the model learns from (held-out ones not counted)."""
        return sum(e.annotations for e in self.train)

    @property
    def held_out_annotations(self) -> int:
        return sum(e.annotations for e in self.held_out)

    def label_counts(self, *, held_out: bool = False) -> dict[str, int]:
        """Annotations per label in the training (or the held-out) examples."""
        counts: Counter[str] = Counter()
        for example in self.held_out if held_out else self.train:
            counts.update(label for _, _, label in example.spans)
            counts.update(example.cats)
        return {label: counts[label] for label in self.labels}

    def share(self, fraction: float, seed: int) -> TrainingSet:
        """The same set with only ``fraction`` of the training examples (seeded), for a
        learning curve; the held-out examples stay the same so the scores compare."""
        if fraction >= 1:
            return self
        examples = list(self.train)
        random.Random(seed).shuffle(examples)
        kept = examples[: max(1, round(len(examples) * fraction))]
        return replace(self, train=tuple(kept))


def build_training_set(project: Project, request: TrainingRequest) -> TrainingSet:
    """The training and held-out examples ``request`` asks for, checked.

    Raises :class:`TrainingDataError` when there is nothing to learn: no annotations, every
    label under :data:`MIN_PER_LABEL`, one document label only, or fewer than two documents
    (one to learn from, one to measure on).
    """
    if request.kind not in TRAINING_KINDS:
        raise TrainingDataError(
            f"unknown kind '{request.kind}': use one of {', '.join(TRAINING_KINDS)}"
        )
    annotator_ids, layer = _layer(project, request)
    wanted_labels = _label_set_labels(project, request)
    documents_kind = request.kind == "documents"
    per_document: dict[str, list[tuple[int, int, str]]] = {}
    for header in project.document_headers():
        found = []
        for a in project.annotations(header.id, statuses=(AnnotationStatus.ACCEPTED,)):
            if a.annotator_id not in annotator_ids or not a.label:
                continue
            if wanted_labels is not None and a.label not in wanted_labels:
                continue
            if documents_kind:
                if a.kind == AnnotationKind.DOC_LABEL:
                    found.append((0, 0, a.label))
            elif a.kind not in _NOT_SPANS and a.start < a.end:
                found.append((a.start, a.end, a.label))
        if found:
            per_document[header.id] = found

    what = "document labels" if documents_kind else "labelled spans"
    if not per_document:
        raise TrainingDataError(
            f"there are no {what} by {layer}{_in_label_set(request)} to learn from: label "
            f"some first (at least {request.min_per_label} for each label, in two documents "
            "or more)"
        )
    counts = Counter(label for found in per_document.values() for _, _, label in found)
    rare = {label: n for label, n in counts.items() if n < request.min_per_label}
    labels = tuple(sorted(label for label in counts if label not in rare))
    warnings: list[str] = []
    if not labels:
        listed = ", ".join(f"{label} has {n}" for label, n in sorted(rare.items()))
        raise TrainingDataError(
            f"too few {what} to learn from ({listed}): label at least "
            f"{request.min_per_label} for a label"
        )
    if rare:
        listed = ", ".join(f"{label} ({n})" for label, n in sorted(rare.items()))
        warnings.append(
            f"left out labels with fewer than {request.min_per_label} annotations: {listed}"
        )
    if documents_kind and len(labels) < 2:
        raise TrainingDataError(
            f"every labelled document has the label '{labels[0]}': a document classifier "
            "needs at least two labels to tell apart — label some documents with another"
        )
    # In the project's order (not by id: ids are random), so a seed gives the same split.
    document_ids = [d for d, found in per_document.items() if any(x[2] in labels for x in found)]
    if len(document_ids) < 2:
        raise TrainingDataError(
            f"all the {what} are in one document: a model needs at least two labelled "
            "documents, one to learn from and one held out to measure it on"
        )
    random.Random(request.seed).shuffle(document_ids)
    held = max(1, round(len(document_ids) * request.held_out_share))
    held_ids, train_ids = document_ids[:held], document_ids[held:]
    keep = set(labels)

    def examples(ids: Sequence[str]) -> tuple[Example, ...]:
        made: list[Example] = []
        for document_id in ids:
            text = project.text_of(document_id)
            found = [x for x in per_document[document_id] if x[2] in keep]
            if documents_kind:
                made.append(Example(document_id, text, cats=tuple(sorted({x[2] for x in found}))))
            else:
                made.extend(_span_examples(document_id, text, found))
        return tuple(made)

    exclusive = all(len({x[2] for x in per_document[d] if x[2] in keep}) == 1 for d in document_ids)
    return TrainingSet(
        kind=request.kind,
        labels=labels,
        train=examples(train_ids),
        held_out=examples(held_ids),
        layer=layer,
        train_documents=len(train_ids),
        held_out_documents=len(held_ids),
        exclusive=exclusive,
        warnings=tuple(warnings),
    )


#: The pipeline name a project-trained model has (its suggestions' source is
#: ``<lang>_project_model@<version>``).
PROJECT_MODEL_NAME = "project_model"


def review_precision(project: Project) -> dict[str, tuple[int, int]]:
    """``label: (accepted, rejected)`` of the project's own models' suggestions, from the
    review decisions (every annotator's): the running precision a reader sees of what the
    model proposes, on documents it was never measured on."""
    counts: dict[str, list[int]] = {}
    decided = (AnnotationStatus.ACCEPTED, AnnotationStatus.REJECTED)
    for a in project.annotations(statuses=decided):
        if not a.label or not a.source.partition("@")[0].endswith(f"_{PROJECT_MODEL_NAME}"):
            continue
        row = counts.setdefault(a.label, [0, 0])
        row[0 if a.status == AnnotationStatus.ACCEPTED else 1] += 1
    return {label: (row[0], row[1]) for label, row in sorted(counts.items())}


def describe_review_precision(precision: dict[str, tuple[int, int]]) -> str:
    """``MARKING 12 of 14 accepted (86%)``, one label after another; empty without any."""
    return "; ".join(
        f"{label} {ok} of {ok + no} accepted ({ok / (ok + no):.0%})"
        for label, (ok, no) in precision.items()
        if ok + no
    )


def _layer(project: Project, request: TrainingRequest) -> tuple[set[str], str]:
    if request.gold:
        gold = project.find_annotator(GOLD_ANNOTATOR)
        if gold is None:
            raise TrainingDataError(
                "this project has no gold layer yet: adjudicate the disagreements first, or "
                "train on an annotator's annotations"
            )
        return {gold.id}, "the gold layer"
    if not request.annotators:  # the reader's own; not stored until they annotate
        current = project.find_annotator(project.current_annotator.name)
        return ({current.id} if current else set()), project.current_annotator.name
    names = request.annotators
    ids = set()
    for name in names:
        found = project.find_annotator(name)
        if found is None:
            known = ", ".join(a.name for a in project.annotators()) or "none"
            raise TrainingDataError(f"there is no annotator called '{name}' (annotators: {known})")
        ids.add(found.id)
    return ids, ", ".join(names)


def _label_set_labels(project: Project, request: TrainingRequest) -> set[str] | None:
    if request.label_set is None:
        return None
    label_set = project.label_set(request.label_set)
    if label_set.kind == LabelSetKind.LEGEND:
        raise TrainingDataError(
            f"'{label_set.name}' is the highlight legend, not a label set: choose a set of "
            "span or document labels"
        )
    return {label.name for label in label_set.labels}


def _in_label_set(request: TrainingRequest) -> str:
    return f" in the label set '{request.label_set}'" if request.label_set else ""


def _span_examples(document_id: str, text: str, spans: list[tuple[int, int, str]]) -> list[Example]:
    """Paragraph chunks of ``text`` up to the last span, each with the spans inside it."""
    last = max(end for _, end, _ in spans)
    made: list[Example] = []
    ordered = sorted(spans)
    for start, end in split_into_chunks(text, EXAMPLE_CHARS):
        if start >= last:
            break
        inside = tuple(
            (s - start, e - start, label) for s, e, label in ordered if start <= s and e <= end
        )
        made.append(Example(document_id, text[start:end], inside))
    return made


__all__ = [
    "EXAMPLE_CHARS",
    "HELD_OUT_SHARE",
    "MIN_PER_LABEL",
    "PROJECT_MODEL_NAME",
    "TRAINING_KINDS",
    "Example",
    "TrainingDataError",
    "TrainingKind",
    "TrainingRequest",
    "TrainingSet",
    "build_training_set",
    "describe_review_precision",
    "review_precision",
]
