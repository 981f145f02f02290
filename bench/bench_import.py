"""Benchmark: importing a native JSON export (``annotator import``) against the Python API.

A project of 20,000 annotations in 200 documents (``--full``: 1,000,000 in 1,000) is exported
once with ``annotator export --format json``. Each run then imports that file into a new
project with ``registry.import_file`` (read, check every record against the schema and the
texts, write in one transaction) and, as the baseline, does the same writes through the
Python API: ``json.load`` of the same file, ``Project.add_text`` for each document,
``Project.build_annotation`` (which checks each span) for each annotation and one
``Project.add_annotations``. Each run is a fresh process (wall time of the import and peak
memory, ``VmHWM``); the two alternate; medians. Target: at most 2x the baseline (issue 18).
Run: ``.venv/bin/python bench/bench_import.py [--runs 3] [--full]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from annotator.formats import registry
from annotator.project import Project


def ours(file: Path, folder: Path) -> float:
    with Project(folder / "ours.annotator") as project:
        began = time.perf_counter()
        result = registry.import_file(project, file)
        elapsed = time.perf_counter() - began
    assert result.annotations_added > 0
    return elapsed


def python_api(file: Path, folder: Path) -> float:
    with Project(folder / "api.annotator") as project:
        began = time.perf_counter()
        with open(file, encoding="utf-8") as handle:
            data = json.load(handle)
        ids, texts = {}, {}
        for raw in data["documents"]:
            document, _ = project.add_text(raw["title"], raw["text"])
            ids[raw["id"]], texts[raw["id"]] = document.id, raw["text"]
        batch = [
            project.build_annotation(
                ids[raw["document"]], raw["start"], raw["end"], kind=raw["kind"],
                label=raw["label"], note=raw["note"], color=raw["color"], symbol=raw["symbol"],
                source=raw["source"], status=raw["status"], score=raw["score"],
                page=raw["page"], text=texts[raw["document"]],
            )
            for raw in data["annotations"]
        ]  # fmt: skip
        project.add_annotations(batch)
        elapsed = time.perf_counter() - began
    assert batch
    return elapsed


CHILD = r"""
import json, sys, tempfile
from pathlib import Path

sys.path.insert(0, sys.argv[3])
import bench_import

side, file = sys.argv[1], Path(sys.argv[2])
with tempfile.TemporaryDirectory() as folder:
    run = bench_import.ours if side == "ours" else bench_import.python_api
    seconds = run(file, Path(folder))
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec
peak = next(int(line.split()[1]) for line in open("/proc/self/status")
            if line.startswith("VmHWM")) / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak}))
"""


def in_process(side: str, file: Path) -> dict[str, float]:
    import subprocess

    here = str(Path(__file__).resolve().parent)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, side, str(file), here],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="1,000,000 annotations")
    parser.add_argument("--annotations", type=int, help="another size (in 1,000 documents)")
    args = parser.parse_args()
    total, documents = (1_000_000, 1_000) if args.full else (20_000, 200)
    if args.annotations:
        total, documents = args.annotations, 1_000
    # The export benchmark's corpus; imported here only, as it imports spaCy (the measured
    # processes do not, so their peak memory is the import's own).
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_export

    bench_export.DOCUMENTS = documents
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        began = time.perf_counter()
        bench_export.build_native_project(base / "source.annotator", total)
        file = base / "export.json"
        with Project(base / "source.annotator") as source:
            registry.export(source, "json", file)
        print(f"{total:,} annotations in {documents:,} documents, "
              f"{file.stat().st_size / 1e6:.0f} MB of JSON (built in "
              f"{time.perf_counter() - began:.0f}s); median of {args.runs} runs")  # fmt: skip
        results: dict[str, list[dict[str, float]]] = {"ours": [], "api": []}
        for run in range(args.runs):
            for name in ("ours", "api")[:: 1 if run % 2 else -1]:
                results[name].append(in_process(name, file))
    mine = statistics.median(r["seconds"] for r in results["ours"])
    api = statistics.median(r["seconds"] for r in results["api"])
    mine_mb = max(r["peak_mb"] for r in results["ours"])
    api_mb = max(r["peak_mb"] for r in results["api"])
    print(f"import native JSON  ours {mine:7.2f}s {mine_mb:6.0f} MB peak   "
          f"Python API {api:7.2f}s {api_mb:6.0f} MB peak   "
          f"ratio {mine / api:.2f}x  (target <= 2x)")  # fmt: skip


if __name__ == "__main__":
    main()
