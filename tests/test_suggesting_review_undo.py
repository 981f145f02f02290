"""Undoing a review from another session (``annotator review undo``): the history is the
stack. Reviews undone in the window are passed over; a review changed since is refused."""

from __future__ import annotations

import pytest

from annotator.core.errors import AnnotatorError
from annotator.core.model import AnnotationStatus
from annotator.project import Project
from annotator.suggesting.changes import undo_changes
from annotator.suggesting.review import accept, reject, undo_last_review

TEXT = "Ada met Bob in Leeds."


@pytest.fixture
def pending(project: Project) -> list[str]:
    document, _ = project.add_text("Letter", TEXT)
    return [
        project.annotate(
            document.id, TEXT.index(word), TEXT.index(word) + len(word), label="X",
            status="suggested", source="model@1",
        ).id
        for word in ("Ada", "Bob", "Leeds")
    ]  # fmt: skip


def statuses(project: Project, ids: list[str]) -> list[str]:
    return [project.annotation(i).status.value for i in ids]


def test_undo_takes_back_reviews_one_at_a_time_newest_first(project: Project, pending):
    accept(project, pending[:1])
    reject(project, pending[1:])
    assert undo_last_review(project).description == "Undo reject of 2 suggestions"
    assert statuses(project, pending) == ["accepted", "suggested", "suggested"]
    assert undo_last_review(project).description == "Undo accept of 1 suggestion"
    assert statuses(project, pending) == ["suggested"] * 3
    assert undo_last_review(project) is None


def test_a_review_the_window_undid_is_passed_over(project: Project, pending):
    accept(project, pending[:1])
    done_in_window = reject(project, pending[1:])
    undo_changes(project, done_in_window)  # the window's Ctrl+Z
    assert undo_last_review(project).description == "Undo accept of 1 suggestion"
    assert statuses(project, pending) == ["suggested"] * 3


def test_a_review_changed_since_is_refused_and_nothing_changes(project: Project, pending):
    reject(project, pending)
    accept(project, pending[:1])  # a rejected suggestion accepted after all
    project.delete_annotation(pending[2])  # and one of the rejected deleted
    assert undo_last_review(project).description == "Undo accept of 1 suggestion"
    assert statuses(project, pending[:2]) == ["rejected", "rejected"]
    with pytest.raises(AnnotatorError, match="partly changed since"):
        undo_last_review(project)
    assert statuses(project, pending[:2]) == ["rejected", "rejected"]
    assert project.find_annotation(pending[2]) is not None  # kept, still deleted
    assert len(project.annotations(statuses=[AnnotationStatus.REJECTED])) == 2
