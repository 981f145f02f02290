"""PyMuPDF, imported on first use and without its layout analyser and its LLM helpers.

``import pymupdf`` (2.x) also imports ``pymupdf.layout`` and ``pymupdf4llm`` whenever they
are installed (PyMuPDF 2 depends on both), and they load onnxruntime, numpy and an ONNX
model at once: about half a second of start-up. Annotator uses neither layout analysis
(``Page.get_layout``, the layout-aware table finder) nor ``to_markdown``/``to_json``, so the
two are hidden while PyMuPDF is first imported (its ``try: import ... except ImportError``
then passes over them); they stay importable afterwards for anything that does want them.

PyMuPDF itself (0.15 s) is imported by :func:`load_pymupdf`, when a PDF is first opened, not
when :mod:`annotator.documents.pdf` is (the window imports that before it knows whether
there is a PDF to show). ``from annotator.documents.pdf_library import pymupdf`` imports it
at once, for modules that need it anyway. Import PyMuPDF through here, never directly.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import TYPE_CHECKING

from annotator.core.imports import hidden_from_this_thread

if TYPE_CHECKING:
    import pymupdf

#: What ``import pymupdf`` would import and Annotator does not use.
UNUSED = ("pymupdf.layout", "pymupdf4llm")

_lock = threading.Lock()
_module: ModuleType | None = None


def load_pymupdf() -> ModuleType:
    """The ``pymupdf`` module, imported (without :data:`UNUSED`) on the first call."""
    global _module
    if _module is not None:
        return _module
    with _lock:
        with hidden_from_this_thread(UNUSED):
            import pymupdf

        _module = pymupdf
    return pymupdf


def __getattr__(name: str) -> ModuleType:
    if name == "pymupdf":
        return load_pymupdf()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["load_pymupdf", "pymupdf"]
