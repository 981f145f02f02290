"""Markdown inline styling: where the runs are (pure), and the reader styling them in place."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

from annotator.documents.markdown import inline_marks

TEXT = (
    "*Francis Bacon, 1625.* Some **strong** and _light_ words, snake_case_name, 2*3*4,\n"
    'a `code *not emphasis*` span, a [link](https://example.org "title") and 🙂 *𝛽 emoji*.\n'
    "An * alone and **unclosed bold.\n"
)


def runs(text: str) -> list[tuple[str, str, str]]:
    return [
        (m.style, text[m.start : m.end], text[m.text[0] : m.text[1]]) for m in inline_marks(text)
    ]


def test_emphasis_strong_code_and_links_are_found_with_their_syntax():
    assert runs(TEXT) == [
        ("emphasis", "*Francis Bacon, 1625.*", "Francis Bacon, 1625."),
        ("strong", "**strong**", "strong"),
        ("emphasis", "_light_", "light"),
        ("code", "`code *not emphasis*`", "code *not emphasis*"),
        ("link", '[link](https://example.org "title")', "link"),
        ("emphasis", "*𝛽 emoji*", "𝛽 emoji"),
    ]


def test_markers_are_exactly_the_syntax_characters():
    text = "a **b** [c](d) `e`"
    for mark in inline_marks(text):
        syntax = "".join(text[a:b] for a, b in mark.markers)
        inner = text[mark.text[0] : mark.text[1]]
        assert len(syntax) + len(inner) == mark.end - mark.start
        assert not any(ch.isalpha() for ch in syntax.replace("(d)", "")), syntax


def test_a_range_on_line_boundaries_finds_the_same_runs_as_the_whole_text():
    cut = TEXT.index("\n") + 1
    assert inline_marks(TEXT, 0, cut) + inline_marks(TEXT, cut) == inline_marks(TEXT)


def test_the_reader_styles_markdown_in_place_without_moving_offsets(qtbot, project, tmp_path: Path):
    pytest.importorskip("pytestqt")
    from PySide6.QtGui import QTextCursor

    from annotator.ui.reader import ReaderView

    path = tmp_path / "notes.md"
    path.write_text("# Title\n\n" + TEXT, encoding="utf-8")
    document, _ = project.add_document(str(path))
    reader = ReaderView()
    qtbot.addWidget(reader)
    reader.resize(800, 600)
    reader.show()
    reader.load(document, [])
    qtbot.waitUntil(lambda: reader.inline_styled)
    assert reader.toPlainText() == document.text  # nothing rendered away

    def char_format(offset: int):
        cursor = QTextCursor(reader.document())
        cursor.setPosition(reader.to_qt(offset) + 1)  # the format of the char before
        return cursor.charFormat()

    text = document.text
    beta = text.index("𝛽")
    assert char_format(beta).fontItalic()  # after a character outside the BMP
    assert char_format(text.index("strong")).fontWeight() >= 700
    assert char_format(text.index("code *not")).fontFixedPitch()
    assert not char_format(text.index("not emphasis")).fontItalic()
    star = text.index("*Francis")
    assert char_format(star).foreground().color().alpha() < 255  # syntax faded
    assert char_format(text.index("Title")).fontWeight() >= 700  # headings still bold
    # A selection over styled text still maps to the same code points.
    reader.select_span(beta, beta + len("𝛽 emoji"))
    assert reader.selection_span() == (beta, beta + len("𝛽 emoji"))
