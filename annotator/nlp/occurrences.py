"""Finding every occurrence of a word or phrase, for "label every occurrence".

Offsets are Python code points, end exclusive, so characters outside the BMP (emoji,
mathematical letters such as 𝛽) count as one, as everywhere else in Annotator.

- Case-insensitive matching runs on the original text with ``re.IGNORECASE`` (simple case
  folding, one character for one), so offsets are never shifted by case mapping; "ß" does
  not match "SS". No Unicode normalisation is applied: "é" written as one code point does
  not match "e" + combining acute.
- *Whole word*: a match may not have a word character right before it if the phrase starts
  with one, nor right after it if the phrase ends with one. Word characters are letters,
  digits, ``_`` and combining marks (so "cafe" is not a whole word inside "cafe\u0301").
  A phrase edge that is punctuation or an emoji needs no boundary on that side.
- A match never cuts a character sequence apart: it may not start on, or end just before, a
  combining mark, a variation selector, an emoji skin-tone modifier or a zero-width joiner.
- Occurrences do not overlap: scanning resumes after each match ("aa" occurs twice in
  "aaaa", not three times).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar

DocKey = TypeVar("DocKey")

_ZWJ = "\u200d"


def _is_extender(char: str) -> bool:
    """True for characters that attach to the one before them (never a match boundary)."""
    return (
        unicodedata.category(char).startswith("M")  # combining marks, variation selectors
        or char == _ZWJ
        or "\U0001f3fb" <= char <= "\U0001f3ff"  # emoji skin-tone modifiers
    )


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_" or unicodedata.category(char).startswith("M")


def find_occurrences(
    text: str, phrase: str, *, case_sensitive: bool = False, whole_word: bool = True
) -> list[tuple[int, int]]:
    """``(start, end)`` of each occurrence of ``phrase`` in ``text``, in order, non-overlapping.

    See the module docstring for what case-insensitive, whole-word and a character sequence
    mean here. An empty (or whitespace-only) phrase occurs nowhere.
    """
    if not phrase.strip():
        return []
    pattern = re.compile(re.escape(phrase), 0 if case_sensitive else re.IGNORECASE)
    need_left = whole_word and _is_word_char(phrase[0])
    need_right = whole_word and _is_word_char(phrase[-1])
    found: list[tuple[int, int]] = []
    length = len(text)
    position = 0
    while (match := pattern.search(text, position)) is not None:
        start, end = match.span()
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < length else ""
        cuts_sequence = (
            _is_extender(text[start]) or before == _ZWJ or (after != "" and _is_extender(after))
        )
        breaks_word = (need_left and before != "" and _is_word_char(before)) or (
            need_right and after != "" and _is_word_char(after)
        )
        if cuts_sequence or breaks_word:
            position = start + 1
            continue
        found.append((start, end))
        position = end
    return found


def find_occurrences_in_documents(
    texts: Iterable[tuple[DocKey, str]],
    phrase: str,
    *,
    case_sensitive: bool = False,
    whole_word: bool = True,
) -> dict[DocKey, list[tuple[int, int]]]:
    """The occurrences of ``phrase`` in each ``(doc_id, text)``; documents without any are
    left out. ``sum(map(len, result.values()))`` is the count to show before applying."""
    found: dict[DocKey, list[tuple[int, int]]] = {}
    for doc_id, text in texts:
        spans = find_occurrences(text, phrase, case_sensitive=case_sensitive, whole_word=whole_word)
        if spans:
            found[doc_id] = spans
    return found
