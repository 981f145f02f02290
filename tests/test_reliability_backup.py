"""Backups before risky actions, restoring one, and names and notes kept verbatim."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.errors import ProjectError
from annotator.core.model import Label, LabelSet, LabelSetId, LabelSetKind, new_id
from annotator.project import Project
from annotator.store.backups import list_backups, restore_backup

TEXT = "Reading maketh a full man; conference a ready man; and writing an exact man."


def test_restore_backup_brings_back_the_project_as_it_was(tmp_path: Path):
    path = tmp_path / "p.annotator"
    with Project(path) as project:
        document, _ = project.add_text("A reading", TEXT)
        kept = project.annotate(document.id, 0, 7, note="kept")
        backup = project.store.backup("manual")
        later = project.annotate(document.id, 8, 14, note="after the backup")
    safety = restore_backup(path, backup)
    with Project(path) as project:
        assert project.store.integrity_check() == "ok"
        ids = {a.id for a in project.annotations()}
        assert ids == {kept.id}
    # The state that was replaced is kept and listed: the restore can be undone.
    assert safety is not None and safety.exists()
    assert safety in [b.path for b in list_backups(path)]
    restore_backup(path, safety)
    with Project(path) as project:
        assert {a.id for a in project.annotations()} == {kept.id, later.id}
    reasons = [b.reason for b in list_backups(path)]
    assert "manual" in reasons and reasons.count("replaced") == 2
    assert all(b.intact and b.size > 0 for b in list_backups(path))


def test_restore_refuses_a_damaged_or_foreign_backup_and_changes_nothing(tmp_path: Path):
    path = tmp_path / "p.annotator"
    with Project(path) as project:
        document, _ = project.add_text("A reading", TEXT)
        project.annotate(document.id, 0, 7)
    garbage = tmp_path / "p.garbage.bak"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    with pytest.raises(ProjectError):
        restore_backup(path, garbage)
    with pytest.raises(ProjectError, match="does not exist"):
        restore_backup(path, tmp_path / "missing.bak")
    with pytest.raises(ProjectError, match="itself"):
        restore_backup(path, path)
    with Project(path) as project:
        assert len(project.annotations()) == 1


def test_a_bulk_import_into_a_project_with_annotations_makes_a_backup_first(tmp_path: Path):
    with Project(tmp_path / "a.annotator") as source:
        document, _ = source.add_text("A reading", TEXT)
        source.annotate(document.id, 0, 7)
        data = source.export_json()
    path = tmp_path / "b.annotator"
    with Project(path) as target:
        other, _ = target.add_text("Another", "Another text entirely, with words.")
        target.annotate(other.id, 0, 7)
        report = target.import_json(data)
    assert report.backup is not None and Path(report.backup).exists()
    assert [b.reason for b in list_backups(path)] == ["before-import"]


NASTY = [
    'O\'Brien "quoted"',
    "Robert'); DROP TABLE annotations;--",
    "<script>alert('x')</script><img src=http://example.com/x.png onerror=alert(1)>",
    "line one\nline two\r\nline three\ttabbed",
    "bell\x07 escape\x1b[31m nul-free controls\x01\x7f",
    "[link](javascript:alert(1)) ![img](http://example.com/track.png)",
    "RTL \u202eevil\u202c and zero\u200bwidth, e\u0301, 🙂, \U0001d6fd",
    "% _ \\ * ? [] {} $1 ${x} {{x}}",
]


@pytest.mark.parametrize("nasty", NASTY)
def test_names_and_notes_are_stored_and_read_back_verbatim(tmp_path: Path, nasty: str):
    path = tmp_path / "verbatim.annotator"
    with Project(path) as project:
        document, _ = project.add_text("A reading", TEXT)
        project.save_label_set(
            LabelSet(LabelSetId(new_id()), nasty, LabelSetKind.SPAN, (Label(nasty, key=""),))
        )
        project.switch_annotator(nasty)
        annotation = project.annotate(document.id, 0, 7, label=nasty, note=nasty)
        project.rename_document(document.id, nasty)
        data = project.export_json()
    with Project(path) as project:
        again = project.annotation(annotation.id)
        assert (again.label, again.note) == (nasty, nasty)
        assert project.current_annotator.name == nasty
        assert project.label_set(nasty).labels[0].name == nasty
        assert project.document(document.id).title == nasty
        assert project.store.integrity_check() == "ok"
    with Project(tmp_path / "copy.annotator") as copy:
        copy.import_json(data)
        imported = copy.annotation(annotation.id)
        assert (imported.label, imported.note) == (nasty, nasty)
        assert nasty in {a.name for a in copy.annotators()}
