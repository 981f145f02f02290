"""The open document's annotations on screen, kept in step with the project.

Follows the project's annotation and link events and updates the surfaces, the Annotations
list and the margin; loads a newly opened document's annotations (a text's first screen
first, the rest on first need) and its links into the session. What shows is what the
annotator layers and blind mode let the reader see (:class:`~annotator.ui.annotators.
AnnotatorLayers`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from annotator.core.errors import AnnotatorError
from annotator.core.model import Annotation, Document, DocumentKind
from annotator.project import Project
from annotator.ui.annotation_list import AnnotationList
from annotator.ui.annotators import AnnotatorLayers
from annotator.ui.reading_area import ReadingArea
from annotator.ui.session import LinkedTo, ReadingSession


class AnnotationsOnScreen(QObject):
    #: The open document's annotations changed (counts, actions and the Documents panel
    #: follow).
    changed = Signal()

    def __init__(
        self,
        project: Project,
        session: ReadingSession,
        area: ReadingArea,
        annotation_list: AnnotationList,
        layers: AnnotatorLayers,
        report: Callable[[str], None],
    ) -> None:
        super().__init__(area)
        self.project, self.session, self.area = project, session, area
        self.list, self.layers, self.report = annotation_list, layers, report
        e = project.events
        self._followed = (
            (e.annotation_added, self._added),
            (e.annotation_changed, self._changed),
            (e.annotation_removed, self._removed),
            (e.annotations_reset, self.reset),
            (e.links_changed, self.load_links),
        )
        for signal, slot in self._followed:
            signal.connect(slot)
        layers.visibility_changed.connect(self.reset)

    def disconnect_project(self) -> None:
        for signal, slot in self._followed:
            signal.disconnect(slot)

    # -- a newly opened document ---------------------------------------------------------------

    def for_pages(self, document_id: str) -> list[Annotation]:
        """A paged document's annotations, all at once (they are placed page by page)."""
        return self.layers.visible(document_id)  # layers, blind mode

    def opened(self, document: Document, *, first_screen: bool) -> None:
        """After the surface has loaded ``document``: its list, links and (for a text) the
        annotations of the screen it opens on."""
        self.list.show_document(document.id, document.text, document.page_map)
        self.list.fill_soon(document.id)
        self.load_links()
        if first_screen:
            self._load_first_screen(document.id)

    def _load_first_screen(self, document_id: str) -> None:
        """Give the reader the annotations around the screen it opens on; the others load
        the first time anything asks about them (at the latest when the list fills, on the
        next turn of the event loop), so a long document paints before they are read."""
        reader = self.area.reader
        a, b = reader.visible_range(pad_pixels=2 * reader.viewport().height())
        start, end = reader.to_cp(a), reader.to_cp(b)
        if start <= 0 and end >= len(reader.text):
            # The first screen is the whole text (a short document, or one paragraph):
            # everything now, read once, not a range and then the same again.
            reader.reset_annotations(self._all_visible(document_id))
            return
        try:
            first = self.layers.visible_in_range(document_id, start, end)
        except AnnotatorError:
            reader.reset_annotations(self._all_visible(document_id))
            return
        reader.reset_first_screen(first, start, end, lambda: self._all_visible(document_id))

    def _all_visible(self, document_id: str) -> list[Annotation]:
        try:
            return self.layers.visible(document_id)
        except AnnotatorError as error:
            self.report(str(error))
            return []

    def load_links(self) -> None:
        """The open document's links, both ways, into the session."""
        links: dict[str, list[LinkedTo]] = {}
        document = self.session.document
        for link in self.project.links(document.id) if document is not None else []:
            for here, there in (
                (link.from_annotation, link.to_annotation),
                (link.to_annotation, link.from_annotation),
            ):
                try:
                    other = self.project.annotation(there)
                except AnnotatorError:
                    continue
                links.setdefault(here, []).append((link, other))
        self.session.set_links(links)

    # -- following the project -------------------------------------------------------------------

    def follow_file_marks(self) -> None:
        """A PDF's own marks are drawn on its pages until they are imported; then the
        annotations made of them are (each drawn once, and one deleted here is gone)."""
        document = self.session.document
        if document is not None and document.kind == DocumentKind.PDF:
            shown = not self.project.has_file_marks_imported(document.id)
            self.area.pdf_view.show_file_marks(shown)

    def _added(self, a: Annotation) -> None:
        if a.source == "pdf":
            self.follow_file_marks()
        self.list.ensure_choice(a)
        for view in self.area.views():
            view.add_annotation(a)
        self.list.model.add(a)
        self._after_change()

    def _changed(self, _old: Annotation, new: Annotation) -> None:
        self.list.ensure_choice(new)
        for view in self.area.views():
            view.change_annotation(new)
        self.list.model.change(new)
        self._after_change()

    def _removed(self, a: Annotation) -> None:
        if a.source == "pdf":
            self.follow_file_marks()
        for view in self.area.views():
            view.remove_annotation(a.id)
        self.list.model.remove(a.id)
        if self.session.selected_id == a.id:
            self.session.select(None)
        self._after_change()

    def reset(self, document_id: str | None = None) -> None:
        """Everything of the open document read again (an import, undoing one, layers or
        blind mode changed, a write that failed); other documents only change counts."""
        document = self.session.document
        if document is None or document_id not in (None, document.id):
            self.changed.emit()
            return
        annotations = self.layers.visible(document.id)
        self.follow_file_marks()
        for view in self.area.views():
            view.reset_annotations(annotations)
        self.list.model.reload(annotations)
        self.load_links()
        self._after_change()

    def _after_change(self) -> None:
        self.area.margin.rebuild()
        self.changed.emit()


__all__ = ["AnnotationsOnScreen"]
