"""`python -m annotator --smoke-test`: the installed app checks itself end to end, as
`make package` runs it on the frozen build — window, PDF, spaCy, and a suggestion run in the
spawned suggestion process started from the real entry point."""

from __future__ import annotations

import os
import subprocess
import sys


def test_smoke_test_passes_through_python_dash_m(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "--smoke-test"],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "suggestion process:" in done.stdout
    assert done.stdout.count("window on 'Of Studies'") == 1  # the spawned child opened none
    assert "Traceback" not in done.stderr
