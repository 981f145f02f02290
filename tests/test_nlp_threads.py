"""spaCy imported from two threads at once (the window tokenises in the background while its
own thread lists the installed pipelines): both get a whole spaCy, in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

RACE = """
import threading, time
from annotator.nlp.tokens import prepare_tokens
from annotator.nlp.models import available_pipelines
errors = []
def tokenise():
    try:
        prepare_tokens("Hello world. This is a text.")
    except Exception as error:
        errors.append(repr(error))
worker = threading.Thread(target=tokenise)
worker.start()
time.sleep(0.02)
pipelines = available_pipelines()
worker.join()
assert not errors, errors
assert pipelines, "no pipeline listed"
print("ok")
"""


def test_spacy_imported_from_two_threads_at_once_is_whole_in_both():
    for _ in range(3):  # the race needs no luck to show, but make it very likely
        done = subprocess.run(
            [sys.executable, "-c", RACE], capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == "ok"
