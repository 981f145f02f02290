"""The window's side of issue 9: a changed file's banner and re-anchoring, the Orphans dock
and its undoable re-attach, Restore Backup from the File menu, comments shown verbatim."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from annotator.core.model import AnnotationStatus
from annotator.project import Project
from annotator.reanchoring import reanchor_document
from annotator.store.backups import list_backups
from annotator.ui import reliability
from annotator.ui.main_window import MainWindow
from annotator.ui.preferences import Preferences
from tests.test_ui_window import select

TEXT = (
    "The first paragraph says nothing of note.\n\n"
    "Reading maketh a full man; conference a ready man; and writing an exact man.\n\n"
    "A sentence that will be taken out of the next edition entirely.\n\n"
    "The last paragraph closes the essay.\n"
)
HOSTILE = '<img src="http://x/y.png"><a href="file:///etc">click</a><script>alert(1)</script>'


@pytest.fixture
def prefs(tmp_path: Path) -> Preferences:
    return Preferences(tmp_path / "settings.ini")


@pytest.fixture
def reading(tmp_path: Path) -> Path:
    path = tmp_path / "essay.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture
def proj(tmp_path: Path):
    with Project(tmp_path / "own.annotator") as opened:
        yield opened


def make_window(qtbot, project: Project, prefs: Preferences, document_id: str) -> MainWindow:
    w = MainWindow(project, prefs)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    w.open_document(document_id)
    return w


def span_of(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def test_changed_file_banner_reanchors_and_moves_annotations(qtbot, proj, prefs, reading):
    document, _ = proj.add_document(reading)
    s, e = span_of(TEXT, "writing an exact man")
    kept = proj.annotate(document.id, s, e, note="the famous line")
    reading.write_text("A new preface, added in the second edition.\n\n" + TEXT, encoding="utf-8")

    w = make_window(qtbot, proj, prefs, document.id)
    banner = w.reliability.banner
    qtbot.waitUntil(banner.isVisible, timeout=5000)
    assert "has changed" in banner.message.text()
    assert banner.reanchor_button.isVisible()

    qtbot.mouseClick(banner.reanchor_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Re-anchored" in banner.message.text(), timeout=5000)
    assert "1 placed (1 moved), 0 orphaned" in banner.message.text()
    moved = proj.store.annotation(kept.id)
    assert moved.start == s + len("A new preface, added in the second edition.\n\n")
    assert moved.quote == "writing an exact man"
    assert w.reader.text.startswith("A new preface")  # the window shows the new text
    assert w.project.document(document.id).sha256 != document.sha256
    w.close()


def test_missing_file_offers_locate(qtbot, proj, prefs, reading):
    document, _ = proj.add_document(reading)
    reading.unlink()
    w = make_window(qtbot, proj, prefs, document.id)
    banner = w.reliability.banner
    qtbot.waitUntil(banner.isVisible, timeout=5000)
    assert "cannot be found" in banner.message.text()
    assert banner.locate_button.text() == "Locate file…"
    assert not banner.reanchor_button.isVisible()
    w.close()


def test_orphan_is_listed_reattached_and_undone(qtbot, proj, prefs, reading, tmp_path):
    document, _ = proj.add_document(reading)
    s, e = span_of(TEXT, "taken out of the next edition")
    lost = proj.annotate(document.id, s, e, note="keep this thought", label=None)
    edition = tmp_path / "essay-2.txt"
    edition.write_text(
        TEXT.replace("A sentence that will be taken out of the next edition entirely.\n\n", ""),
        encoding="utf-8",
    )
    report = reanchor_document(proj, document.id, edition)
    assert report.orphaned == 1

    w = make_window(qtbot, proj, prefs, document.id)
    panel = w.reliability.orphans_panel
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=3000)
    assert w.reliability.orphans_dock.isVisible()
    item = panel.list.item(0)
    assert "taken out of the next edition" in item.text()
    assert "keep this thought" in item.text()
    # The reader paints no highlight for it.
    painted = w.reader._annotation_selections(0, len(w.reader.toPlainText()))
    assert painted == []

    panel.list.setCurrentRow(0)
    assert not panel.reattach_button.isEnabled()  # nothing selected in the text yet
    start, end = select(w, "The last paragraph")
    assert panel.reattach_button.isEnabled()
    qtbot.mouseClick(panel.reattach_button, Qt.MouseButton.LeftButton)
    placed = proj.store.annotation(lost.id)
    assert (placed.start, placed.end, placed.status) == (start, end, AnnotationStatus.ACCEPTED)
    assert placed.note == "keep this thought"
    qtbot.waitUntil(lambda: panel.list.count() == 0, timeout=3000)
    assert w.reader._annotation_selections(0, len(w.reader.toPlainText()))

    w.undo.undo()
    assert proj.store.annotation(lost.id).status == AnnotationStatus.ORPHANED
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=3000)
    w.undo.redo()
    assert proj.store.annotation(lost.id).status == AnnotationStatus.ACCEPTED
    w.close()


def test_restore_backup_from_the_file_menu(qtbot, proj, prefs, reading, monkeypatch):
    document, _ = proj.add_document(reading)
    s, e = span_of(TEXT, "Reading maketh a full man")
    first = proj.annotate(document.id, s, e)
    proj.store.backup("manual")
    s2, e2 = span_of(TEXT, "The last paragraph")
    proj.annotate(document.id, s2, e2)
    assert len(proj.annotations(document.id)) == 2

    w = make_window(qtbot, proj, prefs, document.id)
    asked: list[list[str]] = []

    def get_item(_parent, _title, _label, items, *_args, **_kw):
        asked.append(list(items))
        return items[0], True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    )
    file_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&File")
    action = next(a for a in file_menu.actions() if a.text() == "Restore &Backup…")
    action.trigger()

    assert asked and "manual" in asked[0][0]
    assert not w.isVisible()
    reopened = [x for x in reliability._REOPENED if x is not w]
    assert len(reopened) == 1
    new = reopened[0]
    qtbot.addWidget(new)
    try:
        assert new.project is not proj
        assert [a.id for a in new.project.annotations(document.id)] == [first.id]
        assert new.document is not None and new.document.id == document.id
        names = [b.path.name for b in list_backups(proj.path)]
        assert any(".replaced-" in n for n in names)  # the restore can be undone
    finally:
        new.close()
        new.session.close()
        new.project.close()


def test_comment_markup_is_shown_verbatim(qtbot, proj, prefs, reading):
    document, _ = proj.add_document(reading)
    s, e = span_of(TEXT, "Reading maketh a full man")
    a = proj.annotate(document.id, s, e, note=HOSTILE)
    w = make_window(qtbot, proj, prefs, document.id)
    qtbot.waitUntil(lambda: a.id in w.margin._cards, timeout=3000)
    card = w.margin._cards[a.id]
    assert card.body.textFormat() == Qt.TextFormat.PlainText
    assert card.body.text() == HOSTILE
    assert card.body.openExternalLinks() is False
    qtbot.waitUntil(lambda: w.list.model.rowCount() == 1, timeout=3000)
    model = w.list.model
    tip = model.data(model.index(0, model.NOTE), Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tip and "<a " not in tip and "<script" not in tip
    assert "&lt;img src=&quot;http://x/y.png&quot;&gt;" in tip
    shown = model.data(model.index(0, model.NOTE), Qt.ItemDataRole.DisplayRole)
    assert shown == HOSTILE
    # The Orphans list escapes its tool tips the same way.
    panel = w.reliability.orphans_panel
    panel.fill([a])
    assert HOSTILE in panel.list.item(0).text()
    assert "<img" not in panel.list.item(0).toolTip()
    w.close()


def test_busy_project_offers_retry_and_runs_again(qtbot, proj, prefs, reading, monkeypatch):
    from annotator.core.errors import ProjectInUseError
    from annotator.ui.commands import _ServiceCommand

    document, _ = proj.add_document(reading)
    w = make_window(qtbot, proj, prefs, document.id)
    asked: list[str] = []

    def warning(_parent, _title, text, *_a, **_k):
        asked.append(text)
        return QMessageBox.StandardButton.Retry

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))

    class Flaky(_ServiceCommand):
        tries = 0

        def execute(self) -> None:
            Flaky.tries += 1
            if Flaky.tries == 1:
                raise ProjectInUseError("'own.annotator' is in use by another program")

        def _redo(self) -> None:
            pass

        def undo(self) -> None:
            pass

    assert w.undo.run(Flaky(proj, "flaky"))
    assert Flaky.tries == 2
    assert len(asked) == 1 and "in use" in asked[0] and "retry" in asked[0]
    w.close()


def test_bundle_export_import_and_attach_to_copy(
    qtbot, proj, prefs, reading, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    document, _ = proj.add_document(reading)
    s, e = span_of(TEXT, "Reading maketh a full man")
    proj.annotate(document.id, s, e, note="n")
    w = make_window(qtbot, proj, prefs, document.id)
    target = tmp_path / "out" / "bundle.zip"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    w.reliability.act_export_bundle.trigger()
    assert target.is_file()

    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "information", staticmethod(lambda _p, _t, text, *a, **k: shown.append(text))
    )
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    w.reliability.act_import_bundle.trigger()
    assert len(shown) == 1

    copy = tmp_path / "copy.md"
    copy.write_text("# A copy\n\n" + TEXT, encoding="utf-8")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(copy), ""))
    )
    w.reliability.act_attach.trigger()
    assert w.document is not None and w.document.id != document.id
    copied = proj.annotations(w.document.id)
    assert [a.quote for a in copied] == ["Reading maketh a full man"]
    assert len(proj.annotations(document.id)) == 1  # the original keeps its own
    w.close()
