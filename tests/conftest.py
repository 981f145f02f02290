"""Shared test setup: Qt offscreen, and every test with its own data and settings folders.

No test may touch a real user's files: platformdirs and QSettings are pointed at a
temporary folder for each test (napari's ``_fresh_settings`` idea).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Property tests draw the same examples on every run, so a CI result can be reproduced (and a
# shared, loaded machine cannot fail a test by its clock). HYPOTHESIS_PROFILE=explore searches anew.
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO.parent / "shared" / "samples"


@pytest.fixture(autouse=True)
def _fresh_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    _settings_into(home / "qsettings")
    yield home


def _settings_into(folder: Path) -> None:
    """Qt settings (window layout, zoom, recent files) go to the test's own folder, so tests
    never read or change a real user's — and never each other's."""
    try:
        from PySide6.QtCore import QSettings
    except ImportError:  # pragma: no cover - Qt is a dependency; a core-only install works too
        return
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
            QSettings.setPath(fmt, scope, str(folder))


@pytest.fixture
def samples() -> Path:
    """The third-party sample readings (tests only; never shipped)."""
    if not SAMPLES.is_dir():
        pytest.skip(f"sample readings not found at {SAMPLES}")
    return SAMPLES


@pytest.fixture
def project(tmp_path: Path):
    from annotator.project import Project

    with Project(tmp_path / "test.annotator") as opened:
        yield opened


@pytest.fixture
def sample_document(project):
    from annotator.resources import sample_reading_path

    document, _ = project.add_document(sample_reading_path())
    return document
