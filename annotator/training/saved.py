"""The models trained for a project: where they are kept and which is the latest.

A project ``reading.annotator`` keeps its trained pipelines in the folder
``reading-models/`` beside it, one ordinary spaCy model folder each (``spacy.load`` reads
it; so does any other spaCy program). What Annotator knows about a model (when, on what,
how well it did on held-out documents) is in the folder's ``meta.json`` under
``"annotator"``, so a copied folder keeps its description. Light: no spaCy.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: What ``--model`` and the model list call the project's latest trained model.
PROJECT_MODEL = "project"
META_KEY = "annotator"


@dataclass(frozen=True, slots=True)
class TrainedModel:
    """A trained model folder and what its ``meta.json`` says about its training."""

    path: Path
    kind: str
    labels: tuple[str, ...]
    annotations: int
    f1: float | None
    trained: str  # ISO time, UTC
    per_label: dict[str, dict[str, float]]

    def describe(self) -> str:
        """``this project's model, trained on 120 annotations, F1 0.71`` (for the model list)."""
        score = f"F1 {self.f1:.2f}" if self.f1 is not None else "no held-out score"
        return f"this project's model, trained on {self.annotations} annotations, {score}"


def models_folder(project_path: str | os.PathLike[str]) -> Path:
    """The folder beside the project that holds its trained models (not created here)."""
    path = Path(project_path)
    return path.with_name(f"{path.stem}-models")


def read_trained(path: str | os.PathLike[str]) -> TrainedModel | None:
    """The description of a model folder trained by Annotator; None for any other folder."""
    folder = Path(path)
    try:
        meta: dict[str, Any] = json.loads((folder / "meta.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    info = meta.get(META_KEY)
    if not isinstance(info, dict) or not (folder / "config.cfg").is_file():
        return None
    return TrainedModel(
        path=folder,
        kind=str(info.get("kind", "entities")),
        labels=tuple(info.get("labels", ())),
        annotations=int(info.get("annotations", 0)),
        f1=info.get("f1"),
        trained=str(info.get("trained", "")),
        per_label=dict(info.get("per_label", {})),
    )


def trained_models(project_path: str | os.PathLike[str]) -> list[TrainedModel]:
    """The project's trained models, newest first."""
    folder = models_folder(project_path)
    if not folder.is_dir():
        return []
    found = [m for child in folder.iterdir() if (m := read_trained(child)) is not None]
    return sorted(found, key=lambda m: (m.trained, m.path.name), reverse=True)


def latest_model(project_path: str | os.PathLike[str]) -> TrainedModel | None:
    """The project's newest trained model, if it has one."""
    models = trained_models(project_path)
    return models[0] if models else None


#: Trained models kept in a project's models folder (keep learning makes one per retrain).
KEEP_MODELS = 5


def prune_models(project_path: str | os.PathLike[str], keep: int = KEEP_MODELS) -> list[Path]:
    """Delete all but the ``keep`` newest trained models in the project's models folder (a
    folder elsewhere, saved with ``-o``, is never touched); returns what was deleted."""
    import shutil

    old = trained_models(project_path)[keep:]
    for model in old:
        shutil.rmtree(model.path, ignore_errors=True)
    return [m.path for m in old]


__all__ = [
    "KEEP_MODELS",
    "META_KEY",
    "PROJECT_MODEL",
    "TrainedModel",
    "latest_model",
    "models_folder",
    "prune_models",
    "read_trained",
    "trained_models",
]
