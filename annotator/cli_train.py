"""Command-line verbs for training a model on the project: ``train`` and ``learning-curve``.

Only argparse at module level (start-up imports are guarded by tests/test_import_time.py);
spaCy and the training service are imported when a verb runs. ``suggest --model project``
(in :mod:`annotator.cli`) uses the latest model ``train`` saved.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(commands: Any) -> None:
    """Add ``train`` and ``learning-curve`` to the command line's subparsers."""
    train = commands.add_parser(
        "train",
        help="train a spaCy model on the project's annotations; prints held-out scores",
        description="Train a spaCy pipeline (ner, spancat or textcat) on one layer of "
        "annotations. About a fifth of the documents are held out (seeded) and the scores "
        "are measured on them. The model is saved in the project's models folder (or -o) "
        "and `annotator suggest --model project` uses the latest.",
    )
    _selection(train)
    train.add_argument("-o", "--output", metavar="DIR", help="a new folder for the model")
    train.set_defaults(handler=_train)

    curve = commands.add_parser(
        "learning-curve",
        help="held-out F1 per label after training on 25/50/75/100%% of the annotations",
        description="Trains four times (on 25, 50, 75 and 100%% of the training examples, "
        "seeded) and measures each on the same held-out documents. Nothing is saved but "
        "the table.",
    )
    _selection(curve)
    curve.add_argument("--format", choices=("csv", "json"), help="default: from -o, else csv")
    curve.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
    curve.set_defaults(handler=_learning_curve)


def _selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--label-set", metavar="NAME", help="only this label set's labels")
    layer = parser.add_mutually_exclusive_group()
    layer.add_argument(
        "--annotator", action="append", metavar="NAME",
        help="whose annotations (repeatable; default: the current annotator)",
    )  # fmt: skip
    layer.add_argument("--gold", action="store_true", help="the adjudicated gold layer")
    parser.add_argument(
        "--kind", choices=("entities", "spans", "documents"), default="entities",
        help="entities (ner), spans that may overlap (spancat), documents (textcat)",
    )  # fmt: skip
    parser.add_argument(
        "--base", metavar="MODEL", help="start from an installed pipeline's tok2vec"
    )
    parser.add_argument("--seed", type=int, default=0, help="split and training seed")
    parser.add_argument("--epochs", type=int, default=None, metavar="N")


def _requests(args: argparse.Namespace) -> tuple[Any, Any]:
    from annotator.training.data import TrainingRequest
    from annotator.training.trainer import DEFAULT_EPOCHS, TrainingOptions

    request = TrainingRequest(
        kind=args.kind,
        label_set=args.label_set,
        annotators=tuple(args.annotator or ()),
        gold=args.gold,
        seed=args.seed,
    )
    epochs = args.epochs if args.epochs is not None else DEFAULT_EPOCHS
    if epochs < 1:
        from annotator.training.data import TrainingDataError

        raise TrainingDataError("--epochs must be at least 1")
    return request, TrainingOptions(base=args.base, epochs=epochs, seed=args.seed)


def _printer() -> Any:
    def show(progress: Any) -> None:
        if progress.scores is not None or progress.stage != "training":
            share = f"[{progress.share:.0%}] " if progress.share < 1 else ""
            print(f"{share}{progress.describe()}", file=sys.stderr, flush=True)

    return show


def _train(project: Any, args: argparse.Namespace) -> int:
    from annotator.training.data import build_training_set
    from annotator.training.trainer import default_output, train_model

    request, options = _requests(args)
    training_set = build_training_set(project, request)
    output = Path(args.output) if args.output else default_output(project.path, request.kind)
    try:
        report = train_model(training_set, options, output=output, progress=_printer())
    except KeyboardInterrupt:
        print("annotator: interrupted; no model was saved", file=sys.stderr)
        return 130
    print(report.summary())
    if not args.output:
        from annotator.training.saved import prune_models

        for old in prune_models(project.path):
            print(f"Removed an older model: {old}", file=sys.stderr)
    _print_review_precision(project)
    return 0


def _print_review_precision(project: Any) -> None:
    from annotator.training.data import describe_review_precision, review_precision

    described = describe_review_precision(review_precision(project))
    if described:
        print(f"Your review of this project's models' suggestions so far: {described}")


def _learning_curve(project: Any, args: argparse.Namespace) -> int:
    from annotator.training.data import build_training_set
    from annotator.training.trainer import curve_csv, curve_json, learning_curve

    request, options = _requests(args)
    training_set = build_training_set(project, request)
    fmt = args.format or ("json" if (args.output or "").endswith(".json") else "csv")
    try:
        points = learning_curve(training_set, options, progress=_printer())
    except KeyboardInterrupt:
        print("annotator: interrupted; nothing was written", file=sys.stderr)
        return 130
    text = (curve_json if fmt == "json" else curve_csv)(points, training_set.labels)
    if args.output and args.output != "-":
        from annotator.outputs import refuse_unsafe_output, write_text

        target = Path(args.output)
        refuse_unsafe_output(project, target)
        write_text(target, text)
        print(f"Wrote the learning curve to {target}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    _print_review_precision(project)
    return 0
