"""Re-anchoring: the pure algorithm, the service that swaps a document's file, orphans,
re-attaching, another copy of the reading, and the ``reanchor`` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.errors import SpanError
from annotator.core.model import AnnotationStatus
from annotator.core.reanchor import Anchor, Method, Orphaned, Placed, Reanchorer, reanchor
from annotator.core.spans import make_selector
from annotator.project import Project
from annotator.reanchoring import (
    attach_to_copy,
    check_for_changes,
    orphans,
    reanchor_document,
    reattach,
)
from annotator.store.backups import list_backups

ESSAY = (
    "Of Studies.\n\n"
    "Studies serve for delight, for ornament, and for ability. Their chief use for delight "
    "is in privateness and retiring; for ornament, is in discourse; and for ability, is in "
    "the judgment and disposition of business.\n\n"
    "Some books are to be tasted, others to be swallowed 🙂, and some few to be chewed and "
    "digested; that is, some books are to be read only in parts; others to be read, but not "
    "curiously; and some few to be read wholly, and with diligence and attention.\n\n"
    "Reading maketh a full man; conference a ready man; and writing an exact man. The angle "
    "\U0001d6fd of the argument is small.\n\n"
    "Histories make men wise; poets witty; the mathematics subtle; natural philosophy deep; "
    "moral grave; logic and rhetoric able to contend. Abeunt studia in mores.\n"
)


def anchor_of(text: str, phrase: str, occurrence: int = 0) -> Anchor:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(phrase, start + 1)
    selector = make_selector(text, start, start + len(phrase))
    return Anchor(start, start + len(phrase), selector.exact, selector.prefix, selector.suffix)


def place(text: str, new: str, phrase: str, occurrence: int = 0, **kwargs) -> Placed | Orphaned:
    a = anchor_of(text, phrase, occurrence)
    return reanchor(a.start, a.end, a.quote, a.prefix, a.suffix, new, **kwargs)


# -- the algorithm ---------------------------------------------------------------------------


def test_reanchor_keeps_an_annotation_in_an_unchanged_text():
    result = place(ESSAY, ESSAY, "swallowed 🙂")
    assert isinstance(result, Placed)
    assert (result.moved, result.method, result.score) == (False, Method.EXACT, 1.0)


def test_reanchor_finds_quote_after_insertion():
    new = "A NEW PREFACE by the editor.\n\n" + ESSAY
    result = place(ESSAY, new, "a full man")
    assert isinstance(result, Placed) and result.moved
    assert new[result.start : result.end] == "a full man"
    assert result.method == Method.EXACT


def test_reanchor_chooses_the_repetition_whose_context_matches():
    # "some books are to be" occurs twice; the second one is annotated.
    new = ESSAY.replace("Of Studies.", "Of Studies, an essay.")
    result = place(ESSAY, new, "some few to be", occurrence=1)
    expected = new.index("some few to be", new.index("some few to be") + 1)
    assert isinstance(result, Placed) and result.start == expected


def test_reanchor_prefers_the_nearest_repetition_when_context_does_not_decide():
    text = "x " * 50 + "the same words here. " * 6 + "y " * 50
    a = anchor_of(text, "the same words here.", occurrence=3)
    changed = text.replace("x x", "z z", 1)  # an edit far away: context still identical
    result = Reanchorer(changed).place(a)
    assert isinstance(result, Placed) and result.start == a.start


def test_reanchor_tolerates_a_small_edit_inside_the_quote():
    new = ESSAY.replace("privateness and retiring", "privatenesse and retyring")
    result = place(ESSAY, new, "is in privateness and retiring; for ornament")
    assert isinstance(result, Placed) and result.method == Method.FUZZY
    assert new[result.start : result.end] == "is in privatenesse and retyring; for ornament"
    assert 0.8 <= result.score < 1


def test_reanchor_orphans_a_passage_that_was_rewritten():
    new = ESSAY.replace("Reading maketh a full man", "Books fill the mind entirely")
    result = place(ESSAY, new, "Reading maketh a full man")
    assert isinstance(result, Orphaned)
    assert 0 <= result.near <= len(new)


def test_reanchor_keeps_document_level_annotations_by_position():
    result = reanchor(0, 0, "", "", "", "another text altogether")
    assert result == Placed(0, 0, False, Method.POSITION, 1.0)


def test_reanchor_with_the_old_text_maps_positions_through_unchanged_lines():
    moved_first = (
        "Histories make men wise.\n" * 0
        + ESSAY.replace("Of Studies.\n\n", "")
        + ("\nAPPENDIX\n\nOf Studies.\n")
    )
    result = place(ESSAY, moved_first, "Abeunt studia in mores", old_text=ESSAY)
    assert isinstance(result, Placed)
    assert moved_first[result.start : result.end] == "Abeunt studia in mores"


def test_reanchorer_places_many_in_input_order():
    phrases = ["a full man", "Of Studies", "Abeunt studia"]
    new = "Preface.\n" + ESSAY
    results = Reanchorer(new).place_all(anchor_of(ESSAY, p) for p in phrases)
    assert [new[r.start : r.end] for r in results] == phrases  # type: ignore[union-attr]


# -- the service ----------------------------------------------------------------------------


@pytest.fixture
def edition(tmp_path: Path, project: Project):
    first = tmp_path / "essay.txt"
    first.write_text(ESSAY, encoding="utf-8")
    document, _ = project.add_document(first)
    notes = {
        "full": project.annotate(document.id, *_span("a ready man"), note="ready?").id,
        "typo": project.annotate(
            document.id, *_span("privateness and retiring; for ornament"), label="THEME"
        ).id,
        "gone": project.annotate(document.id, *_span("Reading maketh a full man"), note="key").id,
        "beta": project.annotate(document.id, *_span("\U0001d6fd of the argument")).id,
        "summary": project.annotate(document.id, 0, 0, kind="summary", note="On reading").id,
    }
    second = tmp_path / "essay-2nd-edition.txt"
    second.write_text(
        "Preface to the second edition.\n\n"
        + ESSAY.replace("privateness and retiring", "privatenesse and retyring").replace(
            "Reading maketh a full man", "Books fill the mind entirely"
        ),
        encoding="utf-8",
    )
    return project, document, notes, first, second


def _span(phrase: str) -> tuple[int, int]:
    start = ESSAY.index(phrase)
    return start, start + len(phrase)


def test_check_for_changes_notices_a_changed_and_a_missing_file(edition):
    project, document, _, first, _ = edition
    assert check_for_changes(project) == []
    first.write_text(ESSAY + "\nA new line.\n", encoding="utf-8")
    changes = check_for_changes(project)
    assert [(c.document_id, c.state) for c in changes] == [(document.id, "changed")]
    first.unlink()
    assert check_for_changes(project)[0].state == "missing"


def test_reanchor_document_places_moves_and_orphans_never_drops(edition):
    project, document, notes, _, second = edition
    report = reanchor_document(project, document.id, second)
    assert (report.placed, report.moved, report.orphaned) == (4, 3, 1)
    new = project.document(document.id)
    assert new.text == second.read_text(encoding="utf-8")
    assert new.path == str(second.resolve())
    full = project.annotation(notes["full"])
    assert new.text[full.start : full.end] == "a ready man" and full.note == "ready?"
    typo = project.annotation(notes["typo"])
    assert new.text[typo.start : typo.end] == "privatenesse and retyring; for ornament"
    assert typo.quote == "privatenesse and retyring; for ornament" and typo.label == "THEME"
    gone = project.annotation(notes["gone"])
    assert gone.status == AnnotationStatus.ORPHANED
    assert (gone.quote, gone.note) == ("Reading maketh a full man", "key")
    assert 0 <= gone.start == gone.end <= len(new.text)
    assert [a.id for a in orphans(project, document.id)] == [notes["gone"]]
    assert project.annotation(notes["summary"]).start == 0
    assert len(project.annotations(document.id)) == 5  # nothing dropped
    assert report.backup is not None and report.backup.exists()
    assert any(b.reason == "before-reanchor" for b in list_backups(project.path))


def test_reattach_puts_an_orphan_on_the_selected_passage(edition):
    project, document, notes, _, second = edition
    reanchor_document(project, document.id, second)
    text = project.document(document.id).text
    start = text.index("Books fill the mind")
    again = reattach(project, notes["gone"], start, start + len("Books fill the mind"))
    assert again.status == AnnotationStatus.ACCEPTED and again.quote == "Books fill the mind"
    assert again.note == "key" and orphans(project, document.id) == []
    with pytest.raises(SpanError):
        reattach(project, notes["gone"], 5, 3)


def test_reanchor_is_one_action_in_the_history(edition):
    project, document, notes, _, second = edition
    reanchor_document(project, document.id, second)
    entries = project.history(notes["gone"])
    assert entries[-1]["action"] == "reanchor"
    assert entries[-1]["before"]["status"] == "accepted"
    assert entries[-1]["after"]["status"] == "orphaned"


def test_unplaced_suggestions_are_set_aside_not_orphaned(edition):
    project, document, _, _, second = edition
    suggestion = project.annotate(
        document.id, *_span("Reading maketh"), label="X", status="suggested", source="model@1"
    )
    report = reanchor_document(project, document.id, second)
    assert report.set_aside == 1
    assert project.store.annotation(suggestion.id, include_deleted=True).status == "suggested"


def test_attach_to_copy_carries_annotations_to_another_copy(edition):
    project, document, notes, _, second = edition
    copy, report = attach_to_copy(project, document.id, second)
    assert copy.id != document.id
    assert (report.placed, report.orphaned) == (4, 1)
    copied = project.annotations(copy.id)
    assert len(copied) == 5 and {a.id for a in copied}.isdisjoint(notes.values())
    assert len(project.annotations(document.id)) == 5  # the original keeps its annotations
    _, again = attach_to_copy(project, document.id, copy.id)
    assert len(project.annotations(copy.id)) == 5 and again.placed == 0  # idempotent


def test_orphans_survive_a_native_export_and_import(edition, tmp_path):
    project, document, notes, _, second = edition
    reanchor_document(project, document.id, second)
    data = project.export_json()
    with Project(tmp_path / "other.annotator") as other:
        other.import_json(data)
        assert [a.id for a in orphans(other)] == [notes["gone"]]


def test_cli_reanchor_prints_counts(edition, capsys):
    project, document, _, _, second = edition
    path = project.path
    project.close()
    assert main(["--project", str(path), "reanchor", document.id, str(second)]) == 0
    out = capsys.readouterr().out
    assert "placed: 4" in out and "moved: 3" in out and "orphaned: 1" in out
    assert main(["--project", str(path), "reanchor", "no-such-id", str(second)]) == 1
