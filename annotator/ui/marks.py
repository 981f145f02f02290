"""How an annotation looks, decided once for the text reader and the PDF view alike.

The colour rule (the reader's own colour first, then the label's, then a tint for a note or
a symbol), how strong each is, and which line goes under it used to be written twice and had
drifted apart; both views now paint what :func:`look_of` says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from PySide6.QtGui import QColor

from annotator.core.model import Annotation, AnnotationKind

COMMENT_TINT = "#b9c7ee"  # a note without a colour of its own
SYMBOL_TINT = "#d9d4c5"  # a symbol without a colour of its own
FALLBACK = "#ffe066"
UNLABELLED_LINE = "#888888"


class Underline(Enum):
    NONE = "none"
    LABEL = "label"  # a solid line in the label's colour
    NOTE = "note"  # a dotted line: there is a note here


@dataclass(frozen=True, slots=True)
class Look:
    """An annotation's tint (``base`` at ``strength``: 1 for a colour the reader chose, less
    for tints the app picked) and the line under it."""

    base: str
    strength: float
    underline: Underline
    line_color: str = ""


def look_of(a: Annotation, label_colors: Mapping[str, str]) -> Look:
    has_note = a.kind == AnnotationKind.COMMENT or bool(a.note)
    if a.color:
        base, strength = a.color, 1.0
    elif a.label and a.label in label_colors:
        base, strength = label_colors[a.label], 0.55
    elif has_note:
        base, strength = COMMENT_TINT, 0.6
    else:
        base, strength = SYMBOL_TINT, 0.6
    if a.label:
        line = label_colors.get(a.label, a.color or UNLABELLED_LINE)
        return Look(base, strength, Underline.LABEL, line)
    return Look(base, strength, Underline.NOTE if has_note else Underline.NONE)


def page_fill(look: Look) -> QColor:
    """The tint laid over a PDF page (multiplied with it): a colour the reader chose is
    the strongest, app tints lighter, in the same order as the text reader's."""
    color = QColor(look.base)
    if not color.isValid():
        color = QColor(FALLBACK)
    color.setAlpha(round(40 + 110 * look.strength))
    return color


__all__ = ["COMMENT_TINT", "SYMBOL_TINT", "Look", "Underline", "look_of", "page_fill"]
