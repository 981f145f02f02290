"""The project file: schema, migrations with a backup, WAL, history, refusal of foreign files."""

from __future__ import annotations

import sqlite3

import pytest

from annotator.core.errors import ProjectError
from annotator.store import SCHEMA_VERSION, Store
from annotator.store import store as store_module


def test_new_project_has_the_current_schema_with_wal_and_foreign_keys(tmp_path):
    store = Store(tmp_path / "p.annotator")
    assert store.schema_version == SCHEMA_VERSION
    conn = store.db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.integrity_check() == "ok"
    store.close()


def test_history_is_append_only(tmp_path):
    store = Store(tmp_path / "p.annotator")
    with store.transaction():
        store.record("add", "annotation", "x", actor="me", after={"a": 1})
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.conn.execute("DELETE FROM history")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.conn.execute("UPDATE history SET actor = 'someone else'")
    assert store.history("x")[0]["after"] == {"a": 1}


def test_a_failed_action_leaves_nothing_behind(tmp_path):
    store = Store(tmp_path / "p.annotator")
    with pytest.raises(RuntimeError), store.transaction():
        store.set_setting("half", "written")
        raise RuntimeError("crash in the middle of an action")
    assert store.get_setting("half") is None


def test_a_newer_project_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "p.annotator"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(ProjectError, match="newer Annotator"):
        Store(path)


def test_another_programs_database_is_not_taken_for_a_project(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE cookies (name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(ProjectError, match="another program"):
        Store(path)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    path = tmp_path / "notes.annotator"
    path.write_text("this is not a database" * 100)
    with pytest.raises(ProjectError, match="not an Annotator project or is damaged"):
        Store(path)


def _add_tags_column(db):
    db["annotations"].add_column("tags", str)


def test_migration_backs_up_the_project_first_and_keeps_the_data(tmp_path, monkeypatch):
    path = tmp_path / "p.annotator"
    store = Store(path)
    with store.transaction():
        store.set_setting("kept", "yes")
    store.close()
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(store_module.MIGRATIONS, SCHEMA_VERSION + 1, _add_tags_column)
    migrated = Store(path)
    assert migrated.schema_version == SCHEMA_VERSION + 1
    assert "tags" in migrated.db["annotations"].columns_dict
    assert migrated.get_setting("kept") == "yes"
    backups = migrated.backups()
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def _broken_step(db):
    db["annotations"].add_column("tags", str)
    raise RuntimeError("bug in migration")


def test_a_failing_migration_leaves_the_project_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "p.annotator"
    Store(path).close()
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(store_module.MIGRATIONS, SCHEMA_VERSION + 1, _broken_step)
    with pytest.raises(ProjectError, match="the project is unchanged"):
        Store(path)
    monkeypatch.undo()
    reopened = Store(path)
    assert reopened.schema_version == SCHEMA_VERSION
    assert "tags" not in reopened.db["annotations"].columns_dict
