"""Cutting long texts into paragraph chunks and running a pipeline over them.

A book-length document is processed as a sequence of chunks of at most ``chunk_chars``
characters, cut after blank lines where possible. This keeps memory bounded, keeps every
chunk under the pipeline's ``max_length``, and lets a worker report progress and stop
*inside* one long document. Each chunk carries its offset in the document, so results are
mapped back to absolute code-point offsets.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # spaCy is imported by whoever loads a pipeline, not by this module
    from spacy.language import Language
    from spacy.tokens import Doc

# nlp.pipe collects ``batch_size`` chunks before it yields the first of them, so the work
# between two results (how late progress and cancel can be) is up to batch_size * chunk_chars
# characters: 8 * 4,000 = 32,000 characters, under a second with the small English model.
DEFAULT_CHUNK_CHARS = 4_000
DEFAULT_BATCH_SIZE = 8

DocKey = TypeVar("DocKey")

# Preferred cut points, strongest first: after a blank line, after a line break, after the end
# of a sentence, after any whitespace. A cut is placed *after* the whitespace run, so that the
# whitespace stays with the text before it and the next chunk starts on a word.
_CUT_PATTERNS = (
    re.compile(r"\n[ \t\r\f\v]*\n\s*"),
    re.compile(r"\n\s*"),
    re.compile(r"(?<=[.!?…])\s+"),
    re.compile(r"\s+"),
)


def split_into_chunks(text: str, chunk_chars: int = DEFAULT_CHUNK_CHARS) -> list[tuple[int, int]]:
    """``(start, end)`` ranges that tile ``text``, each at most ``chunk_chars`` long.

    A text that fits is one chunk. Longer texts are cut at the last paragraph break that
    keeps the chunk within the limit (falling back to a line break, a sentence end, any
    whitespace and, for a run of text without any, a hard cut), so whole paragraphs are
    packed together and a chunk ends where a paragraph ends.
    """
    if chunk_chars < 1:
        raise ValueError(f"chunk_chars must be positive, got {chunk_chars}")
    ranges: list[tuple[int, int]] = []
    start = 0
    length = len(text)
    while length - start > chunk_chars:
        limit = start + chunk_chars
        end = _last_cut(text, start, limit)
        ranges.append((start, end))
        start = end
    if start < length or not ranges:
        ranges.append((start, length))
    return ranges


def _last_cut(text: str, start: int, limit: int) -> int:
    # Never cut in the first half of the window: a slightly weaker cut point that keeps
    # chunks large is better than many tiny chunks.
    floor = start + max(1, (limit - start) // 2)
    for pattern in _CUT_PATTERNS:
        cut = None
        for match in pattern.finditer(text, floor, limit):
            cut = match.end()
        if cut is not None and floor <= cut <= limit:
            return cut
    return limit


@dataclass(frozen=True, slots=True)
class ProcessedChunk(Generic[DocKey]):
    """One chunk of one document after the pipeline ran over it."""

    doc_id: DocKey
    offset: int  # where the chunk starts in the document
    doc: Doc
    chars_done: int  # characters of this document processed so far, this chunk included
    chars_total: int
    complete: bool  # True for the document's last chunk


#: Below this many characters a second process costs more to start than it saves.
PROCESSES_FROM_CHARS = 100_000


def processes_for(documents: int, total_chars: int) -> int:
    """How many processes to run a pipeline in: one per core up to two, when there is more
    than one document and enough text to pay for starting them (900,000 characters of the
    sample readings: 8.5 s with two on this 2-core machine, 15.8 s with one)."""
    if documents < 2 or total_chars < PROCESSES_FROM_CHARS:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def pipe_chunks(
    texts: Iterable[tuple[DocKey, str]],
    nlp: Language,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    chunk_chars: int = DEFAULT_CHUNK_CHARS,
    n_process: int = 1,
) -> Iterator[ProcessedChunk[DocKey]]:
    """Run ``nlp.pipe(as_tuples=True)`` over the chunks of ``texts``, in order, lazily.

    Documents are read from ``texts`` only as the pipeline needs them, so a generator of
    texts is never materialised. Between two yielded chunks a consumer may stop; the work
    done ahead of it is at most one batch (``batch_size`` chunks) per process.
    ``n_process`` > 1 runs the pipeline in that many worker processes (spaCy's own
    multiprocessing; the texts are still read here, in order).
    """
    limit = min(chunk_chars, nlp.max_length)

    def chunk_stream() -> Iterator[tuple[str, tuple[DocKey, int, int, int, bool]]]:
        for doc_id, text in texts:
            ranges = split_into_chunks(text, limit)
            last = len(ranges) - 1
            for index, (start, end) in enumerate(ranges):
                yield text[start:end], (doc_id, start, end, len(text), index == last)

    for doc, (doc_id, start, end, total, complete) in nlp.pipe(
        chunk_stream(), as_tuples=True, batch_size=batch_size, n_process=n_process
    ):
        yield ProcessedChunk(doc_id, start, doc, end, total, complete)
