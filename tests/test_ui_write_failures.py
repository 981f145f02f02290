"""The window never claims a write it did not make: forced write failures (a full disk, a file
damaged under the open window, a read-only project) and what the window shows afterwards."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from annotator.core.model import AnnotationKind
from annotator.project import Project
from annotator.resources import sample_reading_path
from annotator.store.sqlite import sqlite3
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import Preferences
from tests.disks import fill, small_disk
from tests.test_ui_window import open_window, press, select


class Dialogs:
    """Answers the failure dialogs as a reader would, by clicking the button named
    ``answer``, and keeps what each one said."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, answer: str) -> None:
        self.answer = answer
        self.shown: list[str] = []
        dialogs = self

        def exec_(box: QMessageBox) -> int:
            dialogs.shown.append(f"{box.text()}\n{box.informativeText()}")
            for button in box.buttons():
                if button.text() == dialogs.answer:
                    button.click()
                    return 0
            raise AssertionError(f"no button {dialogs.answer!r} in {dialogs.shown[-1]!r}")

        monkeypatch.setattr(QMessageBox, "exec", exec_)


def wait_for_dialog(qtbot, dialogs: Dialogs, count: int = 1) -> None:
    qtbot.waitUntil(lambda: len(dialogs.shown) >= count, timeout=5000)


def shown_ids(window: MainWindow) -> set[str]:
    return {a.id for a in window.reader.index.all()}


def stored_ids(path: Path, document_id: str) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT id FROM annotations WHERE document = ? AND deleted IS NULL", (document_id,)
        ).fetchall()
    finally:
        conn.close()
    return {row[0] for row in rows}


@pytest.fixture
def prefs(tmp_path: Path) -> Preferences:
    return Preferences(tmp_path / "settings.ini")


def test_a_full_disk_is_said_once_nothing_is_claimed_and_try_again_resumes(
    qtbot, tmp_path, prefs, monkeypatch
):
    with small_disk(tmp_path / "disk", "3m") as disk:
        project = Project(disk / "p.annotator")
        document, _ = project.add_document(sample_reading_path())
        window = open_window(qtbot, project, prefs, document.id)
        try:
            undo_steps = window.undo.count()
            filler = fill(disk)
            dialogs = Dialogs(monkeypatch, "Keep Reading (Nothing Is Saved)")
            # Enough changes that the log must grow past the space it already has.
            for phrase in ("Studies serve for delight", "Crafty men contemn studies"):
                select(window, phrase)
                press(qtbot, window, Qt.Key.Key_H)
                if project.write_failure is not None:
                    break
            wait_for_dialog(qtbot, dialogs)
            assert len(dialogs.shown) == 1
            assert "not saved" in dialogs.shown[0] and "full" in dialogs.shown[0]
            assert window.write_failures.button.isVisible()
            # The screen shows what the file holds, and the undo history only what was stored.
            assert shown_ids(window) == stored_ids(project.path, document.id)
            assert window.undo.count() == undo_steps + len(shown_ids(window))
            assert "Highlighted" not in window.statusBar().currentMessage()

            # Writing stays stopped: the next action is refused visibly, no second dialog.
            select(window, "Reading maketh a full man")
            press(qtbot, window, Qt.Key.Key_H)
            qtbot.wait(50)
            assert len(dialogs.shown) == 1
            assert "not saved: nothing is written" in window.statusBar().currentMessage()
            assert shown_ids(window) == stored_ids(project.path, document.id)

            # Space freed, the reader chooses Try Again from the status bar button.
            filler.unlink()
            dialogs.answer = "Try Again"
            window.write_failures.button.click()
            assert project.write_failure is None
            assert not window.write_failures.button.isVisible()
            select(window, "Reading maketh a full man")
            press(qtbot, window, Qt.Key.Key_H)
            stored = stored_ids(project.path, document.id)
            assert shown_ids(window) == stored
            assert any(
                a.quote == "Reading maketh a full man" and a.kind == AnnotationKind.HIGHLIGHT
                for a in project.annotations(document.id)
            )
        finally:
            window.close()
            project.close()
        conn = sqlite3.connect(disk / "p.annotator")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()


def test_undo_waits_while_writing_is_stopped_and_keeps_its_history(
    qtbot, tmp_path, prefs, monkeypatch
):
    project = Project(tmp_path / "p.annotator")
    document, _ = project.add_document(sample_reading_path())
    window = open_window(qtbot, project, prefs, document.id)
    try:
        select(window, "Studies serve for delight")
        press(qtbot, window, Qt.Key.Key_H)
        assert window.undo.count() == 1
        # SQLite's own "database or disk is full", at a page limit just above the file.
        pages = project.store.db.conn.execute("PRAGMA page_count").fetchone()[0]
        project.store.db.conn.execute(f"PRAGMA max_page_count = {pages}")
        dialogs = Dialogs(monkeypatch, "Keep Reading (Nothing Is Saved)")
        text = "Crafty men contemn studies, simple men admire them " * 2000
        window.project.store.db.conn.execute("SELECT 1")  # the connection is the window's
        with contextlib.suppress(Exception):
            project.annotate(document.id, 0, 10, kind="comment", note=text)
        wait_for_dialog(qtbot, dialogs)
        assert project.write_failure is not None
        press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert window.undo.count() == 1 and window.undo.index() == 1  # nothing undone
        assert "cannot be saved" in window.statusBar().currentMessage()
        assert len(stored_ids(project.path, document.id)) == 1
        assert len(dialogs.shown) == 1
    finally:
        window.close()
        project.close()


def scribble(path: Path, pages: range, page_size: int = 4096) -> None:
    """Overwrite whole pages of a closed database file with garbage (a disk gone bad)."""
    with open(path, "r+b") as f:
        for page in pages:
            f.seek(page * page_size)
            f.write(bytes((i * 37 + page) % 251 for i in range(page_size)))


@pytest.mark.qt_no_exception_capture  # the app's own hook takes them, as in a real session
def test_a_project_damaged_under_the_open_window_is_named_with_its_backup(
    qtbot, tmp_path, prefs, monkeypatch, capsys
):
    from annotator.app import install_error_hook

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # put back afterwards
    install_error_hook()
    path = tmp_path / "p.annotator"
    with Project(path) as setup:
        document, _ = setup.add_document(sample_reading_path())
        text = setup.document(document.id).text
        for i in range(400):
            setup.annotate(document.id, i, i + 5, kind="highlight", note=f"note {i} " * 20)
        setup.store.backup("before-import")  # an intact backup to go back to
        page_count = setup.store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    assert len(text) > 500
    project = Project(path)
    window = open_window(qtbot, project, prefs, document.id)
    try:
        dialogs = Dialogs(monkeypatch, "Keep Reading (Nothing Is Saved)")
        scribble(path, range(2, page_count - 1))
        # The window's connection forgets what it had read (as after another writer).
        other = sqlite3.connect(path)
        with contextlib.suppress(sqlite3.Error):
            other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        other.close()
        project.store.db.conn.execute("PRAGMA cache_size = 0")
        project.store.db.conn.execute("PRAGMA cache_size = -2000")
        select(window, "Studies serve for delight")
        press(qtbot, window, Qt.Key.Key_H)
        wait_for_dialog(qtbot, dialogs)
        qtbot.wait(100)  # reads that were due fail too: still one dialog
        assert len(dialogs.shown) == 1
        assert "damaged" in dialogs.shown[0]
        assert "newest intact backup" in dialogs.shown[0]
        assert "Traceback" not in capsys.readouterr().err
        assert window.write_failures.button.isVisible()
        assert "Highlighted" not in window.statusBar().currentMessage()
        # Nothing on screen claims what the file may not hold: the views show what can be
        # read of it, or nothing at all.
        try:
            stored = stored_ids(path, document.id)
        except sqlite3.DatabaseError:
            assert window.document is None
            assert not shown_ids(window)
        else:
            assert shown_ids(window) == stored
    finally:
        window.close()
        project.close()


def test_restore_from_the_failure_dialog_reopens_the_project_from_its_backup(
    qtbot, tmp_path, prefs, monkeypatch
):
    from annotator.ui import reliability

    path = tmp_path / "p.annotator"
    with Project(path) as setup:
        document, _ = setup.add_document(sample_reading_path())
        quote = setup.annotate(document.id, 0, 7, kind="highlight").quote
        setup.store.backup("before-import")
        page_count = setup.store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    project = Project(path)
    window = open_window(qtbot, project, prefs, document.id)
    reopened: list[MainWindow] = []
    original = reliability.reopen_window
    monkeypatch.setattr(
        reliability,
        "reopen_window",
        lambda *args, **kw: reopened.append(original(*args, **kw)) or reopened[-1],
    )
    dialogs = Dialogs(monkeypatch, "Restore Backup")
    qtbot.wait(50)  # the list fills after the first paint
    scribble(path, range(2, page_count))
    project.store.db.conn.execute("PRAGMA cache_size = 0")
    with contextlib.suppress(Exception):
        project.annotate(document.id, 10, 20, kind="highlight")
    wait_for_dialog(qtbot, dialogs)
    qtbot.waitUntil(lambda: bool(reopened), timeout=10000)
    new = reopened[0]
    try:
        assert new is not None and new.project is not project
        assert not window.isVisible()  # the window on the damaged file is gone
        assert new.project.store.quick_check() == "ok"
        assert [a.quote for a in new.project.annotations(document.id)] == [quote]
        kept = [p for p in tmp_path.iterdir() if "damaged" in p.name or "replaced" in p.name]
        assert kept, "the damaged file is kept aside"
    finally:
        new.close()
        new.project.close()
        reliability._REOPENED.discard(new)  # the app's reference to it, for the next test


@pytest.mark.skipif(os.geteuid() != 0, reason="a read-only bind mount needs root")
def test_a_read_only_project_is_refused_with_what_to_do(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    Project(source / "p.annotator").close()
    ro = tmp_path / "ro"
    ro.mkdir()
    if subprocess.run(["mount", "--bind", str(source), str(ro)], check=False).returncode:
        pytest.skip("cannot bind-mount here")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(ro)], check=True)
        from annotator.core.errors import ProjectStorageError

        with pytest.raises(ProjectStorageError, match="read-only") as caught:
            Project(ro / "p.annotator")
        assert "copy the project to a folder you can write to" in str(caught.value)
    finally:
        subprocess.run(["umount", "-l", str(ro)], check=False)


def test_a_project_found_damaged_at_start_offers_its_backup_and_opens_the_restored_one(
    qtbot, tmp_path, monkeypatch
):
    from annotator.app import open_project_for_window

    path = tmp_path / "p.annotator"
    with Project(path) as setup:
        document, _ = setup.add_document(sample_reading_path())
        for i in range(300):
            setup.annotate(document.id, i, i + 5, kind="highlight", note=f"note {i} " * 30)
        setup.store.backup("before-import")
        page_count = setup.store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    scribble(path, range(5, page_count - 2, 3))
    dialogs = Dialogs(monkeypatch, "Restore Backup")
    opened = open_project_for_window(path)
    assert opened is not None
    project, said = opened
    try:
        assert "Backup restored" in said and "damaged" in said
        assert "damaged" in dialogs.shown[0] and "made before an import" in dialogs.shown[0]
        assert len(project.annotations(document.id)) == 300
        assert project.store.quick_check() == "ok"
        assert list(tmp_path.glob("p.damaged-*.annotator")), "the damaged file is kept aside"
    finally:
        project.close()


def test_quitting_at_a_damaged_project_opens_nothing_and_changes_nothing(
    qtbot, tmp_path, monkeypatch
):
    from annotator.app import open_project_for_window

    path = tmp_path / "p.annotator"
    with Project(path) as setup:
        document, _ = setup.add_document(sample_reading_path())
        for i in range(300):
            setup.annotate(document.id, i, i + 5, kind="highlight", note=f"note {i} " * 30)
        page_count = setup.store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    scribble(path, range(5, page_count - 2, 3))
    before = path.read_bytes()
    dialogs = Dialogs(monkeypatch, "Quit")
    assert open_project_for_window(path) is None
    assert "There is no intact backup" in dialogs.shown[0]
    assert path.read_bytes() == before


def test_a_failed_background_sync_is_said_in_the_window_and_stops_writing(
    qtbot, tmp_path, prefs, monkeypatch
):
    """The window's commits are synced to disk by a thread (``Store.flush_in_background``):
    its failure arrives from that thread and is shown as any failed write is."""
    project = Project(tmp_path / "p.annotator")
    document, _ = project.add_document(sample_reading_path())
    window = open_window(qtbot, project, prefs, document.id)
    flusher = project.store._flusher
    if flusher is None:
        pytest.skip("background flushing needs write-ahead logging")
    try:
        dialogs = Dialogs(monkeypatch, "Keep Reading (Nothing Is Saved)")
        log = flusher.wal
        flusher.wal = tmp_path  # a folder: syncing it fails as a disk error would
        select(window, "Studies serve for delight")
        press(qtbot, window, Qt.Key.Key_H)
        wait_for_dialog(qtbot, dialogs)
        assert "may not have reached it" in dialogs.shown[0]
        assert window.write_failures.button.isVisible()
        select(window, "Crafty men contemn studies")
        press(qtbot, window, Qt.Key.Key_H)
        assert "not saved: nothing is written" in window.statusBar().currentMessage()

        flusher.wal = log  # the disk answers again: Try Again resumes
        dialogs.answer = "Try Again"
        window.write_failures.button.click()
        assert project.write_failure is None
        select(window, "Crafty men contemn studies")
        press(qtbot, window, Qt.Key.Key_H)
        assert project.store.wait_durable(timeout=10)
        assert shown_ids(window) == stored_ids(project.path, document.id)
    finally:
        window.close()
        project.close()
