"""Code points (stored) ↔ UTF-16 units (Qt), on text with emoji and U+1D6FD."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.offsets import OffsetMap, codepoint_to_utf16, utf16_to_codepoint

BETA = "\U0001d6fd"  # MATHEMATICAL ITALIC SMALL BETA, outside the BMP
TEXT = f"a😀b{BETA}c"


def test_offsets_count_two_utf16_units_per_astral_character():
    m = OffsetMap(TEXT)
    assert [m.to_utf16(i) for i in range(len(TEXT) + 1)] == [0, 1, 3, 4, 6, 7]
    assert m.utf16_length == len(TEXT.encode("utf-16-le")) // 2


def test_utf16_offsets_convert_back_to_code_points():
    m = OffsetMap(TEXT)
    for cp in range(len(TEXT) + 1):
        assert m.to_codepoint(m.to_utf16(cp)) == cp


def test_utf16_offset_inside_a_surrogate_pair_rounds_up_past_the_character():
    m = OffsetMap(TEXT)
    assert m.to_codepoint(2) == 2  # between the halves of 😀 → after 😀
    assert m.to_codepoint(5) == 4  # between the halves of 𝛽 → after 𝛽


def test_bmp_text_maps_offsets_to_themselves():
    m = OffsetMap("plain text, ümlaut")
    assert m.is_bmp
    assert m.to_utf16(7) == 7 and m.to_codepoint(7) == 7


def test_one_off_helpers_agree_with_the_map():
    assert codepoint_to_utf16(TEXT, 4) == 6
    assert utf16_to_codepoint(TEXT, 6) == 4


@pytest.mark.parametrize("offset", [-1, len(TEXT) + 1])
def test_offsets_outside_the_text_are_refused(offset):
    with pytest.raises(ValueError):
        OffsetMap(TEXT).to_utf16(offset)


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
def test_conversion_matches_python_utf16_encoding_for_any_text(text):
    m = OffsetMap(text)
    for cp in range(len(text) + 1):
        expected = len(text[:cp].encode("utf-16-le")) // 2
        assert m.to_utf16(cp) == expected
        assert m.to_codepoint(expected) == cp
