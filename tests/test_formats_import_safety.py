"""Imports lose nothing silently and fail in one line (issue 19, items 3, 4, 16 and 17).

Driven through the command line as a user would (a subprocess per command), except where a
state can only be made with the Python API or by editing the project file with SQLite.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.errors import FormatError, SpanError
from annotator.core.timestamps import is_later, later_of, parse_timestamp
from annotator.formats.registry import detect_format
from annotator.project import Project
from tests.disks import fill, small_disk

TEXT = "Ada met Charles in London. Cafe\u0301 au lait."
OTHER = "A second reading, about something else entirely."


def run(*args: str, project: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "annotator"]
    if project is not None:
        command += ["--project", str(project)]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=120, env=os.environ.copy()
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The error the CLI printed: exit 1, no traceback, one ``annotator: error:`` line."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("annotator: error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def two_documents(tmp_path: Path) -> tuple[Path, str, str]:
    """A project file holding TEXT and OTHER (ids returned), no annotations."""
    path = tmp_path / "p.annotator"
    with Project(path) as project:
        first, _ = project.add_text("First", TEXT)
        second, _ = project.add_text("Second", OTHER)
    return path, first.id, second.id


def annotations(path: Path) -> list[tuple[str, str, int, int, str]]:
    with Project(path) as project:
        return sorted(
            (a.id, a.document_id, a.start, a.end, a.modified)
            for a in project.store.annotations(statuses=None)
        )


# -- item 3: an id held by an annotation on another document --------------------------------


def test_json_import_keeps_an_annotation_whose_id_is_held_on_another_document(
    two_documents, tmp_path
):
    path, first, second = two_documents
    with Project(path) as project:
        held = project.annotate(second, 0, 1, note="the project's own")
    with Project(tmp_path / "source.annotator") as source:
        document, _ = source.add_text("First", TEXT)
        incoming = source.annotate(document.id, 0, 3, note="Ada")
        linked = source.annotate(document.id, 8, 15, note="Charles")
        source.link(incoming.id, linked.id)
        exported = source.export_json()
    # The file's annotation on the first document happens to hold the id of the one on the
    # second document (a file from another project can): neither may be lost.
    text = json.dumps(exported).replace(incoming.id, held.id)
    exported = json.loads(text)
    file = write(tmp_path / "in.json", json.dumps(exported))

    result = run("import", str(file), project=path)

    assert result.returncode == 0, result.stderr
    assert "another document" in result.stderr and "new ids" in result.stderr
    with Project(path) as project:
        kept = {(a.document_id, a.note): a.id for a in project.annotations()}
        assert kept[(second, "the project's own")] == held.id
        renamed = kept[(first, "Ada")]
        assert renamed != held.id
        (link,) = project.links()
        assert {link.from_annotation, link.to_annotation} == {renamed, linked.id}


def test_w3c_import_keeps_an_annotation_whose_id_is_held_on_another_document(
    two_documents, tmp_path
):
    path, first, second = two_documents
    with Project(path) as project:
        held = project.annotate(second, 0, 1)
        digest = project.document(first).text_sha256
    record = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": f"urn:uuid:{held.id}",
        "type": "Annotation",
        "motivation": "highlighting",
        "target": {
            "source": f"urn:sha256:{digest}",
            "selector": [{"type": "TextPositionSelector", "start": 0, "end": 1}],
        },
    }
    file = write(tmp_path / "in.jsonld", json.dumps(record))

    result = run("import", str(file), project=path)

    assert result.returncode == 0, result.stderr
    assert "another document" in result.stderr
    spans = {(document, start, end) for _, document, start, end, _ in annotations(path)}
    assert spans == {(second, 0, 1), (first, 0, 1)}


# -- item 4: times ----------------------------------------------------------------------------


def test_times_compare_as_times_and_junk_ranks_oldest():
    assert is_later("2026-01-01T09:00:00Z", "2026-01-01T10:00:00+02:00")
    assert is_later("2020-01-01T00:00:00Z", "not a date")
    assert later_of("not a date", "2020-01-01") == "2020-01-01"
    with pytest.raises(ValueError, match="not an ISO 8601 time"):
        parse_timestamp("not a date")


def _native_with_one_annotation(path: Path, document_id: str) -> tuple[dict, str]:
    with Project(path) as project:
        annotation = project.annotate(document_id, 0, 3, note="first version")
        return project.export_json([document_id]), annotation.id


def test_json_import_refuses_a_modified_time_that_is_not_a_date(two_documents, tmp_path):
    path, first, _ = two_documents
    exported, _ = _native_with_one_annotation(path, first)
    exported["annotations"][0]["modified"] = "not a date"
    file = write(tmp_path / "junk.json", json.dumps(exported))

    error = one_line_error(run("import", str(file), project=tmp_path / "fresh.annotator"))

    assert "annotations[0]" in error and "'modified'" in error and "not a date" in error


def test_w3c_import_refuses_a_created_time_that_is_not_a_date(two_documents, tmp_path):
    path, first, _ = two_documents
    with Project(path) as project:
        digest = project.document(first).text_sha256
    record = {
        "type": "Annotation",
        "created": "yesterday",
        "target": {
            "source": f"urn:sha256:{digest}",
            "selector": {"type": "TextPositionSelector", "start": 0, "end": 3},
        },
    }
    file = write(tmp_path / "junk.jsonld", json.dumps(record))

    error = one_line_error(run("import", str(file), project=path))

    assert "record annotation" in error and "'created'" in error and "yesterday" in error
    assert annotations(path) == []


def test_a_stored_junk_time_is_replaced_by_a_real_update(two_documents, tmp_path):
    path, first, _ = two_documents
    exported, annotation_id = _native_with_one_annotation(path, first)
    with contextlib.closing(sqlite3.connect(path)) as db, db:  # what an older version let in
        db.execute("UPDATE annotations SET modified = 'not a date' WHERE id = ?", (annotation_id,))
    exported["annotations"][0]["note"] = "second version"
    exported["annotations"][0]["modified"] = "2030-01-01T00:00:00.000Z"
    file = write(tmp_path / "update.json", json.dumps(exported))

    result = run("import", str(file), project=path)

    assert result.returncode == 0, result.stderr
    with Project(path) as project:
        assert project.store.annotation(annotation_id).note == "second version"


def test_an_older_time_written_in_another_zone_does_not_replace_a_newer_one(
    two_documents, tmp_path
):
    path, first, _ = two_documents
    exported, annotation_id = _native_with_one_annotation(path, first)
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "UPDATE annotations SET modified = '2026-01-01T09:30:00.000Z' WHERE id = ?",
            (annotation_id,),
        )
    # 10:00 at +02:00 is 08:00 UTC: older, though later as text.
    exported["annotations"][0]["note"] = "older version"
    exported["annotations"][0]["modified"] = "2026-01-01T10:00:00+02:00"
    file = write(tmp_path / "older.json", json.dumps(exported))

    assert run("import", str(file), project=path).returncode == 0
    with Project(path) as project:
        assert project.store.annotation(annotation_id).note == "first version"


# -- item 16: one-line errors, not tracebacks -------------------------------------------------

DEEP = "[" * 200_000 + "]" * 200_000


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("deep.json", DEEP),
        ("deep.jsonld", '{"type": "AnnotationCollection", "first": {"items": ' + DEEP + "}}"),
        ("deep.jsonl", '{"text": "Ada", "label": ' + DEEP + "}\n"),
    ],
)
def test_deeply_nested_input_is_refused_in_one_line(name, content, tmp_path):
    file = write(tmp_path / name, content)

    error = one_line_error(run("import", str(file), project=tmp_path / "p.annotator"))

    assert "too deeply" in error


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("surrogate.jsonl", '{"text": "Ada \\ud83d met Charles.", "label": [[0, 3, "PER"]]}\n'),
        (
            "surrogate-prodigy.jsonl",
            '{"text": "Ada met Charles.", "spans": [{"start": 0, "end": 3, "label": "\\ud83d"}]}',
        ),
    ],
)
def test_a_lone_surrogate_is_refused_naming_line_and_field(name, content, tmp_path):
    file = write(tmp_path / name, content)

    error = one_line_error(run("import", str(file), project=tmp_path / "p.annotator"))

    assert "line 1" in error and "surrogate" in error


def test_a_lone_surrogate_in_a_json_note_is_refused_naming_the_field(two_documents, tmp_path):
    path, first, _ = two_documents
    exported, _ = _native_with_one_annotation(path, first)
    text = json.dumps(exported).replace("first version", "first \\ud83d version")
    file = write(tmp_path / "surrogate.json", text)

    error = one_line_error(run("import", str(file), project=tmp_path / "fresh.annotator"))

    assert "annotations[0].note" in error and "surrogate" in error


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"text": "caf\xe9", "label": []}\n', "not UTF-8"),
        ('{"text": "Ada", "label": []}\n'.encode("utf-16"), "UTF-16"),
    ],
)
def test_jsonl_that_is_not_utf8_is_refused_while_telling_its_format(content, expected, tmp_path):
    file = write(tmp_path / "odd.jsonl", content)

    with pytest.raises(FormatError, match=expected):
        detect_format(file)
    error = one_line_error(run("import", str(file), project=tmp_path / "p.annotator"))
    assert "odd.jsonl" in error and expected in error


@pytest.fixture
def project_with_document(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "p.annotator"
    with Project(path) as project:
        document, _ = project.add_text("Reading", TEXT)
    return path, document.id


def test_annotate_on_an_immutable_project_says_so_in_one_line(project_with_document):
    path, document_id = project_with_document
    if os.geteuid() == 0:  # root writes read-only files: only the immutable flag stops it
        if (
            shutil.which("chattr") is None
            or subprocess.run(
                ["chattr", "+i", str(path)], capture_output=True, check=False
            ).returncode
        ):
            pytest.skip("cannot make the project immutable here (chattr)")
    else:
        path.chmod(0o444)
    try:
        error = one_line_error(
            run("annotate", document_id, "--start", "0", "--end", "3", project=path)
        )
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=False)
        path.chmod(0o644)
    assert "read-only" in error and "p.annotator" in error
    assert annotations(path) == []


def test_a_full_disk_on_annotate_and_import_is_one_line_and_stores_nothing(tmp_path):
    many = json.dumps(
        {"text": "x " * 20_000, "label": [[2 * i, 2 * i + 1, "X"] for i in range(5000)]}
    )
    file = write(tmp_path / "many.jsonl", many + "\n")
    with small_disk(tmp_path / "disk") as disk:
        path = disk / "p.annotator"
        with Project(path) as project:
            document, _ = project.add_text("Reading", TEXT)
        fill(disk)
        outcomes = [
            run("import", str(file), project=path),
            *(
                run("annotate", document.id, "--start", str(i), "--end", str(i + 1), project=path)
                for i in range(0, 20, 2)
            ),
        ]
        failed = [result for result in outcomes if result.returncode != 0]
        assert failed, "the disk never filled up"
        for result in failed:
            error = one_line_error(result)
            assert "p.annotator" in error and "not saved" in error, error
        added = sum(1 for result in outcomes[1:] if result.returncode == 0)
        (disk / "filler").unlink()
        held = annotations(path)
    assert len(held) == added  # the failed import stored none of its 5,000


def test_annotate_refuses_a_span_starting_inside_a_combining_mark(project_with_document):
    path, document_id = project_with_document
    accent = TEXT.index("\u0301")

    error = one_line_error(
        run("annotate", document_id, "--start", str(accent), "--end", str(accent + 3), project=path)
    )

    assert f"{accent}..{accent + 3}" in error and "U+0301" in error
    assert annotations(path) == []


def test_the_api_refuses_a_span_ending_inside_a_combining_mark(project_with_document):
    path, document_id = project_with_document
    accent = TEXT.index("\u0301")
    with Project(path) as project, pytest.raises(SpanError, match="cuts a character apart"):
        project.annotate(document_id, accent - 4, accent)


def test_import_refuses_a_span_starting_inside_a_combining_mark(tmp_path):
    accent = TEXT.index("\u0301")
    line = {"text": TEXT, "label": [[accent, accent + 3, "X"]]}
    file = write(tmp_path / "accent.jsonl", json.dumps(line) + "\n")
    project = tmp_path / "p.annotator"

    error = one_line_error(run("import", str(file), "--format", "doccano", project=project))

    assert "line 1" in error and "label[0]" in error and "U+0301" in error
    with Project(project) as opened:
        assert opened.documents() == []


# -- item 17: a W3C quote that is not in the document -----------------------------------------


def test_w3c_quote_not_in_the_document_is_named_as_such(two_documents, tmp_path):
    path, first, _ = two_documents
    with Project(path) as project:
        digest = project.document(first).text_sha256
    record = {
        "type": "Annotation",
        "id": "urn:uuid:00000000-0000-0000-0000-000000000001",
        "target": {
            "source": f"urn:sha256:{digest}",
            "selector": {"type": "TextQuoteSelector", "exact": "Babbage", "prefix": "met "},
        },
    }
    file = write(tmp_path / "quote.jsonld", json.dumps(record))

    error = one_line_error(run("import", str(file), project=path))

    assert "'Babbage' was not found in the document 'First'" in error
    assert "00000000-0000-0000-0000-000000000001" in error and "negative" not in error
