"""Annotator's own JSON format (version 1), described by a JSON Schema in ``resources/schema``.

Export → import into an empty project → export gives the same annotations. Import checks the
whole file before it writes anything: first against the schema, then the references between
records and each annotation's quote against its document's text; then it applies everything
in one transaction. A bad file changes nothing, and the error names the record and field.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from annotator import __version__
from annotator.core.errors import FormatError, NotFoundError, SpanError
from annotator.core.model import (
    Annotation,
    AnnotationId,
    AnnotationKind,
    AnnotationStatus,
    Annotator,
    AnnotatorId,
    Document,
    DocumentId,
    DocumentKind,
    ImportChanges,
    ImportPlan,
    Label,
    LabelSet,
    LabelSetId,
    LabelSetKind,
    Link,
    LinkId,
    annotation_to_json,
    utc_now,
)
from annotator.core.spans import check_quote, check_whole_characters
from annotator.core.timestamps import is_later, normalize_timestamp
from annotator.core.words import counted
from annotator.documents.base import sha256_text
from annotator.formats.text_checks import find_surrogate, id_collision_warning
from annotator.resources import load_json_resource

if TYPE_CHECKING:
    import jsonschema

FORMAT_NAME = "annotator"
FORMAT_VERSION = 1
SCHEMA_FILE = "annotator-project-v1.schema.json"


@cache
def schema() -> dict[str, Any]:
    return load_json_resource("schema", SCHEMA_FILE)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, for the status bar and the CLI."""

    documents_added: int = 0
    documents_matched: int = 0
    annotators_added: int = 0
    label_sets_added: int = 0
    annotations_added: int = 0
    annotations_updated: int = 0
    annotations_unchanged: int = 0
    links_added: int = 0
    #: Incoming annotations whose id an annotation on another document holds: kept both,
    #: these under new ids (see :func:`~annotator.formats.text_checks.id_collision_warning`).
    annotations_renamed: int = 0
    backup: str | None = None
    changes: ImportChanges = dataclasses.field(default_factory=lambda: ImportChanges())

    def summary(self) -> str:
        return (
            f"{counted(self.annotations_added, 'annotation')} added, "
            f"{self.annotations_updated:,} updated, {self.annotations_unchanged:,} already "
            f"present; {counted(self.documents_added, 'document')} added, "
            f"{self.documents_matched:,} matched"
        )

    @property
    def warnings(self) -> list[str]:
        """What the import did that the reader should hear of beyond the counts."""
        return [id_collision_warning(self.annotations_renamed)] if self.annotations_renamed else []


# -- export ---------------------------------------------------------------------------------


class ProjectContents(Protocol):
    """What an import is checked against: the reads of an open project (a
    :class:`~annotator.project.Project` has them). Nothing here writes."""

    def document(self, document_id: str) -> Document: ...
    def has_document(self, document_id: str) -> bool: ...
    def document_by_sha256(self, sha256: str) -> Document | None: ...
    def annotators(self) -> list[Annotator]: ...
    def label_sets(self) -> list[LabelSet]: ...
    def annotation(self, annotation_id: str) -> Annotation: ...
    def find_annotation(self, annotation_id: str) -> Annotation | None: ...
    def find_annotations(self, annotation_ids: Sequence[str]) -> dict[str, Annotation]: ...
    def links(self) -> list[Link]: ...


def build_project(
    documents: Sequence[Document],
    annotations: Sequence[Annotation],
    annotators: Sequence[Annotator],
    label_sets: Sequence[LabelSet],
    links: Sequence[Link],
    *,
    include_text: bool = True,
) -> dict[str, Any]:
    """A native JSON object of these documents (with their text) and their annotations;
    only the annotators who made them and the links between them are written."""
    wanted = {d.id for d in documents}
    annotations = [a for a in annotations if a.document_id in wanted]
    kept = {a.id for a in annotations}
    used_annotators = {a.annotator_id for a in annotations}
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "generator": f"Annotator {__version__}",
        "exported": utc_now(),
        "documents": [_document_json(d, include_text) for d in documents],
        "annotators": [
            {"id": a.id, "name": a.name, "color": a.color}
            for a in annotators
            if a.id in used_annotators
        ],
        "label_sets": [_label_set_json(s) for s in label_sets],
        "annotations": [_annotation_json(a) for a in annotations],
        "links": [
            _link_json(link)
            for link in links
            if link.from_annotation in kept and link.to_annotation in kept
        ],
    }


@dataclass(frozen=True, slots=True)
class WrittenCounts:
    """What :func:`write_project` wrote."""

    documents: int
    annotations: int


def write_project(
    out: TextIO,
    documents: Iterable[Document],
    annotations: Iterable[Annotation],
    annotators: Iterable[Annotator],
    label_sets: Iterable[LabelSet],
    links: Iterable[Link],
    *,
    include_text: bool = True,
    exported: str | None = None,
) -> WrittenCounts:
    """Write a native JSON export to ``out`` record by record, the very text of
    ``json.dumps(build_project(...), ensure_ascii=False, indent=2) + "\n"``.

    Unlike :func:`build_project` it holds one record at a time, so the caller passes what
    is to be written: ``annotations`` of these documents only (in reading order), the
    ``annotators`` who made them, and the ``links`` between them. A million annotations then
    take constant memory, and each record's text is put together from the values' own
    encoders (``json.dumps`` with an indent runs the pure-Python encoder, ~15 µs a record).
    """
    write = out.write
    write(
        "{\n"
        f'  "format": {_string(FORMAT_NAME)},\n'
        f'  "version": {FORMAT_VERSION},\n'
        f'  "generator": {_string(f"Annotator {__version__}")},\n'
        f'  "exported": {_string(exported or utc_now())},\n'
    )
    counts = [0, 0]

    def section(name: str, records: Iterable[str], last: bool = False, index: int = -1) -> None:
        write(f'  "{name}": [')
        first = True
        for record in records:
            write("\n    " if first else ",\n    ")
            write(record)
            first = False
            if index >= 0:
                counts[index] += 1
        write(("]" if first else "\n  ]") + ("\n" if last else ",\n"))

    section(
        "documents",
        (_indented(_document_json(d, include_text), 4) for d in documents),
        index=0,
    )
    section(
        "annotators",
        (_indented({"id": a.id, "name": a.name, "color": a.color}, 4) for a in annotators),
    )
    section("label_sets", (_indented(_label_set_json(s), 4) for s in label_sets))
    section("annotations", map(_annotation_text, annotations), index=1)
    section("links", (_indented(_link_json(link), 4) for link in links), last=True)
    write("}\n")
    return WrittenCounts(*counts)


_string = json.encoder.encode_basestring  # the C encoder of ensure_ascii=False strings


def _indented(value: Any, level: int) -> str:
    """``value`` as ``json.dumps(indent=2)`` writes it nested ``level`` spaces deep."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return text.replace("\n", "\n" + " " * level) if level else text


def _scalar(value: Any) -> str:
    """A JSON scalar as ``json.dumps`` writes it; lists (a rect) through :func:`_indented`."""
    kind = value.__class__
    if kind is str:
        return _string(value)  # type: ignore[no-any-return]
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    if kind is float and value - value == 0:  # finite: NaN and infinities as json writes them
        return float.__repr__(value)
    return _indented(value, 6)


def _annotation_text(a: Annotation) -> str:
    """One annotation record as it stands in the export's list (keys in the order of
    :func:`_annotation_json`), without building the dict."""
    rect = "null" if a.rect is None else _indented(list(a.rect), 6)
    return (
        f'{{\n      "id": {_string(a.id)},\n      "kind": {_string(a.kind.value)},\n'
        f'      "start": {_scalar(a.start)},\n      "end": {_scalar(a.end)},\n'
        f'      "quote": {_string(a.quote)},\n      "prefix": {_string(a.prefix)},\n'
        f'      "suffix": {_string(a.suffix)},\n      "label": {_scalar(a.label)},\n'
        f'      "color": {_scalar(a.color)},\n      "symbol": {_scalar(a.symbol)},\n'
        f'      "note": {_string(a.note)},\n      "source": {_string(a.source)},\n'
        f'      "status": {_string(a.status.value)},\n      "score": {_scalar(a.score)},\n'
        f'      "page": {_scalar(a.page)},\n      "rect": {rect},\n'
        f'      "created": {_scalar(a.created)},\n      "modified": {_scalar(a.modified)},\n'
        f'      "document": {_string(a.document_id)},\n'
        f'      "annotator": {_string(a.annotator_id)}\n    }}'
    )


def _label_set_json(s: LabelSet) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "kind": s.kind.value,
        "labels": [dataclasses.asdict(label) for label in s.labels],
    }


def _link_json(link: Link) -> dict[str, Any]:
    return {
        "id": link.id,
        "from": link.from_annotation,
        "to": link.to_annotation,
        "kind": link.kind,
        "note": link.note,
        "created": link.created,
    }


def _document_json(doc: Document, include_text: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": doc.id,
        "title": doc.title,
        "source": doc.path,
        "kind": doc.kind.value,
        "sha256": doc.sha256,
        "text_sha256": doc.text_sha256,
        "encoding": doc.encoding,
        "added": doc.added,
    }
    if include_text:
        data["text"] = doc.text
    if doc.page_map:
        data["page_map"] = [list(p) for p in doc.page_map]
    return data


def _annotation_json(a: Annotation) -> dict[str, Any]:
    data = annotation_to_json(a)
    data["document"] = data.pop("document_id")
    data["annotator"] = data.pop("annotator_id")
    return data


# -- import ---------------------------------------------------------------------------------


def validate(data: Any, *, bulk_follows: bool = False) -> None:
    """Raise :class:`FormatError` naming the first bad record and field, else return.

    ``bulk_follows``: ``data`` is the start of a streamed file, whose annotations (and
    links) are checked as they are read (:func:`plan_import_file`).

    The JSON Schema in ``resources/schema`` decides what is valid. Checking a million
    annotations with ``jsonschema`` takes minutes, so annotations and links (the lists that
    grow) first go through :func:`plain_annotation` and :func:`plain_link`, structural checks
    that pass only records the schema accepts; ``jsonschema`` checks the rest of the file
    and any record those checks leave in doubt, and words the error as before
    (``tests/test_native_json.py`` holds the two to agreement).
    """
    if not isinstance(data, dict):
        raise FormatError("this is not an Annotator JSON export (expected a JSON object)")
    if data.get("format") != FORMAT_NAME:
        raise FormatError(
            "this is not an Annotator JSON export (its 'format' is not \"annotator\")",
            field="format",
        )
    if data.get("version") != FORMAT_VERSION:
        raise FormatError(
            f"version {data.get('version')!r} of the Annotator format is not supported; "
            f"this Annotator reads version {FORMAT_VERSION}",
            field="version",
        )
    if not _encodable(data):
        surrogate = find_surrogate(data)
        if surrogate is not None:
            raise FormatError(
                "holds a lone UTF-16 surrogate (half of an emoji, such as \\ud83d), which is "
                "not a character: the file was cut or converted wrongly",
                field=surrogate or None,
            )
    import jsonschema  # 0.1 s: only when a file is imported, not when the app starts

    bulk = {name: data[name] for name in _CHECKS if isinstance(data.get(name), list)}
    rest = {**data, **{name: [] for name in bulk}}  # the bulk lists: record by record
    if bulk_follows:
        rest["annotations"] = []
    _raise_first(jsonschema.Draft202012Validator(schema()), rest, rest, [])
    for name, records in bulk.items():
        plain = _CHECKS[name]
        for index, raw in enumerate(records):
            if not plain(raw):
                _check_record(name, index, raw)


def _check_record(collection: str, index: int, raw: Any) -> None:
    """Raise the schema's error in one record of ``annotations`` or ``links``, if any."""
    import jsonschema

    definition = {"$defs": schema()["$defs"], "$ref": f"#/$defs/{collection[:-1]}"}
    _raise_first(jsonschema.Draft202012Validator(definition), {}, raw, [collection, index])


def _raise_first(validator: Any, data: dict[str, Any], instance: Any, at: list[Any]) -> None:
    """Raise the schema's most relevant error in ``instance`` (found at path ``at`` in
    ``data``) as a :class:`FormatError`; return if there is none."""
    import jsonschema

    try:
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    except RecursionError:
        raise FormatError(
            "nests lists or objects too deeply to be checked (an Annotator export has a few levels)"
        ) from None
    if error is not None:
        raise _schema_error(data, error, [*at, *error.absolute_path], instance if at else None)


def _encodable(data: Any) -> bool:
    """Whether every string in ``data`` can be written as UTF-8 (no lone surrogate): one pass
    of the C encoder instead of a Python walk over every string of a large file."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError, TypeError, RecursionError):
        return False
    return True


def _schema_error(
    data: dict[str, Any], error: jsonschema.ValidationError, path: list[Any], item: Any = None
) -> FormatError:
    """The :class:`FormatError` of a schema error found at ``path`` in ``data`` (in the
    record ``item`` when given: a streamed file has no list to look it up in)."""
    record = None
    field = None
    if len(path) >= 2 and isinstance(path[1], int):
        collection, index = path[0], path[1]
        if item is None and isinstance(data.get(collection), list):
            item = data[collection][index]
        ident = item.get("id") if isinstance(item, dict) else None
        record = f"{collection}[{index}]" + (f" (id {ident})" if ident else "")
        rest = [str(p) for p in path[2:]]
        field = ".".join(rest) if rest else None
    elif path:
        field = ".".join(str(p) for p in path)
    if error.validator == "required" and error.message:
        missing = error.message.split("'")[1] if "'" in error.message else None
        field = ".".join(filter(None, [field, missing]))
        return FormatError("is missing", record=record, field=field)
    if error.validator == "additionalProperties":
        return FormatError(f"unexpected field ({error.message})", record=record, field=field)
    return FormatError(error.message, record=record, field=field)


_ID_FIELDS = ("id", "document", "annotator")
_ANNOTATION_FIELDS = frozenset(
    ("id", "document", "annotator", "kind", "start", "end", "quote", "prefix", "suffix",
     "label", "color", "symbol", "note", "source", "status", "score", "page", "rect",
     "created", "modified")
)  # fmt: skip
_ANNOTATION_REQUIRED = frozenset(("id", "document", "annotator", "kind", "start", "end", "quote"))
_KINDS = {kind.value: kind for kind in AnnotationKind}
_STATUSES = {status.value: status for status in AnnotationStatus}
_KIND_VALUES = frozenset(_KINDS)
_STATUS_VALUES = frozenset(_STATUSES)
_LINK_FIELDS = frozenset(("id", "from", "to", "kind", "note", "created"))
_LINK_REQUIRED = frozenset(("id", "from", "to"))
_COLOR = re.compile("^#[0-9a-fA-F]{6}$")  # the schema's pattern, searched as jsonschema does


def plain_annotation(raw: Any) -> bool:
    """Whether ``raw`` is an annotation record the schema certainly accepts, checked in a
    few microseconds. False means "ask the schema", not "invalid": unusual but valid values
    (a start of ``3.0``) are left to ``jsonschema``."""
    if raw.__class__ is not dict:
        return False
    keys = raw.keys()
    if not (keys <= _ANNOTATION_FIELDS and keys >= _ANNOTATION_REQUIRED):
        return False
    for name in _ID_FIELDS:
        value = raw[name]
        if value.__class__ is not str or not 0 < len(value) <= 200:
            return False
    kind, start, end = raw["kind"], raw["start"], raw["end"]
    if kind.__class__ is not str or kind not in _KIND_VALUES:
        return False
    if start.__class__ is not int or end.__class__ is not int or start < 0 or end < 0:
        return False
    get = raw.get
    for name in ("quote", "prefix", "suffix", "note", "source"):
        if get(name, "").__class__ is not str:
            return False
    for name in ("label", "symbol"):
        value = get(name)
        if value is not None and value.__class__ is not str:
            return False
    color = get("color")
    if color is not None and (color.__class__ is not str or not _COLOR.search(color)):
        return False
    status = get("status", "accepted")
    if status.__class__ is not str or status not in _STATUS_VALUES:
        return False
    score = get("score")
    if score is not None and score.__class__ is not float and score.__class__ is not int:
        return False
    page = get("page")
    if page is not None and (page.__class__ is not int or page < 0):
        return False
    rect = get("rect")
    if rect is not None and (
        rect.__class__ is not list
        or len(rect) != 4
        or any(v.__class__ is not float and v.__class__ is not int for v in rect)
    ):
        return False
    for name in ("created", "modified"):
        value = get(name, "-")
        if value.__class__ is not str or not value:
            return False
    return True


def plain_link(raw: Any) -> bool:
    """Whether ``raw`` is a link record the schema certainly accepts (see
    :func:`plain_annotation`)."""
    if raw.__class__ is not dict:
        return False
    keys = raw.keys()
    if not (keys <= _LINK_FIELDS and keys >= _LINK_REQUIRED):
        return False
    for name in ("id", "from", "to"):
        value = raw[name]
        if value.__class__ is not str or not 0 < len(value) <= 200:
            return False
    get = raw.get
    if get("kind", "").__class__ is not str or get("note", "").__class__ is not str:
        return False
    created = get("created", "-")
    return created.__class__ is str and bool(created)


#: The lists checked record by record, and each one's structural check.
_CHECKS = {"annotations": plain_annotation, "links": plain_link}
#: The lists that grow with a project: read (and streamed) record by record, in this order.
_BULK = ("annotations", "links")


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """What a native import plan leaves out of the :class:`ImportPlan`: the counts."""

    documents_matched: int = 0
    unchanged: int = 0
    renamed: int = 0


def plan_import(project: ProjectContents, data: Any) -> tuple[ImportPlan, ImportCounts]:
    """Validate ``data`` completely and check it against ``project``: what an import adds
    and updates. Writes nothing (:meth:`Project.import_json` writes the plan)."""
    validate(data)
    return _planned(_plan(project, data, _records_of(data), checked=True))


def _planned(plan: _Plan) -> tuple[ImportPlan, ImportCounts]:
    return ImportPlan(
        format=FORMAT_NAME,
        documents=tuple(plan.new_documents),
        annotators=tuple(plan.new_annotators),
        label_sets=tuple(plan.new_label_sets),
        annotations=tuple(plan.new_annotations),
        replaced=tuple(zip(plan.replaced_versions, plan.updated_annotations, strict=True)),
        links=tuple(plan.new_links),
    ), ImportCounts(plan.documents_matched, plan.unchanged, plan.renamed)


# -- reading a file as a stream --------------------------------------------------------------


class _NotStreamable(Exception):
    """The file cannot be read in one pass (sections out of order, a suspect escape, bad
    JSON): it is read whole instead, which also words any error exactly as before."""


_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class _Reader:
    """JSON values out of a text file one at a time, each parsed by the C decoder.

    A value cut by the end of the buffer is parsed again with twice as much text read, so a
    large document costs at most twice its parse, and a record at most one more.
    """

    def __init__(self, handle: TextIO, chunk: int = 1 << 20) -> None:
        self.handle = handle
        self.chunk = chunk
        self.buffer = ""
        self.pos = 0
        self.eof = False

    def _more(self, size: int) -> bool:
        if self.eof:
            return False
        data = self.handle.read(size)
        if not data:
            self.eof = True
            return False
        self.buffer = self.buffer[self.pos :] + data
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end of the file)."""
        while True:
            self.pos = _SPACE.match(self.buffer, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buffer) or not self._more(self.chunk):
                return self.buffer[self.pos : self.pos + 1]

    def take(self, char: str) -> None:
        if self.peek() != char:
            raise _NotStreamable
        self.pos += 1

    def value(self) -> Any:
        """The next value; :class:`_NotStreamable` when it might hold a lone surrogate
        (a ``\\ud…`` escape) or is not JSON."""
        self.peek()
        size = self.chunk
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError:
                if self._more(size):
                    size *= 2
                    continue
                raise _NotStreamable from None
            except RecursionError:
                raise _NotStreamable from None
            if end == len(self.buffer) and self._more(size):
                continue  # a number may go on in the next chunk
            break
        if (
            self.buffer.find("\\ud", self.pos, end) >= 0
            or self.buffer.find("\\uD", self.pos, end) >= 0
        ):
            raise _NotStreamable
        self.pos = end
        return value


def _read_streamed(handle: TextIO) -> tuple[dict[str, Any], Iterator[tuple[str, int, Any]]]:
    """The file's top-level fields up to its annotations, and an iterator over the
    annotations and then the links, ``(collection, index, record)``, read as they are used.

    Needs the order Annotator writes: every other field first, then ``annotations``, then
    ``links``; anything else raises :class:`_NotStreamable` (now or while iterating).
    """
    reader = _Reader(handle)
    header: dict[str, Any] = {}
    reader.take("{")
    key = None
    while reader.peek() != "}":
        if header:
            reader.take(",")
        key = reader.value()
        if not isinstance(key, str) or key in header:
            raise _NotStreamable
        reader.take(":")
        if key in _BULK:
            break
        header[key] = reader.value()
    else:
        raise _NotStreamable  # no annotations: small enough to read whole
    if key != "annotations" or not {"documents", "annotators"} <= header.keys():
        raise _NotStreamable

    def records() -> Iterator[tuple[str, int, Any]]:
        for collection in _BULK:
            if collection == "links":
                if reader.peek() == "}":
                    break
                reader.take(",")
                if reader.value() != "links":
                    raise _NotStreamable
                reader.take(":")
            reader.take("[")
            index = 0
            while reader.peek() != "]":
                if index:
                    reader.take(",")
                yield collection, index, reader.value()
                index += 1
            reader.take("]")
        reader.take("}")
        if reader.peek() != "":
            raise _NotStreamable

    return header, records()


def plan_import_file(
    project: ProjectContents, path: Path, read_whole: Callable[[], Any]
) -> tuple[ImportPlan, ImportCounts]:
    """:func:`plan_import` of a file, read as a stream: the annotations are checked and
    planned a batch at a time instead of all being loaded first (a million of them as
    dicts took 2 GB). A file that cannot be read in one pass is read whole by
    ``read_whole`` (which words what is wrong with the file's bytes or JSON)."""
    try:
        with open(path, "rb") as probe:
            if probe.read(2) in (b"\xff\xfe", b"\xfe\xff"):
                raise _NotStreamable
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header, records = _read_streamed(handle)
            validate(header, bulk_follows=True)
            plan = _plan(project, header, records, checked=False)
        return _planned(plan)
    except (_NotStreamable, UnicodeDecodeError):
        return plan_import(project, read_whole())


@dataclass
class _Plan:
    new_documents: list[Document] = dataclasses.field(default_factory=list)
    documents_matched: int = 0
    new_annotators: list[Annotator] = dataclasses.field(default_factory=list)
    new_label_sets: list[LabelSet] = dataclasses.field(default_factory=list)
    new_annotations: list[Annotation] = dataclasses.field(default_factory=list)
    updated_annotations: list[Annotation] = dataclasses.field(default_factory=list)
    replaced_versions: list[Annotation] = dataclasses.field(default_factory=list)
    unchanged: int = 0
    renamed: int = 0
    new_links: list[Link] = dataclasses.field(default_factory=list)


def _records_of(data: dict[str, Any]) -> Iterator[tuple[str, int, Any]]:
    """``(collection, index, record)`` of a file's annotations, then its links."""
    for collection in _BULK:
        for index, raw in enumerate(data.get(collection, [])):
            yield collection, index, raw


def _batches(
    records: Iterable[tuple[str, int, Any]], size: int = 1000
) -> Iterator[tuple[str, list[tuple[int, Any]]]]:
    """Consecutive records of one collection, ``size`` at a time."""
    collection, batch = "", []
    for name, index, raw in records:
        if batch and (name != collection or len(batch) >= size):
            yield collection, batch
            batch = []
        collection = name
        batch.append((index, raw))
    if batch:
        yield collection, batch


def _plan(
    project: ProjectContents,
    data: dict[str, Any],
    records: Iterable[tuple[str, int, Any]],
    *,
    checked: bool,
) -> _Plan:
    """Check every reference and quote, and work out what to add; writes nothing.

    ``data`` holds the documents, annotators and label sets; ``records`` the annotations and
    then the links, read one batch at a time (a streamed file, or ``data``'s own lists).
    ``checked``: whether the records have passed the schema already.
    """
    plan = _Plan()
    _check_unique_ids(data, ("documents", "annotators", "label_sets"))

    texts: dict[str, str] = {}  # file document id -> canonical text
    doc_ids: dict[str, DocumentId] = {}  # file document id -> project document id
    for index, raw in enumerate(data["documents"]):
        record = f"documents[{index}] (id {raw['id']})"
        existing = project.document_by_sha256(raw["sha256"])
        text = raw.get("text")
        if text is not None and sha256_text(text) != raw["text_sha256"]:
            raise FormatError(
                "does not match the SHA-256 of the document's text (the text was changed "
                "after export)",
                record=record,
                field="text_sha256",
            )
        if existing is not None:
            if existing.text_sha256 != raw["text_sha256"]:
                raise FormatError(
                    f"the project already holds this file as '{existing.title}' but with a "
                    "different text; its annotations cannot be placed",
                    record=record,
                    field="text_sha256",
                )
            doc_ids[raw["id"]] = existing.id
            texts[raw["id"]] = project.document(existing.id).text
            plan.documents_matched += 1
            continue
        if text is None:
            raise FormatError(
                "the document's text is not in the file and the project does not hold it: "
                "add the document first, or export with text",
                record=record,
                field="text",
            )
        page_map = tuple(tuple(p) for p in raw.get("page_map", []))
        for page_index, (start, end) in enumerate(page_map):
            if not 0 <= start <= end <= len(text):
                raise FormatError(
                    f"page {page_index + 1} spans {start}..{end}, outside the text",
                    record=record,
                    field="page_map",
                )
        document = Document(
            id=DocumentId(raw["id"]),
            title=raw["title"],
            path=raw.get("source", ""),
            sha256=raw["sha256"],
            text_sha256=raw["text_sha256"],
            kind=DocumentKind(raw["kind"]),
            text=text,
            encoding=raw.get("encoding", "utf-8"),
            page_map=page_map,  # type: ignore[arg-type]
            added=_time(raw, "added", record) or utc_now(),
        )
        if project.has_document(document.id):
            document = dataclasses.replace(document, id=DocumentId(_fresh()))
        doc_ids[raw["id"]] = document.id
        texts[raw["id"]] = text
        plan.new_documents.append(document)

    annotator_ids: dict[str, AnnotatorId] = {}
    known = {a.id: a for a in project.annotators()}
    by_name = {a.name: a for a in known.values()}
    for raw in data["annotators"]:
        if raw["id"] in known:
            annotator_ids[raw["id"]] = AnnotatorId(raw["id"])
        elif raw["name"] in by_name:
            annotator_ids[raw["id"]] = by_name[raw["name"]].id
        else:
            annotator = Annotator(
                AnnotatorId(raw["id"]), raw["name"], raw.get("color") or "#4a90d9"
            )
            plan.new_annotators.append(annotator)
            by_name[annotator.name] = annotator
            annotator_ids[raw["id"]] = annotator.id

    existing_sets = {s.id: s for s in project.label_sets()}
    existing_names = {(s.name, s.kind.value) for s in existing_sets.values()}
    for raw in data.get("label_sets", []):
        if raw["id"] in existing_sets or (raw["name"], raw["kind"]) in existing_names:
            continue
        plan.new_label_sets.append(
            LabelSet(
                LabelSetId(raw["id"]),
                raw["name"],
                LabelSetKind(raw["kind"]),
                tuple(
                    Label(
                        name=label["name"],
                        color=label.get("color") or "#ffd54f",
                        key=label.get("key", ""),
                        description=label.get("description", ""),
                    )
                    for label in raw["labels"]
                ),
            )
        )

    annotation_ids: dict[str, AnnotationId] = {}  # file id -> id in the project
    seen: dict[str, set[str]] = {name: set() for name in _BULK}
    existing_links: set[str] | None = None
    for collection, batch in _batches(records):
        for index, raw in batch:
            if not checked and not _CHECKS[collection](raw):
                _check_record(collection, index, raw)
            if raw["id"] in seen[collection]:
                raise FormatError(
                    f"the id '{raw['id']}' is used twice",
                    record=f"{collection}[{index}]",
                    field="id",
                )
            seen[collection].add(raw["id"])
        if collection == "links":
            if existing_links is None:
                existing_links = {link.id for link in project.links()}
            for index, raw in batch:
                record = f"links[{index}] (id {raw['id']})"
                for field in ("from", "to"):
                    target = raw[field]
                    if target not in annotation_ids and not _has_live_annotation(project, target):
                        raise FormatError(
                            f"names annotation '{target}', which is not in the file or the project",
                            record=record,
                            field=field,
                        )
                if raw["id"] in existing_links:
                    continue
                plan.new_links.append(
                    Link(
                        LinkId(raw["id"]),
                        annotation_ids.get(raw["from"], AnnotationId(raw["from"])),
                        annotation_ids.get(raw["to"], AnnotationId(raw["to"])),
                        raw.get("kind", "connects"),
                        raw.get("note", ""),
                        _time(raw, "created", record) or utc_now(),
                    )
                )
            continue
        # The project's versions of the incoming ids, a batch at a time (one query per
        # record was a fifth of a large import).
        stored = project.find_annotations([raw["id"] for _, raw in batch])
        for index, raw in batch:
            record = f"annotations[{index}] (id {raw['id']})"
            if raw["document"] not in doc_ids:
                if not project.has_document(raw["document"]):
                    raise FormatError(
                        f"names document '{raw['document']}', which is neither in the file "
                        "nor in the project",
                        record=record,
                        field="document",
                    )
                doc_ids[raw["document"]] = DocumentId(raw["document"])
                texts[raw["document"]] = project.document(raw["document"]).text
            if raw["annotator"] not in annotator_ids:
                if raw["annotator"] not in known:
                    raise FormatError(
                        f"names annotator '{raw['annotator']}', who is not in the file's "
                        "annotators",
                        record=record,
                        field="annotator",
                    )
                annotator_ids[raw["annotator"]] = AnnotatorId(raw["annotator"])
            text = texts[raw["document"]]
            start, end = int(raw["start"]), int(raw["end"])  # the schema allows 3.0 for 3
            for field, offset in (("start", start), ("end", end)):
                if offset > len(text):
                    raise FormatError(
                        f"{offset} is past the end of the document ({len(text)} characters)",
                        record=record,
                        field=field,
                    )
            if end < start:
                raise FormatError(f"end {end} is before start {start}", record=record, field="end")
            try:
                # An orphan's quote is the passage it lost; its (empty) span only marks
                # where the passage would have been, so the two are not expected to agree.
                if raw.get("status") != AnnotationStatus.ORPHANED.value:
                    check_quote(text, start, end, raw["quote"])
            except SpanError as error:
                raise FormatError(str(error), record=record, field="quote") from None
            try:
                if raw.get("status") != AnnotationStatus.ORPHANED.value:
                    check_whole_characters(text, start, end)
            except SpanError as error:
                raise FormatError(str(error), record=record, field="start") from None
            created = _time(raw, "created", record)
            modified = _time(raw, "modified", record)
            annotation = Annotation(
                id=AnnotationId(raw["id"]),
                document_id=doc_ids[raw["document"]],
                annotator_id=annotator_ids[raw["annotator"]],
                kind=_KINDS[raw["kind"]],
                start=start,
                end=end,
                quote=raw["quote"],
                prefix=raw.get("prefix", ""),
                suffix=raw.get("suffix", ""),
                label=raw.get("label"),
                color=raw.get("color"),
                symbol=raw.get("symbol"),
                note=raw.get("note", ""),
                source=raw.get("source", "manual"),
                status=_STATUSES[raw.get("status", "accepted")],
                score=raw.get("score"),
                page=raw.get("page"),
                rect=tuple(raw["rect"]) if raw.get("rect") else None,  # type: ignore[arg-type]
                created=created or utc_now(),
                modified=modified or created or utc_now(),
            )
            current = stored.get(annotation.id)
            if current is not None and current.document_id != annotation.document_id:
                # A different annotation that happens to hold the same id: keep both.
                annotation = dataclasses.replace(annotation, id=AnnotationId(_fresh()))
                plan.renamed += 1
                current = None
            annotation_ids[raw["id"]] = annotation.id
            if current is None:
                plan.new_annotations.append(annotation)
                continue
            if current == annotation:
                plan.unchanged += 1
            elif is_later(annotation.modified, current.modified):
                plan.updated_annotations.append(annotation)
                plan.replaced_versions.append(current)
            else:
                plan.unchanged += 1

    return plan


def _time(raw: dict[str, Any], field: str, record: str) -> str | None:
    """``raw[field]`` as Annotator writes times, None if absent; junk is refused, since a
    time compared as text (``"not a date"``) would beat every later update."""
    value = raw.get(field)
    if not value:
        return None
    try:
        return normalize_timestamp(value)
    except ValueError as error:
        raise FormatError(str(error), record=record, field=field) from None


def _check_unique_ids(data: dict[str, Any], collections: Sequence[str]) -> None:
    for collection in collections:
        seen: set[str] = set()
        for index, raw in enumerate(data.get(collection, [])):
            if raw["id"] in seen:
                raise FormatError(
                    f"the id '{raw['id']}' is used twice",
                    record=f"{collection}[{index}]",
                    field="id",
                )
            seen.add(raw["id"])


def _has_live_annotation(project: ProjectContents, annotation_id: str) -> bool:
    try:
        project.annotation(annotation_id)
    except NotFoundError:
        return False
    return True


def _fresh() -> str:
    from annotator.core.model import new_id

    return new_id()
