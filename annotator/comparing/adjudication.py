"""Adjudication into the gold layer: decisions per passage, undo, agreed passages, progress.

The gold layer is the layer of the reserved annotator ``"gold"``; a decision is an entry of
the project's history (action ``"adjudicate"``, entity ``"passage"``), so deciding a
passage again replaces the earlier decision and :func:`undo_adjudication` puts it back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotator.agreement import (
    Disagreement,
    Reading,
    disagreements,
)
from annotator.agreement.results import plural
from annotator.comparing.disagreements import (
    DisagreementView,
    decision_stack,
    document_annotations,
    documents_for,
    label_set_restriction,
    passage_key,
)
from annotator.comparing.selection import (
    GOLD_ANNOTATOR,
    annotator_names,
    compared_kinds,
    own_annotations,
)
from annotator.core.errors import AnnotatorError, Cancelled
from annotator.core.model import (
    Annotation,
    AnnotationId,
    AnnotationKind,
    AnnotationStatus,
    DocumentId,
    annotation_to_json,
)

if TYPE_CHECKING:
    from annotator.project import Project


Choice = str  # "A", "B", "both", "neither", "edit", or an annotator's name
CHOICES = ("A", "B", "both", "neither", "edit")


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


def current_decision(project: Project, passage: Disagreement | DisagreementView) -> Decision | None:
    """The gold decision in force for a passage, or None if it is undecided."""
    stack = decision_stack(project, _key_of(passage))
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
    previous = decision_stack(project, key)
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
    stack = decision_stack(project, key)
    return _decision_from(stack[-1])


def undo_adjudication(
    project: Project, passage: Decision | Disagreement | DisagreementView | str
) -> Decision | None:
    """Take back the decision in force for a passage (or the given decision): remove what it
    wrote to gold and restore what it replaced. Returns the undone decision, None if the
    passage had none. Undoing again goes one decision further back."""
    key = passage.key if isinstance(passage, Decision) else _key_of(passage)
    stack = decision_stack(project, key)
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
    labels: Collection[str] | None = None,
) -> tuple[list[Annotation], list[Disagreement]]:
    """Annotations (of the first annotator) that every other annotator marked identically and
    that lie outside every disagreement passage; and the disagreements. ``labels``: only
    these (a label set's), as the disagreements list compares them."""
    by_annotator = own_annotations(project, names, kinds, labels)
    return _agreed_in(by_annotator, names, set(document_ids))


def _agreed_in(
    by_annotator: Mapping[str, Sequence[Annotation]],
    names: Sequence[str],
    wanted: Collection[DocumentId],
) -> tuple[list[Annotation], list[Disagreement]]:
    """:func:`_agreed_spans` over annotations already read."""
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
    label_set: str | None = None,
) -> Decision:
    """Copy every passage all ``annotators`` marked identically into the gold layer, in one
    action; those already in gold are skipped, so running it twice adds nothing. Returns the
    decision (``undo_adjudication(project, decision)`` takes it back). With ``label_set``,
    only its labels (and its kind of annotation), as :func:`list_disagreements` takes them."""
    names = annotator_names(project, annotators)
    if len(names) < 2:
        raise AnnotatorError("accepting agreed passages needs at least two annotators")
    labels, set_kind = label_set_restriction(project, label_set)
    wanted = compared_kinds("span", kinds, set_kind)
    document_ids = documents_for(project, names, documents, wanted)
    agreed, _ = _agreed_spans(project, names, document_ids, wanted, labels)
    in_gold = {(a.document_id, a.start, a.end, a.label) for a in gold_annotations(project)}
    decider = project.current_annotator.name
    source = f"agreed, accepted by {decider}"
    new: list[Annotation] = []
    texts: dict[DocumentId, str] = {}
    for a in agreed:  # one each (agreed passages are distinct), of the agreed one's kind
        if (a.document_id, a.start, a.end, a.label) in in_gold:
            continue
        if a.document_id not in texts:
            texts[a.document_id] = project.document(a.document_id).text
        new.append(
            project.build_annotation(
                a.document_id, a.start, a.end, kind=a.kind, label=a.label or "",
                annotator=GOLD_ANNOTATOR, source=source, text=texts[a.document_id],
            )
        )  # fmt: skip
    # Unique per action (it was the length of the whole history: a million rows read and
    # decoded, on a large project, to make a name).
    key = f"agreed:{','.join(names)}:{uuid.uuid4().hex}"
    with project.edit() as edit:
        edit.insert_annotations(new)
        edit.record_all(("add", "annotation", a.id, None, annotation_to_json(a)) for a in new)
        edit.record(
            "adjudicate", "passage", key,
            after={"choice": "agreed", "annotators": names, "written": [a.id for a in new],
                   "replaced": [], "document": None, "start": None, "end": None},
        )  # fmt: skip
    project.events.annotations_reset.emit(None)
    return _decision_from(decision_stack(project, key)[-1])


def adjudication_progress(
    project: Project,
    annotators: Sequence[str],
    documents: Sequence[str] | None = None,
    *,
    kinds: Collection[AnnotationKind | str] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> AdjudicationProgress:
    """How many of the current disagreements have a gold decision, and how many agreed
    passages are already in the gold layer.

    Counted one document at a time (a corpus has millions of annotations: holding them all
    makes the garbage collector pause every thread); ``cancel()`` is polled between
    documents and True stops with :class:`~annotator.core.errors.Cancelled`."""
    names = annotator_names(project, annotators)
    if len(names) < 2:
        return AdjudicationProgress(0, 0, 0, 0)
    wanted = compared_kinds("span", kinds, None)
    document_ids = documents_for(project, names, documents, wanted)
    decided = total = agreed_in_gold = agreed_total = 0
    for document_id in document_ids:
        if cancel is not None and cancel():
            raise Cancelled("counting adjudication decisions")
        by_annotator = document_annotations(project, names, document_id, wanted)
        agreed, found = _agreed_in(by_annotator, names, {document_id})
        total += len(found)
        decided += sum(
            1 for d in found if decision_stack(project, passage_key(d.document_id, d.start, d.end))
        )
        if agreed:
            in_gold = {
                (a.document_id, a.start, a.end, a.label)
                for a in gold_annotations(project, document_id)
            }
            agreed_in_gold += sum(
                1 for a in agreed if (a.document_id, a.start, a.end, a.label) in in_gold
            )
        agreed_total += len(agreed)
    return AdjudicationProgress(decided, total, agreed_in_gold, agreed_total)
