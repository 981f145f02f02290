"""Whether a document's file is still the one it was added from (the one hash check).

Shared by :func:`annotator.reanchoring.check_for_changes` and everything else that must not
work on a replaced file (the annotated PDF export, say). Reads files, writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from annotator.core.model import Document, DocumentId
from annotator.documents.base import sha256_file


@dataclass(frozen=True, slots=True)
class DocumentChange:
    """A document whose file is not what was added: ``changed`` (other bytes) or ``missing``."""

    document_id: DocumentId
    title: str
    path: str
    state: str  # "changed" | "missing"
    sha256: str | None = None  # of the file as it is now


def has_own_file(doc: Document) -> bool:
    """Added from a reading file of its own (not one of many from a JSONL, CoNLL… import),
    so a change of that file is a change of this document."""
    from annotator.documents import PAGED_SUFFIXES
    from annotator.documents.text import TEXT_SUFFIXES

    suffix = Path(doc.path).suffix.lower() if doc.path else ""
    return bool(suffix) and suffix in (TEXT_SUFFIXES | PAGED_SUFFIXES)


def file_change(doc: Document) -> DocumentChange | None:
    """How ``doc``'s file differs from the one it was added from (None: it is the same)."""
    path = Path(doc.path)
    if not path.is_file():
        return DocumentChange(doc.id, doc.title, doc.path, "missing")
    try:
        digest = sha256_file(str(path))
    except OSError:
        return DocumentChange(doc.id, doc.title, doc.path, "missing")
    if digest != doc.sha256:
        return DocumentChange(doc.id, doc.title, doc.path, "changed", digest)
    return None


__all__ = ["DocumentChange", "file_change"]
