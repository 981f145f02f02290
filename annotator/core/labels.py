"""What makes a label set usable: the rules the project enforces and the editor explains.

A label's key is the one key that applies it over a selection, so keys are single digits
1–9 or letters, at most one label per key in a set; names identify labels on annotations,
so they are non-empty and unique in their set; set names are what the toolbar lists, so
they are unique among the project's sets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from annotator.core.model import LabelSet

KEY_PATTERN = re.compile(r"[1-9a-z]")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def label_set_problems(label_set: LabelSet, others: Iterable[LabelSet] = ()) -> list[str]:
    """Everything wrong with ``label_set`` (empty when it can be saved), in plain words.

    ``others`` are the project's other sets (same id ones are ignored), for the name check.
    """
    problems: list[str] = []
    name = label_set.name.strip()
    if not name:
        problems.append("the label set needs a name")
    elif any(o.id != label_set.id and o.name.strip().lower() == name.lower() for o in others):
        problems.append(f"there is already a label set called '{name}'")
    seen_names: set[str] = set()
    seen_keys: dict[str, str] = {}
    for position, label in enumerate(label_set.labels, start=1):
        label_name = label.name.strip()
        if not label_name:
            problems.append(f"label {position} needs a name")
        elif label_name in seen_names:
            problems.append(f"two labels are called '{label_name}'")
        seen_names.add(label_name)
        if label.key:
            key = label.key
            shown = label_name or f"label {position}"
            if not KEY_PATTERN.fullmatch(key):
                problems.append(
                    f"'{key}' cannot be the key of {shown}: use one of 1–9 or a letter a–z"
                )
            elif key in seen_keys:
                problems.append(f"{seen_keys[key]} and {shown} both use the key '{key}'")
            else:
                seen_keys[key] = shown
        if not _COLOUR.fullmatch(label.color or ""):
            problems.append(f"the colour of {label_name or f'label {position}'} is not #rrggbb")
    return problems


__all__ = ["KEY_PATTERN", "label_set_problems"]
