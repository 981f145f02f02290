"""Entry point of the PyInstaller app: the same ``main`` as the ``annotator`` command."""

import multiprocessing

from annotator.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a no-op unless a library spawns worker processes
    raise SystemExit(main())
