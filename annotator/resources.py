"""Where the files shipped with Annotator live (icons, label sets, schema, sample reading).

In a wheel they are installed as ``annotator/resources``; in a source checkout (editable
install, tests) they are the top-level ``resources/`` folder.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any


@cache
def resources_dir() -> Path:
    installed = Path(str(files("annotator"))) / "resources"
    if installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("Annotator's resources folder is missing: reinstall Annotator")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def load_json_resource(*parts: str) -> Any:
    return json.loads(resource_path(*parts).read_text(encoding="utf-8"))


def sample_reading_path() -> Path:
    return resource_path("samples", "of-studies.md")
