"""Span validation and the quote selector that anchors a span in its text."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from annotator.core.errors import SpanError

CONTEXT_CHARS = 32
_ZWJ = "\u200d"


@dataclass(frozen=True, slots=True)
class QuoteSelector:
    """The exact passage plus up to 32 characters either side (as in W3C TextQuoteSelector)."""

    exact: str
    prefix: str
    suffix: str


def validate_span(text: str, start: int, end: int, *, allow_empty: bool = False) -> None:
    """Raise :class:`SpanError` unless ``0 <= start < end <= len(text)`` and neither end
    cuts a character apart (see :func:`check_whole_characters`).

    Empty spans are only allowed for document-level annotations (``allow_empty``).
    """
    _check_range(text, start, end, allow_empty=allow_empty)
    check_whole_characters(text, start, end)


def is_attached(char: str) -> bool:
    """True for a character that belongs to the one before it: a combining mark or
    variation selector, a zero-width joiner, an emoji skin-tone modifier."""
    return (
        unicodedata.category(char).startswith("M")
        or char == _ZWJ
        or "\U0001f3fb" <= char <= "\U0001f3ff"
    )


def splits_character(text: str, offset: int) -> bool:
    """True if ``offset`` falls inside a character as a reader sees it ("e" + U+0301)."""
    return 0 < offset < len(text) and is_attached(text[offset])


def check_whole_characters(text: str, start: int, end: int) -> None:
    """Raise :class:`SpanError` if ``start`` or ``end`` cuts a character apart.

    The reader can only select whole characters; a span starting on the accent of "e\u0301"
    would quote a lone accent and show nothing. Refused, not snapped: the caller gave
    these offsets and should know they were not used.
    """
    for name, offset in (("start", start), ("end", end)):
        if splits_character(text, offset):
            code = f"U+{ord(text[offset]):04X}"
            raise SpanError(
                f"the span {start}..{end} cuts a character apart: its {name} {offset} falls "
                f"on {code} ({unicodedata.name(text[offset], 'a joining character')}), which "
                "belongs to the character before it; move the offset to a whole character"
            )


def snap_to_characters(text: str, start: int, end: int) -> tuple[int, int]:
    """``start..end`` widened to whole characters, as the reader snaps a selection."""
    while splits_character(text, start):
        start -= 1
    while splits_character(text, end):
        end += 1
    return start, end


def trim_whitespace(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``start..end`` without the whitespace at either end (None if nothing else is left).

    Training tools reject entities that start or end with whitespace (``spacy debug data``
    counts them as invalid), and a reader never means the line break after a name.
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _check_range(text: str, start: int, end: int, *, allow_empty: bool) -> None:
    if not isinstance(start, int) or not isinstance(end, int):
        raise SpanError(f"offsets must be whole numbers, got {start!r} and {end!r}")
    if start < 0 or end < 0:
        raise SpanError(f"offsets cannot be negative (start {start}, end {end})")
    if end < start:
        raise SpanError(f"the span is reversed: start {start} is after end {end}")
    if end > len(text):
        raise SpanError(
            f"the span {start}..{end} runs past the end of the document ({len(text)} characters)"
        )
    if start == end and not allow_empty:
        raise SpanError(f"the span {start}..{end} is empty: select at least one character")


def make_selector(text: str, start: int, end: int, context: int = CONTEXT_CHARS) -> QuoteSelector:
    """The quote selector of ``text[start:end]`` with ``context`` characters either side."""
    _check_range(text, start, end, allow_empty=True)
    return QuoteSelector(
        exact=text[start:end],
        prefix=text[max(0, start - context) : start],
        suffix=text[end : end + context],
    )


def check_quote(text: str, start: int, end: int, quote: str) -> None:
    """Raise :class:`SpanError` if ``text[start:end]`` is not ``quote``.

    Imports use this to refuse annotations whose offsets and quoted text disagree (a sign
    that the file was made against a different version of the text, or by a tool that
    counts in UTF-16 units or bytes).
    """
    _check_range(text, start, end, allow_empty=True)
    found = text[start:end]
    if found != quote:
        raise SpanError(
            f"the text at {start}..{end} is {_short(found)!r} but the quote is {_short(quote)!r}"
        )


def _short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
