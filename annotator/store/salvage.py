"""Salvage: copy what can still be read from a damaged project into a new project file.

The damaged file is only read (read-only connection). Each table is scanned in rowid order;
when a scan hits a damaged page it keeps what it read and looks for the first readable rowid
past the damage (seeking there goes down the b-tree from its root, around the bad page), so
one bad page costs the rows on it, not the rest of the table. The table's indexes are read
too: they list rows the table scan could not reach (tried again one by one, and counted as
lost when still unreadable), and for annotators and links they hold every column that
matters, so those rows are rebuilt from them.

Rows whose parent is gone are handled so that the new project is whole: an annotation whose
annotator was lost gets a stand-in annotator ("recovered annotator …"), while an annotation
whose document was lost cannot be placed in any text and is counted as lost, as are links to
lost annotations, labels of a lost label set and statuses of a lost document. Everything is
written through :class:`~annotator.store.Store` in one transaction, and the new file must
pass ``integrity_check``.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core.errors import ProjectError
from annotator.core.model import AnnotationKind, AnnotationStatus, DocumentKind
from annotator.store.backups import read_only
from annotator.store.sqlite import sqlite3
from annotator.store.store import Store

#: Tables in the order they are written (parents before children).
TABLES = (
    "annotators",
    "documents",
    "label_sets",
    "labels",
    "annotations",
    "links",
    "document_status",
    "settings",
    "history",
)
_MIN_ROWID = -(2**63)
_MAX_ROWID = 2**63 - 1
# Columns that, found in the indexes, are enough to rebuild a row whose table page is lost.
_REBUILDABLE = {
    "annotators": ("id", "name"),
    "links": ("id", "from_annotation", "to_annotation"),
}


@dataclass
class TableSalvage:
    """What happened to one table's rows."""

    table: str
    copied: int = 0
    #: Rows known to exist (from an index, or a row that failed to read) that are gone.
    lost: int = 0
    #: Rows read, but left out because a row they belong to was lost.
    orphaned: int = 0
    #: Of ``copied``, rows rebuilt from index entries (some optional columns empty).
    rebuilt: int = 0
    #: Stretches of damaged pages skipped; rows on them that no index lists are not counted.
    damaged_stretches: int = 0
    #: Ids of the lost and orphaned rows, where known.
    lost_ids: list[str] = field(default_factory=list)
    #: A problem that stopped this table from being read at all.
    problem: str = ""


@dataclass
class SalvageReport:
    """Per-table counts of a :func:`salvage` run."""

    source: Path
    target: Path
    tables: dict[str, TableSalvage]
    #: Annotators made up for annotations whose annotator was lost.
    stand_in_annotators: int = 0

    @property
    def lost(self) -> int:
        return sum(t.lost + t.orphaned for t in self.tables.values())

    @property
    def complete(self) -> bool:
        """Whether everything known to have been in the damaged file was copied."""
        return self.lost == 0 and not any(
            t.damaged_stretches or t.problem for t in self.tables.values()
        )

    def summary(self) -> str:
        lines = [f"salvaged '{self.source.name}' into '{self.target}':"]
        for t in self.tables.values():
            parts = [f"{t.copied} copied"]
            if t.rebuilt:
                parts.append(f"{t.rebuilt} of them rebuilt from its indexes")
            if t.lost:
                parts.append(f"{t.lost} lost (unreadable)")
            if t.orphaned:
                parent = _PARENT_WORDS.get(t.table, "the row they belong to")
                parts.append(f"{t.orphaned} lost because {parent} was lost")
            if t.damaged_stretches:
                parts.append(
                    f"{t.damaged_stretches} damaged stretch(es) skipped"
                    + ("" if t.lost else ", rows there not counted")
                )
            if t.problem:
                parts = [f"could not be read at all ({t.problem})"]
            lines.append(f"  {t.table}: " + "; ".join(parts))
        if self.stand_in_annotators:
            lines.append(
                f"  {self.stand_in_annotators} annotator(s) were lost: their annotations are "
                "kept under 'recovered annotator …' (rename them in the new project)"
            )
        lines.append(
            "nothing that could be read was lost"
            if self.complete
            else f"{self.lost} row(s) could not be recovered; the damaged file is unchanged"
        )
        return "\n".join(lines)


_PARENT_WORDS = {
    "annotations": "their document",
    "links": "an annotation they join",
    "labels": "their label set",
    "document_status": "their document",
}


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    with read_only(path) as conn:
        # Tolerate a damaged schema entry (that index or table is then skipped), and check
        # each cell's size as it is read, so damage is an error rather than garbage.
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("PRAGMA cell_size_check = ON")
        yield conn


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in conn.execute(f"PRAGMA table_info([{table}])")]


def _readable_from(conn: sqlite3.Connection, table: str, start: int) -> bool:
    """Whether the first row at or after rowid ``start`` can be reached and read."""
    try:
        conn.execute(
            f"SELECT * FROM [{table}] WHERE rowid >= ? ORDER BY rowid LIMIT 1", (start,)
        ).fetchall()
    except sqlite3.DatabaseError:
        return False
    return True


def _next_readable(conn: sqlite3.Connection, table: str, after: int, last: int) -> int | None:
    """The smallest rowid past ``after`` from which reading works again (exponential probes
    then a binary search), or None when nothing past it can be read."""
    step, bad = 2, after + 1  # the row right after the last good one is the one that failed
    good = None
    while bad + step <= last:
        if _readable_from(conn, table, bad + step):
            good = bad + step
            break
        bad, step = bad + step, step * 2
    if good is None:
        if bad < last and _readable_from(conn, table, last):
            good = last
        else:
            return None
    while good - bad > 1:  # bad fails, good works: find the boundary
        middle = (bad + good) // 2
        if _readable_from(conn, table, middle):
            good = middle
        else:
            bad = middle
    return good


def _scan(
    conn: sqlite3.Connection, table: str, columns: list[str], report: TableSalvage
) -> dict[int, tuple[Any, ...]]:
    """Every readable row by rowid, skipping past damaged pages."""
    select = f"SELECT rowid, {', '.join(f'[{c}]' for c in columns)} FROM [{table}]"
    try:
        last = conn.execute(f"SELECT max(rowid) FROM [{table}]").fetchone()[0]
    except sqlite3.DatabaseError:
        last = None
    last = _MAX_ROWID if last is None else int(last)
    rows: dict[int, tuple[Any, ...]] = {}
    after = _MIN_ROWID
    while True:
        try:
            for row in conn.execute(f"{select} WHERE rowid > ? ORDER BY rowid", (after,)):
                rows[row[0]] = tuple(row[1:])
                after = row[0]
            return rows
        except sqlite3.DatabaseError:
            report.damaged_stretches += 1
            if after == _MIN_ROWID:
                after = 0  # rowids are positive in practice: probe from there
            resume = _next_readable(conn, table, after, last)
            if resume is None:
                return rows
            after = resume - 1


def _index_entries(conn: sqlite3.Connection, table: str) -> dict[int, dict[str, Any]]:
    """Column values by rowid from every readable index entry of the table."""
    entries: dict[int, dict[str, Any]] = {}
    try:
        indexes = [str(row[1]) for row in conn.execute(f"PRAGMA index_list([{table}])")]
    except sqlite3.DatabaseError:
        return entries
    for index in indexes:
        try:
            columns = [str(r[2]) for r in conn.execute(f"PRAGMA index_info([{index}])")]
            names = ", ".join(f"[{c}]" for c in columns)
            cursor = conn.execute(f"SELECT rowid, {names} FROM [{table}] INDEXED BY [{index}]")
            for row in cursor:  # keeps what was read if the index is damaged part way
                entries.setdefault(row[0], {}).update(zip(columns, row[1:], strict=True))
        except sqlite3.DatabaseError:
            continue
    return entries


def _read_table(
    conn: sqlite3.Connection, table: str, wanted: list[str], report: TableSalvage
) -> list[dict[str, Any]]:
    """The table's rows as dicts of the ``wanted`` columns it has, as far as they read."""
    try:
        columns = [c for c in _columns(conn, table) if c in wanted]
    except sqlite3.DatabaseError as error:
        report.problem = str(error)
        return []
    if not columns:
        report.problem = "the table is missing"
        return []
    rows = _scan(conn, table, columns, report)
    entries = _index_entries(conn, table)
    select = f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}] WHERE rowid = ?"
    result = [dict(zip(columns, values, strict=True)) for values in rows.values()]
    missing = sorted(set(entries) - set(rows))
    if table == "history" and rows:  # append-only: every seq up to the last existed
        missing = sorted(set(missing) | (set(range(1, max(rows) + 1)) - set(rows)))
    for rowid in missing:
        try:
            found = conn.execute(select, (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            found = None
        if found is not None:
            result.append(dict(zip(columns, found, strict=True)))
            continue
        known = entries.get(rowid, {})
        needed = _REBUILDABLE.get(table)
        if needed and all(known.get(c) is not None for c in needed):
            result.append({c: known.get(c) for c in columns})
            report.rebuilt += 1
            continue
        report.lost += 1
        if known.get("id") is not None:
            report.lost_ids.append(str(known["id"]))
    return result


_KINDS = {k.value for k in AnnotationKind}
_STATUSES = {s.value for s in AnnotationStatus}
_DOCUMENT_KINDS = {k.value for k in DocumentKind}


def _valid(table: str, row: dict[str, Any]) -> bool:
    """Whether a row read from damaged pages makes sense (garbage that happened to parse
    as a record would otherwise break the new project when it loads)."""
    if table == "annotations":
        return (
            row.get("kind") in _KINDS
            and row.get("status") in _STATUSES
            and isinstance(row.get("start"), int)
            and isinstance(row.get("end"), int)
        )
    if table == "documents":
        return row.get("kind") in _DOCUMENT_KINDS and isinstance(row.get("text"), str)
    if table == "settings":
        try:
            json.loads(row.get("value") or "null")
        except (TypeError, ValueError):
            return False
    return True


def salvage(
    damaged_path: str | os.PathLike[str], new_path: str | os.PathLike[str]
) -> SalvageReport:
    """Copy every readable row of a damaged project into a new project file; see the module.

    Raises :class:`ProjectError` when ``new_path`` exists or is the damaged file itself, or
    when the damaged file cannot be opened at all. The damaged file is never changed.
    """
    source = Path(damaged_path)
    target = Path(new_path)
    if not source.is_file():
        raise ProjectError(f"'{source}' does not exist")
    if target.exists() or target.resolve() == source.resolve():
        raise ProjectError(
            f"'{target}' already exists: salvage writes a new project file, give a new name"
        )
    report = SalvageReport(source, target, {t: TableSalvage(t) for t in TABLES})
    store = Store(target)
    try:
        wanted = {
            table: [c for c in store.db[table].columns_dict if c != "rowid"] for table in TABLES
        }
        try:
            with _read_only(source) as conn:
                read = {t: _read_table(conn, t, wanted[t], report.tables[t]) for t in TABLES}
        except sqlite3.DatabaseError as error:
            raise ProjectError(f"'{source.name}' cannot be read at all ({error})") from None
        with store.transaction():
            _write(store, read, report)
        status = store.integrity_check()
        if status != "ok":
            raise ProjectError(f"the salvaged project failed its check ({status})")
    except BaseException:
        store.close()
        for tail in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                Path(str(target) + tail).unlink()
        raise
    store.close()
    return report


def _write(store: Store, read: dict[str, list[dict[str, Any]]], report: SalvageReport) -> None:
    conn = store.conn
    present: dict[str, set[Any]] = {t: set() for t in TABLES}

    def insert(table: str, row: dict[str, Any]) -> bool:
        names = ", ".join(f"[{c}]" for c in row)
        try:
            conn.execute(
                f"INSERT INTO [{table}] ({names}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
        except sqlite3.IntegrityError:  # garbage, or a duplicate key read twice
            report.tables[table].lost += 1
            return False
        report.tables[table].copied += 1
        return True

    def orphan(table: str, row: dict[str, Any]) -> None:
        report.tables[table].orphaned += 1
        if row.get("id") is not None:
            report.tables[table].lost_ids.append(str(row["id"]))

    for table in ("annotators", "documents", "label_sets"):
        for row in read[table]:
            if _valid(table, row) and insert(table, row):
                present[table].add(row.get("id"))
            elif not _valid(table, row):
                report.tables[table].lost += 1
    for row in read["labels"]:
        if row.get("label_set") not in present["label_sets"]:
            orphan("labels", row)
        else:
            insert("labels", row)

    def annotator(ident: Any) -> None:
        if ident in present["annotators"] or not isinstance(ident, str):
            return
        name = f"recovered annotator {ident[:8]}"
        conn.execute("INSERT INTO annotators (id, name) VALUES (?, ?)", (ident, name))
        present["annotators"].add(ident)
        report.stand_in_annotators += 1

    for row in read["annotations"]:
        if not _valid("annotations", row):
            report.tables["annotations"].lost += 1
        elif row.get("document") not in present["documents"]:
            orphan("annotations", row)
        else:
            annotator(row.get("annotator"))
            if insert("annotations", row):
                present["annotations"].add(row.get("id"))
    for row in read["links"]:
        ends = (row.get("from_annotation"), row.get("to_annotation"))
        if not all(end in present["annotations"] for end in ends):
            orphan("links", row)
        else:
            insert("links", row)
    for row in read["document_status"]:
        if row.get("document") not in present["documents"]:
            orphan("document_status", row)
        else:
            annotator(row.get("annotator"))
            insert("document_status", row)
    for table in ("settings", "history"):
        for row in read[table]:
            if _valid(table, row):
                insert(table, row)
            else:
                report.tables[table].lost += 1
    if not store.get_setting("seeded"):  # do not bring back default label sets deleted once
        store.set_setting("seeded", True)


__all__ = ["TABLES", "SalvageReport", "TableSalvage", "salvage"]
