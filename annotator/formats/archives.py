"""Limits on what an imported archive or folder may unpack to (zip bombs, huge corpora).

Project bundles and brat zips/folders share these checks, so one hostile file is refused the
same way whichever importer reads it: entry count, each file's size, the total, the
compression ratio and overlapping entries are checked from the zip's directory before any
entry is read, and each entry is then read with a cap, since the sizes a zip states can lie.
Qt-free, so that importers can use it headless.
"""

from __future__ import annotations

import itertools
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from annotator.core.errors import FormatError


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """What an imported archive or folder may hold at most (defaults fit a large corpus of
    books)."""

    max_entries: int = 10_000
    max_total_bytes: int = 4 * 1024**3
    max_file_bytes: int = 1024**3
    max_json_bytes: int = 512 * 1024**2
    # Text compresses about 3-10x; a ratio far beyond that is a zip bomb, not a corpus.
    max_ratio: float = 200.0


def check_entry_count(count: int, name: str, limits: ArchiveLimits) -> None:
    if count > limits.max_entries:
        raise FormatError(
            f"'{name}' holds {count} files, more than the {limits.max_entries} an import may "
            "hold: refused"
        )


def check_entry_size(info: zipfile.ZipInfo, name: str, limits: ArchiveLimits) -> None:
    """Refuse an entry that states a size over the limit or a zip bomb's compression ratio."""
    if info.file_size > limits.max_file_bytes:
        raise FormatError(
            f"'{info.filename}' in '{name}' would unpack to {info.file_size:,} bytes, more than "
            f"the {limits.max_file_bytes:,} allowed: refused"
        )
    ratio = info.file_size / max(1, info.compress_size)
    if info.file_size > 1024 * 1024 and ratio > limits.max_ratio:
        raise FormatError(
            f"'{info.filename}' in '{name}' is compressed {ratio:,.0f} to 1, a sign of a zip "
            "bomb: refused"
        )


def check_total(total: int, name: str, limits: ArchiveLimits) -> None:
    if total > limits.max_total_bytes:
        raise FormatError(
            f"'{name}' would unpack to {total:,} bytes, more than the "
            f"{limits.max_total_bytes:,} allowed: refused"
        )


def check_no_overlap(infos: list[zipfile.ZipInfo], name: str) -> None:
    """Refuse entries sharing compressed data (the "overlapping files" zip bomb)."""
    spans = sorted((i.header_offset, i.header_offset + i.compress_size) for i in infos)
    for (start, end), (next_start, _) in itertools.pairwise(spans):
        if next_start < end or next_start == start:
            raise FormatError(f"'{name}' has overlapping entries (a zip bomb): refused")


def check_zip(archive: zipfile.ZipFile, name: str, limits: ArchiveLimits) -> list[zipfile.ZipInfo]:
    """The archive's file entries, once count, sizes, ratios, total and overlaps are within
    ``limits``; nothing is decompressed."""
    infos = archive.infolist()
    check_entry_count(len(infos), name, limits)
    files = [info for info in infos if not info.is_dir()]
    for info in files:
        check_entry_size(info, name, limits)
    check_total(sum(info.file_size for info in files), name, limits)
    check_no_overlap(infos, name)
    return files


def read_limited(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, name: str) -> bytes:
    """The entry's bytes, refused if more come out than it claims or than ``limit``."""
    # The sizes in the header may lie; count what actually comes out.
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit or len(data) != info.file_size:
        raise FormatError(f"'{info.filename}' in '{name}' is not the size it claims: refused")
    return data


def folder_files(folder: Path, limits: ArchiveLimits) -> list[Path]:
    """Every regular file under ``folder`` (symbolic links to folders not followed, so a
    link loop cannot run forever), refused as a whole if the count or sizes are over the
    limits, before any file is read."""
    found: list[Path] = []
    total = 0
    for root, _dirs, names in os.walk(folder, followlinks=False):
        for file_name in names:
            path = Path(root) / file_name
            if not path.is_file():
                continue
            found.append(path)
            check_entry_count(len(found), folder.name, limits)
            size = path.stat().st_size
            if size > limits.max_file_bytes:
                raise FormatError(
                    f"'{path.relative_to(folder)}' in '{folder.name}' is {size:,} bytes, more "
                    f"than the {limits.max_file_bytes:,} allowed: refused"
                )
            total += size
            check_total(total, folder.name, limits)
    return sorted(found)


def read_file_limited(path: Path, limits: ArchiveLimits, shown: str) -> bytes:
    """A file's bytes, refused if it is (or grows) over the per-file limit."""
    with open(path, "rb") as handle:
        data = handle.read(limits.max_file_bytes + 1)
    if len(data) > limits.max_file_bytes:
        raise FormatError(
            f"'{shown}' is more than the {limits.max_file_bytes:,} bytes allowed: refused"
        )
    return data
