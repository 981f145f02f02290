"""The window's writes are made durable by a background thread: what is committed reaches the
file, the log is checkpointed off the committing thread, and a failure to sync stops writing
and is said in the window."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from annotator.core.errors import ProjectStorageError, WritingStoppedError
from annotator.core.model import AnnotationKind
from annotator.project import Project
from annotator.resources import sample_reading_path
from annotator.store import Store
from annotator.store.flushing import WalFlusher
from annotator.store.sqlite import JOURNAL_MODE, sqlite3

pytestmark = pytest.mark.skipif(
    JOURNAL_MODE != "wal", reason="background flushing needs write-ahead logging"
)


def pragma(store: Store, name: str) -> int:
    return int(store.conn.execute(f"PRAGMA {name}").fetchone()[0])


def padding_in_main_file_alone(path: Path, tmp: Path) -> int:
    """Whether the database file itself, copied without its log, holds the padding row:
    whether a checkpoint has copied it in."""
    alone = tmp / "alone.annotator"
    shutil.copyfile(path, alone)
    conn = sqlite3.connect(alone)
    try:
        return int(
            conn.execute("SELECT count(*) FROM settings WHERE key = 'padding'").fetchone()[0]
        )
    except sqlite3.OperationalError:  # not even the tables are in the file yet
        return 0
    finally:
        conn.close()


def annotate(project: Project, document_id: str, count: int) -> None:
    for i in range(count):
        project.annotate(document_id, i, i + 3, kind=AnnotationKind.HIGHLIGHT, color="#ffe066")


def test_commits_stop_waiting_for_the_disk_and_are_made_durable_by_the_thread(tmp_path):
    project = Project(tmp_path / "p.annotator")
    try:
        assert pragma(project.store, "synchronous") == 2  # FULL until asked
        assert project.flush_in_background()
        assert pragma(project.store, "synchronous") == 1  # NORMAL
        assert pragma(project.store, "wal_autocheckpoint") == 0  # the thread checkpoints
        document, _ = project.add_document(sample_reading_path())
        annotate(project, document.id, 5)
        assert project.store.wait_durable(timeout=10)
        assert any(t.name == "annotator-wal-flush" for t in threading.enumerate())
    finally:
        project.close()
    assert not any(t.name == "annotator-wal-flush" for t in threading.enumerate())
    with Project(tmp_path / "p.annotator") as again:
        assert len(again.annotations(document.id)) == 5


def test_the_log_is_checkpointed_into_the_file_by_the_thread(tmp_path):
    path = tmp_path / "p.annotator"
    store = Store(path)
    store.conn.execute("PRAGMA synchronous = NORMAL")
    store.conn.execute("PRAGMA wal_autocheckpoint = 0")  # as flush_in_background sets it
    failures: list[ProjectStorageError] = []
    flusher = WalFlusher(path, failures.append, checkpoint_bytes=64 * 1024)
    try:
        with store.transaction():
            store.conn.execute(
                "INSERT INTO settings (key, value) VALUES ('padding', ?)", ("x" * 200_000,)
            )
        assert padding_in_main_file_alone(path, tmp_path) == 0  # only in the log so far
        flusher.committed()
        assert flusher.wait_durable(timeout=10)
        waited = threading.Event()
        for _ in range(200):  # the checkpoint follows the sync on the same thread
            if padding_in_main_file_alone(path, tmp_path):
                break
            waited.wait(0.05)
        assert padding_in_main_file_alone(path, tmp_path) == 1
        assert failures == []
    finally:
        flusher.close()
        store.close()


def test_a_log_that_cannot_be_synced_stops_writing_and_retry_resumes(tmp_path):
    project = Project(tmp_path / "p.annotator")
    failures: list[ProjectStorageError] = []
    project.events.write_failed.connect(failures.append)
    try:
        project.flush_in_background()
        document, _ = project.add_document(sample_reading_path())
        assert project.store.wait_durable(timeout=10)
        flusher = project.store._flusher
        assert flusher is not None
        real_log = flusher.wal
        flusher.wal = tmp_path  # a folder: opening it to sync fails as a broken disk would
        annotate(project, document.id, 1)
        assert not project.store.wait_durable(timeout=10)
        assert len(failures) == 1
        assert "may not have reached it" in str(failures[0])
        with pytest.raises(WritingStoppedError):
            annotate(project, document.id, 1)
        flusher.wal = real_log  # the disk is back
        project.resume_writing()
        annotate(project, document.id, 1)
        assert project.store.wait_durable(timeout=10)
        assert project.write_failure is None
    finally:
        project.close()


def test_a_project_file_gone_from_under_the_window_is_never_created_afresh(tmp_path, monkeypatch):
    """The checkpointing connection opens the file read-write only if it exists: a project
    moved or deleted while open does not reappear as an empty database at its old path."""
    monkeypatch.setattr("annotator.store.flushing.IDLE_SECONDS", 0.05)
    gone = tmp_path / "moved-away.annotator"
    failures: list[ProjectStorageError] = []
    flusher = WalFlusher(gone, failures.append, checkpoint_bytes=0)
    try:
        flusher.committed()
        assert flusher.wait_durable(timeout=10)  # no log left to sync: nothing pending
        threading.Event().wait(0.5)  # idle: the thread tries to checkpoint
        assert not gone.exists()
        assert failures == []
        flusher.committed()
        assert flusher.wait_durable(timeout=10)  # and it is still there for the next commit
    finally:
        flusher.close()
