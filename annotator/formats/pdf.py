"""The annotated PDF: a copy of the reading with what the reader meant as PDF annotations.

Export writes one PDF document's annotations into a copy of its file so that Zotero, Okular,
Acrobat or a browser shows what each one meant (:mod:`annotator.formats.pdf_meaning`:
highlights stay highlights, symbols are underlines carrying the symbol, summaries and links
are sticky notes in the margin, never marks painting a section). Every annotation also keeps
its kind, symbol, label and note in its ``/AnnotatorData`` and its id as its name, so
importing the copy again gives back the same kinds (and links). Import reads the highlights,
notes and area marks already in any PDF and adds the PDF with them.
"""

from __future__ import annotations

from pathlib import Path

from annotator.core.errors import AnnotatorError
from annotator.core.model import AnnotationKind, DocumentKind, LabelSetKind
from annotator.core.words import agree, counted
from annotator.documents.pdf import load_pdf
from annotator.documents.pdf_annotations import read_pdf_marks, write_annotated_pdf
from annotator.formats.exchange import ExportData, IncomingAnnotation, IncomingDocument
from annotator.formats.pdf_meaning import kind_of, own_color, pdf_marks
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
    label_colors = {label.name: label.color for s in data.label_sets for label in s.labels}
    meanings = {
        label.color: label.name
        for s in data.label_sets
        if s.kind == LabelSetKind.LEGEND
        for label in s.labels
    }
    marks, warnings = pdf_marks(
        document,
        item.annotations,
        data.links,
        names=data.annotator_names,
        label_colors=label_colors,
        meanings=meanings,
        navigation=data.navigation(document),
    )
    report = write_annotated_pdf(source, out, marks, document)
    for mark, reason in report.skipped:
        quote = document.text[mark.start : mark.end][:40]
        warnings.append(f"the annotation on {quote!r} was not written: {reason}")
    return warnings


def parse(path: Path) -> tuple[list[IncomingDocument], list[str]]:
    """The PDF as a document, with the annotations already in it (and, for Annotator's own
    export, their kinds, symbols and links as they were)."""
    loaded = load_pdf(path)
    read = read_pdf_marks(path, loaded)
    marks = read.marks
    incoming = IncomingDocument(
        title=loaded.title, record=path.name, loaded=loaded, path=str(path.resolve())
    )
    empty = 0
    for number, mark in enumerate(marks, start=1):
        if mark.kind == "link":
            incoming.links.extend(mark.links)
            continue
        kind = kind_of(mark)
        whole = kind == AnnotationKind.SUMMARY and mark.start == mark.end
        if not mark.is_area and mark.start >= mark.end and not whole:
            empty += 1  # a sticky note far from any text: nothing to anchor it to
            continue
        start = 0 if whole else mark.start  # the whole reading's summary sits at 0, 0
        incoming.annotations.append(
            IncomingAnnotation(
                start=start,
                end=start if mark.is_area or whole else mark.end,
                kind=kind,
                record=f"PDF annotation {number} (page {(mark.page or 0) + 1})",
                field=mark.pdf_type,
                label=mark.label,
                note=mark.note,
                annotator=mark.author or None,
                color=own_color(mark),
                symbol=mark.symbol,
                id=_uuid_or_none(mark.id),
                page=mark.page if mark.is_area else None,
                rect=mark.rect if mark.is_area else None,
                source="import:pdf",
            )
        )
    warnings = []
    if empty:
        lie = agree(empty, "lies", "lie")
        warnings.append(f"{counted(empty, 'note')} in the PDF {lie} on no text: not imported")
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
