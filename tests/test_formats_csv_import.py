"""CSV import: what our CSV export writes (or a spreadsheet saves of it) comes back in.

A CSV names its documents but does not carry their text: the documents are added first,
then the rows are matched to them (id, title, or the quoted passages) and every quote is
checked against the text at its offsets. A bad file changes nothing and the error names the
line and the column.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.errors import FormatError
from annotator.formats.registry import detect_format, export, import_file, import_names
from annotator.project import Project

TEXT = (
    "Ada Lovelace met Charles Babbage in London 🙂.\n"
    "The angle \U0001d6fd was small, said Ada.\n"
    "\n"
    "A second paragraph about London Bridge."
)
ENTITIES = [
    ("Ada Lovelace", "PERSON"),
    ("Lovelace", "SURNAME"),  # inside "Ada Lovelace": overlapping
    ("Charles Babbage", "PERSON"),
    ("London Bridge", "FAC"),
]
# Notes a spreadsheet would run as formulas, and what the escape must not eat.
TRICKY_NOTES = [
    "=SUM(A1:A9)",
    "'=already quoted",
    "-5 points",
    "@ada",
    "'plain",
    'say "hi", then\r\nleave',
]


def _span(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def reading(project: Project):
    """One document with entities (one inside another), comments with emoji and U+1D6FD,
    a coloured highlight with a symbol, a document label, a summary and two annotators."""
    document, _ = project.add_text("A reading 🙂", TEXT)
    project.switch_annotator("ada")
    built = [
        project.build_annotation(document.id, *_span(phrase), label=label, text=TEXT)
        for phrase, label in ENTITIES
    ]
    built.append(
        project.build_annotation(
            document.id, *_span("\U0001d6fd was small"), note="why \U0001d6fd? 🤔", text=TEXT
        )
    )
    built.append(
        project.build_annotation(
            document.id, *_span("🙂"), kind="highlight", color="#ff0000", symbol="!", text=TEXT
        )
    )
    built.append(
        project.build_annotation(document.id, 0, 0, kind="doc_label", label="HISTORY", text=TEXT)
    )
    built.append(
        project.build_annotation(document.id, 0, 0, kind="summary", note="Two people.", text=TEXT)
    )
    project.add_annotations(built)
    project.switch_annotator("ben")
    for index, note in enumerate(TRICKY_NOTES):
        start = TEXT.index("said Ada") + index % 3
        project.annotate(document.id, start, start + 4, note=note, symbol="?" if index else None)
    project.annotate(document.id, *_span("London 🙂"), label="GPE", source="spacy:test")
    return project, document


ALL = (
    "kind", "start", "end", "quote", "prefix", "suffix", "label", "note", "color", "symbol",
    "annotator", "id", "status", "source", "created", "modified",
)  # fmt: skip


def _held(project: Project, fields: tuple[str, ...] = ALL) -> set[tuple]:
    names = {a.id: a.name for a in project.annotators()}
    rows = set()
    for summary in project.documents():
        for a in project.annotations(summary.document.id):
            values = {name: getattr(a, name, None) for name in fields}
            values["annotator"] = names[a.annotator_id]
            values["kind"] = a.kind.value
            values["status"] = a.status.value
            rows.add(tuple(values[f] for f in fields))
    return rows


def _export_csv(project: Project, tmp_path: Path) -> Path:
    out = tmp_path / "notes.csv"
    export(project, "csv", out)
    return out


def test_csv_is_an_import_format_found_from_the_file_name(tmp_path):
    assert "csv" in import_names()  # what File → Import and `annotator import` offer
    path = tmp_path / "notes.csv"
    path.write_text("start,end\n", encoding="utf-8")
    assert detect_format(path) == "csv"


def test_round_trip_into_an_empty_project_keeps_everything_csv_holds(reading, tmp_path):
    project, _ = reading
    out = _export_csv(project, tmp_path)
    with Project(tmp_path / "fresh.annotator") as fresh:
        fresh.add_text("the same reading", TEXT)  # another title and id: found by its quotes
        report = import_file(fresh, out)
        assert report.format == "csv"
        assert report.annotations_added == len(_held(project)) == 15
        assert (report.documents_added, report.documents_matched) == (0, 1)
        assert _held(fresh) == _held(project)
        assert any("went to 'the same reading'" in w for w in report.warnings)


def test_round_trip_by_title_needs_no_warning_and_a_second_import_adds_nothing(reading, tmp_path):
    project, _ = reading
    out = _export_csv(project, tmp_path)
    with Project(tmp_path / "fresh.annotator") as fresh:
        fresh.add_text("A reading 🙂", TEXT)
        report = import_file(fresh, out, "csv")
        assert report.warnings == []
        assert _held(fresh) == _held(project)
        again = import_file(fresh, out, "csv")
        assert (again.annotations_added, again.annotations_unchanged) == (0, 15)
        assert _held(fresh) == _held(project)


def test_import_into_the_project_it_came_from_matches_by_document_id(reading, tmp_path):
    project, document = reading
    out = _export_csv(project, tmp_path)
    project.rename_document(document.id, "Renamed since")  # the id still finds it
    before = _held(project)
    report = import_file(project, out)
    assert (report.annotations_added, report.annotations_unchanged) == (0, 15)
    assert report.document_ids == [document.id]
    assert _held(project) == before


def _rows(project: Project) -> list[dict[str, str]]:
    _, text = export(project, "csv", None)
    assert text is not None
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ";"), ("utf-16", "\t"), ("utf-8", ",")],
    ids=["excel-csv-utf8-semicolon", "excel-unicode-text", "plain-utf8"],
)
def test_a_spreadsheet_saved_file_comes_back(reading, tmp_path, encoding, delimiter):
    """Columns reordered and capitalised, some dropped, one added, blank rows at the end,
    line breaks inside quoted cells, the delimiter and encoding a spreadsheet picks."""
    project, _ = reading
    rows = _rows(project)
    columns = ["Quote", "Start", "End", "Label", "Note", "Symbol", "Color", "Kind",
               "Annotator", "Document", "My remarks"]  # fmt: skip
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c.lower(), "seen") for c in columns])
    writer.writerow([""] * len(columns))
    path = tmp_path / "saved.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    with Project(tmp_path / "fresh.annotator") as fresh:
        fresh.add_text("A reading 🙂", TEXT)
        report = import_file(fresh, path, "csv")
        assert report.warnings == ["columns Annotator does not know were ignored: 'my remarks'"]
        fields = ("kind", "start", "end", "quote", "label", "note", "color", "symbol",
                  "annotator")  # fmt: skip
        assert _held(fresh, fields) == _held(project, fields)
        assert {a.status.value for a in fresh.annotations()} == {"accepted"}


def test_escaped_formulas_come_back_exactly_as_typed(reading, tmp_path):
    project, _ = reading
    text = _export_csv(project, tmp_path).read_text(encoding="utf-8-sig")
    assert "'=SUM(A1:A9)" in text and "''=already quoted" in text and "'-5 points" in text
    assert ",'plain," in text  # an apostrophe before no formula is left alone
    with Project(tmp_path / "fresh.annotator") as fresh:
        fresh.add_text("A reading 🙂", TEXT)
        import_file(fresh, tmp_path / "notes.csv")
        assert {a.note for a in fresh.annotations()} >= set(TRICKY_NOTES)


def test_rows_without_kind_take_it_from_label_and_note(project, tmp_path):
    document, _ = project.add_text("r", "Ada met Charles.")
    path = tmp_path / "hand.csv"
    path.write_text(
        "document,start,end,quote,label,note\n"
        "r,0,3,Ada,PERSON,\n"
        "r,4,7,met,,a verb\n"
        "r,8,15,Charles,,\n",
        encoding="utf-8",
    )
    report = import_file(project, path)
    assert report.annotations_added == 3
    kinds = {(a.quote, a.kind.value) for a in project.annotations(document.id)}
    assert kinds == {("Ada", "entity"), ("met", "comment"), ("Charles", "highlight")}
    assert {a.source for a in project.annotations()} == {"import:csv"}


def test_an_edited_row_with_a_stored_id_is_reported_not_applied(reading, tmp_path):
    project, _ = reading
    rows = _rows(project)
    rows[0]["label"] = "CHANGED"
    path = tmp_path / "edited.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    before = _held(project)
    report = import_file(project, path)
    assert report.annotations_added == 0
    assert any("1 annotation in the file has the id of one" in w for w in report.warnings)
    assert _held(project) == before


def test_area_highlights_without_text_are_reported_on_export_and_skipped_on_import(
    project, tmp_path
):
    document, _ = project.add_text("scan", "Page one text.")
    project.annotate(document.id, 5, 5, kind="highlight", page=0, rect=(1.0, 2.0, 3.0, 4.0))
    project.annotate(document.id, 0, 4, label="X")
    out = tmp_path / "areas.csv"
    result, _ = export(project, "csv", out)
    assert any("page area of 1 area highlights" in w for w in result.warnings)
    with Project(tmp_path / "fresh.annotator") as fresh:
        fresh.add_text("scan", "Page one text.")
        report = import_file(fresh, out)
        assert report.annotations_added == 1
        assert any("1 row covers no text" in w for w in report.warnings)


# -- bad files ---------------------------------------------------------------------------------

HEADER = "document,start,end,kind,label,quote,note,id"
GOOD = "r,0,3,entity,PERSON,Ada,,"
ID = "0b4e2c1e-8a7e-4a39-9bb0-6f8d7b6a1c11"


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("document,start,quote\nr,0,Ada\n", ("line 1", "'end'", "no 'end' column")),
        ("label,start,end\nX,0,3\n", ("line 1", "'document'", "'quote' column")),
        (f"{HEADER}\n{GOOD}\nr,abc,7,,,met,,\n", ("line 3", "'start'", "'abc' is not a whole")),
        (f"{HEADER}\n{GOOD}\nr,4,7.0,,,met,,\n", ("line 3", "'end'", "'7.0' is not a whole")),
        (f"{HEADER}\n{GOOD}\nr,-4,7,,,met,,\n", ("line 3", "'start'", "cannot be negative")),
        (f"{HEADER}\n{GOOD}\nr,4,,,,met,,\n", ("line 3", "'end'", "is empty")),
        (f"{HEADER}\n{GOOD}\nr,7,4,,,met,,\n", ("line 3", "'end'", "end 4 is before start 7")),
        (f"{HEADER}\n{GOOD}\nr,8,99,,,Charles,,\n", ("line 3", "'end'", "past the end")),
        (
            f"{HEADER}\n{GOOD}\nr,8,15,,,Charlie,,\n",
            ("line 3", "'quote'", "is 'Charles' but the quote is 'Charlie'"),
        ),
        (
            f'{HEADER}\n"r",0,3,entity,PERSON,Ada,"a note\nover lines",\nr,8,15,,,Carl,,\n',
            ("line 4", "'quote'", "'Carl'"),  # the line where the record starts
        ),
        (f"{HEADER}\n{GOOD}\nr,4,7,kiss,,met,,\n", ("line 3", "'kind'", "'kiss' is not a kind")),
        (f"{HEADER},status\n{GOOD},\nr,4,7,,,met,,,orphaned\n", ("line 3", "'status'")),
        (f"{HEADER}\n{GOOD}\nr,4,7,,,met,,42\n", ("line 3", "'id'", "not an annotation id")),
        (
            f"{HEADER}\nr,0,3,,,Ada,,{ID}\nr,4,7,,,met,,{ID}\n",
            ("line 3", "'id'", "also the id on line 2"),
        ),
        (f"{HEADER}\n{GOOD}\nr,4,7,,,met,a, b,c\n", ("line 3", "9 cells", "8 columns")),
        (f'{HEADER}\n{GOOD}\nr,4,7,,,met,"never closed,\n', ("line 3", "never closed")),
        (f"{HEADER}\nnobody,0,3,,,Bob,,\n", ("line 2", "'document'", "add the document first")),
        ("", ("'bad.csv' is empty",)),
        ("\r\n  \r\n", ("'bad.csv' is empty",)),
        ("Ada met Charles.\nA second line.\n", ("line 1", "header line naming its columns")),
    ],
    ids=[
        "missing-column", "no-document-column", "bad-number", "decimal-number",
        "negative-number", "empty-number", "reversed", "out-of-range", "quote-mismatch",
        "line-of-record-after-quoted-newline", "unknown-kind", "orphaned-status", "bad-id",
        "duplicate-id", "too-many-cells", "unclosed-quote", "unknown-document", "empty-file",
        "blank-file", "no-header",
    ],
)  # fmt: skip
def test_bad_file_is_refused_naming_line_and_column_and_changes_nothing(
    project, tmp_path, content, where
):
    document, _ = project.add_text("r", "Ada met Charles.")
    path = tmp_path / "bad.csv"
    path.write_bytes(content.encode("utf-8"))
    with pytest.raises(FormatError) as raised:
        import_file(project, path)
    for part in where:
        assert part in str(raised.value)
    assert project.annotations() == []
    assert [s.document.id for s in project.documents()] == [document.id]


def test_a_file_that_is_not_utf8_says_how_to_save_it(project, tmp_path):
    project.add_text("r", "Café au lait.")
    path = tmp_path / "bad.csv"
    path.write_bytes("document,start,end,quote\nr,0,4,Café\n".encode("cp1252"))
    with pytest.raises(FormatError, match=r"'bad.csv' is not UTF-8 text .*CSV UTF-8"):
        import_file(project, path)
    assert project.annotations() == []


def test_quotes_that_fit_two_documents_equally_are_refused_not_guessed(project, tmp_path):
    project.add_text("one", "Ada met Charles.")
    project.add_text("two", "Ada met Charlie.")
    path = tmp_path / "ambiguous.csv"
    path.write_text("start,end,quote\n0,3,Ada\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"line 2.*'quote'.*fit 2 documents"):
        import_file(project, path)
    assert project.annotations() == []


def test_the_document_holding_most_quotes_is_chosen_and_the_others_reported(project, tmp_path):
    project.add_text("one", "Ada met Charles.")
    project.add_text("two", "Ada met Charlie.")
    path = tmp_path / "typo.csv"
    path.write_text("start,end,quote\n0,3,Ada\n8,15,Charlie\n4,7,mat\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"line 4, field 'quote'.*'met'.*'mat'.*'two'"):
        import_file(project, path)
    assert project.annotations() == []


# -- the command line --------------------------------------------------------------------------


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args],
        capture_output=True, text=True, encoding="utf-8", check=False,
    )  # fmt: skip


def test_cli_exports_csv_and_imports_it_into_another_project(reading, tmp_path):
    project, _ = reading
    expected = _held(project)
    project.close()
    source = tmp_path / "test.annotator"
    out = tmp_path / "notes.csv"
    assert (
        _run("--project", str(source), "export", "--format", "csv", "-o", str(out)).returncode == 0
    )
    reading_file = tmp_path / "reading.txt"
    reading_file.write_text(TEXT, encoding="utf-8")
    other = tmp_path / "other.annotator"
    assert _run("--project", str(other), "add", str(reading_file)).returncode == 0
    completed = _run("--project", str(other), "import", str(out))  # format from the name
    assert completed.returncode == 0, completed.stderr
    assert "15 annotations added" in completed.stdout
    assert "annotator: warning: this project has no document 'A reading 🙂'" in completed.stderr
    assert "whose text holds 13 of their 13 quoted passages" in completed.stderr
    listed = json.loads(_run("--project", str(other), "list", "--json").stdout)
    assert [d["annotations"] for d in listed] == [15]
    with Project(other) as imported:
        assert _held(imported) == expected


def test_cli_import_of_a_bad_csv_exits_with_one_line_naming_line_and_column(tmp_path):
    reading_file = tmp_path / "reading.txt"
    reading_file.write_text("Ada met Charles.", encoding="utf-8")
    project = tmp_path / "p.annotator"
    assert _run("--project", str(project), "add", str(reading_file)).returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("start;end;quote\n0;3;Ada\n4;x;met\n", encoding="utf-8-sig")
    completed = _run("--project", str(project), "import", str(bad))
    assert completed.returncode == 1
    assert completed.stderr == (
        "annotator: error: record line 3, field 'end': 'x' is not a whole number\n"
    )
    with Project(project) as opened:
        assert opened.annotations() == []


def test_file_import_in_the_window_describes_a_csv_before_importing(reading, tmp_path):
    from annotator.ui.export_dialog import IMPORT_FILTER, describe_import

    project, _ = reading
    out = _export_csv(project, tmp_path)
    assert "*.csv" in IMPORT_FILTER
    assert describe_import(out, "csv") == (
        "“notes.csv” is CSV, one row per annotation with 15 annotations in 1 document."
    )


def test_times_a_spreadsheet_reformatted_are_replaced_and_reported(project, tmp_path):
    project.add_text("r", "Ada met Charles.")
    path = tmp_path / "times.csv"
    path.write_text(
        "document,start,end,quote,created,modified\n"
        "r,0,3,Ada,2026-01-02T10:00:00.000Z,2026-01-03T11:00:00.000Z\n"
        "r,4,7,met,02/01/2026 10:00,\n",
        encoding="utf-8",
    )
    report = import_file(project, path)
    assert any("1 created/modified times are not ISO 8601" in w for w in report.warnings)
    kept, replaced = project.annotations()
    assert (kept.created, kept.modified) == ("2026-01-02T10:00:00.000Z", "2026-01-03T11:00:00.000Z")
    assert replaced.created.startswith("20") and replaced.created == replaced.modified
    assert replaced.created != "02/01/2026 10:00"
