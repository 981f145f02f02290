"""Several annotators in the window: whose layers show, blind mode, the Agreement menu (issue 6).

:class:`AnnotatorLayers` decides which annotations the reader, the margin and the list get
(:meth:`AnnotatorLayers.visible`): every layer the reader has not hidden under View →
Annotator Layers, and in blind mode only the viewer's own until they mark the document done
(:func:`annotator.comparing.visible_annotations`). The documents panel's counts follow the
same rule (:func:`annotator.comparing.document_counts`). The Agreement menu opens
:class:`~annotator.ui.agreement_dialog.AgreementDialog`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from annotator.comparing.layers import (
    blind_mode,
    document_counts,
    others_visible,
    set_blind_mode,
    visible_annotations,
)
from annotator.comparing.merging import AnnotatorNameConflict, MergeReport, SameName, merge_project
from annotator.comparing.selection import GOLD_ANNOTATOR
from annotator.core.errors import AnnotatorError, NotFoundError
from annotator.core.model import Annotation, ImportChanges
from annotator.ui.commands import ImportAnnotations
from annotator.ui.models import plural

if TYPE_CHECKING:
    from annotator.project import DocumentSummary, Project
    from annotator.ui.agreement_dialog import AgreementDialog
    from annotator.ui.library import LibraryController
    from annotator.ui.reading_area import ReadingArea
    from annotator.ui.session import ReadingSession
    from annotator.ui.shell import Shell


class AnnotatorLayers(QObject):
    """Annotator layers, blind mode and the Agreement menu of one window."""

    #: What the reader may see of a document changed (layers, blind mode, the viewer):
    #: the window redraws that document's annotations.
    visibility_changed = Signal(str)

    def __init__(
        self,
        project: Project,
        session: ReadingSession,
        area: ReadingArea,
        library: LibraryController,
        shell: Shell,
    ) -> None:
        super().__init__(shell.dialog_parent())
        self.project, self.session, self.area = project, session, area
        self.library, self.shell = library, shell
        self.hidden: set[str] = set()  # annotator ids whose layer is hidden
        self.dialog: AgreementDialog | None = None
        self._build_menus()
        library.model.summaries = self.summaries
        events = project.events
        events.documents_changed.connect(self._documents_changed)
        events.current_annotator_changed.connect(lambda _a: self._viewer_changed())
        events.annotators_changed.connect(self._fill_layers)
        self._reset_timer = QTimer(self, singleShot=True, interval=0)
        self._reset_timer.timeout.connect(self._reset_reader)
        self._blind_seen = blind_mode(project)

    # -- menus ---------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        """The View menu's Annotator Layers and the Agreement menu; the window places them."""
        w = self.shell.dialog_parent()
        self.layers_menu = QMenu("Annotator &Layers", w)
        self.layers_menu.aboutToShow.connect(self._fill_layers)

        self.act_blind = QAction("&Blind Mode", w)
        self.act_blind.setCheckable(True)
        self.act_blind.setStatusTip(
            "Each annotator sees only their own annotations and counts until they mark a "
            "document done (documents panel → right-click → Mark as done)"
        )
        self.act_blind.setChecked(blind_mode(self.project))
        self.act_blind.toggled.connect(self.set_blind)
        self.act_agreement = QAction("&Agreement Between Annotators…", w)
        self.act_agreement.setShortcut("Ctrl+Shift+K")
        self.act_agreement.setStatusTip(
            "Cohen's kappa, F1 and more between annotators; disagreements and adjudication"
        )
        self.act_agreement.triggered.connect(lambda: self.open_agreement())
        w.addAction(self.act_agreement)
        self.act_done = QAction("Mark This Document &Done", w)
        self.act_done.setStatusTip(
            "Your reading of this document is finished (blind mode then "
            "shows the others' annotations)"
        )
        self.act_done.triggered.connect(self.mark_done)

        self.act_merge = QAction("&Merge Another Annotator's Project…", w)
        self.act_merge.setStatusTip(
            "Bring in the documents and annotations of a project someone else annotated "
            "(merging the same project twice adds nothing; Ctrl+Z takes it back)"
        )
        self.act_merge.triggered.connect(lambda: self.merge_project())

        menu = QMenu("A&greement", w)
        menu.addAction(self.act_agreement)
        menu.addAction(self.act_merge)
        menu.addSeparator()
        menu.addAction(self.act_blind)
        menu.addAction(self.act_done)
        self.menu = menu
        self._fill_layers()

    def merge_project(self, path: str | None = None) -> MergeReport | None:
        """Agreement → Merge Another Annotator's Project…: choose the file; if its annotators
        share names with ours, ask whether they are the same people; merge as one undoable
        step and say what came in."""
        w = self.shell.dialog_parent()
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                w, "Merge another annotator's project", "", "Annotator projects (*.annotator)"
            )
            if not path:
                return None
        same_name: SameName = "ask"
        their_names: dict[str, str] = {}
        while True:
            command = ImportAnnotations(
                self.project,
                lambda mode=same_name, names=dict(their_names): self._merge(path, mode, names),
                f"Merge “{Path(path).name}”",
            )
            try:
                command.execute()
            except AnnotatorNameConflict as conflict:
                same_name = self._ask_same_people(conflict)
                if same_name == "rename":
                    named = self._ask_their_names(conflict)
                    if named is None:
                        return None
                    their_names.update(named)
                    same_name = "ask"  # a name given that is in use here is that person
                elif same_name == "ask":
                    return None
                continue
            except AnnotatorError as error:
                self.shell.show_error(f"Cannot merge “{Path(path).name}”: {error}", dialog=True)
                return None
            break
        report: MergeReport = command.result
        if command.changes:
            self.shell.undo.push(command)
        imported = report.imported
        renamed = (
            "; renamed " + ", ".join(f"{a} → {b}" for a, b in report.renamed.items())
            if report.renamed
            else ""
        )
        self.shell.show_status(
            f"Merged “{Path(path).name}”: {plural(imported.annotations_added, 'annotation')} "
            f"and {plural(imported.documents_added, 'document')} added, "
            f"{imported.annotations_unchanged} already here{renamed} — Ctrl+Z to undo",
            10000,
        )
        return report

    def _merge(
        self, path: str, same_name: SameName, their_names: dict[str, str]
    ) -> tuple[MergeReport, ImportChanges]:
        report = merge_project(self.project, path, same_name=same_name, their_names=their_names)
        return report, report.imported.changes

    def _ask_their_names(self, conflict: AnnotatorNameConflict) -> dict[str, str] | None:
        """Who the other project's people are: a name for each, offered as
        "name (project)"; None when the user cancels."""
        names: dict[str, str] = {}
        for name in conflict.names:
            given, ok = QInputDialog.getText(
                self.shell.dialog_parent(),
                "Name the other annotator",
                f"“{name}” in “{conflict.other.name}” is someone else. What is their name here?",
                text=f"{name} ({conflict.other.stem})",
            )
            given = given.strip()
            if not ok or not given:
                return None
            names[name] = given
        return names

    def _ask_same_people(self, conflict: AnnotatorNameConflict) -> SameName:
        names = ", ".join(f"“{n}”" for n in conflict.names)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Same people?",
            f"“{conflict.other.name}” has annotators called {names}, and so does this project, "
            "but they were created separately.",
            parent=self.shell.dialog_parent(),
        )
        box.setInformativeText(
            "If they are the same people, their work is merged into theirs here. If they are "
            "other people, you give each a name of their own and their work is kept apart."
        )
        same = box.addButton("Same People", QMessageBox.ButtonRole.AcceptRole)
        others = box.addButton("Other People", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is same:
            return "same"
        if box.clickedButton() is others:
            return "rename"
        return "ask"

    def _fill_layers(self) -> None:
        menu = self.layers_menu
        menu.clear()
        current = self.project.current_annotator.name
        for annotator in self.project.annotators():
            name = annotator.name
            text = f"{name} (you)" if name == current else name
            if name == GOLD_ANNOTATOR:
                text = "gold (adjudicated)"
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(annotator.id not in self.hidden)
            action.setData(annotator.id)
            action.toggled.connect(lambda on, ident=annotator.id: self.show_layer(ident, on))
        if menu.isEmpty():
            menu.addAction("No annotators yet").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Show All Layers").triggered.connect(self.show_all)

    # -- what shows ----------------------------------------------------------------------------

    def visible(self, document_id: str) -> list[Annotation]:
        """The annotations of a document the reader, margin and list show."""
        shown = visible_annotations(self.project, document_id)
        if not self.hidden:
            return shown
        return [a for a in shown if a.annotator_id not in self.hidden]

    def visible_in_range(self, document_id: str, start: int, end: int) -> list[Annotation]:
        """What :meth:`visible` shows, limited to annotations overlapping ``[start, end)``:
        the first screen of a long document, painted before the rest loads."""
        project = self.project
        viewer = project.current_annotator.name
        blind = not others_visible(project, document_id, viewer)
        try:
            shown = project.annotations_in_range(
                document_id, start, end, annotator=viewer if blind else None
            )
        except NotFoundError:  # a viewer who has not annotated yet sees nothing in blind mode
            return []
        if not self.hidden:
            return shown
        return [a for a in shown if a.annotator_id not in self.hidden]

    def show_layer(self, annotator_id: str, on: bool) -> None:
        if on:
            self.hidden.discard(annotator_id)
        else:
            self.hidden.add(annotator_id)
        self._reset_timer.start()

    def show_all(self) -> None:
        self.hidden.clear()
        self._reset_timer.start()

    def show_layers(self, names: list[str]) -> None:
        """Make sure these annotators' layers show (the agreement dialog opening a passage)."""
        ids = {a.id for a in self.project.annotators() if a.name in names}
        if ids & self.hidden:
            self.hidden -= ids
            self._reset_reader()

    def summaries(self) -> list[DocumentSummary]:
        """Documents panel rows: in blind mode, counts of the viewer's own work only until
        they mark the document done."""
        rows = self.project.documents()
        if not blind_mode(self.project):
            return rows
        counts = {c.document_id: c for c in document_counts(self.project)}
        out = []
        for row in rows:
            c = counts.get(row.document.id)
            if c is None:
                out.append(row)
                continue
            total = c.own + (c.others or 0)
            out.append(dataclasses.replace(row, annotations=total))
        return out

    def set_blind(self, on: bool) -> None:
        if on == blind_mode(self.project):
            return
        set_blind_mode(self.project, on)  # resets the views
        self._blind_seen = on
        self.shell.show_status(
            "Blind mode: you see only your own annotations until you mark a document done"
            if on
            else "Blind mode off: every annotator's layer shows",
            6000,
        )

    def mark_done(self) -> None:
        document = self.session.document
        if document is None:
            self.shell.show_error("Open a document first.")
            return
        if not self.library.set_document_status(document.id, "done"):
            return
        self.shell.show_status(
            f"“{document.title}” marked done"
            + (" — the other annotators' work now shows" if blind_mode(self.project) else ""),
            5000,
        )

    def _documents_changed(self) -> None:
        # Marking a document done in blind mode reveals the others: redraw what shows.
        blind = blind_mode(self.project)
        if blind != self.act_blind.isChecked():
            self.act_blind.blockSignals(True)
            self.act_blind.setChecked(blind)
            self.act_blind.blockSignals(False)
        if blind or blind != self._blind_seen:
            self._blind_seen = blind
            self._reset_timer.start()

    def _viewer_changed(self) -> None:
        self._fill_layers()
        self._reset_timer.start()
        self.library.refresh()

    def _reset_reader(self) -> None:
        document = self.session.document
        if document is not None:
            self.visibility_changed.emit(document.id)

    # -- agreement -----------------------------------------------------------------------------

    def open_agreement(self) -> AgreementDialog:
        from annotator.ui.agreement_dialog import AgreementDialog

        if self.dialog is None:
            self.dialog = AgreementDialog(self.project, self.session, self.area, self.shell, self)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog
