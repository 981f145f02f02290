"""Start the desktop app: open the project, make sure there is something to read, show it."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from annotator.project import Project
    from annotator.ui.main_window import MainWindow


def share_interpreter_with_workers() -> None:
    """Let the GUI thread in often while background work (spaCy, PDF extraction) runs.

    Each call from Qt into Python waits for the GIL; with Python's default 5 ms switch
    interval a busy worker makes every such call wait up to 5 ms, and a repaint makes
    dozens. 1 ms keeps event-loop stalls under 100 ms (bench/bench_suggest_gui.py).
    """
    sys.setswitchinterval(0.001)


#: How long after the window is shown the daily backup starts (it runs on its own thread).
BACKUP_DELAY_MS = 2000


def run_gui(project_path: str | None, files: Sequence[str] = ()) -> int:
    """Open ``project_path`` (None: the default project) in the window. Returns the exit code
    when no window was shown; once it was, quitting ends the process (:func:`leave_at_once`).

    Start-up does only what the first paint needs: the project (checked), the window and the
    last document; the daily backup follows a moment later (bench/bench_startup.py).
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from annotator import __version__
    from annotator.resources import resource_path
    from annotator.samples import add_sample_reading
    from annotator.ui.main_window import MainWindow
    from annotator.ui.pdf_flow import is_paged_document
    from annotator.ui.welcome import maybe_show_welcome

    share_interpreter_with_workers()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Annotator")
    app.setOrganizationName("Annotator")
    app.setApplicationVersion(__version__)
    app.setApplicationDisplayName("Annotator")
    app.setDesktopFileName("annotator")  # packaging/annotator.desktop (Wayland app id, docks)
    icon = resource_path("icons", "annotator.svg")
    if icon.is_file():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(icon)))

    install_error_hook()
    opened = open_project_for_window(project_path)
    if opened is None:
        return 1
    project, recovered = opened

    try:
        # Headers only: documents() also counts every document's annotations.
        if not project.document_headers():
            add_sample_reading(project)  # with a few example annotations
        window = MainWindow(project)
        window.show()
        if files:
            window.open_paths([str(Path(f)) for f in files])
        else:
            last = window.prefs.last_document(str(project.path))
            headers = {doc.id: doc for doc in project.document_headers()}
            target = last if last in headers else next(iter(headers), None)
            if target and is_paged_document(headers[target]):
                # A restart on a PDF: the window shows first, its pages a moment later
                # (PyMuPDF, the file, the first pages: what a first run on the sample text
                # never waits for; bench/bench_startup.py "window shown").
                QTimer.singleShot(0, lambda: window.open_document(target))
            elif target:
                window.open_document(target)
        # Not needed for the first paint, and competing with it for the interpreter.
        QTimer.singleShot(BACKUP_DELAY_MS, lambda: start_daily_backup(project.path))
        # What start-up built lives as long as the window: out of the garbage collector's
        # walk, a full collection stalls the window for half as long (50-80 ms before).
        QTimer.singleShot(BACKUP_DELAY_MS, gc.freeze)
        if recovered:
            window.statusBar().showMessage(recovered, 10000)
        # once, on the reader's first run
        maybe_show_welcome(window, window.project, window.session)
        code = app.exec()
    finally:
        project.close()
    leave_at_once(code)


def leave_at_once(code: int) -> NoReturn:
    """End the process without tearing its heap down object by object.

    By now the window has saved its state and notes, the suggestion process is stopped and
    the project is closed; what remains is freeing every Qt and Python object one at a time,
    which took 0.3–0.9 s of the time to quit (bench/bench_startup.py, "quit after"). Exit
    handlers still run (logging, multiprocessing's clean-up) and the output is flushed.
    """
    import atexit
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(code)


def open_project_for_window(project_path: str | Path | None) -> tuple[Project, str] | None:
    """Open the project, checked (``quick_check``); a damaged one gets the recovery dialog
    (restore the newest backup, salvage, open another) until something opens or the reader
    quits (``None``). Returns the project and what recovery did (for the status bar)."""
    from PySide6.QtWidgets import QMessageBox

    from annotator.core.errors import AnnotatorError, ProjectDamagedError
    from annotator.project import Project, default_project_path

    path = Path(project_path) if project_path is not None else default_project_path()
    message = ""
    while True:
        try:
            project = Project(path, check=True)
        except ProjectDamagedError as error:
            from annotator.ui.recovery import recover_at_start

            outcome = recover_at_start(error, path)
            if outcome is None:
                return None
            path, message = outcome.path, outcome.message
            continue
        except (AnnotatorError, OSError) as error:
            QMessageBox.critical(None, "Annotator", f"Cannot open the project: {error}")
            return None
        return project, message


def start_daily_backup(project_path: Path) -> None:
    """Today's automatic backup, on a thread of its own (it opens its own connection; with
    a SQLite that has the WAL-reset fix, a second connection is safe). A failure is said on
    standard error and in the next backup listing; the session goes on."""
    import threading

    def backup() -> None:
        from annotator.core.errors import AnnotatorError
        from annotator.recovery import daily_backup

        try:
            daily_backup(project_path)
        except (AnnotatorError, OSError) as error:
            print(f"annotator: the daily backup was not written: {error}", file=sys.stderr)

    threading.Thread(target=backup, name="annotator-daily-backup", daemon=True).start()


def install_error_hook() -> None:
    """Never a traceback in the reader's face: an error that escapes a window action is
    shown in a dialog (its details still go to standard error for bug reports)."""
    import traceback

    from PySide6.QtWidgets import QApplication, QMessageBox

    from annotator.core.errors import AnnotatorError, ProjectStorageError

    def hook(kind: type[BaseException], error: BaseException, tb: object) -> None:
        if isinstance(error, KeyboardInterrupt):
            QApplication.quit()
            return
        if isinstance(error, AnnotatorError):
            print(f"annotator: {error}", file=sys.stderr)
            if isinstance(error, ProjectStorageError):
                return  # the window's write-failure dialog says it, once (ui/recovery.py)
            text = str(error)
        else:
            traceback.print_exception(kind, error, tb)  # type: ignore[arg-type]
            text = (
                f"Something went wrong ({kind.__name__}: {error}). What was saved before "
                "stays saved; if it happens again, please report it with the details printed "
                "in the terminal."
            )
        if QApplication.instance() is not None:
            QMessageBox.warning(QApplication.activeWindow(), "Annotator", text)

    sys.excepthook = hook


def run_smoke_test() -> int:
    """``annotator --smoke-test``: check that an installed or packaged app really works.

    Headless (``QT_QPA_PLATFORM=offscreen``) and in a temporary folder, never the user's
    project or settings: open the main window on the sample reading with its example
    annotations and the welcome, process events, open a PDF made on the spot (PyMuPDF), load
    the default spaCy model, find an entity in the sample and score a sentence's sentiment
    (asent). Prints one line per check; exits 0 when all pass. ``make package`` runs it on
    the PyInstaller build.
    """
    import os
    import tempfile
    import time

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    started = time.perf_counter()

    def ok(what: str) -> None:
        print(f"ok {time.perf_counter() - started:6.2f}s  {what}", flush=True)

    with tempfile.TemporaryDirectory(prefix="annotator-smoke-") as tmp:
        # Before Qt reads any setting: QSettings' default location goes into the temp folder.
        os.environ["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")
        from PySide6.QtCore import QSettings

        from annotator.project import Project
        from annotator.resources import resources_dir
        from annotator.samples import add_sample_reading
        from annotator.ui.main_window import MainWindow
        from annotator.ui.preferences import Preferences
        from annotator.ui.welcome import WelcomeDialog, maybe_show_welcome

        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(QSettings.Format.IniFormat, scope, os.path.join(tmp, "qsettings"))
        app = QApplication.instance() or QApplication(sys.argv[:1])
        ok(f"Qt {app.platformName()}; resources in {resources_dir()}")
        failures: list[str] = []
        project = Project(os.path.join(tmp, "smoke.annotator"))
        try:
            document, _ = add_sample_reading(project)
            window = MainWindow(project, Preferences(os.path.join(tmp, "settings.ini")))
            window.resize(1000, 700)
            window.show()
            window.open_document(document.id)
            welcome = maybe_show_welcome(window, window.project, window.session)
            for _ in range(20):
                app.processEvents()
                time.sleep(0.01)
            shown = len(project.annotations(document.id))
            if "Studies serve for delight" not in window.reader.toPlainText():
                failures.append("the reader does not show the sample reading")
            elif shown < 5 or not isinstance(welcome, WelcomeDialog) or not welcome.isVisible():
                failures.append(f"examples: {shown} annotations; welcome shown: {bool(welcome)}")
            else:
                ok(f"window on '{document.title}' with {shown} example annotations and welcome")
            failures += _smoke_pdf(project, tmp, ok)
            failures += _smoke_spacy(project, document.id, ok)
            failures += _smoke_suggestion_process(window, document.id, ok)
            window.close()
            app.processEvents()
        finally:
            project.close()
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


def _smoke_pdf(project: Project, folder: str, ok: Callable[[str], None]) -> list[str]:
    from annotator.documents.pdf_library import pymupdf

    path = Path(folder) / "smoke.pdf"
    pdf = pymupdf.open()
    pdf.new_page().insert_text((72, 72), "Histories make men wise; poets witty.")
    pdf.save(path)
    pdf.close()
    document, _ = project.add_document(path)
    if "Histories make men wise" not in project.text_of(document.id):
        return ["PyMuPDF: the text of a new PDF was not extracted"]
    ok(f"PyMuPDF {pymupdf.VersionBind}: PDF text extracted")
    return []


def _smoke_suggestion_process(
    window: MainWindow, document_id: str, ok: Callable[[str], None]
) -> list[str]:
    """Suggest as the window does: in the suggestion process (a spawned child, which a
    frozen app must be able to start)."""
    import time

    from PySide6.QtWidgets import QApplication

    from annotator.suggesting.review import pending_suggestions

    window.suggestions.run("entities")
    deadline = time.monotonic() + 180
    while window.suggestions.task is not None and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.02)
    if window.suggestions.task is not None:
        return ["the suggestion process did not finish within 3 minutes"]
    found = pending_suggestions(window.project, document_id)
    if not found:
        return [f"the suggestion process stored nothing: {window.statusBar().currentMessage()}"]
    ok(f"suggestion process: {len(found)} suggestions stored, e.g. {found[0].quote!r}")
    return []


def _smoke_spacy(project: Project, document_id: str, ok: Callable[[str], None]) -> list[str]:
    from annotator.nlp.models import default_model_name, load_pipeline

    name = default_model_name()
    nlp = load_pipeline(name, "entities")
    text = project.text_of(document_id)
    entities = [(e.text, e.label_) for e in nlp(text[:600]).ents]
    person = next((e for e in entities if e[1] == "PERSON" and "Bacon" in e[0]), None)
    if person is None:
        return [f"spaCy {name}: no PERSON 'Bacon' among {entities}"]
    ok(f"spaCy {name}: {len(entities)} entities in the sample, e.g. {person}")
    from annotator.nlp.sentiment import analyze_text, sentiment_pipeline

    mood = analyze_text(
        "Studies serve for delight. I love this wonderful essay.", sentiment_pipeline()
    )
    if mood.score <= 0:
        return [f"asent: a delighted sentence scored {mood.score:.2f} ({mood.label})"]
    ok(f"asent sentiment: {mood.label} ({mood.score:+.2f})")
    return []
