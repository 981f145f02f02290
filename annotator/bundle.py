"""Project bundles: a zip of the project's JSON plus its source files, to move a corpus to
another annotator's machine and merge their work back.

A bundle holds ``manifest.json`` (format, version, and the SHA-256 and size of every file),
``project.json`` (the native export, texts included) and ``sources/<document id>/<file>``.
Importing treats the archive as hostile until proven otherwise, and checks all of it before
writing a byte: only those three kinds of entry, no absolute paths, no ``..``, no symbolic
links, no entries overlapping inside the archive, no archive inside the archive (EPUB
documents excepted), sizes and compression ratios within limits, and each source file's hash
as the manifest says. The project part goes through the native importer (validate, then one
transaction), which matches by id and hash, so importing the same bundle twice changes
nothing the second time.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from annotator.core.errors import FormatError
from annotator.documents.base import sha256_file
from annotator.formats.archives import (
    ArchiveLimits,
    check_entry_count,
    check_entry_size,
    check_no_overlap,
    check_total,
    read_limited,
)

if TYPE_CHECKING:
    from annotator.formats.native import ImportReport
    from annotator.project import Project

BUNDLE_FORMAT = "annotator-bundle"
BUNDLE_VERSION = 1
MANIFEST = "manifest.json"
PROJECT_JSON = "project.json"
SOURCES = "sources"
_ZIP_MAGIC = b"PK\x03\x04"


#: What an imported bundle may hold at most; shared with the other archive importers.
BundleLimits = ArchiveLimits
_DEFAULT_LIMITS = BundleLimits()


@dataclass(frozen=True, slots=True)
class BundleImportReport:
    project: ImportReport
    files_written: int
    files_already_present: int
    folder: Path

    def summary(self) -> str:
        return (
            f"{self.project.summary()}; {self.files_written} source files written to "
            f"'{self.folder}', {self.files_already_present} already there"
        )


# -- export ---------------------------------------------------------------------------------


def export_bundle(
    project: Project, target: str | os.PathLike[str], document_ids: list[str] | None = None
) -> Path:
    """Write the project (or some documents) with their source files to a zip at ``target``.

    Source files that are missing or no longer match their document's hash are left out
    (the texts are in ``project.json`` in any case). Written to a temporary file first, so
    an interrupted export never leaves a half bundle under the target name.
    """
    target = Path(target)
    data = project.export_json(document_ids)
    project_bytes = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    files: dict[str, dict[str, Any]] = {PROJECT_JSON: _entry(project_bytes)}
    sources: list[tuple[str, Path]] = []
    for doc in data["documents"]:
        path = Path(doc.get("source") or "")
        if not doc.get("source") or not path.is_file():
            continue
        if sha256_file(str(path)) != doc["sha256"]:
            continue
        name = f"{SOURCES}/{doc['id']}/{_safe_name(path.name)}"
        files[name] = {"sha256": doc["sha256"], "size": path.stat().st_size}
        sources.append((name, path))
    manifest = {"format": BUNDLE_FORMAT, "version": BUNDLE_VERSION, "files": files}
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".part")
    os.close(handle)
    try:
        with zipfile.ZipFile(tmp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
            archive.writestr(PROJECT_JSON, project_bytes)
            for name, path in sources:
                archive.write(path, name)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def _entry(data: bytes) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _safe_name(name: str) -> str:
    cleaned = "".join(ch if ch.isprintable() and ch not in '/\\:*?"<>|' else "_" for ch in name)
    return cleaned.strip(". ") or "document"


# -- import ---------------------------------------------------------------------------------


def import_bundle(
    project: Project,
    bundle: str | os.PathLike[str],
    folder: str | os.PathLike[str] | None = None,
    *,
    limits: BundleLimits = _DEFAULT_LIMITS,
) -> BundleImportReport:
    """Check a bundle completely, then put its source files under ``folder`` (default: a
    folder beside the project) and merge its project into ``project``.

    Raises :class:`FormatError` naming the entry and the problem for anything unsafe or
    malformed; nothing is written then.
    """
    path = Path(bundle)
    folder = (
        Path(folder) if folder is not None else project.path.with_name(f"{project.path.stem} files")
    )
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise FormatError(f"'{name}' does not exist") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise FormatError(
            f"'{name}' is not a project bundle (not a readable zip: {error})"
        ) from None
    with archive:
        infos = _check_entries(archive, name, limits)
        manifest = _read_json(archive, infos[MANIFEST], name, limits)
        _check_manifest(manifest, infos, name)
        data = _read_json(archive, infos[PROJECT_JSON], name, limits)
        _check_hash(archive, infos[PROJECT_JSON], manifest["files"][PROJECT_JSON], name, limits)
        from annotator.formats.native import validate

        validate(data)  # before any source file is written
        plan = _plan_files(archive, infos, manifest, folder, name, limits)
        new_files: list[Path] = []
        already = 0
        try:
            for info, destination in plan:
                if destination.exists():
                    already += 1
                    continue
                _extract(archive, info, destination, folder, manifest["files"][info.filename],
                         name, limits)  # fmt: skip
                new_files.append(destination)
            report = project.import_json(data)
        except BaseException:
            for written_file in new_files:  # a refused import leaves no files behind
                written_file.unlink(missing_ok=True)
            raise
    # Point the documents at their files on this machine (the hash identifies them).
    moved = {}
    for info, destination in plan:
        sha256 = manifest["files"][info.filename]["sha256"]
        document = project.document_by_sha256(sha256)
        if document is not None and document.path != str(destination.resolve()):
            moved[document.id] = str(destination.resolve())
    project.set_document_paths(moved)
    return BundleImportReport(report, len(new_files), already, folder)


def _check_entries(
    archive: zipfile.ZipFile, name: str, limits: BundleLimits
) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    check_entry_count(len(infos), name, limits)
    by_name: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        entry = info.filename
        _check_entry_name(entry, name)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise FormatError(f"'{name}' contains a symbolic link ('{entry}'): refused")
        if info.is_dir():
            continue
        if entry in by_name:
            raise FormatError(f"'{name}' contains '{entry}' twice: refused")
        check_entry_size(info, name, limits)
        total += info.file_size
        by_name[entry] = info
    check_total(total, name, limits)
    check_no_overlap(infos, name)
    for required in (MANIFEST, PROJECT_JSON):
        if required not in by_name:
            raise FormatError(f"'{name}' is not a project bundle: it has no {required}")
    return by_name


def _check_entry_name(entry: str, name: str) -> None:
    if "\x00" in entry or "\\" in entry:
        raise FormatError(f"'{name}' contains an entry with a forbidden character: refused")
    if entry.startswith("/") or (len(entry) > 1 and entry[1] == ":"):
        raise FormatError(f"'{name}' contains an absolute path ('{entry}'): refused")
    parts = PurePosixPath(entry).parts
    if ".." in parts:
        raise FormatError(
            f"'{name}' contains a path leading out of its folder ('{entry}'): refused"
        )
    stripped = entry.rstrip("/")
    if stripped in (MANIFEST, PROJECT_JSON, SOURCES):
        return
    if len(parts) == 2 and parts[0] == SOURCES and entry.endswith("/"):
        return
    if len(parts) != 3 or parts[0] != SOURCES or parts[2] in (".", ""):
        raise FormatError(f"'{name}' contains an unexpected entry '{entry}': refused")


def _read_json(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: BundleLimits
) -> Any:
    try:
        raw = read_limited(archive, info, limits.max_json_bytes, name)
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, zipfile.BadZipFile, OSError) as error:
        raise FormatError(f"'{info.filename}' in '{name}' is not readable JSON ({error})") from None
    except RuntimeError as error:  # encrypted entries
        raise FormatError(f"'{info.filename}' in '{name}' cannot be read ({error})") from None


def _check_manifest(manifest: Any, infos: dict[str, zipfile.ZipInfo], name: str) -> None:
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != BUNDLE_FORMAT
        or not isinstance(manifest.get("files"), dict)
    ):
        raise FormatError(f"'{name}' is not an Annotator project bundle (bad manifest)")
    if manifest.get("version") != BUNDLE_VERSION:
        raise FormatError(
            f"'{name}' is bundle version {manifest.get('version')!r}; this Annotator reads "
            f"version {BUNDLE_VERSION}"
        )
    files = manifest["files"]
    for entry in infos:
        if entry == MANIFEST:
            continue
        meta = files.get(entry)
        if (
            not isinstance(meta, dict)
            or not isinstance(meta.get("sha256"), str)
            or not isinstance(meta.get("size"), int)
        ):
            raise FormatError(f"'{entry}' in '{name}' is not listed in the bundle's manifest")
        if meta["size"] != infos[entry].file_size:
            raise FormatError(f"'{entry}' in '{name}' is not the size the manifest says")


def _check_hash(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    meta: dict[str, Any],
    name: str,
    limits: BundleLimits,
) -> None:
    digest = hashlib.sha256(read_limited(archive, info, limits.max_json_bytes, name)).hexdigest()
    if digest != meta["sha256"]:
        raise FormatError(f"'{info.filename}' in '{name}' was changed after the bundle was made")


def _plan_files(
    archive: zipfile.ZipFile,
    infos: dict[str, zipfile.ZipInfo],
    manifest: dict[str, Any],
    folder: Path,
    name: str,
    limits: BundleLimits,
) -> list[tuple[zipfile.ZipInfo, Path]]:
    root = folder.resolve()
    plan = []
    for entry, info in infos.items():
        if not entry.startswith(SOURCES + "/"):
            continue
        _, doc_id, file_name = PurePosixPath(entry).parts
        destination = folder / doc_id / file_name
        resolved = destination.resolve()
        if not resolved.is_relative_to(root) or destination.is_symlink():
            raise FormatError(f"'{entry}' in '{name}' would be written outside '{folder}': refused")
        if destination.exists() and (
            not destination.is_file()
            or sha256_file(str(destination)) != (manifest["files"][entry]["sha256"])
        ):
            raise FormatError(
                f"'{destination}' already exists with other content: move it away and import again"
            )
        with archive.open(info) as stream:
            head = stream.read(4)
        if head == _ZIP_MAGIC and not file_name.lower().endswith(".epub"):
            raise FormatError(f"'{entry}' in '{name}' is itself an archive: refused")
        plan.append((info, destination))
    return plan


def _extract(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    destination: Path,
    folder: Path,
    meta: dict[str, Any],
    name: str,
    limits: BundleLimits,
) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    if not destination.parent.resolve().is_relative_to(folder.resolve()):
        raise FormatError(f"'{info.filename}' in '{name}' would be written outside '{folder}'")
    handle, tmp_name = tempfile.mkstemp(dir=destination.parent, suffix=".part")
    digest = hashlib.sha256()
    written = 0
    try:
        with os.fdopen(handle, "wb") as out, archive.open(info) as stream:
            while chunk := stream.read(1 << 20):
                written += len(chunk)
                if written > info.file_size or written > limits.max_file_bytes:
                    raise FormatError(f"'{info.filename}' in '{name}' is larger than it claims")
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != meta["sha256"]:
            raise FormatError(
                f"'{info.filename}' in '{name}' does not match its hash in the manifest"
            )
        os.replace(tmp_name, destination)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


__all__ = ["BundleImportReport", "BundleLimits", "export_bundle", "import_bundle"]
