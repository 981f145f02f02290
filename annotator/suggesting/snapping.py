"""Snapping a reader's selection to token boundaries before it becomes an annotation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from annotator.core.errors import AnnotatorError
from annotator.project import Project

if TYPE_CHECKING:
    pass


SnapMode = Literal["token", "contract", "character"]


# --------------------------------------------------------------------------------------------
# Snapping manual selections
# --------------------------------------------------------------------------------------------

_SNAP_MODES: dict[str, Literal["expand", "contract", "character"]] = {
    "token": "expand",
    "expand": "expand",
    "contract": "contract",
    "character": "character",
}


def snap_selection(
    project: Project,
    document_id: str,
    start: int,
    end: int,
    mode: SnapMode = "token",
    *,
    text: str | None = None,
) -> tuple[int, int] | None:
    """Align a reader's selection to token boundaries before it becomes an annotation.

    ``"token"`` (the default) grows the selection to whole tokens ("onderf" → "wonderful"),
    ``"contract"`` shrinks it to the tokens inside it, ``"character"`` keeps it exactly.
    Returns ``(start, end)`` or None when nothing is left (only whitespace selected).
    Pass the document's ``text`` when you already hold it (the reader does) to skip reading
    it from the project; tokenised texts are cached, so repeated selections are cheap.
    """
    from annotator.nlp.tokens import snap_to_tokens

    try:
        snap = _SNAP_MODES[mode]
    except KeyError:
        raise AnnotatorError(
            f"unknown snapping mode '{mode}' (use token, contract or character)"
        ) from None
    if text is None:
        text = project.document(document_id).text
    return snap_to_tokens(text, start, end, snap)
