"""A reading longer than spaCy's default limit of 1,000,000 characters (a long book) is
tokenised like any other wherever only rules are involved: snapping, token agreement and the
CoNLL and spaCy exports. The limit guards the parser's memory, which none of these use; it
made them fail with spaCy's E088 and a traceback."""

from __future__ import annotations

import json

from annotator.nlp.tokens import TokenIndex, snap_to_tokens
from annotator.project import Project
from tests.test_cli import run

BOOK = "Some books are to be tasted, others to be swallowed, and some few chewed. " * 15_000
TAIL = len(BOOK) - len("chewed. ")  # the last word, past the first million characters


def test_the_book_is_longer_than_spacys_default_limit():
    assert len(BOOK) > 1_000_000 and TAIL > 1_000_000


def test_a_selection_near_the_end_of_a_long_book_snaps_to_its_word():
    start = TAIL + 2
    assert snap_to_tokens(BOOK, start, start + 1) == (TAIL, TAIL + len("chewed"))
    assert TokenIndex().spans(BOOK)[-2] == (TAIL, TAIL + len("chewed"))


def test_token_agreement_and_conll_and_spacy_exports_of_a_long_book(tmp_path):
    path = tmp_path / "book.annotator"
    with Project(path) as project:
        document, _ = project.add_text("A long book", BOOK)
    for who in ("ada", "ben"):
        done = run(
            "--annotator", who, "annotate", document.id,
            "--start", str(TAIL), "--end", str(TAIL + 6), "--label", "FOOD",
            project=path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    agreement = run(
        "agreement", "--annotators", "ada,ben", "--unit", "token", "--format", "json",
        project=path,
    )  # fmt: skip
    assert agreement.returncode == 0, agreement.stderr
    assert "Traceback" not in agreement.stderr
    report = json.loads(agreement.stdout)
    assert report  # computed over the whole book
    conll = run(
        "export", "--format", "conll", "--annotator", "ada", "-o", str(tmp_path / "b.conll"),
        project=path,
    )  # fmt: skip
    assert conll.returncode == 0, conll.stderr
    tagged = [
        line
        for line in (tmp_path / "b.conll").read_text(encoding="utf-8").splitlines()
        if line.endswith("-FOOD")
    ]
    assert tagged == ["chewed -X- _ B-FOOD"]
    spacy_file = tmp_path / "b.spacy"
    exported = run(
        "export", "--format", "spacy", "--annotator", "ada", "-o", str(spacy_file), project=path
    )
    assert exported.returncode == 0, exported.stderr
    import spacy
    from spacy.tokens import DocBin

    (doc,) = DocBin().from_disk(spacy_file).get_docs(spacy.blank("en").vocab)
    assert [(e.text, e.label_, e.start_char) for e in doc.ents] == [("chewed", "FOOD", TAIL)]
