"""The suggestion process (annotator.suggest_process): a real child process running the real
model on a real project file, as the window drives it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from annotator.core.model import AnnotationStatus
from annotator.nlp.models import default_model_name, load_pipeline
from annotator.project import Project
from annotator.suggest_process import SuggestionProcess
from annotator.suggesting.review import pending_suggestions

TEXT = (
    "Ada Lovelace worked with Charles Babbage in London on the Analytical Engine. "
    "In 1843 she published her notes in Taylor's Scientific Memoirs. 🙂 Paris 𝛽."
)


def wait_for_end(
    process: SuggestionProcess, timeout: float = 120.0, messages: list[tuple] | None = None
) -> list[tuple]:
    messages = [] if messages is None else messages
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages.extend(process.messages())
        if messages and messages[-1][0] in ("done", "failed"):
            return messages
        time.sleep(0.02)
    raise AssertionError(f"no end of the run within {timeout} s: {messages[-3:]}")


@pytest.fixture
def process():
    p = SuggestionProcess()
    yield p
    p.close()


def test_a_run_in_the_process_stores_what_spacy_finds_and_reports_as_it_goes(
    project: Project, process: SuggestionProcess
):
    document, _ = project.add_text("Lovelace", TEXT)
    other, _ = project.add_text("Other", "Grace Hopper worked at Harvard.")
    run = process.start(
        str(project.path), [document.id, other.id], kind="entities", model=None,
        annotator="me", shown_document=document.id,
    )  # fmt: skip
    messages = wait_for_end(process)
    assert all(m[1] == run for m in messages)
    kinds = [m[0] for m in messages]
    assert kinds[-1] == "done" and "progress" in kinds
    report = messages[-1][2]
    assert report.requested == 2 and not report.cancelled
    progress = [(m[2], m[3]) for m in messages if m[0] == "progress"]
    assert progress[-1][0] == progress[-1][1] == len(TEXT) + len("Grace Hopper worked at Harvard.")
    # The shown document's suggestions come with its outcome; the other's do not.
    notes = {m[2].document_id: m[3] for m in messages if m[0] == "document"}
    assert notes[other.id] is None
    stored = pending_suggestions(project, document.id)
    assert [a.id for a in notes[document.id]] == [a.id for a in stored]
    nlp = load_pipeline(default_model_name(), "entities")
    expected = {(e.start_char, e.end_char, e.label_) for e in nlp(TEXT).ents}
    assert {(a.start, a.end, a.label) for a in stored} == expected
    assert all(a.status == AnnotationStatus.SUGGESTED for a in stored)
    assert process.running is None

    # The process stays up and keeps the model: a second run needs no new process.
    pid = process._process.pid
    process.start(
        str(project.path), [other.id], kind="sentiment", model=None, annotator="me",
        shown_document=None,
    )  # fmt: skip
    assert wait_for_end(process)[-1][0] == "done"
    assert process._process.pid == pid


def test_cancel_stops_after_the_current_passage_and_keeps_finished_documents(
    project: Project, process: SuggestionProcess
):
    ids = [project.add_text(f"Part {i}", f"Part {i}. " + TEXT * 150)[0].id for i in range(12)]
    process.start(
        str(project.path), ids, kind="entities", model=None, annotator="me", shown_document=None
    )
    messages: list[tuple] = []
    while not any(m[0] == "document" for m in messages):
        messages.extend(process.messages())
        time.sleep(0.01)
    process.cancel()
    wait_for_end(process, messages=messages)
    assert messages[-1][0] == "done"
    report = messages[-1][2]
    assert report.cancelled
    finished = [o.document_id for o in report.outcomes]
    assert 1 <= len(finished) < len(ids)
    assert all(pending_suggestions(project, i) for i in finished)
    assert not any(pending_suggestions(project, i) for i in ids if i not in finished)


def test_a_missing_model_fails_the_run_with_the_install_hint(
    project: Project, process: SuggestionProcess, tmp_path: Path
):
    document, _ = project.add_text("Lovelace", TEXT)
    process.start(
        str(project.path), [document.id], kind="entities", model=str(tmp_path / "no-model"),
        annotator="me", shown_document=None,
    )  # fmt: skip
    last = wait_for_end(process)[-1]
    assert last[0] == "failed" and "pip install" in last[2]
    assert pending_suggestions(project, document.id) == []


def test_a_process_that_dies_mid_run_ends_the_run_with_a_message_and_the_next_run_works(
    project: Project, process: SuggestionProcess
):
    document, _ = project.add_text("Lovelace", TEXT)
    process.start(
        str(project.path), [document.id], kind="entities", model=None, annotator="me",
        shown_document=None,
    )  # fmt: skip
    process._process.kill()
    last = wait_for_end(process)[-1]
    assert last[0] == "failed" and "stopped unexpectedly" in last[2]
    assert process.running is None
    process.start(
        str(project.path), [document.id], kind="entities", model=None, annotator="me",
        shown_document=None,
    )  # fmt: skip
    assert wait_for_end(process)[-1][0] == "done"
    assert pending_suggestions(project, document.id)
    with Project(project.path) as again:
        assert again.store.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_missing_project_file_fails_the_run_and_is_not_created(
    process: SuggestionProcess, tmp_path: Path
):
    missing = tmp_path / "gone.annotator"
    process.start(
        str(missing), [], kind="entities", model=None, annotator="me", shown_document=None
    )
    last = wait_for_end(process)[-1]
    assert last[0] == "failed" and "does not exist" in last[2]
    assert not missing.exists()
