"""Prodigy JSONL (the ``db-out`` shape): one task per line, per document and annotator.

A task holds the text, its spaCy tokens, the labelled spans (character offsets plus token
indices; Prodigy's ``token_end`` is **inclusive**), ``answer`` and ``_annotator_id``.
Document labels become ``accept`` with ``options``. Prodigy has no place for unlabelled
highlights, notes, colours or symbols: the export counts them as warnings.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import spacy  # noqa: F401 - the package before its submodules: annotator.nlp.spacy_library
from spacy.tokens import Doc

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
from annotator.nlp.tokens import token_index

SPAN_KINDS = (AnnotationKind.ENTITY, AnnotationKind.SENTIMENT)


def tasks(data: ExportData, losses: Losses) -> list[dict[str, Any]]:
    """The Prodigy tasks of ``data``: one per document and annotator (one if unannotated)."""
    records: list[dict[str, Any]] = []
    options = [{"id": label, "text": label} for label in data.document_labels()]
    for item in data.each():
        document = item.document
        doc = token_index().doc(document.text)
        tokens = [
            {
                "text": t.text,
                "start": t.idx,
                "end": t.idx + len(t),
                "id": t.i,
                "ws": bool(t.whitespace_),
            }
            for t in doc
        ]
        by_annotator: dict[str, list[Annotation]] = defaultdict(list)
        for annotation in item.annotations:
            by_annotator[annotation.annotator_id].append(annotation)
        groups = list(by_annotator.items()) or [("", [])]
        for annotator_id, group in groups:
            task: dict[str, Any] = {
                "text": document.text,
                "meta": {"title": document.title, "document_id": document.id},
                "tokens": tokens,
                "spans": [],
            }
            accepted: list[str] = []
            for a in group:
                _count_losses(a, losses)
                if a.kind == AnnotationKind.DOC_LABEL and a.label:
                    accepted.append(a.label)
                elif a.label and a.kind in SPAN_KINDS and a.start < a.end:
                    task["spans"].append(_span(doc, a, losses))
            if accepted:
                task["options"] = options or [{"id": x, "text": x} for x in accepted]
                task["accept"] = accepted
            task["answer"] = "accept"
            if annotator_id:
                task["_annotator_id"] = data.annotator_name(annotator_id)
            records.append(task)
    return records


def _count_losses(a: Annotation, losses: Losses) -> None:
    if a.kind not in (*SPAN_KINDS, AnnotationKind.DOC_LABEL) or not a.label:
        losses.add(
            "Prodigy holds labelled spans and document labels only: {n} highlights, comments "
            "or summaries without a label were left out"
        )
        return
    if a.note:
        losses.add("Prodigy spans have no notes: {n} notes were left out")
    if a.color or a.symbol:
        losses.add("Prodigy spans have no colours or symbols: {n} were left out")


def _span(doc: Doc, a: Annotation, losses: Losses) -> dict[str, Any]:
    span = doc.char_span(a.start, a.end, alignment_mode="expand")
    if span is None or (span.start_char, span.end_char) != (a.start, a.end):
        losses.add(
            "{n} spans do not start and end on token boundaries: their characters are kept, "
            "their token_start/token_end cover the tokens they touch"
        )
    token_start = span.start if span is not None else 0
    token_end = span.end - 1 if span is not None else 0
    return {
        "start": a.start,
        "end": a.end,
        "token_start": token_start,
        "token_end": token_end,  # inclusive, as Prodigy counts
        "label": a.label,
    }


def export(data: ExportData) -> tuple[str, list[str]]:
    losses = Losses()
    with gc_paused():
        text = jsonl(tasks(data, losses))
    return text, losses.warnings()


# -- import -----------------------------------------------------------------------------------


def parse(path: Path) -> tuple[list[IncomingDocument], list[str]]:
    """Every accepted task of a Prodigy JSONL file; rejected and ignored tasks are counted."""
    documents: list[IncomingDocument] = []
    skipped = 0
    for number, task in read_jsonl(path):
        record = f"line {number}"
        text = require(task.get("text"), str, record=record, field="text")
        answer = task.get("answer", "accept")
        if answer not in ("accept", "reject", "ignore"):
            raise FormatError(
                f"should be accept, reject or ignore, not {answer!r}", record=record, field="answer"
            )
        if answer != "accept":
            skipped += 1
            continue
        annotator = task.get("_annotator_id") or task.get("_session_id")
        if annotator is not None and not isinstance(annotator, str):
            raise FormatError("should be a string", record=record, field="_annotator_id")
        meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
        title = meta.get("title") if isinstance(meta.get("title"), str) else None
        incoming = IncomingDocument(
            title=title or f"{path.stem} {number}", record=record, text=text, path=str(path)
        )
        tokens = task.get("tokens")
        spans = task.get("spans") or []
        require(spans, list, record=record, field="spans")
        for index, span in enumerate(spans):
            where = f"spans[{index}]"
            require(span, dict, record=record, field=where)
            start, end = _span_offsets(span, tokens, record, where)
            label = require(span.get("label"), str, record=record, field=f"{where}.label")
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
        accept = task.get("accept") or []
        require(accept, list, record=record, field="accept")
        for index, label in enumerate(accept):
            require(label, (str, int), record=record, field=f"accept[{index}]")
            incoming.annotations.append(
                IncomingAnnotation(
                    start=0,
                    end=0,
                    kind=AnnotationKind.DOC_LABEL,
                    label=str(label),
                    annotator=annotator,
                    record=record,
                    field=f"accept[{index}]",
                )
            )
        documents.append(incoming)
    warnings = [f"{skipped} rejected or ignored tasks were not imported"] if skipped else []
    return documents, warnings


def _span_offsets(span: dict[str, Any], tokens: Any, record: str, where: str) -> tuple[int, int]:
    if "start" in span or "end" in span or not tokens:
        start = require(span.get("start"), int, record=record, field=f"{where}.start")
        end = require(span.get("end"), int, record=record, field=f"{where}.end")
        return start, end
    # Only token indices: map them through the task's tokens (token_end is inclusive).
    first = require(span.get("token_start"), int, record=record, field=f"{where}.token_start")
    last = require(span.get("token_end"), int, record=record, field=f"{where}.token_end")
    if not isinstance(tokens, list) or not 0 <= first <= last < len(tokens):
        raise FormatError(
            f"token {first}..{last} is not among the task's {len(tokens)} tokens",
            record=record,
            field=f"{where}.token_end",
        )
    first_token = require(tokens[first], dict, record=record, field=f"tokens[{first}]")
    last_token = require(tokens[last], dict, record=record, field=f"tokens[{last}]")
    start = require(first_token.get("start"), int, record=record, field=f"tokens[{first}].start")
    end = require(last_token.get("end"), int, record=record, field=f"tokens[{last}].end")
    return start, end
