"""Text and Markdown files → canonical text, whatever their encoding and newlines."""

from __future__ import annotations

import codecs

import pytest

from annotator.core.errors import DocumentError
from annotator.core.model import DocumentKind
from annotator.documents import load_document
from annotator.documents.text import load_text

GERMAN = "Grüße aus Köln – „Anführungszeichen“ und die Straße.\nZweite Zeile: Äpfel, Öl, Übel.\n"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-16-le", b""),
        ("utf-16-be", b""),
        ("cp1252", b""),
        ("latin-1", b""),
    ],
)
def test_german_text_decodes_in_every_common_encoding(tmp_path, encoding, prefix):
    text = GERMAN.replace("„", '"').replace("“", '"').replace("–", "-")
    if encoding.startswith("utf"):
        text = GERMAN
    path = tmp_path / "reading.txt"
    path.write_bytes(prefix + text.encode(encoding))
    assert load_text(path).text == text


def test_windows_and_old_mac_newlines_become_line_feeds(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"one\r\ntwo\rthree\n")
    assert load_text(path).text == "one\ntwo\nthree\n"


def test_markdown_title_comes_from_the_first_heading(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("Intro line\n\n# The Real Title\n\nBody", encoding="utf-8")
    loaded = load_text(path)
    assert loaded.kind is DocumentKind.MARKDOWN
    assert loaded.title == "The Real Title"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Reading notes on Bacon\n\nHe writes of studies.", "Reading notes on Bacon"),
        ("\n\nA title after blank lines\n\nBody.", "A title after blank lines"),
        ("A second reading.\n", "A second reading."),  # the whole text is one line
        ("19.11.2019 1\nLearning State of the Art", "slides"),  # a date, and no line apart
        ("en\n  array(2) {", "slides"),  # one short word
        ("Time and place run on\ninto the next line.", "slides"),  # a sentence, not apart
        ("#### 12 | 13 | 14 ####\n\nBody", "slides"),  # mostly not letters
        ("A" + " very" * 30 + " long first line\n\nBody", "slides"),  # over 100 characters
    ],
)
def test_a_plain_texts_title_is_a_real_heading_or_the_file_name(tmp_path, text, title):
    path = tmp_path / "slides.txt"
    path.write_text(text, encoding="utf-8")
    assert load_text(path).title == title


def test_same_bytes_give_the_same_identity_wherever_the_file_is(tmp_path):
    a = tmp_path / "a.txt"
    b = tmp_path / "sub" / "b.txt"
    b.parent.mkdir()
    a.write_text("same text", encoding="utf-8")
    b.write_text("same text", encoding="utf-8")
    assert load_text(a).sha256 == load_text(b).sha256


def test_sample_readings_with_emoji_and_non_bmp_characters_load(samples):
    for path in samples.glob("*.txt"):
        loaded = load_document(path)
        assert loaded.text
        assert "\r" not in loaded.text


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "does not exist"),
        (lambda p: (p.mkdir(), p)[1], "is a folder"),
        (lambda p: (p.write_bytes(b""), p)[1], "is empty"),
        (lambda p: (p.write_bytes(b"   \n\t\n"), p)[1], "only white space"),
        (lambda p: (p.write_bytes(bytes(range(256)) * 40), p)[1], "binary"),
        (lambda p: (p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50), p)[1], "binary"),
    ],
)
def test_unreadable_inputs_get_a_clear_error(tmp_path, make, message):
    path = make(tmp_path / "input.txt")
    with pytest.raises(DocumentError, match=message):
        load_document(path)


def test_damaged_utf8_with_a_bom_is_reported_not_guessed(tmp_path):
    path = tmp_path / "broken.txt"
    path.write_bytes(codecs.BOM_UTF8 + b"fine " + b"\xff\xfe\xfa broken")
    with pytest.raises(DocumentError, match="byte-order mark"):
        load_text(path)
