"""The command-line contract, run as a user would: a subprocess per command."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from annotator import __version__
from annotator.resources import sample_reading_path


def run(*args: str, project=None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "annotator"]
    if project is not None:
        command += ["--project", str(project)]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=120, env=os.environ.copy()
    )


@pytest.fixture
def project_file(tmp_path):
    return tmp_path / "cli.annotator"


@pytest.fixture
def document_id(project_file):
    result = run("add", str(sample_reading_path()), project=project_file)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_version_names_annotator_and_a_sqlite_without_the_wal_reset_bug():
    result = run("--version")
    first, second = result.stdout.strip().splitlines()
    assert first == f"annotator {__version__}"
    assert second.startswith("SQLite 3.")
    version = tuple(int(part) for part in second.split()[1].split("."))
    assert version >= (3, 51, 3), second
    assert "write-ahead log" in second


def test_add_prints_one_id_per_file_and_list_shows_them(project_file, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("A second reading.\n", encoding="utf-8")
    result = run("add", str(sample_reading_path()), str(other), project=project_file)
    ids = result.stdout.split()
    assert result.returncode == 0 and len(ids) == 2
    listing = json.loads(run("list", "--json", project=project_file).stdout)
    assert {row["id"] for row in listing} == set(ids)
    assert {row["title"] for row in listing} == {"Of Studies", "A second reading."}


def test_annotate_prints_the_id_and_export_holds_the_annotation(project_file, document_id):
    result = run(
        "annotate", document_id, "--start", "2", "--end", "12", "--label", "Term",
        "--note", "title", project=project_file,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    annotation_id = result.stdout.strip()
    exported = json.loads(run("export", "--format", "json", project=project_file).stdout)
    (annotation,) = exported["annotations"]
    assert annotation["id"] == annotation_id
    assert (annotation["start"], annotation["end"], annotation["quote"]) == (2, 12, "Of Studies")


def test_export_to_file_then_import_into_another_project(project_file, document_id, tmp_path):
    run("annotate", document_id, "--start", "2", "--end", "12", project=project_file)
    out = tmp_path / "export.json"
    assert run("export", "-o", str(out), project=project_file).returncode == 0
    other = tmp_path / "other.annotator"
    result = run("import", str(out), project=other)
    assert result.returncode == 0, result.stderr
    assert "1 annotation added" in result.stdout


def _expect_error(result, fragment):
    assert result.returncode != 0
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("annotate", "{doc}", "--start", "20", "--end", "10"), "reversed"),
        (("annotate", "{doc}", "--start", "0", "--end", "999999"), "past the end"),
        (("annotate", "nope", "--start", "0", "--end", "1"), "no document with id 'nope'"),
        (("annotate", "{doc}", "--start", "0", "--end", "3", "--color", "red"), "#rrggbb"),
        (("add", "/no/such/file.txt"), "does not exist"),
        (("add", "{tmp}"), "is a folder"),
        (("import", "/no/such/export.json"), "does not exist"),
    ],
)
def test_bad_input_gets_one_clear_line_and_changes_nothing(
    project_file, document_id, tmp_path, args, fragment
):
    before = run("export", project=project_file).stdout
    args = tuple(a.format(doc=document_id, tmp=tmp_path) for a in args)
    _expect_error(run(*args, project=project_file), fragment)
    after = run("export", project=project_file).stdout
    assert json.loads(before)["annotations"] == json.loads(after)["annotations"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary" * 100, "binary"),
        (b"caf\xe9 \xff\xfe\xfd\x80\x81 \x00\x00 broken", "binary"),
    ],
)
def test_unreadable_files_are_refused(project_file, tmp_path, content, fragment):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    _expect_error(run("add", str(path), project=project_file), fragment)
    assert json.loads(run("list", "--json", project=project_file).stdout) == []


def test_adding_several_files_adds_none_when_one_is_bad(project_file, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    _expect_error(run("add", str(sample_reading_path()), str(empty), project=project_file), "empty")
    assert json.loads(run("list", "--json", project=project_file).stdout) == []


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('{"format": "annotator", "version": 7}', "version 7"),
    ],
)
def test_malformed_imports_are_explained(project_file, tmp_path, content, fragment):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    _expect_error(run("import", str(path), project=project_file), fragment)


def test_a_damaged_project_file_is_reported(tmp_path):
    broken = tmp_path / "broken.annotator"
    broken.write_bytes(b"garbage" * 1000)
    _expect_error(run("list", project=broken), "not an Annotator project")
