"""spaCy ``DocBin`` (``.spacy``): training data that ``spacy train`` reads as it is.

Per document: ``doc.ents`` holds the entities that do not overlap (the longest first, as
``spacy.util.filter_spans`` picks), ``doc.spans["sc"]`` every entity including overlapping
ones (for ``spancat``), ``doc.spans["sentiment"]`` sentence sentiment, and ``doc.cats`` the
document labels (1.0) against the project's other document labels (0.0). Whitespace at a
span's edges is trimmed (counted: ``spacy debug data`` rejects such entities), then spans are
snapped to tokens with ``alignment_mode="contract"``; what that changes, what cannot be placed and
everything without a label (notes, highlights, summaries) is reported.
"""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans

from annotator.core.errors import FormatError
from annotator.core.model import AnnotationKind
from annotator.core.spans import trim_whitespace
from annotator.formats.exchange import (
    ExportData,
    IncomingAnnotation,
    IncomingDocument,
    Losses,
    gc_paused,
)
from annotator.nlp.spacy_library import blank

#: Spans that start or end with whitespace are invalid entities for ``spacy debug data``
#: and ``spacy train`` (a B-/L-/U- tag on a whitespace token): they are trimmed, and counted.
WHITESPACE_TRIMMED = (
    "spans with whitespace at an edge were trimmed (training tools reject such entities): {n}"
)
SPANS_KEY = "sc"
SENTIMENT_KEY = "sentiment"


def build_docbin(data: ExportData, nlp: Language | None = None) -> tuple[DocBin, list[str]]:
    """The DocBin of ``data`` and what it could not hold."""
    with gc_paused():
        return _build_docbin(data, nlp)


def _build_docbin(data: ExportData, nlp: Language | None) -> tuple[DocBin, list[str]]:
    nlp = nlp or blank("en")  # texts of any length
    losses = Losses()
    if len(data.annotators_used()) > 1:
        losses.add(
            "a DocBin holds one layer: the annotations of {n} annotators were merged "
            "(export one annotator, or the gold layer, for training)",
            len(data.annotators_used()),
        )
    cat_names = data.document_labels()
    docs: list[Doc] = []
    for item in data.each():
        doc = nlp.make_doc(item.document.text)
        entities: list[Span] = []
        sentiment: list[Span] = []
        cats: dict[str, float] = dict.fromkeys(cat_names, 0.0)
        for a in item.annotations:
            if a.kind == AnnotationKind.DOC_LABEL and a.label:
                cats[a.label] = 1.0
                continue
            if (
                not a.label
                or a.start >= a.end
                or a.kind
                not in (
                    AnnotationKind.ENTITY,
                    AnnotationKind.SENTIMENT,
                )
            ):
                losses.add(
                    "a DocBin holds labelled spans and document labels: {n} highlights, "
                    "comments and summaries without a label were left out"
                )
                continue
            if a.note:
                losses.add("a DocBin has no notes: {n} notes on labelled spans were left out")
            edges = trim_whitespace(item.document.text, a.start, a.end)
            if edges is None:
                losses.add("{n} spans cover only whitespace and were left out")
                continue
            if edges != (a.start, a.end):
                losses.add(WHITESPACE_TRIMMED)
            span = doc.char_span(*edges, label=a.label, alignment_mode="contract")
            if span is None or len(span) == 0:
                losses.add("{n} spans lie inside a single token and could not be placed on tokens")
                continue
            if (span.start_char, span.end_char) != edges:
                losses.add("{n} spans were shrunk to the whole tokens inside them")
            (sentiment if a.kind == AnnotationKind.SENTIMENT else entities).append(span)
        non_overlapping = filter_spans(entities)
        losses.add(
            "doc.ents cannot overlap: {n} overlapping entities are only in doc.spans['sc']",
            len(entities) - len(non_overlapping),
        )
        doc.ents = non_overlapping
        doc.spans[SPANS_KEY] = entities
        if sentiment:
            doc.spans[SENTIMENT_KEY] = sentiment
        doc.cats = cats
        docs.append(doc)
    return DocBin(docs=docs, store_user_data=False), losses.warnings()


def export_file(data: ExportData, out: Path) -> list[str]:
    docbin, warnings = build_docbin(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(docbin.to_bytes())
    tmp.replace(out)
    warnings.append(
        "a DocBin holds no titles, annotators, ids or dates: imported documents are named "
        "after the file"
    )
    return warnings


def parse(path: Path) -> tuple[list[IncomingDocument], list[str]]:
    """The documents of a DocBin; a damaged or foreign file is one FormatError.

    spaCy decodes a DocBin lazily (a span's label is looked up when the span is read), and
    a damaged file fails there with whatever error its decoder meets (ValueError, KeyError,
    IndexError, zlib or msgpack errors...): any of them means the file is not a whole DocBin.
    """
    data = path.read_bytes()
    try:
        return _parse(path, data)
    except FormatError:
        raise
    except Exception as error:  # spaCy's decoders raise anything: see the docstring
        detail = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise FormatError(
            f"'{path.name}' is not a spaCy DocBin file, or it is damaged ({detail})"
        ) from None


def _parse(path: Path, data: bytes) -> tuple[list[IncomingDocument], list[str]]:
    nlp = spacy.blank("en")
    docs = list(DocBin().from_bytes(data).get_docs(nlp.vocab))
    documents: list[IncomingDocument] = []
    for number, doc in enumerate(docs, start=1):
        record = f"doc {number}"
        incoming = IncomingDocument(
            title=f"{path.stem} {number}", record=record, text=doc.text, path=str(path)
        )
        seen: set[tuple[int, int, str]] = set()
        groups = [("ents", list(doc.ents), AnnotationKind.ENTITY)] + [
            (
                f"spans[{key!r}]",
                list(doc.spans[key]),
                AnnotationKind.SENTIMENT if key == SENTIMENT_KEY else AnnotationKind.ENTITY,
            )
            for key in doc.spans
        ]
        for where, spans, kind in groups:
            for span in spans:
                key = (span.start_char, span.end_char, span.label_)
                if key in seen:
                    continue  # an entity is in doc.ents and doc.spans["sc"] both
                seen.add(key)
                incoming.annotations.append(
                    IncomingAnnotation(
                        start=span.start_char,
                        end=span.end_char,
                        kind=kind,
                        label=span.label_,
                        record=record,
                        field=where,
                    )
                )
        for label, score in doc.cats.items():
            if score >= 0.5:
                incoming.annotations.append(
                    IncomingAnnotation(
                        start=0,
                        end=0,
                        kind=AnnotationKind.DOC_LABEL,
                        label=label,
                        record=record,
                        field="cats",
                    )
                )
        documents.append(incoming)
    return documents, []
