"""A researcher's corpus workflow from the command line (issue 16), run as a user would:
who annotates (``annotators``, ``--annotator``, merging two laptops), reviewing suggestions
(``review``), adjudicating (``adjudicate``), listings with titles, label sets that never
drop spans silently, and one-layer exports that make the user choose an annotator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.model import AnnotationStatus
from annotator.project import Project

SUGGESTED = AnnotationStatus.SUGGESTED

TEXT = "Ada Lovelace met Charles Babbage in London in 1833.\n\nThey wrote 2 notes."


def run(*args: str, project: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator", "--project", str(project), *args],
        capture_output=True, text=True, encoding="utf-8", input=stdin,
        env={**os.environ, "PYTHONWARNINGS": "ignore"}, check=False, timeout=180,
    )  # fmt: skip


def span(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def suggested(tmp_path: Path) -> tuple[Path, str]:
    """One document with pending suggestions of 'me' (the default annotator)."""
    path = tmp_path / "review.annotator"
    with Project(path) as project:
        doc = project.add_text("Letter", TEXT)[0]
        for phrase, label in [("Ada Lovelace", "PERSON"), ("Charles Babbage", "PERSON"),
                              ("London", "GPE"), ("1833", "DATE"), ("2", "CARDINAL")]:  # fmt: skip
            project.annotate(
                doc.id, *span(phrase), label=label, status="suggested", source="model@1"
            )
    return path, doc.id


@pytest.fixture
def two_readers(tmp_path: Path) -> tuple[Path, str]:
    """ann and ben read the same letter: they agree on two spans and differ on two."""
    path = tmp_path / "adjudicate.annotator"
    with Project(path) as project:
        doc = project.add_text("Letter", TEXT)[0]
        readings = {
            "ann": [("Ada Lovelace", "PER"), ("Charles Babbage", "PER"), ("London", "GPE"),
                    ("1833", "DATE")],
            "ben": [("Ada Lovelace", "PER"), ("Charles Babbage", "PER"), ("London", "LOC")],
        }  # fmt: skip
        for name, spans in readings.items():
            for phrase, label in spans:
                project.annotate(doc.id, *span(phrase), label=label, annotator=name)
    return path, doc.id


# -- who annotates ----------------------------------------------------------------------------


def test_annotators_lists_counts_and_marks_who_i_am(two_readers):
    path, _ = two_readers
    assert run("annotators", "use", "ann", project=path).returncode == 0
    listing = run("annotators", project=path)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].startswith("* ann") and "4 annotations" in lines[0]
    assert lines[1].startswith("  ben") and "3 annotations" in lines[1]
    rows = json.loads(run("annotators", "--json", project=path).stdout)
    assert [(r["name"], r["annotations"], r["documents"], r["current"]) for r in rows] == [
        ("ann", 4, 1, True),
        ("ben", 3, 1, False),
    ]


def test_annotate_is_attributed_to_who_i_am_or_to_the_global_annotator(two_readers):
    path, doc_id = two_readers
    run("annotators", "use", "ben", project=path)
    mine = run("annotate", doc_id, "--start", "0", "--end", "3", project=path)
    theirs = run("--annotator", "cy", "annotate", doc_id, "--start", "4", "--end", "12",
                 project=path)  # fmt: skip
    assert mine.returncode == 0 and theirs.returncode == 0, theirs.stderr
    with Project(path) as project:
        assert (
            project.annotation(mine.stdout.strip()).annotator_id == project.find_annotator("ben").id
        )
        assert (
            project.annotation(theirs.stdout.strip()).annotator_id
            == project.find_annotator("cy").id
        )
        assert project.current_annotator.name == "ben"  # --annotator is for one command


def test_imports_are_attributed_to_the_global_annotator(tmp_path):
    path = tmp_path / "import.annotator"
    data = tmp_path / "tasks.jsonl"
    data.write_text(json.dumps({"text": TEXT, "label": [[0, 12, "PER"]]}) + "\n", "utf-8")
    result = run("--annotator", "dora", "import", str(data), "--format", "doccano", project=path)
    assert result.returncode == 0, result.stderr
    with Project(path) as project:
        (a,) = project.annotations()
        assert a.annotator_id == project.find_annotator("dora").id


def test_renaming_an_annotator_keeps_their_work_and_who_i_am(two_readers):
    path, _ = two_readers
    run("annotators", "use", "ann", project=path)
    result = run("annotators", "rename", "ann", "Ann Smith", project=path)
    assert result.returncode == 0, result.stderr
    taken = run("annotators", "rename", "ben", "Ann Smith", project=path)
    assert taken.returncode == 1 and "already an annotator called 'Ann Smith'" in taken.stderr
    gold = run("annotators", "use", "gold", project=path)
    assert gold.returncode == 1 and "adjudicated layer" in gold.stderr
    with Project(path) as project:
        assert project.current_annotator.name == "Ann Smith"
        assert len(project.annotations(annotator="Ann Smith")) == 4
        assert any(e["action"] == "rename" and e["entity"] == "annotator"
                   for e in project.history())  # fmt: skip


def test_two_laptops_that_kept_the_default_name_are_two_people_only_when_told(tmp_path):
    ours, theirs = tmp_path / "lapA.annotator", tmp_path / "lapB.annotator"
    for path, phrase in ((ours, "Ada Lovelace"), (theirs, "London")):
        with Project(path) as project:  # both kept the default name 'me'
            doc = project.add_text("Letter", TEXT)[0]
            project.annotate(doc.id, *span(phrase), label="X")
    asked = run("merge", str(theirs), project=ours)
    assert asked.returncode == 1
    assert "--same-people" in asked.stderr and "--their-name me=" in asked.stderr
    merged = run("merge", str(theirs), "--their-name", "me=ben", project=ours)
    assert merged.returncode == 0, merged.stderr
    assert "'me' renamed to 'ben'" in merged.stdout
    with Project(ours) as project:
        assert sorted(a.name for a in project.annotators()) == ["ben", "me"]
        assert [a.quote for a in project.annotations(annotator="ben")] == ["London"]
        assert [a.quote for a in project.annotations(annotator="me")] == ["Ada Lovelace"]
    unknown = run("merge", str(theirs), "--their-name", "zed=ben", project=ours)
    assert unknown.returncode == 1 and "no annotator called 'zed'" in unknown.stderr


# -- reviewing suggestions ------------------------------------------------------------------


def test_review_accepts_by_label_rejects_by_document_and_undoes(suggested):
    path, doc_id = suggested
    listed = json.loads(run("review", "list", "--json", project=path).stdout)
    assert [r["quote"] for r in listed] == ["Ada Lovelace", "Charles Babbage", "London", "1833",
                                            "2"]  # fmt: skip
    assert listed[0]["title"] == "Letter"
    refused = run("review", "accept", project=path)
    assert refused.returncode == 1 and "--all, --label" in refused.stderr

    accepted = run("review", "accept", "--label", "PERSON", project=path)
    assert accepted.returncode == 0 and accepted.stdout.startswith("accepted 2 suggestions")
    one = run("review", "accept", "--id", listed[3]["id"], project=path)
    assert one.stdout.startswith("accepted 1 suggestion ")
    rejected = run("review", "reject", "--document", doc_id, project=path)
    assert rejected.stdout.startswith("rejected 2 suggestions")
    with Project(path) as project:
        assert sorted(a.quote for a in project.annotations()) == ["1833", "Ada Lovelace",
                                                                   "Charles Babbage"]  # fmt: skip

    undone = run("review", "undo", project=path)
    assert undone.returncode == 0 and "Undo reject of 2 suggestions" in undone.stdout
    assert run("review", "undo", project=path).returncode == 0  # the --id accept
    with Project(path) as project:
        pending = sorted(a.quote for a in project.annotations(statuses=[SUGGESTED]))
        assert pending == ["1833", "2", "London"]
        assert [e for e in project.history() if e["action"] == "undo review"]


def test_review_of_another_annotators_suggestions_with_the_global_option(suggested):
    path, _ = suggested
    result = run("--annotator", "ben", "review", "accept", "--all", project=path)
    assert result.stdout.startswith("accepted 0 suggestions")  # they are me's, not ben's
    assert "'me' has 5 (annotator --annotator NAME review" in result.stdout


# -- adjudicating ---------------------------------------------------------------------------


def test_adjudicate_agreed_then_decide_by_number_recorded_in_history(two_readers):
    path, _ = two_readers
    listing = run("adjudicate", "list", "--annotators", "ann,ben", project=path)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].startswith("1\tLetter") and "'London'" in lines[0]
    assert lines[1].startswith("2\tLetter") and "'1833'" in lines[1]

    agreed = run("--annotator", "chair", "adjudicate", "agreed", "--annotators", "ann,ben",
                 project=path)  # fmt: skip
    assert agreed.returncode == 0, agreed.stderr
    assert agreed.stdout.startswith("2 agreed passages copied into the gold layer")
    bad = run("adjudicate", "decide", "1=maybe", "--annotators", "ann,ben", project=path)
    assert bad.returncode == 1 and "'maybe' is no choice" in bad.stderr
    decided = run("--annotator", "chair", "adjudicate", "decide", "1=B", "2=neither",
                  "--annotators", "ann,ben", project=path)  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    assert "2 of 2 disagreements decided" in decided.stdout
    with Project(path) as project:
        gold = sorted((a.quote, a.label) for a in project.annotations(annotator="gold"))
        assert gold == [("Ada Lovelace", "PER"), ("Charles Babbage", "PER"), ("London", "LOC")]
        decisions = [e for e in project.history() if e["action"] == "adjudicate"]
        assert {e["actor"] for e in decisions} == {"chair"}

    undone = run("adjudicate", "undo", "1", "--annotators", "ann,ben", project=path)
    assert undone.stdout.strip() == "1: undid 'B'"
    undecided = run("adjudicate", "list", "--undecided", "--annotators", "ann,ben", project=path)
    assert [line.split("\t")[0] for line in undecided.stdout.splitlines()] == ["1"]


def test_adjudicate_interactively_in_the_terminal(two_readers):
    path, _ = two_readers
    result = run("adjudicate", "interactive", "--annotators", "ann,ben", project=path,
                 stdin="x\na\ns\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "[1/2] Letter" in result.stdout and "A ann: GPE 'London'" in result.stdout
    assert "please answer" in result.stdout and "1 decided in this session" in result.stdout
    with Project(path) as project:
        assert [(a.quote, a.label) for a in project.annotations(annotator="gold")] == [
            ("London", "GPE")
        ]


# -- listings, titles, label sets, one-layer exports -----------------------------------------


def test_list_shows_suggestion_counts_and_disagreements_show_titles(suggested, two_readers):
    path, doc_id = suggested
    line = run("list", project=path).stdout.splitlines()[0]
    assert line.split("\t") == [doc_id, "    0 annotations", "    5 suggestions", "Letter"]
    path, doc_id = two_readers
    shown = run("disagreements", "--annotators", "ann,ben", project=path).stdout
    assert shown.splitlines()[0].startswith("Letter\t") and doc_id not in shown


def test_titles_are_real_headings_or_the_file_name(tmp_path, samples):
    path = tmp_path / "titles.annotator"
    heading = tmp_path / "notes.txt"
    heading.write_text("Reading notes on Bacon\n\nHe writes of studies.\n", "utf-8")
    files = [samples / "deep-learning-lecture-slides.txt",
             samples / "guides-to-annotating-texts.txt", heading]  # fmt: skip
    assert run("add", *map(str, files), project=path).returncode == 0
    rows = json.loads(run("list", "--json", project=path).stdout)
    titles = {Path(r["path"]).name: r["title"] for r in rows}  # added in the same moment
    assert titles == {
        "deep-learning-lecture-slides.txt": "deep-learning-lecture-slides",  # "19.11.2019 1"
        "guides-to-annotating-texts.txt": "ABLE blog: thoughts, learnings and experiences",
        "notes.txt": "Reading notes on Bacon",
    }


def test_the_default_entity_set_has_every_label_of_the_bundled_model(tmp_path):
    import spacy

    from annotator.nlp.models import FALLBACK_MODEL  # the package Annotator installs

    model_labels = set(spacy.load(FALLBACK_MODEL).get_pipe("ner").labels)
    with Project(tmp_path / "p.annotator") as project:
        names = {label.name for label in project.label_set("Named entities").labels}
    assert model_labels <= names


def test_a_label_set_that_leaves_spans_out_says_how_many(two_readers):
    path, _ = two_readers
    result = run("agreement", "--annotators", "ann,ben", "--unit", "span", "--label-set",
                 "Named entities", project=path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    # ann and ben's PER spans (4 of their 7) are not in the set: said, with the label.
    assert "4 of 7 annotations have labels that are not in the label set 'Named entities'" in (
        result.stderr
    )
    assert "(PER 4)" in result.stderr


def test_one_layer_exports_make_the_user_choose_an_annotator(two_readers, tmp_path):
    path, _ = two_readers
    mixed = run("export", "--format", "conll", project=path)
    assert mixed.returncode == 1 and "'ann', 'ben'" in mixed.stderr
    assert "--annotator NAME" in mixed.stderr and mixed.stdout == ""
    spacy_file = tmp_path / "ann.spacy"
    chosen = run("export", "--format", "spacy", "--annotator", "ann", "-o", str(spacy_file),
                 project=path)  # fmt: skip
    assert chosen.returncode == 0, chosen.stderr
    assert spacy_file.is_file()


def test_annotate_trims_whitespace_unless_characters_are_asked_for(two_readers):
    path, doc_id = two_readers
    start, end = span("London in")
    trimmed = run("annotate", doc_id, "--start", str(start - 1), "--end", str(end - 2),
                  project=path)  # fmt: skip
    assert trimmed.returncode == 0 and "trimmed to" in trimmed.stderr
    exact = run("annotate", doc_id, "--start", str(start - 1), "--end", str(end - 2),
                "--characters", project=path)  # fmt: skip
    with Project(path) as project:
        assert project.annotation(trimmed.stdout.strip()).quote == "London"
        assert project.annotation(exact.stdout.strip()).quote == " London "


def test_suggest_accept_is_attributed_to_the_global_annotator(tmp_path):
    path = tmp_path / "suggest.annotator"
    letter = tmp_path / "letter.txt"
    letter.write_text("Ada Lovelace met Charles Babbage in London.\n", "utf-8")
    assert run("add", str(letter), project=path).returncode == 0
    result = run("--annotator", "model-ann", "suggest", "--accept", project=path)
    assert result.returncode == 0, result.stderr
    with Project(path) as project:
        spans = project.annotations(annotator="model-ann")
        assert spans and all(a.quote == a.quote.strip() for a in spans)
        assert project.current_annotator.name == "me"


def test_adjudicate_agreed_keeps_to_the_label_set(two_readers):
    path, _ = two_readers
    with Project(path) as project:
        project.annotate(project.document_headers()[0].id, *span("1833"), label="DATE",
                         annotator="ben")  # fmt: skip
    agreed = run("adjudicate", "agreed", "--annotators", "ann,ben", "--label-set",
                 "Named entities", project=path)  # fmt: skip
    assert agreed.returncode == 0, agreed.stderr
    # Only DATE: the PER spans both marked are not in the set.
    assert agreed.stdout.startswith("1 agreed passage copied")
    with Project(path) as project:
        assert [a.label for a in project.annotations(annotator="gold")] == ["DATE"]
