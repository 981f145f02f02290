"""CoNLL-2003 style IOB2: one token per line, the tag in the last column.

``-DOCSTART- -X- -X- O`` opens each document, a blank line ends each sentence (spaCy's
rule-based sentencizer; two sentences an entity would cross are written as one, so an entity
is never cut by a blank line). Whitespace at a span's edges is trimmed (and counted).
Columns: token, ``-X-``, ``_``, tag. Whitespace is not a token, so the text that comes back
is the tokens joined by spaces, sentences by newlines.

IOB cannot hold overlapping spans: the longest (then the first) of overlapping entities is
kept and the others are counted and reported. Spans that do not end on token boundaries are
widened to the tokens they touch (reported). Notes, highlights, document labels, titles and
annotators have no column and are reported.
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Token

from annotator.core.errors import FormatError
from annotator.core.model import Annotation, AnnotationKind
from annotator.core.spans import trim_whitespace
from annotator.formats.exchange import (
    ExportData,
    IncomingAnnotation,
    IncomingDocument,
    Losses,
    read_utf8,
)
from annotator.nlp.spacy_library import blank

DOCSTART = "-DOCSTART- -X- -X- O"
WHITESPACE_TRIMMED = (
    "spans with whitespace at an edge were trimmed (training tools reject such entities): {n}"
)
_TAG = re.compile(r"O|[BI]-\S+")


@cache
def _sentencizer() -> Language:
    nlp = blank("en")  # rules only: texts of any length
    nlp.add_pipe("sentencizer")
    return nlp


def choose_non_overlapping(
    spans: list[tuple[int, int, str]],
) -> tuple[list[tuple[int, int, str]], int]:
    """The longest, then first, spans that do not overlap, in order; and how many were dropped."""
    kept: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for start, end, label in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if any(start < e and s < end for s, e in taken):
            continue
        kept.append((start, end, label))
        taken.append((start, end))
    kept.sort()
    return kept, len(spans) - len(kept)


def export(data: ExportData) -> tuple[str, list[str]]:
    losses = Losses()
    if len(data.annotators_used()) > 1:
        losses.add(
            "CoNLL holds one layer of tags: the annotations of {n} annotators were merged "
            "(export one annotator, or the gold layer)",
            len(data.annotators_used()),
        )
    nlp = _sentencizer()
    lines: list[str] = []
    for item in data.each():
        doc = nlp(item.document.text)
        spans: list[tuple[int, int, str]] = []
        for a in item.annotations:
            if not _taggable(a, losses):
                continue
            edges = trim_whitespace(item.document.text, a.start, a.end)
            span = None if edges is None else doc.char_span(*edges, alignment_mode="expand")
            if edges is None or span is None:
                losses.add("{n} spans cover only whitespace and were left out")
                continue
            if edges != (a.start, a.end):
                losses.add(WHITESPACE_TRIMMED)
            if (span.start_char, span.end_char) != edges:
                losses.add("{n} spans were widened to the whole tokens they touch")
            spans.append((span.start, span.end, a.label or ""))
        kept, dropped = choose_non_overlapping(sorted(set(spans)))
        losses.add(
            "IOB cannot hold overlapping spans: {n} overlapping spans were dropped "
            "(the longest, then the first, of each overlap was kept)",
            dropped + len(spans) - len(set(spans)),
        )
        tags = ["O"] * len(doc)
        for start, end, label in kept:
            tags[start] = f"B-{label}"
            for i in range(start + 1, end):
                tags[i] = f"I-{label}"
        lines.append(DOCSTART)
        lines.append("")
        for sentence in _sentences(doc, kept):
            wrote = False
            for token in sentence:
                if token.is_space:
                    continue
                lines.append(f"{token.text} -X- _ {tags[token.i]}")
                wrote = True
            if wrote:
                lines.append("")
    losses.add(
        "CoNLL has no titles or exact whitespace: imported texts are the tokens joined by "
        "spaces, so offsets differ while tokens and tags are the same",
        1 if data.documents else 0,
    )
    return "\n".join(lines) + ("\n" if lines else ""), losses.warnings()


def _sentences(doc: Doc, entities: list[tuple[int, int, str]]) -> list[list[Token]]:
    """The sentencizer's sentences, joined where an entity would cross a break: a blank line
    inside an entity would cut it in two (``B-`` … blank … ``I-`` reads back as two)."""
    starts = {sentence.start for sentence in doc.sents}
    for start, end, _ in entities:
        starts.difference_update(range(start + 1, end))
    bounds = [*sorted(starts | {0}), len(doc)]
    return [list(doc[a:b]) for a, b in itertools.pairwise(bounds) if a < b]


def _taggable(a: Annotation, losses: Losses) -> bool:
    if a.kind == AnnotationKind.DOC_LABEL:
        losses.add("CoNLL has no document labels: {n} were left out")
        return False
    if not a.label or a.start >= a.end:
        losses.add(
            "CoNLL holds labelled spans only: {n} highlights, comments or summaries without "
            "a label were left out"
        )
        return False
    if a.note:
        losses.add("CoNLL has no notes: {n} notes on labelled spans were left out")
    return True


def parse(path: Path) -> tuple[list[IncomingDocument], list[str]]:
    text = read_utf8(path)
    documents: list[IncomingDocument] = []
    current: _Builder | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("-DOCSTART-"):
            if current is not None and current.tokens:
                documents.append(current.finish())
            current = _Builder(path, len(documents) + 1, number)
            continue
        if current is None:
            current = _Builder(path, len(documents) + 1, number)
        if not line:
            current.end_sentence()
            continue
        columns = line.split()
        if len(columns) < 2:
            raise FormatError(
                f"a token line needs the token and its tag, found {line!r}",
                record=f"line {number}",
                field="tag",
            )
        tag = columns[-1]
        if not _TAG.fullmatch(tag):
            raise FormatError(
                f"should be O, B-LABEL or I-LABEL, not {tag!r}",
                record=f"line {number}",
                field="tag",
            )
        current.add(columns[0], tag, number)
    if current is not None and current.tokens:
        documents.append(current.finish())
    if not documents:
        raise FormatError(f"'{path.name}' holds no tokens")
    return documents, []


class _Builder:
    """Rebuilds one document's text (tokens joined by spaces) and its IOB spans."""

    def __init__(self, path: Path, index: int, line: int) -> None:
        self.path = path
        self.index = index
        self.line = line
        self.parts: list[str] = []
        self.length = 0
        self.tokens = 0
        self.sentence_open = False
        self.annotations: list[IncomingAnnotation] = []
        self.open: tuple[str, int, int] | None = None  # label, start, line
        self.end = 0

    def add(self, token: str, tag: str, line: int) -> None:
        if self.sentence_open:
            self.parts.append(" ")
            self.length += 1
        start = self.length
        self.parts.append(token)
        self.length += len(token)
        self.tokens += 1
        self.sentence_open = True
        if tag == "O":
            self._close()
            return
        prefix, label = tag[0], tag[2:]
        # An I- tag continuing another label, or after O, starts a span (as IOB1 readers do).
        if prefix == "B" or self.open is None or self.open[0] != label:
            self._close()
            self.open = (label, start, line)
        self.end = self.length

    def _close(self) -> None:
        if self.open is not None:
            label, start, line = self.open
            self.annotations.append(
                IncomingAnnotation(
                    start=start,
                    end=self.end,
                    kind=AnnotationKind.ENTITY,
                    label=label,
                    record=f"line {line}",
                    field="tag",
                )
            )
            self.open = None

    def end_sentence(self) -> None:
        self._close()
        if self.sentence_open:
            self.parts.append("\n")
            self.length += 1
            self.sentence_open = False

    def finish(self) -> IncomingDocument:
        self._close()
        text = "".join(self.parts).rstrip("\n")
        return IncomingDocument(
            title=f"{self.path.stem} {self.index}",
            record=f"line {self.line}",
            text=text,
            path=str(self.path),
            annotations=self.annotations,
        )
