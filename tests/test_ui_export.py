"""File → Export… and File → Import… driven from the window: files written, documents found."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from annotator.core.model import AnnotationKind
from annotator.project import Project
from annotator.ui.export_dialog import ExportDialog
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import Preferences

TEXT = "Ada Lovelace wrote notes in London about the Analytical Engine. Babbage agreed."


@pytest.fixture
def reading(project: Project):
    document, _ = project.add_text("Lovelace", TEXT)
    for quote, label in (("Ada Lovelace", "PERSON"), ("London", "GPE"), ("Lovelace", "PERSON")):
        start = TEXT.index(quote)
        project.annotate(
            document.id, start, start + len(quote), kind=AnnotationKind.ENTITY, label=label
        )
    start = TEXT.index("Analytical Engine")
    project.annotate(document.id, start, start + 17, kind=AnnotationKind.COMMENT,
                     note="the first computer?")  # fmt: skip
    return document


@pytest.fixture
def window(qtbot, project: Project, reading, tmp_path: Path):
    w = MainWindow(project, Preferences(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    w.resize(1100, 700)
    w.show()
    w.activateWindow()
    assert QTest.qWaitForWindowActive(w)
    w.open_document(reading.id)
    yield w
    w.close()


def open_export(qtbot, window: MainWindow) -> ExportDialog:
    window.act_export.trigger()
    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def export_with(qtbot, window: MainWindow, fmt: str, output: Path, monkeypatch) -> ExportDialog:
    dialog = open_export(qtbot, window)
    dialog.select_format(fmt)
    assert dialog.output.text().endswith(output.suffix)  # the format's extension
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(output.with_suffix("")), ""))  # fmt: skip
    dialog.choose_output()
    assert dialog.output.text() == str(output)  # the extension is added
    assert dialog.scope_key() == "document"
    dialog.export_button.click()
    qtbot.waitUntil(lambda: output.exists() and dialog.task is None, timeout=20000)
    return dialog


def warnings_box(window: MainWindow) -> QMessageBox | None:
    boxes = [b for b in window.findChildren(QMessageBox) if b.objectName() == "formatWarnings"]
    return boxes[-1] if boxes else None


def test_export_dialog_writes_markdown_notes_of_the_current_document(qtbot, window, tmp_path,
                                                                      monkeypatch):  # fmt: skip
    output = tmp_path / "out" / "notes.md"
    output.parent.mkdir()
    export_with(qtbot, window, "markdown", output, monkeypatch)
    text = output.read_text(encoding="utf-8")
    assert "Ada Lovelace" in text and "the first computer?" in text
    assert "London" in text
    qtbot.waitUntil(lambda: str(output) in window.statusBar().currentMessage())


def test_export_dialog_writes_conll_and_shows_what_the_format_could_not_hold(
    qtbot, window, tmp_path, monkeypatch
):
    output = tmp_path / "tags.conll"
    export_with(qtbot, window, "conll", output, monkeypatch)
    lines = output.read_text(encoding="utf-8").splitlines()
    tagged = dict(line.split()[0::len(line.split()) - 1] for line in lines if line.strip()
                  and not line.startswith("-DOCSTART-"))  # fmt: skip
    assert tagged["Ada"] == "B-PERSON" and tagged["London"] == "B-GPE"
    # "Lovelace" inside "Ada Lovelace" overlaps: CoNLL cannot hold it, and the reader is told.
    qtbot.waitUntil(lambda: warnings_box(window) is not None)
    box = warnings_box(window)
    assert box.isVisible()
    assert "overlap" in box.informativeText().lower()
    box.close()


def test_export_of_a_selection_keeps_only_the_annotations_overlapping_it(
    qtbot, window, tmp_path, monkeypatch
):
    start = TEXT.index("London")
    window.reader.select_span(start, start + len("London"))
    dialog = open_export(qtbot, window)
    assert dialog.scope_key() == "selection"
    dialog.select_format("csv")
    output = tmp_path / "selection.csv"
    dialog.output.setText(str(output))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: output.exists() and dialog.task is None, timeout=20000)
    body = output.read_text(encoding="utf-8")
    assert "London" in body and "Ada Lovelace" not in body


def test_gold_only_export_without_a_gold_layer_says_so_in_the_dialog(qtbot, window, tmp_path):
    dialog = open_export(qtbot, window)
    dialog.gold_only.setChecked(True)
    assert not dialog.annotators.isEnabled()
    dialog.output.setText(str(tmp_path / "gold.md"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.task is None and "gold" in dialog.message.text(),
                    timeout=20000)  # fmt: skip
    assert dialog.message.text().startswith("Could not export:")
    assert dialog.isVisible() and dialog.export_button.isEnabled()
    assert not (tmp_path / "gold.md").exists()
    dialog.reject()


def answer_yes(monkeypatch) -> list[str]:
    asked: list[str] = []

    def question(_parent, _title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_import_doccano_through_the_window_adds_the_document_and_its_annotations(
    qtbot, window, project, tmp_path, monkeypatch
):
    text = "Grace Hopper worked at Harvard."
    file = tmp_path / "hopper.jsonl"
    file.write_text(
        json.dumps({"text": text, "label": [[0, 12, "PERSON"], [23, 30, "ORG"]],
                    "annotator": "Grace", "title": "Hopper"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    asked = answer_yes(monkeypatch)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(file), ""))
    window.act_import.trigger()
    assert asked and "2 annotations in 1 document." in asked[0] and "doccano" in asked[0]
    imported = next(s.document for s in project.documents() if s.document.title == "Hopper")
    found = {(a.start, a.end, a.label) for a in project.annotations(imported.id, annotator=None)}
    assert found == {(0, 12, "PERSON"), (23, 30, "ORG")}
    model = window.library.model
    qtbot.waitUntil(lambda: model.row_of(imported.id) >= 0)
    assert "Imported “hopper.jsonl”: 1 document and 2 annotations added" in (
        window.statusBar().currentMessage()
    )
    # One Ctrl+Z takes the whole import back (document and annotations); redo brings it back.
    window.undo.undo()
    assert imported.id not in {s.document.id for s in project.documents()}
    assert project.annotations(imported.id, annotator=None) == []
    qtbot.waitUntil(lambda: model.row_of(imported.id) < 0)
    window.undo.redo()
    again = {(a.start, a.end, a.label) for a in project.annotations(imported.id, annotator=None)}
    assert again == found


def test_undoing_a_native_import_puts_back_the_versions_it_replaced(
    qtbot, window, project, sample_document, tmp_path, monkeypatch
):
    original = project.annotate(sample_document.id, 0, 7, note="before")
    data = project.export_json()
    [record] = [r for r in data["annotations"] if r["id"] == original.id]
    record.update(note="after", modified="2999-01-01T00:00:00+00:00")
    data["annotations"] = [record]
    file = tmp_path / "newer.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    answer_yes(monkeypatch)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(file), ""))
    for box in window.findChildren(QMessageBox):
        box.close()
    window.act_import.trigger()
    errors = [b.informativeText() for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert project.annotation(original.id).note == "after", errors
    window.undo.undo()
    assert project.annotation(original.id).note == "before"
    window.undo.redo()
    assert project.annotation(original.id).note == "after"


def test_import_of_a_malformed_file_shows_the_line_and_changes_nothing(
    qtbot, window, project, tmp_path, monkeypatch
):
    file = tmp_path / "broken.jsonl"
    file.write_text(
        json.dumps({"text": "fine", "label": []}) + "\n"
        + json.dumps({"text": "bad", "label": [[0, "x", "ORG"]]}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    asked = answer_yes(monkeypatch)
    before = len(project.documents())
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(file), ""))
    window.act_import.trigger()
    assert not asked  # checked before anything is offered
    boxes = [b for b in window.findChildren(QMessageBox) if b.objectName() == "importError"]
    assert boxes and boxes[-1].isVisible()
    detail = boxes[-1].informativeText()
    assert "line 2" in detail and "Traceback" not in detail
    assert "nothing was changed" in boxes[-1].text()
    assert len(project.documents()) == before
    boxes[-1].close()
    QApplication.processEvents()


def test_keyboard_shortcuts_list_the_suggestion_review_keys(window):
    rows = window.shortcut_rows()
    review = {key: action for key, action, where in rows if "Review Suggestions" in where}
    assert review == {
        "N": "Next Suggestion",
        "P": "Previous Suggestion",
        "Enter": "Accept Suggestion",
        "Backspace": "Reject Suggestion",
    }
    window.suggestions.set_mode(True)  # in review mode the Suggest menu carries the keys
    keys = {(key, action) for key, action, _where in window.shortcut_rows()}
    assert ("N", "Next Suggestion") in keys and ("Backspace", "Reject Suggestion") in keys
    window.suggestions.set_mode(False)


def test_cancel_while_exporting_stops_it_and_writes_nothing(
    qtbot, window, project, tmp_path, monkeypatch
):
    filler = " ".join(["Ada Lovelace wrote notes on the engine in London."] * 300)
    for i in range(40):
        document, _ = project.add_text(f"Part {i}", f"Part {i}. {filler}")
        project.annotate(document.id, 0, 4, label="PERSON")
    dialog = open_export(qtbot, window)
    dialog.select_format("prodigy")
    dialog.scope_buttons["project"].setChecked(True)
    output = tmp_path / "all.jsonl"
    dialog.output.setText(str(output))
    dialog.export_button.click()
    assert dialog.task is not None
    dialog.reject()  # the dialog's Cancel while exporting
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=60000)
    assert dialog.message.text() == "Export cancelled: nothing was written."
    assert not output.exists()
    assert dialog.export_button.isEnabled()  # and it can be run again


def test_conll_export_of_two_annotators_labels_asks_for_one_and_writes_nothing(
    qtbot, window, project, reading, tmp_path
):
    """CoNLL holds one layer: with a second annotator's labels in the document the dialog
    names both and writes nothing until one (or the gold layer) is checked."""
    project.switch_annotator("ben")
    start = TEXT.index("London")
    project.annotate(reading.id, start, start + 6, kind=AnnotationKind.ENTITY, label="LOC")
    project.switch_annotator("me")
    dialog = open_export(qtbot, window)
    dialog.select_format("conll")
    output = tmp_path / "tags.conll"
    dialog.output.setText(str(output))
    dialog.export_button.click()
    assert "one layer" in dialog.message.text()
    assert "ben" in dialog.message.text() and "me" in dialog.message.text()
    assert dialog.task is None and not output.exists()
    for i in range(dialog.annotators.count()):  # only ben's labels
        item = dialog.annotators.item(i)
        item.setCheckState(
            Qt.CheckState.Checked if item.text() == "ben" else Qt.CheckState.Unchecked
        )
    dialog.export_button.click()
    qtbot.waitUntil(lambda: output.exists() and dialog.task is None, timeout=20000)
    tags = [line.split()[-1] for line in output.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("-DOCSTART-")]  # fmt: skip
    assert "B-LOC" in tags and "B-PERSON" not in tags
