"""Opening files from the shell: ``annotator reading.pdf`` (and several files) opens the app
with them added and the first on screen; what is not a document is said clearly."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from annotator import cli
from annotator.project import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import Preferences
from tests.test_ui_pdf import build_pdf


def parsed(argv: list[str]):
    parser = cli.build_parser()
    return parser.parse_args(cli.files_mean_gui(parser, argv))


def test_a_file_given_without_a_verb_opens_the_app_with_it(tmp_path: Path):
    reading = build_pdf(tmp_path / "reading.pdf", pages=1)
    args = parsed([str(reading)])
    assert (args.command, args.files) == ("gui", [str(reading)])
    args = parsed(["--project", str(tmp_path / "p.annotator"), "notes.txt", str(reading)])
    assert (args.command, args.files) == ("gui", ["notes.txt", str(reading)])
    assert args.project == str(tmp_path / "p.annotator")
    args = parsed(["gui", str(reading)])  # the verb still works
    assert (args.command, args.files) == ("gui", [str(reading)])
    assert parsed(["list"]).command == "list"


def test_a_mistyped_verb_is_still_an_invalid_choice(capsys):
    with pytest.raises(SystemExit):
        parsed(["lsit"])
    assert "invalid choice: 'lsit'" in capsys.readouterr().err


def test_a_missing_file_is_said_before_the_window_starts(tmp_path: Path, capsys):
    code = cli.main(["--project", str(tmp_path / "p.annotator"), str(tmp_path / "readng.pdf")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_ERROR
    assert "readng.pdf' does not exist" in err and "Traceback" not in err
    assert not (tmp_path / "p.annotator").exists()


@pytest.fixture
def window(qtbot, project: Project, tmp_path: Path):
    w = MainWindow(project, Preferences(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    w.resize(1100, 800)
    w.show()
    w.activateWindow()
    assert QTest.qWaitForWindowActive(w)
    yield w
    w.close()


def text_file(path: Path, words: str) -> Path:
    path.write_text(f"{words}\n\nA second paragraph to read closely.\n", encoding="utf-8")
    return path


def test_several_files_are_all_added_and_the_first_is_opened(qtbot, window, project, tmp_path):
    first = text_file(tmp_path / "first.txt", "The first reading.")
    pdf = build_pdf(tmp_path / "second.pdf", pages=2)
    third = text_file(tmp_path / "third.md", "# The third reading")
    window.open_paths([str(first), str(pdf), str(third)])
    qtbot.waitUntil(lambda: len(project.document_headers()) == 3, timeout=20000)
    qtbot.waitUntil(lambda: window.document is not None, timeout=10000)
    qtbot.wait(200)  # the others arriving later do not take the screen
    assert window.document.path == str(first.resolve())
    assert window.library.model.rowCount() == 3


def test_a_pdf_given_first_is_the_one_on_screen(qtbot, window, project, tmp_path):
    pdf = build_pdf(tmp_path / "reading.pdf", pages=2)
    other = text_file(tmp_path / "other.txt", "Another reading.")
    window.open_paths([str(pdf), str(other)])
    qtbot.waitUntil(lambda: len(project.document_headers()) == 2, timeout=20000)
    qtbot.waitUntil(lambda: window.document is not None, timeout=10000)
    assert Path(window.document.path).name == "reading.pdf"
    assert window.area.view is window.pdf_view


def test_a_file_that_is_not_a_document_says_so_and_adds_nothing(
    qtbot, window, project, tmp_path, monkeypatch
):
    picture = tmp_path / "scan.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: shown.append(text))
    window.open_paths([str(picture)])
    qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    assert "scan.png" in shown[0] and "not text" in shown[0]
    assert "open a text, Markdown or PDF file" in shown[0]
    assert project.document_headers() == []
