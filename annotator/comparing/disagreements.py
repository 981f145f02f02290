"""The passages where annotators disagree, as the adjudication view lists them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotator.agreement import (
    Disagreement,
    disagreements,
)
from annotator.comparing.selection import (
    annotator_names,
    compared_kinds,
    default_documents,
    own_annotations,
)
from annotator.core.model import (
    AnnotationKind,
    DocumentId,
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


def documents_for(
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
    names = annotator_names(project, annotators)
    labels = None
    set_kind = None
    if label_set is not None:
        chosen = project.label_set(label_set)
        labels, set_kind = {x.name for x in chosen.labels}, chosen.kind
    wanted = compared_kinds("span", kinds, set_kind)
    if len(names) < 2:
        return []
    document_ids = documents_for(project, names, documents, wanted)
    docs = {d: project.document(d) for d in document_ids}
    by_annotator = own_annotations(project, names, wanted, labels)
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
                decision=current_choice(
                    project, passage_key(item.document_id, item.start, item.end)
                ),
            )
        )
    return views


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
