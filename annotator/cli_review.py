"""Command-line verbs for deciding: ``review`` (suggestions) and ``adjudicate`` (gold).

``review`` accepts or rejects the current annotator's pending suggestions, by label, by
document, all of them, or by id, each run one action in the project's history that
``review undo`` takes back (:mod:`annotator.suggesting.review`). ``adjudicate`` writes the
gold layer: the passages the annotators agree on in one step, then a decision per
disagreement (A, B, both, neither, or an annotator's name), by number or interactively in
the terminal (:mod:`annotator.comparing.adjudication`); each decision is in the history and
``adjudicate undo`` takes one back. Only argparse at module level (start-up imports are
guarded by tests/test_import_time.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

REVIEW_ACTIONS = ("list", "accept", "reject", "undo")
ADJUDICATE_ACTIONS = ("list", "agreed", "decide", "interactive", "undo")
CHOICES = ("A", "B", "both", "neither")


def register(commands: Any) -> None:
    """Add ``review`` and ``adjudicate`` to the command line's subparsers."""
    review = commands.add_parser(
        "review",
        help="accept or reject suggestions: by label, by document, all, or by id; undo",
        description="Suggestions are the current annotator's (see 'annotator annotators'; "
        "--annotator NAME before the command reviews NAME's). 'list' shows the pending "
        "ones with their ids; 'accept' and 'reject' need --all, --label, --document or "
        "--id (they combine: --label PERSON --document D is D's PERSON suggestions); each "
        "run is one action in the history, and 'undo' takes back the latest.",
    )
    review.add_argument("action", choices=REVIEW_ACTIONS, metavar="{list,accept,reject,undo}")
    review.add_argument("--label", metavar="LABEL", help="only suggestions of this label")
    review.add_argument(
        "--document", action="append", metavar="DOC_ID", help="only in this document (repeatable)"
    )
    review.add_argument(
        "--kind", choices=("entity", "sentiment", "doc_label"), help="only this kind"
    )
    review.add_argument(
        "--id", action="append", metavar="ID", dest="ids", help="this suggestion (repeatable)"
    )
    review.add_argument("--all", action="store_true", help="every pending suggestion")
    review.add_argument("--json", action="store_true", help="list: machine-readable output")
    review.set_defaults(handler=_review)

    adjudicate = commands.add_parser(
        "adjudicate",
        help="write the gold layer: agreed passages in one step, then decide each disagreement",
        description="'list' numbers the passages where the annotators differ (with what "
        "each said and any decision); 'agreed' copies every passage they all marked the "
        "same into gold; 'decide N=CHOICE...' decides passages by number (or by the id "
        "'list --json' gives), CHOICE being A or B (the first or second of --annotators), "
        "both, neither or an annotator's name; 'interactive' asks passage by passage in "
        "the terminal; 'undo N' takes back a passage's decision, 'undo agreed' the latest "
        "'agreed'. Every decision is recorded in the history with who made it.",
    )
    adjudicate.add_argument(
        "action", choices=ADJUDICATE_ACTIONS, metavar="{list,agreed,decide,interactive,undo}"
    )
    adjudicate.add_argument(
        "decisions", nargs="*", metavar="N=CHOICE", help="decide: passages and choices"
    )
    adjudicate.add_argument(
        "--annotators", required=True, metavar="A,B[,C...]", help="comma-separated names"
    )
    adjudicate.add_argument("--document", action="append", metavar="DOC_ID")
    adjudicate.add_argument("--label-set", metavar="NAME", help="only the labels of this set")
    adjudicate.add_argument("--undecided", action="store_true", help="list: only undecided")
    adjudicate.add_argument("--json", action="store_true", help="list: machine-readable output")
    adjudicate.set_defaults(handler=_adjudicate)


# -- review ---------------------------------------------------------------------------------


def _review(project: Any, args: argparse.Namespace) -> int:
    from annotator.core.errors import AnnotatorError
    from annotator.suggesting import review

    if args.action == "undo":
        undone = review.undo_last_review(project)
        print(undone.description if undone else "Nothing to undo: no review is in force.")
        return 0
    pending = _pending(project, args)
    if args.action == "list":
        titles = {d.id: d.title for d in project.document_headers()}
        if args.json:
            rows = [_suggestion_row(a, titles) for a in pending]
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        elif not pending:
            print(f"No pending suggestions for '{project.current_annotator.name}'.")
            _whose_suggestions(project)
        for a in pending if not args.json else ():
            print(f"{a.id}\t{a.label or a.kind.value}\t{a.quote[:60]!r}\t"
                  f"{titles.get(a.document_id, a.document_id)} {a.start}-{a.end}")  # fmt: skip
        return 0
    if not (args.all or args.label or args.document or args.ids or args.kind):
        raise AnnotatorError(
            f"say which suggestions to {args.action}: --all, --label LABEL, --document DOC_ID "
            "or --id ID (see 'annotator review list')"
        )
    chosen = [a.id for a in pending]
    if args.ids:
        wanted = set(args.ids)
        chosen = [i for i in chosen if i in wanted]
        for missing in sorted(wanted - set(chosen)):
            found = project.find_annotation(missing)
            if found is None:
                raise AnnotatorError(f"there is no suggestion with id '{missing}' in this project")
            if args.action != "accept" or found.status.value != "rejected":
                print(f"annotator: warning: '{missing}' is not a pending suggestion "
                      f"({found.status.value}); left as it is", file=sys.stderr)  # fmt: skip
            else:
                chosen.append(missing)  # a rejected suggestion may be accepted after all
    act = review.accept if args.action == "accept" else review.reject
    changes = act(project, chosen)
    past = "accepted" if args.action == "accept" else "rejected"
    count = changes.count
    print(
        f"{past} {count} suggestion{'s' * (count != 1)}"
        + (" (annotator review undo takes it back)" if count else "")
    )
    if not count:
        _whose_suggestions(project)
    return 0


def _whose_suggestions(project: Any) -> None:
    """Nothing matched: say who does have pending suggestions (they are the annotator's
    who ran ``suggest``), so that ``--annotator NAME`` is the obvious next step."""
    counts = project.annotator_counts()
    me = project.current_annotator.name
    others = [
        f"'{a.name}' has {counts[a.id][1]:,}"
        for a in project.annotators()
        if a.name != me and counts.get(a.id, (0, 0, 0))[1]
    ]
    if others:
        print(f"'{me}' has no such pending suggestions; {', '.join(others)} "
              "(annotator --annotator NAME review ... reviews theirs)")  # fmt: skip


def _pending(project: Any, args: argparse.Namespace) -> list[Any]:
    from annotator.suggesting.review import pending_suggestions

    if not args.document:
        return pending_suggestions(project, None, kind=args.kind, label=args.label)
    found = []
    for document_id in dict.fromkeys(args.document):
        project.document(document_id)  # an unknown id is one clear error
        found += pending_suggestions(project, document_id, kind=args.kind, label=args.label)
    return found


def _suggestion_row(a: Any, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "id": a.id,
        "document": a.document_id,
        "title": titles.get(a.document_id, ""),
        "start": a.start,
        "end": a.end,
        "kind": a.kind.value,
        "label": a.label,
        "quote": a.quote,
        "source": a.source,
    }


# -- adjudicate -----------------------------------------------------------------------------


def _adjudicate(project: Any, args: argparse.Namespace) -> int:
    from annotator.comparing import adjudication
    from annotator.comparing.disagreements import list_disagreements
    from annotator.core.errors import AnnotatorError

    names = list(dict.fromkeys(n.strip() for n in args.annotators.split(",") if n.strip()))
    if len(names) < 2:
        raise AnnotatorError("adjudication compares at least two annotators: --annotators A,B")
    if args.action == "agreed":
        decision = adjudication.accept_agreed(
            project, names, args.document, label_set=args.label_set
        )
        count = len(decision.written)
        print(f"{count} agreed passage{'s' * (count != 1)} copied into the gold layer "
              "(annotator adjudicate undo agreed takes it back)")  # fmt: skip
        _progress(project, names, args)
        return 0
    if args.action == "undo" and args.decisions == ["agreed"]:
        return _undo_agreed(project)
    views = list_disagreements(project, names, args.document, label_set=args.label_set)
    if args.action == "list":
        return _list_passages(views, args)
    if args.action == "interactive":
        return _interactive(project, views, names, input, sys.stdout)
    if not args.decisions:
        raise AnnotatorError(f"say which passages: adjudicate {args.action} N=CHOICE (see 'list')")
    if args.action == "undo":
        for item in args.decisions:
            view = _passage(views, item)
            undone = adjudication.undo_adjudication(project, view)
            print(f"{_number(views, view)}: " + (f"undid '{undone.choice}'" if undone
                                                  else "had no decision"))  # fmt: skip
        return 0
    planned = []
    for item in args.decisions:
        passage, equals, choice = item.partition("=")
        if not equals:
            raise AnnotatorError(f"write each decision as N=CHOICE (e.g. 3=A), not '{item}'")
        planned.append((_passage(views, passage), _choice(choice, names)))
    for view, choice in planned:  # every one checked before the first is written
        decision = _decide(project, view, choice, names)
        print(f"{_number(views, view)}: {decision.choice} → {len(decision.written)} in gold")
    _progress(project, names, args)
    return 0


def _list_passages(views: Sequence[Any], args: argparse.Namespace) -> int:
    shown = [(n, v) for n, v in enumerate(views, 1) if not (args.undecided and v.decision)]
    if args.json:
        print(json.dumps([{"number": n, "id": v.key, **v.to_json()} for n, v in shown],
                         ensure_ascii=False, indent=2))  # fmt: skip
        return 0
    if not shown:
        print("No disagreements." if not views else "Every disagreement is decided.")
        return 0
    for n, v in shown:
        said = "; ".join(f"{name}: {reading}" for name, reading in v.said.items())
        decided = f"\tdecided: {v.decision}" if v.decision else ""
        print(f"{n}\t{v.document_title} {v.start}-{v.end}\t{v.quote!r}\t{said}{decided}")
    return 0


def _interactive(
    project: Any,
    views: Sequence[Any],
    names: Sequence[str],
    ask: Callable[[str], str],
    out: Any,
) -> int:
    """Each undecided passage in turn: its context and readings, then a one-letter choice
    (a/b/both/neither, s to skip, q to stop). Every answer is written at once."""
    undecided = [v for v in views if not v.decision]
    if not undecided:
        print("Every disagreement is decided." if views else "No disagreements.", file=out)
        return 0
    keys = {"a": "A", "b": "B", "o": "both", "both": "both", "n": "neither", "neither": "neither"}
    decided = 0
    for position, view in enumerate(undecided, 1):
        print(f"\n[{position}/{len(undecided)}] {view.document_title} {view.start}-{view.end}",
              file=out)  # fmt: skip
        print(f"  …{view.before}[{view.quote}]{view.after}…".replace("\n", " "), file=out)
        for letter, name in zip("AB", names, strict=False):
            print(f"  {letter} {name}: {view.said.get(name, 'nothing')}", file=out)
        while True:
            try:
                answer = ask("  choose a(A), b(B), o(both), n(neither), s(skip), q(quit): ")
            except EOFError:
                answer = "q"
            answer = answer.strip().lower()
            if answer in keys or answer in ("s", "q"):
                break
            print("  please answer a, b, o, n, s or q", file=out)
        if answer == "q":
            break
        if answer == "s":
            continue
        decision = _decide(project, view, keys[answer], names)
        decided += 1
        print(f"  → {decision.choice}: {len(decision.written)} in gold", file=out)
    print(f"\n{decided} decided in this session.", file=out)
    return 0


def _decide(project: Any, view: Any, choice: str, names: Sequence[str]) -> Any:
    from annotator.comparing.adjudication import adjudicate

    return adjudicate(project, view, choice, annotator_a=names[0], annotator_b=names[1])


def _passage(views: Sequence[Any], ref: str) -> Any:
    from annotator.core.errors import AnnotatorError

    ref = ref.strip()
    if ref.isdigit() and 1 <= int(ref) <= len(views):
        return views[int(ref) - 1]
    for view in views:
        if view.key == ref:
            return view
    raise AnnotatorError(
        f"there is no passage '{ref}': use a number from 'annotator adjudicate list' "
        f"(1–{len(views)}) or an id from 'list --json'"
        if views
        else "there are no disagreements to decide"
    )


def _choice(choice: str, names: Sequence[str]) -> str:
    from annotator.core.errors import AnnotatorError

    choice = choice.strip()
    by_case = {c.lower(): c for c in CHOICES}
    if choice.lower() in by_case:
        return by_case[choice.lower()]
    if choice in names:
        return choice
    raise AnnotatorError(
        f"'{choice}' is no choice: use A, B, both, neither or one of {', '.join(names)}"
    )


def _number(views: Sequence[Any], view: Any) -> int:
    return views.index(view) + 1


def _undo_agreed(project: Any) -> int:
    from annotator.comparing.adjudication import undo_adjudication

    keys = [
        e["entity_id"]
        for e in project.history()
        if e["entity"] == "passage" and str(e["entity_id"]).startswith("agreed:")
    ]
    for key in reversed(keys):
        undone = undo_adjudication(project, key)
        if undone is not None:
            print(f"took back the agreed passages ({len(undone.written)} gold annotations)")
            return 0
    print("Nothing to undo: no 'agreed' step is in force.")
    return 0


def _progress(project: Any, names: Sequence[str], args: argparse.Namespace) -> None:
    from annotator.comparing.adjudication import adjudication_progress

    print(adjudication_progress(project, names, args.document))
