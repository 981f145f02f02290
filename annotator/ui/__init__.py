"""The desktop window (PySide6). The only package, with ``annotator/app.py``, that imports Qt.

Widgets here hold no business logic: they call :class:`annotator.project.Project` and redraw
on its events. Offsets from Qt (UTF-16) are converted to code points with
:class:`annotator.core.offsets.OffsetMap` at this boundary and nowhere else.
"""

from __future__ import annotations
