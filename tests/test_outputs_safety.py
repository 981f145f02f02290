"""Exports never replace what the project needs, and a failed write leaves nothing behind
(issue 19, items 1, 10 and 17): the project file, its SQLite companions, its backups and the
documents' source files are refused as outputs; every output is written under a temporary
name and renamed; a backup that cannot fit is refused before anything is written."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.errors import AnnotatorError, Cancelled, ProjectStorageError
from annotator.formats.registry import export
from annotator.project import Project
from annotator.store import backups
from tests.disks import fill, small_disk

TEXT = "Ada Lovelace wrote notes in London about the Analytical Engine. Babbage agreed."


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_project(folder: Path, *, source: bool = True) -> tuple[Path, Path]:
    """A closed project with one document added from a file, annotated by two people."""
    folder.mkdir(parents=True, exist_ok=True)
    reading = folder / "reading.txt"
    reading.write_text(TEXT, encoding="utf-8")
    path = folder / "p.annotator"
    with Project(path) as project:
        if source:
            document, _ = project.add_document(reading)
        else:
            document, _ = project.add_text("Lovelace", TEXT)
        for name in ("ann", "ben"):
            project.switch_annotator(name)
            for quote, label in (("Ada Lovelace", "PERSON"), ("London", "GPE")):
                start = TEXT.index(quote)
                project.annotate(document.id, start, start + len(quote), label=label, note=name)
    return path, reading


def cli(project: Path, *args: str) -> int:
    return main(["--project", str(project), *args])


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("annotator: error:")]
    assert len(lines) == 1, err
    return lines[0]


def still_whole(path: Path) -> int:
    """The project opens and holds its annotations; returns how many."""
    with Project(path, check=True) as project:
        return sum(s.annotations for s in project.documents())


# -- item 1: outputs that would replace the project ------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "prodigy", "w3c", "spacy", "brat"])
def test_export_onto_the_project_file_is_refused_and_the_project_kept(tmp_path, capsys, fmt):
    path, _ = make_project(tmp_path)
    before = still_whole(path)
    one_layer = ["--annotator", "ann"] if fmt == "spacy" else []  # one annotator's labels
    assert cli(path, "export", "--format", fmt, *one_layer, "-o", str(path)) == 1
    line = one_error_line(capsys)
    assert "project file 'p.annotator'" in line and "choose another" in line
    assert still_whole(path) == before == 4


def test_agreement_report_onto_the_project_file_is_refused(tmp_path, capsys):
    path, _ = make_project(tmp_path)
    assert cli(path, "agreement", "--annotators", "ann,ben", "-o", str(path)) == 1
    assert "project file 'p.annotator'" in one_error_line(capsys)
    assert still_whole(path) == 4


def test_pdf_export_onto_the_project_file_is_refused(tmp_path, capsys):
    from tests.test_documents_pdf import build_pdf

    pdf = build_pdf(tmp_path / "reading.pdf", scanned=False, rotated=False)
    path = tmp_path / "p.annotator"
    with Project(path) as project:
        document, _ = project.add_document(pdf)
        start = document.text.index("brown fox")
        project.annotate(document.id, start, start + 9, note="Why a fox?")
    assert cli(path, "export", "--format", "pdf", "-o", str(path)) == 1
    assert "project file 'p.annotator'" in one_error_line(capsys)
    assert still_whole(path) == 1
    source = digest(pdf)
    assert cli(path, "export", "--format", "pdf", "-o", str(pdf)) == 1
    assert "source file of a document ('reading.pdf')" in one_error_line(capsys)
    assert digest(pdf) == source


@pytest.mark.parametrize("tail", ["-wal", "-shm", "-journal"])
def test_export_onto_the_projects_sqlite_companions_is_refused(tmp_path, capsys, tail):
    path, _ = make_project(tmp_path)
    companion = path.with_name(path.name + tail)
    assert cli(path, "export", "--format", "json", "-o", str(companion)) == 1
    assert f"'p.annotator{tail}'" in one_error_line(capsys)
    assert still_whole(path) == 4


def test_export_onto_a_backup_of_the_project_is_refused_and_the_backup_kept(tmp_path, capsys):
    path, _ = make_project(tmp_path)
    backup = backups.daily_backup(path)
    assert backup is not None
    kept = digest(backup)
    replaced = path.with_name("p.replaced-20240101T000000000000.annotator")
    for target in (backup, replaced, path.with_name("p.before-import.future.bak")):
        assert cli(path, "export", "--format", "csv", "-o", str(target)) == 1
        assert "backup of the project 'p.annotator'" in one_error_line(capsys)
    assert digest(backup) == kept and not replaced.exists()
    assert [b.path for b in backups.list_backups(path)] == [backup]


def test_export_onto_a_documents_source_file_is_refused(tmp_path, capsys):
    path, reading = make_project(tmp_path)
    assert cli(path, "export", "--format", "markdown", "-o", str(reading)) == 1
    assert "source file of a document ('reading.txt')" in one_error_line(capsys)
    assert reading.read_text(encoding="utf-8") == TEXT


def test_a_symlink_to_the_project_is_seen_through(tmp_path, capsys):
    path, _ = make_project(tmp_path / "here")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "link.json").symlink_to(path)
    (tmp_path / "folder-link").symlink_to(path.parent)
    for target in (elsewhere / "link.json", tmp_path / "folder-link" / "p.annotator"):
        assert cli(path, "export", "--format", "json", "-o", str(target)) == 1
        assert "project file 'p.annotator'" in one_error_line(capsys)
    assert still_whole(path) == 4


def test_brat_folder_holding_the_project_is_refused(tmp_path, capsys):
    path, _ = make_project(tmp_path / "work" / "project", source=False)
    for folder in (path.parent, path.parent.parent):
        assert cli(path, "export", "--format", "brat", "-o", str(folder)) == 1
        assert "holds the project file 'p.annotator'" in one_error_line(capsys)
    written = [p for p in path.parent.parent.rglob("*") if p != path.parent and p.is_dir()]
    written += [p for p in path.parent.parent.rglob("*") if p.suffix == ".ann" or ".part" in p.name]
    assert written == []


def test_brat_folder_export_keeps_other_files_and_refuses_a_source_it_would_replace(tmp_path):
    path, _ = make_project(tmp_path / "project", source=False)
    out = tmp_path / "brat"
    out.mkdir()
    (out / "README").write_text("mine", encoding="utf-8")
    with Project(path) as project:
        export(project, "brat", out)
        written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
        assert "README" in written and any(name.endswith(".ann") for name in written)
        assert (out / "README").read_text(encoding="utf-8") == "mine"
        # A document whose source file is one the brat folder would write is refused whole.
        text_file = next(p for p in out.rglob("*.txt"))
        project.add_document(text_file)
        before = {p: digest(p) for p in out.rglob("*") if p.is_file()}
        with pytest.raises(AnnotatorError, match="source file of a document"):
            export(project, "brat", out)
        assert {p: digest(p) for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if ".part" in p.name] == []


def test_export_dialog_refuses_the_project_file_at_once(tmp_path):
    pytest.importorskip("pytestqt")
    from annotator.formats.exchange import ExportScope
    from annotator.ui.export_dialog import ExportRequest, run_export

    path, _ = make_project(tmp_path)
    with Project(path) as project:
        document = project.documents()[0].document
        for passage in (None, (document.id, 0, 12)):
            request = ExportRequest("csv", path, ExportScope(), passage)
            with pytest.raises(AnnotatorError, match=r"project file 'p\.annotator'"):
                run_export(project, request)
    assert still_whole(path) == 4


def test_export_dialog_says_so_before_starting(qtbot, tmp_path):
    pytest.importorskip("pytestqt")
    from annotator.ui.export_dialog import ExportDialog
    from annotator.ui.main_window import MainWindow
    from annotator.ui.preferences import Preferences

    path, _ = make_project(tmp_path)
    with Project(path) as project:
        window = MainWindow(project, Preferences(tmp_path / "settings.ini"))
        qtbot.addWidget(window)
        dialog = ExportDialog(window.project, window.session, window)
        qtbot.addWidget(dialog)
        dialog.select_format("markdown")
        dialog.output.setText(str(path))
        assert dialog.start() is None and dialog.task is None
        assert "Could not export" in dialog.message.text()
        assert "project file 'p.annotator'" in dialog.message.text()
        window.close()
    assert still_whole(path) == 4


# -- item 1: written under a temporary name, nothing left when it fails ----------------------


@pytest.mark.parametrize("fmt, name", [("spacy", "out.spacy"), ("brat", "out.zip"),
                                       ("brat", "out"), ("markdown", "out.md")])  # fmt: skip
def test_a_cancelled_export_leaves_the_old_output_and_no_temporary_file(tmp_path, fmt, name):
    path, _ = make_project(tmp_path / "project")
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    with Project(path) as project:
        export(project, fmt, out_dir / name)
        before = {p: digest(p) for p in out_dir.rglob("*") if p.is_file()}
        with pytest.raises(Cancelled):  # cancelled inside the format's writer, if it polls
            export(project, fmt, out_dir / name, cancel=lambda: True)
    assert {p: digest(p) for p in out_dir.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in out_dir.iterdir()) == [name]


def test_exported_files_get_the_usual_permissions(tmp_path):
    path, _ = make_project(tmp_path / "project")
    with Project(path) as project:
        export(project, "spacy", tmp_path / "out.spacy")
        export(project, "json", tmp_path / "out.json")
    probe = tmp_path / "probe"
    probe.touch()
    for out in ("out.spacy", "out.json"):
        assert (tmp_path / out).stat().st_mode == probe.stat().st_mode


# -- a small real disk -----------------------------------------------------------------------


# -- item 17: a full disk during export ------------------------------------------------------


@pytest.mark.parametrize("fmt, name", [("json", "out.json"), ("spacy", "out.spacy")])
def test_a_full_disk_during_export_names_the_file_and_leaves_no_part(tmp_path, capsys, fmt, name):
    path, _ = make_project(tmp_path / "project")
    with small_disk(tmp_path / "disk", "1m") as disk:
        out = disk / name
        out.write_text("the old export", encoding="utf-8")
        fill(disk)
        one_layer = ["--annotator", "ann"] if fmt == "spacy" else []
        assert cli(path, "export", "--format", fmt, *one_layer, "-o", str(out)) == 1
        line = one_error_line(capsys)
        assert f"'{out}' could not be written: the disk is full" in line
        assert "nothing was written" in line and "free some space" in line
        assert sorted(p.name for p in disk.iterdir()) == ["filler", name]
        assert out.read_text(encoding="utf-8") == "the old export"


# -- item 10: a backup that does not fit -----------------------------------------------------


def grow(path: Path, notes: int = 800) -> None:
    """Make the project larger than the room a test leaves on its disk."""
    with Project(path) as project:
        document = project.documents()[0].document
        for k in range(notes):
            project.annotate(document.id, 0, 3, note=f"{k} " + "x" * 400)
    assert path.stat().st_size > 512 * 1024


def annotated_json(folder: Path) -> Path:
    """A JSON export of another project, to import (it has annotations the project lacks)."""
    other, _ = make_project(folder / "other", source=False)
    out = folder / "other.json"
    assert main(["--project", str(other), "export", "--format", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    for annotation in data["annotations"]:
        annotation["id"] = annotation["id"] + "x"
    out.write_text(json.dumps(data), encoding="utf-8")
    return out


def test_an_import_on_a_nearly_full_disk_is_refused_before_the_backup(tmp_path, capsys):
    incoming = annotated_json(tmp_path)
    with small_disk(tmp_path / "disk", "8m") as disk:
        path, _ = make_project(disk)
        grow(path)
        before = still_whole(path)
        fill(disk, leave=256 * 1024)
        assert cli(path, "import", str(incoming)) == 1
        err = capsys.readouterr().err
        assert "no daily backup was made: not enough free space" in err
        line = [x for x in err.splitlines() if x.startswith("annotator: error:")]
        assert len(line) == 1
        assert "not enough free space to back up 'p.annotator' before the import" in line[0]
        assert "nothing was changed; free " in line[0] and " MB " in line[0]
        assert not [p for p in disk.iterdir() if ".bak" in p.name or ".part" in p.name]
        (disk / "filler").unlink()
        assert still_whole(path) == before


def test_a_backup_that_runs_out_of_room_is_removed_with_its_journal(tmp_path, monkeypatch):
    with small_disk(tmp_path / "disk", "8m") as disk:
        path, _ = make_project(disk, source=False)
        grow(path)
        fill(disk, leave=256 * 1024)
        # The up-front estimate is let through, so the copy itself meets the full disk.
        monkeypatch.setattr(backups, "BACKUP_MARGIN", -(10**9))
        with (
            Project(path) as project,
            pytest.raises(ProjectStorageError, match="not enough free space to back up"),
        ):
            project.store.backup("before-reanchor")
        assert not [p for p in disk.iterdir() if ".bak" in p.name]


def test_a_backup_without_room_is_refused_up_front_and_nothing_is_written(tmp_path, monkeypatch):
    path, _ = make_project(tmp_path)
    free = os.statvfs(tmp_path).f_bavail * os.statvfs(tmp_path).f_frsize
    monkeypatch.setattr(backups, "BACKUP_MARGIN", free + 10 * 1024**2)
    with Project(path) as project, pytest.raises(ProjectStorageError) as raised:
        project.store.backup("before-reanchor")
    message = str(raised.value)
    assert message.startswith(
        "not enough free space to back up 'p.annotator' before the re-anchoring: nothing was "
        "changed; free "
    )
    assert [p for p in tmp_path.iterdir() if ".bak" in p.name] == []
