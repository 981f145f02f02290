"""The comparing service on real project files: agreement figures against the pure measures and
the reference libraries, edge cases, disagreements, adjudication into gold, blind mode, merge."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from annotator.agreement import label_tokens, span_f1
from annotator.comparing import report
from annotator.comparing.adjudication import (
    accept_agreed,
    adjudicate,
    adjudication_progress,
    current_decision,
    gold_annotations,
    undo_adjudication,
)
from annotator.comparing.disagreements import list_disagreements
from annotator.comparing.layers import document_counts, set_blind_mode, visible_annotations
from annotator.comparing.merging import AnnotatorNameConflict, merge_project
from annotator.comparing.report import compute_agreement
from annotator.comparing.selection import GOLD_ANNOTATOR, default_documents
from annotator.core.errors import NotFoundError
from annotator.nlp.tokens import token_spans
from annotator.project import Project

TEXT_1 = "Ada Lovelace met Charles Babbage in London in 1833. They wrote to Mary Somerville."
TEXT_2 = "Paris and Berlin are cities. Marie Curie worked in Paris for the Sorbonne."

# (document index, start, end, label) per annotator; ann and ben differ on boundaries and labels.
SPANS = {
    "ann": [(0, 0, 12, "PER"), (0, 17, 32, "PER"), (0, 36, 42, "GPE"), (0, 66, 81, "PER"),
            (1, 0, 5, "GPE"), (1, 10, 16, "GPE"), (1, 29, 40, "PER"), (1, 51, 56, "GPE")],
    "ben": [(0, 0, 3, "PER"), (0, 17, 32, "PER"), (0, 36, 42, "LOC"), (0, 66, 81, "PER"),
            (1, 0, 5, "GPE"), (1, 10, 16, "GPE"), (1, 29, 40, "PER"), (1, 65, 73, "ORG")],
    "cy": [(0, 0, 12, "PER"), (0, 17, 32, "PER"), (0, 36, 42, "GPE"),
           (1, 0, 5, "GPE"), (1, 10, 16, "LOC"), (1, 29, 40, "PER"), (1, 51, 56, "GPE")],
}  # fmt: skip


@pytest.fixture
def corpus(project: Project) -> tuple[Project, list[str]]:
    doc_ids = [project.add_text("One", TEXT_1)[0].id, project.add_text("Two", TEXT_2)[0].id]
    for name, spans in SPANS.items():
        built = [
            project.build_annotation(doc_ids[d], s, e, label=label, annotator=name)
            for d, s, e, label in spans
        ]
        project.add_annotations(built)
    return project, doc_ids


def _token_labels(name: str, doc_ids: list[str]) -> list[str]:
    labels: list[str] = []
    for index, text in enumerate((TEXT_1, TEXT_2)):
        spans = [(s, e, label) for d, s, e, label in SPANS[name] if d == index]
        labels += label_tokens(token_spans(text), spans)
    return labels


# -- agreement figures -------------------------------------------------------------------


def test_token_kappa_matches_sklearn_with_o_and_on_annotated_tokens(corpus):
    project, doc_ids = corpus
    report = compute_agreement(project, ["ann", "ben"], unit="token")
    a, b = _token_labels("ann", doc_ids), _token_labels("ben", doc_ids)
    pair = report.pair("ann", "ben")
    assert pair.figure("Cohen's kappa (with").value == pytest.approx(cohen_kappa_score(a, b))
    assert pair.figure("Cohen's kappa (with").n == len(a) == report.counts["tokens"]
    keep = [i for i in range(len(a)) if a[i] != "O" or b[i] != "O"]
    only = pair.figure("Cohen's kappa (annotated")
    assert only.value == pytest.approx(
        cohen_kappa_score([a[i] for i in keep], [b[i] for i in keep])
    )
    assert only.n == len(keep)
    assert "'O'" in pair.figure("Cohen's kappa (with").unit


def test_token_agreement_reports_progress_per_document_and_can_be_cancelled(corpus):
    from annotator.core.errors import Cancelled

    project, doc_ids = corpus
    seen: list[tuple[int, int]] = []
    compute_agreement(
        project, ["ann", "ben"], doc_ids, unit="token", progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(1, 2), (2, 2)]
    calls = iter([False, True])
    with pytest.raises(Cancelled, match="computing agreement was cancelled"):
        compute_agreement(
            project, ["ann", "ben"], doc_ids, unit="token", cancel=lambda: next(calls)
        )


def test_token_confusion_and_per_label_kappa_match_sklearn(corpus):
    from sklearn.metrics import confusion_matrix

    project, doc_ids = corpus
    pair = compute_agreement(project, ["ann", "ben"]).pair("ann", "ben")
    a, b = _token_labels("ann", doc_ids), _token_labels("ben", doc_ids)
    labels = list(pair.confusion.labels)
    assert [list(r) for r in pair.confusion.counts] == confusion_matrix(
        a, b, labels=labels
    ).tolist()
    per = {f.label: f.value for f in pair.per_label}
    assert "O" not in per
    assert per["PER"] == pytest.approx(
        cohen_kappa_score([x == "PER" for x in a], [x == "PER" for x in b])
    )


def test_three_annotators_fleiss_alpha_match_statsmodels_and_krippendorff(corpus):
    project, doc_ids = corpus
    report = compute_agreement(project, ["ann", "ben", "cy"], unit="token")
    columns = [_token_labels(n, doc_ids) for n in ("ann", "ben", "cy")]
    categories = sorted({x for c in columns for x in c})
    codes = np.array([[categories.index(x) for x in c] for c in columns])
    overall = {f.measure: f for f in report.overall}
    table, _ = aggregate_raters(codes.T)
    assert overall["Fleiss' kappa"].value == pytest.approx(sm_fleiss_kappa(table))
    assert overall["Krippendorff's alpha (nominal)"].value == pytest.approx(
        krippendorff.alpha(reliability_data=codes, level_of_measurement="nominal")
    )
    assert len(report.pairs) == 3
    grid = report.matrix("Cohen's kappa (with")
    assert grid[0][0] == 1.0 and grid[0][1] == grid[1][0]
    assert grid[1][2] == pytest.approx(cohen_kappa_score(columns[1], columns[2]))


def test_span_unit_gives_exact_and_overlap_f1_as_the_pure_function(corpus):
    project, doc_ids = corpus
    pair = compute_agreement(project, ["ann", "ben"], unit="span").pair("ann", "ben")
    spans = {name: [(doc_ids[d], s, e, label) for d, s, e, label in SPANS[name]] for name in SPANS}
    exact = span_f1(spans["ann"], spans["ben"], "exact")
    overlap = span_f1(spans["ann"], spans["ben"], "overlap")
    assert pair.figure("Span F1 (exact").value == pytest.approx(exact.f1)
    assert pair.figure("Span F1 (overlap").value == pytest.approx(overlap.f1)
    assert pair.figure("Span F1 (exact").counts == {
        "spans ann": 8, "spans ben": 8, "matched ann": 5, "matched ben": 5
    }  # fmt: skip
    per = {(f.label, f.measure): f.value for f in pair.per_label}
    assert per[("PER", "F1 (exact match)")] == pytest.approx(exact.per_label["PER"].f1)
    assert pair.confusion.count("GPE", "LOC") == 1
    assert pair.confusion.count("PER", report.NO_SPAN) == 1


@pytest.fixture
def sentiment(project: Project) -> tuple[Project, list[str]]:
    """Two annotators rate six sentences on a -2..2 scale, one sentence left by ben."""
    doc = project.add_text("Reviews", "A. B. C. D. E. F.")[0]
    ratings = {"ann": ["-2", "-1", "0", "1", "2", "2"], "ben": ["-1", "-1", "1", "1", "2", None]}
    for name, values in ratings.items():
        for i, value in enumerate(values):
            if value is not None:
                project.annotate(
                    doc.id, 3 * i, 3 * i + 2, kind="sentiment", label=value, annotator=name
                )
    return project, ratings


def test_item_unit_weighted_kappa_and_ordinal_alpha_match_references(sentiment):
    project, ratings = sentiment
    report = compute_agreement(project, ["ann", "ben"], unit="item")
    assert report.scale == ("-2", "-1", "0", "1", "2")
    pair = report.pair("ann", "ben")
    a, b = ratings["ann"][:5], ratings["ben"][:5]
    scale = list(report.scale)
    assert pair.figure("Cohen's kappa").value == pytest.approx(cohen_kappa_score(a, b))
    for weights in ("linear", "quadratic"):
        assert pair.figure(f"Cohen's kappa ({weights}").value == pytest.approx(
            cohen_kappa_score(a, b, weights=weights, labels=scale)
        )
    assert pair.figure("Cohen's kappa").n == 5 and report.counts["items"] == 6
    numeric = np.array(
        [[np.nan if x is None else float(x) for x in ratings[n]] for n in ("ann", "ben")]
    )
    overall = {f.measure: f.value for f in report.overall}
    assert overall["Krippendorff's alpha (interval)"] == pytest.approx(
        krippendorff.alpha(reliability_data=numeric, level_of_measurement="interval")
    )
    ranks = np.array([[np.nan if x is None else scale.index(x) for x in ratings[n]]
                      for n in ("ann", "ben")])  # fmt: skip
    assert overall["Krippendorff's alpha (ordinal)"] == pytest.approx(
        krippendorff.alpha(
            reliability_data=ranks,
            level_of_measurement="ordinal",
            value_domain=list(range(len(scale))),
        )
    )


# -- choosing documents and edge cases ------------------------------------------------------


def test_default_documents_are_those_every_annotator_marked_done_or_annotated(project):
    one = project.add_text("One", TEXT_1)[0].id
    two = project.add_text("Two", TEXT_2)[0].id
    three = project.add_text("Three", "Nothing to see here.")[0].id
    project.annotate(one, 0, 3, label="PER", annotator="ann")
    project.annotate(one, 0, 3, label="PER", annotator="ben")
    project.annotate(two, 0, 5, label="GPE", annotator="ann")
    project.set_document_status(three, "done", annotator="ann")
    project.set_document_status(three, "done", annotator="ben")
    assert default_documents(project, ["ann", "ben"]) == [one, three]
    report = compute_agreement(project, ["ann", "ben"])
    assert [d.id for d in report.documents] == [one, three]


def test_one_annotator_gives_explained_report_not_an_error(corpus):
    project, _ = corpus
    report = compute_agreement(project, ["ann"])
    assert report.pairs == () and report.overall == ()
    assert any("at least two annotators" in note for note in report.notes)
    assert "at least two annotators" in report.to_table()


def test_no_common_documents_gives_undefined_figures_with_reasons(project):
    one = project.add_text("One", TEXT_1)[0].id
    two = project.add_text("Two", TEXT_2)[0].id
    project.annotate(one, 0, 3, label="PER", annotator="ann")
    project.annotate(two, 0, 5, label="GPE", annotator="ben")
    report = compute_agreement(project, ["ann", "ben"])
    assert report.documents == ()
    assert any("No document" in note for note in report.notes)
    kappa = report.pair("ann", "ben").figure("Cohen's kappa (with")
    assert kappa.value is None and kappa.formatted() == "undefined"
    json.dumps(report.to_json())  # no NaN, serialisable


def test_identical_annotations_give_full_agreement(corpus):
    project, doc_ids = corpus
    project.add_annotations(
        [
            project.build_annotation(doc_ids[d], s, e, label=label, annotator="dee")
            for d, s, e, label in SPANS["ann"]
        ]
    )
    report = compute_agreement(project, ["ann", "dee"])
    for figure in report.pair("ann", "dee").figures:
        assert figure.value == pytest.approx(1.0)


def test_one_category_only_is_reported_as_one_with_explanation(project):
    doc = project.add_text("Reviews", "A. B. C.")[0]
    for name in ("ann", "ben"):
        for i in range(3):
            project.annotate(doc.id, 3 * i, 3 * i + 2, kind="sentiment", label="pos",
                             annotator=name)  # fmt: skip
    report = compute_agreement(project, ["ann", "ben"], unit="item")
    kappa = report.pair("ann", "ben").figure("Cohen's kappa")
    assert kappa.value == 1.0 and "single category" in kappa.explanation


def test_unknown_annotator_or_document_names_the_problem(corpus):
    project, _ = corpus
    with pytest.raises(NotFoundError, match="zed"):
        compute_agreement(project, ["ann", "zed"])
    with pytest.raises(NotFoundError, match="no-such-doc"):
        compute_agreement(project, ["ann", "ben"], ["no-such-doc"])


def test_label_set_keeps_only_its_labels(corpus):
    project, _ = corpus
    from annotator.core.model import Label, LabelSet, LabelSetId, LabelSetKind, new_id

    project.save_label_set(
        LabelSet(LabelSetId(new_id()), "People", LabelSetKind.SPAN, (Label("PER"),))
    )
    report = compute_agreement(project, ["ann", "ben"], unit="span", label_set="People")
    assert report.label_set == "People"
    assert report.counts["spans ann"] == 4 and report.counts["spans ben"] == 4
    assert report.counts["annotations ann"] == 4


def test_report_renders_as_table_json_and_csv_with_units_and_counts(corpus):
    project, _ = corpus
    report = compute_agreement(project, ["ann", "ben", "cy"])
    table = report.to_table()
    assert "ann × ben" in table and "n=" in table and "token" in table
    data = json.loads(json.dumps(report.to_json()))
    assert data["unit"] == "token" and len(data["pairs"]) == 3
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    sections = {row["section"] for row in rows}
    assert {"pairwise", "per label", "confusion", "all annotators"} <= sections
    assert all(row["unit"] for row in rows if row["section"] != "note")


# -- disagreements ---------------------------------------------------------------------------


def test_disagreements_list_passages_with_context_and_what_each_said(corpus):
    project, _ = corpus
    views = list_disagreements(project, ["ann", "ben"], context=10)
    assert [(v.document_title, v.quote, v.kind) for v in views] == [
        ("One", "Ada Lovelace", "boundary"),
        ("One", "London", "label"),
        ("Two", "Paris", "missing"),
        ("Two", "Sorbonne", "missing"),
    ]
    london = views[1]
    assert london.said == {"ann": "GPE 'London'", "ben": "LOC 'London'"}
    assert london.before == "abbage in " and london.after == " in 1833. "
    assert views[2].said["ben"] == "nothing"
    assert london.decision is None


# -- adjudication ------------------------------------------------------------------------------


def _gold(project: Project) -> list[tuple[int, int, str | None]]:
    return [(a.start, a.end, a.label) for a in gold_annotations(project)]


def test_adjudicate_writes_choice_to_gold_with_decider_and_replaces_on_redecide(corpus):
    project, _ = corpus
    project.switch_annotator("carol")
    london = list_disagreements(project, ["ann", "ben"])[1]
    decision = adjudicate(project, london, "A")
    assert _gold(project) == [(36, 42, "GPE")]
    [gold] = gold_annotations(project)
    assert gold.source == "adjudicated by carol" and gold.created
    assert decision.decider == "carol" and decision.choice == "A"
    assert project.annotation(gold.id).annotator_id == project.annotator_named(GOLD_ANNOTATOR).id

    adjudicate(project, london, "B")
    assert _gold(project) == [(36, 42, "LOC")]
    adjudicate(project, london, "B")
    assert _gold(project) == [(36, 42, "LOC")]  # idempotent per passage
    assert list_disagreements(project, ["ann", "ben"])[1].decision == "B"


def test_adjudicate_both_neither_and_edit(corpus):
    project, _ = corpus
    ada, london, *_ = list_disagreements(project, ["ann", "ben"])
    adjudicate(project, ada, "both")
    assert _gold(project) == [(0, 3, "PER"), (0, 12, "PER")]
    adjudicate(project, ada, "edit", edited=[(0, 12, "PERSON")])
    assert _gold(project) == [(0, 12, "PERSON")]
    adjudicate(project, ada, "neither")
    assert _gold(project) == []
    assert current_decision(project, ada).choice == "neither"
    adjudicate(project, london, "ben")  # an annotator's name works as a choice too
    assert _gold(project) == [(36, 42, "LOC")]


def test_undo_adjudication_restores_previous_decision(corpus):
    project, _ = corpus
    london = list_disagreements(project, ["ann", "ben"])[1]
    adjudicate(project, london, "A")
    adjudicate(project, london, "B")
    undone = undo_adjudication(project, london)
    assert undone is not None and undone.choice == "B"
    assert _gold(project) == [(36, 42, "GPE")]
    assert current_decision(project, london).choice == "A"
    undo_adjudication(project, london)
    assert _gold(project) == [] and current_decision(project, london) is None
    assert undo_adjudication(project, london) is None


def test_progress_counts_decisions_and_agreed_passages_in_gold(corpus):
    project, _ = corpus
    progress = adjudication_progress(project, ["ann", "ben"])
    assert (progress.decided, progress.total) == (0, 4)
    assert (progress.agreed_in_gold, progress.agreed_total) == (0, 5)
    views = list_disagreements(project, ["ann", "ben"])
    adjudicate(project, views[0], "A")
    adjudicate(project, views[2], "neither")
    decision = accept_agreed(project, ["ann", "ben"])
    assert len(decision.written) == 5
    progress = adjudication_progress(project, ["ann", "ben"])
    assert (progress.decided, progress.total, progress.agreed_in_gold) == (2, 4, 5)
    assert str(progress) == "2 of 4 disagreements decided; 5 of 5 agreed passages in gold"
    assert {a.source for a in gold_annotations(project)} == {
        "adjudicated by me", "agreed, accepted by me"
    }  # fmt: skip


def test_accept_agreed_is_idempotent_and_undoable(corpus):
    project, _ = corpus
    first = accept_agreed(project, ["ann", "ben"])
    again = accept_agreed(project, ["ann", "ben"])
    assert len(first.written) == 5 and again.written == ()
    assert len(gold_annotations(project)) == 5
    undo_adjudication(project, first)
    assert gold_annotations(project) == []


# -- blind mode ---------------------------------------------------------------------------


def test_blind_mode_hides_others_until_viewer_marks_document_done(corpus):
    project, doc_ids = corpus
    one = doc_ids[0]
    assert {a.annotator_id for a in visible_annotations(project, one, "ben")} == {
        project.annotator_named(n).id for n in ("ann", "ben", "cy")
    }
    set_blind_mode(project, True)
    ben = project.annotator_named("ben").id
    assert {a.annotator_id for a in visible_annotations(project, one, "ben")} == {ben}
    counts = {c.document_id: c for c in document_counts(project, "ben")}
    assert counts[one].own == 4 and counts[one].others is None
    project.set_document_status(one, "done", annotator="ben")
    assert len(visible_annotations(project, one, "ben")) == 11
    counts = {c.document_id: c for c in document_counts(project, "ben")}
    assert counts[one].others == 7 and counts[doc_ids[1]].others is None
    set_blind_mode(project, False)
    assert document_counts(project, "ben")[1].others == 8


# -- merging ---------------------------------------------------------------------------------


def _other_project(path: Path, text: str, annotator: str) -> None:
    with Project(path) as other:
        doc = other.add_text("One", text)[0]
        other.switch_annotator(annotator)
        other.annotate(doc.id, 0, 12, label="PER")


def test_merge_project_brings_annotations_in_once(project, tmp_path):
    project.add_text("One", TEXT_1)
    project.switch_annotator("ann")
    other = tmp_path / "ben.annotator"
    _other_project(other, TEXT_1, "ben")
    report = merge_project(project, other)
    assert report.imported.annotations_added == 1 and report.imported.documents_matched == 1
    again = merge_project(project, other)
    assert again.imported.annotations_added == 0 and again.imported.annotations_unchanged == 1
    assert len(project.annotations(annotator="ben")) == 1
    assert "ben" in report.summary()


def test_merge_asks_about_same_name_with_other_identity(project, tmp_path):
    doc = project.add_text("One", TEXT_1)[0]
    project.annotate(doc.id, 36, 42, label="GPE", annotator="ann")
    other = tmp_path / "other.annotator"
    _other_project(other, TEXT_1, "ann")
    with pytest.raises(AnnotatorNameConflict, match="'ann'"):
        merge_project(project, other)
    assert len(project.annotations()) == 1  # unchanged
    report = merge_project(project, other, same_name="rename")
    assert report.renamed == {"ann": "ann (other)"}
    assert len(project.annotations(annotator="ann (other)")) == 1
    merge_project(project, other, same_name="rename")
    assert len(project.annotations(annotator="ann (other)")) == 1


def test_merge_same_people_merges_into_existing_annotator(project, tmp_path):
    doc = project.add_text("One", TEXT_1)[0]
    project.annotate(doc.id, 36, 42, label="GPE", annotator="ann")
    other = tmp_path / "other.annotator"
    _other_project(other, TEXT_1, "ann")
    merge_project(project, other, same_name="same")
    assert len(project.annotations(annotator="ann")) == 2
