"""Project bundles: round trip, idempotent merge, and every hostile archive refused."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from annotator.bundle import BundleLimits, export_bundle, import_bundle
from annotator.core.errors import FormatError
from annotator.project import Project

TEXT = "Some books are to be tasted, others to be swallowed 🙂, and some few to be chewed.\n"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    source = tmp_path / "essay.txt"
    source.write_text(TEXT, encoding="utf-8")
    with Project(tmp_path / "mine.annotator") as project:
        document, _ = project.add_document(source)
        project.annotate(document.id, 0, 10, note="books")
        project.annotate(document.id, TEXT.index("swallowed"), TEXT.index(" 🙂"), label="VERB")
        return export_bundle(project, tmp_path / "corpus.zip")


def test_bundle_round_trip_and_merge_back_is_idempotent(bundle: Path, tmp_path: Path):
    folder = tmp_path / "theirs files"
    with Project(tmp_path / "theirs.annotator") as theirs:
        first = import_bundle(theirs, bundle, folder)
        assert (first.project.annotations_added, first.files_written) == (2, 1)
        document = theirs.documents()[0].document
        assert Path(document.path).read_text(encoding="utf-8") == TEXT
        assert Path(document.path).resolve().is_relative_to(folder.resolve())
        again = import_bundle(theirs, bundle, folder)
        assert (again.project.annotations_added, again.files_written) == (0, 0)
        assert again.files_already_present == 1
        assert len(theirs.annotations()) == 2
        theirs.annotate(document.id, 0, 4, note="their note")
        back = export_bundle(theirs, tmp_path / "back.zip")
    with Project(tmp_path / "mine.annotator") as mine:
        merged = import_bundle(mine, back, tmp_path / "mine files")
        assert merged.project.annotations_added == 1
        assert len(mine.annotations()) == 3
        assert import_bundle(mine, back, tmp_path / "mine files").project.annotations_added == 0


def _hostile(tmp_path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    """A bundle with a valid manifest and project plus the given extra entries."""
    project_json = json.dumps(
        {"format": "annotator", "version": 1, "documents": [], "annotators": [],
         "annotations": []}
    ).encode()  # fmt: skip
    files = {"project.json": {"sha256": _sha(project_json), "size": len(project_json)}}
    for info, data in entries:
        name = info.filename if isinstance(info, zipfile.ZipInfo) else info
        files[name] = {"sha256": _sha(data), "size": len(data)}
    manifest = {"format": "annotator-bundle", "version": 1, "files": files}
    path = tmp_path / "hostile.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("project.json", project_json)
        for info, data in entries:
            archive.writestr(info, data)
    return path


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("sources/doc/../../../escaped.txt", "out of its folder"),
        ("../escaped.txt", "out of its folder"),
        ("/etc/escaped.txt", "absolute path"),
        ("C:/escaped.txt", "absolute path"),
        ("sources\\doc\\..\\..\\escaped.txt", "forbidden character"),
        ("elsewhere/escaped.txt", "unexpected entry"),
    ],
)
def test_bundle_paths_leading_outside_the_target_are_refused(tmp_path, project, entry, message):
    path = _hostile(tmp_path, [(entry, b"pwned")])
    target = tmp_path / "target"
    with pytest.raises(FormatError, match=message):
        import_bundle(project, path, target)
    assert not list(tmp_path.rglob("escaped.txt"))
    assert not target.exists() or not any(target.rglob("*"))


def test_bundle_symlink_entries_are_refused(tmp_path, project):
    link = zipfile.ZipInfo("sources/doc/link.txt")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = _hostile(tmp_path, [(link, b"/etc/passwd")])
    with pytest.raises(FormatError, match="symbolic link"):
        import_bundle(project, path, tmp_path / "target")


def test_bundle_target_folder_with_a_symlink_out_is_not_followed(tmp_path, project):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "target"
    target.mkdir()
    os.symlink(outside, target / "doc")
    path = _hostile(tmp_path, [("sources/doc/file.txt", b"some text")])
    with pytest.raises(FormatError, match="outside"):
        import_bundle(project, path, target)
    assert list(outside.iterdir()) == []


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path, project):
    bomb = b"\x00" * (20 * 1024 * 1024)  # 20 MB of zeros: about 20 kB compressed
    path = _hostile(tmp_path, [("sources/doc/bomb.txt", bomb)])
    with pytest.raises(FormatError, match="zip bomb"):
        import_bundle(project, path, tmp_path / "target")
    assert not (tmp_path / "target").exists()


def test_a_huge_bundle_is_refused_with_a_message(tmp_path, project):
    path = _hostile(tmp_path, [("sources/doc/big.txt", os.urandom(300_000))])
    with pytest.raises(FormatError, match="more than"):
        import_bundle(project, path, tmp_path / "t", limits=BundleLimits(max_total_bytes=100_000))
    with pytest.raises(FormatError, match="more than"):
        import_bundle(project, path, tmp_path / "t", limits=BundleLimits(max_file_bytes=100_000))
    with pytest.raises(FormatError, match="files"):
        import_bundle(project, path, tmp_path / "t", limits=BundleLimits(max_entries=2))


def test_an_archive_inside_the_bundle_is_refused(tmp_path, project):
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("a.txt", "text")
    path = _hostile(tmp_path, [("sources/doc/inner.txt", inner.read_bytes())])
    with pytest.raises(FormatError, match="itself an archive"):
        import_bundle(project, path, tmp_path / "target")


def test_overlapping_entries_are_refused(tmp_path, project):
    path = _hostile(tmp_path, [("sources/doc/a.txt", b"a" * 1000)])
    data = bytearray(path.read_bytes())
    # Point the second entry's central-directory record at the first entry's data.
    first = data.find(b"PK\x01\x02")
    second = data.find(b"PK\x01\x02", first + 4)
    data[second + 42 : second + 46] = data[first + 42 : first + 46]
    path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match="overlapping"):
        import_bundle(project, path, tmp_path / "target")


def test_a_file_that_is_not_a_bundle_is_refused(tmp_path, project):
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("just text", encoding="utf-8")
    with pytest.raises(FormatError, match="not a project bundle"):
        import_bundle(project, not_zip)
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w"):
        pass
    with pytest.raises(FormatError, match="no manifest"):
        import_bundle(project, empty)


def test_a_tampered_source_file_is_refused(tmp_path, bundle, project):
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("sources/"):
                data = data.replace(b"books", b"boxes")
            dst.writestr(info, data)
    with pytest.raises(FormatError, match="hash"):
        import_bundle(project, tampered, tmp_path / "target")
    assert project.documents() == []
    assert not any((tmp_path / "target").rglob("*.txt"))
