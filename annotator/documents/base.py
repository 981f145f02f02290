"""What every document loader returns: a canonical text plus what identifies it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from annotator.core.model import DocumentKind


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """A file turned into the canonical text that annotations count their offsets in.

    ``sha256`` is the hash of the file's bytes (its identity: the same file added twice is one
    document, a moved file is found by it); ``text_sha256`` is the hash of the canonical text.
    ``page_map`` holds the ``(start, end)`` text range of every page of a paged document.
    """

    title: str
    kind: DocumentKind
    text: str
    sha256: str
    text_sha256: str
    encoding: str = "utf-8"
    page_map: tuple[tuple[int, int], ...] = ()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: str, chunk_size: int = 1 << 20) -> str:
    """Hash a file without reading it into memory at once (PDFs can be hundreds of MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()
