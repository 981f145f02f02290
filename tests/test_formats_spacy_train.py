"""The real check for a ``.spacy`` export: ``spacy train`` accepts it (a few steps, on CPU)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from annotator.formats.registry import export
from annotator.project import Project

TEXTS = [
    "Ada Lovelace met Charles Babbage in London 🙂.",
    "The angle \U0001d6fd was measured by Marie Curie in Paris.",
    "Alan Turing worked at Bletchley Park near London.",
]
ENTITIES = {
    "Ada Lovelace": "PERSON", "Lovelace": "SURNAME", "Charles Babbage": "PERSON",
    "London": "GPE", "Marie Curie": "PERSON", "Paris": "GPE", "Alan Turing": "PERSON",
    "Bletchley Park": "FAC",
}  # fmt: skip


def _spacy(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spacy", *args],
        cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=300,
    )  # fmt: skip


def test_spacy_train_accepts_the_exported_docbin(project: Project, tmp_path: Path):
    for number, text in enumerate(TEXTS):
        document, _ = project.add_text(f"text {number}", text)
        built = []
        for phrase, label in ENTITIES.items():
            start = text.find(phrase)
            if start >= 0:
                built.append(
                    project.build_annotation(
                        document.id, start, start + len(phrase), label=label, text=text
                    )
                )
        category = "HISTORY" if number != 1 else "SCIENCE"
        built.append(project.build_annotation(document.id, 0, 0, kind="doc_label",
                                              label=category, text=text))  # fmt: skip
        project.add_annotations(built)
    data = tmp_path / "train.spacy"
    result, _ = export(project, "spacy", data)
    assert any("only in doc.spans['sc']" in w for w in result.warnings)  # Lovelace

    config = tmp_path / "config.cfg"
    pipeline = "ner,spancat,textcat_multilabel"
    made = _spacy("init", "config", str(config), "--lang", "en", "--pipeline", pipeline,
                  "--optimize", "efficiency", cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    trained = _spacy(
        "train", str(config), "--paths.train", str(data), "--paths.dev", str(data),
        "--training.max_steps", "2", "--training.eval_frequency", "1",
        "--output", str(tmp_path / "model"), cwd=tmp_path,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stdout + trained.stderr
    assert "Saved pipeline" in trained.stdout
    assert (tmp_path / "model" / "model-last" / "ner").is_dir()
