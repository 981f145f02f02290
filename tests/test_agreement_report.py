"""The agreement report on real project files: wording that says the real cause, the stated
units (tokeniser, overlap rule), intervals in every rendering, the token cache."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotator.agreement import label_tokens
from annotator.comparing.corpus_tokens import guess_language, tokenizer_key
from annotator.comparing.report import compute_agreement
from annotator.nlp.tokens import token_spans
from annotator.project import Project

TEXT_EN = "Ada Lovelace met Charles Babbage in London in 1833. They wrote to Mary Somerville."
TEXT_DE = (
    "Der Bericht wurde z.B. von Frau Müller am 3. Mai in Berlin vorgestellt, und er ist "
    "für die Kommission, die sich mit der Frage beschäftigt, nicht nur wichtig, sondern auch "
    "dringend. Sie hat das Dokument auf der Sitzung vorgelegt und es wurde von allen gelesen."
)


@pytest.fixture
def project(tmp_path: Path):
    with Project(tmp_path / "p.annotator") as p:
        yield p


def _annotate(project: Project, doc_id: str, name: str, spans: list[tuple[int, int, str]]):
    project.add_annotations(
        [
            project.build_annotation(doc_id, s, e, label=label, annotator=name)
            for s, e, label in spans
        ]
    )


def test_item_unit_on_an_entities_only_project_names_zero_items_not_missing_annotators(project):
    doc = project.add_text("One", TEXT_EN)[0]
    _annotate(project, doc.id, "ann", [(0, 12, "PER")])
    _annotate(project, doc.id, "ben", [(0, 12, "PER")])
    report = compute_agreement(project, ["ann", "ben"], unit="item")
    text = report.to_table()
    assert "at least two annotators" not in text
    assert "0 items" in text
    assert any("token or span" in note for note in report.notes)


def test_labelled_tokens_explanation_says_at_least_one_as_its_unit_does(project):
    doc = project.add_text("One", TEXT_EN)[0]
    _annotate(project, doc.id, "ann", [(0, 12, "PER"), (36, 42, "GPE")])
    _annotate(project, doc.id, "ben", [(0, 3, "PER"), (17, 32, "PER")])
    figure = (
        compute_agreement(project, ["ann", "ben"])
        .pair("ann", "ben")
        .figure("Cohen's kappa (annotated")
    )
    assert "at least one of the two" in figure.unit
    assert "at least one of the two" in figure.explanation
    assert "labelled by both" not in figure.explanation


def test_report_states_the_tokeniser_and_the_overlap_rule(project):
    doc = project.add_text("One", TEXT_EN)[0]
    _annotate(project, doc.id, "ann", [(0, 12, "PER")])
    _annotate(project, doc.id, "ben", [(0, 12, "PER")])
    report = compute_agreement(project, ["ann", "ben"])
    table = report.to_table()
    assert "spacy.blank" in table and "English (1)" in table
    assert "covering more of its characters wins" in table
    assert report.to_json()["definitions"]["token"] == report.definitions["token"]
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert {row["measure"] for row in rows if row["section"] == "definition"} == {
        "token",
        "overlapping spans",
    }


def test_german_text_is_tokenised_with_the_german_rules(project):
    assert guess_language(TEXT_DE) == "de"
    assert guess_language(TEXT_EN * 3) == "en"
    doc = project.add_text("Bericht", TEXT_DE)[0]
    start = TEXT_DE.index("z.B.")
    _annotate(project, doc.id, "ann", [(start, start + 4, "MISC")])
    _annotate(project, doc.id, "ben", [(start, start + 4, "MISC")])
    report = compute_agreement(project, ["ann", "ben"])
    assert "German (1)" in report.definitions["token"]
    # German keeps "z.B." one token; the English rules would split it.
    assert report.counts["tokens labelled by anyone"] == 1


def test_every_figure_carries_its_interval_in_json_and_csv(project):
    doc = project.add_text("One", TEXT_EN)[0]
    two = project.add_text("Two", TEXT_EN + " Again.")[0]
    for d in (doc.id, two.id):
        _annotate(project, d, "ann", [(0, 12, "PER"), (36, 42, "GPE"), (66, 81, "PER")])
        _annotate(project, d, "ben", [(0, 3, "PER"), (36, 42, "LOC"), (66, 81, "PER")])
    report = compute_agreement(project, ["ann", "ben"], seed=7)
    data = json.loads(json.dumps(report.to_json()))
    kappa = data["pairs"][0]["figures"][0]
    assert kappa["ci"]["low"] < kappa["value"] < kappa["ci"]["high"]
    assert kappa["se"] == kappa["ci"]["se"] > 0
    f1 = next(f for f in data["pairs"][0]["figures"] if f["measure"].startswith("Span F1"))
    assert "bootstrap over documents" in f1["ci"]["method"] and "seed 7" in f1["ci"]["method"]
    assert all(f["ci"] is not None for f in data["overall"])
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    pairwise = [row for row in rows if row["section"] == "pairwise"]
    assert all(row["ci_low"] and row["se"] for row in pairwise)
    again = compute_agreement(project, ["ann", "ben"], seed=7)
    assert again.to_json() == report.to_json()  # seeded: the same figures every run


def test_tokens_are_cached_by_text_hash_and_reused(project, tmp_path):
    doc = project.add_text("One", TEXT_EN)[0]
    _annotate(project, doc.id, "ann", [(0, 12, "PER")])
    _annotate(project, doc.id, "ben", [(0, 3, "PER")])
    first = compute_agreement(project, ["ann", "ben"])
    with sqlite3.connect(tmp_path / "p.annotator") as conn:
        rows = conn.execute("SELECT text_sha256, tokenizer, language, count FROM token_cache")
        cached = rows.fetchall()
    assert cached == [(doc.text_sha256, tokenizer_key(), "en", len(token_spans(TEXT_EN)))]
    second = compute_agreement(project, ["ann", "ben"])
    assert second.to_json() == first.to_json()


def test_corpus_token_kappa_equals_sklearn_over_many_documents(project):
    rng = np.random.default_rng(5)
    words = TEXT_EN.split(" ")
    all_a: list[str] = []
    all_b: list[str] = []
    for d in range(12):
        text = " ".join(rng.choice(words, size=60))
        doc = project.add_text(f"doc {d}", text)[0]
        spans: dict[str, list[tuple[int, int, str]]] = {"ann": [], "ben": []}
        position = 0
        for word in text.split(" "):
            for name, p in (("ann", 0.3), ("ben", 0.25)):
                if rng.random() < p:
                    spans[name].append(
                        (position, position + len(word), str(rng.choice(["X", "Y"])))
                    )
            position += len(word) + 1
        # an overlapping pair of one annotator's spans, to exercise the overlap rule
        spans["ann"].append((0, 9, "Z"))
        for name, found in spans.items():
            _annotate(project, doc.id, name, found)
        all_a += label_tokens(token_spans(text), spans["ann"])
        all_b += label_tokens(token_spans(text), spans["ben"])
    figure = (
        compute_agreement(project, ["ann", "ben"]).pair("ann", "ben").figure("Cohen's kappa (with")
    )
    assert figure.n == len(all_a)
    assert figure.value == pytest.approx(cohen_kappa_score(all_a, all_b), abs=1e-12)


def test_a_version_1_project_gains_the_token_cache_on_opening(tmp_path):
    path = tmp_path / "old.annotator"
    with Project(path) as p:
        doc = p.add_text("One", TEXT_EN)[0]
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE token_cache")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    with Project(path) as p:
        assert p.store.schema_version >= 2  # and any later steps
        assert p.document(doc.id).text == TEXT_EN
        _annotate(p, doc.id, "ann", [(0, 12, "PER")])
        _annotate(p, doc.id, "ben", [(0, 12, "PER")])
        assert compute_agreement(p, ["ann", "ben"]).counts["tokens"] == len(token_spans(TEXT_EN))
    assert list(tmp_path.glob("old.*.bak"))  # the migration kept a copy of the old file


def test_cli_agreement_prints_intervals_and_takes_confidence_level(tmp_path):
    import os
    import subprocess
    import sys

    path = tmp_path / "cli.annotator"
    with Project(path) as p:
        for title in ("One", "Two"):
            doc = p.add_text(title, TEXT_EN + " " + title)[0]
            _annotate(p, doc.id, "ann", [(0, 12, "PER"), (36, 42, "GPE"), (66, 81, "PER")])
            _annotate(p, doc.id, "ben", [(0, 3, "PER"), (36, 42, "LOC"), (66, 81, "PER")])

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "annotator", "--project", str(path), "agreement",
             "--annotators", "ann,ben", *args],
            capture_output=True, text=True, encoding="utf-8", check=False, timeout=120,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )  # fmt: skip

    table = run()
    assert table.returncode == 0, table.stderr
    assert "95% confidence intervals" in table.stdout and "SE " in table.stdout
    assert "spacy.blank" in table.stdout
    data = json.loads(run("--format", "json", "--confidence", "0.9", "--seed", "3").stdout)
    kappa = data["pairs"][0]["figures"][0]
    assert kappa["ci"]["level"] == 0.9
    bad = run("--confidence", "95")
    assert bad.returncode != 0 and "--confidence" in bad.stderr


def test_token_kappa_explains_a_bootstrap_over_documents_too(project):
    rng = np.random.default_rng(2)
    words = TEXT_EN.split(" ")
    for d in range(6):
        text = " ".join(rng.choice(words, size=40))
        doc = project.add_text(f"doc {d}", text)[0]
        for name, share in (("ann", 0.3), ("ben", 0.2 + 0.05 * d)):
            spans, position = [], 0
            for word in text.split(" "):
                if rng.random() < share:
                    spans.append((position, position + len(word), "X"))
                position += len(word) + 1
            _annotate(project, doc.id, name, spans)
    kappa = (
        compute_agreement(project, ["ann", "ben"], seed=4)
        .pair("ann", "ben")
        .figure("Cohen's kappa (with")
    )
    assert "Resampling whole documents (1000 resamples, seed 4)" in kappa.explanation


def test_token_unit_span_f1_equals_span_f1_of_the_same_spans(project):
    from annotator.agreement import span_f1

    rng = np.random.default_rng(3)
    words = TEXT_EN.split(" ")
    spans: dict[str, list[tuple[str, int, int, str]]] = {"ann": [], "ben": []}
    for d in range(5):
        text = " ".join(rng.choice(words, size=50))
        doc = project.add_text(f"doc {d}", text)[0]
        position = 0
        for word in text.split(" "):
            for name in spans:
                if rng.random() < 0.3:
                    label = str(rng.choice(["X", "Y", "Z"]))
                    spans[name].append((doc.id, position, position + len(word), label))
            position += len(word) + 1
        for name in spans:
            mine = [(s, e, label) for d_id, s, e, label in spans[name] if d_id == doc.id]
            _annotate(project, doc.id, name, mine)
    pair = compute_agreement(project, ["ann", "ben"]).pair("ann", "ben")
    expected = span_f1(spans["ann"], spans["ben"], "exact")
    figure = pair.figure("Span F1")
    assert figure.value == pytest.approx(expected.f1)
    assert figure.counts["matched ann"] == expected.micro.matched_a
    assert figure.interval is not None and figure.interval.low <= figure.value


def test_exact_span_f1_arrays_gives_the_same_for_packed_and_long_spans():
    from annotator.agreement import span_f1
    from annotator.agreement.span_f1 import exact_span_f1_arrays

    a = [(0, 0, 5, "X"), (0, 10, 20, "Y"), (1, 3, 9000, "X"), (1, 3, 9000, "X")]
    b = [(0, 0, 5, "X"), (0, 10, 20, "X"), (1, 3, 9000, "X")]
    names = ["O", "X", "Y"]

    def arrays(spans):
        return tuple(
            np.array(column, dtype=np.int64)
            for column in (
                [(d << 36) + s for d, s, _, _ in spans],
                [(d << 36) + e for d, _, e, _ in spans],
                [names.index(label) for *_, label in spans],
            )
        )

    expected = span_f1(a, b)
    for left, right in ((a, b), (a[:2], b[:2])):  # with and without a span too long to pack
        result, _ = exact_span_f1_arrays(arrays(left), arrays(right), names, lambda s: s >> 36, 2)
        reference = span_f1(left, right)
        assert result.f1 == pytest.approx(reference.f1)
        assert result.per_label == reference.per_label
    assert expected.micro.matched_a == 2


def test_the_real_english_readings_are_tokenised_as_english():
    samples = sorted(Path("/work/shared/samples").glob("*.txt"))
    if not samples:
        pytest.skip("the shared sample readings are not on this machine")
    for sample in samples:
        assert guess_language(sample.read_text(encoding="utf-8")) == "en", sample.name
