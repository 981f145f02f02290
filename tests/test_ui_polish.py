"""Smaller things a student trips over (issue 15, item 5): find hits in a style of their own,
Shift+H saying what H does next, the dark theme's colours told apart (numerically and on
screen), a roomy legend dialog, a toolbar that stays put, counts in the right number."""

from __future__ import annotations

import math
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QToolBar

from annotator.core.model import AnnotationKind, Label
from annotator.project import Project
from annotator.ui.dialogs import LegendEntryDialog
from annotator.ui.marks import COMMENT_TINT, SYMBOL_TINT
from annotator.ui.preferences import Preferences
from annotator.ui.theme import DARK, LIGHT, ThemeChoice, contrast
from tests.test_ui_pdf import build_pdf, open_pdf
from tests.test_ui_window import open_window, press, select

SHOTS = os.environ.get("ANNOTATOR_SCREENSHOTS")  # a folder: save what the tests look at


@pytest.fixture
def prefs(tmp_path: Path) -> Preferences:
    return Preferences(tmp_path / "settings.ini")


@pytest.fixture
def window(qtbot, project: Project, sample_document, prefs: Preferences):
    w = open_window(qtbot, project, prefs, sample_document.id)
    yield w
    w.close()


def _lab(color: QColor) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour, for telling colours apart as eyes do."""

    def linear(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = linear(color.red()), linear(color.green()), linear(color.blue())
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a: QColor, b: QColor) -> float:
    return math.dist(_lab(a), _lab(b))


def near(image: QImage, color: QColor, tolerance: int = 40) -> int:
    """How many pixels of ``image`` are within ``tolerance`` of ``color`` (every second one)."""
    found = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            p = image.pixelColor(x, y)
            if (
                abs(p.red() - color.red())
                + abs(p.green() - color.green())
                + abs(p.blue() - color.blue())
                <= tolerance
            ):
                found += 1
    return found


# -- find hits ------------------------------------------------------------------------------


def test_find_hits_are_outlined_in_a_colour_no_highlight_is_drawn_in(qtbot, window, project):
    document = window.document
    legend = project.legend()
    # A highlight in every legend colour, "question" (the old find orange) among them.
    phrases = ["Studies", "delight", "ornament", "ability", "use"]
    for label, phrase in zip(legend.labels, phrases, strict=False):
        start = window.reader.text.index(phrase)
        project.annotate(document.id, start, start + len(phrase), color=label.color)
    window.find.open_find()
    qtbot.keyClicks(window.area.find_bar.edit, "studies")
    qtbot.waitUntil(lambda: len(window.find.matches) > 3, timeout=2000)
    backgrounds = {s.format.background().color().name() for s in window.reader.extraSelections()}
    theme = window.options.theme
    tints = {theme.highlight(label.color).name() for label in legend.labels}
    assert backgrounds <= tints  # only the highlights are fills: no fill for a hit
    assert theme.find_line.name() not in {label.color for label in legend.labels}
    window.reader.viewport().repaint()
    image = window.reader.viewport().grab().toImage()
    assert near(image, theme.find_line) > 20  # the outlines are on screen
    for t in (LIGHT, DARK):
        assert contrast(t.find_line, t.paper) >= 3.0  # seen against the page


def test_find_hits_on_a_pdf_page_are_outlined_too(qtbot, window, tmp_path):
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf", pages=1))
    window.find.open_find()
    window.area.find_bar.edit.setText("reader")
    window.area.find_bar._emit()
    assert window.find.matches
    window.pdf_view.viewport().repaint()
    image = window.pdf_view.viewport().grab().toImage()
    assert near(image, LIGHT.find_line) > 10
    assert near(image, QColor("#ff8c1a"), 30) == 0  # no orange box as before


# -- Shift+H ---------------------------------------------------------------------------------


def test_a_colour_chosen_with_shift_h_becomes_what_h_uses_and_the_status_says_so(
    qtbot, window, project, sample_document
):
    legend = project.legend()
    question = next(label for label in legend.labels if label.name == "question")
    assert window.legend.current_color.lower() != question.color.lower()
    select(window, "Studies serve for delight")
    chosen = next(a for a in window.legend.color_menu.actions() if a.text().endswith("question"))
    chosen.trigger()  # what Shift+H's menu does when "question" is picked
    (first,) = project.annotations(sample_document.id)
    assert first.color == question.color
    message = window.statusBar().currentMessage()
    assert "H now highlights as “question”" in message
    # The toolbar shows it: the Highlight button's swatch is the new colour.
    icon = window.legend.highlight_button.icon().pixmap(14, 14).toImage()
    assert icon.pixelColor(7, 7).name() == question.color.lower()
    assert window.legend.legend_bar is not None
    select(window, "Crafty men contemn studies")
    press(qtbot, window, Qt.Key.Key_H)
    second = next(a for a in project.annotations(sample_document.id) if a.id != first.id)
    assert second.color == question.color


# -- the dark theme ---------------------------------------------------------------------------


def test_in_the_dark_theme_every_colour_stands_apart_from_the_page_and_from_each_other(
    project,
):
    legend = [QColor(label.color) for label in project.legend().labels]
    tints = [DARK.highlight(c) for c in legend]
    shades = [DARK.highlight(COMMENT_TINT, 0.6), DARK.highlight(SYMBOL_TINT, 0.6)]
    for tint in tints:
        assert contrast(tint, DARK.paper) >= 2.5  # a highlight is seen on the page
        assert contrast(DARK.ink, tint) >= 4.5  # and its words are still read (WCAG AA)
        for shade in shades:  # blue vs the grey of a note was the complaint
            assert delta_e(tint, shade) >= 20, (tint.name(), shade.name())
    for a in range(len(tints)):
        for b in range(a + 1, len(tints)):
            assert delta_e(tints[a], tints[b]) >= 10
    for shade in shades:
        assert contrast(shade, DARK.paper) >= 1.5
        assert contrast(DARK.ink, shade) >= 4.5
    assert contrast(DARK.find_line, DARK.paper) >= 3.0


def test_the_dark_window_paints_each_legend_colour_as_the_theme_says(
    qtbot, window, project, sample_document
):
    text = window.reader.text
    phrases = ["Studies serve for delight", "for ornament", "and for ability", "Their chief use"]
    phrases.append("is in privateness")
    colours = [label.color for label in project.legend().labels]
    for phrase, colour in zip(phrases, colours, strict=False):
        start = text.index(phrase)
        project.annotate(sample_document.id, start, start + len(phrase), color=colour)
    start = text.index("perhaps judge of")
    comment = AnnotationKind.COMMENT
    project.annotate(sample_document.id, start, start + 16, note="a note", kind=comment)
    start = text.index("one by one")
    project.annotate(sample_document.id, start, start + 10, symbol="?")
    window.options.set_theme(ThemeChoice.DARK)
    window.reader.scroll_to_offset(text.index("Studies serve"), top=True)
    window.reader.refresh_now()
    window.reader.viewport().repaint()
    if SHOTS:
        window.grab().save(str(Path(SHOTS) / "dark-theme-legend.png"))
    image = window.reader.viewport().grab().toImage()
    for colour in colours:
        assert near(image, DARK.highlight(colour), 12) > 20, colour
    for tint in (COMMENT_TINT, SYMBOL_TINT):
        assert near(image, DARK.highlight(tint, 0.6), 12) > 20, tint


# -- the legend dialog and the toolbar ----------------------------------------------------------


def test_the_legend_dialog_shows_the_whole_description(qtbot):
    label = Label("question", "#ffb347", "", "Something I do not understand or want to ask")
    dialog = LegendEntryDialog(label)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    box = dialog.description
    assert box.toPlainText() == label.description
    assert box.verticalScrollBar().maximum() == 0  # all of it in view, none scrolled away
    assert box.width() >= 300
    if SHOTS:
        dialog.grab().save(str(Path(SHOTS) / "legend-dialog.png"))
    box.setPlainText("Two lines\nof meaning")
    assert dialog.label().description == "Two lines of meaning"


def tool_places(window) -> dict[str, tuple[int, int, int]]:
    bar = window.findChild(QToolBar, "toolsBar")
    places = {}
    for i, action in enumerate(bar.actions()):
        widget = bar.widgetForAction(action)
        if widget is not None and widget.isVisible():
            places[f"{i} {action.text()}"] = (widget.x(), widget.width(), bar.height())
    return places


def test_the_toolbar_stays_put_after_an_edit(qtbot, window, project):
    before = tool_places(window)
    legend = project.legend()
    labels = list(legend.labels)
    labels[1] = Label(labels[1].name, labels[1].color, "", "A longer description " * 4)
    window.legend._replace_legend(legend, tuple(labels), "Edit colour")
    select(window, "Studies serve for delight")
    press(qtbot, window, Qt.Key.Key_H)
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(50)
    assert tool_places(window) == before
