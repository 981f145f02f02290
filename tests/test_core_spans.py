from __future__ import annotations

import pytest

from annotator.core.errors import SpanError
from annotator.core.spans import check_quote, make_selector, validate_span

TEXT = "Some books are to be tasted, others to be swallowed 😀, and some few to be chewed."


def test_selector_holds_quote_and_up_to_32_characters_of_context():
    start = TEXT.index("swallowed")
    selector = make_selector(TEXT, start, start + len("swallowed"))
    assert selector.exact == "swallowed"
    assert selector.prefix == TEXT[start - 32 : start]
    assert selector.suffix == TEXT[start + 9 : start + 9 + 32]


def test_selector_context_is_shorter_at_the_edges_of_the_text():
    selector = make_selector(TEXT, 0, 4)
    assert selector.prefix == ""
    assert selector.exact == "Some"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (-1, 3, "negative"),
        (5, 2, "reversed"),
        (0, len(TEXT) + 1, "past the end"),
        (3, 3, "empty"),
    ],
)
def test_invalid_spans_are_refused_with_a_reason(start, end, message):
    with pytest.raises(SpanError, match=message):
        validate_span(TEXT, start, end)


def test_empty_span_allowed_for_document_level_annotations():
    validate_span(TEXT, 0, 0, allow_empty=True)


def test_quote_that_does_not_match_the_text_is_refused():
    check_quote(TEXT, 0, 4, "Some")
    with pytest.raises(SpanError, match="but the quote is"):
        check_quote(TEXT, 0, 4, "Same")
