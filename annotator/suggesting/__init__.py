"""Model suggestions as a reader works with them (service, no Qt).

- :mod:`~annotator.suggesting.changes` — annotation change sets with undo/redo (light: the
  window imports it at start-up, so it must never import spaCy).
- :mod:`~annotator.suggesting.running` — running a model and storing its suggestions.
- :mod:`~annotator.suggesting.review` — pending suggestions, accept, reject, navigate.
- :mod:`~annotator.suggesting.labelling` — label every occurrence, rename a label.
- :mod:`~annotator.suggesting.snapping` — snap a selection to tokens.

Import from the submodules; this package imports none of them.
"""
