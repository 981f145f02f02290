"""Every interchange format: export a project, import it into an empty one, compare.

What the format can hold must come back identical; what it cannot must be named in the
export's warnings. The reading has emoji and a mathematical letter outside the BMP
(U+1D6FD), an entity inside another (overlap), a comment, a coloured highlight with a
symbol and a document label.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.model import AnnotationKind
from annotator.formats.exchange import ExportScope
from annotator.formats.registry import export, import_file
from annotator.project import Project

TEXT = (
    "Ada Lovelace met Charles Babbage in London 🙂.\n"
    "The angle \U0001d6fd was small, said Ada.\n"
    "\n"
    "A second paragraph about London Bridge."
)
ENTITIES = [
    ("Ada Lovelace", "PERSON"),
    ("Lovelace", "SURNAME"),  # inside "Ada Lovelace": overlapping
    ("Charles Babbage", "PERSON"),
    ("London Bridge", "FAC"),
]


def _span(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def reading(project: Project):
    """A project whose one document has every kind of annotation the formats care about."""
    document, _ = project.add_text("A reading 🙂", TEXT)
    project.switch_annotator("ada")
    built = [
        project.build_annotation(document.id, *_span(phrase), label=label, text=TEXT)
        for phrase, label in ENTITIES
    ]
    built.append(
        project.build_annotation(
            document.id, *_span("\U0001d6fd was small"), note="why \U0001d6fd? 🤔", text=TEXT
        )
    )
    built.append(
        project.build_annotation(
            document.id, *_span("🙂"), kind="highlight", color="#ff0000", symbol="!", text=TEXT
        )
    )
    built.append(
        project.build_annotation(document.id, 0, 0, kind="doc_label", label="HISTORY", text=TEXT)
    )
    project.add_annotations(built)
    return project, document


def _round_trip(project: Project, tmp_path: Path, name: str, target: str, *, add_text=False):
    out = tmp_path / target
    result, _ = export(project, name, out)
    fresh = Project(tmp_path / f"fresh-{name}.annotator")
    if add_text:
        fresh.add_text("the same reading", TEXT)
    report = import_file(fresh, out, name)
    return result, fresh, report


def _held(project: Project, fields: tuple[str, ...]) -> set[tuple]:
    names = {a.id: a.name for a in project.annotators()}
    rows = set()
    for summary in project.documents():
        for a in project.annotations(summary.document.id):
            values = {
                "kind": a.kind.value,
                "start": a.start,
                "end": a.end,
                "quote": a.quote,
                "label": a.label,
                "note": a.note,
                "color": a.color,
                "symbol": a.symbol,
                "annotator": names[a.annotator_id],
                "id": a.id,
            }
            rows.add(tuple(values[f] for f in fields))
    return rows


def _texts(project: Project) -> list[str]:
    return [project.document(s.document.id).text for s in project.documents()]


ALL = ("kind", "start", "end", "quote", "label", "note", "color", "symbol", "annotator", "id")
SPANS = ("kind", "start", "end", "quote", "label", "annotator")


def test_json_round_trip_keeps_everything(reading, tmp_path):
    project, _ = reading
    result, fresh, _ = _round_trip(project, tmp_path, "json", "out.json")
    assert _held(fresh, ALL) == _held(project, ALL)
    assert _texts(fresh) == [TEXT]
    assert result.warnings == []


@pytest.mark.parametrize("name", ["prodigy", "doccano"])
def test_jsonl_round_trip_keeps_labelled_spans_labels_and_annotator(reading, tmp_path, name):
    project, _ = reading
    result, fresh, report = _round_trip(project, tmp_path, name, f"out.{name}.jsonl")
    labelled = {row for row in _held(project, SPANS) if row[4] is not None}
    assert _held(fresh, SPANS) == labelled
    assert _texts(fresh) == [TEXT]
    assert fresh.documents()[0].document.title == "A reading 🙂"
    assert report.annotations_added == len(labelled) == 5
    # The comment and the coloured highlight have no place: said, not silently dropped.
    assert any("2 highlights, comments" in w for w in result.warnings)


def test_prodigy_token_end_is_inclusive_and_matches_the_characters(reading, tmp_path):
    import json

    project, _ = reading
    out = tmp_path / "tasks.jsonl"
    export(project, "prodigy", out)
    task = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    tokens = task["tokens"]
    assert task["answer"] == "accept" and task["_annotator_id"] == "ada"
    assert task["accept"] == ["HISTORY"]
    for span in task["spans"]:
        assert tokens[span["token_start"]]["start"] == span["start"]
        assert tokens[span["token_end"]]["end"] == span["end"]  # inclusive token_end
        assert TEXT[span["start"] : span["end"]] in dict(ENTITIES)


def test_spacy_round_trip_keeps_entities_overlaps_and_categories(reading, tmp_path):
    project, _ = reading
    result, fresh, _ = _round_trip(project, tmp_path, "spacy", "train.spacy")
    fields = ("kind", "start", "end", "quote", "label")
    labelled = {row for row in _held(project, fields) if row[4] is not None}
    assert _held(fresh, fields) == labelled
    assert _texts(fresh) == [TEXT]
    assert any("only in doc.spans['sc']" in w for w in result.warnings)
    assert any("without a label were left out" in w for w in result.warnings)


def test_spacy_docbin_loads_with_ents_spans_and_cats(reading, tmp_path):
    import spacy
    from spacy.tokens import DocBin

    project, _ = reading
    out = tmp_path / "train.spacy"
    export(project, "spacy", out)
    nlp = spacy.blank("en")
    (doc,) = DocBin().from_disk(out).get_docs(nlp.vocab)
    assert doc.text == TEXT
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Ada Lovelace", "PERSON"),
        ("Charles Babbage", "PERSON"),
        ("London Bridge", "FAC"),
    ]
    assert sorted((s.text, s.label_) for s in doc.spans["sc"]) == sorted(ENTITIES)
    assert doc.cats == {"HISTORY": 1.0}


def test_brat_round_trip_keeps_spans_comments_and_annotator(reading, tmp_path):
    project, _ = reading
    result, fresh, _ = _round_trip(project, tmp_path, "brat", "brat-out")
    fields = ("kind", "start", "end", "quote", "label", "note")
    spans = {row for row in _held(project, fields) if row[0] != "doc_label"}
    assert _held(fresh, fields) == spans
    assert _texts(fresh) == [TEXT]
    assert any("document-level" in w for w in result.warnings)
    assert any("colours or symbols" in w for w in result.warnings)


def test_brat_writes_annotator_notes_and_a_zip(reading, tmp_path):
    import zipfile

    project, _ = reading
    export(project, "brat", tmp_path / "out.zip")
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        names = sorted(archive.namelist())
        ann = archive.read(names[0]).decode("utf-8")
        txt = archive.read(names[1]).decode("utf-8")
    assert names == ["A_reading.ann", "A_reading.txt"]
    assert txt == TEXT
    lines = ann.splitlines()
    start, end = _span("\U0001d6fd was small")
    assert f"T5\tComment {start} {end}\t\U0001d6fd was small" in lines
    assert "#1\tAnnotatorNotes T5\twhy \U0001d6fd? 🤔" in lines
    fresh = Project(tmp_path / "fresh.annotator")
    assert import_file(fresh, tmp_path / "out.zip").annotations_added == 6


def test_brat_spans_across_lines_become_fragments_and_come_back_whole(project, tmp_path):
    document, _ = project.add_text("two lines", "first line\nsecond line")
    project.annotate(document.id, 6, 17, label="ACROSS")
    export(project, "brat", tmp_path / "b")
    ann = (tmp_path / "b" / "two_lines.ann").read_text(encoding="utf-8")
    assert ann == "T1\tACROSS 6 10;11 17\tline second\n"
    fresh = Project(tmp_path / "fresh.annotator")
    import_file(fresh, tmp_path / "b")
    (a,) = fresh.annotations()
    assert (a.start, a.end, a.label) == (6, 17, "ACROSS")


def test_several_annotators_get_a_brat_folder_each(reading, tmp_path):
    project, document = reading
    project.annotate(document.id, *_span("London Bridge"), label="GPE", annotator="ben")
    export(project, "brat", tmp_path / "b")
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["ada", "ben"]
    fresh = Project(tmp_path / "fresh.annotator")
    import_file(fresh, tmp_path / "b")
    assert {a.name for a in fresh.annotators()} >= {"ada", "ben"}
    assert len(fresh.documents()) == 1  # the same text under both folders is one document


def test_w3c_round_trip_keeps_kinds_notes_labels_ids_and_creator(reading, tmp_path):
    project, _ = reading
    result, fresh, report = _round_trip(project, tmp_path, "w3c", "out.jsonld", add_text=True)
    fields = ("kind", "start", "end", "quote", "label", "note", "annotator", "id")
    assert _held(fresh, fields) == _held(project, fields)
    assert report.documents_matched == 1 and report.documents_added == 0
    assert any("colours or symbols" in w for w in result.warnings)
    assert any("does not carry the documents' text" in w for w in result.warnings)


def test_w3c_annotation_has_position_and_quote_selectors(reading, tmp_path):
    import json

    project, document = reading
    out = tmp_path / "out.jsonld"
    export(project, "w3c", out)
    items = json.loads(out.read_text(encoding="utf-8"))["first"]["items"]
    comment = next(i for i in items if i["motivation"] == "commenting")
    start, end = _span("\U0001d6fd was small")
    assert comment["target"]["source"] == f"urn:sha256:{document.text_sha256}"
    position, quote = comment["target"]["selector"]
    assert position == {"type": "TextPositionSelector", "start": start, "end": end}
    assert quote["type"] == "TextQuoteSelector" and quote["exact"] == "\U0001d6fd was small"
    assert quote["prefix"].endswith("The angle ")
    assert comment["body"][0]["value"] == "why \U0001d6fd? 🤔"
    assert comment["creator"] == "ada"


def test_w3c_quote_only_annotation_is_placed_by_its_quote(project, tmp_path):
    import json

    document, _ = project.add_text("reading", TEXT)
    hypothesis_style = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "motivation": "commenting",
        "body": {"type": "TextualBody", "value": "a bridge", "purpose": "commenting"},
        "target": {
            "source": f"urn:sha256:{document.text_sha256}",
            "selector": [{"type": "TextQuoteSelector", "exact": "London", "prefix": "about "}],
        },
    }
    path = tmp_path / "one.json"
    path.write_text(json.dumps(hypothesis_style), encoding="utf-8")
    import_file(project, path)
    (a,) = project.annotations()
    start = TEXT.index("London Bridge")  # the second "London": the prefix tells them apart
    assert (a.start, a.end, a.kind, a.note) == (
        start,
        start + 6,
        AnnotationKind.COMMENT,
        "a bridge",
    )


def test_conll_round_trip_keeps_tokens_and_tags_and_counts_dropped_overlaps(reading, tmp_path):
    project, _ = reading
    result, fresh, _ = _round_trip(project, tmp_path, "conll", "out.conll")
    kept = {(q, label) for q, label in ENTITIES if label != "SURNAME"}
    assert _held(fresh, ("quote", "label")) == kept
    (text,) = _texts(fresh)
    assert (
        text.split()
        == TEXT.replace("🙂.", "🙂 .")
        .replace("small,", "small ,")
        .replace("Ada.", "Ada .")
        .replace("Bridge.", "Bridge .")
        .split()
    )
    assert any("1 overlapping spans were dropped" in w for w in result.warnings)
    assert any("document labels" in w for w in result.warnings)


def test_conll_writes_docstart_iob2_and_sentence_breaks(reading, tmp_path):
    project, _ = reading
    out = tmp_path / "out.conll"
    export(project, "conll", out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "-DOCSTART- -X- -X- O"
    assert lines[2:5] == ["Ada -X- _ B-PERSON", "Lovelace -X- _ I-PERSON", "met -X- _ O"]
    assert "\U0001d6fd -X- _ O" in lines
    assert lines.count("") >= 4  # after DOCSTART and after each sentence


def test_import_twice_adds_nothing_the_second_time(reading, tmp_path):
    project, _ = reading
    out = tmp_path / "out.jsonl"
    export(project, "doccano", out)
    fresh = Project(tmp_path / "fresh.annotator")
    first = import_file(fresh, out, "doccano")
    second = import_file(fresh, out, "doccano")
    assert first.annotations_added == 5
    assert (second.annotations_added, second.annotations_unchanged) == (0, 5)
    assert second.documents_matched == 1 and len(fresh.documents()) == 1


def test_export_scope_filters_annotators(reading, tmp_path):
    project, document = reading
    project.annotate(document.id, *_span("London Bridge"), label="GPE", annotator="ben")
    result, text = export(project, "doccano", None, ExportScope(annotators=("ben",)))
    assert text is not None and text.count("\n") == 1
    assert '"annotator": "ben"' in text and "FAC" not in text
    assert result.annotations == 1


def test_gold_only_export_without_a_gold_layer_says_what_to_do(reading):
    from annotator.core.errors import AnnotatorError

    project, _ = reading
    with pytest.raises(AnnotatorError, match="no gold layer"):
        export(project, "spacy", "x.spacy", ExportScope(gold_only=True))


def test_gold_only_export_keeps_only_the_gold_annotator(reading, tmp_path):
    project, document = reading
    project.annotate(document.id, *_span("Charles Babbage"), label="PERSON", annotator="gold")
    result, text = export(project, "doccano", None, ExportScope(gold_only=True))
    assert result.annotations == 1 and '"annotator": "gold"' in text


def test_suggestions_and_orphans_are_left_out_and_orphans_reported(reading):
    project, document = reading
    project.annotate(document.id, *_span("London Bridge"), label="ORG", status="suggested")
    orphan = project.annotate(document.id, *_span("second"), label="X")
    project.update_annotation(orphan.id, status="orphaned")
    result, text = export(project, "doccano", None)
    assert "ORG" not in text and '"X"' not in text
    assert any("1 orphaned annotations were left out" in w for w in result.warnings)
