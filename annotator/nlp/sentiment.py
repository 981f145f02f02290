"""Sentence and document sentiment with the ``asent`` spaCy component (offline, lexicon-based).

``asent`` scores each sentence VADER-style: a *compound* polarity in [-1, 1] from the
valence of its words, adjusted for negation ("not good"), intensifiers ("very good") and
contrast ("good, but slow"). This module turns that into labelled sentence suggestions with
the words that drove the score, and a label for the whole document.

Labels (names configurable through :class:`SentimentConfig`):

- a sentence is *positive* when compound >= ``positive_threshold`` (default 0.05), *negative*
  when compound <= ``negative_threshold`` (default -0.05), else *neutral* — VADER's usual cut
  points;
- a document is *mixed* when it has at least one *strong* positive sentence
  (compound >= ``strong_threshold``, default 0.5) and at least one strong negative one
  (compound <= -``strong_threshold``), and the rarer of the two kinds makes up at least
  ``mixed_min_share`` (default 0.25) of all strong sentences — so one sour sentence in a
  glowing review does not make it mixed. Otherwise the document's label is the sentence
  thresholds applied to the mean sentence compound (asent's document score).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from annotator.nlp.chunks import DEFAULT_BATCH_SIZE, DEFAULT_CHUNK_CHARS, DocKey, pipe_chunks
from annotator.nlp.models import load_pipeline
from annotator.nlp.settings import DEFAULT_CONFIG, SentimentConfig
from annotator.nlp.spacy_library import import_spacy

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

ASENT_FACTORY = "asent_en_v1"


@dataclass(frozen=True, slots=True)
class SentimentWord:
    """A word that moved a sentence's score: its span, its lexicon valence, and its polarity
    in context (valence after negation and intensifiers)."""

    start: int
    end: int
    text: str
    valence: float
    polarity: float


@dataclass(frozen=True, slots=True)
class SentenceSentiment:
    start: int
    end: int
    score: float  # asent's compound polarity, in [-1, 1]
    label: str
    words: tuple[SentimentWord, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentSentiment:
    label: str
    score: float  # mean sentence compound (0.0 for a document without sentences)
    sentences: tuple[SentenceSentiment, ...] = ()


class SentimentResult(NamedTuple):
    """Sentence sentiments of one document, or of one chunk of a long one.

    ``document`` is set on the document's last result (``complete=True``) and covers all of
    its sentences, including those yielded with earlier chunks.
    """

    doc_id: Any
    sentences: list[SentenceSentiment]
    complete: bool = True
    chars_done: int = 0
    chars_total: int = 0
    document: DocumentSentiment | None = None


_asent_lock = threading.Lock()


def _import_asent() -> None:
    """Import asent, which registers its spaCy factories on import.

    asent 0.8 declares its pydantic models with a class-based ``Config``, which pydantic 2
    reports with a ``PydanticDeprecatedSince20`` warning when the classes are created. That is
    asent's to fix and says nothing about our use of it, so only that message is silenced,
    only during the import.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=r"Support for class-based `config` is deprecated",
            category=DeprecationWarning,
        )
        import_spacy()  # before asent imports its submodules: see spacy_library
        import asent  # noqa: F401


def add_sentiment(nlp: Language) -> Language:
    """Add asent's English component to ``nlp`` (once) and return ``nlp``.

    ``nlp`` must set sentence boundaries (a parser, ``senter`` or ``sentencizer``);
    :func:`sentiment_pipeline` loads one that does.
    """
    with _asent_lock:
        if not any(nlp.get_pipe_meta(name).factory == ASENT_FACTORY for name in nlp.pipe_names):
            _import_asent()
            nlp.add_pipe(ASENT_FACTORY)
    return nlp


def sentiment_pipeline(name_or_path: str | Path | None = None) -> Language:
    """The named (or default) pipeline set up for sentiment: a sentence splitter plus asent."""
    return add_sentiment(load_pipeline(name_or_path, purpose="sentiment"))


def sentence_sentiments(
    doc: Doc, offset: int = 0, config: SentimentConfig = DEFAULT_CONFIG
) -> list[SentenceSentiment]:
    """The sentiment of each sentence of a processed ``doc`` (offsets shifted by ``offset``).

    Sentence spans are trimmed of surrounding whitespace; whitespace-only sentences (blank
    lines the splitter kept apart) are left out.
    """
    results = []
    # asent scored every sentence when the pipeline ran; read those scores, not recompute them.
    for polarity in doc._.polarity.polarities:
        sentence = polarity.span
        text = sentence.text
        stripped = text.strip()
        if not stripped:
            continue
        # Splitters attach blank lines to a neighbouring sentence; the suggestion should not.
        start = offset + sentence.start_char + (len(text) - len(text.lstrip()))
        end = start + len(stripped)
        words = tuple(
            SentimentWord(
                start=offset + token_polarity.token.idx,
                end=offset + token_polarity.token.idx + len(token_polarity.token),
                text=token_polarity.token.text,
                valence=float(token_polarity.token._.valence),
                polarity=float(token_polarity.polarity),
            )
            for token_polarity in polarity.polarities
            if token_polarity.token._.valence
        )
        score = float(polarity.compound)
        results.append(
            SentenceSentiment(
                start=start,
                end=end,
                score=score,
                label=config.label_for(score),
                words=words,
            )
        )
    return results


def document_sentiment(
    sentences: Sequence[SentenceSentiment], config: SentimentConfig = DEFAULT_CONFIG
) -> DocumentSentiment:
    """The document label from its sentence sentiments (see the module docstring)."""
    if not sentences:
        return DocumentSentiment(config.neutral_label, 0.0, ())
    score = sum(sentence.score for sentence in sentences) / len(sentences)
    strong_positive = sum(1 for s in sentences if s.score >= config.strong_threshold)
    strong_negative = sum(1 for s in sentences if s.score <= -config.strong_threshold)
    strong = strong_positive + strong_negative
    if (
        strong_positive
        and strong_negative
        and min(strong_positive, strong_negative) / strong >= config.mixed_min_share
    ):
        label = config.mixed_label
    else:
        label = config.label_for(score)
    return DocumentSentiment(label, score, tuple(sentences))


def suggest_sentiment(
    texts: Iterable[tuple[DocKey, str]],
    nlp: Language,
    *,
    config: SentimentConfig = DEFAULT_CONFIG,
    batch_size: int = DEFAULT_BATCH_SIZE,
    chunk_chars: int = DEFAULT_CHUNK_CHARS,
) -> Iterator[SentimentResult]:
    """Yield sentence sentiments for each ``(doc_id, text)`` and, with each document's last
    result, its document sentiment. Long texts are chunked as for entities.

    ``nlp`` is a pipeline with asent (:func:`sentiment_pipeline`, or :func:`add_sentiment`).
    """
    pending: list[SentenceSentiment] = []
    for chunk in pipe_chunks(texts, nlp, batch_size=batch_size, chunk_chars=chunk_chars):
        sentences = sentence_sentiments(chunk.doc, chunk.offset, config)
        pending.extend(sentences)
        document = None
        if chunk.complete:
            document = document_sentiment(pending, config)
            pending = []
        yield SentimentResult(
            chunk.doc_id,
            sentences,
            chunk.complete,
            chunk.chars_done,
            chunk.chars_total,
            document,
        )


def analyze_text(
    text: str, nlp: Language, config: SentimentConfig = DEFAULT_CONFIG
) -> DocumentSentiment:
    """The sentiment of one text, all at once (chunked if it is long)."""
    document = None
    for result in suggest_sentiment([(None, text)], nlp, config=config):
        document = result.document or document
    assert document is not None  # the last chunk of a document always carries it
    return document
