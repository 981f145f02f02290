"""The project file: one SQLite database, the only place in Annotator that speaks SQL.

Repository methods take and return :mod:`annotator.core` objects. Every change a user makes
runs in one transaction (:meth:`Store.transaction`) together with its entry in the
append-only ``history`` table, so a crash leaves either the whole action or none of it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import operator
import os
import shutil
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.core.errors import (
    NotFoundError,
    ProjectDamagedError,
    ProjectError,
    ProjectInUseError,
    ProjectStorageError,
    WritingStoppedError,
)
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
    Label,
    LabelSet,
    LabelSetId,
    LabelSetKind,
    Link,
    LinkId,
    utc_now,
)
from annotator.store.backups import damaged_message, damaged_not_foreign, write_backup
from annotator.store.flushing import WalFlusher
from annotator.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from annotator.store.sqlite import JOURNAL_MODE, schema_database, sqlite3

if TYPE_CHECKING:
    import sqlite_utils

_ANNOTATION_COLUMNS = (
    "id, document, annotator, kind, start, end, quote, prefix, suffix, label, color, symbol, "
    "note, source, status, score, page, rect, created, modified"
)
_DOCUMENT_SUMMARY_COLUMNS = "id, title, path, sha256, text_sha256, kind, encoding, added"


def _annotation_row(a: Annotation) -> tuple[Any, ...]:
    return (
        a.id, a.document_id, a.annotator_id, a.kind.value, a.start, a.end, a.quote, a.prefix,
        a.suffix, a.label, a.color, a.symbol, a.note, a.source, a.status.value, a.score, a.page,
        json.dumps(list(a.rect)) if a.rect is not None else None, a.created, a.modified,
    )  # fmt: skip


#: Sort key of :func:`_annotation_row` tuples: document, start, end.
_READING_ORDER = operator.itemgetter(1, 4, 5)
#: Bulk writes of at least this many rows get a larger page cache while they run ...
_BULK_ROWS = 20_000
#: ... of this size (negative: KiB, as PRAGMA cache_size takes it): 64 MB.
_BULK_CACHE_SIZE = -65_536

_KINDS = {kind.value: kind for kind in AnnotationKind}
_STATUSES = {status.value: status for status in AnnotationStatus}


def _annotations_from_rows(rows: Iterable[Sequence[Any]]) -> list[Annotation]:
    """Annotations from rows of ``_ANNOTATION_COLUMNS`` (in that order): every loader's one path.

    The hot path when a document opens (10,000 rows). Pass the cursor itself, not
    ``fetchall()``: each row tuple is then freed as soon as its annotation exists, so a load
    triggers half the garbage-collector passes (14 instead of 28 for 10,000 rows) and leaves
    no row tuples to promote to the old generation. Enum members come from dicts rather than
    ``Enum()`` calls, and the NewType ids stay the plain strings they are at run time.
    """
    return [
        Annotation(
            id_, document, annotator, _KINDS[kind], start, end, quote or "", prefix or "",
            suffix or "", label, color, symbol, note or "", source or "manual", _STATUSES[status],
            score, page, tuple(json.loads(rect)) if rect else None, created, modified or created,
        )
        for (
            id_, document, annotator, kind, start, end, quote, prefix, suffix, label, color,
            symbol, note, source, status, score, page, rect, created, modified,
        ) in rows
    ]  # fmt: skip


def _is_locked(error: sqlite3.Error) -> bool:
    message = str(error).lower()
    return "database is locked" in message or "database is busy" in message


def _in_use(path: Path) -> ProjectInUseError:
    return ProjectInUseError(
        f"the project '{path.name}' is in use by another program or window, which has been "
        "writing to it for too long: nothing was changed; try again in a moment"
    )


def storage_error(error: Exception, path: Path) -> ProjectError | None:
    """The typed error for an SQLite failure that is the file's or the disk's fault (None
    for the others, which are bugs and stay as they are)."""
    if not isinstance(error, sqlite3.Error) or isinstance(
        error, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.InterfaceError
    ):
        return None
    if _is_locked(error):
        return _in_use(path)
    name = str(getattr(error, "sqlite_errorname", "") or "")
    text = str(error).lower()
    if (
        name in ("SQLITE_CORRUPT", "SQLITE_NOTADB")
        or "malformed" in text
        or ("not a database" in text)
    ):
        return ProjectDamagedError(
            damaged_message(path, str(error)).replace(
                " is damaged (", " is damaged and nothing more is written to it (", 1
            )
        )
    if (
        name == "SQLITE_FULL"
        or "disk is full" in text
        or ((name.startswith("SQLITE_IOERR") or "disk i/o" in text) and _nearly_full(path))
    ):
        return ProjectStorageError(
            f"the disk that holds '{path.name}' is full: that change was not saved; "
            "free some space, then try again"
        )
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return ProjectStorageError(
            f"the project file '{path.name}' cannot be written (it is read-only, or on a "
            "read-only disk): that change was not saved; make the file writable, then try again"
        )
    if name.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN")) or "disk i/o" in text:
        return ProjectStorageError(
            f"the disk reported an error while writing '{path.name}' ({error}): that change "
            "was not saved; check the disk (or that it is still connected), then try again"
        )
    return None


def _nearly_full(path: Path) -> bool:
    """Whether the disk holding the project has (almost) no room left: SQLite reports a
    write that hit a full disk as a plain I/O error in some places (the log's growth)."""
    try:
        return shutil.disk_usage(path.parent if str(path.parent) else ".").free < 1024 * 1024
    except OSError:
        return False


def _writable(path: Path) -> bool:
    """Whether the project file and its folder (where SQLite keeps its -wal and -shm files)
    can be written; a read-only disk counts (``access`` reports it even to root)."""
    folder = path.parent if str(path.parent) else Path(".")
    return os.access(folder, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the file's and the disk's SQLite failures into typed errors, and note them."""

    @functools.wraps(method)
    def guarded(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as error:
            typed = storage_error(error, self.path)
            if typed is None:
                raise
            self._failed(typed)
            raise typed from None

    return guarded


class Store:
    """An open project file.

    sqlite3 connections belong to the thread that opened them: background workers open
    their own :class:`Store` on the same path (WAL lets readers and one writer coexist).
    """

    def __init__(self, path: str | Path, *, create: bool = True, check: bool = False) -> None:
        """Open (or create) the project; ``check`` runs ``quick_check`` first and raises
        :class:`ProjectDamagedError` naming the newest intact backup (the command line and
        the window's first open do; workers reopening the same file need not pay for it)."""
        self.path = Path(path)
        #: The storage failure that stopped writing, until :meth:`resume_writing`.
        self.failure: ProjectStorageError | None = None
        #: Called (on the failing thread) when a storage failure stops writing.
        self.on_failure: list[Callable[[ProjectStorageError], None]] = []
        self._savepoints = 0  # names nested transaction blocks apart
        #: Makes commits durable off this thread, once :meth:`flush_in_background` is on.
        self._flusher: WalFlusher | None = None
        if self.path.is_dir():
            raise ProjectError(f"'{self.path}' is a folder: a project is a single .annotator file")
        if not self.path.exists():
            if not create:
                raise ProjectError(f"'{self.path}' does not exist")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, timeout=10.0)
            #: The connection every read and write goes through (this thread's own).
            self.conn = conn
            self._configure()
            if check and (status := self.quick_check()) != "ok":
                conn.close()
                raise ProjectDamagedError(damaged_message(self.path, status))
            self._migrate()
        except sqlite3.DatabaseError as error:
            with contextlib.suppress(Exception):
                conn.close()
            if _is_locked(error):
                raise _in_use(self.path) from None
            if not _writable(self.path):
                raise ProjectStorageError(
                    f"'{self.path.name}' cannot be opened for writing (the file, its folder "
                    "or the disk is read-only): Annotator writes every change as you make "
                    "it, so copy the project to a folder you can write to, or make it writable"
                ) from None
            typed = storage_error(error, self.path)
            if isinstance(typed, ProjectDamagedError) and damaged_not_foreign(self.path):
                raise ProjectDamagedError(damaged_message(self.path, str(error))) from None
            if isinstance(typed, ProjectStorageError) and not isinstance(
                typed, ProjectDamagedError
            ):
                raise typed from None
            raise ProjectError(
                f"'{self.path.name}' is not an Annotator project or is damaged ({error})"
            ) from None

    # -- connection, transactions, migrations -------------------------------------------

    @functools.cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over :attr:`conn`, for schema work (migrations, salvage). Built on
        first use: opening an existing project does not import sqlite-utils at all."""
        return schema_database(self.conn)

    def _configure(self) -> None:
        conn = self.conn
        conn.execute("PRAGMA busy_timeout = 10000")
        # As sqlite-utils sets it (projects were opened through it before it became lazy).
        conn.execute("PRAGMA recursive_triggers = on")
        # WAL only with a SQLite that has the WAL-reset fix (annotator.store.sqlite); an
        # older library gets a rollback journal, whose writers take turns on a file lock.
        too_old = ProjectInUseError(
            f"the project '{self.path.name}' is open in another window or program: this "
            f"Annotator's SQLite ({sqlite3.sqlite_version}) is too old to share a project "
            "safely, so close the other one first"
        )
        try:
            mode = conn.execute(f"PRAGMA journal_mode = {JOURNAL_MODE}").fetchone()[0]
        except sqlite3.OperationalError as error:
            if JOURNAL_MODE != "wal" and _is_locked(error):
                conn.close()
                raise too_old from None
            raise
        if mode.lower() != JOURNAL_MODE:
            if JOURNAL_MODE != "wal":
                conn.close()
                raise too_old
            raise ProjectError(f"'{self.path.name}' cannot use write-ahead logging")
        # FULL: a committed action survives power loss too, not only a crash of the app.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        conn = self.conn
        version = self.schema_version
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        if version == 0 and not tables:
            with self.transaction():
                self._steps(0)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return
        if app_id != APPLICATION_ID:
            raise ProjectError(
                f"'{self.path.name}' is an SQLite database of another program, "
                "not an Annotator project"
            )
        if version > SCHEMA_VERSION:
            raise ProjectError(
                f"'{self.path.name}' was made by a newer Annotator (project version {version}, "
                f"this one reads up to {SCHEMA_VERSION}): update Annotator to open it"
            )
        if version < SCHEMA_VERSION:
            backup = self.backup(f"before-v{SCHEMA_VERSION}")
            try:
                with self.transaction():
                    self._steps(version)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            except Exception as error:
                raise ProjectError(
                    f"updating '{self.path.name}' to project version {SCHEMA_VERSION} failed "
                    f"({error}); the project is unchanged and a copy is at '{backup}'"
                ) from error

    def _steps(self, from_version: int) -> None:
        for step in range(from_version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[step](self.db)

    def backup(self, reason: str) -> Path:
        """Write a consistent copy of the project beside it (SQLite's online backup), check
        it and prune the older ones (:func:`annotator.store.backups.write_backup`)."""
        return write_backup(self.conn, self.path, reason)

    def backups(self) -> list[Path]:
        return sorted(self.path.parent.glob(f"{self.path.stem}.*.bak"))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One user action: all of it is written, or none of it. Nested blocks join the outer.

        A storage failure (full disk, read-only or damaged file) rolls the action back,
        raises a :class:`ProjectStorageError` and stops further writes
        (:class:`WritingStoppedError`) until :meth:`resume_writing`.
        """
        conn = self.conn
        if conn.in_transaction:
            with self._savepoint():
                yield
            return
        if self.failure is not None:
            raise WritingStoppedError(
                f"not saved: nothing is written to '{self.path.name}' until the last error is "
                "dealt with (try again, restore a backup or salvage)"
            )
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise self._typed(error) from None
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise self._typed(error) from None
        if self._flusher is not None:
            self._flusher.committed()

    def flush_in_background(self) -> bool:
        """Commit without waiting for the disk; a thread fsyncs each commit a moment later
        and runs the checkpoints (:mod:`annotator.store.flushing`). For the window, whose
        every mark would otherwise wait on an fsync on the GUI thread.

        Only with write-ahead logging (returns False, and changes nothing, otherwise).
        """
        if self._flusher is not None:
            return True
        if JOURNAL_MODE != "wal":
            return False
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute("PRAGMA wal_autocheckpoint = 0")
        self._flusher = WalFlusher(self.path, self._failed)
        return True

    def wait_durable(self, timeout: float | None = None) -> bool:
        """Whether every commit so far is on disk, waiting up to ``timeout`` seconds for
        the background flush (at once True when commits wait for the disk themselves)."""
        return self._flusher is None or self._flusher.wait_durable(timeout)

    @contextlib.contextmanager
    def _savepoint(self) -> Iterator[None]:
        """A block nested in a transaction: undone alone if it fails (as sqlite-utils'
        ``atomic`` does)."""
        self._savepoints += 1
        name = f"annotator_{self._savepoints}"
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            # A RAISE(ROLLBACK) trigger or a failed write can end the whole transaction,
            # savepoints included: rolling back to one then would hide the real error.
            if self.conn.in_transaction:
                self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                self.conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            self.conn.execute(f"RELEASE SAVEPOINT {name}")

    def _typed(self, error: sqlite3.Error) -> Exception:
        typed = storage_error(error, self.path)
        if typed is None:
            return error
        self._failed(typed)
        return typed

    def _failed(self, error: ProjectError) -> None:
        if not isinstance(error, ProjectStorageError) or self.failure is not None:
            return
        self.failure = error
        for callback in list(self.on_failure):
            callback(error)

    def resume_writing(self) -> None:
        """Take writes again after a storage failure, once the file checks out: raises the
        failure again (still stopped) when it does not."""
        if self.failure is None:
            return
        failure, self.failure = self.failure, None
        callbacks, self.on_failure = self.on_failure, []  # the reader is already told
        if self._flusher is not None:
            self._flusher.resume()
        try:
            status = self.quick_check()
            if status != "ok":
                raise ProjectDamagedError(
                    f"the project file '{self.path.name}' is damaged ({status}): restore its "
                    "newest intact backup or salvage what can be read"
                )
            with self.transaction():  # a real write, rolled back: is the disk writable?
                self.conn.execute(
                    "INSERT INTO settings (key, value) VALUES ('write-check', 'true') "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
                )
                self.conn.execute("DELETE FROM settings WHERE key = 'write-check'")
        except ProjectStorageError as error:
            self.failure = error
            raise
        except sqlite3.Error:
            self.failure = failure
            raise failure from None
        finally:
            self.on_failure = callbacks

    def quick_check(self) -> str:
        """SQLite's ``quick_check``: ``"ok"``, or what is wrong (the b-tree structure and
        record formats, without cross-checking indexes: fast enough to run at every open)."""
        rows = self.conn.execute("PRAGMA quick_check(5)").fetchall()
        return "ok" if rows == [("ok",)] else "; ".join(str(r[0]) for r in rows)

    def set_busy_timeout(self, seconds: float) -> None:
        """How long a write waits for another connection's write to finish before giving up
        with :class:`ProjectInUseError` (10 s by default)."""
        self.conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")

    def close(self) -> None:
        if self._flusher is not None:
            self._flusher.close()  # what is committed is on disk before the file is closed
            self._flusher = None
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("PRAGMA optimize")
        self.conn.close()

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    # -- history -------------------------------------------------------------------------

    def record(
        self,
        action: str,
        entity: str,
        entity_id: str,
        *,
        actor: str | None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO history (at, actor, action, entity, entity_id, before, after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                utc_now(),
                actor,
                action,
                entity,
                entity_id,
                json.dumps(before, ensure_ascii=False) if before is not None else None,
                json.dumps(after, ensure_ascii=False) if after is not None else None,
            ),
        )

    def record_many(
        self, action: str, entity: str, entity_ids: Iterable[str], *, actor: str | None
    ) -> None:
        """History of a bulk action: one row per record, without a copy of each record.

        For additions the stored row already is the "after" state; leaving the JSON copy out
        keeps a 100,000-annotation import close to the speed of the bare inserts.
        """
        at = utc_now()
        # Sorted by id: the entries of one action share their time, and the entity_id index
        # then takes them page after page (random ids cost a random page each: 15 s instead
        # of 2 s for a million).
        self.conn.executemany(
            "INSERT INTO history (at, actor, action, entity, entity_id) VALUES (?, ?, ?, ?, ?)",
            ((at, actor, action, entity, entity_id) for entity_id in sorted(entity_ids)),
        )

    def record_entries(self, entries: Iterable[tuple[str, str, str, str | None, Any, Any]]) -> None:
        """Append many ``(action, entity, entity_id, actor, before, after)`` history entries
        with one statement (bulk actions keep their write transaction short)."""
        at = utc_now()
        self.conn.executemany(
            "INSERT INTO history (at, actor, action, entity, entity_id, before, after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    at,
                    actor,
                    action,
                    entity,
                    entity_id,
                    json.dumps(before, ensure_ascii=False) if before is not None else None,
                    json.dumps(after, ensure_ascii=False) if after is not None else None,
                )
                for action, entity, entity_id, actor, before, after in entries
            ],
        )

    def history(self, entity_id: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT seq, at, actor, action, entity, entity_id, before, after FROM history"
        params: tuple[Any, ...] = ()
        if entity_id is not None:
            sql += " WHERE entity_id = ?"
            params = (entity_id,)
        rows = self.conn.execute(sql + " ORDER BY seq", params).fetchall()
        keys = ("seq", "at", "actor", "action", "entity", "entity_id", "before", "after")
        result = []
        for row in rows:
            entry = dict(zip(keys, row, strict=True))
            for key in ("before", "after"):
                entry[key] = json.loads(entry[key]) if entry[key] else None
            result.append(entry)
        return result

    # -- settings ------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, ensure_ascii=False)),
        )

    # -- token cache (agreement) ---------------------------------------------------------

    def cached_tokens(self, text_sha256: str, tokenizer: str) -> tuple[str, bytes, bytes] | None:
        """``(language, starts, ends)`` of a text tokenised by ``tokenizer``, if cached."""
        row = self.conn.execute(
            "SELECT language, starts, ends FROM token_cache WHERE text_sha256 = ? "
            "AND tokenizer = ?",
            (text_sha256, tokenizer),
        ).fetchone()
        return None if row is None else (row[0], bytes(row[1]), bytes(row[2]))

    def cache_tokens(self, rows: Iterable[tuple[str, str, str, int, bytes, bytes]]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO token_cache (text_sha256, tokenizer, language, count, "
            "starts, ends) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def labelled_documents(
        self, annotator_id: str, statuses: Sequence[AnnotationStatus], kinds: Sequence[str]
    ) -> set[str]:
        """The documents in which an annotator has a live labelled annotation of ``kinds``."""
        rows = self.conn.execute(
            f"SELECT DISTINCT document FROM annotations WHERE annotator = ? "
            f"AND status IN ({', '.join('?' * len(statuses))}) "
            f"AND kind IN ({', '.join('?' * len(kinds))}) AND label IS NOT NULL "
            "AND deleted IS NULL",
            (annotator_id, *(s.value for s in statuses), *kinds),
        )
        return {row[0] for row in rows}

    def labelled_spans(
        self, annotator_id: str, statuses: Sequence[AnnotationStatus], kinds: Sequence[str]
    ) -> list[tuple[str, int, int, str]]:
        """``(document, start, end, label)`` of an annotator's live labelled annotations of
        ``kinds``: what agreement counts, without building an Annotation per row."""
        return self.conn.execute(
            f"SELECT document, start, end, label FROM annotations WHERE annotator = ? "
            f"AND status IN ({', '.join('?' * len(statuses))}) "
            f"AND kind IN ({', '.join('?' * len(kinds))}) AND label IS NOT NULL "
            "AND deleted IS NULL ORDER BY document, start, end",
            (annotator_id, *(s.value for s in statuses), *kinds),
        ).fetchall()

    # -- documents -----------------------------------------------------------------------

    def add_document(self, doc: Document) -> None:
        self.conn.execute(
            "INSERT INTO documents (id, title, path, sha256, text_sha256, kind, encoding, text, "
            "page_map, added) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc.id, doc.title, doc.path, doc.sha256, doc.text_sha256, doc.kind.value,
                doc.encoding, doc.text, json.dumps([list(p) for p in doc.page_map]), doc.added,
            ),
        )  # fmt: skip

    def _document_from_row(self, row: Sequence[Any]) -> Document:
        return Document(
            id=DocumentId(row[0]),
            title=row[1],
            path=row[2] or "",
            sha256=row[3],
            text_sha256=row[4],
            kind=DocumentKind(row[5]),
            encoding=row[6] or "utf-8",
            added=row[7],
            text=row[8] if len(row) > 8 else "",
            page_map=tuple(tuple(p) for p in json.loads(row[9])) if len(row) > 9 and row[9] else (),  # type: ignore[misc]
        )

    def document(self, document_id: str) -> Document:
        row = self.conn.execute(
            f"SELECT {_DOCUMENT_SUMMARY_COLUMNS}, text, page_map FROM documents "
            "WHERE id = ? AND deleted IS NULL",
            (document_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"there is no document with id '{document_id}' in this project")
        return self._document_from_row(row)

    def document_text_sha256(self, document_id: str) -> str:
        """The hash of a document's current text: a cheap check that a cached text is fresh."""
        row = self.conn.execute(
            "SELECT text_sha256 FROM documents WHERE id = ? AND deleted IS NULL", (document_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"there is no document with id '{document_id}' in this project")
        return str(row[0])

    def document_by_sha256(self, sha256: str) -> Document | None:
        row = self.conn.execute(
            f"SELECT {_DOCUMENT_SUMMARY_COLUMNS}, text, page_map FROM documents WHERE sha256 = ?",
            (sha256,),
        ).fetchone()
        return self._document_from_row(row) if row else None

    def documents(self) -> list[Document]:
        """All documents without their text (``text`` is empty): cheap for long projects."""
        rows = self.conn.execute(
            f"SELECT {_DOCUMENT_SUMMARY_COLUMNS} FROM documents WHERE deleted IS NULL "
            "ORDER BY added, title"
        ).fetchall()
        return [self._document_from_row(row) for row in rows]

    def set_document_path(self, document_id: str, path: str) -> None:
        self.conn.execute("UPDATE documents SET path = ? WHERE id = ?", (path, document_id))

    def replace_document_text(self, doc: Document) -> None:
        """Put a new version of a document's file in place: its path, hashes, kind, encoding,
        text and page map (the title, id and annotations stay). Re-anchoring uses this."""
        cursor = self.conn.execute(
            "UPDATE documents SET path = ?, sha256 = ?, text_sha256 = ?, kind = ?, encoding = ?, "
            "text = ?, page_map = ? WHERE id = ?",
            (
                doc.path, doc.sha256, doc.text_sha256, doc.kind.value, doc.encoding, doc.text,
                json.dumps([list(p) for p in doc.page_map]), doc.id,
            ),
        )  # fmt: skip
        if cursor.rowcount == 0:
            raise NotFoundError(f"there is no document with id '{doc.id}' in this project")

    def set_document_title(self, document_id: str, title: str) -> None:
        self.conn.execute("UPDATE documents SET title = ? WHERE id = ?", (title, document_id))

    def set_document_deleted(self, document_id: str, deleted: bool) -> None:
        self.conn.execute(
            "UPDATE documents SET deleted = ? WHERE id = ?",
            (utc_now() if deleted else None, document_id),
        )

    def has_annotations_from(self, document_id: str, source: str) -> bool:
        """Whether a document has a live annotation that came from ``source``."""
        row = self.conn.execute(
            "SELECT 1 FROM annotations WHERE document = ? AND source = ? AND deleted IS NULL "
            "AND status IN ('accepted', 'orphaned') LIMIT 1",
            (document_id, source),
        ).fetchone()
        return row is not None

    def document_counts(self) -> dict[DocumentId, tuple[int, int]]:
        """Each document's (annotations, pending suggestions), live ones, from the index of
        live annotations by document and status alone (one pass, no table rows read)."""
        rows = self.conn.execute(
            "SELECT document, status, count(*) FROM annotations "
            "INDEXED BY idx_annotations_live_status WHERE deleted IS NULL "
            "GROUP BY document, status"
        ).fetchall()
        counts: dict[DocumentId, tuple[int, int]] = {}
        for document, status, count in rows:
            annotations, suggestions = counts.get(DocumentId(document), (0, 0))
            if status in ("accepted", "orphaned"):
                annotations += count
            elif status == "suggested":
                suggestions += count
            counts[DocumentId(document)] = (annotations, suggestions)
        return counts

    def annotator_counts(self) -> dict[str, tuple[int, int, int]]:
        """Annotator id -> (annotations, pending suggestions, documents with either), from
        one grouped query: a corpus has millions of annotations."""
        rows = self.conn.execute(
            "SELECT annotator, sum(status IN ('accepted', 'orphaned')), "
            "sum(status = 'suggested'), count(DISTINCT document) FROM annotations "
            "WHERE deleted IS NULL AND status IN ('accepted', 'orphaned', 'suggested') "
            "GROUP BY annotator"
        ).fetchall()
        return {annotator: (accepted, suggested, documents)
                for annotator, accepted, suggested, documents in rows}  # fmt: skip

    def document_text_lengths(self, document_ids: Sequence[str]) -> dict[DocumentId, int]:
        """Length of each document's text in characters, without reading the texts
        (the total that progress of a long run is measured against)."""
        lengths: dict[DocumentId, int] = {}
        for start in range(0, len(document_ids), 500):
            batch = list(document_ids[start : start + 500])
            marks = ", ".join("?" * len(batch))
            rows = self.conn.execute(
                f"SELECT id, length(text) FROM documents WHERE id IN ({marks})", batch
            ).fetchall()
            lengths.update({DocumentId(i): int(n or 0) for i, n in rows})
        return lengths

    # -- annotators ----------------------------------------------------------------------

    def add_annotator(self, annotator: Annotator) -> None:
        self.conn.execute(
            "INSERT INTO annotators (id, name, color, created) VALUES (?, ?, ?, ?)",
            (annotator.id, annotator.name, annotator.color, utc_now()),
        )

    def annotators(self) -> list[Annotator]:
        rows = self.conn.execute(
            "SELECT id, name, color FROM annotators ORDER BY created, name"
        ).fetchall()
        return [Annotator(AnnotatorId(i), n, c or "#4a90d9") for i, n, c in rows]

    def annotator_by_name(self, name: str) -> Annotator | None:
        row = self.conn.execute(
            "SELECT id, name, color FROM annotators WHERE name = ?", (name,)
        ).fetchone()
        return Annotator(AnnotatorId(row[0]), row[1], row[2] or "#4a90d9") if row else None

    def rename_annotator(self, annotator_id: str, name: str) -> None:
        self.conn.execute("UPDATE annotators SET name = ? WHERE id = ?", (name, annotator_id))

    def set_document_status(self, document_id: str, annotator_id: str, status: str) -> None:
        self.conn.execute(
            "INSERT INTO document_status (document, annotator, status, modified) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(document, annotator) DO UPDATE SET "
            "status = excluded.status, modified = excluded.modified",
            (document_id, annotator_id, status, utc_now()),
        )

    def document_statuses(self) -> dict[tuple[DocumentId, AnnotatorId], str]:
        rows = self.conn.execute(
            "SELECT document, annotator, status FROM document_status"
        ).fetchall()
        return {(DocumentId(d), AnnotatorId(a)): s for d, a, s in rows}

    # -- label sets ----------------------------------------------------------------------

    def save_label_set(self, label_set: LabelSet) -> None:
        """Insert or replace a label set with all its labels."""
        conn = self.conn
        conn.execute(
            "INSERT INTO label_sets (id, name, kind, position) VALUES (?, ?, ?, "
            "(SELECT coalesce(max(position), 0) + 1 FROM label_sets)) "
            "ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
            "deleted = NULL",
            (label_set.id, label_set.name, label_set.kind.value),
        )
        conn.execute("DELETE FROM labels WHERE label_set = ?", (label_set.id,))
        conn.executemany(
            "INSERT INTO labels (label_set, name, color, key, description, position) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (label_set.id, lab.name, lab.color, lab.key, lab.description, i)
                for i, lab in enumerate(label_set.labels)
            ],
        )

    def delete_label_set(self, label_set_id: str) -> None:
        self.conn.execute(
            "UPDATE label_sets SET deleted = ? WHERE id = ?", (utc_now(), label_set_id)
        )

    def label_sets(self) -> list[LabelSet]:
        sets = self.conn.execute(
            "SELECT id, name, kind FROM label_sets WHERE deleted IS NULL ORDER BY position"
        ).fetchall()
        labels: dict[str, list[Label]] = {}
        for set_id, name, color, key, description in self.conn.execute(
            "SELECT label_set, name, color, key, description FROM labels ORDER BY position"
        ):
            labels.setdefault(set_id, []).append(Label(name, color, key or "", description or ""))
        return [
            LabelSet(LabelSetId(i), n, LabelSetKind(k), tuple(labels.get(i, [])))
            for i, n, k in sets
        ]

    # -- annotations ---------------------------------------------------------------------

    def insert_annotation(self, annotation: Annotation) -> None:
        self.conn.execute(
            f"INSERT INTO annotations ({_ANNOTATION_COLUMNS}) VALUES ({', '.join('?' * 20)})",
            _annotation_row(annotation),
        )

    def insert_annotations(self, annotations: Iterable[Annotation]) -> int:
        """Bulk insert (imports, accepted suggestions): one statement, many rows.

        The rows go in in reading order (a stable sort by document, start and end, so
        annotations on the same span keep their order, as every read sorts them): the
        ``(document, start)`` index then grows page after page instead of at random pages,
        and with a larger page cache for the statement a million rows take linear time.
        """
        rows = sorted(map(_annotation_row, annotations), key=_READING_ORDER)
        with self._bulk_cache(len(rows)):
            cursor = self.conn.executemany(
                f"INSERT INTO annotations ({_ANNOTATION_COLUMNS}) VALUES ({', '.join('?' * 20)})",
                rows,
            )
        return cursor.rowcount

    @contextlib.contextmanager
    def _bulk_cache(self, rows: int) -> Iterator[None]:
        """A page cache of up to 64 MB while a bulk write of many rows runs (SQLite's 2 MB
        default makes every insert into the random-keyed id index of a large table a read
        from the log), given back afterwards."""
        if rows < _BULK_ROWS:
            yield
            return
        previous = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = {_BULK_CACHE_SIZE}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA cache_size = {int(previous)}")
            self.conn.execute("PRAGMA shrink_memory")

    def replace_annotation(self, annotation: Annotation) -> None:
        row = _annotation_row(annotation)
        cursor = self.conn.execute(
            "UPDATE annotations SET document=?, annotator=?, kind=?, start=?, end=?, quote=?, "
            "prefix=?, suffix=?, label=?, color=?, symbol=?, note=?, source=?, status=?, "
            "score=?, page=?, rect=?, created=?, modified=? WHERE id = ?",
            (*row[1:], row[0]),
        )
        if cursor.rowcount == 0:
            raise NotFoundError(f"there is no annotation with id '{annotation.id}'")

    def set_annotation_deleted(self, annotation_id: str, deleted: bool) -> None:
        cursor = self.conn.execute(
            "UPDATE annotations SET deleted = ? WHERE id = ?",
            (utc_now() if deleted else None, annotation_id),
        )
        if cursor.rowcount == 0:
            raise NotFoundError(f"there is no annotation with id '{annotation_id}'")

    def set_annotations_deleted(self, annotation_ids: Sequence[str], deleted: bool) -> None:
        stamp = utc_now() if deleted else None
        self.conn.executemany(
            "UPDATE annotations SET deleted = ? WHERE id = ?",
            [(stamp, annotation_id) for annotation_id in annotation_ids],
        )

    def annotation(self, annotation_id: str, *, include_deleted: bool = False) -> Annotation:
        sql = f"SELECT {_ANNOTATION_COLUMNS} FROM annotations WHERE id = ?"
        if not include_deleted:
            sql += " AND deleted IS NULL"
        found = _annotations_from_rows(self.conn.execute(sql, (annotation_id,)))
        if not found:
            raise NotFoundError(f"there is no annotation with id '{annotation_id}'")
        return found[0]

    def annotations(
        self,
        document_id: str | None = None,
        *,
        annotator_id: str | None = None,
        statuses: Sequence[AnnotationStatus] | None = None,
        include_deleted: bool = False,
    ) -> list[Annotation]:
        """Annotations in reading order (by start, then end)."""
        clauses: list[str] = []
        params: list[Any] = []
        if document_id is not None:
            clauses.append("document = ?")
            params.append(document_id)
        if annotator_id is not None:
            clauses.append("annotator = ?")
            params.append(annotator_id)
        if statuses is not None:
            clauses.append(f"status IN ({', '.join('?' * len(statuses))})")
            params.extend(s.value for s in statuses)
        if not include_deleted:
            clauses.append("deleted IS NULL")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return _annotations_from_rows(
            self.conn.execute(
                f"SELECT {_ANNOTATION_COLUMNS} FROM annotations{where} "
                "ORDER BY document, start, end",
                params,
            )
        )

    def annotations_by_id(self, annotation_ids: Sequence[str]) -> dict[str, Annotation]:
        """The annotations (deleted ones too) that have these ids, read 500 at a time; ids
        the project does not hold are left out."""
        found: dict[str, Annotation] = {}
        for start in range(0, len(annotation_ids), 500):
            batch = list(annotation_ids[start : start + 500])
            rows = self.conn.execute(
                f"SELECT {_ANNOTATION_COLUMNS} FROM annotations "
                f"WHERE id IN ({', '.join('?' * len(batch))})",
                batch,
            )
            found.update((a.id, a) for a in _annotations_from_rows(rows))
        return found

    def iter_annotations(self, document_id: str, *, batch: int = 2000) -> Iterator[Annotation]:
        """A document's live annotations (any status) in reading order, read in batches:
        a streaming export holds one batch, not the project's million annotations."""
        cursor = self.conn.execute(
            f"SELECT {_ANNOTATION_COLUMNS} FROM annotations WHERE document = ? "
            "AND deleted IS NULL ORDER BY start, end",
            (document_id,),
        )
        while rows := cursor.fetchmany(batch):
            yield from _annotations_from_rows(rows)

    def has_annotations(self, *, include_deleted: bool = False) -> bool:
        """Whether the project holds a live annotation (or any), without reading them."""
        where = "" if include_deleted else " WHERE deleted IS NULL"
        row = self.conn.execute(f"SELECT 1 FROM annotations{where} LIMIT 1")
        return row.fetchone() is not None

    def annotators_of(self, document_ids: Collection[str]) -> set[AnnotatorId]:
        """Who made the live annotations of these documents."""
        rows = self.conn.execute(
            "SELECT DISTINCT document, annotator FROM annotations WHERE deleted IS NULL"
        )
        wanted = set(document_ids)
        return {AnnotatorId(annotator) for document, annotator in rows if document in wanted}

    def annotations_in_range(
        self,
        document_id: str,
        start: int,
        end: int,
        *,
        annotator_id: str | None = None,
        statuses: Sequence[AnnotationStatus] | None = None,
    ) -> list[Annotation]:
        """Live annotations of a document with some text in ``[start, end)`` (empty spans
        when they sit inside it), in reading order.

        What a reader needs to paint one screen of a long document before the rest loads:
        the ``(document, start)`` index bounds the scan, and only the matches are built.
        """
        clauses = [
            "document = ?",
            "start < ?",
            "(end > ? OR (start = end AND start >= ?))",
            "deleted IS NULL",
        ]
        params: list[Any] = [document_id, end, start, start]
        if annotator_id is not None:
            clauses.append("annotator = ?")
            params.append(annotator_id)
        if statuses is not None:
            clauses.append(f"status IN ({', '.join('?' * len(statuses))})")
            params.extend(s.value for s in statuses)
        return _annotations_from_rows(
            self.conn.execute(
                f"SELECT {_ANNOTATION_COLUMNS} FROM annotations WHERE {' AND '.join(clauses)} "
                "ORDER BY start, end",
                params,
            )
        )

    # -- links ---------------------------------------------------------------------------

    def add_link(self, link: Link) -> None:
        self.conn.execute(
            "INSERT INTO links (id, from_annotation, to_annotation, kind, note, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (link.id, link.from_annotation, link.to_annotation, link.kind, link.note, link.created),
        )

    def set_link_deleted(self, link_id: str, deleted: bool) -> None:
        cursor = self.conn.execute(
            "UPDATE links SET deleted = ? WHERE id = ?", (utc_now() if deleted else None, link_id)
        )
        if cursor.rowcount == 0:
            raise NotFoundError(f"there is no link with id '{link_id}'")

    def links(self, document_id: str | None = None) -> list[Link]:
        """Live links; with a document, those touching an annotation of that document."""
        sql = (
            "SELECT l.id, l.from_annotation, l.to_annotation, l.kind, l.note, l.created "
            "FROM links l JOIN annotations a ON a.id = l.from_annotation "
            "JOIN annotations b ON b.id = l.to_annotation "
            "WHERE l.deleted IS NULL AND a.deleted IS NULL AND b.deleted IS NULL"
        )
        params: tuple[Any, ...] = ()
        if document_id is not None:
            sql += " AND (a.document = ? OR b.document = ?)"
            params = (document_id, document_id)
        rows = self.conn.execute(sql + " ORDER BY l.created", params).fetchall()
        return [
            Link(LinkId(i), AnnotationId(f), AnnotationId(t), k or "connects", n or "", c)
            for i, f, t, k, n, c in rows
        ]

    def links_within(self, document_ids: Collection[str]) -> Iterator[Link]:
        """Live links between live annotations of these documents, oldest first, read as
        they are written out (an export of a large project)."""
        wanted = set(document_ids)
        cursor = self.conn.execute(
            "SELECT l.id, l.from_annotation, l.to_annotation, l.kind, l.note, l.created, "
            "a.document, b.document "
            "FROM links l JOIN annotations a ON a.id = l.from_annotation "
            "JOIN annotations b ON b.id = l.to_annotation "
            "WHERE l.deleted IS NULL AND a.deleted IS NULL AND b.deleted IS NULL "
            "ORDER BY l.created"
        )
        for i, f, t, k, n, c, from_document, to_document in cursor:
            if from_document in wanted and to_document in wanted:
                yield Link(LinkId(i), AnnotationId(f), AnnotationId(t), k or "connects", n or "", c)

    # -- formats (import matching) ------------------------------------------------------

    def document_by_text_sha256(self, text_sha256: str) -> Document | None:
        """The live document whose canonical text has this hash (imports that carry no text)."""
        row = self.conn.execute(
            f"SELECT {_DOCUMENT_SUMMARY_COLUMNS}, text, page_map FROM documents "
            "WHERE text_sha256 = ? AND deleted IS NULL ORDER BY added LIMIT 1",
            (text_sha256,),
        ).fetchone()
        return self._document_from_row(row) if row else None


# Every public method turns the file's and the disk's SQLite failures into typed errors.
for _name, _method in list(vars(Store).items()):
    if (
        not _name.startswith("_")
        and callable(_method)
        and _name not in ("transaction", "resume_writing")
    ):
        setattr(Store, _name, _guarded(_method))
del _name, _method
