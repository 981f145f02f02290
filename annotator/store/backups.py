"""Backup copies of a project file: writing, checking, pruning, listing and restoring them.

A backup sits beside its project as ``NAME.<reason>.<stamp>.bak`` (``stamp`` in UTC). Reasons
are ``daily`` (:func:`daily_backup`, at most one a day, like Zotero's automatic backups) and
``before-*`` (:meth:`Store.backup <annotator.store.Store.backup>` before a migration, a bulk
import, a re-anchoring). Every copy goes through SQLite's online-backup API (consistent even
while another connection writes), is written under a temporary name, checked, and only then
given its name, so a listed backup was whole when it was made. After each new backup the
oldest of its reason are pruned (:data:`KEEP_DAILY`, :data:`KEEP_PER_REASON`).

Nothing here needs the project to open: listing and restoring work on a damaged project.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import math
import os
import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from annotator.core.errors import (
    ProjectDamagedError,
    ProjectError,
    ProjectInUseError,
    ProjectStorageError,
)
from annotator.store.schema import APPLICATION_ID, SCHEMA_VERSION
from annotator.store.sqlite import sqlite3

#: The reason of the automatic backups.
DAILY = "daily"
#: How old the newest daily backup may be before another is written: a little under a day,
#: so a reader who opens the project every morning, a bit earlier each time, still gets one
#: a day, and never two within a few hours.
DAILY_INTERVAL = timedelta(hours=22)
#: Daily backups kept: a week to notice that something went wrong.
KEEP_DAILY = 7
#: Backups of each other reason (``before-import``, ``before-v2``...) kept.
KEEP_PER_REASON = 5

_STAMP = "%Y%m%dT%H%M%S%f"
_MIDDLE = re.compile(r"(?P<reason>[A-Za-z0-9_-]+)(?:\.(?P<stamp>\d{8}T\d{12}))?")
_REASON = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """One backup copy: where it is, why and when it was made, its size, and whether it
    passed its check (``problem`` says what is wrong when it did not)."""

    path: Path
    reason: str
    created: datetime
    size: int
    intact: bool
    problem: str = ""


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that cannot write to ``path`` (backups, damaged projects)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def _problem(path: Path, *, thorough: bool) -> str:
    """What is wrong with a project (or backup) file, or ``""`` when it checks out.

    ``thorough`` runs ``integrity_check`` (which also matches every index against its
    table) instead of ``quick_check``; see ``bench/bench_quick_check.py`` for their cost.
    """
    if not path.is_file():
        return "the file does not exist"
    try:
        with read_only(path) as conn:
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                return "it is not an Annotator project"
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                return f"it was made by a newer Annotator (project version {version})"
            pragma = "integrity_check(5)" if thorough else "quick_check(5)"
            rows = conn.execute(f"PRAGMA {pragma}").fetchall()
    except sqlite3.Error as error:
        return f"it cannot be read ({error})"
    if rows != [("ok",)]:
        return "it is damaged (" + _one_line("; ".join(str(row[0]) for row in rows)) + ")"
    return ""


def _one_line(detail: str, limit: int = 160) -> str:
    """SQLite's check reports span lines ("*** in database main ***"): one short line."""
    text = " ".join(detail.replace("*** in database main ***", "").split()).strip("; ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Checking a 300 MB backup takes seconds; a backup file never changes once written.
_CHECKED: dict[tuple[str, int, int, bool], str] = {}


def _checked_problem(path: Path, *, thorough: bool) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "the file does not exist"
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, thorough)
    if key not in _CHECKED:
        _CHECKED[key] = _problem(path, thorough=thorough)
    return _CHECKED[key]


def _scan(project: Path) -> list[tuple[Path, str, datetime, bool]]:
    """``(path, reason, created, stamped)`` of the project's backups, newest first, unchecked.

    Only ``NAME.<reason>[.<stamp>].bak`` with a reason free of dots: the backups of a
    project called ``NAME.other`` beside it are not this project's.
    """
    found = []
    prefix = f"{project.stem}."
    for path in project.parent.glob(f"{_glob_escape(project.stem)}.*.bak"):
        match = _MIDDLE.fullmatch(path.name[len(prefix) : -len(".bak")])
        if match is None:
            continue
        stamp = match["stamp"]
        try:
            if stamp is None:
                raise ValueError(stamp)
            created = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
        except ValueError:
            with contextlib.suppress(OSError):
                created = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                found.append((path, match["reason"], created, False))
            continue
        found.append((path, match["reason"], created, True))
    # What a restore replaced (NAME.replaced-<stamp>.annotator) can be restored in turn:
    # that is how a restore is undone. Damaged files set aside are listed by salvage only.
    for path in project.parent.glob(f"{_glob_escape(project.stem)}.replaced-*{project.suffix}"):
        stamp = path.name[len(f"{prefix}replaced-") : -len(project.suffix) or None]
        with contextlib.suppress(ValueError):
            created = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
            found.append((path, "replaced", created, True))
    return sorted(found, key=lambda item: item[2], reverse=True)


def _glob_escape(text: str) -> str:
    """``text`` with glob wildcards taken literally (a project may be called ``[draft]``)."""
    return re.sub(r"([*?[])", r"[\1]", text)


def is_backup_name(project_path: str | os.PathLike[str], target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` is named as a backup of the project (``NAME.<reason>.<stamp>.bak``,
    its ``.part`` while written, or what a restore kept aside): it would be listed, restored
    and pruned as one, so nothing else may be written there."""
    project, path = Path(project_path), Path(target)
    if path.parent != project.parent:
        return False
    stem, suffix = _glob_escape(project.stem), _glob_escape(project.suffix)
    patterns = (f"{stem}.*.bak", f"{stem}.*.bak.part", f"{stem}.replaced-*{suffix}",
                f"{stem}.damaged-*{suffix}")  # fmt: skip
    return any(fnmatch.fnmatchcase(path.name, pattern) for pattern in patterns)


def list_backups(project_path: str | os.PathLike[str]) -> list[BackupInfo]:
    """The backups of a project, newest first, each checked with ``quick_check``.

    Works whether or not the project itself opens; checks are remembered for the life of
    the process (a backup file does not change), so listing again is cheap.
    """
    result = []
    for path, reason, created, _ in _scan(Path(project_path)):
        try:
            size = path.stat().st_size
        except OSError:
            continue  # pruned meanwhile
        problem = _checked_problem(path, thorough=False)
        result.append(BackupInfo(path, reason, created, size, not problem, problem))
    return result


def newest_intact_backup(project_path: str | os.PathLike[str]) -> BackupInfo | None:
    """The newest backup that passes its check, or None; checks only as many as needed."""
    for path, reason, created, _ in _scan(Path(project_path)):
        if not _checked_problem(path, thorough=False):
            with contextlib.suppress(OSError):
                return BackupInfo(path, reason, created, path.stat().st_size, True)
    return None


def write_backup(
    source: sqlite3.Connection,
    project_path: str | os.PathLike[str],
    reason: str,
    *,
    when: datetime | None = None,
    thorough: bool = False,
) -> Path:
    """Copy the database open on ``source`` beside the project, check the copy, prune.

    The copy is a single self-contained file (rollback journal, no ``-wal``). A copy that
    fails its check is deleted and :class:`ProjectDamagedError` raised: the project it was
    copied from is damaged, and the older backups are left alone. The check is
    ``quick_check`` (0.7 s on a 300 MB project: fine before an import the reader waits
    for), or with ``thorough`` ``integrity_check`` (4.5 s, which also matches indexes to
    tables: for the daily backup, made in the background). The online backup copies pages
    as they are, so damage to the pages, what failing disks do, shows in either.
    """
    project = Path(project_path)
    if not _REASON.fullmatch(reason):
        raise ValueError(f"a backup reason is a word such as 'before-import', not {reason!r}")
    stamp = (when or datetime.now(UTC)).astimezone(UTC).strftime(_STAMP)
    target = project.with_name(f"{project.stem}.{reason}.{stamp}.bak")
    part = target.with_name(target.name + ".part")
    size = _backup_size(source)
    needed = size + size // 10 + BACKUP_MARGIN
    _refuse_without_room(project, reason, needed)
    try:
        dest = sqlite3.connect(part)
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
    except (sqlite3.Error, OSError) as error:
        _remove_partial(part)
        if "full" in str(error).lower() or getattr(error, "errno", None) == errno.ENOSPC:
            _refuse_without_room(project, reason, needed, failed=True)
        raise ProjectStorageError(
            f"a backup of '{project.name}' could not be written ({error}): check that the "
            "disk has room and the folder is writable"
        ) from None
    problem = _problem(part, thorough=thorough)
    if problem:
        with contextlib.suppress(OSError):
            part.unlink()
        raise ProjectDamagedError(
            f"the {reason} backup of '{project.name}' failed its check, so it was deleted "
            f"({problem}): the project itself is likely damaged; "
            + _way_out(project, newest_intact_backup(project))
        )
    os.replace(part, target)
    prune_backups(project, keep=target)
    return target


#: Room kept free beyond the copy and a tenth of it (its journal, the action that follows).
BACKUP_MARGIN = 1024**2


def _backup_size(source: sqlite3.Connection) -> int:
    """The bytes a copy of the database open on ``source`` takes (its pages, WAL included)."""
    try:
        pages = int(source.execute("PRAGMA main.page_count").fetchone()[0])
        size = int(source.execute("PRAGMA main.page_size").fetchone()[0])
    except sqlite3.Error:
        return 0  # the copy itself will say what is wrong
    return pages * size


def _occasion(reason: str) -> str:
    """``before-import`` → "before the import", for a message."""
    if reason == DAILY:
        return "(the daily backup)"
    if reason.startswith("before-"):
        return "before the " + reason.removeprefix("before-").replace("-", " ").replace(
            "reanchor", "re-anchoring"
        )
    return f"({reason})"


def _refuse_without_room(project: Path, reason: str, needed: int, *, failed: bool = False) -> None:
    """Raise :class:`ProjectStorageError` when the project's folder has less than ``needed``
    bytes free (always, with ``failed``: the copy ran out of room): a half-written backup
    would fill the disk and the action after it would fail anyway."""
    try:
        free = shutil.disk_usage(project.parent).free
    except OSError:
        return
    if free >= needed and not failed:
        return
    short = max(1, math.ceil((needed - free) / 1024**2))
    raise ProjectStorageError(
        f"not enough free space to back up '{project.name}' {_occasion(reason)}: nothing was "
        f"changed; free {short} MB on the disk of '{project.parent}' and try again"
    )


def _remove_partial(part: Path) -> None:
    """A failed copy and the journal SQLite left beside it."""
    for leftover in (
        part,
        *(part.with_name(part.name + tail) for tail in ("-journal", "-wal", "-shm")),
    ):
        with contextlib.suppress(OSError):
            leftover.unlink()


def prune_backups(project_path: str | os.PathLike[str], *, keep: Path | None = None) -> list[Path]:
    """Delete all but the newest :data:`KEEP_DAILY` daily and :data:`KEEP_PER_REASON` other
    backups of each reason; returns what was deleted.

    ``keep`` (the backup just written and checked) is never deleted; without it, the newest
    intact backup is found and spared, so pruning can never leave a project without one.
    Backups without a time stamp in their name (copied in by hand) are left alone.
    """
    project = Path(project_path)
    spare = keep
    if spare is None:
        newest = newest_intact_backup(project)
        spare = newest.path if newest else None
    seen: dict[str, int] = {}
    deleted = []
    for path, reason, _, stamped in _scan(project):
        if not stamped:
            continue
        seen[reason] = seen.get(reason, 0) + 1
        limit = KEEP_DAILY if reason == DAILY else KEEP_PER_REASON
        if seen[reason] > limit and path != spare:
            with contextlib.suppress(OSError):
                path.unlink()
                deleted.append(path)
    return deleted


def daily_backup(
    project_path: str | os.PathLike[str], *, now: datetime | None = None
) -> Path | None:
    """Write today's automatic backup unless the newest daily one is younger than
    :data:`DAILY_INTERVAL`; returns it, or None when none was due.

    Opens its own connection, so it may run on a background thread (or in another process)
    while the window writes: the online backup copies a consistent snapshot without
    blocking the writer. Raises :class:`ProjectDamagedError` when the copy fails its check
    (it is then deleted, and the older backups kept).
    """
    project = Path(project_path)
    if not project.is_file():
        return None
    now = now or datetime.now(UTC)
    dailies = [created for _, reason, created, _ in _scan(project) if reason == DAILY]
    if dailies and timedelta(0) <= now - max(dailies) < DAILY_INTERVAL:
        return None
    try:
        source = sqlite3.connect(f"{project.resolve().as_uri()}?mode=rw", uri=True, timeout=10)
    except sqlite3.Error as error:
        raise ProjectStorageError(
            f"'{project.name}' cannot be opened to back it up ({error})"
        ) from None
    try:
        source.execute("PRAGMA busy_timeout = 10000")
        return write_backup(source, project, DAILY, when=now, thorough=True)
    finally:
        source.close()


def _way_out(project: Path, backup: BackupInfo | None) -> str:
    """What the reader of a damaged project can do, as commands to type."""
    where = f"annotator --project {shlex.quote(str(project))}"
    salvage = (
        f"copy what can still be read into a new project with '{where} salvage -o NEW.annotator'"
    )
    if backup is None:
        return f"there is no intact backup: {salvage}"
    made = backup.created.astimezone().strftime("%Y-%m-%d %H:%M")
    return (
        f"restore its newest intact backup (from {made}) with "
        f"'{where} restore {shlex.quote(str(backup.path))}', or {salvage}"
    )


def damaged_message(project_path: str | os.PathLike[str], detail: str) -> str:
    """One line for a project that fails its check when opened: what is wrong and the
    commands that restore its newest intact backup or salvage it."""
    project = Path(project_path)
    return f"the project file '{project.name}' is damaged ({_one_line(detail)}); " + _way_out(
        project, newest_intact_backup(project)
    )


def damaged_not_foreign(project_path: str | os.PathLike[str]) -> bool:
    """Whether a file SQLite cannot read is a damaged project rather than some other file
    given as one: it starts as an SQLite database does, or it has backups."""
    project = Path(project_path)
    try:
        with project.open("rb") as file:
            if file.read(16) == b"SQLite format 3\x00":
                return True
    except OSError:
        return False
    return bool(_scan(project))


def _refuse_if_in_use(project: Path) -> None:
    """Raise :class:`ProjectInUseError` while any other connection has the project open.

    An idle connection to a WAL database holds a shared lock that an exclusive-mode
    transaction cannot get past, so this also sees a window that is only reading.
    """
    try:
        conn = sqlite3.connect(f"{project.resolve().as_uri()}?mode=rw", uri=True, timeout=0.5)
    except sqlite3.Error:
        return  # not openable at all: nobody else has it open as a database either
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        message = str(error).lower()
        if "locked" in message or "busy" in message:
            raise ProjectInUseError(
                f"the project '{project.name}' is open in another window or program: "
                "close it there, then restore the backup"
            ) from None
    except sqlite3.Error:
        pass  # damaged beyond opening: nobody can be using it
    finally:
        conn.close()


def restore_backup(
    project_path: str | os.PathLike[str], backup_path: str | os.PathLike[str]
) -> Path | None:
    """Put a checked backup in place of the project; returns where the replaced project
    file was kept (``NAME.damaged-<stamp>.annotator`` when it failed its check, else
    ``NAME.replaced-<stamp>.annotator``, with its ``-wal``), or None when there was none.

    Nothing is deleted: the replaced file can be salvaged or restored back later. The backup
    is copied through SQLite's backup API into a new file, which is checked before it takes
    the project's name. Raises :class:`ProjectError` for a damaged, foreign or newer backup
    and :class:`ProjectInUseError` while the project is open elsewhere; neither changes
    anything.
    """
    project = Path(project_path)
    backup = Path(backup_path)
    if project.exists() and backup.exists() and project.resolve() == backup.resolve():
        raise ProjectError("a project cannot be restored from itself")
    if not backup.is_file():
        raise ProjectError(f"the backup '{backup}' does not exist")
    problem = _checked_problem(backup, thorough=True)
    if problem:
        raise ProjectError(f"the backup '{backup.name}' cannot be restored: {problem}")
    if project.exists():
        _refuse_if_in_use(project)
    stamp = datetime.now(UTC).strftime(_STAMP)
    fresh = project.with_name(f"{project.name}.restoring-{stamp}")
    try:
        with read_only(backup) as source:
            dest = sqlite3.connect(fresh)
            try:
                source.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest.close()
        problem = _problem(fresh, thorough=False)
        if problem:
            raise ProjectError(f"the restored copy of '{backup.name}' failed its check: {problem}")
    except (sqlite3.Error, OSError) as error:
        with contextlib.suppress(OSError):
            fresh.unlink()
        raise ProjectStorageError(
            f"the backup '{backup.name}' could not be copied beside '{project.name}' ({error})"
        ) from None
    except ProjectError:
        with contextlib.suppress(OSError):
            fresh.unlink()
        raise
    kept = None
    if project.exists():
        state = "damaged" if _problem(project, thorough=False) else "replaced"
        kept = project.with_name(f"{project.stem}.{state}-{stamp}{project.suffix}")
        project.rename(kept)
        for tail in ("-wal", "-shm", "-journal"):
            companion = project.with_name(project.name + tail)
            if companion.exists():
                companion.rename(kept.with_name(kept.name + tail))
    os.replace(fresh, project)
    return kept


__all__ = [
    "DAILY",
    "DAILY_INTERVAL",
    "KEEP_DAILY",
    "KEEP_PER_REASON",
    "BackupInfo",
    "daily_backup",
    "damaged_message",
    "damaged_not_foreign",
    "list_backups",
    "newest_intact_backup",
    "prune_backups",
    "read_only",
    "restore_backup",
    "write_backup",
]
