"""Hiding an optional import from the importing thread only (annotator.core.imports)."""

from __future__ import annotations

import sys
import threading

import pytest

from annotator.core.imports import hidden_from_this_thread


@pytest.fixture
def extras(tmp_path, monkeypatch):
    """Two importable packages that nobody has imported yet."""
    for name in ("extra_heavy", "extra_other"):
        package = tmp_path / name
        package.mkdir()
        (package / "__init__.py").write_text("VALUE = 42\n")
        (package / "part.py").write_text("PART = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for name in list(sys.modules):
        if name.startswith(("extra_heavy", "extra_other")):
            del sys.modules[name]


def test_the_hidden_package_fails_to_import_in_this_thread_only(extras):
    seen: list[object] = []

    def other_thread() -> None:
        import extra_heavy

        seen.append(extra_heavy.VALUE)

    with hidden_from_this_thread(["extra_heavy"]):
        with pytest.raises(ImportError):
            import extra_heavy
        with pytest.raises(ImportError):
            import extra_heavy.part
        import extra_other  # not hidden

        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert seen == [42]
    assert extra_other.VALUE == 42
    import extra_heavy.part

    assert extra_heavy.part.PART == 1


def test_an_already_imported_package_is_not_hidden(extras):
    import extra_heavy

    with hidden_from_this_thread(["extra_heavy"]):
        import extra_heavy as again

    assert again is extra_heavy
