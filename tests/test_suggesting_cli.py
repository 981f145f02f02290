"""``annotator suggest`` from the command line, as a researcher scripts it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.project import Project
from annotator.suggesting.review import pending_suggestions

PARAGRAPH = (
    "Ada Lovelace worked with Charles Babbage in London in 1843. "
    "Microsoft and Google later named projects after her. I love this wonderful story.\n"
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, str]:
    reading = tmp_path / "reading.txt"
    reading.write_text(PARAGRAPH, encoding="utf-8")
    project = tmp_path / "corpus.annotator"
    added = _run("--project", str(project), "add", str(reading))
    assert added.returncode == 0, added.stderr
    return project, added.stdout.strip()


def _listing(project: Path) -> dict:
    listed = _run("--project", str(project), "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    return row


def test_cli_suggest_stores_suggestions_and_prints_a_summary(corpus):
    project, document_id = corpus
    result = _run("--project", str(project), "suggest", "--document", document_id)
    assert result.returncode == 0, result.stderr
    assert "entity suggestions in 1 document" in result.stdout
    assert "accepted 0" in result.stdout
    row = _listing(project)
    assert row["suggestions"] >= 4 and row["annotations"] == 0


def test_cli_suggest_accept_makes_them_the_annotators_annotations(corpus):
    project, _ = corpus
    result = _run("--project", str(project), "suggest", "--accept")
    assert result.returncode == 0, result.stderr
    row = _listing(project)
    assert row["annotations"] >= 4 and row["suggestions"] == 0
    assert f"accepted {row['annotations']}" in result.stdout


def test_cli_suggest_sentiment_suggests_sentences_and_a_document_label(corpus):
    project, _ = corpus
    result = _run("--project", str(project), "suggest", "--kind", "sentiment")
    assert result.returncode == 0, result.stderr
    assert "4 sentiment suggestions" in result.stdout  # three sentences + the document label


def test_cli_suggest_missing_model_is_one_line_saying_how_to_install(corpus):
    project, _ = corpus
    result = _run("--project", str(project), "suggest", "--model", "no_such_model_installed")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "no_such_model_installed" in lines[0] and "pip install" in lines[0]
    assert _listing(project)["suggestions"] == 0


def test_cli_suggest_unknown_document_is_one_line_error(corpus):
    project, _ = corpus
    result = _run("--project", str(project), "suggest", "--document", "nope")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "annotator: error: there is no document with id 'nope' in this project"
    ]


def test_cli_sentiment_settings_are_shown_set_checked_and_used_by_suggest(corpus):
    project, document_id = corpus
    shown = _run("--project", str(project), "sentiment-settings")
    assert shown.returncode == 0 and "labels: positive, negative, neutral, mixed" in shown.stdout
    set_ = _run(
        "--project", str(project), "sentiment-settings", "--labels", "pos,neg,meh,both",
        "--positive-from", "0.1",
    )  # fmt: skip
    assert set_.returncode == 0, set_.stderr
    assert "labels: pos, neg, meh, both" in set_.stdout and "positive from +0.10" in set_.stdout
    bad = _run("--project", str(project), "sentiment-settings", "--labels", "a,a,b,c")
    assert bad.returncode != 0 and "four different names" in bad.stderr
    assert "Traceback" not in bad.stderr
    again = _run("--project", str(project), "sentiment-settings")
    assert "labels: pos, neg, meh, both" in again.stdout  # the bad call changed nothing
    ran = _run("--project", str(project), "suggest", "--kind", "sentiment")
    assert ran.returncode == 0, ran.stderr
    with Project(project) as opened:
        labels = {a.label for a in pending_suggestions(opened, document_id)}
    assert labels and labels <= {"pos", "neg", "meh", "both"}


def test_cli_suggest_on_a_corpus_uses_two_processes_and_finds_what_one_finds(tmp_path, samples):
    """Several documents and enough text: the command line runs the recogniser in two
    processes (both cores); the suggestions are the very ones a single process stores."""
    import shutil

    from annotator.nlp.chunks import PROCESSES_FROM_CHARS, processes_for
    from annotator.suggesting.running import run_suggestions

    files = sorted(samples.glob("*.txt"))
    total = sum(len(f.read_text(encoding="utf-8")) for f in files)
    assert total >= PROCESSES_FROM_CHARS and processes_for(len(files), total) == 2
    one = tmp_path / "one.annotator"
    assert _run("--project", str(one), "add", *map(str, files)).returncode == 0
    two = tmp_path / "two.annotator"
    shutil.copy(one, two)
    run_suggestions(one, processes=1)  # here, in this process
    result = _run("--project", str(two), "suggest")
    assert result.returncode == 0, result.stderr

    def found(path: Path) -> set[tuple[str, int, int, str | None]]:
        with Project(path) as project:
            return {
                (s.document_id, s.start, s.end, s.label)
                for d in project.document_headers()
                for s in pending_suggestions(project, d.id)
            }

    assert found(two) == found(one) and len(found(one)) > 100
