"""The project file's schema and its migrations (``PRAGMA user_version``).

Each migration is one function from version N-1 to N, run inside a transaction after a
backup copy of the file has been written. A fresh project gets the latest schema directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported only when a schema is built (annotator.store.sqlite)
    import sqlite_utils

# Marks a SQLite file as an Annotator project ("ANNO"), so that opening some other
# application's database is refused instead of being "migrated".
APPLICATION_ID = 0x414E4E4F
SCHEMA_VERSION = 3


def create_v1(db: sqlite_utils.Database) -> None:
    db["documents"].create(
        {
            "id": str,
            "title": str,
            "path": str,
            "sha256": str,
            "text_sha256": str,
            "kind": str,
            "encoding": str,
            "text": str,
            "page_map": str,
            "added": str,
            "deleted": str,
        },
        pk="id",
        not_null={"title", "sha256", "text_sha256", "kind", "text", "added"},
    )
    db["documents"].create_index(["sha256"], unique=True)
    db["annotators"].create(
        {"id": str, "name": str, "color": str, "created": str},
        pk="id",
        not_null={"name"},
    )
    db["annotators"].create_index(["name"], unique=True)
    db["label_sets"].create(
        {"id": str, "name": str, "kind": str, "position": int, "deleted": str},
        pk="id",
        not_null={"name", "kind"},
    )
    db["labels"].create(
        {
            "id": int,
            "label_set": str,
            "name": str,
            "color": str,
            "key": str,
            "description": str,
            "position": int,
        },
        pk="id",
        foreign_keys=[("label_set", "label_sets", "id")],
        not_null={"label_set", "name"},
    )
    db["annotations"].create(
        {
            "id": str,
            "document": str,
            "annotator": str,
            "kind": str,
            "start": int,
            "end": int,
            "quote": str,
            "prefix": str,
            "suffix": str,
            "label": str,
            "color": str,
            "symbol": str,
            "note": str,
            "source": str,
            "status": str,
            "score": float,
            "page": int,
            "rect": str,
            "created": str,
            "modified": str,
            "deleted": str,
        },
        pk="id",
        foreign_keys=[("document", "documents", "id"), ("annotator", "annotators", "id")],
        not_null={"document", "annotator", "kind", "start", "end", "status", "created"},
    )
    db["annotations"].create_index(["document", "start"])
    db["links"].create(
        {
            "id": str,
            "from_annotation": str,
            "to_annotation": str,
            "kind": str,
            "note": str,
            "created": str,
            "deleted": str,
        },
        pk="id",
        foreign_keys=[
            ("from_annotation", "annotations", "id"),
            ("to_annotation", "annotations", "id"),
        ],
    )
    db["links"].create_index(["from_annotation"])
    db["links"].create_index(["to_annotation"])
    db["document_status"].create(
        {"document": str, "annotator": str, "status": str, "modified": str},
        pk=("document", "annotator"),
        foreign_keys=[("document", "documents", "id"), ("annotator", "annotators", "id")],
    )
    db["settings"].create({"key": str, "value": str}, pk="key")
    # Append-only: rows are never updated or deleted (triggers below enforce it).
    db["history"].create(
        {
            "seq": int,
            "at": str,
            "actor": str,
            "action": str,
            "entity": str,
            "entity_id": str,
            "before": str,
            "after": str,
        },
        pk="seq",
    )
    db["history"].create_index(["entity_id"])
    db.execute(
        "CREATE TRIGGER history_no_update BEFORE UPDATE ON history "
        "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER history_no_delete BEFORE DELETE ON history "
        "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
    )


def add_token_cache_v2(db: sqlite_utils.Database) -> None:
    """Version 2: the tokens of each text, so that agreement over a corpus tokenises a text once.

    Keyed by the text's SHA-256 and the tokeniser (spaCy version and language), so an edited
    text or another tokeniser never reads stale tokens; ``starts``/``ends`` are little-endian
    uint32 arrays of code-point offsets (whitespace tokens left out).
    """
    db.execute(
        "CREATE TABLE IF NOT EXISTS token_cache (text_sha256 TEXT NOT NULL, "
        "tokenizer TEXT NOT NULL, language TEXT NOT NULL, count INTEGER NOT NULL, "
        "starts BLOB NOT NULL, ends BLOB NOT NULL, PRIMARY KEY (text_sha256, tokenizer))"
    )


def add_count_index_v3(db: sqlite_utils.Database) -> None:
    """Version 3: an index of live annotations by document and status, so the Documents
    panel's counts read the index alone (two scans of a 1 M-annotation table took 1.1 s of
    opening the window). ``deleted`` is in it too: without it SQLite reads every row to check
    the condition the partial index already guarantees."""
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_annotations_live_status "
        "ON annotations (document, status, deleted) WHERE deleted IS NULL"
    )
    # Which documents each annotator has labelled (the agreement dialog's default choice, the
    # one-layer export check): a range of this index, not a scan of the table per annotator.
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_annotations_labelled_by "
        "ON annotations (annotator, document, status, kind, label, deleted) "
        "WHERE deleted IS NULL AND label IS NOT NULL"
    )


#: Migration steps: MIGRATIONS[n] turns a version n-1 project into version n.
MIGRATIONS: dict[int, Callable[[sqlite_utils.Database], None]] = {
    1: create_v1,
    2: add_token_cache_v2,
    3: add_count_index_v3,
}
