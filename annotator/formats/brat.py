"""brat standoff: ``NAME.txt`` (the text, UTF-8) beside ``NAME.ann`` (the annotations).

``T1<TAB>LABEL START END<TAB>quote``, offsets in characters, end exclusive; a span across
line breaks is written as fragments (``0 5;6 10``), since a ``.ann`` line cannot hold a
newline. Notes are ``#1<TAB>AnnotatorNotes T1<TAB>note``. Unlabelled highlights and comments
take the types ``Highlight`` and ``Comment``. brat keeps one annotator per folder, so with
several annotators each gets a sub-folder. The output is a folder, or a ``.zip`` of one.
brat has no document labels, colours, symbols, ids or dates (reported).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from pathlib import Path, PurePosixPath

from annotator.core.errors import FormatError
from annotator.core.model import Annotation, AnnotationKind
from annotator.formats.exchange import ExportData, IncomingAnnotation, IncomingDocument, Losses

UNLABELLED_TYPES = {AnnotationKind.HIGHLIGHT: "Highlight", AnnotationKind.COMMENT: "Comment"}
KIND_OF_TYPE = {name: kind for kind, name in UNLABELLED_TYPES.items()}
_TYPE_OK = re.compile(r"[^\s;]+")


def files(data: ExportData) -> tuple[dict[str, str], list[str]]:
    """Relative path → content of every ``.txt`` and ``.ann`` file, and the warnings."""
    losses = Losses()
    several = len(data.annotators_used()) > 1
    out: dict[str, str] = {}
    used_names: set[str] = set()
    for item in data.each():
        document = item.document
        stem = _unique(_slug(document.title) or "document", used_names)
        by_annotator: dict[str, list[Annotation]] = defaultdict(list)
        for a in item.annotations:
            by_annotator[a.annotator_id if several else ""].append(a)
        for annotator_id, group in list(by_annotator.items()) or [("", [])]:
            folder = (
                f"{_slug(data.annotator_name(annotator_id)) or 'annotator'}/"
                if annotator_id
                else ""
            )
            out[f"{folder}{stem}.txt"] = document.text
            out[f"{folder}{stem}.ann"] = _ann(document.text, group, losses)
    return out, losses.warnings()


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
        if not _TYPE_OK.fullmatch(kind_type):
            losses.add(
                "brat types cannot contain spaces or ';': {n} labels had them replaced by '_'"
            )
            kind_type = re.sub(r"[\s;]", "_", kind_type)
        if a.color or a.symbol:
            losses.add("brat has no colours or symbols: {n} were left out")
        t += 1
        fragments = _fragments(text, a.start, a.end)
        offsets = ";".join(f"{s} {e}" for s, e in fragments)
        quote = " ".join(text[s:e] for s, e in fragments)
        lines.append(f"T{t}\t{kind_type} {offsets}\t{quote}")
        if a.note:
            n += 1
            note = a.note
            if "\n" in note or "\t" in note:
                losses.add("brat notes are one line: {n} notes had line breaks or tabs replaced")
                note = re.sub(r"\s*[\n\t]\s*", " ", note).strip()
            lines.append(f"#{n}\tAnnotatorNotes T{t}\t{note}")
    return "".join(line + "\n" for line in lines)


def _fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``start..end`` split at line breaks, without empty fragments."""
    fragments: list[tuple[int, int]] = []
    position = start
    for match in re.finditer(r"[\r\n]+", text[start:end]):
        if match.start() + start > position:
            fragments.append((position, start + match.start()))
        position = start + match.end()
    if end > position:
        fragments.append((position, end))
    return fragments or [(start, end)]


def _slug(title: str) -> str:
    return re.sub(r"[^\w\-]+", "_", title, flags=re.UNICODE).strip("_")[:60]


def _unique(stem: str, used: set[str]) -> str:
    candidate, k = stem, 2
    while candidate.lower() in used:
        candidate, k = f"{stem}_{k}", k + 1
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


def parse(path: Path) -> tuple[list[IncomingDocument], list[str]]:
    """Every ``.ann`` with its ``.txt`` in a folder (or zip); a sub-folder names the annotator."""
    pairs = _read_pairs(path)
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


def _read_pairs(path: Path) -> dict[str, tuple[str, str]]:
    raw: dict[str, bytes] = {}
    if path.is_dir():
        for file in path.rglob("*"):
            if file.suffix in (".ann", ".txt") and file.is_file():
                raw[file.relative_to(path).as_posix()] = file.read_bytes()
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename.endswith((".ann", ".txt")) and not info.is_dir():
                    raw[info.filename] = archive.read(info)
    elif path.suffix == ".ann":
        raw[path.name] = path.read_bytes()
        txt = path.with_suffix(".txt")
        if txt.exists():
            raw[txt.name] = txt.read_bytes()
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
    for number, line in enumerate(ann.splitlines(), start=1):
        record = f"{name} line {number}"
        if not line.strip():
            continue
        columns = line.split("\t")
        ident = columns[0]
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
                notes.append((parts[1], columns[2], record))
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
