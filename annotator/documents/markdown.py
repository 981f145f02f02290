"""Where a Markdown text's inline styling lies, so the reader can show it without moving text.

Markdown documents keep their source as the canonical text (offsets match the file), so the
reader cannot render Markdown away. Instead it styles the source: *emphasis* in italics,
**strong** in bold, `code` in a fixed-width face, [links](…) as links, and fades the
syntax characters themselves. This module finds those runs (Qt-free, code points, end
exclusive); :class:`annotator.ui.reader.ReaderView` applies them.

Runs stay within one line (a paragraph written on several lines keeps its emphasis only
per line), and nothing is styled inside `code`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal

InlineStyle = Literal["strong", "emphasis", "code", "link"]

_CODE = re.compile(r"(`+)(?!`)([^\n]*?[^`\n])\1(?!`)")
_STRONG = re.compile(r"(\*\*|__)(?=[^\s*_])([^\n]*?[^\s*_])\1")
_EMPHASIS = re.compile(
    r"(?<![*\w])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![*\w])"
    r"|(?<![_\w])_(?=[^\s_])([^_\n]*?[^\s_])_(?![_\w])"
)
_LINK = re.compile(r"!?\[([^\]\n]+)\]\(([^()\s]+)(?:\s+\"[^\"\n]*\")?\)")


@dataclass(frozen=True, slots=True)
class InlineMark:
    """One styled run: ``start``/``end`` cover it with its syntax; ``markers`` are the
    syntax characters' spans (faded), ``text`` the span that carries the style."""

    style: InlineStyle
    start: int
    end: int
    text: tuple[int, int]
    markers: tuple[tuple[int, int], ...]


def inline_marks(text: str, start: int = 0, end: int | None = None) -> list[InlineMark]:
    """Inline styling runs of a Markdown ``text`` (within ``start``–``end``, which should
    fall on line boundaries: runs never cross a line), in text order."""
    end = len(text) if end is None else end
    marks: list[InlineMark] = []
    taken: list[tuple[int, int]] = []  # code spans, in order: nothing inside them is styled
    starts: list[int] = []

    def inside_code(start: int, end: int) -> bool:
        i = bisect_right(starts, end - 1) - 1  # the last code span starting before ``end``
        return i >= 0 and taken[i][1] > start

    for m in _CODE.finditer(text, start, end):
        n = len(m.group(1))
        marks.append(
            InlineMark("code", m.start(), m.end(), (m.start() + n, m.end() - n),
                       ((m.start(), m.start() + n), (m.end() - n, m.end())))
        )  # fmt: skip
        taken.append((m.start(), m.end()))
        starts.append(m.start())
    for m in _LINK.finditer(text, start, end):
        if inside_code(m.start(), m.end()):
            continue
        label_start, label_end = m.span(1)
        marks.append(
            InlineMark("link", m.start(), m.end(), (label_start, label_end),
                       ((m.start(), label_start), (label_end, m.end())))
        )  # fmt: skip
    for pattern, style, width in ((_STRONG, "strong", 2), (_EMPHASIS, "emphasis", 1)):
        for m in pattern.finditer(text, start, end):
            if inside_code(m.start(), m.end()):
                continue
            marks.append(
                InlineMark(style, m.start(), m.end(), (m.start() + width, m.end() - width),  # type: ignore[arg-type]
                           ((m.start(), m.start() + width), (m.end() - width, m.end())))
            )  # fmt: skip
    marks.sort(key=lambda mark: (mark.start, -mark.end))
    return marks


__all__ = ["InlineMark", "InlineStyle", "inline_marks"]
