"""Naming a section a summary covers: by its heading, never by its whole text.

Shared by the Markdown notes and the annotated PDF, and free of the export machinery so that
the project (which writes the annotated PDF) can use it too.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from annotator.core.model import Document

if TYPE_CHECKING:
    from annotator.documents.pdf import PdfNavigation

HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
"""An ATX Markdown heading line: its hashes and its title."""


def section_heading(
    document: Document, start: int, end: int, navigation: PdfNavigation | None = None
) -> str:
    """The heading of the section ``start..end`` (a section summary's span): the Markdown
    heading it begins with, the PDF's contents entry for its first page, else its first
    line, shortened."""
    heading = HEADING.match(document.text, start)
    if heading is not None and heading.start() < end:
        return heading.group(2).strip()
    page = document.page_of(start)
    if page is not None and navigation is not None:
        title = navigation.heading_at(page)
        if title:
            return title
    for line in document.text[start:end].splitlines():
        line = " ".join(line.lstrip("#").split())
        if line:
            return line if len(line) <= 80 else line[:79] + "…"
    return "(an empty section)"
