"""Label every occurrence: finding a phrase (annotator.nlp.occurrences)."""

from __future__ import annotations

import pytest

from annotator.nlp.occurrences import find_occurrences, find_occurrences_in_documents

TEXT = "Beta 𝛽 and 🙂 beta, BETA; betamax; alphabeta."


def _quotes(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[start:end] for start, end in spans]


def test_find_occurrences_ignores_case_and_needs_whole_words_by_default() -> None:
    spans = find_occurrences(TEXT, "beta")
    assert _quotes(TEXT, spans) == ["Beta", "beta", "BETA"]


def test_find_occurrences_case_sensitive() -> None:
    assert _quotes(TEXT, find_occurrences(TEXT, "beta", case_sensitive=True)) == ["beta"]


def test_find_occurrences_inside_words_when_not_whole_word() -> None:
    spans = find_occurrences(TEXT, "beta", whole_word=False)
    assert _quotes(TEXT, spans) == ["Beta", "beta", "BETA", "beta", "beta"]


def test_find_occurrences_counts_code_points_after_astral_characters() -> None:
    # 𝛽 (U+1D6FD) and 🙂 are one code point each (two UTF-16 units).
    spans = find_occurrences(TEXT, "beta", case_sensitive=True)
    assert spans == [(13, 17)]
    assert find_occurrences(TEXT, "𝛽") == [(5, 6)]
    assert find_occurrences(TEXT, "🙂") == [(11, 12)]


def test_find_occurrences_treats_mathematical_letter_as_word_character() -> None:
    text = "𝛽 and 𝛽eta and a𝛽"
    assert find_occurrences(text, "𝛽") == [(0, 1)]
    assert find_occurrences(text, "𝛽", whole_word=False) == [(0, 1), (6, 7), (16, 17)]


def test_find_occurrences_emoji_phrase_needs_no_word_boundary() -> None:
    text = "yes🙂no 🙂"
    assert find_occurrences(text, "🙂") == [(3, 4), (7, 8)]


def test_find_occurrences_does_not_split_combining_marks() -> None:
    text = "cafe\u0301 and cafe and cafe\u0301s"
    assert find_occurrences(text, "cafe") == [(10, 14)]
    # Even inside words, a match may not end between a letter and its accent.
    assert find_occurrences(text, "cafe", whole_word=False) == [(10, 14)]
    assert find_occurrences(text, "cafe\u0301") == [(0, 5)]


def test_find_occurrences_does_not_split_emoji_sequences() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    thumbs = "\U0001f44d\U0001f3fd"
    text = f"{family} {thumbs} \U0001f44d"
    assert find_occurrences(text, "\U0001f469") == []
    assert find_occurrences(text, "\U0001f44d") == [(len(text) - 1, len(text))]
    assert find_occurrences(text, thumbs) == [(6, 8)]


def test_find_occurrences_does_not_count_overlaps_twice() -> None:
    assert find_occurrences("aaaa", "aa", whole_word=False) == [(0, 2), (2, 4)]
    assert find_occurrences("New York New York York", "York New York") == [(4, 17)]


def test_find_occurrences_retries_after_a_rejected_candidate() -> None:
    # The first candidate "ab ab" at 1 fails the boundary; the scan must still find the one at 4.
    assert find_occurrences("xab ab ab", "ab ab") == [(4, 9)]


def test_find_occurrences_multiword_phrase_with_punctuation_edges() -> None:
    text = "Use C++ daily; C++11 is not C++."
    assert find_occurrences(text, "C++") == [(4, 7), (15, 18), (28, 31)]


@pytest.mark.parametrize("phrase", ["", "   "])
def test_find_occurrences_of_empty_phrase_is_nothing(phrase: str) -> None:
    assert find_occurrences("some text", phrase) == []


def test_find_occurrences_in_documents_keeps_only_documents_with_hits() -> None:
    texts = [("d1", "Paris and paris"), ("d2", "nothing here"), ("d3", "PARIS🙂Paris")]
    found = find_occurrences_in_documents(texts, "paris")
    assert found == {"d1": [(0, 5), (10, 15)], "d3": [(0, 5), (6, 11)]}
    assert sum(map(len, found.values())) == 4
    assert find_occurrences_in_documents(texts, "paris", case_sensitive=True) == {"d1": [(10, 15)]}
