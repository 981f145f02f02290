"""The service: the operations the GUI, the CLI and the tests share."""

from __future__ import annotations

import shutil

import pytest

from annotator.core.errors import AnnotatorError, NotFoundError, SpanError
from annotator.core.model import AnnotationKind, AnnotationStatus
from annotator.project import Project, default_project_path
from annotator.resources import sample_reading_path


def test_adding_the_same_file_twice_gives_one_document(project):
    first, new_first = project.add_document(sample_reading_path())
    second, new_second = project.add_document(sample_reading_path())
    assert (new_first, new_second) == (True, False)
    assert first.id == second.id
    assert len(project.documents()) == 1


def test_a_moved_file_is_recognised_by_its_hash(project, tmp_path):
    original = tmp_path / "reading.md"
    shutil.copy(sample_reading_path(), original)
    document, _ = project.add_document(original)
    moved = tmp_path / "elsewhere" / "renamed.md"
    moved.parent.mkdir()
    original.rename(moved)
    again, new = project.add_document(moved)
    assert not new and again.id == document.id
    assert project.document(document.id).path == str(moved.resolve())


def test_annotation_keeps_its_quote_and_context(project, sample_document):
    text = sample_document.text
    start = text.index("Some books are to be tasted")
    end = start + len("Some books are to be tasted")
    annotation = project.annotate(sample_document.id, start, end, note="famous line")
    assert annotation.kind is AnnotationKind.COMMENT
    assert annotation.quote == "Some books are to be tasted"
    assert annotation.prefix == text[start - 32 : start]
    assert project.annotations(sample_document.id) == [annotation]


def test_kind_follows_what_the_reader_gave(project, sample_document):
    assert project.annotate(sample_document.id, 0, 5).kind is AnnotationKind.HIGHLIGHT
    assert project.annotate(sample_document.id, 0, 5, label="Term").kind is AnnotationKind.ENTITY
    summary = project.annotate(sample_document.id, 0, 0, kind="summary", note="About reading")
    assert summary.kind is AnnotationKind.SUMMARY


@pytest.mark.parametrize(("start", "end"), [(-1, 4), (10, 5), (0, 10**7), (3, 3)])
def test_bad_offsets_are_refused_and_nothing_is_written(project, sample_document, start, end):
    with pytest.raises(SpanError):
        project.annotate(sample_document.id, start, end)
    assert project.annotations(sample_document.id) == []


def test_unknown_document_is_named_in_the_error(project):
    with pytest.raises(NotFoundError, match="no-such-id"):
        project.annotate("no-such-id", 0, 1)


def test_edit_moves_the_span_and_rereads_the_quote(project, sample_document):
    annotation = project.annotate(sample_document.id, 2, 4)
    edited = project.update_annotation(annotation.id, end=12, note="title")
    assert edited.quote == sample_document.text[2:12]
    assert edited.note == "title"
    assert project.annotation(annotation.id) == edited


def test_delete_is_soft_and_restore_brings_it_back(project, sample_document):
    annotation = project.annotate(sample_document.id, 2, 12)
    project.delete_annotation(annotation.id)
    assert project.annotations(sample_document.id) == []
    project.restore_annotation(annotation.id)
    assert project.annotations(sample_document.id) == [annotation]


def test_every_change_is_in_the_history_with_who_did_it(project, sample_document):
    project.switch_annotator("alice")
    annotation = project.annotate(sample_document.id, 2, 12)
    project.update_annotation(annotation.id, note="changed")
    project.delete_annotation(annotation.id)
    entries = project.history(annotation.id)
    assert [e["action"] for e in entries] == ["add", "edit", "delete"]
    assert {e["actor"] for e in entries} == {"alice"}
    assert entries[1]["before"]["note"] == "" and entries[1]["after"]["note"] == "changed"


def test_links_are_found_from_both_ends(project, sample_document):
    a = project.annotate(sample_document.id, 2, 12)
    b = project.annotate(sample_document.id, 100, 120)
    link = project.link(a.id, b.id)
    assert [other.id for _, other in project.linked_annotations(a.id)] == [b.id]
    assert [other.id for _, other in project.linked_annotations(b.id)] == [a.id]
    assert project.link(b.id, a.id) == link  # no duplicate in the other direction
    project.unlink(link.id)
    assert project.linked_annotations(a.id) == []


def test_annotation_cannot_link_to_itself(project, sample_document):
    a = project.annotate(sample_document.id, 2, 12)
    with pytest.raises(AnnotatorError, match="itself"):
        project.link(a.id, a.id)


def test_new_project_has_a_legend_symbols_and_label_sets(project):
    legend = project.legend()
    assert [label.name for label in legend.labels][:3] == ["definition", "question", "disagreement"]
    assert project.symbols() == ["?", "!", "*"]
    assert {s.name for s in project.label_sets()} >= {"Close reading", "Named entities"}


def test_label_set_with_duplicate_keys_is_refused(project):
    import dataclasses

    close = project.label_set("Close reading")
    broken = dataclasses.replace(
        close, labels=(*close.labels, dataclasses.replace(close.labels[0], name="Other"))
    )
    with pytest.raises(AnnotatorError, match="both use the key"):
        project.save_label_set(broken)


def test_annotations_belong_to_the_current_annotator(project, sample_document):
    project.switch_annotator("alice")
    a = project.annotate(sample_document.id, 2, 12)
    project.switch_annotator("bob")
    b = project.annotate(sample_document.id, 2, 12)
    assert a.annotator_id != b.annotator_id
    assert project.annotations(sample_document.id, annotator="alice") == [a]


def test_suggestions_are_not_listed_as_the_readers_annotations(project, sample_document):
    project.annotate(sample_document.id, 2, 12, status=AnnotationStatus.SUGGESTED, label="PERSON")
    assert project.annotations(sample_document.id) == []
    assert project.documents()[0].suggestions == 1


def test_events_announce_changes(project, sample_document):
    seen = []
    project.events.annotation_added.connect(lambda a: seen.append(("added", a.id)))
    project.events.annotation_removed.connect(lambda a: seen.append(("removed", a.id)))
    a = project.annotate(sample_document.id, 2, 12)
    project.delete_annotation(a.id)
    assert seen == [("added", a.id), ("removed", a.id)]


def test_project_survives_reopening(tmp_path):
    path = tmp_path / "p.annotator"
    with Project(path) as first:
        document, _ = first.add_document(sample_reading_path())
        annotation = first.annotate(document.id, 2, 12, note="kept")
    with Project(path) as second:
        assert second.annotations(document.id) == [annotation]


def test_default_project_lives_in_the_user_data_folder(_fresh_user_dirs):
    assert str(default_project_path()).startswith(str(_fresh_user_dirs))


def test_two_connections_creating_the_same_annotator_agree_on_one(tmp_path):
    path = tmp_path / "shared.annotator"
    with Project(path) as first, Project(path) as second:
        first_id = first._ensure_current_saved()
        second_id = second._ensure_current_saved()
        assert first_id == second_id
        assert [a.name for a in second.annotators()] == ["me"]
