"""Token boundaries for snapping selections and for agreement's token unit.

The GUI calls :func:`snap_to_tokens` on every selection, so it must be cheap at any text
length: a tokenizer-only pipeline (``spacy.blank("en")`` unless a pipeline is given)
tokenises only a stretch around the selection, cut at whitespace, and
``Doc.char_span(..., alignment_mode=...)`` aligns the selection to those tokens. Whole texts
(:func:`token_spans`, for exports and agreement) are tokenised once and the ``Doc`` of the
last few kept, keyed by the text itself (a dict lookup hashes a ``str`` once and compares by
identity first, so a document's text is found again at no cost).
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Literal

from annotator.core.errors import SpanError

if TYPE_CHECKING:  # spaCy is imported on the first tokenisation
    from spacy.language import Language
    from spacy.tokens import Doc

SnapMode = Literal["expand", "contract", "character"]
SNAP_MODES: tuple[SnapMode, ...] = ("expand", "contract", "character")

_CACHE_SIZE = 16


class TokenIndex:
    """A small LRU cache of tokenised texts for one tokenizer."""

    def __init__(self, nlp: Language | None = None, size: int = _CACHE_SIZE) -> None:
        self._nlp = nlp
        self._size = size
        self._docs: OrderedDict[str, Doc] = OrderedDict()
        self._spans: dict[str, list[tuple[int, int]]] = {}
        self._lock = threading.Lock()
        self._making_pipeline = threading.Lock()
        #: Texts being tokenised now, by whichever thread came first: another thread asking
        #: for one waits for that result instead of tokenising it again (the window's first
        #: selection, made while the warm-up thread still tokenises, waits only for the rest).
        self._pending: dict[str, threading.Event] = {}

    def doc(self, text: str) -> Doc:
        """``text`` tokenised (and only tokenised), from the cache when possible."""
        while True:
            with self._lock:
                doc = self._docs.get(text)
                if doc is not None:
                    self._docs.move_to_end(text)
                    return doc
                pending = self._pending.get(text)
                if pending is None:
                    pending = self._pending[text] = threading.Event()
                    break  # this thread tokenises it
            pending.wait()  # then found in the cache (or, had that thread failed, made here)
        try:
            doc = self.pipeline().make_doc(text)
            with self._lock:
                self._docs[text] = doc
                while len(self._docs) > self._size:
                    evicted, _ = self._docs.popitem(last=False)
                    self._spans.pop(evicted, None)
        finally:
            with self._lock:
                del self._pending[text]
            pending.set()
        return doc

    def pipeline(self) -> Language:
        """The tokenizer's pipeline (``spacy.blank("en")`` unless one was given)."""
        with self._making_pipeline:  # built once, however many threads ask at first
            if self._nlp is None:
                from annotator.nlp.spacy_library import blank

                self._nlp = blank("en")  # for texts of any length
                # Its vocabulary and rules live as long as the app: kept out of the garbage
                # collector's walks, which hold the window's thread (as for loaded models).
                gc.freeze()
            return self._nlp

    def spans(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of each non-whitespace token of ``text``."""
        with self._lock:
            spans = self._spans.get(text)
        if spans is None:
            doc = self.doc(text)
            spans = [(token.idx, token.idx + len(token)) for token in doc if not token.is_space]
            with self._lock:
                if text in self._docs:
                    self._spans[text] = spans
        return spans

    def clear(self) -> None:
        with self._lock:
            self._docs.clear()
            self._spans.clear()


_default_index = TokenIndex()
_indexes: weakref.WeakKeyDictionary[Language, TokenIndex] = weakref.WeakKeyDictionary()


def token_index(nlp: Language | None = None) -> TokenIndex:
    """The shared cache for ``nlp``'s tokenizer (``spacy.blank("en")`` when None)."""
    if nlp is None:
        return _default_index
    index = _indexes.get(nlp)
    if index is None:
        index = _indexes[nlp] = TokenIndex(nlp)
    return index


def tokenizer_ready(nlp: Language | None = None) -> bool:
    """Whether snapping's tokenizer is loaded (a selection then snaps without waiting)."""
    return token_index(nlp)._nlp is not None


def prepare_tokens(text: str) -> None:
    """Make the first selection in ``text`` snap at once: spaCy imported and its tokenizer
    built (~1 s), the start of the text tokenised. Safe on any thread; errors are left for
    the selection itself to report."""
    try:
        snap_to_tokens(text, 0, min(len(text), 1))
    except Exception:  # a warm-up must never break anything
        return


#: Characters of context tokenised on each side of a selection (then widened to whitespace).
_CONTEXT = 64


def snap_to_tokens(
    text_or_doc: str | Doc,
    start: int,
    end: int,
    mode: SnapMode = "expand",
    *,
    nlp: Language | None = None,
) -> tuple[int, int] | None:
    """Align the selection ``start..end`` to token boundaries.

    - ``"expand"``: grow to cover every token the selection touches (a click-drag over
      "onderf" gives "wonderful");
    - ``"contract"``: shrink to the tokens entirely inside it;
    - ``"character"``: keep the selection exactly as it is.

    In the token modes whitespace at either end of the result is trimmed. Returns
    ``(start, end)``, or None when nothing is left (contracting inside a single word, a
    selection of only whitespace, an empty selection).
    A ``str`` is tokenised with ``nlp``'s tokenizer (``spacy.blank("en")`` by default), only
    around the selection: spaCy splits a text at whitespace before anything else, so the
    tokens of a stretch cut at whitespace are the whole text's tokens there (a property test
    holds the two equal on the sample readings). A selection in a 2 MB book costs what one in
    a sentence does, and no text waits to be tokenised whole. A ``Doc`` is used as it is.
    """
    if mode not in SNAP_MODES:
        raise ValueError(f"unknown snap mode {mode!r}; expected one of {', '.join(SNAP_MODES)}")
    text = text_or_doc if isinstance(text_or_doc, str) else text_or_doc.text
    if not 0 <= start <= end <= len(text):
        raise SpanError(
            f"the selection {start}..{end} does not fit the text ({len(text)} characters)"
        )
    if mode == "character":
        return (start, end) if start < end else None
    offset = 0
    if isinstance(text_or_doc, str):
        offset, stop = _stretch(text, start, end)
        doc = token_index(nlp).pipeline().make_doc(text[offset:stop])
    else:
        doc = text_or_doc
    span = doc.char_span(start - offset, end - offset, alignment_mode=mode)
    if span is None:
        return None
    return _trim_whitespace(text, offset + span.start_char, offset + span.end_char)


def _stretch(text: str, start: int, end: int) -> tuple[int, int]:
    """A stretch of ``text`` around ``start..end`` that begins and ends next to whitespace,
    so that no token crosses its edges."""
    lo = max(0, start - _CONTEXT)
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    hi = min(len(text), end + _CONTEXT)
    while hi < len(text) and not text[hi].isspace():
        hi += 1
    # Not inside a run of whitespace either: spaCy makes a run one token, whatever its edges.
    while lo < start and text[lo].isspace():
        lo += 1
    while hi > end and text[hi - 1].isspace():
        hi -= 1
    return lo, hi


def _trim_whitespace(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def token_spans(text: str, *, nlp: Language | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of every token of ``text`` except whitespace tokens, in order.

    The unit agreement counts in for token-level measures. The returned list is cached and
    shared: do not modify it.
    """
    return token_index(nlp).spans(text)
