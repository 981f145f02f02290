"""Start the desktop app: open the project, make sure there is something to read, show it."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


def run_gui(project_path: str | None, files: Sequence[str] = ()) -> int:
    """Open ``project_path`` (None: the default project) in the window; returns the exit code."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from annotator import __version__
    from annotator.core.errors import AnnotatorError
    from annotator.project import Project
    from annotator.resources import resource_path, sample_reading_path
    from annotator.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Annotator")
    app.setOrganizationName("Annotator")
    app.setApplicationVersion(__version__)
    app.setApplicationDisplayName("Annotator")
    icon = resource_path("icons", "annotator.svg")
    if icon.is_file():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(icon)))

    try:
        project = Project(project_path)
    except (AnnotatorError, OSError) as error:
        QMessageBox.critical(None, "Annotator", f"Cannot open the project: {error}")
        return 1

    try:
        if not project.documents():
            project.add_document(sample_reading_path())
        window = MainWindow(project)
        window.show()
        if files:
            window.open_paths([str(Path(f)) for f in files])
        else:
            last = window.prefs.last_document(str(project.path))
            ids = [s.document.id for s in project.documents()]
            target = last if last in ids else (ids[0] if ids else None)
            if target:
                window.open_document(target)
        return app.exec()
    finally:
        project.close()
