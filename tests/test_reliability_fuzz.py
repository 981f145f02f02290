"""Property-based tests (hypothesis): offsets, quote anchoring and re-anchoring, importers.

Texts mix ASCII with combining marks, emoji (with skin-tone modifiers and joiners),
right-to-left letters and bidi controls, and characters outside the BMP. Each test prints
how many examples it ran (``pytest -s``), the figures quoted in the README.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.errors import FormatError
from annotator.core.offsets import OffsetMap
from annotator.core.reanchor import Method, Orphaned, Placed, reanchor
from annotator.core.spans import check_quote, make_selector, snap_to_characters
from annotator.project import Project

# Single code points: emoji with skin tone, flags and joiners arise from combining them.
SPECIAL = [
    "\u0301", "\u0308", "🙂", "👍", "\U0001f3fd", "\u200d", "\U0001d6fd", "\U0001f1eb",
    "\U0001f1f7", "\u05d0", "\u05e9", "\u0627", "\u0644", "\u202e", "\u202c", "\u00e9",
    "\n", " ",
]  # fmt: skip
CHARS = st.one_of(
    st.sampled_from(list("abcdefgh ijk.,;")),
    st.sampled_from(SPECIAL),
    st.characters(blacklist_categories=("Cs",)),
)
TEXTS = st.text(alphabet=CHARS, min_size=1, max_size=300)
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COUNTS: dict[str, int] = {}


def counted(name: str) -> None:
    COUNTS[name] = COUNTS.get(name, 0) + 1


@pytest.fixture(autouse=True, scope="module")
def _print_counts():
    yield
    total = sum(COUNTS.values())
    print(
        f"\nhypothesis examples run: {total} ({', '.join(f'{k} {v}' for k, v in COUNTS.items())})"
    )


@st.composite
def text_and_span(draw: Callable[..., Any], min_length: int = 1) -> tuple[str, int, int]:
    text = draw(st.text(alphabet=CHARS, min_size=max(1, min_length), max_size=300))
    start = draw(st.integers(0, len(text) - min_length))
    end = draw(st.integers(start + min_length, len(text)))
    return text, start, end


# -- offsets ---------------------------------------------------------------------------------


@SETTINGS
@given(TEXTS)
def test_offset_conversion_matches_utf16_and_round_trips(text: str):
    counted("offsets")
    offsets = OffsetMap(text)
    assert offsets.utf16_length == len(text.encode("utf-16-le")) // 2
    for offset in range(len(text) + 1):
        units = offsets.to_utf16(offset)
        assert units == len(text[:offset].encode("utf-16-le")) // 2
        assert offsets.to_codepoint(units) == offset
    for units in range(offsets.utf16_length + 1):
        point = offsets.to_codepoint(units)
        assert offsets.to_utf16(point) >= units  # never splits a surrogate pair
        assert point == 0 or offsets.to_utf16(point - 1) < units


# -- anchoring -------------------------------------------------------------------------------


@SETTINGS
@given(text_and_span())
def test_a_selector_always_matches_its_text_and_reanchors_in_place(case):
    counted("anchor unchanged")
    text, start, end = case
    selector = make_selector(text, start, end)
    check_quote(text, start, end, selector.exact)
    result = reanchor(start, end, selector.exact, selector.prefix, selector.suffix, text)
    assert result == Placed(start, end, False, Method.EXACT, 1.0)


@SETTINGS
@given(text_and_span(), st.text(alphabet=CHARS, min_size=1, max_size=50), st.booleans())
def test_reanchor_finds_the_quote_after_an_insertion_outside_it(case, inserted, before):
    counted("anchor insertion")
    text, start, end = case
    selector = make_selector(text, start, end)
    at = start if before else end
    new = text[:at] + inserted + text[at:]
    for old_text in (None, text):
        result = reanchor(
            start, end, selector.exact, selector.prefix, selector.suffix, new, old_text=old_text
        )
        assert isinstance(result, Placed)
        assert new[result.start : result.end] == selector.exact
        if new.count(selector.exact) == 1:
            shift = len(inserted) if before else 0
            assert (result.start, result.end) == (start + shift, end + shift)


@SETTINGS
@given(text_and_span(min_length=20), st.data())
def test_reanchor_survives_a_small_edit_inside_the_quote(case, data):
    counted("anchor small edit")
    text, start, end = case
    selector = make_selector(text, start, end)
    at = data.draw(st.integers(start + 1, end - 2))
    replacement = data.draw(CHARS.filter(lambda c: c != text[at]))
    new = text[:at] + replacement + text[at + 1 :]
    result = reanchor(start, end, selector.exact, selector.prefix, selector.suffix, new)
    assert isinstance(result, Placed)
    if selector.exact in new:  # still there elsewhere: an exact match comes first
        assert new[result.start : result.end] == selector.exact
    else:
        assert result.method == Method.FUZZY and result.score >= 0.8
        assert result.start < end + 2 and start - 2 < result.end  # on the edited passage


@SETTINGS
@given(text_and_span(), TEXTS)
def test_reanchor_into_any_text_gives_a_valid_result(case, new):
    counted("anchor any text")
    text, start, end = case
    selector = make_selector(text, start, end)
    result = reanchor(start, end, selector.exact, selector.prefix, selector.suffix, new)
    if isinstance(result, Placed):
        assert 0 <= result.start < result.end <= len(new)
        if result.method != Method.FUZZY:
            assert new[result.start : result.end] == selector.exact
    else:
        assert isinstance(result, Orphaned) and 0 <= result.near <= len(new)


# -- the native JSON importer ----------------------------------------------------------------

NOTES = st.text(alphabet=CHARS, max_size=40)


@st.composite
def annotated_text(draw: Callable[..., Any]) -> tuple[str, list[tuple[int, int, str, str]]]:
    text = draw(TEXTS)
    spans = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        # Whole characters only, as the reader selects (a cut one is refused).
        start, end = snap_to_characters(text, start, end)
        spans.append((start, end, draw(NOTES), draw(st.sampled_from(["", "PER", "LOC 🙂"]))))
    return text, spans


def _comparable(data: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(
        ({k: v for k, v in a.items() if k != "annotator"} for a in data["annotations"]),
        key=lambda a: a["id"],
    )


@settings(max_examples=40, deadline=None)
@given(annotated_text())
def test_native_export_import_round_trips(case):
    counted("native round trip")
    text, spans = case
    with tempfile.TemporaryDirectory() as folder:
        with Project(Path(folder) / "a.annotator") as source:
            document, _ = source.add_text("A reading 🙂", text)
            for start, end, note, label in spans:
                source.annotate(document.id, start, end, note=note, label=label or None)
            exported = source.export_json()
        with Project(Path(folder) / "b.annotator") as target:
            target.import_json(json.loads(json.dumps(exported)))
            again = target.export_json()
            assert target.import_json(again).annotations_added == 0  # idempotent
    assert _comparable(again) == _comparable(exported)
    assert [d["text"] for d in again["documents"]] == [text]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def test_native_import_of_garbage_raises_only_format_error(tmp_path: Path):
    with Project(tmp_path / "g.annotator") as project:
        document, _ = project.add_text("A reading", "Some books are to be tasted.")
        project.annotate(document.id, 0, 4, note="kept")
        valid = project.export_json()

        @settings(max_examples=200, deadline=None)
        @given(st.data())
        def check(data):
            counted("native garbage")
            if data.draw(st.booleans()):
                payload = data.draw(JSON)
            else:  # a valid export with one value somewhere replaced by garbage
                payload = json.loads(json.dumps(valid))
                node: Any = payload
                for _ in range(data.draw(st.integers(1, 4))):
                    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
                    if not keys:
                        break
                    key = data.draw(st.sampled_from(keys))
                    if (
                        isinstance(node[key], dict | list)
                        and node[key]
                        and data.draw(st.booleans())
                    ):
                        node = node[key]
                        continue
                    node[key] = data.draw(JSON)
                    break
            with contextlib.suppress(FormatError):
                project.import_json(payload)

        check()
        assert project.store.integrity_check() == "ok"
        assert any(a.note == "kept" for a in project.annotations())


# -- the other importers ---------------------------------------------------------------------

WORD = st.text(alphabet=st.sampled_from(list("abcxyzé🙂\U0001d6fd\u05d0")), min_size=1, max_size=6)


@st.composite
def tokens_and_entities(draw: Callable[..., Any]) -> tuple[str, list[tuple[int, int, str]]]:
    """Words joined by single spaces, entities covering whole words, never overlapping
    (what every span format can hold)."""
    words = draw(st.lists(WORD, min_size=1, max_size=25))
    text = " ".join(words)
    starts = []
    at = 0
    for word in words:
        starts.append((at, at + len(word)))
        at += len(word) + 1
    entities = []
    i = 0
    while i < len(words):
        if draw(st.booleans()):
            length = draw(st.integers(1, min(3, len(words) - i)))
            entities.append(
                (starts[i][0], starts[i + length - 1][1], draw(st.sampled_from(["PER", "LOC"])))
            )
            i += length + 1
        else:
            i += 1
    return text, entities


FORMATS = [("prodigy", "out.jsonl"), ("doccano", "out.jsonl"), ("w3c", "out.jsonld"),
           ("brat", "out.zip"), ("conll", "out.conll"), ("csv", "out.csv")]  # fmt: skip
KEEP_NO_SPACING = {"conll"}
# W3C annotations point at the text by hash, CSV rows name it: add the text first.
CARRY_NO_TEXT = {"w3c", "csv"}


@pytest.mark.parametrize(("name", "target"), FORMATS)
def test_importers_round_trip_random_entities(name: str, target: str):
    from annotator.formats.registry import export, import_file

    @settings(max_examples=25, deadline=None)
    @given(tokens_and_entities())
    def check(case):
        counted(f"{name} round trip")
        text, entities = case
        with tempfile.TemporaryDirectory() as folder:
            with Project(Path(folder) / "a.annotator") as source:
                document, _ = source.add_text("A reading", text)
                for start, end, label in entities:
                    source.annotate(document.id, start, end, label=label)
                out = Path(folder) / target
                export(source, name, out)
            with Project(Path(folder) / "b.annotator") as fresh:
                if name in CARRY_NO_TEXT:
                    fresh.add_text("the same reading", text)
                import_file(fresh, out, name)
                held = {
                    (a.start, a.end, a.label, a.quote)
                    for s in fresh.documents()
                    for a in fresh.annotations(s.document.id)
                }
                texts = [fresh.document(s.document.id).text for s in fresh.documents()]
        if name in KEEP_NO_SPACING:
            # CoNLL holds tokens, not the spaces between them: the words and labels come
            # back, the text is rebuilt with one space between tokens.
            assert ["".join(t.split()) for t in texts] == ["".join(text.split())]
            assert sorted(("".join(q.split()), lab) for _, _, lab, q in held) == sorted(
                ("".join(text[s:e].split()), lab) for s, e, lab in entities
            )
            return
        assert texts == [text]
        assert held == {(s, e, label, text[s:e]) for s, e, label in entities}

    check()


GARBAGE = st.one_of(
    st.binary(max_size=300),
    st.text(alphabet=CHARS, max_size=300).map(lambda t: t.encode("utf-8")),
    st.lists(JSON, max_size=4).map(lambda rows: "\n".join(json.dumps(r) for r in rows).encode()),
)


@pytest.mark.parametrize(("name", "target"), FORMATS)
def test_importers_refuse_garbage_with_format_error_only(name: str, target: str, tmp_path):
    from annotator.core.errors import AnnotatorError
    from annotator.formats.registry import import_file

    with Project(tmp_path / "g.annotator") as project:

        @settings(max_examples=60, deadline=None)
        @given(GARBAGE)
        def check(payload: bytes):
            counted(f"{name} garbage")
            path = tmp_path / target.replace(".zip", ".ann")
            path.write_bytes(payload)
            try:
                import_file(project, path, name)
            except FormatError:
                pass
            except AnnotatorError as error:  # a clear message, though not a FormatError
                pytest.fail(f"{name}: {type(error).__name__}: {error}")

        check()
        assert project.store.integrity_check() == "ok"


# -- CSV and brat: garbled files and notes holding any character (issue 19) -----------------

# Every character a note can hold: controls, line breaks, backslashes and escape look-alikes.
NOTE_CHARS = st.one_of(
    st.characters(blacklist_categories=("Cs",)),
    st.sampled_from(["\\", "x", "1", "b", "n", "r", "u", "2", "8", "'", "=", "\t", "\r", '"']),
    st.sampled_from([chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))] + ["\u2028", "\u2029"]),
)
ANY_NOTE = st.text(alphabet=NOTE_CHARS, min_size=1, max_size=60)


@pytest.mark.parametrize(("name", "target"), [("csv", "notes.csv"), ("brat", "out.zip")])
def test_any_note_round_trips_through_csv_and_brat(name: str, target: str):
    from annotator.formats.registry import export, import_file

    text = "Some books are to be tasted, others to be swallowed."

    @settings(max_examples=60, deadline=None)
    @given(st.lists(ANY_NOTE, min_size=1, max_size=3))
    def check(notes: list[str]):
        counted(f"{name} notes round trip")
        with tempfile.TemporaryDirectory() as folder:
            with Project(Path(folder) / "a.annotator") as source:
                document, _ = source.add_text("A reading", text)
                for i, note in enumerate(notes):
                    source.annotate(document.id, i, i + 4, note=note, label="NOTE")
                typed = sorted(a.note for a in source.annotations())
                out = Path(folder) / target
                export(source, name, out)
            with Project(Path(folder) / "b.annotator") as fresh:
                if name == "csv":
                    fresh.add_text("A reading", text)
                import_file(fresh, out, name)
                assert sorted(a.note for a in fresh.annotations()) == typed

    check()


def test_csv_import_of_a_garbled_export_raises_only_format_error(tmp_path: Path):
    from annotator.core.errors import AnnotatorError
    from annotator.formats.registry import export, import_file

    text = "Some books are to be tasted, others to be swallowed."
    with Project(tmp_path / "g.annotator") as project:
        document, _ = project.add_text("A reading", text)
        project.annotate(document.id, 0, 10, note='a "quoted"\nnote, with =formula')
        project.annotate(document.id, 14, 20, label="LOC 🙂", note="\x1b[31m\\x1b")
        export(project, "csv", tmp_path / "valid.csv")
        valid = (tmp_path / "valid.csv").read_bytes()
        before = len(project.annotations())

        @settings(max_examples=200, deadline=None)
        @given(st.data())
        def check(data):
            counted("csv garbled")
            payload = bytearray(valid)
            for _ in range(data.draw(st.integers(1, 4))):
                at = data.draw(st.integers(0, len(payload)))
                action = data.draw(st.sampled_from(["cut", "insert", "replace", "delete"]))
                if action == "cut":
                    del payload[at:]
                elif action == "insert":
                    payload[at:at] = data.draw(
                        st.sampled_from([b'"', b",", b";", b"\t", b"\r", b"\n", b"\x00", b"\xff"])
                        | st.binary(min_size=1, max_size=8)
                    )
                elif at < len(payload):
                    if action == "replace":
                        payload[at] = data.draw(st.integers(0, 255))
                    else:
                        del payload[at]
            path = tmp_path / "garbled.csv"
            path.write_bytes(bytes(payload))
            try:
                import_file(project, path, "csv")
            except FormatError:
                pass
            except AnnotatorError as error:  # a clear message, though not a FormatError
                pytest.fail(f"csv: {type(error).__name__}: {error}")

        check()
        assert project.store.integrity_check() == "ok"
        assert len(project.annotations()) >= before


# -- the spaCy DocBin importer ----------------------------------------------------------------


def _real_docbin() -> bytes:
    """A small but complete DocBin: entities, overlapping spans, sentiment and cats."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    doc = nlp.make_doc("John Smith visited Paris, Texas, in 1984. Café 🙂 was good.")
    # Labels outside spaCy's own symbols, so the DocBin's string table must hold them.
    doc.ents = [doc.char_span(0, 10, label="HERO"), doc.char_span(19, 24, label="PLACE")]
    doc.spans["sc"] = [doc.char_span(0, 10, label="HERO"), doc.char_span(19, 31, label="TOWN")]
    doc.spans["sentiment"] = [doc.char_span(42, 58, label="POSITIVE")]
    doc.cats = {"TRAVEL": 1.0, "SPORT": 0.0}
    return DocBin(docs=[doc, nlp.make_doc("A second text.")], store_user_data=True).to_bytes()


@st.composite
def damaged_docbins(draw: Callable[..., Any], real: bytes) -> bytes:
    """Random bytes, or a real DocBin cut short or with bytes changed, before or after its
    zlib compression (after it, spaCy's msgpack and array decoders see the damage), or
    missing one of the strings its tokens and labels name (found only as they are read)."""
    import zlib

    import srsly

    kinds = ["random", "cut", "garble", "cut inside", "garble inside", "lose a string"]
    how = draw(st.sampled_from(kinds))
    if how == "random":
        return draw(st.binary(max_size=400))
    if how == "lose a string":
        message = srsly.msgpack_loads(zlib.decompress(real))
        lost = draw(st.sampled_from(message["strings"]))
        message["strings"] = [s for s in message["strings"] if s != lost]
        return zlib.compress(srsly.msgpack_dumps(message))
    data = bytearray(real if how in ("cut", "garble") else zlib.decompress(real))
    if how.startswith("cut"):
        data = data[: draw(st.integers(0, len(data) - 1))]
    else:
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data) if how in ("cut", "garble") else zlib.compress(bytes(data))


def test_docbin_import_refuses_damaged_files_with_format_error_only(tmp_path):
    from annotator.core.errors import AnnotatorError
    from annotator.formats.registry import import_file

    with Project(tmp_path / "d.annotator") as project:
        document, _ = project.add_text("kept", "Nothing here is touched by a failed import.")
        project.annotate(document.id, 0, 7, note="kept")
        real = _real_docbin()  # built outside the strategy: spaCy draws on `random`

        @settings(max_examples=60, deadline=None)
        @given(damaged_docbins(real))
        def check(payload: bytes):
            counted("spacy damaged")
            path = tmp_path / "damaged.spacy"
            path.write_bytes(payload)
            try:
                import_file(project, path, "spacy")
            except FormatError:
                pass
            except AnnotatorError as error:  # a clear message, though not a FormatError
                pytest.fail(f"spacy: {type(error).__name__}: {error}")

        check()
        assert project.store.integrity_check() == "ok"
        assert any(a.note == "kept" for a in project.annotations())


def test_docbin_missing_a_label_string_is_a_format_error(tmp_path):
    """spaCy looks a span's label up only when the span is read: after the file is open."""
    import zlib

    import srsly

    from annotator.formats.spacy_docbin import parse

    message = srsly.msgpack_loads(zlib.decompress(_real_docbin()))
    message["strings"] = [s for s in message["strings"] if s != "TOWN"]
    path = tmp_path / "lost.spacy"
    path.write_bytes(zlib.compress(srsly.msgpack_dumps(message)))
    with pytest.raises(FormatError, match=r"'lost\.spacy' is not a spaCy DocBin file"):
        parse(path)


def _pdf_with_highlights(path: Path) -> bytes:
    """A small real PDF with text and two highlights (one with a note)."""
    import pymupdf

    doc = pymupdf.open()
    for number in range(2):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 100), f"Page {number + 1}: Reading maketh a full man.")
        page.insert_text((72, 130), "Conference a ready man; and writing an exact man.")
        quads = page.search_for("Reading maketh")
        annot = page.add_highlight_annot(quads)
        annot.set_info(content=f"note {number} 🙂", title="Reader")
        annot.update()
    doc.save(path)
    doc.close()
    return path.read_bytes()


def test_pdf_loading_and_highlight_import_refuse_damaged_files_cleanly(tmp_path: Path):
    """Random bytes and real PDFs cut short, overwritten or with bytes inserted either open
    (MuPDF repairs much) and give their highlights, or are refused with an AnnotatorError:
    never another exception, and the project is unchanged by a refusal."""
    from annotator.core.errors import AnnotatorError
    from annotator.documents import load_document

    valid = _pdf_with_highlights(tmp_path / "valid.pdf")
    with Project(tmp_path / "p.annotator") as project:

        @settings(max_examples=60, deadline=None)
        @given(st.data())
        def check(data):
            counted("pdf damaged")
            if data.draw(st.booleans()):
                payload = bytearray(valid)
                for _ in range(data.draw(st.integers(1, 3))):
                    at = data.draw(st.integers(0, len(payload)))
                    action = data.draw(st.sampled_from(["cut", "insert", "replace"]))
                    if action == "cut":
                        del payload[max(at, 8) :]
                    elif action == "insert":
                        payload[at:at] = data.draw(st.binary(min_size=1, max_size=64))
                    else:
                        chunk = data.draw(st.binary(min_size=1, max_size=64))
                        payload[at : at + len(chunk)] = chunk
            else:
                payload = bytearray(b"%PDF-1.7\n" + data.draw(st.binary(max_size=2000)))
            path = tmp_path / "damaged.pdf"
            path.write_bytes(bytes(payload))
            try:
                loaded = load_document(path)
            except AnnotatorError:
                return
            before = len(project.annotations())
            try:
                document, _ = project.add_loaded_document(loaded, str(path))
                added = project.import_pdf_annotations(document.id)
            except AnnotatorError:
                assert len(project.annotations()) == before
                return
            for a in added:
                assert 0 <= a.start <= a.end <= len(document.text)

        check()
