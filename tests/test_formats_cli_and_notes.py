"""`annotator export` / `annotator import` end to end, and the student's notes (md, csv)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.formats.registry import export
from annotator.project import Project

TEXT = "# Act One\n\nTo be, or not to be 🙂.\n\n# Act Two\n\nThe \U0001d6fd of it all.\n"


@pytest.fixture
def play(tmp_path: Path):
    path = tmp_path / "play.annotator"
    with Project(path) as project:
        source = tmp_path / "hamlet.md"
        source.write_text(TEXT, encoding="utf-8")
        document, _ = project.add_document(source)
        start = TEXT.index("not to be")
        project.annotate(document.id, start, start + 9, note="the question", symbol="?")
        start = TEXT.index("\U0001d6fd of it")
        project.annotate(document.id, start, start + 7, label="MOTIF", color="#ffd54f")
        project.annotate(document.id, 0, 0, kind="summary", note="A play about doubt.")
        return path, document.id


def test_markdown_notes_group_by_section_in_reading_order(play):
    path, _ = play
    with Project(path) as project:
        _, text = export(project, "markdown", None)
    assert text is not None
    act_one, act_two = text.index("## Act One"), text.index("## Act Two")
    question = text.index("> not to be")
    motif = text.index("> \U0001d6fd of it")
    assert act_one < question < act_two < motif
    assert "**Summary of the whole reading:**\n\nA play about doubt." in text
    assert "> — ? · line 3\n\nthe question" in text
    assert "**MOTIF** · line 7" in text


def test_markdown_notes_say_what_a_highlight_colour_means(play):
    path, document_id = play
    with Project(path) as project:
        legend = project.legend().labels[1]
        start = TEXT.index("To be")
        project.annotate(document_id, start, start + 5, color=legend.color.upper())
        _, text = export(project, "markdown", None)
    assert f"> To be\n>\n> — *{legend.name}* · line 3" in text
    assert f"*{legend.name}* · ? " not in text  # the commented passage has no such colour


def test_csv_has_one_row_per_annotation_with_quote_note_and_line(play):
    path, _ = play
    with Project(path) as project:
        _, text = export(project, "csv", None)
    assert text is not None and text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert len(rows) == 3
    question = next(r for r in rows if r["note"] == "the question")
    assert (question["quote"], question["symbol"], question["line"]) == ("not to be", "?", "3")
    start = TEXT.index("not to be")
    assert (question["start"], question["end"]) == (str(start), str(start + 9))


def test_cli_exports_with_warnings_on_stderr_and_imports_into_another_project(
    play, tmp_path, capsys
):
    path, document_id = play
    out = tmp_path / "tasks.jsonl"
    code = main(["--project", str(path), "export", "--format", "prodigy", "--document",
                 document_id, "-o", str(out)])  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err
    assert "annotator: warning: Prodigy holds labelled spans" in err
    other = tmp_path / "other.annotator"
    assert main(["--project", str(other), "import", str(out)]) == 0  # prodigy detected
    assert "1 annotation added" in capsys.readouterr().out
    with Project(other) as project:
        (annotation,) = project.annotations()
        assert annotation.label == "MOTIF" and annotation.quote == "\U0001d6fd of it"


def test_cli_import_of_a_bad_file_exits_with_one_line_naming_line_and_field(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "abc", "label": [[0, 9, "X"]]}\n', encoding="utf-8")
    code = main(["--project", str(tmp_path / "p.annotator"), "import", str(bad), "--format",
                 "doccano"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("annotator: error: record line 1, field 'label[0]'")
    assert err.count("\n") == 1


def test_cli_unknown_format_lists_the_formats(tmp_path, capsys):
    code = main(["--project", str(tmp_path / "p.annotator"), "export", "--format", "xml"])
    assert code == 1
    assert "available: json, spacy, prodigy" in capsys.readouterr().err


def test_cli_binary_format_needs_an_output_file(play, capsys):
    path, _ = play
    assert main(["--project", str(path), "export", "--format", "spacy"]) == 1
    assert "give one with -o" in capsys.readouterr().err


def test_cli_format_follows_the_output_extension(play, tmp_path):
    path, _ = play
    out = tmp_path / "notes.md"
    assert main(["--project", str(path), "export", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith(
        "# Act One\n\n**Summary of the whole reading:**"
    )


def test_annotator_command_line_program_exports_markdown_to_stdout(play):
    path, _ = play
    completed = subprocess.run(
        [sys.executable, "-m", "annotator", "--project", str(path), "export", "--format",
         "markdown"],
        capture_output=True, text=True, encoding="utf-8", check=True,
    )  # fmt: skip
    assert "## Act One" in completed.stdout


def test_export_counts_documents_and_a_cancel_writes_nothing(project, tmp_path):
    from annotator.core.errors import Cancelled

    for i in range(3):
        document, _ = project.add_text(f"Part {i}", f"Part {i}: Ada Lovelace in London.")
        project.annotate(document.id, 9, 21, label="PERSON")
    seen: list[tuple[int, int]] = []
    out = tmp_path / "tasks.jsonl"
    export(project, "doccano", out, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 3), (2, 3), (3, 3)] and out.exists()
    asked = iter([False, True])
    cancelled = tmp_path / "cancelled.jsonl"
    with pytest.raises(Cancelled, match="the export was cancelled"):
        export(project, "prodigy", cancelled, cancel=lambda: next(asked))
    assert not cancelled.exists()
