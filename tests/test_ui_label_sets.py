"""The label set editor, driven like a user: edit, add, check, from the model, undo."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

from annotator.core.errors import AnnotatorError
from annotator.core.labels import label_set_problems
from annotator.core.model import Label, LabelSet, LabelSetId, LabelSetKind
from annotator.project import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import Preferences

TEXT = "Ada Lovelace met Charles Babbage in London in 1833."


@pytest.fixture
def window(qtbot, project: Project, tmp_path: Path):
    w = MainWindow(project, Preferences(tmp_path / "settings.ini"))
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    assert QTest.qWaitForWindowActive(w)
    document, _ = project.add_text("Lovelace", TEXT)
    w.open_document(document.id)
    yield w
    w.close()


def ok_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def sets_by_name(project: Project) -> dict[str, LabelSet]:
    return {s.name: s for s in project.label_sets() if s.kind != LabelSetKind.LEGEND}


def test_a_new_label_set_with_keys_labels_the_selection_and_undo_removes_it(qtbot, window, project):
    window.legend.edit_label_sets()
    dialog = window.legend.label_sets_dialog
    qtbot.mouseClick(dialog.new_button, Qt.MouseButton.LeftButton)
    dialog.name.setText("Roles")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.table.item(0, 2).setText("inventor")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.table.item(1, 2).setText("place")
    dialog.table.item(1, 3).setText("Where it happened")
    dialog.set_colour(1, "#88ccee")
    assert [dialog.table.item(r, 0).text() for r in range(2)] == ["1", "2"]  # keys given
    assert ok_button(dialog).isEnabled()
    dialog.accept()

    roles = sets_by_name(project)["Roles"]
    assert roles.labels == (
        Label("inventor", roles.labels[0].color, "1", ""),
        Label("place", "#88ccee", "2", "Where it happened"),
    )
    assert window.legend.label_set_box.findText("Roles") >= 0
    window.legend.label_set_box.setCurrentText("Roles")
    cursor = window.reader.textCursor()
    start = TEXT.index("London")
    cursor.setPosition(start)
    cursor.setPosition(start + len("London"), QTextCursor.MoveMode.KeepAnchor)
    window.reader.setTextCursor(cursor)
    qtbot.keyClick(window.reader, "2")
    [labelled] = project.annotations(window.document.id)
    assert (labelled.label, labelled.quote) == ("place", "London")

    window.undo.undo()  # the label
    window.undo.undo()  # the label set
    assert "Roles" not in sets_by_name(project)
    assert window.legend.label_set_box.findText("Roles") < 0
    window.undo.redo()
    assert "Roles" in sets_by_name(project)


def test_clashing_keys_and_names_are_explained_and_ok_waits_until_fixed(qtbot, window, project):
    window.legend.edit_label_sets()
    dialog = window.legend.label_sets_dialog
    dialog.list.setCurrentRow(
        [dialog.list.item(i).text() for i in range(dialog.list.count())].index("Named entities")
    )
    dialog.table.item(1, 0).setText("1")  # ORG takes PERSON's key
    assert not ok_button(dialog).isEnabled()
    assert "PERSON and ORG both use the key '1'" in dialog.problem.text()
    dialog.table.item(1, 0).setText("%")
    assert "use one of 1–9 or a letter" in dialog.problem.text()
    dialog.table.item(1, 0).setText("O")  # upper case is read as the letter o
    assert ok_button(dialog).isEnabled()
    dialog.name.setText("Close reading")
    assert "already a label set called 'Close reading'" in dialog.problem.text()
    assert not ok_button(dialog).isEnabled()
    dialog.reject()
    assert "Named entities" in sets_by_name(project)  # cancel changed nothing


def test_from_model_adds_the_models_entity_labels_with_their_meanings(qtbot, window, project):
    window.legend.edit_label_sets()
    dialog = window.legend.label_sets_dialog
    qtbot.mouseClick(dialog.model_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog._worker is None, timeout=60000)
    created = dialog.label_sets()[-1]
    names = [label.name for label in created.labels]
    assert {"PERSON", "ORG", "GPE", "DATE"} <= set(names)
    person = created.label("PERSON")
    assert person.description == "People, including fictional"
    assert ok_button(dialog).isEnabled()
    dialog.accept()
    assert created.name in sets_by_name(project)


def test_deleting_a_set_keeps_annotations_and_undo_brings_it_back(qtbot, window, project):
    document = window.document
    project.annotate(document.id, 0, 3, label="PERSON", kind="entity")
    window.legend.edit_label_sets()
    dialog = window.legend.label_sets_dialog
    names = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    dialog.list.setCurrentRow(names.index("Named entities"))
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    dialog.accept()
    assert "Named entities" not in sets_by_name(project)
    assert [a.label for a in project.annotations(document.id)] == ["PERSON"]
    window.undo.undo()
    assert sets_by_name(project)["Named entities"].label("PERSON") is not None


def test_the_project_refuses_what_the_editor_would_flag(project):
    bad = LabelSet(
        LabelSetId("x"),
        "Codes",
        LabelSetKind.SPAN,
        (Label("a", "#ffffff", "1"), Label("b", "#000000", "1")),
    )
    assert label_set_problems(bad) == ["a and b both use the key '1'"]
    with pytest.raises(AnnotatorError, match="both use the key"):
        project.save_label_set(bad)
    with pytest.raises(AnnotatorError, match="cannot be deleted"):
        project.update_label_sets(deleted=[project.legend().id])
    assert "Codes" not in sets_by_name(project)


def named_entities_row(dialog) -> int:
    names = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    return names.index("Named entities")


@pytest.mark.parametrize("relabel", [True, False])
def test_renaming_a_label_offers_to_relabel_its_annotations_in_one_undo_step(
    qtbot, window, project, monkeypatch, relabel
):
    from PySide6.QtWidgets import QMessageBox

    document = window.document
    project.annotate(document.id, 0, 12, label="PERSON", kind="entity")
    project.annotate(document.id, 36, 42, label="GPE", kind="entity")
    asked: list[str] = []

    def answer(_parent, _title, text, *a, **k):
        asked.append(text)
        return QMessageBox.StandardButton.Yes if relabel else QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", answer)
    window.legend.edit_label_sets()
    dialog = window.legend.label_sets_dialog
    dialog.list.setCurrentRow(named_entities_row(dialog))
    dialog.table.item(0, 2).setText("Person")
    assert dialog.renames() == {"PERSON": "Person"}
    dialog.accept()
    assert asked and "“PERSON” → “Person”: 1 annotation" in asked[0]
    labels = sorted(a.label for a in project.annotations(document.id))
    assert labels == (["GPE", "Person"] if relabel else ["GPE", "PERSON"])
    assert sets_by_name(project)["Named entities"].labels[0].name == "Person"
    window.undo.undo()  # the set and (if chosen) the annotations, in one step
    assert sorted(a.label for a in project.annotations(document.id)) == ["GPE", "PERSON"]
    assert sets_by_name(project)["Named entities"].labels[0].name == "PERSON"
