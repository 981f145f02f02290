"""The desktop window (PySide6). The only package, with ``annotator/app.py``, that imports Qt.

Widgets here hold no business logic: they call :class:`annotator.project.Project` and redraw
on its events. Offsets from Qt (UTF-16) are converted to code points with
:class:`annotator.core.offsets.OffsetMap` at this boundary and nowhere else.
"""

from __future__ import annotations

import ctypes
import sys


def _keep_none_alive() -> None:
    """Work around a reference-count bug of PySide6 6.12 on Python 3.11.

    Every Qt method that returns nothing (``setPosition``, ``setExtraSelections``,
    ``setObjectName``…) gives back ``None`` without taking a reference to it, so ``None``'s
    count falls by one per call until Python aborts with "none_dealloc: deallocating None"
    (a few hundred thousand calls: minutes of scrolling). From Python 3.12 on ``None`` is
    immortal and nothing needs doing. On 3.11 we lend ``None`` 2**40 references once, which
    no session can use up.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    if getattr(sys, "_annotator_none_lent", False):
        return
    refcount = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt is PyObject's first field
    refcount.value += 1 << 40
    sys._annotator_none_lent = True  # type: ignore[attr-defined]


_keep_none_alive()
