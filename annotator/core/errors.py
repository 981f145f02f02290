"""Typed errors with messages a reader can act on.

Every error the user can cause derives from :class:`AnnotatorError`; its ``str()`` is a
complete sentence that names the thing and the problem and, where possible, what to do.
The CLI prints it on one line and the GUI shows it in a dialog; neither shows a traceback.
"""

from __future__ import annotations


class AnnotatorError(Exception):
    """Base class of every error that is the user's to fix, not a bug."""


class DocumentError(AnnotatorError):
    """A file cannot be opened as a document (missing, a directory, binary, empty, encrypted...)."""


class SpanError(AnnotatorError):
    """Offsets that do not fit the document (out of range, reversed, not matching the quote)."""


class NotFoundError(AnnotatorError):
    """An id that names nothing in the project."""


class ProjectError(AnnotatorError):
    """The project file itself cannot be used (not a project, newer version, locked...)."""


class ProjectInUseError(ProjectError):
    """Another program (or another Annotator window) holds the project's write lock for
    longer than the busy timeout; retrying later is safe, nothing was written."""


class ProjectStorageError(ProjectError):
    """Writing to (or reading from) the project file failed: the disk is full, the file is
    read-only or damaged, or the disk reported an error. Nothing of the action was stored;
    the store stops taking writes until the reader acts (see ``Store.resume_writing``)."""


class ProjectDamagedError(ProjectStorageError):
    """The project file is damaged (SQLite reports a malformed database image): restore a
    backup or salvage what can be read."""


class WritingStoppedError(ProjectError):
    """A write was refused because an earlier write failed and the reader has not yet
    chosen what to do (try again, restore a backup, salvage)."""


class Cancelled(AnnotatorError):
    """Long work stopped because the reader asked it to; nothing half-done was kept."""

    def __init__(self, what: str = "the work") -> None:
        super().__init__(f"{what} was cancelled")


class FormatError(AnnotatorError):
    """An import file that is malformed; names the record and the field that are wrong."""

    def __init__(self, message: str, *, record: str | None = None, field: str | None = None):
        where = ", ".join(
            part
            for part in (f"record {record}" if record else "", f"field '{field}'" if field else "")
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.record = record
        self.field = field
