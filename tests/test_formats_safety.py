"""Issue 19: nothing lost, nothing unsafe in the brat, CSV and Markdown notes formats.

Annotator names that clean to one brat folder, duplicate brat ids, notes holding line
breaks and terminal controls, zip bombs, truncated CSV files, CSV formula escapes and
hostile Markdown notes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from annotator.core.errors import FormatError
from annotator.formats import brat, csv_notes
from annotator.formats.archives import ArchiveLimits
from annotator.formats.escapes import LINE_BREAKS, TERMINAL_CONTROLS
from annotator.formats.registry import export, import_file
from annotator.project import Project

TEXT = "Some books are to be tasted, others to be swallowed, and some few to be chewed.\n"
ESC = "\x1b"


def _span(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def reading(tmp_path: Path):
    with Project(tmp_path / "source.annotator") as project:
        document, _ = project.add_text("Of Studies", TEXT)
        yield project, document


def _fresh(tmp_path: Path, name: str = "fresh", *, with_text: bool = False) -> Project:
    project = Project(tmp_path / f"{name}.annotator")
    if with_text:
        project.add_text("Of Studies", TEXT)
    return project


# -- item 2: brat annotator folders ----------------------------------------------------------


def test_brat_annotators_whose_names_clean_alike_get_a_folder_each(reading, tmp_path):
    project, document = reading
    project.annotate(document.id, *_span("Some books"), label="A", annotator="evil")
    project.annotate(document.id, *_span("tasted"), label="B", annotator="=evil()")
    project.annotate(document.id, *_span("swallowed"), label="C", annotator="Evil")
    result, _ = export(project, "brat", tmp_path / "b")
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["Evil", "evil-2", "evil-3"]
    assert any("annotator names were changed" in w for w in result.warnings)
    with _fresh(tmp_path) as fresh:
        report = import_file(fresh, tmp_path / "b")
        assert report.annotations_added == result.annotations == 3
        assert {a.label for a in fresh.annotations()} == {"A", "B", "C"}
        assert len({a.annotator_id for a in fresh.annotations()}) == 3


# -- item 7: brat duplicate ids --------------------------------------------------------------


def test_brat_duplicate_ids_are_refused_naming_both_lines(tmp_path):
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "doc.ann").write_text(
        "T1\tA 0 4\tSome\nT2\tB 5 10\tbooks\nT1\tC 15 17\tto\n", encoding="utf-8"
    )
    with _fresh(tmp_path) as fresh, pytest.raises(FormatError) as error:
        import_file(fresh, tmp_path / "doc.ann", "brat")
    message = str(error.value)
    assert "doc.ann line 3" in message and "line 1" in message and "'T1'" in message
    assert "\n" not in message


def test_brat_duplicate_note_ids_are_refused_too(tmp_path):
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "doc.ann").write_text(
        "T1\tA 0 4\tSome\n#1\tAnnotatorNotes T1\tone\n#1\tAnnotatorNotes T1\ttwo\n",
        encoding="utf-8",
    )
    with _fresh(tmp_path) as fresh, pytest.raises(FormatError, match="line 2"):
        import_file(fresh, tmp_path / "doc.ann", "brat")


# -- item 11 and 9: brat notes and quotes ----------------------------------------------------

EVERY_BREAK_AND_CONTROL = sorted(set(LINE_BREAKS + TERMINAL_CONTROLS + ["\t"]))
BACKSLASH_TRAPS = ["C:\\new", "\\x1b[31m", "\\\\n", "ends with \\", "\\u2028", "\\" + ESC]


@pytest.mark.parametrize("char", EVERY_BREAK_AND_CONTROL, ids=lambda c: f"U+{ord(c):04X}")
def test_brat_round_trips_a_note_holding_any_break_or_control(reading, tmp_path, char):
    project, document = reading
    note = f"before{char}after{char}"
    project.annotate(document.id, *_span("Some books"), label="A", note=note)
    export(project, "brat", tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        ann = archive.read("Of_Studies.ann").decode("utf-8")
    assert len(ann.splitlines()) == 2  # brat's reader splits at every str.splitlines break
    assert ESC not in ann
    with _fresh(tmp_path) as fresh:
        import_file(fresh, tmp_path / "b.zip")
        assert [a.note for a in fresh.annotations()] == [note]


@pytest.mark.parametrize("note", BACKSLASH_TRAPS)
def test_brat_notes_with_backslashes_come_back_as_typed(reading, tmp_path, note):
    project, document = reading
    project.annotate(document.id, *_span("Some books"), label="A", note=note)
    export(project, "brat", tmp_path / "b")
    with _fresh(tmp_path) as fresh:
        import_file(fresh, tmp_path / "b")
        assert [a.note for a in fresh.annotations()] == [note]


def test_brat_note_escapes_are_the_documented_ones(reading, tmp_path):
    project, document = reading
    project.annotate(document.id, *_span("Some books"), label="A", note="a\nb\u2028c\x1bd\te")
    export(project, "brat", tmp_path / "b")
    ann = (tmp_path / "b" / "Of_Studies.ann").read_text(encoding="utf-8")
    assert ann.endswith("#1\tAnnotatorNotes T1\ta\\nb\\u2028c\\x1bd\te\n")


def test_brat_spans_across_any_line_break_or_tab_become_fragments(tmp_path):
    text = "one\u2028tw\to\x85six"
    with Project(tmp_path / "p.annotator") as project:
        document, _ = project.add_text("Breaks", text)
        project.annotate(document.id, 0, len(text), label="ALL")
        export(project, "brat", tmp_path / "b")
        ann = (tmp_path / "b" / "Breaks.ann").read_text(encoding="utf-8")
        assert len(ann.splitlines()) == 1
        assert ann == "T1\tALL 0 3;4 6;7 8;9 12\tone tw o six\n"  # as brat cuts at tabs
    with _fresh(tmp_path) as fresh:
        import_file(fresh, tmp_path / "b")
        (a,) = fresh.annotations()
        assert (a.start, a.end, a.label) == (0, len(text), "ALL")


# -- item 15: zip bombs and huge folders -----------------------------------------------------


def _brat_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return path


def test_a_brat_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    bomb = _brat_zip(
        tmp_path / "bomb.zip",
        {"doc.txt": b" " * (20 * 1024 * 1024), "doc.ann": b"T1\tA 0 1\t \n"},
    )
    assert bomb.stat().st_size < 100_000
    with _fresh(tmp_path) as fresh:
        with pytest.raises(FormatError, match="zip bomb") as error:
            import_file(fresh, bomb, "brat")
        assert fresh.documents() == []
    assert "'doc.txt' in 'bomb.zip'" in str(error.value)


def test_brat_zip_and_folder_over_the_limits_are_refused(tmp_path):
    entries = {f"d{i}.txt": b"text" for i in range(5)} | {"d0.ann": b""}
    path = _brat_zip(tmp_path / "many.zip", entries)
    with pytest.raises(FormatError, match="6 files, more than the 3"):
        brat.parse(path, limits=ArchiveLimits(max_entries=3))
    with pytest.raises(FormatError, match="more than the 10 allowed"):
        brat.parse(path, limits=ArchiveLimits(max_total_bytes=10))
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, content in entries.items():
        (folder / name).write_bytes(content)
    with pytest.raises(FormatError, match="more than the 3"):
        brat.parse(folder, limits=ArchiveLimits(max_entries=3))
    (folder / "d0.txt").write_bytes(b"x" * 100)
    with pytest.raises(FormatError, match=r"'d0\.txt' in 'corpus' is 100 bytes"):
        brat.parse(folder, limits=ArchiveLimits(max_file_bytes=50))


def test_a_brat_zip_entry_larger_than_it_claims_is_refused(tmp_path):
    path = _brat_zip(tmp_path / "liar.zip", {"doc.txt": b"a" * 1000, "doc.ann": b""})
    raw = bytearray(path.read_bytes())
    # Shrink the size the central directory states for doc.txt (its first entry).
    central = raw.index(b"PK\x01\x02")
    raw[central + 24 : central + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(FormatError, match=r"doc\.txt"):
        brat.parse(path)


# -- item 6: truncated CSV -------------------------------------------------------------------


def test_a_csv_cut_anywhere_in_its_last_row_is_refused_naming_the_line(reading, tmp_path):
    project, document = reading
    project.annotate(document.id, *_span("Some books"), note='He said "hi" and\nleft, twice')
    out = tmp_path / "notes.csv"
    export(project, "csv", out)
    raw = out.read_bytes()
    start = raw.index(b"He said")
    with _fresh(tmp_path, with_text=True) as fresh:
        # Cut right after the last delimiter, the row is whole but for an empty id: a file
        # that reads like that is accepted (a spreadsheet may end a last row so).
        whole_but_id = raw.rindex(b",") + 1
        for cut in (c for c in range(start, len(raw) - 2) if c != whole_but_id):
            (tmp_path / "cut.csv").write_bytes(raw[:cut])
            with pytest.raises(FormatError, match="record line 2") as error:
                import_file(fresh, tmp_path / "cut.csv", "csv")
            assert "\n" not in str(error.value)
        assert fresh.annotations() == []
        (tmp_path / "whole.csv").write_bytes(raw[:-2])  # only the last line break missing
        assert import_file(fresh, tmp_path / "whole.csv", "csv").annotations_added == 1


# -- item 8: CSV formula escape --------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "'=", "''\t"])
def test_csv_cells_starting_a_formula_get_an_apostrophe_that_import_takes_off(
    reading, tmp_path, start
):
    project, document = reading
    note = f'{start}HYPERLINK("http://x")'
    project.annotate(document.id, *_span("Some books"), note=note)
    export(project, "csv", tmp_path / "notes.csv")
    text = (tmp_path / "notes.csv").read_bytes().decode("utf-8-sig")
    (row,) = csv.DictReader(io.StringIO(text, newline=""))
    assert row["note"] == "'" + note
    with _fresh(tmp_path, with_text=True) as fresh:
        import_file(fresh, tmp_path / "notes.csv")
        assert [a.note for a in fresh.annotations()] == [note]


def test_csv_formula_escape_is_exactly_inverted():
    for cell in ["\tx", "\rx", "'\tx", "x\t", "'", "''", "-1", "a\x1b", "\\x1b", "\\\x1b"]:
        assert csv_notes._unsafe(csv_notes._safe(cell)) == cell


# -- item 9: CSV and brat pass no terminal controls, Markdown runs nothing -------------------


def test_csv_writes_no_terminal_control_raw_and_brings_every_one_back(reading, tmp_path):
    project, document = reading
    note = "".join(TERMINAL_CONTROLS) + "\\x1b \\\\x07 " + ESC + "[2J" + "\u009b31m"
    project.annotate(document.id, *_span("Some books"), note=note)
    export(project, "csv", tmp_path / "notes.csv")
    text = (tmp_path / "notes.csv").read_bytes().decode("utf-8-sig")
    assert not any(c in text for c in TERMINAL_CONTROLS)
    with _fresh(tmp_path, with_text=True) as fresh:
        import_file(fresh, tmp_path / "notes.csv")
        assert [a.note for a in fresh.annotations()] == [note]


HOSTILE_NOTE = (
    "# Injected heading\n"
    "<script>alert(1)</script>\n"
    "[click](javascript:alert(1)) and <javascript:alert(2)> and ![x](http://e/x.png)\n"
    "[ref]\n\n[ref]: javascript:alert(3)\n"
    "Setext\n===\n"
    "- item\n1. one\n> quoted\n    indented code\n```\nfence\n"
    "a | b\n--|--\n"
    "*em* _em_ `code` ~~del~~ &amp; \\*\n"
    f"{ESC}[31mred{ESC}[0m \x07 \u009b2J"
)


def _render(markdown: str) -> str:
    markdown_it = pytest.importorskip("markdown_it")
    renderer = markdown_it.MarkdownIt("commonmark", {"html": True}).enable(
        ["table", "strikethrough"]
    )
    return renderer.render(markdown)


def test_markdown_notes_show_a_hostile_note_as_typed_and_run_nothing(reading, tmp_path):
    project, document = reading
    project.annotate(document.id, *_span("Some books"), note=HOSTILE_NOTE, label="<b>L</b>")
    _, markdown = export(project, "markdown", None)
    assert markdown is not None
    assert ESC not in markdown and "\x07" not in markdown and "\u009b" not in markdown
    html = _render(markdown)
    for tag in ("<script", "<a ", "<img", "<h2", "<h3", "<ul", "<ol", "<pre", "<code",
                "<table", "<em", "<del", "<b>", "<blockquote>\n<blockquote"):  # fmt: skip
        assert tag not in html, tag
    assert html.count("<h1>") == 1
    # What a reader sees: every line of the note, in order, as typed (controls shown).
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    reader = Text()
    reader.feed(html)
    shown = "".join(reader.parts)
    expected = HOSTILE_NOTE.replace(ESC, "\u241b").replace("\x07", "\u2407")
    expected = expected.replace("\u009b", "\\x9b")
    position = 0
    for typed_line in expected.splitlines():
        if typed_line.strip():
            found = shown.find(typed_line.strip(), position)
            assert found >= 0, typed_line
            position = found + len(typed_line.strip())
    assert "<b>L</b>" in shown


def test_markdown_notes_keep_a_note_on_its_lines(reading):
    project, document = reading
    project.annotate(document.id, *_span("Some books"), note="first\nsecond\n\nnew paragraph")
    _, markdown = export(project, "markdown", None)
    assert markdown is not None
    html = _render(markdown)
    assert "<p>first<br />\nsecond</p>\n<p>new paragraph</p>" in html
