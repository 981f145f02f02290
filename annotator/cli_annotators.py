"""Command-line verbs for who annotates: ``annotators`` (list, use, rename).

Every annotation belongs to an annotator; the project remembers who "I" am (the current
annotator, ``me`` until set). ``annotator annotators use NAME`` sets it for good, the global
``--annotator NAME`` for one command (:func:`annotator.cli._act_as`). Only argparse at module
level (start-up imports are guarded by tests/test_import_time.py).
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(commands: Any) -> None:
    """Add ``annotators`` to the command line's subparsers."""
    annotators = commands.add_parser(
        "annotators",
        help="list the annotators with their counts; set who you are; rename one",
        description="Without an action, lists every annotator with their annotations, "
        "pending suggestions and documents; '*' marks the current one (who 'I' am in this "
        "project: what suggest --accept, annotate, import, review and adjudicate do is "
        "theirs). On two laptops, set a name on each before annotating (annotators use "
        "NAME), so that merging brings two people together, not two 'me's.",
    )
    annotators.add_argument("--json", action="store_true", help="machine-readable list")
    actions = annotators.add_subparsers(dest="annotators_action", metavar="ACTION")
    use = actions.add_parser("use", help="be NAME in this project from now on (created if new)")
    use.add_argument("name", metavar="NAME")
    rename = actions.add_parser(
        "rename", help="rename an annotator (their annotations follow; history keeps both)"
    )
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")
    annotators.set_defaults(handler=_annotators)


def _annotators(project: Any, args: argparse.Namespace) -> int:
    action = getattr(args, "annotators_action", None)
    if action == "use":
        refuse_gold(args.name)
        chosen = project.switch_annotator(args.name)
        print(f"you are now '{chosen.name}' in this project")
        return 0
    if action == "rename":
        refuse_gold(args.old)
        refuse_gold(args.new)
        renamed = project.rename_annotator(args.old, args.new)
        print(f"'{args.old.strip()}' is now '{renamed.name}'")
        return 0
    rows = annotator_rows(project)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        current = project.current_annotator.name
        print(f"No annotators yet: you are '{current}' (set another name with "
              "'annotator annotators use NAME').")  # fmt: skip
        return 0
    from annotator.core.words import agree

    width = max(len(r["name"]) for r in rows)
    for r in rows:
        mark = "*" if r["current"] else " "
        role = "  (the adjudicated gold layer)" if r["gold"] else ""
        print(
            f"{mark} {r['name']:<{width}}  {r['annotations']:>6} "
            f"{agree(r['annotations'], 'annotation ', 'annotations')}  {r['suggestions']:>6} "
            f"{agree(r['suggestions'], 'suggestion ', 'suggestions')}  {r['documents']:>4} "
            f"{agree(r['documents'], 'document', 'documents')}{role}"
        )
    if not any(r["current"] for r in rows):
        print(f"* {project.current_annotator.name} (you; nothing annotated yet)")
    return 0


def annotator_rows(project: Any) -> list[dict[str, Any]]:
    """One row per annotator: name, annotations (accepted), pending suggestions, documents
    with any of their annotations, and whether they are the current annotator."""
    from annotator.comparing.selection import GOLD_ANNOTATOR

    counts = project.annotator_counts()
    current = project.current_annotator.name
    return [
        {
            "name": a.name,
            "id": a.id,
            "annotations": counts.get(a.id, (0, 0, 0))[0],
            "suggestions": counts.get(a.id, (0, 0, 0))[1],
            "documents": counts.get(a.id, (0, 0, 0))[2],
            "current": a.name == current,
            "gold": a.name == GOLD_ANNOTATOR,
        }
        for a in project.annotators()
    ]


def refuse_gold(name: str) -> None:
    """Nobody may work as the gold layer: it holds adjudication decisions, not a reading."""
    from annotator.comparing.selection import GOLD_ANNOTATOR
    from annotator.core.errors import AnnotatorError

    if name.strip() == GOLD_ANNOTATOR:
        raise AnnotatorError(
            f"'{GOLD_ANNOTATOR}' is the adjudicated layer, not a person: choose another name "
            "(adjudicate with 'annotator adjudicate')"
        )


__all__ = ["annotator_rows", "refuse_gold", "register"]
