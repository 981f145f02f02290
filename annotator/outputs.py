"""Where exports may be written, and writing them so that a failure leaves nothing behind.

Every file the CLI or the window writes for the reader (an export, an agreement report) goes
through here: :func:`refuse_unsafe_output` keeps it off the project file, its SQLite
companions, its backups and the documents' own source files (a one-word slip in ``-o``
would otherwise replace the database); :func:`write_text`, :func:`write_file` and
:func:`write_folder` write under a temporary name in the same folder and rename it into
place, and remove the temporary file when writing fails. Qt-free: the window calls it too.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol, TypeVar

from annotator.core.errors import AnnotatorError
from annotator.core.model import Document
from annotator.recovery import is_backup_name

T = TypeVar("T")

#: The files SQLite keeps beside a database while it is open or mid-transaction.
COMPANIONS = ("-wal", "-shm", "-journal")


class OpenProject(Protocol):
    """What output safety needs of an open project (a :class:`~annotator.project.Project`):
    its file and its documents' source files. Kept this narrow so the service can use this
    module without this module knowing the service."""

    path: Path

    def document_headers(self) -> list[Document]: ...


class OutputError(AnnotatorError):
    """An output path that would overwrite something the project needs, or an output that
    could not be written (nothing was left behind)."""


def _resolved(path: str | os.PathLike[str]) -> Path:
    return Path(path).expanduser().resolve()


def _identity(path: Path) -> tuple[int, int] | None:
    """Device and inode: the same file under another name (a hard link, a case-insensitive
    disk) has the same."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


class ProtectedFiles:
    """The files an output must never replace: the project file, its SQLite companions,
    its backups (by name, made or yet to be made) and every document's source file."""

    def __init__(
        self, project_path: str | os.PathLike[str], document_paths: Iterable[str] = ()
    ) -> None:
        self.project = _resolved(project_path)
        self.what: dict[Path, str] = {self.project: f"the project file '{self.project.name}'"}
        for tail in COMPANIONS:
            name = self.project.name + tail
            self.what[self.project.with_name(name)] = f"the project's SQLite file '{name}'"
        for raw in document_paths:
            if raw and "://" not in raw:
                path = _resolved(raw)
                self.what.setdefault(path, f"the source file of a document ('{path.name}')")
        self.by_identity = {
            identity: what
            for path, what in self.what.items()
            if (identity := _identity(path)) is not None
        }

    @classmethod
    def of(cls, project: OpenProject) -> ProtectedFiles:
        """Those of an open project."""
        return cls(project.path, (document.path for document in project.document_headers()))

    def check(self, output: str | os.PathLike[str], *, folder: bool = False) -> None:
        """Raise :class:`OutputError` when writing ``output`` would replace one of the files
        (symlinks resolved). ``folder``: the output is a folder of files (brat), refused
        when it holds the project."""
        target = _resolved(output)
        advice = "choose another file name or folder to write to"
        identity = _identity(target)
        what = self.what.get(target) or (self.by_identity.get(identity) if identity else None)
        if what is not None:
            raise OutputError(f"'{output}' is {what}: writing there would replace it; {advice}")
        if is_backup_name(self.project, target):
            raise OutputError(
                f"'{output}' is named as a backup of the project '{self.project.name}': writing "
                f"there would replace or pose as one; {advice}"
            )
        if folder and (target == self.project.parent or target in self.project.parent.parents):
            raise OutputError(
                f"the folder '{output}' holds the project file '{self.project.name}': export "
                "to a folder of its own"
            )


def refuse_unsafe_output(
    project: OpenProject, output: str | os.PathLike[str], *, folder: bool = False
) -> None:
    """Raise :class:`OutputError` when ``output`` would replace the project file, its
    ``-wal``/``-shm``/``-journal``, a backup or a document's source (see
    :class:`ProtectedFiles`)."""
    ProtectedFiles.of(project).check(output, folder=folder)


def _failed(path: Path, error: OSError) -> OutputError:
    """One line that names the file, says why and what to do (a bare ``OSError`` names
    the temporary file, or nothing)."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        free = ""
        with contextlib.suppress(OSError):
            free = f" ({shutil.disk_usage(path.parent).free / 1024**2:.1f} MB free)"
        return OutputError(
            f"'{path}' could not be written: the disk is full{free}; nothing was written: "
            "free some space or export to another disk"
        )
    reason = error.strerror or str(error)
    return OutputError(f"'{path}' could not be written: {reason}; nothing was written")


def _temporary_name(path: Path, suffix: str = "") -> Path:
    return path.with_name(f"{path.name}.{secrets.token_hex(4)}.part{suffix}")


def _temporary_beside(path: Path, *, suffix: str = "") -> Path:
    """A new empty file in ``path``'s folder (a rename within one disk is atomic), with the
    permissions of any new file (``mkstemp``'s 0600 would stay on the export)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        name = _temporary_name(path, suffix)
        try:
            os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return name


def _remove(path: Path) -> None:
    """Remove a temporary file and the ``.part`` a format's writer may have put beside it."""
    for leftover in (path, path.with_name(path.name + ".part")):
        with contextlib.suppress(OSError):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()


def write_file(path: str | os.PathLike[str], writer: Callable[[Path], T]) -> T:
    """Let ``writer`` write a temporary file beside ``path`` (with the same extension, which
    some writers go by), then rename it into place. Whatever ``writer`` raises, the
    temporary file is removed; an ``OSError`` becomes an :class:`OutputError` naming ``path``.
    """
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"'{target}' is a folder: give a file name to write to")
    try:
        temporary = _temporary_beside(target, suffix=target.suffix)
    except OSError as error:
        raise _failed(target, error) from None
    try:
        result = writer(temporary)
        os.replace(temporary, target)
    except OSError as error:
        _remove(temporary)
        raise _failed(target, error) from None
    except AnnotatorError as error:
        _remove(temporary)
        raise _named(error, temporary, target) from None
    except BaseException:
        _remove(temporary)
        raise
    return result


def _named(error: AnnotatorError, temporary: Path, target: Path) -> AnnotatorError:
    """A writer's own error names the file it was given: name the reader's file instead."""
    message = str(error)
    if str(temporary) not in message and temporary.name not in message:
        return error
    message = message.replace(str(temporary), str(target)).replace(temporary.name, target.name)
    try:
        return type(error)(message)
    except TypeError:
        return OutputError(message)


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` (newlines as they are) under a temporary name, then rename it."""

    def write(temporary: Path) -> None:
        with open(temporary, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())

    write_file(path, write)


def write_folder(
    path: str | os.PathLike[str],
    writer: Callable[[Path], T],
    check: Callable[[Path], None] | None = None,
) -> T:
    """Let ``writer`` fill a new temporary folder beside ``path``, then move it into place:
    renamed whole when ``path`` does not exist yet, else file by file (each file's rename is
    atomic; other files already in the folder are left alone). ``check(file)`` is called for
    every destination before anything is moved (to refuse a document's source file)."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise OutputError(f"'{target}' is a file: give a folder (or a .zip name) to write to")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = _temporary_name(target)
        staging.mkdir()
    except OSError as error:
        raise _failed(target, error) from None
    try:
        result = writer(staging)
        files = sorted(p for p in staging.rglob("*") if p.is_file())
        destinations = [target / p.relative_to(staging) for p in files]
        if check is not None:
            for destination in destinations:
                check(destination)
        if not target.exists():
            os.rename(staging, target)
            return result
        for source, destination in zip(files, destinations, strict=True):
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, destination)
    except OSError as error:
        raise _failed(target, error) from None
    finally:
        with contextlib.suppress(OSError):
            if staging.exists():
                shutil.rmtree(staging)
    return result
