"""`annotator agreement`, `disagreements`, `status` and `merge` as researchers run them."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TEXT = "Ada Lovelace met Charles Babbage in London in 1833."


def run(*args: str, project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator", "--project", str(project), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        check=False,
        timeout=120,
    )


@pytest.fixture
def annotated(tmp_path: Path) -> tuple[Path, str]:
    from annotator.project import Project

    path = tmp_path / "cli.annotator"
    with Project(path) as project:
        doc = project.add_text("Letter", TEXT)[0]
        for name, spans in {
            "ann": [(0, 12, "PER"), (17, 32, "PER"), (36, 42, "GPE")],
            "ben": [(0, 3, "PER"), (17, 32, "PER"), (36, 42, "LOC")],
        }.items():
            for start, end, label in spans:
                project.annotate(doc.id, start, end, label=label, annotator=name)
    return path, doc.id


def test_cli_agreement_table_states_unit_and_counts(annotated):
    path, _ = annotated
    result = run("agreement", "--annotators", "ann,ben", project=path)
    assert result.returncode == 0, result.stderr
    assert "Agreement by token: ann, ben" in result.stdout
    assert "Cohen's kappa (with 'O')" in result.stdout
    assert "n=10 (token, unlabelled tokens counted as 'O')" in result.stdout


def test_cli_agreement_json_matches_the_service(annotated):
    from annotator.comparing.report import compute_agreement
    from annotator.project import Project

    path, doc_id = annotated
    result = run(
        "agreement", "--annotators", "ann,ben", "--unit", "span", "--document", doc_id,
        "--format", "json", project=path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    with Project(path) as project:
        expected = compute_agreement(project, ["ann", "ben"], [doc_id], unit="span").to_json()
    assert data == expected
    assert data["pairs"][0]["figures"][0]["value"] == pytest.approx(1 / 3)


def test_cli_agreement_csv_is_one_flat_table(annotated):
    path, _ = annotated
    result = run("agreement", "--annotators", "ann,ben", "--format", "csv", project=path)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["section"] == "pairwise" and rows[0]["annotator_a"] == "ann"
    assert any(r["section"] == "confusion" and r["label"] == "GPE" for r in rows)


def test_cli_agreement_unknown_annotator_is_one_clear_line(annotated):
    path, _ = annotated
    result = run("agreement", "--annotators", "ann,zed", project=path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "annotator: error: there is no annotator called 'zed' in this project"
    )


def test_cli_status_and_disagreements(annotated):
    path, doc_id = annotated
    assert run("status", doc_id, "done", "--annotator", "ann", project=path).returncode == 0
    result = run("disagreements", "--annotators", "ann,ben", "--json", project=path)
    views = json.loads(result.stdout)
    assert [v["quote"] for v in views] == ["Ada Lovelace", "London"]
    assert views[1]["said"] == {"ann": "GPE 'London'", "ben": "LOC 'London'"}


def test_cli_merge_is_idempotent_and_asks_about_same_names(annotated, tmp_path):
    from annotator.project import Project

    path, _ = annotated
    other = tmp_path / "cy.annotator"
    with Project(other) as project:
        doc = project.add_text("Letter", TEXT)[0]
        project.annotate(doc.id, 0, 12, label="PER", annotator="cy")
        project.annotate(doc.id, 36, 42, label="GPE", annotator="ann")
    asked = run("merge", str(other), project=path)
    assert asked.returncode == 1 and "--same-people (one person)" in asked.stderr
    assert "--their-name ann=THEIR_NAME" in asked.stderr and "--rename" in asked.stderr
    first = run("merge", str(other), "--rename", project=path)
    assert first.returncode == 0, first.stderr
    assert "2 annotations added" in first.stdout and "'ann' renamed to 'ann (cy)'" in first.stdout
    second = run("merge", str(other), "--rename", project=path)
    assert "0 annotations added" in second.stdout and "2 already present" in second.stdout
