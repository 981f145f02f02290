"""Find in a canonical text: phrases across line breaks and line-end hyphenation."""

from __future__ import annotations

import pytest

from annotator.documents.find import find_pattern, find_spans, iter_spans


def _found(text: str, query: str, **options: bool) -> list[str]:
    return [text[s:e] for s, e in find_spans(text, query, **options)]


@pytest.mark.parametrize(
    "text",
    [
        "the data frame here",
        "the data\nframe here",
        "the data \n  frame here",
        "the data\t\tframe here",
        "the data\n\fframe here",  # a page break in a PDF's canonical text
    ],
)
def test_find_whitespace_in_the_query_matches_any_run_of_whitespace(text: str):
    (span,) = find_spans(text, "data frame")
    assert text[span[0] : span[1]].split() == ["data", "frame"]
    assert span[0] == text.index("data")


def test_find_whitespace_in_the_query_needs_whitespace_in_the_text():
    assert find_spans("a dataframe", "data frame") == []


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("more infor-\nmation here", "infor-\nmation"),
        ("more infor- \n  mation here", "infor- \n  mation"),
        ("more infor-\n\fmation here", "infor-\n\fmation"),  # hyphenated over a page break
        ("more infor\u00ad\nmation here", "infor\u00ad\nmation"),
        ("more infor\u00admation here", "infor\u00admation"),  # an invisible soft hyphen
        ("more infor\u2010\nmation here", "infor\u2010\nmation"),
    ],
)
def test_find_a_word_hyphenated_at_a_line_end_matches_the_unbroken_word(text: str, hit: str):
    assert _found(text, "information") == [hit]


def test_find_a_hyphen_inside_a_line_is_a_real_hyphen():
    assert find_spans("the infor-mation age", "information") == []
    assert find_spans("the infor mation age", "information") == []


def test_find_a_typed_hyphen_also_matches_the_hyphen_at_a_line_end():
    text = "on floating-\npoint numbers and floating-point ones"
    assert _found(text, "floating-point") == ["floating-\npoint", "floating-point"]
    assert find_spans("x floating- point", "floating-point") == []


def test_find_ignores_soft_hyphens_in_the_query():
    assert _found("the information age", "infor\u00admation") == ["information"]


def test_find_is_case_insensitive_unless_asked():
    text = "Data\nFrame, DATA FRAME, data frame"
    assert len(find_spans(text, "data FRAME")) == 3
    assert _found(text, "DATA FRAME", match_case=True) == ["DATA FRAME"]
    assert find_spans("INFOR-\nMATION", "information", match_case=True) == []


def test_find_spans_are_code_points_after_characters_outside_the_bmp():
    text = "\U0001d6fd\U0001f600 see infor-\nmation, \U0001f44d\U0001f3fd data\nframe"
    first, second = find_spans(text, "information"), find_spans(text, "data frame")
    assert first == [(7, 20)]  # UTF-16 would put it at 9
    assert text[7:20] == "infor-\nmation"
    assert second == [(text.index("data"), text.index("data") + len("data\nframe"))]


def test_find_ordinary_single_line_hits_are_unchanged():
    text = "One line: find me. Another: FIND ME twice, find me."
    expected = [(i, i + len("find me")) for i in (10, 28, 43)]
    assert find_spans(text, "find me") == expected


def test_find_treats_regex_characters_in_the_query_literally():
    text = "call f(x) then f.(x) and [a-z]+ here"
    assert _found(text, "f(x)") == ["f(x)"]
    assert _found(text, "[a-z]+") == ["[a-z]+"]


def test_find_leading_and_trailing_whitespace_ask_for_whitespace():
    text = "there is the\nend"
    assert _found(text, "the ") == ["the\n"]
    assert _found(text, " is") == [" is"]


def test_find_an_empty_or_blank_query_finds_nothing():
    assert find_pattern("") is None
    assert find_pattern(" \n\t") is None
    assert find_pattern("\u00ad") is None
    assert find_spans("any text", "   ") == []
    assert list(iter_spans("any text", "")) == []


def test_find_limit_and_range():
    text = "ab " * 10
    assert len(find_spans(text, "ab", limit=4)) == 4
    assert find_spans(text, "ab", start=3, end=9) == [(3, 5), (6, 8)]
