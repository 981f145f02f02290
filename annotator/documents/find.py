"""Find (Ctrl+F) in a canonical text: a typed phrase matched across line breaks.

A canonical text keeps the line breaks of its source, and a PDF's also keeps the hyphens that
split words at line ends ("infor-\\nmation"), so a plain substring search misses a phrase the
reader sees on the page. :func:`find_pattern` turns the query into a regular expression that
forgives exactly that:

- Whitespace in the query matches any run of whitespace in the text: spaces, "\\n", and the
  "\\f" between the pages of a PDF (so a phrase running over a page break is found as long as no
  running header or footer comes between its words). Leading or trailing whitespace in the
  query asks for whitespace there.
- Between two letters or digits of a word, the text may have a hyphen or a soft hyphen (U+00AD)
  at a line end ("infor-\\nmation", "infor\\u00ad\\nmation"), or a soft hyphen anywhere; the
  unbroken query word "information" matches them. A hyphen typed in the query also matches that
  hyphen at a line end ("floating-point" finds "floating-\\npoint"). Soft hyphens in the query
  are ignored.
- Case-insensitive unless asked otherwise, with ``re.IGNORECASE`` on the original text (simple
  case folding, one character for one), so offsets are never shifted by case mapping.

Spans are ``(start, end)`` in Python code points, end exclusive, into the text searched (so a
character outside the BMP counts one), and cover the whole matched text, hyphen and line break
included. Matches do not overlap.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

SOFT_HYPHEN = "\u00ad"

_LINE_END = r"[^\S\n]*\n\s*"  # blanks, a line break, then any whitespace (indent, "\f")
_INSIDE_WORD = rf"(?:[-\u2010\u00ad]{_LINE_END}|\u00ad)?"
"""What may come between two letters of a word: nothing, a line-end hyphenation, a soft hyphen."""
_AFTER_TYPED_HYPHEN = rf"(?:{_LINE_END})?"
_WHITESPACE = re.compile(r"(\s+)")


def find_pattern(query: str, *, match_case: bool = False) -> re.Pattern[str] | None:
    """The compiled pattern :func:`find_spans` uses for ``query``; None if it has no words."""
    pieces = [p for p in _WHITESPACE.split(query.replace(SOFT_HYPHEN, "")) if p]
    if not any(not p.isspace() for p in pieces):
        return None
    parts = [r"\s+" if piece.isspace() else _word_pattern(piece) for piece in pieces]
    return re.compile("".join(parts), 0 if match_case else re.IGNORECASE)


def _word_pattern(word: str) -> str:
    parts: list[str] = []
    for i, char in enumerate(word):
        before = word[i - 1] if i else ""
        if before == "-":
            parts.append(_AFTER_TYPED_HYPHEN)
        elif before.isalnum() and char.isalnum():
            parts.append(_INSIDE_WORD)
        parts.append(re.escape(char))
    return "".join(parts)


def iter_spans(
    text: str,
    query: str,
    *,
    match_case: bool = False,
    start: int = 0,
    end: int | None = None,
) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each match of ``query`` in ``text[start:end]``, in order, as offsets
    into the whole ``text``; see the module docstring for what matches."""
    pattern = find_pattern(query, match_case=match_case)
    if pattern is None:
        return
    for match in pattern.finditer(text, start, len(text) if end is None else end):
        yield match.span()


def find_spans(
    text: str,
    query: str,
    *,
    match_case: bool = False,
    start: int = 0,
    end: int | None = None,
    limit: int | None = None,
) -> list[tuple[int, int]]:
    """The spans of :func:`iter_spans` as a list, at most ``limit`` of them (the first ones)."""
    spans: list[tuple[int, int]] = []
    for span in iter_spans(text, query, match_case=match_case, start=start, end=end):
        if limit is not None and len(spans) >= limit:
            break
        spans.append(span)
    return spans
