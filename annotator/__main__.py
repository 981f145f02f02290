"""``python -m annotator``: the same as the ``annotator`` command."""

from annotator.cli import main

# The guard matters: the suggestion process is spawned, and a spawned child imports the
# parent's main module (as __mp_main__) — it must not start the app a second time.
if __name__ == "__main__":
    raise SystemExit(main())
