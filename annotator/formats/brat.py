"""brat standoff: ``NAME.txt`` (the text, UTF-8) beside ``NAME.ann`` (the annotations).

``T1<TAB>LABEL START END<TAB>quote``, offsets in characters, end exclusive. brat reads a
``.ann`` line by line, breaking at every character ``str.splitlines`` breaks at (its reader
is Python's). As brat's own editor writes a span that holds line breaks or tabs
(``server/src/annotator.py``: the span is cut at each one and each piece loses the
whitespace at its ends, so a span's own edges are trimmed too, and counted), a span across
them is written as fragments (``0 4;5 8``) and its text column is the fragments' texts
joined by one space: no raw tab or line break, and no whitespace at its end, is ever in the
text column, where tab-separated readers (or an editor trimming lines) would break it.
Reading takes the first fragment's start and the last one's end; a text column holding a
raw tab (brat reads the column by its length) is read too.

Notes are ``#1<TAB>AnnotatorNotes T1<TAB>note``. brat has no way to write a line break in a
note, so Annotator escapes them: a line feed is ``\\n``, a carriage return ``\\r``, U+2028
and U+2029 ``\\u2028``/``\\u2029``, and the other breaks and every terminal control (ESC, C1)
``\\xHH``; a backslash typed before such an escape is doubled (see
:mod:`annotator.formats.escapes`). Import undoes exactly that, so every note comes back as
typed; brat itself shows the escapes as text. Tabs stay as they are.

Unlabelled highlights and comments take the types ``Highlight`` and ``Comment``. brat
keeps one annotator per folder, so with several annotators each gets a sub-folder named
after them, made unique (``-2``, ``-3``…) when two names clean to the same folder. The
output is a folder, or a ``.zip`` of one. brat has no document labels, colours, symbols,
ids or dates (reported). Zips and folders are imported within :class:`ArchiveLimits`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from pathlib import Path, PurePosixPath

from annotator.core.errors import FormatError
from annotator.core.model import Annotation, AnnotationKind
from annotator.core.spans import trim_whitespace
from annotator.formats.archives import (
    ArchiveLimits,
    check_zip,
    folder_files,
    read_file_limited,
    read_limited,
)
from annotator.formats.escapes import LINE_BREAKS, TERMINAL_CONTROLS, ReversibleEscape
from annotator.formats.exchange import ExportData, IncomingAnnotation, IncomingDocument, Losses

UNLABELLED_TYPES = {AnnotationKind.HIGHLIGHT: "Highlight", AnnotationKind.COMMENT: "Comment"}
KIND_OF_TYPE = {name: kind for kind, name in UNLABELLED_TYPES.items()}
_TYPE_BAD = re.compile(r"[\s;\x00-\x1f\x7f-\x9f]")
#: Where brat cuts a span into fragments: a run of whitespace holding a tab or line break.
_FRAGMENT_BREAK = re.compile(r"\s*[\t" + "".join(LINE_BREAKS) + r"]\s*")
#: What a note may not hold raw in a ``.ann`` line, and how it is written instead.
NOTE_ESCAPE = ReversibleEscape(
    dict.fromkeys(LINE_BREAKS + TERMINAL_CONTROLS), {"\n": "n", "\r": "r"}
)
_DEFAULT_LIMITS = ArchiveLimits()
_LINE_END = re.compile(r"\r\n|\r|\n")


def files(data: ExportData) -> tuple[dict[str, str], list[str]]:
    """Relative path → content of every ``.txt`` and ``.ann`` file, and the warnings."""
    losses = Losses()
    several = len(data.annotators_used()) > 1
    out: dict[str, str] = {}
    used_names: set[str] = set()
    folders = _annotator_folders(data, losses) if several else {}
    for item in data.each():
        document = item.document
        stem = _unique(_slug(document.title) or "document", used_names)
        by_annotator: dict[str, list[Annotation]] = defaultdict(list)
        for a in item.annotations:
            by_annotator[a.annotator_id if several else ""].append(a)
        for annotator_id, group in list(by_annotator.items()) or [("", [])]:
            folder = f"{folders[annotator_id]}/" if annotator_id else ""
            out[f"{folder}{stem}.txt"] = document.text
            out[f"{folder}{stem}.ann"] = _ann(document.text, group, losses)
    return out, losses.warnings()


def _annotator_folders(data: ExportData, losses: Losses) -> dict[str, str]:
    """A folder name per annotator, unique even where two names clean to the same one (or
    differ only in case, which some file systems ignore): a folder holds one annotator."""
    used: set[str] = set()
    folders: dict[str, str] = {}

    def order(annotator_id: str) -> tuple[bool, str, str]:
        # Names that are folder names already keep them; the others take a suffix.
        name = data.annotator_name(annotator_id)
        return _slug(name) != name, name, annotator_id

    for annotator_id in sorted(data.annotators_used(), key=order):
        name = data.annotator_name(annotator_id)
        folder = _unique(_slug(name) or "annotator", used, "-")
        if folder != name:
            losses.add(
                "brat names an annotator by a folder: {n} annotator names were changed to "
                "fit one (and to stay apart)"
            )
        folders[annotator_id] = folder
    return folders


def _ann(text: str, annotations: list[Annotation], losses: Losses) -> str:
    lines: list[str] = []
    t = n = 0
    for a in annotations:
        if a.kind == AnnotationKind.DOC_LABEL or a.start >= a.end:
            losses.add("brat has no document-level annotations: {n} were left out")
            continue
        kind_type = a.label or UNLABELLED_TYPES.get(a.kind)
        if kind_type is None:
            losses.add("brat holds spans with a type: {n} unlabelled summaries were left out")
            continue
        if _TYPE_BAD.search(kind_type):
            losses.add(
                "brat types cannot contain spaces, ';' or control characters: {n} labels had "
                "them replaced by '_'"
            )
            kind_type = _TYPE_BAD.sub("_", kind_type)
        if a.color or a.symbol:
            losses.add("brat has no colours or symbols: {n} were left out")
        edges = trim_whitespace(text, a.start, a.end)
        if edges is not None and edges != (a.start, a.end):
            losses.add(
                "brat's editor trims whitespace at a span's edges, and so does this export: "
                "{n} spans were trimmed"
            )
        fragments = _fragments(text, *edges) if edges is not None else []
        if not fragments:
            losses.add(
                "a brat span cannot be only tabs and line breaks: {n} such spans were left out"
            )
            continue
        t += 1
        offsets = ";".join(f"{s} {e}" for s, e in fragments)
        quote = " ".join(text[s:e] for s, e in fragments)
        lines.append(f"T{t}\t{kind_type} {offsets}\t{quote}")
        if a.note:
            n += 1
            lines.append(f"#{n}\tAnnotatorNotes T{t}\t{NOTE_ESCAPE.escape(a.note)}")
    return "".join(line + "\n" for line in lines)


def _fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``start..end`` cut at tabs and line breaks with the whitespace around each cut, as
    brat cuts it, without empty fragments (none if it holds only such whitespace)."""
    fragments: list[tuple[int, int]] = []
    position = start
    for match in _FRAGMENT_BREAK.finditer(text, start, end):
        if match.start() > position:
            fragments.append((position, match.start()))
        position = match.end()
    if end > position:
        fragments.append((position, end))
    return fragments


def _slug(title: str) -> str:
    return re.sub(r"[^\w\-]+", "_", title, flags=re.UNICODE).strip("_")[:60]


def _unique(stem: str, used: set[str], joiner: str = "_") -> str:
    candidate, k = stem, 2
    while candidate.lower() in used:
        candidate, k = f"{stem}{joiner}{k}", k + 1
    used.add(candidate.lower())
    return candidate


def export_to(data: ExportData, out: Path) -> list[str]:
    """Write a folder (or a ``.zip`` when ``out`` ends with it) of ``.txt``/``.ann`` pairs."""
    contents, warnings = files(data)
    if out.suffix.lower() == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in contents.items():
                archive.writestr(name, content.encode("utf-8"))
        tmp.replace(out)
    else:
        if out.exists() and not out.is_dir():
            raise FormatError(f"'{out}' is a file: brat writes a folder (or give a .zip name)")
        for name, content in contents.items():
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="") as handle:
                handle.write(content)
    warnings.append(
        "brat has no titles, ids or dates: imported documents are named after the files"
    )
    return warnings


# -- import -----------------------------------------------------------------------------------


def parse(
    path: Path, *, limits: ArchiveLimits = _DEFAULT_LIMITS
) -> tuple[list[IncomingDocument], list[str]]:
    """Every ``.ann`` with its ``.txt`` in a folder (or zip); a sub-folder names the annotator.

    A zip or folder over ``limits`` (a zip bomb, a huge tree) is refused before it is read.
    """
    pairs = _read_pairs(path, limits)
    if not pairs:
        raise FormatError(f"'{path.name}' holds no .ann files with a .txt beside them")
    documents: list[IncomingDocument] = []
    ignored: defaultdict[str, int] = defaultdict(int)
    by_text: dict[str, IncomingDocument] = {}
    for name, (text, ann) in sorted(pairs.items()):
        parts = PurePosixPath(name).parts
        annotator = parts[-2] if len(parts) > 1 else None
        title = PurePosixPath(name).stem
        incoming = by_text.get(text)
        if incoming is None:
            incoming = IncomingDocument(title=title, record=name, text=text, path=str(path))
            by_text[text] = incoming
            documents.append(incoming)
        incoming.annotations.extend(_parse_ann(name, text, ann, annotator, ignored))
    warnings = [
        f"{count} brat {what} were not imported (Annotator has no place for them)"
        for what, count in ignored.items()
    ]
    return documents, warnings


def _read_pairs(path: Path, limits: ArchiveLimits) -> dict[str, tuple[str, str]]:
    raw: dict[str, bytes] = {}
    if path.is_dir():
        for file in folder_files(path, limits):
            if file.suffix in (".ann", ".txt"):
                name = file.relative_to(path).as_posix()
                raw[name] = read_file_limited(file, limits, name)
    elif zipfile.is_zipfile(path):
        raw = _read_zip(path, limits)
    elif path.suffix == ".ann":
        raw[path.name] = read_file_limited(path, limits, path.name)
        txt = path.with_suffix(".txt")
        if txt.exists():
            raw[txt.name] = read_file_limited(txt, limits, txt.name)
    else:
        raise FormatError(f"'{path.name}' is not a brat folder, .zip or .ann file")
    pairs: dict[str, tuple[str, str]] = {}
    for name, content in raw.items():
        if not name.endswith(".ann"):
            continue
        txt_name = name[: -len(".ann")] + ".txt"
        if txt_name not in raw:
            raise FormatError(f"'{name}' has no '{PurePosixPath(txt_name).name}' beside it")
        pairs[name] = (_decode(txt_name, raw[txt_name]), _decode(name, content))
    return pairs


def _read_zip(path: Path, limits: ArchiveLimits) -> dict[str, bytes]:
    """The ``.ann`` and ``.txt`` entries of a zip that is within ``limits``."""
    raw: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in check_zip(archive, path.name, limits):
                if info.filename.endswith((".ann", ".txt")):
                    raw[info.filename] = read_limited(
                        archive, info, limits.max_file_bytes, path.name
                    )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise FormatError(f"'{path.name}' is not a readable zip ({error})") from None
    except (RuntimeError, NotImplementedError) as error:  # encrypted, unknown compression
        raise FormatError(f"'{path.name}' cannot be read: {error}") from None
    return raw


def _decode(name: str, content: bytes) -> str:
    try:
        # Plain "utf-8": a byte-order mark would be a character that brat's offsets count.
        return io.TextIOWrapper(io.BytesIO(content), encoding="utf-8", newline="").read()
    except UnicodeDecodeError as error:
        raise FormatError(f"'{name}' is not UTF-8 text (byte {error.start})") from None


def _parse_ann(
    name: str, text: str, ann: str, annotator: str | None, ignored: defaultdict[str, int]
) -> list[IncomingAnnotation]:
    spans: dict[str, IncomingAnnotation] = {}
    notes: list[tuple[str, str, str]] = []
    first_line: dict[str, int] = {}
    # Lines end as in Python's universal newlines (brat's reader); the other characters
    # str.splitlines breaks at never occur raw in a file brat or Annotator wrote.
    for number, line in enumerate(_LINE_END.split(ann), start=1):
        record = f"{name} line {number}"
        if not line.strip():
            continue
        # The quote and the note are the rest of the line: they may hold tabs.
        columns = line.split("\t", 2)
        ident = columns[0]
        if ident != "*" and ident in first_line:
            raise FormatError(
                f"the id {ident!r} is already used on line {first_line[ident]}: give each "
                "annotation its own id",
                record=record,
                field="id",
            )
        first_line[ident] = number
        if ident.startswith("T"):
            if len(columns) < 2:
                raise FormatError(
                    "needs 'TYPE START END' after the id", record=record, field="offsets"
                )
            type_and_offsets = columns[1].split(" ", 1)
            if len(type_and_offsets) != 2:
                raise FormatError("needs 'TYPE START END'", record=record, field="offsets")
            kind_type, offsets = type_and_offsets
            fragments = []
            for fragment in offsets.split(";"):
                bounds = fragment.split()
                if len(bounds) != 2 or not all(b.isdigit() for b in bounds):
                    raise FormatError(
                        f"{fragment!r} is not 'START END'", record=record, field="offsets"
                    )
                fragments.append((int(bounds[0]), int(bounds[1])))
            start, end = fragments[0][0], fragments[-1][1]
            quote = columns[2] if len(columns) > 2 else None
            expected = " ".join(text[s:e] for s, e in fragments)
            if quote is not None and quote != expected and end <= len(text):
                raise FormatError(
                    f"the text at {offsets} is {expected[:40]!r} but the line says {quote[:40]!r}",
                    record=record,
                    field="text",
                )
            kind = KIND_OF_TYPE.get(kind_type, AnnotationKind.ENTITY)
            spans[ident] = IncomingAnnotation(
                start=start,
                end=end,
                kind=kind,
                label=None if kind_type in KIND_OF_TYPE else kind_type,
                annotator=annotator,
                record=record,
                field="offsets",
            )
        elif ident.startswith("#"):
            parts = columns[1].split(" ") if len(columns) > 1 else []
            if len(parts) != 2 or len(columns) < 3:
                raise FormatError("needs 'AnnotatorNotes ID<TAB>note'", record=record, field="note")
            if parts[0] == "AnnotatorNotes":
                notes.append((parts[1], NOTE_ESCAPE.unescape(columns[2]), record))
            else:
                ignored["comments of other types"] += 1
        elif ident[:1] in ("R", "E", "A", "M", "N", "*"):
            what = {"R": "relations", "E": "events", "A": "attributes", "M": "attributes",
                    "N": "normalizations", "*": "equivalences"}[ident[0]]  # fmt: skip
            ignored[what] += 1
        else:
            raise FormatError(f"unknown annotation id {ident!r}", record=record, field="id")
    for target, note, record in notes:
        if target not in spans:
            raise FormatError(
                f"names {target!r}, which is not a text span", record=record, field="note"
            )
        span = spans[target]
        span.note = f"{span.note}\n{note}" if span.note else note
        if span.kind == AnnotationKind.HIGHLIGHT:
            span.kind = AnnotationKind.COMMENT
    return list(spans.values())
