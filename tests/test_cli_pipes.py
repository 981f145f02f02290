"""Every command behaves as a Unix tool on a closed pipe (issue 16, defect 5).

``annotator agreement | head`` must not end with "annotator: error: Broken pipe": like
``cat`` or ``grep``, a command whose reader has gone stops quietly, with the status a
process killed by SIGPIPE has (128 + 13), and leaves the project as it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.project import Project

SIGPIPE_STATUS = 141


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.annotator"
    text = "Ada Lovelace met Charles Babbage in London in 1833.\n" * 400
    with Project(path) as project:
        for n in range(3):
            document = project.add_text(f"Letter {n}", text + str(n))[0]
            for name in ("ann", "ben"):
                for start in range(0, len(text), 52):
                    project.annotate(document.id, start, start + 12, label="PER", annotator=name)
    return path


def _closed_reader(*args: str, project: Path) -> subprocess.CompletedProcess[bytes]:
    """Run a command whose standard output is a pipe nobody reads: closed before it writes."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "annotator", "--project", str(project), *args],
            stdout=write, stderr=subprocess.PIPE, timeout=120, check=False,
        )  # fmt: skip
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args",
    [
        ("agreement", "--annotators", "ann,ben"),
        ("list",),
        ("disagreements", "--annotators", "ann,ben"),
        ("export", "--format", "csv"),
        ("annotators",),
    ],
)
def test_a_closed_pipe_ends_the_command_quietly(corpus: Path, args: tuple[str, ...]):
    result = _closed_reader(*args, project=corpus)
    assert result.stderr.decode() == ""
    assert result.returncode == SIGPIPE_STATUS


def test_head_reads_the_first_line_and_nothing_is_said(corpus: Path):
    command = f"{sys.executable} -m annotator --project {corpus} export --format csv | head -n 1"
    result = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.stdout.startswith("document_id") or result.stdout.count("\n") == 1
    assert "Broken pipe" not in result.stderr
    assert result.stderr == ""
