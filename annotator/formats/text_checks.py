"""Checks every importer shares, with no knowledge of any one format or of the project."""

from __future__ import annotations

from typing import Any

from annotator.core.words import agree, counted


def id_collision_warning(count: int) -> str:
    """The one wording, for every importer, of incoming annotations whose id the project
    already gives an annotation on another document: both are kept, never silently one."""
    return (
        f"{counted(count, 'annotation')} in the file {agree(count, 'has', 'have')} the id of an "
        "annotation on another document "
        "of the project: both were kept, the imported ones under new ids"
    )


def find_surrogate(value: Any) -> str | None:
    """The path ("annotations[3].note") of the first string holding a lone surrogate, or
    None. Walks without recursion, so any depth json can build is safe."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if _has_surrogate(node):
                return path
        elif isinstance(node, dict):
            for key, item in reversed(node.items()):
                if _has_surrogate(key):
                    return (f"{path}." if path else "") + ascii(key)
                stack.append((f"{path}.{key}" if path else key, item))
        elif isinstance(node, list):
            for index in range(len(node) - 1, -1, -1):
                stack.append((f"{path}[{index}]", node[index]))
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


__all__ = ["find_surrogate", "id_collision_warning"]
