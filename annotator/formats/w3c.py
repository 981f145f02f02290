"""W3C Web Annotation (JSON-LD), the model Hypothesis speaks.

An export is an ``AnnotationCollection`` whose first page holds every annotation. Each
targets ``urn:sha256:<hash of the canonical text>`` with a ``TextPositionSelector`` (code
points, end exclusive) and a ``TextQuoteSelector`` (exact, prefix, suffix); a PDF adds a
``FragmentSelector`` (RFC 3778, ``page=N``, 1-based) refined by the quote. Notes are
``commenting`` bodies, labels ``tagging`` bodies; the motivation says what kind it is.

The format does not carry the documents' text: importing needs the documents in the
project already (found by hash). Colours and symbols have no place (reported).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from annotator.core.errors import FormatError
from annotator.core.model import Annotation, AnnotationKind, Document
from annotator.formats.exchange import (
    ExportData,
    IncomingAnnotation,
    IncomingDocument,
    Losses,
    load_json,
    read_utf8,
    require,
)

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
RFC3778 = "http://tools.ietf.org/rfc/rfc3778"

MOTIVATION = {
    AnnotationKind.HIGHLIGHT: "highlighting",
    AnnotationKind.COMMENT: "commenting",
    AnnotationKind.ENTITY: "tagging",
    AnnotationKind.SENTIMENT: "assessing",
    AnnotationKind.DOC_LABEL: "classifying",
    AnnotationKind.SUMMARY: "describing",
}
KIND_OF_MOTIVATION = {value: kind for kind, value in MOTIVATION.items()}
_UUID = re.compile(r"urn:uuid:([0-9a-fA-F-]{36})")


def annotation_json(a: Annotation, document: Document, creator: str) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    if a.note:
        purpose = "describing" if a.kind == AnnotationKind.SUMMARY else "commenting"
        body.append(
            {"type": "TextualBody", "purpose": purpose, "value": a.note, "format": "text/plain"}
        )
    if a.label:
        body.append({"type": "TextualBody", "purpose": "tagging", "value": a.label})
    source = f"urn:sha256:{document.text_sha256}"
    target: dict[str, Any] | str
    if a.start == a.end == 0 and a.kind in (AnnotationKind.DOC_LABEL, AnnotationKind.SUMMARY):
        target = {"source": source}
    else:
        quote = {
            "type": "TextQuoteSelector",
            "exact": a.quote,
            "prefix": a.prefix,
            "suffix": a.suffix,
        }
        selectors: list[dict[str, Any]] = [
            {"type": "TextPositionSelector", "start": a.start, "end": a.end},
            quote,
        ]
        page = document.page_of(a.start)
        if page is not None:
            selectors.append(
                {
                    "type": "FragmentSelector",
                    "conformsTo": RFC3778,
                    "value": f"page={page + 1}",
                    "refinedBy": dict(quote),
                }
            )
        target = {"source": source, "selector": selectors}
    record: dict[str, Any] = {
        "@context": CONTEXT,
        "id": f"urn:uuid:{a.id}",
        "type": "Annotation",
        "motivation": MOTIVATION[a.kind],
        "creator": creator,
        "created": a.created,
        "modified": a.modified,
    }
    if body:
        record["body"] = body
    record["target"] = target
    return record


def collection(data: ExportData, losses: Losses) -> dict[str, Any]:
    items = []
    for item in data.each():
        for a in item.annotations:
            if a.color or a.symbol:
                losses.add("Web Annotation has no colours or symbols: {n} were left out")
            items.append(annotation_json(a, item.document, data.annotator_name(a.annotator_id)))
    return {
        "@context": CONTEXT,
        "type": "AnnotationCollection",
        "label": "Annotator export",
        "total": len(items),
        "first": {"type": "AnnotationPage", "startIndex": 0, "items": items},
    }


def export(data: ExportData) -> tuple[str, list[str]]:
    losses = Losses()
    text = json.dumps(collection(data, losses), ensure_ascii=False, indent=2) + "\n"
    warnings = losses.warnings()
    warnings.append(
        "Web Annotation does not carry the documents' text: whoever imports this needs the "
        "same documents (matched by content hash)"
    )
    return text, warnings


# -- import -----------------------------------------------------------------------------------


def parse(path: Path) -> tuple[list[IncomingDocument], list[str]]:
    data = load_json(read_utf8(path), name=path.name)
    items, prefix = _items(data)
    documents: dict[str, IncomingDocument] = {}
    for index, raw in enumerate(items):
        record = f"{prefix}[{index}]"
        require(raw, dict, record=record, field="")
        if raw.get("id"):
            record += f" (id {raw['id']})"
        if raw.get("type") != "Annotation":
            raise FormatError(
                f'should be "Annotation", not {raw.get("type")!r}', record=record, field="type"
            )
        target = raw.get("target")
        if isinstance(target, list):
            target = target[0] if target else None
        if isinstance(target, str):
            target = {"source": target}
        require(target, dict, record=record, field="target")
        source = require(target.get("source"), str, record=record, field="target.source")
        match = re.fullmatch(r"urn:sha256:([0-9a-fA-F]{64})", source)
        if not match:
            raise FormatError(
                f"should be urn:sha256:<content hash> of a document, not {source!r}",
                record=record,
                field="target.source",
            )
        digest = match.group(1).lower()
        document = documents.setdefault(
            digest,
            IncomingDocument(title="", record=record, text_sha256=digest, field="target.source"),
        )
        document.annotations.append(_annotation(raw, target, record))
    return list(documents.values()), []


def _items(data: Any) -> tuple[list[Any], str]:
    if isinstance(data, list):
        return data, "items"
    if isinstance(data, dict):
        if data.get("type") == "Annotation":
            return [data], "annotation"
        if data.get("type") == "AnnotationCollection":
            first = data.get("first")
            if isinstance(first, dict):
                return require(
                    first.get("items"), list, record="first", field="items"
                ), "first.items"
            return [], "first.items"
        if data.get("type") == "AnnotationPage":
            return require(data.get("items"), list, record="page", field="items"), "items"
    raise FormatError(
        "this is not Web Annotation JSON-LD (expected an Annotation, an AnnotationCollection "
        "or a list of annotations)",
        field="type",
    )


def _annotation(raw: dict[str, Any], target: dict[str, Any], record: str) -> IncomingAnnotation:
    motivation = raw.get("motivation", "highlighting")
    if isinstance(motivation, list):
        motivation = motivation[0] if motivation else "highlighting"
    kind = KIND_OF_MOTIVATION.get(motivation)
    if kind is None:
        kind = AnnotationKind.COMMENT  # "questioning", "replying", ...: a note on a passage
    body = raw.get("body", [])
    if isinstance(body, dict):
        body = [body]
    require(body, list, record=record, field="body")
    note_parts: list[str] = []
    label = None
    for index, part in enumerate(body):
        require(part, dict, record=record, field=f"body[{index}]")
        value = part.get("value")
        if value is None:
            continue
        require(value, str, record=record, field=f"body[{index}].value")
        if part.get("purpose") in ("tagging", "classifying") and label is None:
            label = value
        else:
            note_parts.append(value)
    if kind == AnnotationKind.HIGHLIGHT and note_parts:
        kind = AnnotationKind.COMMENT
    if kind == AnnotationKind.HIGHLIGHT and label:
        kind = AnnotationKind.ENTITY
    creator = raw.get("creator")
    if isinstance(creator, dict):
        creator = creator.get("name") or creator.get("nickname") or creator.get("id")
    if creator is not None and not isinstance(creator, str):
        raise FormatError("should be a name or a Person", record=record, field="creator")
    selectors = target.get("selector", [])
    if isinstance(selectors, dict):
        selectors = [selectors]
    require(selectors, list, record=record, field="target.selector")
    position = next(
        (s for s in selectors if isinstance(s, dict) and s.get("type") == "TextPositionSelector"),
        None,
    )
    quote = next(
        (s for s in selectors if isinstance(s, dict) and s.get("type") == "TextQuoteSelector"), None
    )
    if quote is None:
        fragment = next(
            (s for s in selectors if isinstance(s, dict) and s.get("type") == "FragmentSelector"),
            None,
        )
        refined = fragment.get("refinedBy") if fragment else None
        if isinstance(refined, dict) and refined.get("type") == "TextQuoteSelector":
            quote = refined
    start = end = 0
    exact = None
    field = "target.selector"
    if position is not None:
        start = require(position.get("start"), int, record=record, field=f"{field}.start")
        end = require(position.get("end"), int, record=record, field=f"{field}.end")
    if quote is not None:
        exact = require(quote.get("exact"), str, record=record, field=f"{field}.exact")
    if (
        position is None
        and quote is None
        and kind not in (AnnotationKind.DOC_LABEL, AnnotationKind.SUMMARY)
    ):
        raise FormatError(
            "has no TextPositionSelector or TextQuoteSelector to place it",
            record=record,
            field="target.selector",
        )
    times: dict[str, str | None] = {}
    for name in ("created", "modified"):
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            raise FormatError(
                f"should be an ISO 8601 time as text, not {value!r}", record=record, field=name
            )
        times[name] = value
    ident = raw.get("id")
    found = _UUID.fullmatch(ident) if isinstance(ident, str) else None
    incoming = IncomingAnnotation(
        start=start,
        end=end,
        kind=kind,
        label=label,
        note="\n\n".join(note_parts),
        annotator=creator,
        quote=exact,
        id=found.group(1).lower() if found else None,
        record=record,
        field=field,
        created=times["created"],
        modified=times["modified"],
    )
    if quote is not None:
        incoming.prefix = quote.get("prefix") if isinstance(quote.get("prefix"), str) else ""
        incoming.suffix = quote.get("suffix") if isinstance(quote.get("suffix"), str) else ""
        incoming.quote_field = f"{field}.exact"
        if position is None:
            incoming.start = incoming.end = -1  # placed by the quote alone (Hypothesis-style)
            incoming.placed_by_quote = True
    return incoming
