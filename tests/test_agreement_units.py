"""Units built from annotations, span F1, token kappa and the list of disagreements."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score, f1_score

from annotator.agreement import (
    AgreementError,
    common_documents,
    disagreements,
    fleiss_kappa,
    item_units,
    krippendorff_alpha,
    label_tokens,
    span_f1,
    span_units,
    token_kappa,
    token_units,
)
from annotator.core.model import (
    Annotation,
    AnnotationId,
    AnnotationKind,
    AnnotationStatus,
    AnnotatorId,
    DocumentId,
)

TEXT = "Ada Lovelace met Charles Babbage in London in 1833."
# Whitespace tokens and the final full stop: (start, end) character ranges.
TOKENS = [(0, 3), (4, 12), (13, 16), (17, 24), (25, 32), (33, 35), (36, 42), (43, 45), (46, 50),
          (50, 51)]  # fmt: skip
DOC = DocumentId("doc-1")
_counter = iter(range(10**6))


def ann(
    annotator: str,
    start: int,
    end: int,
    label: str | None,
    *,
    document: str = DOC,
    kind: AnnotationKind = AnnotationKind.ENTITY,
    status: AnnotationStatus = AnnotationStatus.ACCEPTED,
    text: str = TEXT,
    modified: str = "2026-01-01T00:00:00.000Z",
) -> Annotation:
    return Annotation(
        id=AnnotationId(f"a{next(_counter)}"),
        document_id=DocumentId(document),
        annotator_id=AnnotatorId(annotator),
        kind=kind,
        start=start,
        end=end,
        quote=text[start:end],
        label=label,
        status=status,
        modified=modified,
    )


# --- span F1 ----------------------------------------------------------------------------------


def test_span_f1_exact_matches_sklearn_f1_over_the_union_of_spans():
    rng = random.Random(4)
    pool = [(s, s + rng.randint(1, 5), rng.choice("ABC")) for s in range(0, 200, 3)]
    spans_a = rng.sample(pool, 40)
    spans_b = rng.sample(pool, 35)
    union = sorted(set(spans_a) | set(spans_b))
    in_a = [span in spans_a for span in union]
    in_b = [span in spans_b for span in union]
    result = span_f1(spans_a, spans_b)
    assert result.f1 == pytest.approx(f1_score(in_a, in_b))
    shared = len(set(spans_a) & set(spans_b))
    assert result.f1 == pytest.approx(2 * shared / (40 + 35))
    assert result.precision == pytest.approx(shared / 35)
    assert result.recall == pytest.approx(shared / 40)


def test_span_f1_per_label_counts_and_scores():
    a = [(0, 12, "PER"), (17, 32, "PER"), (36, 42, "LOC")]
    b = [(0, 12, "PER"), (17, 32, "ORG"), (36, 42, "LOC"), (46, 50, "DATE")]
    result = span_f1(a, b)
    per = result.per_label
    assert per["PER"].n_a == 2 and per["PER"].n_b == 1 and per["PER"].matched_a == 1
    assert per["PER"].f1 == pytest.approx(2 * 1 / 3)
    assert per["LOC"].f1 == 1.0
    assert per["ORG"].recall is None and per["ORG"].precision == 0.0 and per["ORG"].f1 == 0.0
    assert per["DATE"].f1 == 0.0
    assert result.micro.f1 == pytest.approx(2 * 2 / 7)
    assert "3 spans (2 matched)" in result.explanation


def test_span_f1_overlap_counts_spans_sharing_characters_with_the_same_label():
    a = [(0, 12, "PER"), (17, 32, "PER"), (36, 42, "LOC")]
    b = [(4, 12, "PER"), (17, 24, "PER"), (25, 32, "PER"), (36, 42, "ORG")]
    exact = span_f1(a, b, match="exact")
    relaxed = span_f1(a, b, match="overlap")
    assert exact.f1 == 0.0
    # A: 2 of 3 spans overlap a B span with the same label; B: 3 of 4 overlap an A span.
    assert relaxed.recall == pytest.approx(2 / 3)
    assert relaxed.precision == pytest.approx(3 / 4)
    assert relaxed.f1 == pytest.approx(2 * (2 / 3) * (3 / 4) / (2 / 3 + 3 / 4))
    assert span_f1(b, a, match="overlap").f1 == pytest.approx(relaxed.f1)


def test_span_f1_unlabeled_ignores_labels():
    a = [(0, 12, "PER"), (36, 42, "LOC")]
    b = [(0, 12, "ORG"), (36, 42, "LOC")]
    assert span_f1(a, b).f1 == pytest.approx(0.5)
    assert span_f1(a, b, labeled=False).f1 == 1.0
    assert span_f1(a, [(5, 8, "X")], match="overlap", labeled=False).recall == 0.5


def test_span_f1_overlap_does_not_match_adjacent_spans_or_other_documents():
    a = [("d1", 0, 5, "X")]
    assert span_f1(a, [("d1", 5, 9, "X")], match="overlap").f1 == 0.0
    assert span_f1(a, [("d2", 0, 5, "X")], match="overlap").f1 == 0.0
    assert span_f1(a, [("d1", 4, 9, "X")], match="overlap").f1 == 1.0


def test_span_f1_counts_duplicate_spans_once():
    assert span_f1([(0, 3, "X"), (0, 3, "X")], [(0, 3, "X")]).micro.n_a == 1


def test_span_f1_with_no_spans_at_all_is_undefined_and_explained():
    result = span_f1([], [])
    assert result.f1 is None and result.precision is None and result.recall is None
    assert "neither annotator marked any span" in result.explanation


def test_span_f1_when_one_annotator_marked_nothing_is_zero():
    result = span_f1([(0, 3, "X")], [])
    assert result.f1 == 0.0 and result.recall == 0.0 and result.precision is None


def test_span_f1_rejects_malformed_spans_and_unknown_match():
    with pytest.raises(AgreementError):
        span_f1([(0, 3)], [])  # type: ignore[list-item]
    with pytest.raises(AgreementError, match="unknown span match"):
        span_f1([], [], match="fuzzy")  # type: ignore[arg-type]


# --- tokens -----------------------------------------------------------------------------------


def test_label_tokens_marks_tokens_overlapping_a_span_and_o_elsewhere():
    labels = label_tokens(TOKENS, [(0, 12, "PER"), (36, 42, "LOC")])
    assert labels == ["PER", "PER", "O", "O", "O", "O", "LOC", "O", "O", "O"]


def test_label_tokens_prefers_the_span_covering_more_of_the_token():
    # "Lovelace" (4..12): PER covers 8 characters, ORG 2; "Ada" only PER.
    assert label_tokens(TOKENS, [(0, 12, "PER"), (10, 16, "ORG")])[:3] == ["PER", "PER", "ORG"]


def test_label_tokens_rejects_overlapping_tokens():
    with pytest.raises(AgreementError, match="tokens overlap"):
        label_tokens([(0, 5), (3, 8)], [])


def test_token_units_ignore_suggested_rejected_and_orphaned_annotations():
    units = token_units(
        TOKENS,
        {
            "ann": [ann("ann", 0, 12, "PER"), ann("ann", 36, 42, "LOC")],
            "ben": [
                ann("ben", 0, 12, "PER"),
                ann("ben", 36, 42, "LOC", status=AnnotationStatus.SUGGESTED),
                ann("ben", 17, 32, "PER", status=AnnotationStatus.REJECTED),
                ann("ben", 46, 50, "DATE", status=AnnotationStatus.ORPHANED),
                ann("ben", 13, 16, None),  # a highlight without a label
            ],
        },
        document_id=DOC,
    )
    assert units["ann"] == ("PER", "PER", "O", "O", "O", "O", "LOC", "O", "O", "O")
    assert units["ben"] == ("PER", "PER", "O", "O", "O", "O", "O", "O", "O", "O")
    assert units.positions[6] == (DOC, 36, 42)
    assert "'O'" in units.unit


def test_token_units_only_annotated_keeps_tokens_someone_labelled():
    by_annotator = {
        "ann": [ann("ann", 0, 12, "PER"), ann("ann", 36, 42, "LOC")],
        "ben": [ann("ben", 0, 3, "PER"), ann("ben", 46, 50, "DATE")],
    }
    units = token_units(TOKENS, by_annotator, only_annotated=True)
    assert [p[1:] for p in units.positions] == [(0, 3), (4, 12), (36, 42), (46, 50)]
    assert units["ann"] == ("PER", "PER", "LOC", "O")
    assert units["ben"] == ("PER", "O", "O", "DATE")
    assert units.rows() == [("PER", "PER"), ("PER", "O"), ("LOC", "O"), ("O", "DATE")]


def test_token_units_ignore_annotations_of_other_documents():
    units = token_units(
        TOKENS, {"ann": [ann("ann", 0, 3, "PER", document="other")]}, document_id=DOC
    )
    assert set(units["ann"]) == {"O"}


def test_token_kappa_matches_sklearn_on_the_token_labels():
    spans_a = [(0, 12, "PER"), (17, 32, "PER"), (36, 42, "LOC")]
    spans_b = [(0, 12, "PER"), (17, 24, "ORG"), (46, 50, "DATE")]
    labels_a = label_tokens(TOKENS, spans_a)
    labels_b = label_tokens(TOKENS, spans_b)
    result = token_kappa(TOKENS, spans_a, spans_b)
    assert result.value == pytest.approx(cohen_kappa_score(labels_a, labels_b))
    assert result.n_items == len(TOKENS)
    assert "'O'" in result.unit and "raises kappa" in result.explanation
    only = token_kappa(TOKENS, spans_a, spans_b, only_annotated=True)
    keep = [i for i in range(len(TOKENS)) if labels_a[i] != "O" or labels_b[i] != "O"]
    assert only.n_items == len(keep) == 6
    assert only.value == pytest.approx(
        cohen_kappa_score([labels_a[i] for i in keep], [labels_b[i] for i in keep])
    )
    assert only.value < result.value  # the "O" tokens inflate kappa


def test_token_kappa_over_a_document_without_tokens_is_undefined():
    result = token_kappa([], [], [])
    assert result.value is None and result.explanation


# --- spans and items --------------------------------------------------------------------------


def test_span_units_feed_span_f1_across_documents():
    by_annotator = {
        "ann": [ann("ann", 0, 12, "PER"), ann("ann", 0, 12, "PER", document="doc-2")],
        "ben": [ann("ben", 0, 12, "PER"), ann("ben", 36, 42, "LOC", document="doc-2")],
    }
    spans = span_units(by_annotator)
    assert spans["ann"] == [("doc-1", 0, 12, "PER"), ("doc-2", 0, 12, "PER")]
    assert span_f1(spans["ann"], spans["ben"]).f1 == pytest.approx(0.5)
    only_first = span_units(by_annotator, documents={"doc-1"})
    assert span_f1(only_first["ann"], only_first["ben"]).f1 == 1.0


def test_item_units_align_document_and_sentence_labels_with_missing_as_none():
    doc, sent = AnnotationKind.DOC_LABEL, AnnotationKind.SENTIMENT
    by_annotator = {
        "ann": [ann("ann", 0, 0, "fiction", kind=doc), ann("ann", 0, 12, "pos", kind=sent)],
        "ben": [
            ann("ben", 0, 0, "essay", kind=doc, modified="2026-01-01T00:00:00.000Z"),
            ann("ben", 0, 0, "fiction", kind=doc, modified="2026-02-01T00:00:00.000Z"),
            ann("ben", 13, 24, "neg", kind=sent),
            ann("ben", 0, 12, "PER"),  # an entity: not an item label
        ],
        "cy": [ann("cy", 0, 0, "essay", kind=doc)],
    }
    units = item_units(by_annotator)
    assert units.positions == ((DOC, 0, 0), (DOC, 0, 12), (DOC, 13, 24))
    assert units["ann"] == ("fiction", "pos", None)
    assert units["ben"] == ("fiction", None, "neg")  # the later of ben's two labels counts
    assert units["cy"] == ("essay", None, None)
    rows = units.rows()
    assert rows[0] == ("fiction", "fiction", "essay")
    assert krippendorff_alpha(rows).n_items == 1
    assert fleiss_kappa(rows).n_items == 1


def test_common_documents_are_those_every_annotator_annotated():
    by_annotator = {
        "ann": [ann("ann", 0, 3, "X"), ann("ann", 0, 3, "X", document="doc-2")],
        "ben": [ann("ben", 0, 3, "X", document="doc-2")],
    }
    assert common_documents(by_annotator) == {"doc-2"}
    assert common_documents({}) == set()


def test_no_common_documents_give_undefined_explained_results_not_errors():
    by_annotator = {
        "ann": [ann("ann", 0, 3, "X", document="doc-1")],
        "ben": [ann("ben", 0, 3, "X", document="doc-2")],
    }
    shared = common_documents(by_annotator)
    assert shared == set()
    spans = span_units(by_annotator, documents=shared)
    assert span_f1(spans["ann"], spans["ben"]).f1 is None
    items = item_units(by_annotator, documents=shared, kinds=None)
    assert krippendorff_alpha(items.rows()).value is None
    assert disagreements(by_annotator) == []


def test_one_annotator_gives_undefined_multi_annotator_measures():
    units = item_units({"ann": [ann("ann", 0, 0, "x", kind=AnnotationKind.DOC_LABEL)]})
    for measure in (fleiss_kappa, krippendorff_alpha):
        result = measure(units.rows())
        assert result.value is None and "at least two annotators" in result.explanation


# --- disagreements ----------------------------------------------------------------------------


def test_disagreements_list_label_missing_and_boundary_differences():
    by_annotator = {
        "ann": [
            ann("ann", 0, 12, "PER"),  # ben: same span, same label -> agreement
            ann("ann", 17, 32, "PER"),  # ben: ORG -> label
            ann("ann", 36, 42, "LOC"),  # ben: nothing -> missing
            ann("ann", 46, 50, "DATE"),  # ben: 43..50 DATE -> boundary
        ],
        "ben": [
            ann("ben", 0, 12, "PER"),
            ann("ben", 17, 32, "ORG"),
            ann("ben", 43, 50, "DATE"),
            ann("ben", 13, 16, "EVENT"),  # ann: nothing -> missing
        ],
    }
    found = disagreements(by_annotator)
    assert [(d.start, d.end, d.kind) for d in found] == [
        (13, 16, "missing"),
        (17, 32, "label"),
        (36, 42, "missing"),
        (43, 50, "boundary"),
    ]
    label = found[1]
    assert label.document_id == DOC and label.quote == "Charles Babbage"
    assert label.said("ann") == "PER 'Charles Babbage'"
    assert label.said("ben") == "ORG 'Charles Babbage'"
    assert found[2].said("ben") == "nothing" and found[2].readings["ben"] == ()
    assert found[3].quote == "in 1833"
    assert [r.label for r in found[3].readings["ann"]] == ["DATE"]


def test_disagreements_group_overlapping_spans_and_flag_label_and_boundary():
    by_annotator = {
        "ann": [ann("ann", 17, 32, "PER")],
        "ben": [ann("ben", 17, 24, "PER"), ann("ben", 25, 32, "ORG")],
    }
    (found,) = disagreements(by_annotator)
    assert (found.start, found.end, found.kind) == (17, 32, "label and boundary")
    assert len(found.readings["ben"]) == 2


def test_disagreements_piece_quotes_together_or_use_the_given_text():
    by_annotator = {"ann": [ann("ann", 0, 3, "PER")], "ben": [ann("ben", 0, 12, "PER")]}
    (found,) = disagreements(by_annotator)
    assert found.quote == "Ada Lovelace"
    (with_text,) = disagreements(by_annotator, texts={DOC: TEXT.upper()})
    assert with_text.quote == "ADA LOVELACE"
    # Without the text and with a quote that does not fit its offsets, the gap is marked.
    unquoted = {
        "ann": [ann("ann", 0, 3, "PER")],
        "ben": [replace(ann("ben", 0, 12, "PER"), quote="")],
    }
    (gappy,) = disagreements(unquoted)
    assert gappy.quote == "Ada…"


def test_disagreements_skip_documents_not_everyone_annotated_unless_asked():
    by_annotator = {
        "ann": [ann("ann", 0, 3, "PER"), ann("ann", 0, 3, "PER", document="doc-2")],
        "ben": [ann("ben", 0, 3, "ORG")],
    }
    assert [d.document_id for d in disagreements(by_annotator)] == [DOC]
    chosen = disagreements(by_annotator, documents={DOC, DocumentId("doc-2")})
    assert [d.document_id for d in chosen] == [DOC, "doc-2"]


def test_disagreements_cover_document_labels_when_asked():
    doc = AnnotationKind.DOC_LABEL
    by_annotator = {
        "ann": [ann("ann", 0, 0, "fiction", kind=doc)],
        "ben": [ann("ben", 0, 0, "essay", kind=doc)],
    }
    (found,) = disagreements(by_annotator, kinds={doc})
    assert found.kind == "label" and found.said("ann") == "fiction"


def test_identical_annotations_have_no_disagreements():
    spans = [(0, 12, "PER"), (36, 42, "LOC")]
    by_annotator = {name: [ann(name, s, e, label) for s, e, label in spans] for name in "abc"}
    assert disagreements(by_annotator) == []


span_lists = st.lists(
    st.tuples(st.integers(0, 30), st.integers(1, 6), st.sampled_from("AB")).map(
        lambda t: (t[0], t[0] + t[1], t[2])
    ),
    max_size=12,
)


@settings(max_examples=80, deadline=None)
@given(span_lists, span_lists, st.sampled_from(["exact", "overlap"]), st.booleans())
def test_span_f1_is_symmetric_and_bounded(spans_a, spans_b, match, labeled):
    ab = span_f1(spans_a, spans_b, match=match, labeled=labeled)
    ba = span_f1(spans_b, spans_a, match=match, labeled=labeled)
    assert ab.f1 == (None if ba.f1 is None else pytest.approx(ba.f1))
    assert ab.precision == ba.recall and ab.recall == ba.precision
    assert ab.f1 is None or 0.0 <= ab.f1 <= 1.0
    exact = span_f1(spans_a, spans_b, labeled=labeled)
    if exact.f1 is not None and match == "overlap":
        assert ab.f1 >= exact.f1 - 1e-12  # every exact match also overlaps


@settings(max_examples=40, deadline=None)
@given(span_lists.filter(bool), st.sampled_from(["exact", "overlap"]))
def test_span_f1_of_identical_spans_is_one(spans, match):
    assert span_f1(spans, list(spans), match=match).f1 == 1.0
