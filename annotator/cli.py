"""The command line: the same service as the GUI, for scripts, corpora and tests.

Offsets are code points, end exclusive. Every error the user can cause ends the command
with a non-zero status and one clear line on stderr, and leaves the project unchanged.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from annotator import __version__
from annotator.core.errors import AnnotatorError
from annotator.core.words import agree, counted

EXIT_ERROR = 1
EXIT_USAGE = 2

#: Modules that add verbs of their own: each has ``register(commands)``, which adds its
#: subparsers and sets ``handler`` (a function of the open project and the arguments) as
#: their default. They import only argparse at module level; the work is imported on use.
VERB_MODULES: tuple[str, ...] = (
    "annotator.cli_annotators",
    "annotator.cli_review",
    "annotator.cli_train",
)


class CliError(AnnotatorError):
    """A problem with the command's own arguments or files."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="annotator",
        formatter_class=argparse.RawDescriptionHelpFormatter,  # --version keeps its lines
        description="Close reading and corpus annotation. Without a command, opens the app.",
    )
    from annotator.recovery import describe_sqlite as describe

    parser.add_argument(
        "--version", action="version", version=f"annotator {__version__}\n{describe()}"
    )
    # Hidden: `make package` checks the built app with it (see annotator.app.run_smoke_test).
    parser.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--project",
        metavar="PATH",
        help="project file to open or create (default: one in your user data folder)",
    )
    parser.add_argument(
        "--annotator", dest="acting_annotator", metavar="NAME",
        help="work as NAME for this command: what suggest --accept, annotate, import, review "
        "and adjudicate do is theirs (default: the project's own, see 'annotator annotators')",
    )  # fmt: skip
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = commands.add_parser("gui", help="open the app (the default)")
    gui.add_argument("files", nargs="*", help="documents to add and open")

    add = commands.add_parser("add", help="add documents; prints one document id per file")
    add.add_argument("files", nargs="+", metavar="FILE")
    add.add_argument("--password", help="password of encrypted PDFs")

    listing = commands.add_parser(
        "list", help="documents with ids, annotation and suggestion counts, and titles"
    )
    listing.add_argument("--json", action="store_true", help="machine-readable output")

    annotate = commands.add_parser("annotate", help="annotate a span; prints the annotation id")
    annotate.add_argument("document", metavar="DOC_ID")
    annotate.add_argument("--start", type=int, required=True, help="first character (code points)")
    annotate.add_argument("--end", type=int, required=True, help="end character, exclusive")
    annotate.add_argument("--label")
    annotate.add_argument("--note", default="")
    annotate.add_argument("--color", help="highlight colour as #rrggbb")
    annotate.add_argument("--symbol", help="a symbol such as ? ! *")
    annotate.add_argument("--kind", help="highlight, comment, entity, sentiment, summary...")
    annotate.add_argument("--annotator", metavar="NAME", help="default: the current annotator")
    annotate.add_argument(
        "--characters", action="store_true",
        help="keep the span exactly (by default whitespace at its edges is trimmed)",
    )  # fmt: skip

    suggest = commands.add_parser(
        "suggest", help="pre-annotate documents with a spaCy model (progress on stderr)"
    )
    suggest.add_argument(
        "--document", action="append", metavar="DOC_ID", help="repeatable; default: every one"
    )
    suggest.add_argument(
        "--model", metavar="NAME", help="pipeline package or model folder (default: installed)"
    )
    suggest.add_argument("--kind", choices=("entities", "sentiment"), default="entities")
    suggest.add_argument(
        "--accept", action="store_true", help="store them as your annotations, not suggestions"
    )

    sentiment = commands.add_parser(
        "sentiment-settings",
        help="show or set the project's sentiment labels and cut points",
        description="Sentiment suggestions use these (the window's Suggest → Sentiment "
        "Settings edits the same ones). Without options, prints them.",
    )
    sentiment.add_argument(
        "--labels", metavar="POS,NEG,NEUTRAL,MIXED", help="the four label names, in that order"
    )
    sentiment.add_argument("--positive-from", type=float, metavar="SCORE")
    sentiment.add_argument("--negative-to", type=float, metavar="SCORE")
    sentiment.add_argument("--strong-from", type=float, metavar="SCORE")
    sentiment.add_argument(
        "--mixed-share", type=float, metavar="SHARE",
        help="a document is mixed when the rarer strong side is at least this share",
    )  # fmt: skip

    export = commands.add_parser(
        "export",
        help="export annotations (text formats to stdout by default)",
        description="Export annotations. What a format cannot hold is listed on stderr.",
    )
    export.add_argument(
        "--format",
        default=None,
        metavar="FMT",
        help="json, spacy, prodigy, doccano, conll, brat, w3c, csv, markdown or pdf "
        "(default: from the -o extension, else json)",
    )
    export.add_argument("--document", action="append", metavar="DOC_ID", help="repeatable")
    export.add_argument(
        "--annotator", action="append", metavar="NAME", help="only this annotator's (repeatable)"
    )
    export.add_argument("--gold", action="store_true", help="only the adjudicated gold layer")
    export.add_argument(
        "--suggestions", action="store_true", help="include suggestions not yet reviewed"
    )
    export.add_argument(
        "-o", "--output", metavar="FILE", help="file (brat: a folder or .zip; - for stdout)"
    )

    imp = commands.add_parser(
        "import",
        help="import annotations (and their texts) in one transaction",
        description="Import a file: it is checked whole first; a bad file changes nothing.",
    )
    imp.add_argument("file", metavar="FILE", help="file (brat: a folder, .zip or .ann)")
    imp.add_argument(
        "--format",
        default=None,
        metavar="FMT",
        help="json, spacy, prodigy, doccano, conll, brat, w3c, csv or pdf (default: from the file)",
    )

    agreement = commands.add_parser(
        "agreement", help="agreement between annotators (kappa, F1, alpha...) with its counts"
    )
    agreement.add_argument(
        "--annotators", required=True, metavar="A,B[,C...]", help="comma-separated names"
    )
    agreement.add_argument("--unit", choices=("token", "span", "item"), default="token")
    agreement.add_argument(
        "--document", action="append", metavar="DOC_ID",
        help="repeatable; default: documents every annotator marked done or annotated",
    )  # fmt: skip
    agreement.add_argument("--label-set", metavar="NAME", help="only the labels of this set")
    agreement.add_argument(
        "--scale", metavar="L1,L2,...", help="ordered item labels, for weighted kappa and "
        "ordinal alpha (numeric labels are ordered automatically)",
    )  # fmt: skip
    agreement.add_argument("--format", choices=("table", "json", "csv"), default="table")
    agreement.add_argument("-o", "--output", metavar="FILE")
    agreement.add_argument(
        "--confidence", type=float, default=0.95, metavar="LEVEL",
        help="level of the confidence intervals (default 0.95)",
    )  # fmt: skip
    agreement.add_argument(
        "--resamples", type=int, default=1000, metavar="N",
        help="bootstrap resamples over documents for span F1 (default 1000)",
    )  # fmt: skip
    agreement.add_argument(
        "--seed", type=int, default=20260101, help="bootstrap seed (same seed, same interval)"
    )

    disagreements = commands.add_parser(
        "disagreements", help="passages where annotators differ, with what each one said"
    )
    disagreements.add_argument("--annotators", required=True, metavar="A,B[,C...]")
    disagreements.add_argument("--document", action="append", metavar="DOC_ID")
    disagreements.add_argument("--label-set", metavar="NAME")
    disagreements.add_argument("--json", action="store_true", help="machine-readable output")

    status = commands.add_parser("status", help="set a document's status for an annotator")
    status.add_argument("document", metavar="DOC_ID")
    status.add_argument("status", choices=("not-started", "in-progress", "done"))
    status.add_argument("--annotator", metavar="NAME", help="default: the current annotator")

    merge = commands.add_parser(
        "merge", help="bring another annotator's project in (idempotent: by UUID)"
    )
    merge.add_argument("other", metavar="OTHER.annotator")
    same = merge.add_mutually_exclusive_group()
    same.add_argument(
        "--same-people", action="store_true",
        help="annotators with a name used here are the same people: merge their work",
    )  # fmt: skip
    same.add_argument(
        "--rename", action="store_true",
        help="annotators with a name used here are others: keep theirs as 'NAME (OTHER)'",
    )  # fmt: skip
    merge.add_argument(
        "--their-name", action="append", metavar="THEIRS=NAME", default=[],
        help="the other project's annotator THEIRS is NAME here (repeatable): two laptops "
        "that both kept the default 'me' are two people with --their-name me=ben",
    )  # fmt: skip

    reanchor = commands.add_parser(
        "reanchor",
        help="replace a document's file with a new version and re-anchor its annotations",
    )
    reanchor.add_argument("document", metavar="DOC_ID")
    reanchor.add_argument("new_file", metavar="NEW_FILE")
    reanchor.add_argument("--password", help="password of an encrypted PDF")
    reanchor.add_argument(
        "--orphans", action="store_true", help="also list each orphaned annotation"
    )

    backups = commands.add_parser(
        "backups",
        help="list the project's backups, newest first, and whether each is intact",
        description="Backups sit beside the project as NAME.REASON.TIME.bak: one a day "
        "(the newest 7 kept) and one before each migration, import and re-anchoring (the "
        "newest 5 of each kept). Each is checked; works even when the project is damaged.",
    )
    backups.add_argument("--json", action="store_true", help="machine-readable output")

    restore = commands.add_parser(
        "restore",
        help="put a backup in place of the project (the replaced file is kept beside it)",
        description="Checks the backup, renames the current project file (damaged or not) "
        "to NAME.damaged-TIME.annotator or NAME.replaced-TIME.annotator beside it, and puts "
        "a copy of the backup in its place. Close the project in every window first.",
    )
    restore.add_argument("backup", metavar="BACKUP", help="a .bak file (see 'annotator backups')")

    salvage = commands.add_parser(
        "salvage",
        help="copy what can still be read from a damaged project into a new project file",
        description="Reads the damaged project (never changing it) table by table, skipping "
        "damaged pages, and writes every readable document, annotation, link, label set, "
        "annotator, setting, status and history entry to a new project; prints what could "
        "not be read.",
    )
    salvage.add_argument(
        "-o", "--output", required=True, metavar="NEW.annotator", help="the new project file"
    )
    for name in VERB_MODULES:
        importlib.import_module(name).register(commands)
    return parser


def files_mean_gui(parser: argparse.ArgumentParser, argv: Sequence[str]) -> list[str]:
    """``annotator reading.pdf`` is ``annotator gui reading.pdf``, as with every desktop reader:
    a first argument that is no verb but names a file (or looks like one) opens the app."""
    args = list(argv)
    verbs = next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in ("--project", "--annotator") else 1
    if i < len(args) and args[i] not in verbs:
        word = Path(args[i])
        if word.exists() or word.suffix or len(word.parts) > 1:
            args.insert(i, "gui")
    return args


def check_files_to_open(files: Sequence[str]) -> None:
    """A missing file or a folder is said before the window starts (its content is the
    window's to judge: a binary file gets the same message there as in Open…)."""
    from annotator.documents.text import check_readable_file

    for name in files:
        check_readable_file(Path(name))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(files_mean_gui(parser, sys.argv[1:] if argv is None else argv))
    if args.smoke_test:
        from annotator.app import run_smoke_test

        return run_smoke_test()
    if args.command in (None, "gui"):
        from annotator.app import run_gui

        files = getattr(args, "files", [])
        try:
            check_files_to_open(files)
        except AnnotatorError as error:
            print(f"annotator: error: {error}", file=sys.stderr)
            return EXIT_ERROR
        return run_gui(args.project, files)
    try:
        from annotator.project import Project, default_project_path

        path = Path(args.project) if args.project else default_project_path()
        if args.command in FILE_COMMANDS:  # these must work on a project that will not open
            code = FILE_COMMANDS[args.command](path, args)
        else:
            existed = path.is_file()
            with Project(path, check=True) as project:
                if existed:  # a project made by this very command has nothing to back up yet
                    _daily_backup(path)
                _act_as(project, args)
                if isinstance(getattr(args, "annotators", None), str):  # comparing verbs
                    names = _annotator_list(args.annotators)
                    warn_label_set_drops(project, names, args.document, args.label_set)
                handler = getattr(args, "handler", None) or COMMANDS[args.command]
                code = handler(project, args)
        sys.stdout.flush()  # here, not at exit: a reader that has gone is noticed below
        return code
    except AnnotatorError as error:
        print(f"annotator: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("annotator: interrupted; the project is unchanged", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_gone()
    except OSError as error:
        print(
            f"annotator: error: {error.strerror or error}: {error.filename or ''}", file=sys.stderr
        )
        return EXIT_ERROR


#: The status of a process that SIGPIPE ended, as ``cat`` or ``grep`` end under ``| head``.
EXIT_READER_GONE = 128 + 13


def _reader_gone() -> int:
    """Standard output's reader has gone (``annotator agreement | head``): stop quietly, as a
    Unix tool does, with the status SIGPIPE gives. Output is pointed at nothing, or Python
    would try to flush it again at exit and complain."""
    import contextlib
    import os

    # ValueError: standard output has no descriptor (replaced): nothing to flush then.
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_READER_GONE


def _act_as(project: Any, args: argparse.Namespace) -> None:
    """``--annotator NAME`` before the command: work as NAME for this command only (the
    project's own "who am I" is set with ``annotator annotators use NAME``)."""
    name = getattr(args, "acting_annotator", None)
    if name:
        from annotator.cli_annotators import refuse_gold

        refuse_gold(name)
        project.act_as(name)


def _daily_backup(path: Path) -> None:
    """Today's automatic backup, if due. A damaged copy means a damaged project: stop; any
    other failure (a full disk, say) is a warning and the command goes on."""
    from annotator.core.errors import ProjectDamagedError
    from annotator.recovery import daily_backup

    try:
        daily_backup(path)
    except ProjectDamagedError:
        raise
    except (AnnotatorError, OSError) as error:
        print(f"annotator: warning: no daily backup was made: {error}", file=sys.stderr)


def _backups(path: Path, args: argparse.Namespace) -> int:
    from annotator.recovery import list_backups

    found = list_backups(path)
    if args.json:
        rows = [
            {
                "path": str(b.path),
                "reason": b.reason,
                "created": b.created.isoformat(),
                "size": b.size,
                "intact": b.intact,
                "problem": b.problem,
            }
            for b in found
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not found:
        print(f"'{path.name}' has no backups yet (one is made each day it is opened).")
        return 0
    for b in found:
        made = b.created.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        state = "intact" if b.intact else f"DAMAGED: {b.problem}"
        print(f"{made}\t{b.reason}\t{_size(b.size)}\t{state}\t{b.path}")
    return 0


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024**2:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024**2:.1f} MB"


def _restore(path: Path, args: argparse.Namespace) -> int:
    from annotator.recovery import restore_backup

    backup = Path(args.backup)
    if not backup.exists() and (path.parent / backup).is_file():
        backup = path.parent / backup  # a name from 'annotator backups', beside the project
    kept = restore_backup(path, backup)
    print(f"restored '{path}' from the backup '{backup.name}'")
    if kept is not None:
        print(f"the file it replaced is kept as '{kept}'")
    return 0


def _salvage(path: Path, args: argparse.Namespace) -> int:
    from annotator.recovery import salvage

    target = Path(args.output)
    if target.suffix == "":
        raise CliError(f"give the new project a file name ending in .annotator, not '{target}'")
    report = salvage(path, target)
    print(report.summary())
    return 0


def _add(project: Any, args: argparse.Namespace) -> int:
    # Load every file before adding any, so one bad file leaves the project unchanged.
    from annotator.documents import load_document

    loaded = [(path, load_document(path, password=args.password)) for path in args.files]
    for path, document in loaded:
        added, _ = project.add_loaded_document(document, str(Path(path).resolve()))
        print(added.id)
    return 0


def _list(project: Any, args: argparse.Namespace) -> int:
    summaries = project.documents()
    if args.json:
        rows = [
            {
                "id": s.document.id,
                "title": s.document.title,
                "kind": s.document.kind.value,
                "path": s.document.path,
                "annotations": s.annotations,
                "suggestions": s.suggestions,
                "status": s.status,
            }
            for s in summaries
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not summaries:
        print("No documents yet: add one with 'annotator add FILE'.")
        return 0
    for s in summaries:
        print(
            f"{s.document.id}\t{s.annotations:>5} "
            f"{agree(s.annotations, 'annotation', 'annotations'):<11}\t{s.suggestions:>5} "
            f"{agree(s.suggestions, 'suggestion', 'suggestions'):<11}\t{s.document.title}"
        )
    return 0


def _annotate(project: Any, args: argparse.Namespace) -> int:
    start, end = args.start, args.end
    if not args.characters:
        start, end = _trimmed(project, args.document, start, end)
    annotation = project.annotate(
        args.document,
        start,
        end,
        kind=args.kind,
        label=args.label,
        note=args.note,
        color=_color(args.color),
        symbol=args.symbol,
        annotator=args.annotator,
    )
    print(annotation.id)
    return 0


def _trimmed(project: Any, document_id: str, start: int, end: int) -> tuple[int, int]:
    """A span without whitespace at its edges, as the window's token mode makes them (the
    line break after a name is never meant); said on stderr when it changes anything."""
    from annotator.core.spans import trim_whitespace

    text = project.text_of(document_id)
    if not 0 <= start < end <= len(text):
        return start, end  # the service says what is wrong with it
    span = trim_whitespace(text, start, end)
    if span is None:
        raise CliError(f"{start}..{end} holds only whitespace: there is nothing to annotate")
    if span != (start, end):
        print(f"annotator: note: trimmed to {span[0]}..{span[1]} (whitespace at the edges; "
              "--characters keeps it)", file=sys.stderr)  # fmt: skip
    return span


def _color(value: str | None) -> str | None:
    if value is None:
        return None
    import re

    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise CliError(f"'{value}' is not a colour: write it as #rrggbb, e.g. #ffe066")
    return value.lower()


def _export(project: Any, args: argparse.Namespace) -> int:
    from annotator.formats.exchange import ONE_LAYER_FORMATS, ExportScope
    from annotator.formats.registry import export, format_spec

    format_name = args.format
    if format_name is None:
        format_name = _format_from_extension(args.output) or "json"
    format_spec(format_name)  # an unknown name fails before any work
    scope = ExportScope(
        document_ids=tuple(args.document) if args.document else None,
        annotators=tuple(args.annotator) if args.annotator else None,
        gold_only=args.gold,
        include_suggestions=args.suggestions,
    )
    if format_name in ONE_LAYER_FORMATS:
        _require_one_layer(project, format_name, scope)
    result, text = export(project, format_name, args.output, scope)
    if text is not None:
        sys.stdout.write(text)
    for warning in result.warnings:
        print(f"annotator: warning: {warning}", file=sys.stderr)
    if result.outputs:
        print(result.summary(), file=sys.stderr)
    return 0


def _require_one_layer(project: Any, format_name: str, scope: Any) -> None:
    """Refuse to mix annotators into one CoNLL or DocBin layer: name the ones there are and
    the options that choose (a researcher trains on one annotator or on the gold layer)."""
    from annotator.formats.exchange import labelling_annotators

    names = labelling_annotators(project, scope)
    if len(names) < 2:
        return
    listed = ", ".join(f"'{n}'" for n in names)
    shown = "CoNLL" if format_name == "conll" else "A spaCy DocBin"
    gold = " or --gold for the adjudicated layer" if "gold" in names else ""
    raise CliError(
        f"{shown} holds one layer of labels, and these documents hold the labels of "
        f"{len(names)} annotators ({listed}): choose one with --annotator NAME{gold} "
        "(run once per annotator for one file each)"
    )


def _format_from_extension(output: str | None) -> str | None:
    if not output or output == "-":
        return None
    from annotator.formats.registry import formats

    suffix = Path(output).suffix.lower()
    if suffix == ".jsonl":
        return None  # prodigy or doccano: the user must say which
    for spec in formats().values():
        if suffix in spec.extensions and spec.exports:
            return spec.name
    return None


def _write_output(project: Any, text: str, output: str | None) -> None:
    """Standard output, or a file that is not the project's own (written whole or not at
    all: see :mod:`annotator.outputs`)."""
    from annotator.outputs import refuse_unsafe_output, write_text

    if output is None or output == "-":
        sys.stdout.write(text)
        return
    target = Path(output)
    if target.is_dir():
        raise CliError(f"'{output}' is a folder: give a file name to write to")
    refuse_unsafe_output(project, target)
    write_text(target, text)


def _import(project: Any, args: argparse.Namespace) -> int:
    from annotator.formats.registry import import_file

    path = Path(args.file)
    if not path.exists():
        raise CliError(f"'{path}' does not exist: check the path")
    result = import_file(project, path, args.format)
    for warning in result.warnings:
        print(f"annotator: warning: {warning}", file=sys.stderr)
    print(result.summary())
    return 0


def _suggest(project: Any, args: argparse.Namespace) -> int:
    from annotator.suggesting.running import run_suggestions

    bar = _ProgressBar(sys.stderr, "suggest")
    finished: list[str] = []
    try:
        report = run_suggestions(
            project, args.document, kind=args.kind, model=args.model, accept=args.accept,
            progress=bar.update, on_document=lambda outcome: finished.append(outcome.document_id),
            processes=None,  # both cores on a corpus
        )  # fmt: skip
    except KeyboardInterrupt:
        bar.close()
        print(
            f"annotator: interrupted; {len(finished)} finished document(s) are saved",
            file=sys.stderr,
        )
        return 130
    bar.close()
    print(report.summary())
    return 0


class _ProgressBar:
    """A one-line bar redrawn in place on a terminal (at most ten times a second); silent
    when stderr is a file or a pipe, so logs do not fill with carriage returns."""

    def __init__(self, stream: Any, label: str, width: int = 30) -> None:
        self.stream, self.label, self.width = stream, label, width
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self._last = 0.0
        self._drawn = False

    def update(self, done: int, total: int) -> None:
        import time

        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        self.stream.write(f"\r{self.line(done, total)}")
        self.stream.flush()
        self._drawn = True

    def line(self, done: int, total: int) -> str:
        share = done / total if total else 1.0
        filled = round(self.width * share)
        bar = "#" * filled + "-" * (self.width - filled)
        return f"{self.label} [{bar}] {share:6.1%} {done:,}/{total:,} chars"

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


class _AgreementProgress(_ProgressBar):
    """Documents tokenised so far, redrawn in place on a terminal (tokenising is the long
    part of the token unit on a new corpus; cached documents pass at once)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream, "agreement")

    def line(self, done: int, total: int) -> str:
        documents = agree(total, "document", "documents")
        return f"{self.label}: tokens of {done:,}/{total:,} {documents}"


def _annotator_list(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise CliError("give annotators as comma-separated names, e.g. --annotators ann,ben")
    return names


def warn_label_set_drops(
    project: Any, names: Sequence[str], documents: Sequence[str] | None, label_set: str | None
) -> None:
    """Say on stderr how many of the compared annotations a ``--label-set`` leaves out, by
    label: a set that lacks some of the labels used must never drop spans silently."""
    if label_set is None:
        return
    from annotator.comparing.selection import left_out_by_label_set

    total, outside = left_out_by_label_set(project, names, documents, label_set)
    if outside:
        dropped = sum(outside.values())
        listed = ", ".join(f"{label} {n:,}" for label, n in outside.most_common())
        have = agree(dropped, "has", "have")
        print(f"annotator: warning: {dropped:,} of {counted(total, 'annotation')} {have} labels "
              "that are "
              f"not in the label set '{label_set}' and are not compared ({listed}); "
              "leave out --label-set to compare every label", file=sys.stderr)  # fmt: skip


def _agreement(project: Any, args: argparse.Namespace) -> int:
    from annotator.comparing.report import compute_agreement, report_json

    if not 0.5 <= args.confidence < 1.0 or args.resamples < 10:
        raise CliError("--confidence is a level such as 0.95 and --resamples at least 10")
    progress = _AgreementProgress(sys.stderr)
    report = compute_agreement(
        project, _annotator_list(args.annotators), args.document, unit=args.unit,
        label_set=args.label_set,
        scale=[x.strip() for x in args.scale.split(",")] if args.scale else None,
        progress=progress.update, confidence=args.confidence, resamples=args.resamples,
        seed=args.seed,
    )  # fmt: skip
    progress.close()
    if args.format == "json":
        text = report_json(report)
    elif args.format == "csv":
        text = report.to_csv()
    else:
        text = report.to_table()
    _write_output(project, text, args.output)
    return 0


def _disagreements(project: Any, args: argparse.Namespace) -> int:
    from annotator.comparing.disagreements import list_disagreements

    views = list_disagreements(
        project, _annotator_list(args.annotators), args.document, label_set=args.label_set
    )
    if args.json:
        print(json.dumps([v.to_json() for v in views], ensure_ascii=False, indent=2))
        return 0
    if not views:
        print("No disagreements.")
        return 0
    for v in views:
        said = "; ".join(f"{name}: {reading}" for name, reading in v.said.items())
        print(f"{v.document_title}\t{v.start}-{v.end}\t{v.kind}\t{v.quote!r}\t{said}")
    return 0


def _status(project: Any, args: argparse.Namespace) -> int:
    status = args.status.replace("-", " ")
    project.set_document_status(args.document, status, annotator=args.annotator)
    print(f"{args.document}: {status}")
    return 0


def _sentiment_settings(project: Any, args: argparse.Namespace) -> int:
    import dataclasses

    config = project.sentiment_config()
    changes: dict[str, Any] = {}
    if args.labels is not None:
        names = [name.strip() for name in args.labels.split(",")]
        if len(names) != 4:
            raise CliError(
                f"--labels needs four names (positive, negative, neutral, mixed), got {len(names)}"
            )
        keys = ("positive_label", "negative_label", "neutral_label", "mixed_label")
        changes.update(zip(keys, names, strict=True))
    for option, key in (
        ("positive_from", "positive_threshold"),
        ("negative_to", "negative_threshold"),
        ("strong_from", "strong_threshold"),
        ("mixed_share", "mixed_min_share"),
    ):
        if getattr(args, option) is not None:
            changes[key] = getattr(args, option)
    if changes:
        try:
            config = dataclasses.replace(config, **changes)
        except ValueError as error:
            raise CliError(f"these sentiment settings do not fit together: {error}") from None
        project.set_sentiment_config(config)
    print(f"labels: {', '.join(config.labels)} (positive, negative, neutral, mixed)")
    print(f"positive from {config.positive_threshold:+.2f}, negative up to "
          f"{config.negative_threshold:+.2f}; strong from ±{config.strong_threshold:.2f}; "
          f"mixed when the rarer strong side is at least {config.mixed_min_share:.2f}")  # fmt: skip
    return 0


def _merge(project: Any, args: argparse.Namespace) -> int:
    from annotator.comparing.merging import AnnotatorNameConflict, merge_project

    same = "same" if args.same_people else "rename" if args.rename else "ask"
    their_names: dict[str, str] = {}
    for pair in args.their_name:
        old, equals, new = pair.partition("=")
        if not equals or not old.strip() or not new.strip():
            raise CliError(f"write --their-name as THEIRS=NAME (e.g. me=ben), not '{pair}'")
        their_names[old.strip()] = new.strip()
    try:
        report = merge_project(project, args.other, same_name=same, their_names=their_names)
    except AnnotatorNameConflict as conflict:
        example = conflict.names[0]
        raise CliError(
            f"{conflict}; run again with --same-people (one person), "
            f"--their-name {example}=THEIR_NAME (another person: name them), or --rename"
        ) from None
    print(report.summary())
    return 0


def _reanchor(project: Any, args: argparse.Namespace) -> int:
    from annotator.reanchoring import reanchor_document

    report = reanchor_document(project, args.document, args.new_file, password=args.password)
    print(f"placed: {report.placed}")
    print(f"moved: {report.moved}")
    print(f"orphaned: {report.orphaned}")
    if report.set_aside:
        print(f"suggestions set aside: {report.set_aside}")
    if args.orphans:
        for detail in report.details:
            if detail.outcome == "orphaned":
                print(f"orphan\t{detail.annotation_id}\t{detail.quote[:60]!r}")
    print(f"backup: {report.backup}", file=sys.stderr)
    return 0


COMMANDS: dict[str, Callable[[Any, argparse.Namespace], int]] = {
    "add": _add,
    "list": _list,
    "annotate": _annotate,
    "suggest": _suggest,
    "export": _export,
    "import": _import,
    "agreement": _agreement,
    "disagreements": _disagreements,
    "status": _status,
    "sentiment-settings": _sentiment_settings,
    "merge": _merge,
    "reanchor": _reanchor,
}

#: Commands that work on the project file without opening it as a project.
FILE_COMMANDS: dict[str, Callable[[Path, argparse.Namespace], int]] = {
    "backups": _backups,
    "restore": _restore,
    "salvage": _salvage,
}
