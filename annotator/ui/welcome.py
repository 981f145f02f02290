"""First run: a short welcome over the sample reading, and the offline documentation.

The welcome is shown once (a QSettings flag in the reader's preferences) and again from
Help → Welcome. Its "Open the Sample Reading" button adds the sample to the project with its
example annotations when the project does not have it yet (:mod:`annotator.samples`).
Help → Documentation shows the README shipped with the app (no network needed).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from annotator.project import Project
from annotator.resources import readme_path, resource_path, sample_reading_path
from annotator.ui.session import ReadingSession
from annotator.ui.shell import Shell

SHOWN_KEY = "welcome/shown"

SAMPLE_OPEN = "The window behind this one shows"
SAMPLE_CLOSED = "Open the sample reading below to see"

WELCOME_HTML = """
<h2 style="margin-bottom: 4px">Welcome to Annotator</h2>
<p>{sample} a short essay by Francis Bacon, <i>Of Studies</i>, with a few example annotations:
a highlight in a legend colour, a comment in the margin, a <b>?</b> symbol, a label, a summary
of the essay and a link between two passages. Change them or delete them; everything is saved
as you work, and there is no Save button.</p>
<p>There are three ways to work with Annotator:</p>
<p><b>Close reading.</b> Select a passage, then press one key: <b>H</b> to highlight,
<b>C</b> to comment, <b>?</b> <b>!</b> <b>*</b> for symbols, <b>S</b> to summarise a section.
Each colour means what your legend says it means.</p>
<p><b>Labelling with suggestions.</b> Choose a label set (or make your own with
<b>Edit…</b> beside it) and tag passages with the number keys. spaCy can suggest entities and
sentiment; click one, then <b>Enter</b> accepts and <b>Backspace</b> rejects it.</p>
<p><b>Comparing annotators.</b> Several people annotate the same texts, in one project or
each in their own (then merged). Annotator measures how far they agree (kappa, alpha, F1),
lists the passages where they differ and helps you settle them.</p>
<p>Press <b>F1</b> for every keyboard shortcut. You can open this welcome again, or read
the full documentation, from the <b>Help</b> menu.</p>
"""


class WelcomeDialog(QDialog):
    """What Annotator is for, in a few sentences, over the sample reading."""

    def __init__(self, shell: Shell, project: Project, session: ReadingSession) -> None:
        super().__init__(shell.dialog_parent())
        self.shell = shell
        self.project = project
        self.session = session
        self.setObjectName("welcomeDialog")
        self.setWindowTitle("Welcome to Annotator")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(560)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 14)
        row = QHBoxLayout()
        row.setSpacing(18)
        icon = QLabel(self)
        icon.setPixmap(_icon_pixmap(64))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        row.addWidget(icon)
        sample_open = _showing_sample(session)
        self.text = QLabel(
            WELCOME_HTML.format(sample=SAMPLE_OPEN if sample_open else SAMPLE_CLOSED)
        )
        self.text.setObjectName("welcomeText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        row.addWidget(self.text, 1)
        layout.addLayout(row)
        layout.addStretch(1)

        buttons = QHBoxLayout()
        self.docs_button = QPushButton("Documentation", self)
        self.docs_button.setAutoDefault(False)
        self.docs_button.clicked.connect(lambda: show_documentation(shell.dialog_parent()))
        self.sample_button = QPushButton("Open the Sample Reading", self)
        self.sample_button.setAutoDefault(False)
        self.sample_button.setVisible(not sample_open)
        self.sample_button.clicked.connect(self.open_sample)
        self.start_button = QPushButton("Start Reading", self)
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.accept)
        buttons.addWidget(self.docs_button)
        buttons.addStretch(1)
        buttons.addWidget(self.sample_button)
        buttons.addWidget(self.start_button)
        layout.addLayout(buttons)
        # A word-wrapped label's height depends on its width, which adjustSize() does not
        # ask: size the dialog for the text at the dialog's width instead.
        margins = layout.contentsMargins()
        text_width = 600 - margins.left() - margins.right() - 64 - row.spacing()
        height = (
            self.text.heightForWidth(text_width)
            + margins.top()
            + margins.bottom()
            + layout.spacing() * 2
            + self.start_button.sizeHint().height()
            + 16
        )
        self.resize(600, height)

    def open_sample(self) -> None:
        """Open the sample reading (added, with its examples, if the project lacks it)."""
        from annotator.samples import add_sample_reading

        document, _ = add_sample_reading(self.project)
        self.shell.open_document(document.id)
        self.accept()


class DocumentationDialog(QDialog):
    """Help → Documentation: the README, rendered from the copy shipped with the app."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentationDialog")
        self.setWindowTitle("Annotator documentation")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(780, 720)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        path = readme_path()
        if path is None:
            self.browser.setMarkdown(
                "# Annotator\n\nThe documentation (README.md) is missing from this "
                "installation. Press **F1** for the keyboard shortcuts."
            )
        else:
            self.browser.setSearchPaths([str(path.parent)])
            self.browser.setMarkdown(path.read_text(encoding="utf-8"))
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def show_welcome(shell: Shell, project: Project, session: ReadingSession) -> WelcomeDialog:
    """Show the welcome beside the window (not modal: the reading stays usable)."""
    existing = shell.dialog_parent().findChild(WelcomeDialog)
    if existing is not None and existing.isVisible():
        existing.raise_()
        existing.activateWindow()
        return existing
    dialog = WelcomeDialog(shell, project, session)
    dialog.show()
    return dialog


def maybe_show_welcome(
    shell: Shell, project: Project, session: ReadingSession
) -> WelcomeDialog | None:
    """On the reader's first run, show the welcome and remember that it was shown."""
    if shell.prefs.bool(SHOWN_KEY, False):
        return None
    shell.prefs.set_bool(SHOWN_KEY, True)
    shell.prefs.sync()
    return show_welcome(shell, project, session)


def show_documentation(parent: QWidget | None) -> DocumentationDialog:
    dialog = DocumentationDialog(parent)
    dialog.show()
    return dialog


def _showing_sample(session: ReadingSession) -> bool:
    document = session.document
    return document is not None and document.path == str(sample_reading_path().resolve())


def _icon_pixmap(size: int) -> QPixmap:
    path = resource_path("icons", "annotator.svg")
    return QIcon(str(path)).pixmap(size, size) if path.is_file() else QPixmap()
