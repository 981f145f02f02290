"""Comparing annotators (service, no Qt): agreement, disagreements, adjudication, layers, merging.

It reads a :class:`~annotator.project.Project`, hands the annotations to the pure measures of
:mod:`annotator.agreement` and returns plain frozen dataclasses, so the agreement dialog, the
command line and the tests share it (see also ``docs/several-annotators.md``):

- :mod:`~annotator.comparing.selection` — which annotators, kinds and documents to compare;
  the reserved gold annotator.
- :mod:`~annotator.comparing.report` — the agreement report (:func:`compute_agreement`).
- :mod:`~annotator.comparing.disagreements` — the passages where annotators disagree.
- :mod:`~annotator.comparing.adjudication` — deciding them into the gold layer, with undo.
- :mod:`~annotator.comparing.layers` — blind mode and what a viewer may see.
- :mod:`~annotator.comparing.merging` — bringing another annotator's project in.

Import from the submodules; this package imports none of them.
"""
