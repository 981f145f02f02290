"""Adjudicating in the agreement dialog: a decision shows in its row at once and the next
undecided passage is chosen; the changed document is listed again on a worker, and a listing
made stale by a later decision is dropped; undo and edits in the reader show too."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QCoreApplication, Qt, QThreadPool
from test_ui_agreement import TEXT, computed, prefs, two_readers, window  # noqa: F401

from annotator.comparing.disagreements import DisagreementRow, list_disagreements
from annotator.ui.tasks import BackgroundTask


def gold_column(dialog) -> int:
    return dialog.rows_model.columnCount() - 1


def shown_decisions(dialog) -> list[str]:
    """The Gold column as the table draws it."""
    model = dialog.rows_model
    return [model.data(model.index(r, gold_column(dialog))) for r in range(model.rowCount())]


def listed(project) -> list[DisagreementRow]:
    return [DisagreementRow.of(v) for v in list_disagreements(project, ["Alice", "Bob"])]


def settled(qtbot, dialog) -> None:
    """Wait until no listing is under way and every task has delivered its outcome."""
    qtbot.waitUntil(lambda: dialog.refresh_task is None and BackgroundTask.pending() == 0)


def test_deciding_shows_the_decision_in_its_row_and_chooses_the_next_undecided(qtbot, window):  # noqa: F811
    dialog = computed(qtbot, window, "span")
    quotes = [v.quote for v in dialog.views]
    assert quotes == ["Charles Babbage", "Engine", "Paris"]
    dialog.disagreements.setCurrentCell(1, 0)
    dialog.choice_buttons["A"].click()
    # At once, before any listing: the row says A and the next passage is chosen.
    assert shown_decisions(dialog) == ["—", "A", "—"]
    assert dialog.disagreements.currentRow() == 2
    start = TEXT.index("Paris")
    assert window.reader.selection_span() == (start, start + len("Paris"))
    dialog.choice_buttons["B"].click()
    # Nothing undecided below: back to the first undecided row.
    assert shown_decisions(dialog) == ["—", "A", "B"]
    assert dialog.disagreements.currentRow() == 0
    settled(qtbot, dialog)
    assert shown_decisions(dialog) == ["—", "A", "B"]
    assert dialog.views == listed(window.project)
    assert "2 of 3" in dialog.adjudication.format()


def test_the_changed_document_is_listed_again_by_a_background_task(qtbot, window):  # noqa: F811
    dialog = computed(qtbot, window, "span")
    settled(qtbot, dialog)
    dialog.disagreements.setCurrentCell(0, 0)
    assert dialog.decide("both")
    task = dialog.refresh_decisions()
    assert isinstance(task, BackgroundTask) and task.running
    assert dialog.refresh_task is task
    qtbot.waitUntil(lambda: task.finished)
    settled(qtbot, dialog)
    assert dialog.views == listed(window.project)
    assert dialog.views[0].decision == "both"


def test_a_decision_made_while_a_listing_runs_is_kept(qtbot, window):  # noqa: F811
    dialog = computed(qtbot, window, "span")
    settled(qtbot, dialog)
    dialog.disagreements.setCurrentCell(0, 0)
    assert dialog.decide("A")
    first = dialog.refresh_decisions()
    assert first is not None
    QThreadPool.globalInstance().waitForDone()  # listed (one decision); not yet delivered
    assert dialog.disagreements.currentRow() == 1
    assert dialog.decide("neither")  # while that listing waits to be shown
    QCoreApplication.sendPostedEvents()  # its outcome arrives (before the next listing)
    assert first.finished and not first.cancel_requested  # delivered, and dropped as stale:
    assert shown_decisions(dialog) == ["A", "neither", "—"]
    settled(qtbot, dialog)
    assert shown_decisions(dialog) == ["A", "neither", "—"]
    assert dialog.views == listed(window.project)


def test_undo_and_redo_of_a_decision_show_in_the_list(qtbot, window):  # noqa: F811
    dialog = computed(qtbot, window, "span")
    dialog.disagreements.setCurrentCell(2, 0)
    assert dialog.decide("B")
    settled(qtbot, dialog)
    assert shown_decisions(dialog) == ["—", "—", "B"]
    dialog.undo_button.click()
    qtbot.waitUntil(lambda: shown_decisions(dialog) == ["—", "—", "—"])
    settled(qtbot, dialog)
    assert shown_decisions(dialog) == ["—", "—", "—"]
    assert "0 of 3" in dialog.adjudication.format()
    window.undo.redo()
    qtbot.waitUntil(lambda: shown_decisions(dialog) == ["—", "—", "B"])
    settled(qtbot, dialog)
    assert dialog.views == listed(window.project)


def test_an_edit_in_the_reader_relists_and_keeps_the_chosen_passage(
    qtbot,
    window,  # noqa: F811
    project,
    two_readers,  # noqa: F811
):
    dialog = computed(qtbot, window, "span")
    settled(qtbot, dialog)
    dialog.disagreements.setCurrentCell(2, 0)  # Paris
    bob = project.annotator_named("Bob")
    babbage = next(
        a
        for a in project.annotations(two_readers.id, annotator_id=bob.id)
        if a.quote == "Charles Babbage"
    )
    project.update_annotation(babbage.id, label="PERSON")  # now Bob agrees with Alice
    qtbot.waitUntil(lambda: [v.quote for v in dialog.views] == ["Engine", "Paris"])
    assert dialog.current_row().quote == "Paris"
    settled(qtbot, dialog)
    assert dialog.views == listed(project)
    assert "of 2 disagreements" in dialog.adjudication.format()


def test_the_dialog_opens_at_once_and_lists_its_documents_from_a_worker(
    qtbot,
    window,  # noqa: F811
    project,
    two_readers,  # noqa: F811
):
    project.set_document_status(two_readers.id, "done")  # Carol too: all three compared
    dialog = window.layers.open_agreement()
    assert not dialog.documents_loaded
    assert dialog.document_list.item(0).text() == "Reading the documents…"
    assert dialog.choices_task is not None and dialog.choices_task.running
    qtbot.waitUntil(lambda: dialog.documents_loaded)
    items = [dialog.document_list.item(i) for i in range(dialog.document_list.count())]
    checked = [(i.text(), i.checkState() == Qt.CheckState.Checked) for i in items]
    assert checked == [("Lovelace", True)]  # done by all three: compared by default


def test_accepting_agreed_passages_lists_everything_again_and_counts_them(qtbot, window):  # noqa: F811
    dialog = computed(qtbot, window, "span")
    settled(qtbot, dialog)
    assert "0 of 2 agreed passages in gold" in dialog.adjudication.format()
    dialog.disagreements.setCurrentCell(1, 0)  # Engine
    assert dialog.accept_agreed() == 2
    qtbot.waitUntil(
        lambda: "2 of 2 agreed passages in gold" in dialog.adjudication.format(), timeout=30000
    )
    settled(qtbot, dialog)
    assert dialog.views == listed(window.project)
    assert dialog.current_row().quote == "Engine"
