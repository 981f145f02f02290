"""The annotated PDF: a copy of the reading with its highlights and notes as PDF annotations.

Export writes one PDF document's annotations into a copy of its file (highlight
annotations with popup text, colour, author, the label as subject and the annotation id as
name, so importing the copy again recognises them). Import reads the highlights, notes
and area marks already in any PDF and adds the PDF with them.
"""

from __future__ import annotations

from pathlib import Path

from annotator.core.errors import AnnotatorError
from annotator.core.model import AnnotationKind, DocumentKind
from annotator.documents.pdf import load_pdf
from annotator.documents.pdf_annotations import PdfMark, read_pdf_marks, write_annotated_pdf
from annotator.formats.exchange import ExportData, IncomingAnnotation, IncomingDocument
from annotator.source_files import file_change


def export_to(data: ExportData, out: Path) -> list[str]:
    if len(data.documents) != 1:
        raise AnnotatorError(
            f"an annotated PDF holds one document, but {len(data.documents)} were chosen: "
            "name one with --document"
        )
    item = data.documents[0]
    document = item.document
    if document.kind != DocumentKind.PDF:
        raise AnnotatorError(
            f"'{document.title}' is not a PDF: export its annotations as markdown, csv or json"
        )
    source = Path(document.path)
    if not source.is_file():
        raise AnnotatorError(
            f"the PDF of '{document.title}' is no longer at '{source}': add the file again "
            "(it is found by its content) and export once more"
        )
    if file_change(document) is not None:
        # The offsets count in the text of the file that was annotated; on other bytes they
        # would land on other words, so nothing is written until the annotations follow.
        raise AnnotatorError(
            f"'{source}' is no longer the file '{document.title}' was annotated on (its "
            "content has changed): re-anchor the annotations to it first (Document → "
            f"Re-anchor…, or `annotator reanchor {document.id} {source}`), then export again"
        )
    marks = [
        PdfMark(
            start=a.start,
            end=a.end,
            color=a.color,
            author=data.annotator_name(a.annotator_id),
            note=a.note,
            label=a.label,
            page=a.page,
            rect=a.rect,
            id=a.id,
        )
        for a in item.annotations
        if a.kind != AnnotationKind.DOC_LABEL
    ]
    warnings = []
    symbols = sum(1 for a in item.annotations if a.symbol)
    if symbols:
        warnings.append(f"PDF annotations have no symbols: {symbols} were left out")
    labels = sum(1 for a in item.annotations if a.kind == AnnotationKind.DOC_LABEL)
    if labels:
        warnings.append(f"a PDF has no document labels: {labels} were left out")
    report = write_annotated_pdf(source, out, marks, document)
    for mark, reason in report.skipped:
        quote = document.text[mark.start : mark.end][:40]
        warnings.append(f"the annotation on {quote!r} was not written: {reason}")
    return warnings


def parse(path: Path) -> tuple[list[IncomingDocument], list[str]]:
    """The PDF as a document, with the annotations already in it."""
    loaded = load_pdf(path)
    read = read_pdf_marks(path, loaded)
    marks = read.marks
    incoming = IncomingDocument(
        title=loaded.title, record=path.name, loaded=loaded, path=str(path.resolve())
    )
    empty = 0
    for number, mark in enumerate(marks, start=1):
        if not mark.is_area and mark.start >= mark.end:
            empty += 1  # a sticky note far from any text: nothing to anchor it to
            continue
        kind = AnnotationKind.COMMENT if mark.note else AnnotationKind.HIGHLIGHT
        incoming.annotations.append(
            IncomingAnnotation(
                start=mark.start,
                end=mark.start if mark.is_area else mark.end,
                kind=kind,
                record=f"PDF annotation {number} (page {(mark.page or 0) + 1})",
                field=mark.pdf_type,
                label=mark.label,
                note=mark.note,
                annotator=mark.author or None,
                color=mark.color,
                id=_uuid_or_none(mark.id),
                page=mark.page if mark.is_area else None,
                rect=mark.rect if mark.is_area else None,
                source="import:pdf",
            )
        )
    warnings = [f"{empty} notes in the PDF lie on no text and were not imported"] if empty else []
    if read.clamped:
        warnings.append(f"{read.clamped} areas reached past their page and were cut to it")
    if read.dropped:
        empty_areas = read.dropped
        warnings.append(f"{empty_areas} areas were empty, NaN or off their page: not imported")
    return [incoming], warnings


def _uuid_or_none(value: str | None) -> str | None:
    import uuid

    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
