"""Counts in the reader's words: "1 document", "2 documents" — never "1 documents"."""

from __future__ import annotations


def counted(count: int, noun: str, nouns: str | None = None) -> str:
    """``count`` and ``noun`` in the right number (``nouns`` for an irregular plural)."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


def agree(count: int, one: str, many: str) -> str:
    """The word that agrees with ``count``: ``agree(n, "was", "were")``."""
    return one if count == 1 else many


__all__ = ["agree", "counted"]
