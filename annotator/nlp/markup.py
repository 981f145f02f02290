"""Hide Markdown syntax from the model without moving a single offset.

Markdown documents keep their source text as the canonical text (so offsets match the file),
but "#", "*", "`" and link brackets are not language: spaCy tags a heading's "#" as CARDINAL
or MONEY. Each markup character is replaced by a space, so the masked text has exactly the
same length and every suggestion's offsets apply to the original text unchanged.
"""

from __future__ import annotations

import re

_PATTERNS = [
    re.compile(r"^ {0,3}#{1,6}(?= |$)", re.MULTILINE),  # heading markers
    re.compile(r"^ {0,3}>+", re.MULTILINE),  # block quotes
    re.compile(r"^ {0,3}(?:[-+*]|\d+[.)])(?= )", re.MULTILINE),  # list markers
    re.compile(r"^ {0,3}(?:[-*_] ?){3,}$", re.MULTILINE),  # horizontal rules
    re.compile(r"\*+|`+|~~"),  # emphasis, code, strike-through
    re.compile(r"(?<!\w)_+|_+(?!\w)"),  # underscore emphasis, not snake_case
    re.compile(r"!?\[|\]\([^)\s]*\)|\]"),  # link and image brackets with their URL
]


def mask_markdown(text: str) -> str:
    """``text`` with Markdown markup replaced by spaces (same length, same offsets)."""
    chars = list(text)
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            for i in range(match.start(), match.end()):
                if chars[i] != "\n":
                    chars[i] = " "
    return "".join(chars)


def has_words(text: str) -> bool:
    """True if ``text`` holds a letter or digit: a span of only symbols is no entity."""
    return any(ch.isalnum() for ch in text)
