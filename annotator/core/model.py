"""The things a reader works with: documents, annotations, labels, annotators, links.

All are immutable dataclasses; the store hands them out and the service replaces them
(``dataclasses.replace``) when something changes. Ids are UUID strings so that projects made
by different annotators on different machines merge without conflicts.
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NewType

DocumentId = NewType("DocumentId", str)
AnnotationId = NewType("AnnotationId", str)
AnnotatorId = NewType("AnnotatorId", str)
LabelSetId = NewType("LabelSetId", str)
LinkId = NewType("LinkId", str)


def new_id() -> str:
    """A fresh random UUID4 string, the key of every stored record."""
    return str(uuid.uuid4())


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string with milliseconds (sortable as text)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class DocumentKind(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    PDF = "pdf"
    EPUB = "epub"


class AnnotationKind(StrEnum):
    """What an annotation is for; colour, label, symbol and note are independent fields."""

    HIGHLIGHT = "highlight"  # a coloured passage, possibly with a symbol
    COMMENT = "comment"  # a passage with a note shown in the margin
    ENTITY = "entity"  # a labelled span (named entity or close-reading tag)
    SENTIMENT = "sentiment"  # a sentence-level sentiment label
    DOC_LABEL = "doc_label"  # a label on the whole document
    SUMMARY = "summary"  # the reader's own summary of a section or of the whole document


class AnnotationStatus(StrEnum):
    SUGGESTED = "suggested"  # proposed by a model, not yet reviewed
    ACCEPTED = "accepted"  # the annotator's own (manual ones are accepted from the start)
    REJECTED = "rejected"  # a suggestion the annotator turned down; remembered, never re-suggested
    ORPHANED = "orphaned"  # its passage could not be found again after the text changed


class LabelSetKind(StrEnum):
    SPAN = "span"
    SENTENCE = "sentence"
    DOCUMENT = "document"
    LEGEND = "legend"  # highlight colours and the meaning the reader gives them


@dataclass(frozen=True, slots=True)
class Document:
    """A reading: its canonical text (what offsets count in) and where it came from.

    ``sha256`` identifies the file's bytes (a moved file is found again by it);
    ``text_sha256`` identifies the canonical text that annotations are anchored in.
    ``page_map`` gives, for paged documents, the ``(start, end)`` text range of each page.
    """

    id: DocumentId
    title: str
    path: str
    sha256: str
    text_sha256: str
    kind: DocumentKind
    text: str
    encoding: str = "utf-8"
    page_map: tuple[tuple[int, int], ...] = ()
    added: str = field(default_factory=utc_now)

    # Derived from page_map once, so page_of is a bisect, not a rebuild per call (exports
    # ask it for every one of 100,000 annotations).
    page_starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "page_starts", tuple(start for start, _ in self.page_map))

    def page_of(self, offset: int) -> int | None:
        """0-based page holding ``offset``, or None for unpaged documents."""
        if not self.page_starts:
            return None
        return max(0, bisect_right(self.page_starts, offset) - 1)


@dataclass(frozen=True, slots=True)
class Annotator:
    id: AnnotatorId
    name: str
    color: str = "#4a90d9"


@dataclass(frozen=True, slots=True)
class Label:
    """One label of a set: a name, the colour it is drawn in, its shortcut key, its meaning."""

    name: str
    color: str = "#ffd54f"
    key: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class LabelSet:
    id: LabelSetId
    name: str
    kind: LabelSetKind
    labels: tuple[Label, ...] = ()

    def label(self, name: str) -> Label | None:
        return next((label for label in self.labels if label.name == name), None)


@dataclass(frozen=True, slots=True)
class Annotation:
    """A span of a document's canonical text and what the reader said about it.

    ``start``/``end`` are Python code-point offsets, end exclusive. ``quote``, ``prefix`` and
    ``suffix`` form the quote selector that lets the span be found again if the text changes.
    Document-level annotations (summaries of the whole reading, document labels) use 0, 0.
    """

    id: AnnotationId
    document_id: DocumentId
    annotator_id: AnnotatorId
    kind: AnnotationKind
    start: int
    end: int
    quote: str = ""
    prefix: str = ""
    suffix: str = ""
    label: str | None = None
    color: str | None = None
    symbol: str | None = None
    note: str = ""
    source: str = "manual"
    status: AnnotationStatus = AnnotationStatus.ACCEPTED
    score: float | None = None
    page: int | None = None
    rect: tuple[float, float, float, float] | None = None
    created: str = field(default_factory=utc_now)
    modified: str = field(default_factory=utc_now)

    @property
    def length(self) -> int:
        return self.end - self.start

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True, slots=True)
class Link:
    """A directed "connects to" link between two annotations, navigable both ways."""

    id: LinkId
    from_annotation: AnnotationId
    to_annotation: AnnotationId
    kind: str = "connects"
    note: str = ""
    created: str = field(default_factory=utc_now)


@dataclass(frozen=True, slots=True)
class ImportChanges:
    """What one import wrote, so that it can be taken back and done again as one step.

    ``replaced`` pairs each annotation the import updated with its version before.
    """

    documents: tuple[DocumentId, ...] = ()
    annotations: tuple[AnnotationId, ...] = ()
    replaced: tuple[tuple[Annotation, Annotation], ...] = ()
    links: tuple[LinkId, ...] = ()
    label_sets: tuple[LabelSet, ...] = ()

    def __bool__(self) -> bool:
        return bool(
            self.documents or self.annotations or self.replaced or self.links or self.label_sets
        )


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What an import will write, worked out and checked before anything is written.

    An importer (a format's parser plus the matching against the project) builds it; the
    service writes it as one action. ``replaced`` pairs each stored annotation the import
    updates with its new version; ``format`` and ``origin`` (the file) go into the history.
    """

    format: str
    origin: str = ""
    documents: tuple[Document, ...] = ()
    annotators: tuple[Annotator, ...] = ()
    label_sets: tuple[LabelSet, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    replaced: tuple[tuple[Annotation, Annotation], ...] = ()
    links: tuple[Link, ...] = ()


_ANNOTATION_FIELDS = tuple(f.name for f in fields(Annotation))


def annotation_to_json(a: Annotation) -> dict[str, Any]:
    """An annotation as plain JSON: the form of history entries, merge fingerprints and the
    native export's records.

    Field by field, in the dataclass's order (what ``dataclasses.asdict`` gives, without its
    recursive deep copy: 120 µs an annotation, most of a bulk action's history records)."""
    data = {name: getattr(a, name) for name in _ANNOTATION_FIELDS}
    data["kind"] = a.kind.value
    data["status"] = a.status.value
    data["rect"] = list(a.rect) if a.rect is not None else None
    return data
