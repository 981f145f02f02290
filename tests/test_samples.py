"""The sample reading's example annotations: one of each kind, made through the service."""

from __future__ import annotations

from annotator.core.model import AnnotationKind
from annotator.resources import readme_path, sample_reading_path
from annotator.samples import add_sample_reading, seed_sample_annotations


def test_seeding_makes_one_annotation_of_each_kind_and_a_link(project):
    document, is_new = project.add_document(sample_reading_path())
    assert is_new
    seeded = seed_sample_annotations(project, document)

    stored = {a.id: a for a in project.annotations(document.id)}
    assert set(stored) == {a.id for a in seeded.annotations()}
    assert len(stored) == 5
    text = project.text_of(document.id)
    for annotation in stored.values():
        assert text[annotation.start : annotation.end] == annotation.quote

    highlight = stored[seeded.highlight.id]
    assert highlight.kind == AnnotationKind.HIGHLIGHT
    assert highlight.color in {label.color for label in project.legend().labels}
    assert highlight.quote.startswith("Studies serve for delight")

    comment = stored[seeded.comment.id]
    assert comment.kind == AnnotationKind.COMMENT and "tasted" in comment.quote and comment.note

    symbol = stored[seeded.symbol.id]
    assert symbol.symbol in project.symbols()

    label = stored[seeded.label.id]
    assert label.kind == AnnotationKind.ENTITY
    assert label.label in {lb.name for s in project.label_sets() for lb in s.labels}

    summary = stored[seeded.summary.id]
    assert summary.kind == AnnotationKind.SUMMARY and summary.note
    assert summary.quote.startswith("## The essay") and summary.end == len(text)

    (link,) = project.links(document.id)
    assert link.id == seeded.link_id
    assert {link.from_annotation, link.to_annotation} == {label.id, highlight.id}
    assert [other.id for _, other in project.linked_annotations(highlight.id)] == [label.id]


def test_examples_are_the_current_annotators_and_undoable(project):
    document, _ = project.add_document(sample_reading_path())
    seeded = seed_sample_annotations(project, document)
    me = project.current_annotator.id
    assert {a.annotator_id for a in seeded.annotations()} == {me}
    project.delete_annotation(seeded.comment.id)
    assert len(project.annotations(document.id)) == 4
    project.restore_annotation(seeded.comment.id)
    assert len(project.annotations(document.id)) == 5


def test_seeding_leaves_an_annotated_document_alone(project):
    document, _ = project.add_document(sample_reading_path())
    project.annotate(document.id, 0, 5, note="mine")
    assert seed_sample_annotations(project, document).annotations() == []
    assert len(project.annotations(document.id)) == 1


def test_adding_the_sample_seeds_it_once(project):
    document, is_new = add_sample_reading(project)
    assert is_new and len(project.annotations(document.id)) == 5
    for annotation in project.annotations(document.id)[:2]:
        project.delete_annotation(annotation.id)
    again, is_new = add_sample_reading(project)
    assert again.id == document.id and not is_new
    assert len(project.annotations(document.id)) == 3  # the reader's deletions stand


def test_phrases_missing_from_a_text_are_skipped(project):
    document, _ = project.add_text("Another text", "Nothing of Bacon's here.\n")
    seeded = seed_sample_annotations(project, document)
    assert seeded.annotations() == [] and seeded.link_id is None


def test_the_readme_is_found_for_help_documentation():
    path = readme_path()
    assert path is not None and path.read_text(encoding="utf-8").startswith("# Annotator")
