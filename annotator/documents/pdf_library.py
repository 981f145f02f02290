"""PyMuPDF, imported without its layout analyser and its LLM helpers.

``import pymupdf`` (2.x) also imports ``pymupdf.layout`` and ``pymupdf4llm`` whenever they
are installed (PyMuPDF 2 depends on both), and they load onnxruntime, numpy and an ONNX
model at once: about half a second of start-up. Annotator uses neither layout analysis
(``Page.get_layout``, the layout-aware table finder) nor ``to_markdown``/``to_json``, so the
two are hidden while PyMuPDF is first imported (its ``try: import ... except ImportError``
then passes over them); they stay importable afterwards for anything that does want them.
Import PyMuPDF from here, never directly.
"""

from __future__ import annotations

import sys

#: What ``import pymupdf`` would import and Annotator does not use.
UNUSED = ("pymupdf.layout", "pymupdf4llm")

if "pymupdf" not in sys.modules:
    hidden = [name for name in UNUSED if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes its import fail
    try:
        import pymupdf
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
else:
    import pymupdf

__all__ = ["pymupdf"]
