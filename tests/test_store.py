"""The project file: schema, migrations with a backup, WAL, history, refusal of foreign files."""

from __future__ import annotations

import pytest

from annotator.core.errors import NotFoundError, ProjectError
from annotator.core.model import (
    Annotation,
    AnnotationId,
    AnnotationKind,
    AnnotationStatus,
    Annotator,
    AnnotatorId,
    Document,
    DocumentId,
    DocumentKind,
)
from annotator.store import SCHEMA_VERSION, Store
from annotator.store import store as store_module
from annotator.store.sqlite import sqlite3


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


def _store_with_document(path):
    store = Store(path)
    with store.transaction():
        store.add_annotator(Annotator(AnnotatorId("ann-1"), "Ada"))
        store.add_document(
            Document(DocumentId("doc-1"), "Essays", "", "f" * 64, "t" * 64, DocumentKind.TEXT,
                     "Studies serve for delight, for ornament, and for ability. 😀 𝛽")
        )  # fmt: skip
    return store


def test_every_annotation_loader_gives_back_what_was_stored(tmp_path):
    store = _store_with_document(tmp_path / "p.annotator")
    stored = [
        Annotation(AnnotationId("a-1"), DocumentId("doc-1"), AnnotatorId("ann-1"),
                   AnnotationKind.ENTITY, 8, 13, "serve", "Studies ", " for", label="VERB",
                   color="#ffe066", symbol="★", note="a note 😀", source="model@1.2",
                   status=AnnotationStatus.SUGGESTED, score=0.75, page=2,
                   rect=(1.5, 2.0, 30.25, 40.0), created="2026-01-01T00:00:00.000Z",
                   modified="2026-01-02T00:00:00.000Z"),
        Annotation(AnnotationId("a-2"), DocumentId("doc-1"), AnnotatorId("ann-1"),
                   AnnotationKind.COMMENT, 0, 7, "Studies"),
        Annotation(AnnotationId("a-3"), DocumentId("doc-1"), AnnotatorId("ann-1"),
                   AnnotationKind.SUMMARY, 0, 0, status=AnnotationStatus.ORPHANED),
    ]  # fmt: skip
    with store.transaction():
        store.insert_annotations(stored)
    in_reading_order = [stored[2], stored[1], stored[0]]
    assert store.annotations("doc-1") == in_reading_order
    assert store.annotations_in_range("doc-1", 0, 100) == in_reading_order
    assert store.annotations_in_range("doc-1", 9, 10) == [stored[0]]
    assert [store.annotation(a.id) for a in stored] == stored
    loaded = store.annotation("a-1")
    assert type(loaded.kind) is AnnotationKind and type(loaded.status) is AnnotationStatus
    assert loaded.rect == (1.5, 2.0, 30.25, 40.0) and isinstance(loaded.rect, tuple)


def test_annotation_rows_with_missing_optional_values_load_with_the_defaults(tmp_path):
    store = _store_with_document(tmp_path / "p.annotator")
    with store.transaction():
        store.db.conn.execute(
            "INSERT INTO annotations (id, document, annotator, kind, start, end, status, created) "
            "VALUES ('a-1', 'doc-1', 'ann-1', 'highlight', 0, 7, 'accepted', '2026-01-01')"
        )
    (loaded,) = store.annotations("doc-1")
    assert (loaded.quote, loaded.prefix, loaded.suffix, loaded.note) == ("", "", "", "")
    assert (loaded.source, loaded.modified, loaded.rect) == ("manual", "2026-01-01", None)
    assert store.annotation("a-1") == loaded


def test_deleted_annotations_are_found_only_when_asked_for(tmp_path):
    store = _store_with_document(tmp_path / "p.annotator")
    kept = Annotation(AnnotationId("a-1"), DocumentId("doc-1"), AnnotatorId("ann-1"),
                      AnnotationKind.HIGHLIGHT, 0, 7, "Studies")  # fmt: skip
    with store.transaction():
        store.insert_annotation(kept)
        store.set_annotation_deleted("a-1", True)
    assert store.annotations("doc-1") == []
    assert store.annotations_in_range("doc-1", 0, 10) == []
    with pytest.raises(NotFoundError, match="a-1"):
        store.annotation("a-1")
    assert store.annotation("a-1", include_deleted=True) == kept
    assert store.annotations("doc-1", include_deleted=True) == [kept]


def test_a_version_2_project_gains_the_count_index_and_the_documents_panel_reads_only_it(
    tmp_path,
):
    """Version 3 indexes live annotations by document and status: the Documents panel's
    counts come from that index alone, in one pass, and still count what they did."""
    import sqlite3

    from annotator.core.model import AnnotationStatus
    from annotator.project import Project

    path = tmp_path / "old.annotator"
    with Project(path) as project:
        first = project.add_text("One", "Studies serve for delight, for ornament.")[0]
        second = project.add_text("Two", "Reading maketh a full man.")[0]
        kept = project.annotate(first.id, 0, 7)
        gone = project.annotate(first.id, 8, 13)
        project.delete_annotation(gone.id)
        suggested = project.build_annotation(second.id, 0, 7, status=AnnotationStatus.SUGGESTED)
        project.add_annotations([suggested])
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX idx_annotations_live_status")
        conn.execute("DROP INDEX idx_annotations_labelled_by")
        conn.execute("PRAGMA user_version = 2")
    conn.close()
    with Project(path) as project:
        assert project.store.schema_version == SCHEMA_VERSION >= 3
        plan = " ".join(
            str(row)
            for row in project.store.conn.execute(
                "EXPLAIN QUERY PLAN SELECT document, status, count(*) FROM annotations "
                "INDEXED BY idx_annotations_live_status WHERE deleted IS NULL "
                "GROUP BY document, status"
            )
        )
        assert "COVERING INDEX idx_annotations_live_status" in plan
        labelled = " ".join(
            str(row)
            for row in project.store.conn.execute(
                "EXPLAIN QUERY PLAN SELECT DISTINCT document FROM annotations WHERE annotator = ? "
                "AND status IN ('accepted') AND kind IN ('entity', 'span') "
                "AND label IS NOT NULL AND deleted IS NULL",
                ("someone",),
            )
        )
        assert "COVERING INDEX idx_annotations_labelled_by" in labelled
        counts = {s.document.title: (s.annotations, s.suggestions) for s in project.documents()}
        assert counts == {"One": (1, 0), "Two": (0, 1)}
        assert [a.id for a in project.annotations(first.id)] == [kept.id]


def test_a_bulk_add_keeps_annotations_on_one_span_in_the_order_given(project):
    """Bulk inserts go in sorted by place (issue 18): annotations sharing a span still come
    back in the order they were added, and every one has its history entry."""
    from annotator.core.model import new_id

    document, _ = project.add_text("t", "Alice met Bob in Paris on Monday. " * 2_000)
    author = project._ensure_current_saved()
    same = [
        Annotation(AnnotationId(new_id()), document.id, author, AnnotationKind.COMMENT, 10, 13,
                   "Bob", note=f"note {i}")
        for i in range(5)
    ]  # fmt: skip
    others = [
        Annotation(AnnotationId(new_id()), document.id, author, AnnotationKind.HIGHLIGHT,
                   start, start + 5, document.text[start : start + 5])
        for start in range(60_000, 0, -2)
    ]  # fmt: skip
    project.add_annotations(others[:15_000] + same + others[15_000:])
    stored = project.annotations(document.id)
    assert [a.note for a in stored if a.start == 10 and a.end == 13] == [a.note for a in same]
    assert [(a.start, a.end) for a in stored] == sorted((a.start, a.end) for a in stored)
    added = {e["entity_id"] for e in project.history() if e["action"] == "add"}
    assert {a.id for a in same + others} <= added


def test_a_bulk_add_gives_back_its_larger_page_cache(project):
    document, _ = project.add_text("t", "Alice met Bob in Paris on Monday. " * 2_000)
    before = project.store.conn.execute("PRAGMA cache_size").fetchone()[0]
    text = document.text
    project.add_annotations(
        [project.build_annotation(document.id, s, s + 5, text=text) for s in range(0, 60_000, 2)]
    )
    assert project.store.conn.execute("PRAGMA cache_size").fetchone()[0] == before
    assert len(project.annotations(document.id)) == 30_000
