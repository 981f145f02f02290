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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language


def import_spacy() -> ModuleType:
    """The ``spacy`` package, fully imported (safe from any thread)."""
    import spacy

    return spacy


#: How long a text a rule-based pipeline takes: spaCy's default of 1,000,000 characters guards
#: the parser's and recogniser's memory (about 1 GB per 100,000 characters), which tokenising
#: and splitting sentences do not need; a book of 2 MB must tokenise as a page does.
RULES_ONLY_MAX_LENGTH = 2**31 - 1


def blank(lang: str) -> Language:
    """``spacy.blank(lang)`` for tokenising whole texts of any length (no model, so no
    memory limit applies: see :data:`RULES_ONLY_MAX_LENGTH`)."""
    nlp = import_spacy().blank(lang)
    nlp.max_length = RULES_ONLY_MAX_LENGTH
    return nlp


__all__ = ["RULES_ONLY_MAX_LENGTH", "blank", "import_spacy"]
