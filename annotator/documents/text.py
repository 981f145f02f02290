"""Plain-text and Markdown files → canonical text.

The canonical text is the decoded file with every newline written as ``\\n``; offsets of
annotations count code points in it. Decoding tries, in order: a byte-order mark, strict
UTF-8, BOM-less UTF-16 (recognised by its NUL bytes), then charset-normalizer for legacy
8-bit encodings. Binary files are refused rather than decoded into mojibake.
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from annotator.core.errors import DocumentError
from annotator.core.model import DocumentKind
from annotator.documents.base import LoadedDocument, sha256_bytes, sha256_text

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".mdown", ".rst", ".org", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}

# Text files above this size are refused: the reader would be unusable and it is almost
# certainly not a reading (a log file, a dump). 200 MB of text is several thousand books.
MAX_TEXT_BYTES = 200 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 controls other than tab, newline, vertical tab, form feed and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so offsets do not depend on the platform that wrote the file."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_text(data: bytes, name: str = "the file") -> tuple[str, str]:
    """Decode bytes of a text file; returns ``(text, encoding)`` or raises DocumentError."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), f"{encoding} (BOM)"
            except UnicodeDecodeError as error:
                raise DocumentError(
                    f"{name} starts with a {encoding} byte-order mark but is not valid "
                    f"{encoding} (byte {error.start + len(bom)}): it may be damaged"
                ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        _refuse_binary(text, name)
        return text, "utf-8"
    utf16 = _guess_bomless_utf16(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise DocumentError(f"{name} is a binary file, not text: open a text, Markdown or PDF file")
    best = _best_legacy_guess(data)
    if best is None or best.encoding is None:
        raise DocumentError(
            f"{name} is not valid UTF-8 and its encoding could not be recognised: "
            "save it as UTF-8 and add it again"
        )
    text = str(best)
    _refuse_binary(text, name)
    return text, best.encoding


def _best_legacy_guess(data: bytes):  # type: ignore[no-untyped-def]
    """charset-normalizer's guess, but Windows-1252 wins a near tie.

    On short Western European texts the detector often ties between code pages (or even
    picks Shift-JIS for Latin-1 German); Windows-1252 is by far the most common legacy
    8-bit encoding of readings, so it is preferred unless clearly worse.
    """
    from charset_normalizer import from_bytes  # only for files that are not UTF-8/16

    best = from_bytes(data).best()
    western = from_bytes(data, cp_isolation=["cp1252"]).best()
    if western is not None and (best is None or western.chaos <= best.chaos + 0.05):
        return western
    return best


def _guess_bomless_utf16(data: bytes) -> str | None:
    """UTF-16 text of mostly Latin script has a NUL in every other byte."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4096]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _refuse_binary(text: str, name: str) -> None:
    sample = text[:65536]
    if not sample:
        return
    controls = len(_CONTROL.findall(sample))
    if "\x00" in sample or controls > max(8, len(sample) // 100):
        raise DocumentError(f"{name} is a binary file, not text: open a text, Markdown or PDF file")


def check_readable_file(path: Path) -> None:
    """Raise DocumentError for the usual ways a path is not an openable file."""
    if not path.exists():
        raise DocumentError(f"'{path}' does not exist: check the path")
    if path.is_dir():
        raise DocumentError(f"'{path}' is a folder, not a file: choose a file inside it")
    if not os.access(path, os.R_OK):
        raise DocumentError(f"'{path}' cannot be read: check its permissions")
    if path.stat().st_size == 0:
        raise DocumentError(f"'{path}' is empty (0 bytes): there is nothing to read")


def load_text(path: str | os.PathLike[str]) -> LoadedDocument:
    """Read a text or Markdown file into a :class:`LoadedDocument`."""
    file = Path(path)
    check_readable_file(file)
    size = file.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise DocumentError(
            f"'{file.name}' is {size / 1e6:.0f} MB of text, more than the "
            f"{MAX_TEXT_BYTES // 2**20} MB Annotator opens: split it into smaller files"
        )
    data = file.read_bytes()
    raw, encoding = decode_text(data, f"'{file.name}'")
    text = normalise_newlines(raw)
    if not text.strip():
        raise DocumentError(f"'{file.name}' holds only white space: there is nothing to read")
    kind = DocumentKind.MARKDOWN if file.suffix.lower() in MARKDOWN_SUFFIXES else DocumentKind.TEXT
    return LoadedDocument(
        title=guess_title(text, file, kind),
        kind=kind,
        text=text,
        sha256=sha256_bytes(data),
        text_sha256=sha256_text(text),
        encoding=encoding,
    )


#: A word, for telling a title from a date or a code: two or more letters.
_WORD = re.compile(r"[^\W\d_]{2,}")
TITLE_MAX_CHARS = 100


def guess_title(text: str, path: Path, kind: DocumentKind) -> str:
    """A real heading, else the file name (its stem).

    Markdown: the first ``#`` heading. Plain text: the first non-blank line, when it reads
    as a title: it stands alone (a blank line or the end of the text follows it), it is at
    most 100 characters, it holds at least two words, and letters make up at least half of
    its characters. So "ABLE blog: thoughts, learnings and experiences" is a title, while
    slides beginning "19.11.2019 1" or a dump beginning "en" are named after their files.
    """
    lines = text.splitlines()
    if kind is DocumentKind.MARKDOWN:
        for line in lines[:50]:
            stripped = line.strip()
            if stripped.startswith("#"):
                return stripped.lstrip("#").strip()[:120] or path.stem
        return path.stem
    for number, line in enumerate(lines[:50]):
        stripped = line.strip()
        if not stripped:
            continue
        alone = number + 1 >= len(lines) or not lines[number + 1].strip()
        return stripped if alone and reads_as_title(stripped) else path.stem
    return path.stem


def reads_as_title(line: str) -> bool:
    """Short, at least two words, mostly letters (see :func:`guess_title`)."""
    visible = [c for c in line if not c.isspace()]
    letters = sum(c.isalpha() for c in visible)
    return (
        len(line) <= TITLE_MAX_CHARS
        and len(_WORD.findall(line)) >= 2
        and letters * 2 >= len(visible)
    )
