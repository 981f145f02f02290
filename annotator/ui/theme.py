"""Light and dark palettes, and how annotation colours are drawn on each.

The theme follows the system colour scheme by default (``QStyleHints.colorScheme``); the
reader can force light or dark from the View menu (remembered in QSettings).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


class ThemeChoice(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True, slots=True)
class Theme:
    """Colours the custom-drawn parts use (reader, margin cards, gutter)."""

    dark: bool
    paper: QColor  # reader background
    ink: QColor  # reader text
    muted: QColor  # secondary text (annotator names, counts)
    card: QColor  # margin card background
    card_border: QColor
    accent: QColor  # selection outline, links, focus
    #: Find hits are outlined in this colour, never filled: a fill could be any legend
    #: colour the reader picks (the old orange was "question"'s), an outline is none.
    find_line: QColor
    gutter: QColor

    def highlight(self, color: str | QColor, strength: float = 1.0) -> QColor:
        """An annotation colour as painted behind text: pastel on paper, deep tint on dark."""
        base = QColor(color)
        if not base.isValid():
            base = QColor("#ffe066")
        if not self.dark:
            return mix(self.paper, base, min(0.85 * strength, 1.0))
        shade = DARK_SHADES.get(base.name())
        if shade is not None:  # the app's note and symbol tints: greys, not a weak colour
            return QColor(shade)
        return mix(self.paper, dark_tint(base, self.ink), min(strength, 1.0))

    def label_line(self, color: str | QColor) -> QColor:
        """A label's underline: the label colour, darkened on paper and lightened on dark."""
        base = QColor(color)
        return base.darker(170) if not self.dark else base.lighter(115)


LIGHT = Theme(
    dark=False,
    paper=QColor("#fdfcf8"),
    ink=QColor("#1f1f1f"),
    muted=QColor("#6b6b6b"),
    card=QColor("#ffffff"),
    card_border=QColor("#d9d6cc"),
    accent=QColor("#2f6fd6"),
    find_line=QColor("#7e22ce"),
    gutter=QColor("#f3f1ea"),
)

DARK = Theme(
    dark=True,
    paper=QColor("#1e1f22"),
    ink=QColor("#e3e3e3"),
    muted=QColor("#9a9a9a"),
    card=QColor("#2a2c30"),
    card_border=QColor("#3d4046"),
    accent=QColor("#6ea8ff"),
    find_line=QColor("#c084fc"),
    gutter=QColor("#25262a"),
)


#: On dark paper the app's own tints (marks.COMMENT_TINT for a note, marks.SYMBOL_TINT for a
#: symbol) are a cool and a warm grey: a pale blue faded into the page looked like a blue
#: highlight (issue 15). tests/test_ui_polish.py checks every pair numerically.
DARK_SHADES = {"#b9c7ee": "#414144", "#d9d4c5": "#514c41"}

#: The least contrast of the ink on a dark highlight (WCAG AA for text is 4.5).
DARK_INK_CONTRAST = 4.6
DARK_SATURATION = 0.55


def luminance(color: QColor) -> float:
    """Relative luminance (WCAG 2)."""

    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.red())
        + 0.7152 * channel(color.green())
        + 0.0722 * channel(color.blue())
    )


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def dark_tint(base: QColor, ink: QColor) -> QColor:
    """A colour for dark paper: its own hue, fairly saturated, as light as it can be with
    the ink still readable on it. Fading the pastel into the page (the old way) left every
    colour a murky grey-blue or grey-brown."""
    hue, saturation, _ = base.getHslF()[:3]
    saturation = min(saturation, DARK_SATURATION)
    for step in range(50, 5, -1):
        color = QColor.fromHslF(max(hue, 0.0), saturation, step / 100)
        if contrast(ink, color) >= DARK_INK_CONTRAST:
            return color
    return QColor.fromHslF(max(hue, 0.0), saturation, 0.05)


def mix(a: QColor, b: QColor, amount: float) -> QColor:
    """``a`` moved ``amount`` (0..1) of the way towards ``b``."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * amount),
        round(a.green() + (b.green() - a.green()) * amount),
        round(a.blue() + (b.blue() - a.blue()) * amount),
    )


def blend(colors: list[QColor]) -> QColor:
    """Overlapping highlights: the average hue, slightly deeper for each extra layer."""
    if len(colors) == 1:
        return colors[0]
    r = sum(c.red() for c in colors) / len(colors)
    g = sum(c.green() for c in colors) / len(colors)
    b = sum(c.blue() for c in colors) / len(colors)
    out = QColor(round(r), round(g), round(b))
    return out.darker(100 + 8 * (len(colors) - 1))


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def resolve(choice: ThemeChoice) -> Theme:
    if choice == ThemeChoice.LIGHT:
        return LIGHT
    if choice == ThemeChoice.DARK:
        return DARK
    return DARK if system_is_dark() else LIGHT


def apply_palette(app: QApplication, theme: Theme) -> None:
    """Fusion with our palette, so light and dark look the same on every platform."""
    app.setStyle("Fusion")
    p = QPalette()
    if theme.dark:
        window, base, text = QColor("#2b2d31"), QColor("#1e1f22"), QColor("#e3e3e3")
        button, alt = QColor("#34363b"), QColor("#26282c")
        p.setColor(QPalette.ColorRole.Window, window)
        p.setColor(QPalette.ColorRole.WindowText, text)
        p.setColor(QPalette.ColorRole.Base, base)
        p.setColor(QPalette.ColorRole.AlternateBase, alt)
        p.setColor(QPalette.ColorRole.Text, text)
        p.setColor(QPalette.ColorRole.Button, button)
        p.setColor(QPalette.ColorRole.ButtonText, text)
        p.setColor(QPalette.ColorRole.ToolTipBase, QColor("#3a3d42"))
        p.setColor(QPalette.ColorRole.ToolTipText, text)
        p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8a8a8a"))
        p.setColor(QPalette.ColorRole.Highlight, QColor("#3d6fb8"))
        p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
        p.setColor(QPalette.ColorRole.Link, theme.accent)
        p.setColor(QPalette.ColorRole.Mid, QColor("#45484e"))
        p.setColor(QPalette.ColorRole.Midlight, QColor("#3a3d42"))
        p.setColor(QPalette.ColorRole.Dark, QColor("#18191b"))
        p.setColor(QPalette.ColorRole.Light, QColor("#4a4d53"))
        for role in (
            QPalette.ColorRole.Text,
            QPalette.ColorRole.WindowText,
            QPalette.ColorRole.ButtonText,
        ):
            p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#777777"))
    else:
        window, base, text = QColor("#f0efeb"), QColor("#ffffff"), QColor("#1f1f1f")
        p.setColor(QPalette.ColorRole.Window, window)
        p.setColor(QPalette.ColorRole.WindowText, text)
        p.setColor(QPalette.ColorRole.Base, base)
        p.setColor(QPalette.ColorRole.AlternateBase, QColor("#f7f6f2"))
        p.setColor(QPalette.ColorRole.Text, text)
        p.setColor(QPalette.ColorRole.Button, QColor("#f5f4f0"))
        p.setColor(QPalette.ColorRole.ButtonText, text)
        p.setColor(QPalette.ColorRole.ToolTipBase, QColor("#fffbe6"))
        p.setColor(QPalette.ColorRole.ToolTipText, text)
        p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8a8a8a"))
        p.setColor(QPalette.ColorRole.Highlight, QColor("#b3d1ff"))
        p.setColor(QPalette.ColorRole.HighlightedText, text)
        p.setColor(QPalette.ColorRole.Link, theme.accent)
    app.setPalette(p)
