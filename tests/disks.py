"""A real, small disk for tests of what happens when it is full (tmpfs; needs root)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_disk(folder: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``folder``; the test is skipped where mounting is not
    allowed."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, *, leave: int = 0) -> Path:
    """Fill the disk until ``leave`` bytes are free (0: to the last byte); returns the filler,
    which frees the space when deleted."""

    def free() -> int:
        stats = os.statvfs(folder)
        return stats.f_bavail * stats.f_frsize

    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as out:
        with contextlib.suppress(OSError):
            while free() > leave + 65536:
                out.write(b"\0" * 65536)
        with contextlib.suppress(OSError):
            while free() > leave:
                out.write(b"\0" * 4096)
        if not leave:
            with contextlib.suppress(OSError):
                while True:
                    out.write(b"\0")
    return filler
