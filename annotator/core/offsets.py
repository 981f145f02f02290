"""Code points (what we store) versus UTF-16 code units (what Qt counts).

Python indexes strings by code point; ``QTextCursor`` and JavaScript by UTF-16 unit. They
differ by one for every character outside the Basic Multilingual Plane (emoji, U+1D6FD and
other mathematical letters) that comes before the offset. Convert only at the UI boundary.
"""

from __future__ import annotations

import re
from bisect import bisect_left

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _astral_positions(text: str) -> list[int]:
    # A regular expression finds them in milliseconds where a Python loop over 1 MB takes 0.3 s.
    if text.isascii():
        return []
    return [match.start() for match in _ASTRAL.finditer(text)]


class OffsetMap:
    """Converts offsets for one text in O(log n), after one O(n) scan.

    A UTF-16 offset that falls between the two halves of a surrogate pair is rounded up to
    the code point after that character, so a selection never splits an emoji.
    """

    __slots__ = ("_astral", "_second_units", "length", "utf16_length")

    def __init__(self, text: str) -> None:
        self._astral = _astral_positions(text)
        # UTF-16 index of the low surrogate of the k-th astral character.
        self._second_units = [pos + k + 1 for k, pos in enumerate(self._astral)]
        self.length = len(text)
        self.utf16_length = len(text) + len(self._astral)

    @property
    def is_bmp(self) -> bool:
        return not self._astral

    def to_utf16(self, offset: int) -> int:
        """Code-point offset → UTF-16 offset."""
        if not 0 <= offset <= self.length:
            raise ValueError(f"offset {offset} is outside 0..{self.length}")
        return offset + bisect_left(self._astral, offset)

    def to_codepoint(self, offset: int) -> int:
        """UTF-16 offset → code-point offset (rounded up inside a surrogate pair)."""
        if not 0 <= offset <= self.utf16_length:
            raise ValueError(f"UTF-16 offset {offset} is outside 0..{self.utf16_length}")
        return (
            offset
            - bisect_left(self._second_units, offset + 1)
            + (1 if self._inside_pair(offset) else 0)
        )

    def _inside_pair(self, offset: int) -> bool:
        k = bisect_left(self._second_units, offset)
        return k < len(self._second_units) and self._second_units[k] == offset


def codepoint_to_utf16(text: str, offset: int) -> int:
    """One-off conversion; build an :class:`OffsetMap` when converting many offsets."""
    return OffsetMap(text).to_utf16(offset)


def utf16_to_codepoint(text: str, offset: int) -> int:
    """One-off conversion; build an :class:`OffsetMap` when converting many offsets."""
    return OffsetMap(text).to_codepoint(offset)
