"""Where the files shipped with Annotator live (icons, label sets, schema, sample reading).

In a wheel they are installed as ``annotator/resources``; in a source checkout (editable
install, tests) they are the top-level ``resources/`` folder; in the PyInstaller app
(packaging/annotator.spec) they are ``annotator/resources`` inside the bundle folder.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any


@cache
def resources_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)  # set by PyInstaller's bootloader
    if getattr(sys, "frozen", False) and bundle:
        frozen = Path(bundle) / "annotator" / "resources"
        if frozen.is_dir():
            return frozen
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


def readme_path() -> Path | None:
    """The README (the user documentation): shipped in the resources by the wheel and the
    packaged app, the top-level README.md in a checkout; None if neither is there."""
    for candidate in (resource_path("README.md"), resources_dir().parent / "README.md"):
        if candidate.is_file():
            return candidate
    return None
