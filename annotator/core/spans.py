"""Span validation and the quote selector that anchors a span in its text."""

from __future__ import annotations

from dataclasses import dataclass

from annotator.core.errors import SpanError

CONTEXT_CHARS = 32


@dataclass(frozen=True, slots=True)
class QuoteSelector:
    """The exact passage plus up to 32 characters either side (as in W3C TextQuoteSelector)."""

    exact: str
    prefix: str
    suffix: str


def validate_span(text: str, start: int, end: int, *, allow_empty: bool = False) -> None:
    """Raise :class:`SpanError` unless ``0 <= start < end <= len(text)``.

    Empty spans are only allowed for document-level annotations (``allow_empty``).
    """
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
    validate_span(text, start, end, allow_empty=True)
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
    validate_span(text, start, end, allow_empty=True)
    found = text[start:end]
    if found != quote:
        raise SpanError(
            f"the text at {start}..{end} is {_short(found)!r} but the quote is {_short(quote)!r}"
        )


def _short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
