"""spaCy, imported whole before any of its submodules, from whichever thread comes first.

CPython 3.11 takes a submodule's import lock *before* importing its package. A thread that
imports ``spacy.util`` (or ``spacy.language``, or a package built on spaCy such as asent)
while another thread is inside ``import spacy`` holds the one lock the other needs next: the
import machinery breaks the deadlock by handing one of them a half-initialised module, and
the reader sees "cannot import name … from partially initialized module" or
``KeyError: 'spacy'``. The window tokenises on a background thread while its own thread asks
for the installed pipelines, so this happens. Importing the package first, alone, takes only
the package's lock; after that its submodules are already loaded. Import spaCy through here.
"""

from __future__ import annotations

from types import ModuleType


def import_spacy() -> ModuleType:
    """The ``spacy`` package, fully imported (safe from any thread)."""
    import spacy

    return spacy


__all__ = ["import_spacy"]
