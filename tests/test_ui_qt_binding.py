"""Guards against a Qt binding that corrupts the interpreter (PySide6 6.12.0 on Python 3.11)."""

from __future__ import annotations

import sys


def test_void_qt_calls_do_not_drain_references_to_none(qtbot):
    from PySide6.QtWidgets import QPlainTextEdit

    widget = QPlainTextEdit()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.setObjectName("reader")
    # Immortal on 3.12+; on 3.11 a broken binding loses one reference per call.
    assert sys.getrefcount(None) - before > -100
