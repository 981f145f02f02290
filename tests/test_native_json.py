"""Native JSON: export → import into an empty project → export gives the same annotations."""

from __future__ import annotations

import copy
import io
import json

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.errors import FormatError
from annotator.formats import native
from annotator.project import Project

BETA = "\U0001d6fd"


@pytest.fixture
def filled(project, tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_text(f"Alice met Bob in Paris 😀 on Monday.\nThe {BETA} coefficient rose.\n")
    document, _ = project.add_document(path)
    text = document.text
    project.switch_annotator("alice")
    a = project.annotate(document.id, 0, 5, label="PERSON")
    b = project.annotate(document.id, 0, 13, note="who met whom?", color="#ffe066", symbol="?")
    c = project.annotate(
        document.id, text.index(BETA), text.index(BETA) + 1, note="𝛽 is one code point"
    )
    project.annotate(document.id, 0, 0, kind="summary", note="A meeting.")
    project.link(a.id, c.id, note="see also")
    project.switch_annotator("bob")
    project.annotate(document.id, text.index("Paris"), text.index("Paris") + 5, label="GPE")
    project.update_annotation(b.id, note="edited")
    return project


def test_export_validates_against_the_shipped_schema(filled):
    jsonschema.validate(filled.export_json(), native.schema())


def test_round_trip_through_an_empty_project_gives_identical_annotations(filled, tmp_path):
    exported = filled.export_json()
    with Project(tmp_path / "empty.annotator") as empty:
        report = empty.import_json(json.loads(json.dumps(exported)))
        again = empty.export_json()
    assert report.annotations_added == len(exported["annotations"])
    assert again["annotations"] == exported["annotations"]
    assert again["links"] == exported["links"]
    assert again["documents"] == exported["documents"]
    assert again["annotators"] == exported["annotators"]


def test_importing_the_same_file_twice_adds_nothing(filled, tmp_path):
    exported = filled.export_json()
    with Project(tmp_path / "other.annotator") as other:
        other.import_json(exported)
        second = other.import_json(exported)
    assert second.annotations_added == 0
    assert second.annotations_unchanged == len(exported["annotations"])


def _mutations():
    def wrong_offsets(data):
        data["annotations"][1]["start"] += 1
        data["annotations"][1]["end"] += 1

    def missing_kind(data):
        del data["annotations"][1]["kind"]

    def unknown_document(data):
        data["annotations"][0]["document"] = "nowhere"

    def bad_colour(data):
        data["annotations"][1]["color"] = "yellow"

    def past_the_end(data):
        data["annotations"][0]["end"] = 10**6

    def changed_text(data):
        data["documents"][0]["text"] += "tampered"

    return [
        (wrong_offsets, "annotations[1]", "quote"),
        (missing_kind, "annotations[1]", "kind"),
        (unknown_document, "annotations[0]", "document"),
        (bad_colour, "annotations[1]", "color"),
        (past_the_end, "annotations[0]", "end"),
        (changed_text, "documents[0]", "text_sha256"),
    ]


@pytest.mark.parametrize(("mutate", "record", "field"), _mutations())
def test_bad_file_names_record_and_field_and_changes_nothing(
    filled, tmp_path, mutate, record, field
):
    data = copy.deepcopy(filled.export_json())
    mutate(data)
    with Project(tmp_path / "target.annotator") as target:
        before = target.export_json()
        with pytest.raises(FormatError) as caught:
            target.import_json(data)
        assert caught.value.record and caught.value.record.startswith(record)
        assert caught.value.field == field
        after = target.export_json()
    assert after["annotations"] == before["annotations"] == []
    assert after["documents"] == before["documents"] == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "not an Annotator JSON export"),
        ({"format": "prodigy"}, "not an Annotator JSON export"),
        ({"format": "annotator", "version": 99}, "version 99"),
    ],
)
def test_wrong_format_or_version_is_explained(project, data, message):
    with pytest.raises(FormatError, match=message):
        project.import_json(data)


def test_import_keeps_a_backup_of_a_project_that_has_annotations(filled, tmp_path):
    exported = filled.export_json()
    with Project(tmp_path / "busy.annotator") as busy:
        busy.import_json(exported)
        report = busy.import_json(exported)
        assert report.backup is not None
        assert busy.store.backups()


def _streamed(project, document_ids=None) -> str:
    out = io.StringIO()
    project.write_json(out, document_ids)
    return out.getvalue()


def _as_dumped(project, streamed: str, document_ids=None) -> str:
    """What the export wrote before it streamed: ``json.dumps`` of the whole object (with
    the streamed file's time stamp)."""
    data = project.export_json(document_ids)
    data["exported"] = json.loads(streamed)["exported"]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def test_streamed_export_is_the_text_json_dumps_wrote(filled, tmp_path):
    """Byte for byte, with awkward values: quotes, backslashes, control characters, astral
    characters, a PDF rectangle, a score, a page map, a deleted annotation and a second
    document (annotations ordered by document id) with a link across."""
    text = 'He said "no" \\ then left.\tTabs\u2028and 𝛽.\n'
    second, _ = filled.add_text("quoted", text)
    odd = filled.annotate(
        second.id, 0, 7, note='a "note"\nwith lines \\ and \x01', label="PERSON",
        score=0.875, page=0, rect=(1.5, 2.0, 30.25, 40.0),
    )  # fmt: skip
    gone = filled.annotate(second.id, 8, 12)
    filled.delete_annotation(gone.id)
    first_annotation = filled.annotations(filled.document_headers()[0].id)[0]
    filled.link(odd.id, first_annotation.id, note="across")
    streamed = _streamed(filled)
    assert streamed == _as_dumped(filled, streamed)
    parsed = json.loads(streamed)
    assert gone.id not in {a["id"] for a in parsed["annotations"]}
    assert len(parsed["documents"]) == 2 and len(parsed["links"]) == 2
    jsonschema.validate(parsed, native.schema())


def test_streamed_export_of_some_documents_keeps_their_annotations_and_links_only(filled, tmp_path):
    second, _ = filled.add_text("other", "Another text about Paris.")
    there = filled.annotate(second.id, 19, 24, label="GPE")
    filled.link(there.id, filled.annotations(filled.document_headers()[0].id)[0].id)
    streamed = _streamed(filled, [second.id])
    assert streamed == _as_dumped(filled, streamed, [second.id])
    parsed = json.loads(streamed)
    assert [a["id"] for a in parsed["annotations"]] == [there.id]
    assert parsed["links"] == []
    assert [a["id"] for a in parsed["annotators"]] == [there.annotator_id]


def test_streamed_export_of_an_empty_project_is_the_dumped_text(project):
    streamed = _streamed(project)
    assert streamed == _as_dumped(project, streamed)


# -- the fast structural checks agree with the schema ---------------------------------------

_JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "x", "#ffe066", "#FFE06", "#ffe066\n", "yellow", "a" * 201, "accepted",
                     "entity", "suggested", "2026-01-31T09:30:00Z", "🙂"]),
    st.lists(st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=2)), max_size=5),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)  # fmt: skip
_ANNOTATION_KEYS = [*sorted(native.schema()["$defs"]["annotation"]["properties"]), "extra"]
_LINK_KEYS = [*sorted(native.schema()["$defs"]["link"]["properties"]), "extra"]


def _schema_accepts(definition: str, record) -> bool:
    schema = {"$defs": native.schema()["$defs"], "$ref": f"#/$defs/{definition}"}
    return jsonschema.Draft202012Validator(schema).is_valid(record)


@pytest.fixture(scope="module")
def exported_records(tmp_path_factory):
    with Project(tmp_path_factory.mktemp("records") / "r.annotator") as project:
        document, _ = project.add_text("t", "Alice met Bob in Paris 😀 on Monday.")
        project.annotate(document.id, 0, 5, label="PERSON", score=0.5)
        a = project.annotate(document.id, 10, 13, note="who?", color="#ffe066", symbol="?")
        b = project.annotate(document.id, 17, 22, page=0, rect=(1, 2.5, 3, 4))
        project.link(a.id, b.id, note="see")
        data = project.export_json()
    return data["annotations"], data["links"]


def test_exported_records_pass_the_fast_checks(exported_records):
    annotations, links = exported_records
    assert all(native.plain_annotation(a) for a in annotations)
    assert all(native.plain_link(link) for link in links)


@given(data=st.data())
def test_fast_checks_pass_only_what_the_schema_accepts(exported_records, data):
    """A record changed in one field (any JSON value, or the field removed): whenever the
    fast check passes it, the schema accepts it too; the schema decides every other case."""
    annotations, links = exported_records
    for records, keys, plain, definition in (
        (annotations, _ANNOTATION_KEYS, native.plain_annotation, "annotation"),
        (links, _LINK_KEYS, native.plain_link, "link"),
    ):
        record = dict(data.draw(st.sampled_from(records)))
        key = data.draw(st.sampled_from(keys))
        if data.draw(st.booleans()):
            record.pop(key, None)
        else:
            record[key] = data.draw(_JSON_VALUES)
        if plain(record):
            assert _schema_accepts(definition, record), record


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": 2.0}, None),  # an integer to the schema: left to it, and accepted
        ({"start": True}, "start"),
        ({"color": "yellow"}, "color"),
        ({"score": "high"}, "score"),
        ({"rect": [1, 2, 3]}, "rect"),
        ({"extra": 1}, None),
    ],
)
def test_records_the_fast_check_leaves_in_doubt_get_the_schemas_verdict(
    exported_records, change, field
):
    record = {**exported_records[0][0], **change}
    assert not native.plain_annotation(record)
    data = {"format": "annotator", "version": 1, "documents": [], "annotators": [],
            "annotations": [record]}  # fmt: skip
    if _schema_accepts("annotation", record):
        native.validate(data)
        return
    with pytest.raises(FormatError) as caught:
        native.validate(data)
    assert caught.value.record.startswith("annotations[0]")
    if field is not None:
        assert caught.value.field == field


# -- importing a file as a stream ------------------------------------------------------------


def _whole(file):
    from annotator.formats.exchange import load_json, read_utf8

    return lambda: load_json(read_utf8(file), name=file.name)


def _export_file(project, path):
    from annotator.formats import registry

    registry.export(project, "json", path)
    return path


def test_an_exported_file_is_read_as_a_stream_and_imports_whole(filled, tmp_path):
    file = _export_file(filled, tmp_path / "out.json")
    with open(file, encoding="utf-8") as handle:
        header, records = native._read_streamed(handle)
        assert "annotations" not in header and header["format"] == "annotator"
        collections = [collection for collection, _, _ in records]
    exported = json.loads(file.read_text(encoding="utf-8"))
    assert collections.count("annotations") == len(exported["annotations"])
    assert collections.count("links") == len(exported["links"])
    with Project(tmp_path / "empty.annotator") as empty:
        report = empty.import_json_file(file, _whole(file))
        again = empty.export_json()
    assert report.annotations_added == len(exported["annotations"])
    assert again["annotations"] == exported["annotations"]
    assert again["links"] == exported["links"]


@pytest.mark.parametrize(("mutate", "record", "field"), _mutations())
def test_a_bad_streamed_file_names_record_and_field_and_changes_nothing(
    filled, tmp_path, mutate, record, field
):
    data = json.loads(_export_file(filled, tmp_path / "out.json").read_text(encoding="utf-8"))
    mutate(data)
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    with Project(tmp_path / "target.annotator") as target:
        with pytest.raises(FormatError) as caught:
            target.import_json_file(file, _whole(file))
        assert caught.value.record and caught.value.record.startswith(record)
        assert caught.value.field == field
        assert target.export_json()["annotations"] == []
        assert target.export_json()["documents"] == []


def test_a_file_in_another_order_is_read_whole_and_imports(filled, tmp_path):
    data = json.loads(_export_file(filled, tmp_path / "out.json").read_text(encoding="utf-8"))
    reordered = {key: data[key] for key in ("links", "annotations", "format", "version",
                                            "documents", "annotators", "label_sets")}  # fmt: skip
    file = tmp_path / "reordered.json"
    file.write_text(json.dumps(reordered), encoding="utf-8")
    with open(file, encoding="utf-8") as handle, pytest.raises(native._NotStreamable):
        native._read_streamed(handle)
    with Project(tmp_path / "empty.annotator") as empty:
        report = empty.import_json_file(file, _whole(file))
    assert report.annotations_added == len(data["annotations"])


def test_broken_json_deep_in_a_streamed_file_is_named_by_line_and_column(filled, tmp_path):
    text = _export_file(filled, tmp_path / "out.json").read_text(encoding="utf-8")
    cut = text.index('  "links"')  # after the annotations, which have passed by then
    file = tmp_path / "broken.json"
    file.write_text(text[:cut] + "oops, " + text[cut:], encoding="utf-8")
    line = text[:cut].count("\n") + 1
    with Project(tmp_path / "empty.annotator") as empty:
        with pytest.raises(FormatError, match=f"not valid JSON: .* at line {line}, column"):
            empty.import_json_file(file, _whole(file))
        assert empty.export_json()["annotations"] == []


def test_a_lone_surrogate_deep_in_a_streamed_file_is_refused_naming_the_field(filled, tmp_path):
    text = _export_file(filled, tmp_path / "out.json").read_text(encoding="utf-8")
    file = tmp_path / "surrogate.json"
    file.write_text(text.replace('"note": "see also"', '"note": "see \\ud83d"'), encoding="utf-8")
    with (
        Project(tmp_path / "empty.annotator") as empty,
        pytest.raises(FormatError, match="surrogate") as caught,
    ):
        empty.import_json_file(file, _whole(file))
    assert caught.value.field == "links[0].note"
