"""The Annotations panel: the open document's annotations as a filterable list, and the
words the window uses for an annotation (what it is, its colour, whose).

It follows the session's selection (and chooses in it: a row clicked is the selection) and
keeps the filter's choices to the labels, colours, symbols and annotators that exist.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget

from annotator.core.model import Annotation, AnnotationKind, LabelSetKind
from annotator.project import Project
from annotator.ui.models import AnnotationTableModel, plural
from annotator.ui.panels import AnnotationsPanel
from annotator.ui.reading_area import ReadingArea
from annotator.ui.session import ReadingSession
from annotator.ui.shell import Shell

PageMap = tuple[tuple[int, int], ...]


class AnnotationList(QObject):
    chosen = Signal(str)  # a row chosen: select that annotation
    activated = Signal(str)  # a row double-clicked: edit its note
    filled = Signal()  # a newly opened document's rows are in (the counts follow)

    def __init__(
        self, project: Project, session: ReadingSession, area: ReadingArea, shell: Shell
    ) -> None:
        owner = shell.dialog_parent()
        super().__init__(owner)
        self.project, self.session, self.area = project, session, area
        self.model = AnnotationTableModel(project, owner)
        self.panel = AnnotationsPanel(self.model, owner)
        self.panel.annotation_selected.connect(self.chosen)
        self.panel.annotation_activated.connect(self.activated)
        self.dock = QDockWidget("Annotations", owner)
        self.dock.setObjectName("annotationsDock")
        self.dock.setWidget(self.panel)
        shell.add_dock(self.dock, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.closed = False
        session.selection_changed.connect(self._selection_changed)

    # -- what the list holds ---------------------------------------------------------------------

    def show_document(
        self, document_id: str | None, text: str = "", page_map: PageMap = ()
    ) -> None:
        """An empty list for a newly opened document (or none); :meth:`fill` fills it.

        A PDF's pages are named as printed on them (its page labels, read by the PDF view's
        reader), so the list says "p. 1" where the book does, not the file's page 7."""
        self.model.set_document(document_id, text, [], page_map, self._page_labels(page_map))

    def _page_labels(self, page_map: PageMap) -> tuple[str, ...]:
        reader = self.area.pdf_view.reader
        if not page_map or reader is None or not self.area.showing_pdf:
            return ()
        return reader.page_labels() if reader.page_count == len(page_map) else ()

    def fill_soon(self, document_id: str) -> None:
        """Fill the list on the next turn of the event loop: not needed for the first paint."""
        QTimer.singleShot(0, lambda: self._fill(document_id))

    def _fill(self, document_id: str) -> None:
        if self.closed or not self.session.is_open(document_id):
            return
        self.model.reload(self.area.view.index.all())
        self.refresh_choices()
        if self.session.selected_id:
            self.panel.select(self.session.selected_id)
        self.filled.emit()

    def annotations(self) -> list[Annotation]:
        return self.model.annotations()

    def counts_text(self) -> str:
        """ "12 annotations · 3 notes" for the status line."""
        rows, notes = self.model.counts()
        return plural(rows, "annotation") + (f" · {plural(notes, 'note')}" if notes else "")

    def _selection_changed(self, annotation_id: str | None, source: str) -> None:
        if source != "list":
            self.panel.select(annotation_id)

    # -- the filter --------------------------------------------------------------------------------

    def ensure_choice(self, a: Annotation) -> None:
        """A label used for the first time becomes a choice of the label filter."""
        if a.label and self.panel.label_box.findData(a.label) < 0:
            QTimer.singleShot(0, self.refresh_choices)

    def refresh_choices(self) -> None:
        self.model.forget_label_colors()  # a label set changed, or a label is new here
        labels: list[str] = []
        for label_set in self.project.label_sets():
            if label_set.kind != LabelSetKind.LEGEND:
                labels.extend(x.name for x in label_set.labels if x.name not in labels)
        used = {a.label for a in self.model.annotations() if a.label}
        labels = [x for x in labels if x in used] + sorted(used - set(labels))
        self.panel.set_choices(
            self.project.legend(),
            labels,
            self.project.symbols(),
            [(a.id, a.name) for a in self.project.annotators()],
        )

    def refresh_names(self) -> None:
        """Annotators renamed or added: the By column and the annotator filter."""
        self.model.refresh_names()
        self.refresh_choices()

    def filter_by_color(self, color: str) -> None:
        self.dock.show()
        self.panel.filter_by_color(color)

    # -- words for an annotation -------------------------------------------------------------------

    def describe(self, a: Annotation) -> tuple[str, str, str]:
        """What an annotation is, its colour and whose, in the reader's words."""
        mark = self.model.mark(a)
        if a.kind == AnnotationKind.SUMMARY:
            mark = "Summary of the whole reading" if a.start == a.end else "Section summary"
        elif a.kind == AnnotationKind.COMMENT and not (a.symbol or a.label or a.color):
            mark = "Comment"
        color = a.color or self.area.reader.label_colors.get(a.label or "", "")
        return mark, color, self.model.annotator_name(a.annotator_id)


__all__ = ["AnnotationList"]
