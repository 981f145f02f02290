"""A bad import file changes nothing, and the error names the line (or record) and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.core.errors import FormatError
from annotator.formats.registry import detect_format, import_file
from annotator.project import Project

GOOD = {"text": "Ada met Charles.", "label": [[0, 3, "PERSON"]]}


def _write(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    return path


def _unchanged(project: Project) -> None:
    assert project.documents() == []
    assert project.annotations() == []


@pytest.mark.parametrize(
    ("name", "suffix", "content", "where"),
    [
        (
            "doccano",
            ".jsonl",
            json.dumps(GOOD) + "\n" + json.dumps({"text": "Bo.", "label": [[0, 9, "X"]]}),
            ("line 2", "label[0]", "past the end"),
        ),
        (
            "doccano",
            ".jsonl",
            json.dumps(GOOD) + "\n" + json.dumps({"label": []}),
            ("line 2", "'text'", "missing"),
        ),
        ("doccano", ".jsonl", json.dumps(GOOD) + "\n{not json", ("line 2", "not valid JSON")),
        (
            "prodigy",
            ".jsonl",
            json.dumps({"text": "Ada met Charles.", "spans": [{"start": 0, "end": "3"}]}),
            ("line 1", "spans[0].end", "whole number"),
        ),
        (
            "prodigy",
            ".jsonl",
            json.dumps({"text": "Ada.", "answer": "maybe"}),
            ("line 1", "'answer'"),
        ),
        ("conll", ".conll", "Ada -X- _ B-PER\nmet -X- _ X-PER\n", ("line 2", "'tag'")),
        ("conll", ".conll", "Ada -X- _ B-PER\nmet\n", ("line 2", "'tag'")),
    ],
)
def test_bad_line_changes_nothing_and_names_line_and_field(
    project, tmp_path, name, suffix, content, where
):
    path = _write(tmp_path / f"bad{suffix}", content)
    with pytest.raises(FormatError) as raised:
        import_file(project, path, name)
    for part in where:
        assert part in str(raised.value)
    _unchanged(project)


def test_brat_quote_that_disagrees_with_the_text_is_refused(project, tmp_path):
    folder = tmp_path / "brat"
    folder.mkdir()
    _write(folder / "a.txt", "Ada met Charles.")
    _write(folder / "a.ann", "T1\tPERSON 0 3\tAda\nT2\tPERSON 8 15\tCharlie\n")
    with pytest.raises(FormatError, match=r"a.ann line 2.*'text'.*Charlie"):
        import_file(project, folder)
    _unchanged(project)


def test_brat_note_on_a_missing_span_is_refused(project, tmp_path):
    folder = tmp_path / "brat"
    folder.mkdir()
    _write(folder / "a.txt", "Ada met Charles.")
    _write(folder / "a.ann", "T1\tPERSON 0 3\tAda\n#1\tAnnotatorNotes T9\tnote\n")
    with pytest.raises(FormatError, match=r"line 2.*'note'.*T9"):
        import_file(project, folder, "brat")
    _unchanged(project)


def test_w3c_for_a_document_the_project_lacks_names_the_annotation(project, tmp_path):
    annotation = {
        "type": "Annotation",
        "id": "urn:uuid:0b4e2c1e-8a7e-4a39-9bb0-6f8d7b6a1c11",
        "target": {
            "source": "urn:sha256:" + "0" * 64,
            "selector": {"type": "TextQuoteSelector", "exact": "Ada"},
        },
    }
    path = _write(tmp_path / "a.jsonld", json.dumps([annotation]))
    with pytest.raises(FormatError, match=r"items\[0\].*target.source.*add the document first"):
        import_file(project, path, "w3c")
    _unchanged(project)


def test_w3c_position_that_disagrees_with_its_quote_is_refused(project, tmp_path):
    document, _ = project.add_text("r", "Ada met Charles.")
    annotation = {
        "type": "Annotation",
        "target": {
            "source": f"urn:sha256:{document.text_sha256}",
            "selector": [
                {"type": "TextPositionSelector", "start": 0, "end": 3},
                {"type": "TextQuoteSelector", "exact": "Bob", "prefix": "", "suffix": ""},
            ],
        },
    }
    path = _write(tmp_path / "a.json", json.dumps(annotation))
    with pytest.raises(FormatError, match=r"annotation.*target.selector.*'Ada'.*'Bob'"):
        import_file(project, path)
    assert project.annotations() == []


def test_a_bad_second_document_leaves_the_first_unwritten(project, tmp_path):
    lines = [GOOD, {"text": "Second text.", "label": [[7, 3, "X"]]}]
    path = _write(tmp_path / "two.jsonl", "\n".join(json.dumps(x) for x in lines))
    with pytest.raises(FormatError, match="line 2"):
        import_file(project, path, "doccano")
    _unchanged(project)


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("a.jsonl", json.dumps({"text": "x", "tokens": [], "spans": []}), "prodigy"),
        ("a.jsonl", json.dumps({"text": "x", "label": []}), "doccano"),
        ("a.json", json.dumps({"type": "AnnotationCollection"}), "w3c"),
        ("a.json", json.dumps({"format": "annotator"}), "json"),
        ("a.conll", "", "conll"),
        ("a.spacy", "", "spacy"),
    ],
)
def test_format_is_detected_from_name_and_content(tmp_path, filename, content, expected):
    assert detect_format(_write(tmp_path / filename, content)) == expected
