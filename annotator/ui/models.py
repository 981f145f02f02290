"""Item models over the service: the documents panel and the annotation list.

Views never hold annotations of their own; these adapters read the project once and then
follow its events, so a list of 10,000 annotations stays cheap to filter and sort.
"""

from __future__ import annotations

import html
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from annotator.core.model import Annotation, AnnotationKind, AnnotationStatus, DocumentId
from annotator.project import DocumentSummary, Project

Index = QModelIndex | QPersistentModelIndex

AnnotationRole = Qt.ItemDataRole.UserRole + 1
DocumentIdRole = Qt.ItemDataRole.UserRole + 2
SummaryRole = Qt.ItemDataRole.UserRole + 3

KIND_NAMES = {
    AnnotationKind.HIGHLIGHT: "Highlight",
    AnnotationKind.COMMENT: "Comment",
    AnnotationKind.ENTITY: "Label",
    AnnotationKind.SENTIMENT: "Sentiment",
    AnnotationKind.DOC_LABEL: "Document label",
    AnnotationKind.SUMMARY: "Summary",
}


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def when(iso: str) -> str:
    """'just now', '5 min ago', '3 h ago', 'yesterday' or a date: how readers say time."""
    try:
        then = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    seconds = (datetime.now(UTC) - then).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 2 * 86400:
        return "yesterday"
    return then.astimezone().strftime("%d %b %Y")


class DocumentListModel(QAbstractListModel):
    """The project's documents with their annotation counts and reading status."""

    def __init__(self, project: Project, parent: Any = None) -> None:
        super().__init__(parent)
        self.project = project
        self._rows: list[DocumentSummary] = []
        # What the rows are made of; blind mode swaps in counts of the viewer's own work.
        self.summaries: Callable[[], list[DocumentSummary]] = lambda: self.project.documents()
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        self._rows = self.summaries()
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def row_of(self, document_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.document.id == document_id), -1)

    def summary(self, row: int) -> DocumentSummary:
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.document.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.document.title}\n{row.document.path}\n{self.detail(row)}"
        if role == DocumentIdRole:
            return row.document.id
        if role == SummaryRole:
            return row
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return self.detail(row)
        return None

    @staticmethod
    def detail(row: DocumentSummary) -> str:
        parts = [plural(row.annotations, "note") if row.annotations else "no notes yet"]
        if row.suggestions:
            parts.append(plural(row.suggestions, "suggestion"))
        if row.status == "done":
            parts.append("✓ done")
        elif row.status == "in progress" and row.annotations:
            parts.append("in progress")
        return " · ".join(parts)


class AnnotationRowsModel(QAbstractTableModel):
    """A table with one annotation per row and fixed columns: the counting half of Qt's model.

    Subclasses keep ``_rows`` and say what each cell shows in ``data``.
    """

    COLUMNS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Annotation] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        # Qt's own index() calls rowCount and columnCount back through Python: a repaint of
        # the list made ~450 such calls, a millisecond of every highlight added.
        if parent.isValid() or not (0 <= row < len(self._rows) and 0 <= column < len(self.COLUMNS)):
            return QModelIndex()
        return self.createIndex(row, column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None


class AnnotationTableModel(AnnotationRowsModel):
    """One document's annotations as rows; kept in reading order, or by time when asked."""

    COLUMNS = ("Where", "Passage", "Mark", "Note", "By", "When")
    WHERE, PASSAGE, MARK, NOTE, BY, WHEN = range(6)

    def __init__(self, project: Project, parent: Any = None) -> None:
        super().__init__(parent)
        self.project = project
        self.document_id: DocumentId | None = None
        self._keys: list[tuple[Any, ...]] = []
        self._by_id: dict[str, Annotation] = {}
        self._line_starts: list[int] | None = [0]
        self._text = ""
        self._page_starts: list[int] = []
        self._page_labels: tuple[str, ...] = ()
        self._names: dict[str, str] = {}
        self._meanings: dict[str, str] = {}
        self._label_colors: dict[str, str | None] = {}  # label -> its set's colour, as met
        self._notes = 0  # rows with a note, kept as rows come and go (the status line's count)
        self._sort_column = self.WHERE
        self._descending = False
        self.refresh_names()

    # -- loading --------------------------------------------------------------------------

    def set_document(
        self,
        document_id: DocumentId | None,
        text: str,
        annotations: list[Annotation],
        page_map: tuple[tuple[int, int], ...] = (),
        page_labels: tuple[str, ...] = (),
    ) -> None:
        """``page_map`` (of a PDF) makes the Where column say pages instead of lines, named
        by ``page_labels`` (the numbers printed on them) where the PDF has them."""
        self.beginResetModel()
        self.document_id = document_id
        # Line starts are worked out when the list first needs them: not before the first
        # paint of a long document.
        self._text, self._line_starts = text, None
        self._page_starts = [start for start, _end in page_map]
        self._page_labels = page_labels
        self._set_rows(annotations)
        self.endResetModel()

    def reload(self, annotations: list[Annotation]) -> None:
        self.beginResetModel()
        self._set_rows(annotations)
        self.endResetModel()

    def _set_rows(self, annotations: list[Annotation]) -> None:
        self._by_id = {a.id: a for a in annotations}
        self._notes = sum(1 for a in annotations if a.note)
        if self._sort_column == self.WHERE:
            # The common case, kept cheap for 10,000 rows: no method call per row.
            keys = [(a.start, a.end, a.id) for a in annotations]
            order = sorted(range(len(annotations)), key=keys.__getitem__, reverse=self._descending)
            self._rows = [annotations[i] for i in order]
            self._keys = [keys[i] for i in order]
            return
        key = self._key
        self._rows = sorted(annotations, key=key, reverse=self._descending)
        self._keys = [key(a) for a in self._rows]

    def refresh_names(self) -> None:
        self._names = {a.id: a.name for a in self.project.annotators()}
        legend = self.project.legend()
        self._meanings = {label.color.lower(): label.name for label in legend.labels}
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 5))

    # -- following the service ----------------------------------------------------------------

    def add(self, annotation: Annotation) -> None:
        if annotation.document_id != self.document_id or self.row_of(annotation.id) >= 0:
            return
        row = self._insertion_row(self._key(annotation))
        self.beginInsertRows(QModelIndex(), row, row)
        self._by_id[annotation.id] = annotation
        self._notes += bool(annotation.note)
        self._rows.insert(row, annotation)
        self._keys.insert(row, self._key(annotation))
        self.endInsertRows()

    def change(self, annotation: Annotation) -> None:
        row = self.row_of(annotation.id)
        if row < 0:
            self.add(annotation)
            return
        key = self._key(annotation)
        self._notes += bool(annotation.note) - bool(self._rows[row].note)
        self._by_id[annotation.id] = annotation
        new_row = row
        if key != self._keys[row]:
            # Moved, not removed and added: views keep their current row on it, so the
            # list does not select a neighbour when an annotation is resized.
            new_row = self._insertion_row(key, self._keys[:row] + self._keys[row + 1 :])
            destination = new_row if new_row <= row else new_row + 1
            if destination not in (row, row + 1):
                self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), destination)
                del self._rows[row]
                del self._keys[row]
                self._rows.insert(new_row, annotation)
                self._keys.insert(new_row, key)
                self.endMoveRows()
            else:
                new_row = row
        self._rows[new_row] = annotation
        self._keys[new_row] = key
        self.dataChanged.emit(self.index(new_row, 0), self.index(new_row, len(self.COLUMNS) - 1))

    def remove(self, annotation_id: str) -> None:
        row = self.row_of(annotation_id)
        if row < 0:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        self._notes -= bool(self._rows[row].note)
        self._by_id.pop(annotation_id, None)
        del self._rows[row]
        del self._keys[row]
        self.endRemoveRows()

    def _insertion_row(self, key: Any, keys: list[Any] | None = None) -> int:
        keys = self._keys if keys is None else keys
        if not self._descending:
            return bisect_right(keys, key)
        # Descending: the first row whose key is smaller.
        return next((i for i, k in enumerate(keys) if k < key), len(keys))

    # -- lookups ----------------------------------------------------------------------------

    def row_of(self, annotation_id: str) -> int:
        if annotation_id not in self._by_id:
            return -1  # every row is in _by_id: a new annotation needs no scan of 10,000 rows
        if not self._descending:
            # Rows are sorted by their keys: find the row by its key, not by a scan.
            for a in self._candidates(annotation_id):
                key = self._key(a)
                i = bisect_left(self._keys, key)
                if i < len(self._rows) and self._rows[i].id == annotation_id:
                    return i
        for i, a in enumerate(self._rows):
            if a.id == annotation_id:
                return i
        return -1

    def _candidates(self, annotation_id: str) -> list[Annotation]:
        found = self._by_id.get(annotation_id)
        return [found] if found is not None else []

    def annotation_at(self, row: int) -> Annotation:
        return self._rows[row]

    def annotations(self) -> list[Annotation]:
        return list(self._rows)

    def counts(self) -> tuple[int, int]:
        """Rows, and rows with a note."""
        return len(self._rows), self._notes

    def line_of(self, offset: int) -> int:
        if self._line_starts is None:
            lines = self._text.split("\n")
            self._line_starts = [0, *accumulate(len(line) + 1 for line in lines[:-1])]
        return bisect_right(self._line_starts, offset)

    def page_name(self, page: int) -> str:
        """A 0-based page as printed on it (its label), else its number."""
        if 0 <= page < len(self._page_labels) and self._page_labels[page]:
            return self._page_labels[page]
        return str(page + 1)

    def where(self, a: Annotation) -> str:
        if a.page is not None and a.rect is not None:
            return f"p. {self.page_name(a.page)}"
        if self._page_starts:
            return f"p. {self.page_name(bisect_right(self._page_starts, a.start) - 1)}"
        return f"l. {self.line_of(a.start)}"

    def meaning(self, color: str | None) -> str:
        return self._meanings.get((color or "").lower(), "")

    def annotator_name(self, annotator_id: str) -> str:
        return self._names.get(annotator_id, "?")

    def mark(self, a: Annotation) -> str:
        """Symbol, label and colour meaning as words: colour is never the only signal."""
        parts = [p for p in (a.symbol, a.label, self.meaning(a.color)) if p]
        if not parts:
            parts.append(KIND_NAMES.get(a.kind, str(a.kind)).lower())
        return " · ".join(parts)

    # -- Qt model ------------------------------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        a = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.WHERE:
                if a.kind == AnnotationKind.SUMMARY and a.start == a.end == 0:
                    return "whole"
                return self.where(a)
            if column == self.PASSAGE:
                if a.rect is not None and a.page is not None:
                    return f"(an area of page {self.page_name(a.page)})"
                if a.status == AnnotationStatus.ORPHANED:  # see the Orphans list
                    return f"(orphaned) “{' '.join(a.quote.split())[:100]}”"
                if a.start == a.end:
                    return "(the whole document)"
                if a.kind == AnnotationKind.SUMMARY:  # named by its heading, not quoted whole
                    return f"(the section “{_first_line(a.quote)}”)"
                quote = " ".join(a.quote.split())
                return f"“{quote[:117]}…”" if len(quote) > 120 else f"“{quote}”"
            if column == self.MARK:
                return self.mark(a)
            if column == self.NOTE:
                return " ".join(a.note.split())
            if column == self.BY:
                return self.annotator_name(a.annotator_id)
            if column == self.WHEN:
                return when(a.modified)
        elif role == Qt.ItemDataRole.DecorationRole and column == self.MARK:
            color = a.color
            if color is None and a.label:
                color = self._label_color(a.label)
            return QColor(color) if color else None
        elif role == Qt.ItemDataRole.ToolTipRole:
            if column == self.WHEN:
                return a.modified
            if column in (self.PASSAGE, self.NOTE):
                text = a.note if column == self.NOTE and a.note else a.quote
                # Tool tips guess rich text: escaped, a note shows verbatim and loads nothing.
                return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"
        elif role == AnnotationRole:
            return a
        return None

    def _label_color(self, label: str) -> str | None:
        # Asked for each labelled row painted: the label sets are read once, not per paint.
        if label not in self._label_colors:
            self._label_colors[label] = next(
                (
                    found.color
                    for label_set in self.project.label_sets()
                    if (found := label_set.label(label)) is not None
                ),
                None,
            )
        return self._label_colors[label]

    def forget_label_colors(self) -> None:
        """The label sets changed: labels' colours are read again when next painted."""
        self._label_colors.clear()
        if self._rows:
            self.dataChanged.emit(
                self.index(0, self.MARK), self.index(len(self._rows) - 1, self.MARK)
            )

    # -- sorting (done here, in one Python sort, not by 10,000 proxy comparisons) ----------

    def _key(self, a: Annotation) -> tuple[Any, ...]:
        column = self._sort_column
        if column == self.WHEN:
            return (a.modified, a.start, a.id)
        if column == self.MARK:
            return (self.mark(a), a.start, a.id)
        if column == self.NOTE:
            return (a.note.casefold(), a.start, a.id)
        if column == self.BY:
            return (self.annotator_name(a.annotator_id).casefold(), a.start, a.id)
        if column == self.PASSAGE:
            return (a.quote.casefold(), a.start, a.id)
        return (a.start, a.end, a.id)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        old = {a.id: i for i, a in enumerate(self._rows)}
        self._sort_column = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._set_rows(self._rows)
        new_rows = {a.id: i for i, a in enumerate(self._rows)}
        by_old = {i: a_id for a_id, i in old.items()}
        for persistent in self.persistentIndexList():
            a_id = by_old.get(persistent.row())
            if a_id is not None:
                self.changePersistentIndex(
                    persistent, self.index(new_rows[a_id], persistent.column())
                )
        self.layoutChanged.emit()


class AnnotationFilterProxy(QSortFilterProxyModel):
    """Filters by colour, label, symbol, annotator and text; sorting is the source's."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.color: str | None = None
        self.label: str | None = None
        self.symbol: str | None = None
        self.annotator_id: str | None = None
        self.kind: AnnotationKind | None = None
        self.text = ""
        self._accepts: Callable[[Annotation], bool] | None = None

    def set_filters(
        self,
        *,
        color: str | None = None,
        label: str | None = None,
        symbol: str | None = None,
        annotator_id: str | None = None,
        kind: AnnotationKind | None = None,
        text: str = "",
    ) -> None:
        changing = hasattr(self, "beginFilterChange")  # Qt >= 6.9
        if changing:
            self.beginFilterChange()
        self.color, self.label, self.symbol = color, label, symbol
        self.annotator_id, self.kind, self.text = annotator_id, kind, text.strip().casefold()
        self._accepts = self._build() if self.active else None
        if changing:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateRowsFilter()

    @property
    def active(self) -> bool:
        return any((self.color, self.label, self.symbol, self.annotator_id, self.kind, self.text))

    def _build(self) -> Callable[[Annotation], bool]:
        color = self.color.lower() if self.color else None
        label, symbol, who, kind, text = (
            self.label,
            self.symbol,
            self.annotator_id,
            self.kind,
            self.text,
        )

        def accepts(a: Annotation) -> bool:
            if color and (a.color or "").lower() != color:
                return False
            if label and a.label != label:
                return False
            if symbol and a.symbol != symbol:
                return False
            if who and a.annotator_id != who:
                return False
            if kind and a.kind != kind:
                return False
            return not text or text in f"{a.quote}\n{a.note}\n{a.label or ''}".casefold()

        return accepts

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if self._accepts is None:
            return True
        model = self.sourceModel()
        assert isinstance(model, AnnotationTableModel)
        return self._accepts(model.annotation_at(source_row))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, AnnotationTableModel):
            model.sort(column, order)


def _first_line(text: str, limit: int = 80) -> str:
    """A section's first line (its heading), without Markdown's hashes, shortened."""
    line = next((x for x in text.splitlines() if x.strip()), "")
    line = " ".join(line.lstrip("#").split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
