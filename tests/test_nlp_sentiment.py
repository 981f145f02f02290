"""Sentence and document sentiment with asent (annotator.nlp.sentiment)."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language

from annotator.nlp.models import FALLBACK_MODEL
from annotator.nlp.sentiment import (
    DEFAULT_CONFIG,
    SentenceSentiment,
    SentimentConfig,
    add_sentiment,
    analyze_text,
    document_sentiment,
    sentiment_pipeline,
    suggest_sentiment,
)

POSITIVE = "I love this wonderful book."
NEGATIVE = "I hate the terrible ending."
NEUTRAL = "The book has three chapters."


@pytest.fixture(scope="module")
def blank_nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return add_sentiment(nlp)


@pytest.fixture(scope="module")
def real_nlp() -> Language:
    return sentiment_pipeline(FALLBACK_MODEL)


def _sentence(score: float) -> SentenceSentiment:
    return SentenceSentiment(0, 1, score, DEFAULT_CONFIG.label_for(score))


def test_real_model_labels_clearly_positive_negative_and_neutral_sentences(
    real_nlp: Language,
) -> None:
    text = f"{POSITIVE} {NEGATIVE} {NEUTRAL}"
    result = analyze_text(text, real_nlp)
    assert [text[s.start : s.end] for s in result.sentences] == [POSITIVE, NEGATIVE, NEUTRAL]
    assert [s.label for s in result.sentences] == ["positive", "negative", "neutral"]
    assert result.sentences[0].score > 0.5 and result.sentences[1].score < -0.5
    assert result.sentences[2].score == 0.0


def test_real_model_pipeline_is_sentence_splitter_plus_asent(real_nlp: Language) -> None:
    assert real_nlp.pipe_names == ["senter", "asent_en_v1"]
    assert sentiment_pipeline(FALLBACK_MODEL) is real_nlp
    assert real_nlp.pipe_names.count("asent_en_v1") == 1


def test_sentence_sentiment_lists_the_words_that_drove_it(blank_nlp: Language) -> None:
    result = analyze_text(f"{POSITIVE} {NEGATIVE}", blank_nlp)
    positive, negative = result.sentences
    assert [w.text for w in positive.words] == ["love", "wonderful"]
    assert all(w.valence > 0 for w in positive.words)
    assert [w.text for w in negative.words] == ["hate", "terrible"]
    text = f"{POSITIVE} {NEGATIVE}"
    assert all(text[w.start : w.end] == w.text for s in result.sentences for w in s.words)


def test_negated_word_drives_sentence_negative(blank_nlp: Language) -> None:
    [sentence] = analyze_text("The plot is not good.", blank_nlp).sentences
    assert sentence.label == "negative"
    [word] = sentence.words
    assert word.text == "good" and word.valence > 0 and word.polarity < 0


def test_sentence_offsets_are_code_points_and_skip_blank_lines(blank_nlp: Language) -> None:
    text = "🙂 𝛽 is wonderful.\n\n\nI hate 𝛽 errors."
    result = analyze_text(text, blank_nlp)
    assert [text[s.start : s.end] for s in result.sentences] == [
        "🙂 𝛽 is wonderful.",
        "I hate 𝛽 errors.",
    ]
    assert [s.label for s in result.sentences] == ["positive", "negative"]


def test_suggest_sentiment_gives_document_label_with_last_chunk(blank_nlp: Language) -> None:
    paragraph = f"{POSITIVE} {NEUTRAL}"
    long_text = "\n\n".join([paragraph] * 30)
    results = list(
        suggest_sentiment([("a", NEGATIVE), ("b", long_text)], blank_nlp, chunk_chars=300)
    )
    assert results[0].doc_id == "a" and results[0].complete
    assert results[0].document is not None and results[0].document.label == "negative"
    long_results = results[1:]
    assert len(long_results) > 3
    assert all(r.document is None for r in long_results[:-1])
    document = long_results[-1].document
    assert document is not None
    assert len(document.sentences) == 60
    assert document.label == "positive"
    assert [s.start for s in document.sentences] == [
        s.start for r in long_results for s in r.sentences
    ]


def test_document_is_mixed_when_strong_positive_and_negative_sentences_balance() -> None:
    document = document_sentiment([_sentence(0.8), _sentence(-0.7), _sentence(0.0)])
    assert document.label == "mixed"


def test_document_is_not_mixed_for_one_sour_sentence_among_many_positive() -> None:
    sentences = [_sentence(0.8)] * 5 + [_sentence(-0.6)]
    assert document_sentiment(sentences).label == "positive"


def test_document_label_follows_mean_score_without_strong_opposites() -> None:
    assert document_sentiment([_sentence(0.3), _sentence(-0.1)]).label == "positive"
    assert document_sentiment([_sentence(-0.3), _sentence(0.1)]).label == "negative"
    assert document_sentiment([_sentence(0.02), _sentence(-0.02)]).label == "neutral"


def test_document_without_sentences_is_neutral() -> None:
    document = document_sentiment([])
    assert (document.label, document.score, document.sentences) == ("neutral", 0.0, ())


def test_labels_and_thresholds_are_configurable(blank_nlp: Language) -> None:
    config = SentimentConfig(
        positive_threshold=0.9,
        negative_threshold=-0.9,
        positive_label="pos",
        negative_label="neg",
        neutral_label="meh",
        mixed_label="both",
    )
    result = analyze_text(f"{POSITIVE} {NEGATIVE}", blank_nlp, config)
    assert [s.label for s in result.sentences] == ["meh", "meh"]
    assert result.label == "both"
    assert config.label_for(0.95) == "pos" and config.label_for(-0.95) == "neg"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"positive_threshold": -0.5, "negative_threshold": 0.5},
        {"strong_threshold": 0.0},
        {"mixed_min_share": 0.7},
    ],
)
def test_inconsistent_config_is_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        SentimentConfig(**kwargs)
