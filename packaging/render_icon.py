"""Render resources/icons/annotator.svg to the PNG sizes the .desktop file and PyInstaller use.

Run from the repository root with the project's venv: ``.venv/bin/python packaging/render_icon.py``.
The PNGs are committed, so a build does not depend on this script.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = (256, 48)


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841 - QImage/QPainter need a GUI application
    renderer = QSvgRenderer(str(ICONS / "annotator.svg"))
    if not renderer.isValid():
        print("annotator.svg is not a valid SVG", file=sys.stderr)
        return 1
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        name = "annotator.png" if size == 256 else f"annotator-{size}.png"
        image.save(str(ICONS / name))
        print(ICONS / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
