"""Suggestions as a reader works with them (annotator.suggesting): run, review, undo, label."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from annotator.core.errors import NotFoundError
from annotator.core.model import AnnotationKind, AnnotationStatus
from annotator.nlp.markup import has_words
from annotator.nlp.models import ModelNotFound, default_model_name, load_pipeline, model_source
from annotator.nlp.settings import SentimentConfig
from annotator.project import Project
from annotator.suggesting.changes import redo_changes, undo_changes
from annotator.suggesting.labelling import label_every_occurrence
from annotator.suggesting.review import (
    accept,
    accept_all,
    next_suggestion,
    pending_suggestions,
    reject,
    reject_all,
)
from annotator.suggesting.running import (
    announce_suggestions,
    driving_words,
    run_suggestions,
    sentiment_source,
)
from annotator.suggesting.snapping import snap_selection

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
GUIDE = SAMPLES / "guides-to-annotating-texts.txt"

RULER_TEXT = "🙂 Ada Lovelace wrote in London. Later, Ada Lovelace left London for 𝛽 town.\n"


def _ruler(patterns: list[tuple[str, str]]) -> Language:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": label, "pattern": text} for label, text in patterns])
    return nlp


@pytest.fixture
def ruler_nlp() -> Language:
    """A deterministic pipeline: a blank tokenizer plus an entity ruler."""
    return _ruler([("PERSON", "Ada Lovelace"), ("PLACE", "London"), ("SYMBOL", "𝛽")])


@pytest.fixture
def ruler_doc(project: Project):
    document, _ = project.add_text("ruler", RULER_TEXT)
    return document


def _keys(annotations) -> list[tuple[int, int, str | None]]:
    return [(a.start, a.end, a.label) for a in annotations]


@pytest.fixture(scope="module")
def guide_passage() -> str:
    if not GUIDE.exists():
        pytest.skip(f"sample readings not found at {SAMPLES}")
    text = GUIDE.read_text(encoding="utf-8")
    # A passage with emoji before its entities, so code-point offsets are exercised.
    start = text.index("I hope you have enjoyed reading this article.")
    return text[start : text.index("Discord", start) + 200]


# --- running the real model -------------------------------------------------------------------


def test_run_suggestions_stores_what_spacy_finds_on_a_sample_paragraph(project, guide_passage):
    document, _ = project.add_text("guide", guide_passage)
    full = spacy.load(default_model_name())  # every component enabled: spaCy's own answer
    # spaCy's answer, less spans of symbols only (an emoji tagged ORG is not an entity).
    expected = [
        (e.start_char, e.end_char, e.label_) for e in full(guide_passage).ents if has_words(e.text)
    ]
    assert expected

    report = run_suggestions(project, [document.id])

    stored = pending_suggestions(project, document.id)
    assert _keys(stored) == expected
    assert all(guide_passage[a.start : a.end] == a.quote for a in stored)
    assert any(ord(ch) > 0xFFFF for ch in guide_passage[: stored[-1].start])
    source = model_source(load_pipeline(None, purpose="entities"))
    assert {(a.kind, a.status, a.source) for a in stored} == {
        (AnnotationKind.ENTITY, AnnotationStatus.SUGGESTED, source)
    }
    assert (report.documents, report.suggestions, report.accepted) == (1, len(expected), 0)
    assert not project.annotations(document.id)  # suggestions are not the reader's own


def test_sentiment_run_suggests_each_sentence_with_its_words_and_a_document_label(project):
    text = "I love this wonderful book. The ending was terrible and boring. It has 300 pages."
    document, _ = project.add_text("review", text)

    report = run_suggestions(project, [document.id], kind="sentiment")

    sentences = pending_suggestions(project, document.id, kind=AnnotationKind.SENTIMENT)
    assert [(text[a.start : a.end], a.label) for a in sentences] == [
        ("I love this wonderful book.", "positive"),
        ("The ending was terrible and boring.", "negative"),
        ("It has 300 pages.", "neutral"),
    ]
    assert sentences[0].score > 0.5 > 0 > sentences[1].score
    assert "love" in sentences[0].note and "wonderful" in sentences[0].note
    assert "terrible" in sentences[1].note and sentences[2].note == ""
    [label] = pending_suggestions(project, document.id, kind=AnnotationKind.DOC_LABEL)
    assert (label.start, label.end, label.source) == (0, 0, sentiment_source())
    assert label.label in {"positive", "negative", "neutral", "mixed"}
    assert report.suggestions == 4


def test_the_words_that_drove_a_sentence_are_found_again_in_its_passage(project):
    text = "🙂 I love this wonderful book. The ending was terrible and not good at all."
    document, _ = project.add_text("review", text)
    run_suggestions(project, [document.id], kind="sentiment")
    sentences = pending_suggestions(project, document.id, kind=AnnotationKind.SENTIMENT)
    found = {text[s:e]: polarity for a in sentences for s, e, polarity in driving_words(a)}
    assert found["love"] > 0 and found["wonderful"] > 0
    assert found["terrible"] < 0 and found["good"] < 0  # "not good": negated in context
    [label] = pending_suggestions(project, document.id, kind=AnnotationKind.DOC_LABEL)
    assert driving_words(label) == []


def test_rerun_of_sentiment_does_not_bring_back_a_rejected_document_label(project):
    document, _ = project.add_text("review", "What a wonderful, delightful day.")
    run_suggestions(project, [document.id], kind="sentiment")
    [label] = pending_suggestions(project, document.id, kind=AnnotationKind.DOC_LABEL)
    reject(project, [label.id])
    run_suggestions(project, [document.id], kind="sentiment")
    assert not pending_suggestions(project, document.id, kind=AnnotationKind.DOC_LABEL)


def test_sentiment_uses_the_label_names_and_cut_points_the_project_keeps(project, tmp_path):
    text = "I love this wonderful book. The ending was terrible and boring. It has 300 pages."
    document, _ = project.add_text("review", text)
    config = SentimentConfig(
        positive_label="pos", negative_label="neg", neutral_label="meh", mixed_label="both"
    )
    project.set_sentiment_config(config)

    # Saved in the project file: another connection (the command line, a worker) sees it.
    with Project(project.path) as other:
        assert other.sentiment_config() == config
    sentiment_set = next(s for s in project.label_sets() if s.name == "Sentiment")
    assert [label.name for label in sentiment_set.labels] == ["pos", "neg", "meh", "both"]

    run_suggestions(project.path, [document.id], kind="sentiment")
    sentences = pending_suggestions(project, document.id, kind=AnnotationKind.SENTIMENT)
    assert [a.label for a in sentences] == ["pos", "neg", "meh"]
    [label] = pending_suggestions(project, document.id, kind=AnnotationKind.DOC_LABEL)
    assert label.label in config.labels

    # A stricter positive cut point makes the mild sentence neutral.
    project.set_sentiment_config(
        SentimentConfig(positive_threshold=0.99, **{k: v for k, v in config.to_json().items()
                                                    if k.endswith("_label")})
    )  # fmt: skip
    run_suggestions(project, [document.id], kind="sentiment")
    sentences = pending_suggestions(project, document.id, kind=AnnotationKind.SENTIMENT)
    assert [a.label for a in sentences] == ["meh", "neg", "meh"]


def test_sentiment_settings_that_do_not_fit_together_are_refused():
    with pytest.raises(ValueError, match="different names"):
        SentimentConfig(positive_label="same", negative_label="same")
    with pytest.raises(ValueError, match="needs a name"):
        SentimentConfig(mixed_label="  ")
    with pytest.raises(ValueError, match="negative cut point"):
        SentimentConfig(positive_threshold=-0.5, negative_threshold=0.5)
    with pytest.raises(TypeError, match="must be a number"):
        SentimentConfig.from_json({"positive_threshold": "high"})


def test_a_damaged_sentiment_setting_falls_back_to_the_defaults(project):
    project.store.set_setting("sentiment", {"positive_label": "x", "negative_label": "x"})
    assert project.sentiment_config() == SentimentConfig()
    project.store.set_setting("sentiment", "not a mapping")
    assert project.sentiment_config() == SentimentConfig()


def test_cancel_inside_a_long_document_keeps_what_was_read_and_leaves_the_rest(project, ruler_nlp):
    paragraph = "🙂 Ada Lovelace wrote in London.\n\n"
    document, _ = project.add_text("long", paragraph * 400)
    run_suggestions(project, [document.id], model=ruler_nlp, chunk_chars=600)
    before = pending_suggestions(project, document.id)
    assert len(before) == 800

    # A second model no longer finds places; cancelled a third of the way through.
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 15

    people_only = _ruler([("PERSON", "Ada Lovelace")])
    report = run_suggestions(
        project, [document.id], model=people_only, chunk_chars=600, cancel=cancel
    )
    assert report.cancelled
    [outcome] = report.outcomes
    assert not outcome.complete and 0 < outcome.covered < len(document.text)
    assert f"up to character {outcome.covered:,}" in report.summary()
    after = pending_suggestions(project, document.id)
    places = [a for a in after if a.label == "PLACE"]
    # Withdrawn where the new model read, untouched beyond it; people kept throughout.
    assert places and all(a.start >= outcome.covered for a in places)
    assert len([a for a in before if a.label == "PLACE" and a.end > outcome.covered]) == len(places)
    assert len([a for a in after if a.label == "PERSON"]) == 400


def test_missing_model_raises_with_install_hint_before_the_project_changes(project, ruler_doc):
    with pytest.raises(ModelNotFound, match="pip install"):
        run_suggestions(project, [ruler_doc.id], model="no_such_model_installed")
    assert not pending_suggestions(project, ruler_doc.id)


def test_unknown_document_is_reported_before_the_model_runs(project, ruler_nlp):
    with pytest.raises(NotFoundError, match="no-such-id"):
        run_suggestions(project, ["no-such-id"], model=ruler_nlp)


# --- re-running -------------------------------------------------------------------------------


def test_suggestion_offsets_are_code_points_after_emoji(project, ruler_doc, ruler_nlp):
    run_suggestions(project, [ruler_doc.id], model=ruler_nlp)
    stored = pending_suggestions(project, ruler_doc.id)
    assert [(RULER_TEXT[a.start : a.end], a.label) for a in stored] == [
        ("Ada Lovelace", "PERSON"),
        ("London", "PLACE"),
        ("Ada Lovelace", "PERSON"),
        ("London", "PLACE"),
        ("𝛽", "SYMBOL"),
    ]
    assert stored[0].start == 2  # 🙂 is one code point


def test_rerun_keeps_pending_suggestions_without_duplicating_them(project, ruler_doc, ruler_nlp):
    run_suggestions(project, [ruler_doc.id], model=ruler_nlp)
    first = pending_suggestions(project, ruler_doc.id)
    report = run_suggestions(project, [ruler_doc.id], model=ruler_nlp)
    again = pending_suggestions(project, ruler_doc.id)
    assert [a.id for a in again] == [a.id for a in first]
    assert (report.added, report.suggestions, report.removed) == (0, 5, 0)


def test_rerun_does_not_resurrect_rejected_suggestions(project, ruler_doc, ruler_nlp):
    run_suggestions(project, [ruler_doc.id], model=ruler_nlp)
    london = [a for a in pending_suggestions(project, ruler_doc.id) if a.label == "PLACE"]
    reject(project, [london[0].id])

    report = run_suggestions(project, [ruler_doc.id], model=ruler_nlp)

    assert (london[0].start, london[0].end, "PLACE") not in _keys(
        pending_suggestions(project, ruler_doc.id)
    )
    assert len(pending_suggestions(project, ruler_doc.id)) == 4
    assert report.skipped == 1
    # The same span with a different label is still suggested.
    other = _ruler([("CITY", "London")])
    run_suggestions(project, [ruler_doc.id], model=other)
    assert (london[0].start, london[0].end, "CITY") in _keys(
        pending_suggestions(project, ruler_doc.id)
    )


def test_rerun_skips_spans_the_annotator_already_labelled(project, ruler_doc, ruler_nlp):
    start = RULER_TEXT.index("London")
    project.annotate(ruler_doc.id, start, start + len("London"), label="CITY")
    report = run_suggestions(project, [ruler_doc.id], model=ruler_nlp)
    assert (start, start + 6) not in [(a.start, a.end) for a in pending_suggestions(project)]
    assert report.skipped == 1


def test_rerun_withdraws_pending_suggestions_the_model_no_longer_makes(project, ruler_doc):
    run_suggestions(project, [ruler_doc.id], model=_ruler([("PLACE", "London")]))
    report = run_suggestions(project, [ruler_doc.id], model=_ruler([("PERSON", "Ada Lovelace")]))
    assert {a.label for a in pending_suggestions(project, ruler_doc.id)} == {"PERSON"}
    assert report.removed == 2


def test_run_with_accept_stores_the_annotators_own_annotations(project, ruler_doc, ruler_nlp):
    report = run_suggestions(project, [ruler_doc.id], model=ruler_nlp, accept=True)
    own = project.annotations(ruler_doc.id)
    assert len(own) == report.accepted == 5
    assert {a.source for a in own} == {model_source(ruler_nlp)}
    assert not pending_suggestions(project, ruler_doc.id)
    # A second run finds every span labelled and adds nothing.
    assert run_suggestions(project, [ruler_doc.id], model=ruler_nlp, accept=True).accepted == 0


# --- progress, cancel, worker thread ----------------------------------------------------------


def test_progress_rises_to_the_total_and_cancel_keeps_finished_documents(project, ruler_nlp):
    ids = [project.add_text(f"doc {i}", RULER_TEXT * (i + 1))[0].id for i in range(4)]
    total = sum(len(RULER_TEXT) * (i + 1) for i in range(4))
    seen: list[tuple[int, int]] = []
    finished: list[str] = []

    report = run_suggestions(
        project, ids, model=ruler_nlp, batch_size=1,
        progress=lambda done, of: seen.append((done, of)),
        on_document=lambda outcome: finished.append(outcome.document_id),
        cancel=lambda: len(finished) >= 2,
    )  # fmt: skip

    assert report.cancelled and report.document_ids == ids[:2] == finished
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert {of for _, of in seen} == {total}
    assert pending_suggestions(project, ids[1]) and not pending_suggestions(project, ids[2])
    complete = run_suggestions(
        project, ids, model=ruler_nlp, progress=lambda d, t: seen.append((d, t))
    )
    assert not complete.cancelled and seen[-1] == (total, total)


def test_worker_thread_runs_on_the_project_path_with_its_own_connection(project, ruler_doc):
    nlp = _ruler([("PERSON", "Ada Lovelace")])
    reports = []
    worker = threading.Thread(
        target=lambda: reports.append(run_suggestions(project.path, model=nlp)), daemon=True
    )
    reset: list[object] = []
    project.events.annotations_reset.connect(reset.append)

    worker.start()
    worker.join(timeout=60)

    assert reports and reports[0].suggestions == 2
    assert len(pending_suggestions(project, ruler_doc.id)) == 2  # visible to the GUI's project
    announce_suggestions(project, reports[0].document_ids)
    assert reset == [ruler_doc.id]


# --- reviewing --------------------------------------------------------------------------------


def test_accept_makes_the_suggestion_the_current_annotators_and_undo_restores_it(
    project, ruler_doc, ruler_nlp
):
    run_suggestions(project, [ruler_doc.id], model=ruler_nlp)
    suggestion = pending_suggestions(project, ruler_doc.id)[0]
    alice = project.switch_annotator("Alice")

    changes = accept(project, [suggestion.id])

    accepted = project.annotation(suggestion.id)
    assert (accepted.status, accepted.annotator_id) == (AnnotationStatus.ACCEPTED, alice.id)
    assert accepted.source == suggestion.source == model_source(ruler_nlp)
    assert project.annotations(ruler_doc.id, annotator="Alice") == [accepted]
    undo_changes(project, changes)
    assert project.annotation(suggestion.id) == suggestion
    redo_changes(project, changes)
    assert project.annotation(suggestion.id).status == AnnotationStatus.ACCEPTED


def test_reject_is_remembered_and_undo_makes_it_pending_again(project, ruler_doc, ruler_nlp):
    run_suggestions(project, [ruler_doc.id], model=ruler_nlp)
    suggestion = pending_suggestions(project, ruler_doc.id)[0]
    changes = reject(project, [suggestion.id])
    assert project.annotation(suggestion.id).status == AnnotationStatus.REJECTED
    assert changes.description == "Reject 1 suggestion"
    undo_changes(project, changes)
    assert suggestion.id in [a.id for a in pending_suggestions(project, ruler_doc.id)]


def test_accept_all_of_a_label_is_one_undoable_step(project, ruler_doc, ruler_nlp):
    run_suggestions(project, [ruler_doc.id], model=ruler_nlp)
    resets: list[object] = []
    project.events.annotations_reset.connect(resets.append)

    changes = accept_all(project, ruler_doc.id, label="PERSON")

    assert changes.count == 2 and changes.description == "Accept 2 suggestions"
    assert {a.label for a in project.annotations(ruler_doc.id)} == {"PERSON"}
    assert {a.label for a in pending_suggestions(project, ruler_doc.id)} == {"PLACE", "SYMBOL"}
    assert resets == [ruler_doc.id]  # one redraw for the whole step
    undo_changes(project, changes)
    assert not project.annotations(ruler_doc.id)
    assert len(pending_suggestions(project, ruler_doc.id)) == 5


def test_reject_all_and_accept_all_leave_nothing_pending(project, ruler_doc, ruler_nlp):
    run_suggestions(project, [ruler_doc.id], model=ruler_nlp)
    rejected = reject_all(project, ruler_doc.id, kind=AnnotationKind.ENTITY, label="PLACE")
    accepted = accept_all(project, ruler_doc.id)
    assert (rejected.count, accepted.count) == (2, 3)
    assert not pending_suggestions(project, ruler_doc.id)
    # A rejected suggestion can still be accepted after all.
    assert accept(project, [rejected.after[0].id]).count == 1


def test_accepting_a_suggestion_the_reader_already_made_removes_it(project, ruler_doc, ruler_nlp):
    run_suggestions(project, [ruler_doc.id], model=ruler_nlp)
    suggestion = pending_suggestions(project, ruler_doc.id)[0]
    project.annotate(ruler_doc.id, suggestion.start, suggestion.end, label=suggestion.label)

    changes = accept(project, [suggestion.id])

    assert [a.id for a in changes.removed] == [suggestion.id]
    assert len(project.annotations(ruler_doc.id)) == 1
    undo_changes(project, changes)
    assert suggestion.id in [a.id for a in pending_suggestions(project, ruler_doc.id)]


def test_next_suggestion_walks_forward_backward_and_wraps(project, ruler_doc, ruler_nlp):
    run_suggestions(project, [ruler_doc.id], model=ruler_nlp)
    starts = [a.start for a in pending_suggestions(project, ruler_doc.id)]
    first = next_suggestion(project, ruler_doc.id, -1)
    assert first is not None and first.start == starts[0]
    second = next_suggestion(project, ruler_doc.id, first.start, current=first.id)
    assert second is not None and second.start == starts[1]
    back = next_suggestion(project, ruler_doc.id, second.start, backwards=True)
    assert back is not None and back.id == first.id
    assert next_suggestion(project, ruler_doc.id, starts[-1]) is None
    wrapped = next_suggestion(project, ruler_doc.id, starts[-1], wrap=True)
    assert wrapped is not None and wrapped.id == first.id
    assert next_suggestion(project, ruler_doc.id, 0, kind="sentiment") is None


# --- label every occurrence -------------------------------------------------------------------


def test_label_every_occurrence_counts_first_then_applies_as_one_undoable_step(project, ruler_doc):
    start = RULER_TEXT.index("London")
    project.annotate(ruler_doc.id, start, start + 6, label="PLACE")

    plan = label_every_occurrence(project, "london", "PLACE", ruler_doc.id)

    assert (plan.count, plan.to_label, plan.already_labelled) == (2, 1, 1)
    assert plan.changes is None and len(project.annotations(ruler_doc.id)) == 1
    done = label_every_occurrence(project, "london", "PLACE", ruler_doc.id, dry_run=False)
    assert done.changes is not None and len(done.changes.added) == 1
    assert [a.label for a in project.annotations(ruler_doc.id)] == ["PLACE", "PLACE"]
    again = label_every_occurrence(project, "london", "PLACE", ruler_doc.id)
    assert (again.to_label, again.already_labelled) == (0, 2)
    undo_changes(project, done.changes)
    assert len(project.annotations(ruler_doc.id)) == 1


def test_label_every_occurrence_across_the_project_respects_case_and_whole_words(project):
    first, _ = project.add_text("one", "Bacon wrote; bacon fried; Baconian method.")
    second, _ = project.add_text("two", "Francis Bacon.")
    insensitive = label_every_occurrence(project, "Bacon", "PERSON")
    sensitive = label_every_occurrence(project, "Bacon", "PERSON", case_sensitive=True)
    assert (insensitive.count, insensitive.documents) == (3, 2)
    assert sensitive.occurrences == {first.id: [(0, 5)], second.id: [(8, 13)]}


def test_label_every_occurrence_accepts_a_matching_pending_suggestion(
    project, ruler_doc, ruler_nlp
):
    run_suggestions(project, [ruler_doc.id], model=ruler_nlp)
    done = label_every_occurrence(project, "Ada Lovelace", "PERSON", ruler_doc.id, dry_run=False)
    assert done.changes is not None and len(done.changes.after) == 2 and not done.changes.added
    assert [a.label for a in project.annotations(ruler_doc.id)] == ["PERSON", "PERSON"]
    assert {a.label for a in pending_suggestions(project, ruler_doc.id)} == {"PLACE", "SYMBOL"}


# --- snapping ---------------------------------------------------------------------------------


def test_snap_selection_grows_to_tokens_by_default_and_keeps_characters_on_request(
    project, ruler_doc
):
    start = RULER_TEXT.index("Lovelace")
    assert snap_selection(project, ruler_doc.id, start + 2, start + 5) == (start, start + 8)
    assert snap_selection(project, ruler_doc.id, start + 2, start + 5, "character") == (
        start + 2,
        start + 5,
    )
    assert snap_selection(project, ruler_doc.id, start + 2, start + 5, "contract") is None
    assert snap_selection(project, ruler_doc.id, 1, 2, text=RULER_TEXT) is None  # a space
