"""Which annotations cover a stretch of text, fast enough to ask on every scroll.

Pure Python (no Qt): a list sorted by start plus the longest span seen, so a query for
``[start, end)`` bisects to the few candidates instead of scanning 10,000 annotations.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Iterator

from annotator.core.model import Annotation, AnnotationKind

#: Kinds that are not drawn over the text (they live in the margin and the list).
NOT_PAINTED = frozenset({AnnotationKind.SUMMARY, AnnotationKind.DOC_LABEL})


class SpanIndex:
    """Annotations of one document, ordered by ``(start, end)``, queried by overlap."""

    def __init__(self, annotations: Iterable[Annotation] = ()) -> None:
        self._items: list[tuple[int, int, str]] = []
        self._by_id: dict[str, Annotation] = {}
        self._longest = 0
        # While only one stretch is loaded (a document's first screen): the stretch, and how
        # to fetch everything. Any question outside the stretch loads everything first.
        self._partial: tuple[int, int] | None = None
        self._load_rest: Callable[[], Iterable[Annotation]] | None = None
        self.reset(annotations)

    def reset(self, annotations: Iterable[Annotation]) -> None:
        self._partial, self._load_rest = None, None
        self._fill(annotations)

    def reset_partial(
        self,
        annotations: Iterable[Annotation],
        start: int,
        end: int,
        load_rest: Callable[[], Iterable[Annotation]],
    ) -> None:
        """Hold only the annotations overlapping ``[start, end)`` until asked about anything
        else: then ``load_rest()`` (every annotation) is called once and replaces them.

        Opening a long document paints its first screen from a range query instead of
        waiting for all of its annotations.
        """
        self._fill(annotations)
        self._partial, self._load_rest = (start, end), load_rest

    @property
    def complete(self) -> bool:
        """False while only a stretch of the document's annotations is loaded."""
        return self._load_rest is None

    def load_all(self) -> None:
        """Load every annotation now if only a stretch is held (a no-op otherwise)."""
        load_rest, self._partial, self._load_rest = self._load_rest, None, None
        if load_rest is not None:
            self._fill(load_rest())

    def _fill(self, annotations: Iterable[Annotation]) -> None:
        self._by_id = {a.id: a for a in annotations}
        self._items = sorted((a.start, a.end, a.id) for a in self._by_id.values())
        self._longest = max((e - s for s, e, _ in self._items), default=0)

    def __len__(self) -> int:
        self.load_all()
        return len(self._by_id)

    def __contains__(self, annotation_id: object) -> bool:
        if annotation_id not in self._by_id:
            self.load_all()
        return annotation_id in self._by_id

    def get(self, annotation_id: str) -> Annotation | None:
        found = self._by_id.get(annotation_id)
        if found is None and self._load_rest is not None:
            self.load_all()
            found = self._by_id.get(annotation_id)
        return found

    def all(self) -> list[Annotation]:
        self.load_all()
        return [self._by_id[i] for _, _, i in self._items]

    def add(self, annotation: Annotation) -> None:
        self.load_all()
        if annotation.id in self._by_id:
            self.remove(annotation.id)
        self._by_id[annotation.id] = annotation
        insort(self._items, (annotation.start, annotation.end, annotation.id))
        self._longest = max(self._longest, annotation.end - annotation.start)

    def remove(self, annotation_id: str) -> Annotation | None:
        self.load_all()
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
        if self._partial is not None and not (
            self._partial[0] <= start and end <= self._partial[1]
        ):
            self.load_all()
        lo = bisect_left(self._items, (start - self._longest, -1, ""))
        hi = bisect_right(self._items, (end, end + 1, "\uffff"))
        for s, e, i in self._items[lo:hi]:
            if (s < end and e > start) or (s == e and start <= s < end):
                yield self._by_id[i]

    def at(self, offset: int) -> list[Annotation]:
        """Painted annotations under a character, innermost (shortest) first."""
        found = [a for a in self.overlapping(offset, offset + 1) if a.kind not in NOT_PAINTED]
        return sorted(found, key=lambda a: a.end - a.start)

    def step(self, current: str | None, offset: int, *, forward: bool) -> Annotation | None:
        """The annotation after (or before) ``current``, or after the caret at ``offset``."""
        self.load_all()
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
