"""Training a spaCy pipeline on the project's own annotations (service, no Qt).

- :mod:`~annotator.training.data` — which annotations train and which documents are held out
  (plain data, no spaCy), and the clear errors for data that cannot train a model.
- :mod:`~annotator.training.trainer` — the config, spaCy's training loop with progress and
  cancel, held-out scores per label, the saved model folder, the learning curve.
- :mod:`~annotator.training.saved` — the models trained for a project (its data folder),
  and which one is the latest (light: no spaCy).
- :mod:`~annotator.training.process` — training in a child process, for the window.

Import from the submodules; this package imports none of them.
"""
