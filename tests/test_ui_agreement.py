"""Agreement in the window: the dialog computes kappa in the background, shows heatmaps with
the right numbers, opens a disagreement in the reader, adjudicates into gold; layers and
blind mode."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sklearn.metrics import cohen_kappa_score

from annotator.comparing.adjudication import gold_annotations
from annotator.comparing.layers import document_status, set_blind_mode
from annotator.core.model import AnnotationKind
from annotator.nlp.tokens import token_spans
from annotator.project import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import Preferences

TEXT = "Ada Lovelace met Charles Babbage in London. Later she wrote about the Engine in Paris."
#           Alice                        Bob
SPANS = {
    "Alice": [
        ("Ada Lovelace", "PERSON"),
        ("Charles Babbage", "PERSON"),
        ("London", "GPE"),
        ("Paris", "GPE"),
    ],
    "Bob": [
        ("Ada Lovelace", "PERSON"),
        ("Charles Babbage", "ORG"),
        ("London", "GPE"),
        ("Engine", "PRODUCT"),
    ],
}


@pytest.fixture
def prefs(tmp_path: Path) -> Preferences:
    return Preferences(tmp_path / "settings.ini")


@pytest.fixture
def two_readers(project: Project):
    document, _ = project.add_text("Lovelace", TEXT)
    for name, spans in SPANS.items():
        project.switch_annotator(name)
        for quote, label in spans:
            start = TEXT.index(quote)
            project.annotate(
                document.id, start, start + len(quote), kind=AnnotationKind.ENTITY, label=label
            )
        project.set_document_status(document.id, "done")
    project.switch_annotator("Carol")  # the adjudicator
    return document


@pytest.fixture
def window(qtbot, project: Project, two_readers, prefs: Preferences):
    w = MainWindow(project, prefs)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    w.activateWindow()
    assert QTest.qWaitForWindowActive(w)
    w.open_document(two_readers.id)
    yield w
    w.close()


def expected_token_kappa() -> float:
    labels = {}
    for name, spans in SPANS.items():
        marks = [(TEXT.index(q), TEXT.index(q) + len(q), lab) for q, lab in spans]
        labels[name] = [
            next((lab for s, e, lab in marks if s <= a and b <= e), "O")
            for a, b in token_spans(TEXT)
        ]
    return float(cohen_kappa_score(labels["Alice"], labels["Bob"]))


def computed(qtbot, window: MainWindow, unit: str):
    dialog = window.layers.open_agreement()
    dialog.set_annotators(["Alice", "Bob"])
    dialog.unit_box.setCurrentIndex(dialog.unit_box.findData(unit))
    dialog.compute()
    qtbot.waitUntil(lambda: dialog.task is None and dialog.report is not None, timeout=30000)
    return dialog


def test_agreement_dialog_computes_token_kappa_and_shows_it_as_a_heatmap(qtbot, window):
    dialog = computed(qtbot, window, "token")
    assert dialog.chosen_documents() == [window.document.id]  # default: done by both
    report = dialog.report
    assert report.annotators == ("Alice", "Bob")
    kappa = report.pair("Alice", "Bob").figure("Cohen's kappa").value
    assert kappa == pytest.approx(expected_token_kappa())
    measures = [dialog.measure_box.itemText(i) for i in range(dialog.measure_box.count())]
    dialog.measure_box.setCurrentIndex(
        next(i for i, m in enumerate(measures) if m.startswith("Cohen's kappa"))
    )
    measure = dialog.measure_box.currentData()
    assert str(measure).startswith("Cohen's kappa")
    heat = dialog.matrix
    assert heat.isVisible()
    assert heat.values[0][1] == pytest.approx(kappa)
    assert heat.texts[0][1].startswith(f"{kappa:.3f}")
    assert "token" in heat.texts[0][1]  # the unit and count next to the number
    assert "counted over" in heat.tips[0][1]
    # The label confusion matrix: Babbage is PERSON for Alice, ORG for Bob.
    pair = report.pair("Alice", "Bob")
    labels = [str(x) for x in pair.confusion.labels]
    i, j = labels.index("PERSON"), labels.index("ORG")
    assert dialog.confusion.values[i][j] == pair.confusion.counts[i][j] == 2
    assert dialog.overall.rowCount() == len(report.overall)
    assert "Cohen" in dialog.export_text("table")
    assert '"unit": "token"' in dialog.export_text("json")


def test_clicking_a_disagreement_opens_the_passage_and_a_writes_gold(
    qtbot, window, project, two_readers
):
    dialog = computed(qtbot, window, "span")
    assert dialog.disagreements.rowCount() == len(dialog.views) == 3
    row = next(i for i, v in enumerate(dialog.views) if v.quote == "Charles Babbage")
    dialog.disagreements.setCurrentCell(row, 1)
    start = TEXT.index("Charles Babbage")
    assert window.reader.selection_span() == (start, start + len("Charles Babbage"))
    # Both versions are in the reader.
    here = {
        (a.label, window.list.model.annotator_name(a.annotator_id))
        for a in window.reader.index.overlapping(start, start + 1)
    }
    assert here == {("PERSON", "Alice"), ("ORG", "Bob")}

    assert dialog.decide("A")
    gold = gold_annotations(project, two_readers.id)
    assert [(a.quote, a.label) for a in gold] == [("Charles Babbage", "PERSON")]
    assert dialog.views[row].decision == "A"
    qtbot.waitUntil(lambda: dialog.adjudication.value() == 1)  # counted on a worker
    assert "1 of 3" in dialog.adjudication.format()

    window.undo.undo()
    assert gold_annotations(project, two_readers.id) == []
    qtbot.waitUntil(lambda: dialog.views[row].decision is None)


def test_blind_mode_shows_only_your_own_until_you_mark_the_document_done(
    qtbot, window, project, two_readers
):
    project.switch_annotator("Alice")
    project.set_document_status(two_readers.id, "in progress")
    set_blind_mode(project, True)
    qtbot.waitUntil(
        lambda: (
            {window.list.model.annotator_name(a.annotator_id) for a in window.reader.index.all()}
            == {"Alice"}
        )
    )
    model = window.library.model

    def shown_count() -> int:
        return model.summary(model.row_of(two_readers.id)).annotations

    qtbot.waitUntil(lambda: shown_count() == 4)  # Alice's own only
    window.layers.mark_done()
    qtbot.waitUntil(lambda: len(window.reader.index) == 8)
    qtbot.waitUntil(lambda: shown_count() == 8)
    window.undo.undo()  # marking done is undoable: the others' work hides again
    qtbot.waitUntil(lambda: shown_count() == 4)
    assert document_status(project, two_readers.id, "Alice") == "in progress"


def test_hiding_a_layer_hides_that_annotator_in_reader_and_list(qtbot, window, project):
    bob = project.annotator_named("Bob")
    window.layers.show_layer(bob.id, False)
    qtbot.waitUntil(lambda: len(window.reader.index) == 4)
    assert all(a.annotator_id != bob.id for a in window.reader.index.all())
    window.layers.show_all()
    qtbot.waitUntil(lambda: len(window.reader.index) == 8)


def test_accept_agreed_passages_copies_them_to_gold_and_undo_takes_them_back(
    qtbot, window, project, two_readers
):
    dialog = computed(qtbot, window, "span")
    assert dialog.accept_agreed_button.isEnabled()
    dialog.accept_agreed_button.click()
    gold = {(a.quote, a.label) for a in gold_annotations(project, two_readers.id)}
    agreed = set(SPANS["Alice"]) & set(SPANS["Bob"])
    assert gold == agreed and gold
    assert "Ctrl+Z" in window.statusBar().currentMessage()

    window.undo.undo()
    assert gold_annotations(project, two_readers.id) == []
    window.undo.redo()
    assert {(a.quote, a.label) for a in gold_annotations(project, two_readers.id)} == agreed
    dialog.close()


def test_compute_shows_progress_and_the_button_cancels(qtbot, window, project):
    filler = " ".join(["Ada Lovelace wrote notes on the engine in London."] * 400)
    ids = [project.add_text(f"Part {i}", f"Part {i}. {filler}")[0].id for i in range(30)]
    dialog = window.layers.open_agreement()
    dialog.set_annotators(["Alice", "Bob"])
    dialog.set_documents(ids)
    dialog.unit_box.setCurrentIndex(dialog.unit_box.findData("token"))
    qtbot.mouseClick(dialog.compute_button, Qt.MouseButton.LeftButton)
    assert dialog.compute_button.text() == "Cancel"
    qtbot.mouseClick(dialog.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.task is None, timeout=60000)
    assert dialog.summary.text().startswith("Cancelled")
    assert dialog.compute_button.text() == "Compute" and dialog.compute_button.isEnabled()
    # Run to the end: the bar counted the documents.
    dialog.compute()
    qtbot.waitUntil(lambda: dialog.progress.maximum() == len(ids), timeout=60000)
    qtbot.waitUntil(lambda: dialog.task is None, timeout=120000)
    assert dialog.report is not None and len(dialog.report.documents) == len(ids)


def test_merging_another_annotators_project_asks_about_same_names_and_undoes(
    qtbot, window, project, two_readers, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    other_path = tmp_path / "dana.annotator"
    with Project(other_path) as other:
        document, _ = other.add_text("Lovelace", TEXT)  # the same reading: same document
        other.switch_annotator("Alice")  # another person who is also called Alice
        start = TEXT.index("Paris")
        other.annotate(document.id, start, start + 5, kind=AnnotationKind.ENTITY, label="GPE")
    asked: list[str] = []

    def answer(box: QMessageBox) -> int:
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == "Other People").click()
        return 0

    offered: list[str] = []

    def name_them(_parent, _title, label, text=""):
        offered.append(text)
        return "Dana", True  # the user says who the other Alice is

    monkeypatch.setattr(QMessageBox, "exec", answer)
    monkeypatch.setattr(QInputDialog, "getText", name_them)
    report = window.layers.merge_project(str(other_path))
    assert asked and "Alice" in asked[0]
    assert offered == ["Alice (dana)"]  # offered, not imposed
    assert report.renamed == {"Alice": "Dana"}
    merged = project.annotations(two_readers.id, annotator="Dana")
    assert [(a.quote, a.label) for a in merged] == [("Paris", "GPE")]
    assert "Ctrl+Z" in window.statusBar().currentMessage()
    window.undo.undo()
    assert project.annotations(two_readers.id, annotator="Dana") == []
    # Merging again after redo adds nothing: annotations are matched by their ids.
    window.undo.redo()
    again = window.layers.merge_project(str(other_path))
    assert again.imported.annotations_added == 0


def test_the_confidence_level_chosen_in_the_dialog_sets_every_interval(qtbot, window):
    at_95 = computed(qtbot, window, "token")
    figure = at_95.report.overall[0]
    narrow = figure.interval
    assert narrow is not None and narrow.level == 0.95
    at_95.confidence_box.setCurrentIndex(at_95.confidence_box.findData(0.99))
    at_95.compute()
    qtbot.waitUntil(lambda: at_95.task is None, timeout=30000)
    wide = at_95.report.overall[0].interval
    assert all(f.interval.level == 0.99 for f in at_95.report.overall if f.interval)
    assert wide.low <= narrow.low and narrow.high <= wide.high
    assert "99% confidence" in at_95.summary.text()
