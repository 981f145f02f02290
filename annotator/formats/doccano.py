"""doccano JSONL: ``{"text": ..., "label": [[start, end, "LABEL"], ...]}`` per line.

One line per document and annotator. Character offsets, end exclusive, overlaps allowed.
Document labels go in ``cats`` (doccano's text-classification export uses a list of
strings). ``title`` and ``annotator`` are extra keys doccano keeps as metadata on import.
doccano has no place for notes, colours, symbols or unlabelled highlights.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from annotator.core.errors import FormatError
from annotator.core.model import Annotation, AnnotationKind
from annotator.formats.exchange import (
    ExportData,
    IncomingAnnotation,
    IncomingDocument,
    Losses,
    gc_paused,
    jsonl,
    read_jsonl,
    require,
)


def records(data: ExportData, losses: Losses) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in data.each():
        document = item.document
        by_annotator: dict[str, list[Annotation]] = defaultdict(list)
        for annotation in item.annotations:
            by_annotator[annotation.annotator_id].append(annotation)
        for annotator_id, group in list(by_annotator.items()) or [("", [])]:
            labels: list[tuple[int, int, str]] = []
            cats: list[str] = []
            for a in group:
                if a.kind == AnnotationKind.DOC_LABEL and a.label:
                    cats.append(a.label)
                elif a.label and a.start < a.end:
                    labels.append((a.start, a.end, a.label))  # tuples: cheap for the GC
                    if a.note:
                        losses.add("doccano spans have no notes: {n} notes were left out")
                else:
                    losses.add(
                        "doccano holds labelled spans only: {n} highlights, comments or "
                        "summaries without a label were left out"
                    )
                    continue
                if a.color or a.symbol:
                    losses.add("doccano has no colours or symbols: {n} were left out")
            record: dict[str, Any] = {"text": document.text, "label": labels}
            if cats:
                record["cats"] = cats
            record["title"] = document.title
            if annotator_id:
                record["annotator"] = data.annotator_name(annotator_id)
            out.append(record)
    return out


def export(data: ExportData) -> tuple[str, list[str]]:
    losses = Losses()
    with gc_paused():
        text = jsonl(records(data, losses))
    return text, losses.warnings()


def parse(path: Path) -> tuple[list[IncomingDocument], list[str]]:
    documents: list[IncomingDocument] = []
    for number, line in read_jsonl(path):
        record = f"line {number}"
        text = line.get("text", line.get("data"))
        text = require(text, str, record=record, field="text")
        annotator = line.get("annotator") or line.get("user")
        annotator = str(annotator) if annotator is not None else None
        title = line.get("title") if isinstance(line.get("title"), str) else None
        incoming = IncomingDocument(
            title=title or f"{path.stem} {number}", record=record, text=text, path=str(path)
        )
        key = "label" if "label" in line else "labels" if "labels" in line else None
        spans = require(line.get(key, []) if key else [], list, record=record, field="label")
        cats = require(line.get("cats", []), list, record=record, field="cats")
        for index, entry in enumerate(spans):
            where = f"{key}[{index}]"
            if isinstance(entry, str):  # text classification: a list of labels
                cats.append(entry)
                continue
            if isinstance(entry, dict):  # doccano 1.x: {"start_offset", "end_offset", "label"}
                entry = [entry.get("start_offset"), entry.get("end_offset"), entry.get("label")]
            if not isinstance(entry, list) or len(entry) != 3:
                raise FormatError(
                    "should be [start, end, label] or a label", record=record, field=where
                )
            start = require(entry[0], int, record=record, field=f"{where}[0]")
            end = require(entry[1], int, record=record, field=f"{where}[1]")
            label = require(entry[2], str, record=record, field=f"{where}[2]")
            incoming.annotations.append(
                IncomingAnnotation(
                    start=start,
                    end=end,
                    kind=AnnotationKind.ENTITY,
                    label=label,
                    annotator=annotator,
                    record=record,
                    field=where,
                )
            )
        for index, label in enumerate(cats):
            require(label, str, record=record, field=f"cats[{index}]")
            incoming.annotations.append(
                IncomingAnnotation(
                    start=0,
                    end=0,
                    kind=AnnotationKind.DOC_LABEL,
                    label=label,
                    annotator=annotator,
                    record=record,
                    field=f"cats[{index}]",
                )
            )
        documents.append(incoming)
    return documents, []
