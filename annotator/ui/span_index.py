"""Which annotations cover a stretch of text, fast enough to ask on every scroll.

Pure Python (no Qt): a list sorted by start plus the longest span seen, so a query for
``[start, end)`` bisects to the few candidates instead of scanning 10,000 annotations.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator

from annotator.core.model import Annotation, AnnotationKind

#: Kinds that are not drawn over the text (they live in the margin and the list).
NOT_PAINTED = frozenset({AnnotationKind.SUMMARY, AnnotationKind.DOC_LABEL})


class SpanIndex:
    """Annotations of one document, ordered by ``(start, end)``, queried by overlap."""

    def __init__(self, annotations: Iterable[Annotation] = ()) -> None:
        self._items: list[tuple[int, int, str]] = []
        self._by_id: dict[str, Annotation] = {}
        self._longest = 0
        self.reset(annotations)

    def reset(self, annotations: Iterable[Annotation]) -> None:
        self._by_id = {a.id: a for a in annotations}
        self._items = sorted((a.start, a.end, a.id) for a in self._by_id.values())
        self._longest = max((e - s for s, e, _ in self._items), default=0)

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, annotation_id: object) -> bool:
        return annotation_id in self._by_id

    def get(self, annotation_id: str) -> Annotation | None:
        return self._by_id.get(annotation_id)

    def all(self) -> list[Annotation]:
        return [self._by_id[i] for _, _, i in self._items]

    def add(self, annotation: Annotation) -> None:
        if annotation.id in self._by_id:
            self.remove(annotation.id)
        self._by_id[annotation.id] = annotation
        insort(self._items, (annotation.start, annotation.end, annotation.id))
        self._longest = max(self._longest, annotation.end - annotation.start)

    def remove(self, annotation_id: str) -> Annotation | None:
        old = self._by_id.pop(annotation_id, None)
        if old is not None:
            key = (old.start, old.end, old.id)
            i = bisect_left(self._items, key)
            if i < len(self._items) and self._items[i] == key:
                del self._items[i]
        return old

    def overlapping(self, start: int, end: int) -> Iterator[Annotation]:
        """Annotations with some text in ``[start, end)``, in reading order.

        Empty spans (document-level notes) are reported when they sit inside the range.
        """
        lo = bisect_left(self._items, (start - self._longest, -1, ""))
        hi = bisect_right(self._items, (end, end + 1, "\uffff"))
        for s, e, i in self._items[lo:hi]:
            if (s < end and e > start) or (s == e and start <= s < end):
                yield self._by_id[i]

    def at(self, offset: int) -> list[Annotation]:
        """Painted annotations under a character, innermost (shortest) first."""
        found = [
            a for a in self.overlapping(offset, offset + 1) if a.kind not in NOT_PAINTED
        ]
        return sorted(found, key=lambda a: a.end - a.start)

    def step(self, current: str | None, offset: int, *, forward: bool) -> Annotation | None:
        """The annotation after (or before) ``current``, or after the caret at ``offset``."""
        if not self._items:
            return None
        if current is not None and current in self._by_id:
            a = self._by_id[current]
            i = bisect_left(self._items, (a.start, a.end, a.id))
            j = i + 1 if forward else i - 1
        elif forward:
            j = bisect_left(self._items, (offset, -1, ""))
        else:
            j = bisect_left(self._items, (offset, -1, "")) - 1
        if 0 <= j < len(self._items):
            return self._by_id[self._items[j][2]]
        return None
