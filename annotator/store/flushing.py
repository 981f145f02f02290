"""Making committed writes durable off the committing thread: the window's highlight is not
kept waiting on the disk.

With ``synchronous = FULL`` every commit waits for an fsync of the write-ahead log: 1–4 ms on
a quiet SSD, tens of milliseconds on a busy or slow disk, which the window pays on the GUI
thread for every mark it adds. With ``synchronous = NORMAL`` a commit returns once its pages
are written to the log (a crash of the app loses nothing; the file is never corrupted, as
SQLite documents for WAL mode), and only a power cut before the next fsync could lose the
latest actions. :class:`WalFlusher` closes that window: a thread fsyncs the log as soon as a
commit is signalled (several commits in a row share one fsync), so a committed action is on
disk a few milliseconds later, and runs the checkpoints the committing connection no longer
runs (``wal_autocheckpoint = 0`` there), so copying the log into the database does not stall
the window either.

fsync applies to the file, not to the descriptor it is called on, so syncing the log through
a descriptor of our own flushes the pages SQLite's connection wrote. A failed fsync (the disk
reported an error: the pages may never reach it) is reported through ``on_failure``, which
stops writing until the reader has chosen what to do, as any other storage failure does.

Only for write-ahead logging with a library that has the WAL-reset fix
(:data:`annotator.store.sqlite.WAL_SAFE`): the checkpointing connection is a second writer
of the log, which that bug made unsafe; with a rollback journal, ``NORMAL`` could corrupt.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

from annotator.core.errors import ProjectStorageError
from annotator.store.sqlite import sqlite3

#: A checkpoint is run once the log file grows past this many bytes (SQLite's own default
#: is 1,000 pages of 4 KiB), after this many commits, or once no commit came for a while.
CHECKPOINT_BYTES = 4 * 1024 * 1024
CHECKPOINT_COMMITS = 200
IDLE_SECONDS = 2.0


class WalFlusher:
    """A thread that fsyncs a project's write-ahead log after each commit it is told of."""

    def __init__(
        self,
        path: Path,
        on_failure: Callable[[ProjectStorageError], None],
        *,
        checkpoint_bytes: int = CHECKPOINT_BYTES,
    ) -> None:
        self.path = path
        self.wal = Path(f"{path}-wal")
        self._on_failure = on_failure
        self._checkpoint_bytes = checkpoint_bytes
        self._lock = threading.Condition()
        self._committed = 0  # commits signalled so far
        self._durable = 0  # of those, how many are known to be on disk
        self._stopping = False
        self._failed = False
        self._thread = threading.Thread(target=self._run, name="annotator-wal-flush", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """A transaction was committed on the project's connection: make it durable soon."""
        with self._lock:
            self._committed += 1
            self._lock.notify_all()

    def wait_durable(self, timeout: float | None = None) -> bool:
        """Block until every commit signalled so far is on disk (True), or the timeout or a
        failure ends the wait (False)."""
        with self._lock:
            target = self._committed
            return (
                self._lock.wait_for(
                    lambda: self._durable >= target or self._failed or self._stopping,
                    timeout,
                )
                and self._durable >= target
            )

    def resume(self) -> None:
        """Try again after a failure was reported (the reader chose to retry)."""
        with self._lock:
            self._failed = False
            self._lock.notify_all()

    def close(self) -> None:
        """Make what is committed durable, then stop the thread."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        self._thread.join()

    # -- the thread -------------------------------------------------------------------------

    def _run(self) -> None:
        checkpointer = None
        since_checkpoint = 0  # commits synced since the last checkpoint
        size_at_checkpoint = self._log_size()
        try:
            while True:
                with self._lock:
                    woken = self._lock.wait_for(
                        lambda: (
                            (self._committed > self._durable and not self._failed) or self._stopping
                        ),
                        IDLE_SECONDS if since_checkpoint else None,
                    )
                    target, stopping = self._committed, self._stopping
                if target > self._durable and not self._failed:
                    if not self._sync():
                        continue
                    with self._lock:
                        since_checkpoint += target - self._durable
                        self._durable = target
                        self._lock.notify_all()
                # The log is reused from its start after a checkpoint, so its size only says
                # when more than ever was written since; otherwise, every so many commits and
                # whenever the window has been idle for a moment.
                size = self._log_size()
                if since_checkpoint and (
                    not woken
                    or since_checkpoint >= CHECKPOINT_COMMITS
                    or size > max(size_at_checkpoint, self._checkpoint_bytes)
                ):
                    checkpointer = checkpointer or self._connect()
                    if checkpointer is not None:
                        self._checkpoint(checkpointer)
                        since_checkpoint, size_at_checkpoint = 0, self._log_size()
                if stopping:
                    return
        finally:
            if checkpointer is not None:
                with contextlib.suppress(Exception):
                    checkpointer.close()
            with self._lock:
                self._stopping = True
                self._lock.notify_all()

    def _sync(self) -> bool:
        try:
            # Read-write: Windows flushes only handles opened for writing. Nothing is written.
            fd = os.open(self.wal, os.O_RDWR | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            return True  # the last connection closed and checkpointed it away: on disk
        except OSError as error:
            self._fail(error)
            return False
        try:
            os.fsync(fd)
        except OSError as error:
            self._fail(error)
            return False
        finally:
            os.close(fd)
        return True

    def _log_size(self) -> int:
        try:
            return self.wal.stat().st_size
        except OSError:
            return 0

    def _connect(self) -> sqlite3.Connection | None:
        """The checkpointing connection (this thread's own), or None for now: the log then
        waits, whole, for the next try or for the window's connection to close."""
        try:
            # mode=rw: a project file moved or deleted meanwhile is never created afresh.
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=rw", uri=True, timeout=0)
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error:
            return None
        return conn

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        # PASSIVE: copies what no reader still needs and never waits on the window's writes;
        # the log is restarted from its beginning by the next write once all of it is copied.
        with contextlib.suppress(sqlite3.Error):
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _fail(self, error: OSError) -> None:
        with self._lock:
            self._failed = True
            self._lock.notify_all()
        self._on_failure(
            ProjectStorageError(
                f"the disk reported an error while saving '{self.path.name}' "
                f"({error.strerror or error}): the latest changes may not have reached it. "
                "Copy the project somewhere safe, check the disk, then try again"
            )
        )
