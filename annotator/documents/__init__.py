"""Files → canonical text (plus page layout for paged documents).

:func:`load_document` picks the loader by file type; every loader returns a
:class:`LoadedDocument` or raises :class:`~annotator.core.errors.DocumentError`.
"""

from __future__ import annotations

import os
from pathlib import Path

from annotator.documents.base import LoadedDocument
from annotator.documents.text import check_readable_file, load_text

PAGED_SUFFIXES = {".pdf", ".epub", ".xps", ".oxps", ".cbz", ".fb2", ".mobi"}


def is_paged(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in PAGED_SUFFIXES


def load_document(path: str | os.PathLike[str], password: str | None = None) -> LoadedDocument:
    """Load any supported file; paged formats go through PyMuPDF."""
    file = Path(path)
    check_readable_file(file)
    if is_paged(file):
        from annotator.documents.pdf import load_pdf

        return load_pdf(file, password=password)
    return load_text(file)


__all__ = ["LoadedDocument", "is_paged", "load_document"]
