"""Markdown syntax is hidden from the model without moving offsets."""

from __future__ import annotations

from annotator.nlp.markup import has_words, mask_markdown


def test_masking_keeps_length_and_every_word_in_place():
    text = "# Of Studies\n\n*Francis Bacon*, from the [Essays](http://x.org) of `1625`.\n- a list\n"
    masked = mask_markdown(text)
    assert len(masked) == len(text)
    for word in ("Of Studies", "Francis Bacon", "Essays", "1625", "a list"):
        assert masked[text.index(word) : text.index(word) + len(word)] == word
    assert "#" not in masked and "*" not in masked and "http" not in masked


def test_snake_case_and_newlines_survive():
    text = "call read_file\n\nnext _emphasis_ here"
    masked = mask_markdown(text)
    assert "read_file" in masked
    assert "_emphasis_" not in masked
    assert masked.count("\n") == text.count("\n")


def test_symbol_only_spans_are_not_words():
    assert not has_words("#")
    assert not has_words("📖")
    assert has_words("𝛽eta")


def test_suggestions_on_the_sample_reading_skip_markdown_markup(project, sample_document):
    from annotator.suggesting.review import pending_suggestions
    from annotator.suggesting.running import run_suggestions

    run_suggestions(project, [sample_document.id], kind="entities")
    quotes = {a.quote for a in pending_suggestions(project, sample_document.id)}
    assert quotes, "the model should find entities in Bacon's essay"
    assert all(has_words(q) for q in quotes)
    assert not any(q.startswith(("#", "*")) for q in quotes)
