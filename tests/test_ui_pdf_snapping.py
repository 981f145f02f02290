"""Drag selections on a PDF page snap to whole words as in a text document (issue 15: drags
stopped mid-word, "graphica", "alway"), by PyMuPDF's word boxes; with Snap to Words off
(character mode) a selection keeps exactly the characters dragged over."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt

from annotator.core.model import AnnotationKind
from tests.test_ui_pdf import (
    _no_import_question,
    build_pdf,
    char_rect,
    drag,
    open_pdf,
    prefs,
    window,
)

__all__ = ["_no_import_question", "prefs", "window"]  # fixtures shared with test_ui_pdf


def inside(window, offset: int) -> QPoint:
    """A viewport point in the middle of the character at ``offset``."""
    rect = char_rect(window, offset)
    return QPoint(round(rect.center().x()), round(rect.center().y()))


def mid_word(window, word: str, index: int) -> tuple[QPoint, int, int]:
    """A point on the ``index``-th character of ``word``, and the word's span."""
    start = window.pdf_view.text.index(word)
    return inside(window, start + index), start, start + len(word)


def test_a_drag_stopping_mid_word_takes_the_whole_words(qtbot, window, project, tmp_path):
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    p1, start, _ = mid_word(window, "annotation", 3)  # "ann|otation"
    p2, _, end = mid_word(window, "argument", 4)  # "argu|ment"
    drag(qtbot, window.pdf_view.viewport(), p1, p2)
    assert window.pdf_view.selected_text() == "annotation is a small argument"
    assert window.pdf_view.selection_span() == (start, end)
    qtbot.keyClick(window.pdf_view, Qt.Key.Key_H)
    (a,) = project.annotations(window.document.id)
    assert a.quote == "annotation is a small argument" and a.kind == AnnotationKind.HIGHLIGHT


def test_a_backward_drag_snaps_too_and_leaves_the_full_stop(qtbot, window, tmp_path):
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    p1, _, _ = mid_word(window, "meaning.", 2)  # "me|aning."
    p2, _, _ = mid_word(window, "about", 3)
    drag(qtbot, window.pdf_view.viewport(), p1, p2)
    # The word the drag began in is whole; its full stop is a word of its own.
    assert window.pdf_view.selected_text() == "about meaning"


def test_character_mode_keeps_part_of_a_word(qtbot, window, project, tmp_path):
    window.suggestions.act_snap.trigger()  # Annotate → Snap to Words, off
    assert not window.suggestions.snapping and not window.pdf_view.snap_to_words
    open_pdf(qtbot, window, build_pdf(tmp_path / "reading.pdf"))
    p1, _, _ = mid_word(window, "annotation", 3)
    p2, _, _ = mid_word(window, "argument", 4)
    drag(qtbot, window.pdf_view.viewport(), p1, p2)
    selected = window.pdf_view.selected_text()
    assert selected.startswith("otation is a small argu") and not selected.endswith("argument")
    qtbot.keyClick(window.pdf_view, Qt.Key.Key_H)
    (a,) = project.annotations(window.document.id)
    assert a.quote == selected
    window.suggestions.act_snap.trigger()  # and back on: the next drag snaps again
    assert window.pdf_view.snap_to_words
