"""The tokens agreement counts in, for a whole corpus, tokenised once and kept in the project.

A token is what spaCy's rule-based tokenizer for the document's language makes of the text
(``spacy.blank(lang)``: no model, no statistics, so the same text always gives the same
tokens), whitespace tokens left out. The language is guessed from the text by its share of
each language's spaCy stop words (English when nothing is clearly ahead), because the
tokenizers differ: German keeps "z.B." and "3." together, English splits them.

Tokens are cached in the project by the text's SHA-256 and the tokenizer (spaCy's version),
so an unchanged corpus is tokenised once; a cached document is not even read.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from annotator.agreement.token_codes import DOCUMENT_SHIFT
from annotator.core.errors import AnnotatorError, Cancelled

if TYPE_CHECKING:
    from annotator.project import Project

#: Languages told apart, by spaCy code; each has a blank tokenizer and stop-word list.
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt")
LANGUAGE_NAMES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "nl": "Dutch", "pt": "Portuguese",
}  # fmt: skip
_SAMPLE = 8_000  # characters read to guess the language
_WORD = re.compile(r"[^\W\d_]+")
_FLUSH = 32  # documents per cache write


def tokenizer_key() -> str:
    """What the cache is keyed by besides the text: spaCy's version (its rules can change)."""
    from importlib.metadata import version

    return f"spacy {version('spacy')} blank(lang), whitespace tokens left out, u4"


def token_definition(languages: Counter[str] | None = None) -> str:
    """The sentence that says what a token is, for the report and the README."""
    used = ", ".join(
        f"{LANGUAGE_NAMES.get(code, code)} ({count})" for code, count in (languages or {}).items()
    )
    return (
        "a token is what spaCy's rule-based tokenizer for the document's language "
        "(spacy.blank(lang), no model) makes of the text, whitespace tokens left out; "
        "the language is guessed from the text's stop words"
        + (f" — documents by language: {used}" if used else "")
    )


_stop_words: dict[str, frozenset[str]] = {}


def _load_stop_words() -> dict[str, frozenset[str]]:
    """spaCy's stop-word lists, each read from its own file: importing ``spacy.lang.fr``
    itself would compile its tokenizer exceptions (six seconds for French alone)."""
    spec = importlib.util.find_spec("spacy")
    folders = list(spec.submodule_search_locations or []) if spec else []
    found: dict[str, frozenset[str]] = {}
    for code in LANGUAGES:
        for folder in folders:
            path = Path(folder) / "lang" / code / "stop_words.py"
            if path.is_file():
                namespace: dict[str, Any] = {}
                exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
                found[code] = frozenset(namespace.get("STOP_WORDS", ()))
                break
    return found


def guess_language(text: str) -> str:
    """The spaCy code of the language whose stop words make up most of ``text`` (its first
    8,000 characters); "en" when there are too few words to tell or no clear winner."""
    words = [w.lower() for w in _WORD.findall(text[:_SAMPLE])]
    if len(words) < 20:
        return "en"
    if not _stop_words:
        _stop_words.update(_load_stop_words())
    counts = Counter(words)
    scores = {
        code: sum(n for word, n in counts.items() if word in stops)
        for code, stops in _stop_words.items()
    }
    best = max(scores, key=lambda code: (scores[code], code == "en"))
    runner_up = max((v for c, v in scores.items() if c != best), default=0)
    return best if scores[best] > 1.2 * runner_up else "en"


@dataclass
class CorpusTokens:
    """Every token of the chosen documents as global ranges (see
    :mod:`annotator.agreement.token_codes`), and per document where its tokens begin."""

    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    #: ``bounds[i]:bounds[i + 1]`` are the tokens of the i-th document.
    bounds: npt.NDArray[np.int64]
    languages: Counter[str] = field(default_factory=Counter)
    tokenised: int = 0  # documents tokenised now (the rest came from the cache)


class _Tokenizers:
    def __init__(self) -> None:
        self._nlp: dict[str, Any] = {}

    def spans(self, text: str, language: str) -> tuple[npt.NDArray[np.int64], ...]:
        nlp = self._nlp.get(language)
        if nlp is None:
            from annotator.nlp.spacy_library import blank

            nlp = self._nlp[language] = blank(language)  # for texts of any length
        doc = nlp.make_doc(text)
        if len(doc) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        table = doc.to_array(["IDX", "LENGTH", "IS_SPACE"]).astype(np.int64)
        table = table[table[:, 2] == 0]
        return table[:, 0].copy(), table[:, 0] + table[:, 1]


def _keep(
    project: Project, rows: list[tuple[str, str, str, int, bytes, bytes]], caching: bool
) -> bool:
    """Cache tokens; a project that cannot be written (read-only, full disk) still gets its
    agreement, tokenised again next time. Returns whether to go on caching."""
    if not caching:
        return False
    try:
        project.cache_tokens(rows)
    except AnnotatorError:
        return False
    return True


_NOTHING = np.zeros(0, dtype=np.uint32)


def _global(parts: list[npt.NDArray[np.uint32]], bounds: list[int]) -> npt.NDArray[np.int64]:
    """One int64 array of every document's offsets shifted by its index (filled in place,
    no concatenated copy); the parts are released as they are copied."""
    result = np.empty(bounds[-1], dtype=np.int64)
    for index in range(len(parts)):
        part = parts[index]
        result[bounds[index] : bounds[index + 1]] = part
        result[bounds[index] : bounds[index + 1]] += np.int64(index) << DOCUMENT_SHIFT
        parts[index] = _NOTHING  # let the document's buffer go
    return result


def corpus_tokens(
    project: Project,
    documents: Sequence[tuple[str, str]],
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> CorpusTokens:
    """The tokens of ``documents`` (``(document_id, text_sha256)`` pairs, in order), from the
    project's cache where present; new ones are tokenised and cached."""
    key = tokenizer_key()
    tokenizers = _Tokenizers()
    # Per document as uint32 (half the memory of the global int64 arrays built at the end).
    starts: list[npt.NDArray[np.uint32]] = []
    ends: list[npt.NDArray[np.uint32]] = []
    bounds = [0]
    languages: Counter[str] = Counter()
    pending: list[tuple[str, str, str, int, bytes, bytes]] = []
    tokenised = 0
    caching = True
    for index, (document_id, text_sha256) in enumerate(documents):
        if cancel is not None and cancel():
            raise Cancelled("computing agreement")
        cached = project.cached_tokens(text_sha256, key)
        if cached is not None:
            language, start_bytes, end_bytes = cached
            doc_starts = np.frombuffer(start_bytes, dtype="<u4")
            doc_ends = np.frombuffer(end_bytes, dtype="<u4")
        else:
            text = project.document(document_id).text
            language = guess_language(text)
            wide_starts, wide_ends = tokenizers.spans(text, language)
            del text
            doc_starts, doc_ends = wide_starts.astype("<u4"), wide_ends.astype("<u4")
            tokenised += 1
            pending.append((
                text_sha256, key, language, len(doc_starts),
                doc_starts.tobytes(), doc_ends.tobytes(),
            ))  # fmt: skip
            if len(pending) >= _FLUSH:
                caching = _keep(project, pending, caching)
                pending = []
        languages[language] += 1
        starts.append(doc_starts)
        ends.append(doc_ends)
        bounds.append(bounds[-1] + len(doc_starts))
        if progress is not None:
            progress(index + 1, len(documents))
    if pending:
        _keep(project, pending, caching)
    return CorpusTokens(
        starts=_global(starts, bounds),
        ends=_global(ends, bounds),
        bounds=np.array(bounds, dtype=np.int64),
        languages=languages,
        tokenised=tokenised,
    )
