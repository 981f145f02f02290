"""Spans as training tools want them (issue 16, defects 1–3).

Suggested spans never start or end with whitespace; spaCy and CoNLL exports trim (and
count) the whitespace at the edges of spans made in character mode, so ``spacy debug data``
finds no whitespace entity; brat gets a tab inside a span as brat itself writes it
(fragments around the tab) and reads it back; CoNLL never puts a sentence break inside an
entity.
"""

from __future__ import annotations

from pathlib import Path

from annotator.formats.exchange import ExportScope
from annotator.formats.registry import export, import_file
from annotator.project import Project


def _whitespace_edged(doc) -> list[str]:  # type: ignore[no-untyped-def]
    """What ``spacy debug data`` counts as invalid whitespace entity spans (a B-, L- or U-
    tag on a whitespace token), and any span whose text starts or ends with whitespace."""
    spans = [*doc.ents, *doc.spans.get("sc", [])]
    return [s.text for s in spans if s[0].is_space or s[-1].is_space or s.text != s.text.strip()]


def test_suggested_entities_never_start_or_end_with_whitespace(project: Project, samples: Path):
    from annotator.suggesting.running import run_suggestions

    # spaCy's small English model tags 'Prisma App\n' here, newline included.
    document, _ = project.add_document(samples / "deep-learning-lecture-slides.txt")
    run_suggestions(project, [document.id], accept=True)
    spans = project.annotations(document.id)
    assert spans
    edged = [a.quote for a in spans if a.quote != a.quote.strip()]
    assert edged == []
    assert "Prisma App" in {a.quote for a in spans}


def test_spacy_export_trims_whitespace_at_span_edges_and_says_how_many(
    project: Project, tmp_path: Path
):
    import spacy
    from spacy.tokens import DocBin

    text = "We met <Alex>\n  at the Alumni Night\n\nin Leeds."
    document, _ = project.add_text("Meeting", text)
    alex = text.index("Alex")
    project.annotate(document.id, alex, alex + len("Alex>\n  "), label="PERSON")  # character mode
    night = text.index("the Alumni")
    project.annotate(document.id, night, text.index("in Leeds"), label="EVENT")
    leeds = text.index("Leeds")
    project.annotate(document.id, leeds, leeds + 5, label="GPE")

    out = tmp_path / "train.spacy"
    result, _ = export(project, "spacy", str(out), ExportScope())

    docs = list(DocBin().from_disk(out).get_docs(spacy.blank("en").vocab))
    assert _whitespace_edged(docs[0]) == []
    assert [e.text for e in docs[0].ents] == ["Alex>", "the Alumni Night", "Leeds"]
    assert (
        "spans with whitespace at an edge were trimmed (training tools reject such entities): 2"
        in result.warnings
    )


def test_conll_export_trims_whitespace_at_span_edges_and_says_how_many(project: Project):
    text = "We met <Alex>\n  at noon."
    document, _ = project.add_text("Meeting", text)
    alex = text.index("Alex")
    project.annotate(document.id, alex - 1, alex + len("Alex>\n  "), label="PERSON")

    result, conll = export(project, "conll", None, ExportScope())

    tagged = [line.split()[0] for line in conll.splitlines() if line.endswith("PERSON")]
    assert tagged == ["<", "Alex", ">"]
    assert next(line for line in conll.splitlines() if line.endswith("PERSON")).endswith("B-PERSON")
    assert (
        "spans with whitespace at an edge were trimmed (training tools reject such entities): 1"
        in result.warnings
    )


def test_conll_never_breaks_a_sentence_inside_an_entity(project: Project, tmp_path: Path):
    text = "See 7. 8 tips now. Then rest."
    document, _ = project.add_text("Tips", text)
    start = text.index("7. 8")
    project.annotate(document.id, start, start + len("7. 8"), label="CARDINAL")

    _, conll = export(project, "conll", None, ExportScope())
    lines = conll.splitlines()
    first = lines.index("7 -X- _ B-CARDINAL")
    assert lines[first : first + 3] == ["7 -X- _ B-CARDINAL", ". -X- _ I-CARDINAL",
                                        "8 -X- _ I-CARDINAL"]  # fmt: skip
    assert "" in lines[first + 3 :]  # the sentences after it are still broken

    path = tmp_path / "tips.conll"
    path.write_text(conll, encoding="utf-8")
    with Project(tmp_path / "back.annotator") as back:
        import_file(back, path, "conll")
        entities = back.annotations()
        assert [(a.quote, a.label) for a in entities] == [("7 . 8", "CARDINAL")]


def test_brat_writes_a_tab_inside_a_span_as_brat_does_and_reads_it_back(
    project: Project, tmp_path: Path
):
    text = "Time\t10h  left.\nName\t\tValue here"
    document, _ = project.add_text("Table", text)
    project.annotate(document.id, 0, 9, label="TIME")  # 'Time\t10h ', made in character mode
    value = text.index("Name")
    project.annotate(document.id, value, value + len("Name\t\tValue"), label="FIELD")

    result, _ = export(project, "brat", str(tmp_path / "out"), ExportScope())
    ann = (tmp_path / "out" / "Table.ann").read_text(encoding="utf-8")
    # brat's own writer (server/src/annotator.py, __create_span) breaks a span at tabs and
    # line breaks into fragments joined by one space in the text column.
    assert ann.splitlines() == [
        "T1\tTIME 0 4;5 8\tTime 10h",
        f"T2\tFIELD {value} {value + 4};{value + 6} {value + 11}\tName Value",
    ]
    assert any("1 spans were trimmed" in w for w in result.warnings)  # the 'Time\t10h ' one

    with Project(tmp_path / "back.annotator") as back:
        import_file(back, tmp_path / "out", "brat")
        assert sorted((a.start, a.end, a.label) for a in back.annotations()) == [
            (0, 8, "TIME"),
            (value, value + 11, "FIELD"),
        ]


def test_brat_still_reads_a_file_with_a_raw_tab_in_the_text_column(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "t.txt").write_text("Time\t10h  left.", encoding="utf-8")
    (folder / "t.ann").write_text("T1\tTIME 0 8\tTime\t10h\n", encoding="utf-8")
    with Project(tmp_path / "p.annotator") as project:
        import_file(project, folder, "brat")
        assert [(a.start, a.end) for a in project.annotations()] == [(0, 8)]
