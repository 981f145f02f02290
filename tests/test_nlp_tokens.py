"""Snapping selections to tokens and token spans (annotator.nlp.tokens)."""

from __future__ import annotations

import threading
import time

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.errors import SpanError
from annotator.nlp.tokens import TokenIndex, snap_to_tokens, token_index, token_spans

TEXT = "Hello  wonderful world.\n\nNext 🙂 para 𝛽eta."
WONDERFUL = (7, 16)


def test_snap_expands_mid_word_selection_to_whole_word() -> None:
    assert snap_to_tokens(TEXT, 9, 12) == WONDERFUL  # "nde"


def test_snap_expand_is_the_default_and_covers_every_touched_token() -> None:
    assert snap_to_tokens(TEXT, 3, 18) == (0, 22)  # "lo  wonderful wo" → "Hello  wonderful world"


def test_snap_contract_shrinks_to_tokens_fully_inside() -> None:
    assert snap_to_tokens(TEXT, 3, 19, mode="contract") == WONDERFUL


def test_snap_contract_inside_one_word_gives_none() -> None:
    assert snap_to_tokens(TEXT, 9, 12, mode="contract") is None


def test_snap_character_mode_keeps_selection() -> None:
    assert snap_to_tokens(TEXT, 9, 12, mode="character") == (9, 12)
    assert snap_to_tokens(TEXT, 4, 8, mode="character") == (4, 8)


def test_snap_trims_whitespace_and_refuses_whitespace_only_selection() -> None:
    assert snap_to_tokens(TEXT, 5, 8) == (5 + 2, 16)  # "  w" → "wonderful"
    assert snap_to_tokens(TEXT, 5, 7) is None
    assert snap_to_tokens(TEXT, 23, 25) is None  # the blank line


def test_snap_counts_code_points_around_emoji_and_mathematical_letters() -> None:
    start = TEXT.index("𝛽eta")
    snapped = snap_to_tokens(TEXT, start + 1, start + 2)
    assert snapped is not None
    assert TEXT[snapped[0] : snapped[1]] == "𝛽eta"
    emoji = TEXT.index("🙂")
    assert snap_to_tokens(TEXT, emoji, emoji + 1) == (emoji, emoji + 1)


def test_snap_accepts_a_doc() -> None:
    doc = spacy.blank("en")(TEXT)
    assert snap_to_tokens(doc, 9, 12) == WONDERFUL


def test_snap_rejects_selection_outside_text() -> None:
    with pytest.raises(SpanError, match="does not fit"):
        snap_to_tokens(TEXT, 10, len(TEXT) + 1)
    with pytest.raises(SpanError):
        snap_to_tokens(TEXT, 12, 9)


def test_snap_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError, match="snap mode"):
        snap_to_tokens(TEXT, 0, 3, mode="word")  # type: ignore[arg-type]


def test_snap_reuses_tokenisation_of_the_same_text() -> None:
    index = token_index()
    text = "A fresh text for the cache test."
    first = index.doc(text)
    assert index.doc(text) is first
    assert index.doc("".join(["A fresh text for ", "the cache test."])) is first


def test_token_index_evicts_least_recently_used_text() -> None:
    index = TokenIndex(size=2)
    one = index.doc("one")
    index.doc("two")
    index.doc("one")
    index.doc("three")  # evicts "two", the least recently used
    assert index.doc("one") is one
    assert len(index._docs) == 2
    assert "two" not in index._docs


def test_token_spans_skip_whitespace_tokens() -> None:
    spans = token_spans(TEXT)
    assert [TEXT[s:e] for s, e in spans] == [
        "Hello", "wonderful", "world", ".", "Next", "🙂", "para", "𝛽eta", ".",
    ]  # fmt: skip


def test_token_spans_use_given_tokenizer() -> None:
    nlp = spacy.blank("en")
    nlp.tokenizer.add_special_case("wonderful", [{"ORTH": "wonder"}, {"ORTH": "ful"}])
    spans = token_spans("so wonderful", nlp=nlp)
    assert spans == [(0, 2), (3, 9), (9, 12)]
    assert snap_to_tokens("so wonderful", 4, 5, nlp=nlp) == (3, 9)


def test_a_text_being_tokenised_on_another_thread_is_waited_for_not_tokenised_again() -> None:
    """The window's warm-up thread tokenises the shown text; a selection made meanwhile gets
    that same Doc rather than paying for a second tokenisation on the GUI thread."""
    index = TokenIndex()  # the window's: spaCy's blank English, made on first need
    text = "Some books are to be tasted, others to be swallowed. " * 40_000  # 2.1 M, a book
    made: list[object] = []
    warm_up = threading.Thread(target=lambda: made.append(index.doc(text)))
    warm_up.start()
    deadline = time.monotonic() + 30
    while text not in index._pending and not made and time.monotonic() < deadline:
        time.sleep(0.001)
    selection_doc = index.doc(text)
    warm_up.join()
    assert made and selection_doc is made[0]
    assert index._pending == {}


def _sample_texts() -> list[str]:
    from tests.conftest import SAMPLES

    texts = [
        TEXT,
        "a   b\tc\n\n\nd  \u00a0e\u2003f",
        "Dr. O'Neil's e-mail: x@y.org (see https://a.b/c?d=1).",
    ]
    if SAMPLES.is_dir():
        texts += [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    return texts


SAMPLE_TEXTS = _sample_texts()
WHOLE = {i: spacy.blank("en").make_doc(text) for i, text in enumerate(SAMPLE_TEXTS)}


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_snapping_around_the_selection_gives_what_tokenising_the_whole_text_gives(data):
    """Selections are snapped by tokenising only a stretch around them, cut at whitespace:
    on messy web text, slides, German, emoji and non-BMP letters (the sample readings) it
    agrees with tokenising the whole text, in both token modes."""
    which = data.draw(st.integers(0, len(SAMPLE_TEXTS) - 1))
    text = SAMPLE_TEXTS[which]
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 300)))
    mode = data.draw(st.sampled_from(["expand", "contract"]))
    assert snap_to_tokens(text, start, end, mode) == snap_to_tokens(WHOLE[which], start, end, mode)
