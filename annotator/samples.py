"""The bundled sample reading and the example annotations a new reader finds on it.

Qt-free: the app calls :func:`add_sample_reading` when a project has nothing to read yet (and
the welcome dialog when the reader asks for the sample), the tests call it directly. The
examples are ordinary annotations made through :class:`annotator.project.Project`, so they can
be edited, deleted and undone like the reader's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annotator.core.model import Annotation, AnnotationKind, Document
from annotator.project import Project
from annotator.resources import sample_reading_path

# The legend colour and the close-reading label the examples use (both seeded into every new
# project from resources/labelsets/defaults.json); fallbacks keep the examples if a project's
# legend was edited.
LEGEND_MEANING = "key point"
FALLBACK_COLOR = "#a6e3a1"
LABEL = "Argument"  # "Close reading" set; blue, apart from the green highlight


@dataclass(frozen=True, slots=True)
class SampleAnnotations:
    """What :func:`seed_sample_annotations` made, by role (None: its passage was not found)."""

    highlight: Annotation | None = None
    comment: Annotation | None = None
    symbol: Annotation | None = None
    label: Annotation | None = None
    summary: Annotation | None = None
    link_id: str | None = None

    def annotations(self) -> list[Annotation]:
        return [
            a
            for a in (self.highlight, self.comment, self.symbol, self.label, self.summary)
            if a is not None
        ]


def add_sample_reading(project: Project) -> tuple[Document, bool]:
    """Add the sample reading; when it is new to the project, seed the example annotations.

    Returns the document and whether it was new. Adding it again (or after the reader deleted
    the examples) adds nothing: the examples are only a first run's welcome.
    """
    document, is_new = project.add_document(sample_reading_path())
    if is_new:
        seed_sample_annotations(project, document)
    return document, is_new


def seed_sample_annotations(project: Project, document: Document) -> SampleAnnotations:
    """Annotate the sample the way a reader might: one of each kind of annotation, and a link.

    A highlight in a legend colour, a margin comment, a symbol, a close-reading label, a
    summary of the essay's section, and a link between two of them. Nothing is added to a
    document that already has annotations; a phrase that is not in the text is skipped.
    """
    if project.annotations(document.id):
        return SampleAnnotations()
    text = project.text_of(document.id)

    def span(phrase: str) -> tuple[int, int] | None:
        start = text.find(phrase)
        return None if start < 0 else (start, start + len(phrase))

    def annotate(phrase: str, **fields: Any) -> Annotation | None:
        found = span(phrase)
        if found is None:
            return None
        return project.annotate(document.id, *found, **fields)

    legend = project.legend().label(LEGEND_MEANING)
    highlight = annotate(
        "Studies serve for delight, for ornament, and for ability.",
        kind=AnnotationKind.HIGHLIGHT,
        color=legend.color if legend else FALLBACK_COLOR,
    )
    comment = annotate(
        "Some books are to be tasted, others to be swallowed, and some few to be chewed "
        "and digested",
        kind=AnnotationKind.COMMENT,
        note="Reading as eating: how deeply you read should depend on the book. "
        "Which books would I chew and digest?",
    )
    symbol = annotate(
        "Bowling is good for the stone and reins",
        kind=AnnotationKind.HIGHLIGHT,
        symbol="?",
    )
    has_label = any(
        label.name == LABEL for label_set in project.label_sets() for label in label_set.labels
    )
    label = annotate(
        "Reading maketh a full man; conference a ready man; and writing an exact man.",
        kind=AnnotationKind.ENTITY,
        label=LABEL if has_label else None,
    )
    summary = None
    section = _section(text, "## The essay")
    if section is not None:
        summary = project.annotate(
            document.id,
            *section,
            kind=AnnotationKind.SUMMARY,
            note="Study for pleasure, for conversation and for judgement, but test it against "
            "experience; read each book as deeply as it deserves; every subject trains a "
            "different habit of mind.",
        )
    link_id = None
    if highlight is not None and label is not None:
        link_id = project.link(
            label.id,
            highlight.id,
            note="The three uses of study come back as three activities: "
            "reading, conference and writing.",
        ).id
    return SampleAnnotations(highlight, comment, symbol, label, summary, link_id)


def _section(text: str, heading: str) -> tuple[int, int] | None:
    """The Markdown section that starts at ``heading``: to the next heading of its level or
    higher, else to the end (the range the reader's "Summarise Section" uses)."""
    start = text.find(heading + "\n")
    if start < 0:
        return None
    level = len(heading) - len(heading.lstrip("#"))
    end = len(text)
    offset = start + len(heading) + 1
    for line in text[offset:].splitlines(keepends=True):
        stripped = line.lstrip("#")
        if line.startswith("#") and len(line) - len(stripped) <= level and stripped[:1] == " ":
            end = offset
            break
        offset += len(line)
    return start, end


__all__ = ["SampleAnnotations", "add_sample_reading", "seed_sample_annotations"]
