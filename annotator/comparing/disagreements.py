"""The passages where annotators disagree, as the adjudication view lists them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from annotator.agreement import (
    Disagreement,
    disagreements,
)
from annotator.comparing.selection import (
    annotator_names,
    compared_kinds,
    default_documents,
)
from annotator.core.errors import Cancelled
from annotator.core.model import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    DocumentId,
    LabelSetKind,
)

if TYPE_CHECKING:
    from annotator.project import Project


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


#: A :class:`DisagreementRow` as a plain tuple, in its fields' order.
PlainRow = tuple[Any, ...]


class DisagreementRow(NamedTuple):
    """A disagreement as a list shows it: strings and numbers only.

    A corpus has tens of thousands of disagreements. Kept as plain tuples of strings
    (:meth:`plain`), the garbage collector stops tracking them, where a
    :class:`DisagreementView` is seven objects it walks on every full pass, and in a
    window's process each full pass stops the window. :func:`disagreement_at` gives the
    whole view back for one."""

    document_id: DocumentId
    start: int
    end: int
    quote: str
    kind: str
    document_title: str
    before: str
    after: str
    said: tuple[tuple[str, str], ...]  # (annotator, their reading in words)
    decision: str | None = None

    @classmethod
    def of(cls, view: DisagreementView) -> DisagreementRow:
        return cls(
            view.document_id, view.start, view.end, view.quote, view.kind,
            view.document_title, view.before, view.after, tuple(view.said.items()),
            view.decision,
        )  # fmt: skip

    @property
    def key(self) -> str:
        return passage_key(self.document_id, self.start, self.end)

    def plain(self) -> PlainRow:
        """The row as a plain tuple (``DisagreementRow._make`` gives it back): a plain tuple
        of strings and numbers is one the garbage collector stops tracking."""
        return tuple(self)

    def reading(self, name: str) -> str:
        """What ``name`` said here, in words ("" when they are not compared)."""
        return next((what for who, what in self.said if who == name), "")


def documents_for(
    project: Project,
    names: Sequence[str],
    documents: Sequence[str] | None,
    kinds: frozenset[AnnotationKind],
) -> list[DocumentId]:
    if documents is None:
        return default_documents(project, names, kinds=kinds)
    return [DocumentId(d) for d in dict.fromkeys(documents)]


def document_annotations(
    project: Project,
    names: Sequence[str],
    document_id: DocumentId,
    kinds: Collection[AnnotationKind] | None,
    labels: Collection[str] | None = None,
) -> dict[str, list[Annotation]]:
    """Each annotator's accepted, labelled annotations in one document, filtered as
    :func:`~annotator.comparing.selection.own_annotations` filters a whole project.

    Reading a corpus one document at a time keeps a thousand annotations alive instead of a
    million: the garbage collector's full passes then stay short, and so do the pauses they
    cause on the window's thread while a worker lists disagreements."""
    return {
        name: _usable(
            project.annotations(document_id, annotator=name, statuses=(AnnotationStatus.ACCEPTED,)),
            kinds,
            labels,
        )
        for name in names
    }


def label_set_restriction(
    project: Project, label_set: str | None
) -> tuple[set[str] | None, LabelSetKind | None]:
    """The labels and the kind of annotation a named label set restricts a comparison to
    (None, None without one)."""
    if label_set is None:
        return None, None
    chosen = project.label_set(label_set)
    return {x.name for x in chosen.labels}, chosen.kind


def list_disagreements(
    project: Project,
    annotators: Sequence[str],
    documents: Sequence[str] | None = None,
    *,
    label_set: str | None = None,
    kinds: Collection[AnnotationKind | str] | None = None,
    context: int = 40,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[DisagreementView]:
    """The passages where ``annotators`` differ, in reading order, with ``context``
    characters either side and each annotator's reading in words ("PER 'Ada'", "nothing").

    Entities by default (``kinds`` or a ``label_set`` to choose others). Read one document
    at a time: ``progress(done, total)`` is called after each and ``cancel()`` polled there
    (True stops with :class:`~annotator.core.errors.Cancelled`)."""
    names = annotator_names(project, annotators)
    labels, set_kind = label_set_restriction(project, label_set)
    wanted = compared_kinds("span", kinds, set_kind)
    if len(names) < 2:
        return []
    document_ids = documents_for(project, names, documents, wanted)
    views: list[DisagreementView] = []
    for done, document_id in enumerate(document_ids):
        if cancel is not None and cancel():
            raise Cancelled("listing disagreements")
        document = project.document(document_id)
        by_annotator = document_annotations(project, names, document_id, wanted, labels)
        found = disagreements(
            by_annotator, {document_id}, texts={document_id: document.text}, kinds=None
        )
        found.sort(key=lambda d: (d.start, d.end))
        views.extend(_view(project, item, document, context) for item in found)
        if progress is not None:
            progress(done + 1, len(document_ids))
    return views


def disagreement_at(
    project: Project,
    annotators: Sequence[str],
    document_id: str,
    start: int,
    end: int,
    *,
    label_set: str | None = None,
    context: int = 40,
) -> DisagreementView | None:
    """The disagreement on ``[start, end)`` of a document as it stands now (its readings,
    to adjudicate it), None when the annotators no longer disagree there.

    Reads only the annotations in that range: a passage is the union of annotations that
    overlap one another, so every one of them lies inside it."""
    names = annotator_names(project, annotators)
    labels, set_kind = label_set_restriction(project, label_set)
    wanted = compared_kinds("span", None, set_kind)
    if len(names) < 2:
        return None
    document = project.document(document_id)
    by_annotator = {
        name: _usable(
            project.annotations_in_range(
                document_id, start, end, annotator=name, statuses=(AnnotationStatus.ACCEPTED,)
            ),
            wanted,
            labels,
        )
        for name in names
    }
    found = disagreements(
        by_annotator, {document.id}, texts={document.id: document.text}, kinds=None
    )
    item = next((d for d in found if (d.start, d.end) == (start, end)), None)
    return None if item is None else _view(project, item, document, context)


def _usable(
    annotations: Sequence[Annotation],
    kinds: Collection[AnnotationKind] | None,
    labels: Collection[str] | None,
) -> list[Annotation]:
    return [
        a
        for a in annotations
        if a.label is not None
        and (kinds is None or a.kind in kinds)
        and (labels is None or a.label in labels)
    ]


def _view(
    project: Project, item: Disagreement, document: Document, context: int
) -> DisagreementView:
    text = document.text
    return DisagreementView(
        disagreement=item,
        document_title=document.title,
        before=text[max(0, item.start - context) : item.start],
        after=text[item.end : item.end + context],
        said={str(name): item.said(name) for name in item.readings},
        decision=current_choice(project, passage_key(item.document_id, item.start, item.end)),
    )


def decision_stack(project: Project, key: str) -> list[dict[str, Any]]:
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


def current_choice(project: Project, key: str) -> str | None:
    stack = decision_stack(project, key)
    return str(stack[-1]["after"]["choice"]) if stack else None
