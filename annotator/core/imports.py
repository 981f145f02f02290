"""Importing a library without the optional extras it would pull in.

Some libraries import heavy optional packages at import time "in case" (sqlite-utils imports
pandas and numpy; PyMuPDF 2 imports its layout analyser and LLM helpers, with onnxruntime).
:func:`hidden_from_this_thread` makes those imports fail with ``ImportError`` — which such
libraries expect and pass over — for the thread doing the import only: another thread
importing numpy at the same moment (spaCy, agreement) still gets it, which replacing
``sys.modules`` entries would not allow.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import ModuleType


class _Hide:
    """A meta-path finder refusing ``names`` (and their submodules) to one thread."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)
        self.thread = threading.get_ident()

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        hidden = any(fullname == n or fullname.startswith(n + ".") for n in self.names)
        if hidden and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"{fullname} is not imported here", name=fullname)
        return None


@contextmanager
def hidden_from_this_thread(names: Iterable[str]) -> Iterator[None]:
    """Within the block, this thread cannot import ``names`` unless already imported."""
    finder = _Hide(name for name in names if name not in sys.modules)
    sys.meta_path.insert(0, finder)  # type: ignore[arg-type]
    try:
        yield
    finally:
        sys.meta_path.remove(finder)  # type: ignore[arg-type]


__all__ = ["hidden_from_this_thread"]
