"""Should the suggestion process write its results itself, or hand them to one writer?

Issue 13. Today (a) the spawned suggestion process (:mod:`annotator.suggest_process`) opens
the project and writes each finished document's suggestions in one transaction of its own,
so two connections write to the file at once (the shape of SQLite's WAL-reset bug, fixed in
the bundled 3.51.3+). The alternative (b) keeps one writer: the child runs the same model
code and sends each finished document's candidates over its queue, and the window's thread
reconciles and writes them with the same ``_store_document`` in one transaction per
document. Both children stay up between runs with the pipeline loaded, as the real one does.

The parent stands in for the window: it wakes every ``--tick`` ms to poll the child's queue
(in (b) also writing what arrived) and every ``--write-every`` ms adds an annotation, as a
reader annotating during the run would. Measured per run, the two modes alternating,
medians over ``--runs``:

- wall time from the request to the run's end (the last document stored);
- the longest the window's thread was busy handling one poll (in (b): the write);
- the longest a window annotation took (in (a): waiting for the child's write lock);
- the longest gap between two wake-ups (what an event loop would have felt).

    .venv/bin/python bench/bench_suggest_writer.py [--runs 3] [--repeat 2] [--split]
        [--kind entities]
"""

from __future__ import annotations

import argparse
import multiprocessing
import queue
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotator.nlp.models import default_model_name  # noqa: E402
from annotator.project import Project  # noqa: E402
from annotator.store.sqlite import describe  # noqa: E402
from annotator.suggest_process import SuggestionProcess  # noqa: E402
from annotator.suggesting import running as suggesting  # noqa: E402
from annotator.suggesting.review import annotator_id_for, pending_suggestions  # noqa: E402

SAMPLES = REPO.parent / "shared" / "samples"


# -- (b): a child that only reads and runs the model ------------------------------------


def _stream(project: Project, document_ids: Any, texts: dict[str, str]) -> Iterator[Any]:
    """The texts the model reads, pulled lazily, as ``suggesting`` streams them."""
    from annotator.core.model import DocumentKind
    from annotator.nlp.markup import mask_markdown

    for document_id in document_ids:
        document = project.document(document_id)
        texts[document_id] = document.text
        if document.kind == DocumentKind.MARKDOWN:
            yield document_id, mask_markdown(document.text)
        else:
            yield document_id, document.text


def _serve_candidates(requests: Any, replies: Any) -> None:
    """The one-writer child: for each request, the model's candidates per finished document
    go to ``replies``; it never writes to the project."""
    from annotator.nlp.chunks import DEFAULT_BATCH_SIZE, DEFAULT_CHUNK_CHARS
    from annotator.nlp.markup import has_words

    while True:
        request = requests.get()
        if request is None:
            return
        run, path, document_ids, kind, model = request
        try:
            nlp, source = suggesting._pipeline_for(kind, model)
            with Project(path) as project:
                config = project.sentiment_config() if kind == "sentiment" else None
                texts: dict[str, str] = {}
                candidates: list[Any] = []
                for document_id, found, complete, done, document in suggesting._model_results(
                    kind, _stream(project, document_ids, texts), nlp, config,
                    DEFAULT_BATCH_SIZE, DEFAULT_CHUNK_CHARS,
                ):  # fmt: skip
                    if kind == "entities":
                        text = texts[document_id]
                        found = [c for c in found if has_words(text[c.start : c.end])]
                    candidates.extend(found)
                    if complete:
                        if document is not None:
                            candidates.append(document)
                        replies.put(("document", run, document_id, candidates, source))
                        texts.pop(document_id)
                        candidates = []
                    else:
                        replies.put(("progress", run, done))
            replies.put(("done", run))
        except Exception as error:  # reported to the parent, never lost
            replies.put(("failed", run, f"{type(error).__name__}: {error}"))


class OneWriterChild:
    """The (b) child process and its queues."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.requests, self.replies = context.Queue(), context.Queue()
        self.process = context.Process(
            target=_serve_candidates, args=(self.requests, self.replies), daemon=True
        )
        self.process.start()

    def messages(self) -> list[tuple[Any, ...]]:
        found = []
        while True:
            try:
                found.append(self.replies.get_nowait())
            except queue.Empty:
                return found

    def close(self) -> None:
        self.requests.put(None)
        self.process.join(30)
        for q in (self.requests, self.replies):
            q.cancel_join_thread()
            q.close()


# -- the window's loop, for both modes --------------------------------------------------


def _window_loop(
    project: Project,
    document_id: str,
    poll: Callable[[], bool],
    tick: float,
    write_every: float,
) -> dict[str, float]:
    """Wake every ``tick`` s: ``poll()`` (True when the run is over), and every
    ``write_every`` s add an annotation. Returns the worst times seen."""
    text = project.text_of(document_id)
    worst_poll = worst_write = worst_gap = 0.0
    writes = 0
    next_write = time.perf_counter() + write_every
    last = time.perf_counter()
    while True:
        began = time.perf_counter()
        finished = poll()
        worst_poll = max(worst_poll, time.perf_counter() - began)
        if finished:  # the last poll (in (b) often the last document's write) counts too
            worst_gap = max(worst_gap, time.perf_counter() - last)
            break
        if time.perf_counter() >= next_write:
            writes += 1
            start = (writes * 97) % (len(text) - 20)
            began = time.perf_counter()
            project.annotate(document_id, start, start + 12, note=f"during the run {writes}")
            worst_write = max(worst_write, time.perf_counter() - began)
            next_write = time.perf_counter() + write_every
        time.sleep(tick)
        now = time.perf_counter()
        worst_gap = max(worst_gap, now - last - tick)
        last = now
    return {"poll": worst_poll, "write": worst_write, "gap": worst_gap, "writes": writes}


def run_child_writes(
    child: SuggestionProcess, path: Path, ids: list[str], kind: str, model: str, args: Any
) -> dict[str, float]:
    """(a) Today: the child writes each document's suggestions itself."""
    with Project(path) as project:
        began = time.perf_counter()
        child.start(str(path), ids, kind=kind, model=model, annotator=None, shown_document=None)

        def poll() -> bool:
            for message in child.messages():
                if message[0] == "failed":
                    raise RuntimeError(message[2])
                if message[0] == "done":
                    return True
            return False

        result = _window_loop(project, ids[0], poll, args.tick / 1000, args.write_every / 1000)
        result["wall"] = time.perf_counter() - began
        result["suggestions"] = len(pending_suggestions(project))
    return result


def run_one_writer(
    child: OneWriterChild, path: Path, ids: list[str], kind: str, model: str, args: Any, run: int
) -> dict[str, float]:
    """(b) One writer: the child sends candidates, the window's thread writes them."""
    with Project(path) as project:
        began = time.perf_counter()
        child.requests.put((run, str(path), tuple(ids), kind, model))
        annotator_id = annotator_id_for(project, None)
        kinds = suggesting._kinds_of(kind)  # type: ignore[arg-type]
        labels = (
            suggesting._sentiment_labels(project.sentiment_config())
            if kind == "sentiment"
            else None
        )
        stores: list[float] = []

        def poll() -> bool:
            for message in child.messages():
                if message[0] == "failed":
                    raise RuntimeError(message[2])
                if message[0] == "done":
                    return True
                if message[0] == "document":
                    _, _, document_id, candidates, source = message
                    started = time.perf_counter()
                    suggesting._store_document(
                        project, document_id, project.text_of(document_id), candidates,
                        kinds, labels, annotator_id, source, False,
                    )  # fmt: skip
                    stores.append(time.perf_counter() - started)
            return False

        result = _window_loop(project, ids[0], poll, args.tick / 1000, args.write_every / 1000)
        result["wall"] = time.perf_counter() - began
        result["store"] = max(stores, default=0.0)
        result["suggestions"] = len(pending_suggestions(project))
    return result


def _template(folder: Path, args: Any) -> tuple[Path, list[str], int]:
    paths = sorted(args.samples.glob("*.txt"))
    if not paths:
        raise SystemExit(f"no sample readings in {args.samples}")
    path = folder / "template.annotator"
    with Project(path) as project:
        if args.split:
            texts = [(p.stem, p.read_text(encoding="utf-8") * args.repeat) for p in paths]
        else:
            joined = "\n\n".join(p.read_text(encoding="utf-8") for p in paths) * args.repeat
            texts = [("long reading", joined)]
        ids = [project.add_text(title, text)[0].id for title, text in texts]
        project.annotate(ids[0], 0, 4)  # the annotator exists, as in a project in use
    return path, ids, sum(len(t) for _, t in texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2, help="copies of the sample texts")
    parser.add_argument("--split", action="store_true", help="one document per sample file")
    parser.add_argument("--kind", choices=("entities", "sentiment"), default="entities")
    parser.add_argument("--model", default=None)
    parser.add_argument("--tick", type=float, default=10.0, help="ms between wake-ups")
    parser.add_argument("--write-every", type=float, default=100.0, help="ms between writes")
    parser.add_argument("--samples", type=Path, default=SAMPLES)
    args = parser.parse_args()
    model = args.model or default_model_name()
    results: dict[str, list[dict[str, float]]] = {"a": [], "b": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template, ids, chars = _template(folder, args)
        print(
            f"{describe()}; {len(ids)} document(s), {chars:,} characters, kind {args.kind}, "
            f"model {model}; window ticks every {args.tick:g} ms, annotates every "
            f"{args.write_every:g} ms"
        )
        child_a, child_b = SuggestionProcess(), OneWriterChild()
        try:
            for run in range(args.runs + 1):  # run 0 loads the models: not counted
                order = ("a", "b") if run % 2 == 0 else ("b", "a")
                for mode in order:
                    path = folder / f"run-{run}-{mode}.annotator"
                    shutil.copy(template, path)
                    if mode == "a":
                        r = run_child_writes(child_a, path, ids, args.kind, model, args)
                    else:
                        r = run_one_writer(child_b, path, ids, args.kind, model, args, run + 1)
                    path.unlink()
                    if run:
                        results[mode].append(r)
        finally:
            child_a.close()
            child_b.close()

    def median(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in results[mode])

    print(f"median of {args.runs} runs          wall s  worst poll ms  worst annotate ms  gap ms")
    for mode, title in (("a", "(a) child writes (today)"), ("b", "(b) window writes (one)")):
        print(
            f"{title:28s} {median(mode, 'wall'):7.2f}  {median(mode, 'poll') * 1000:13.1f}  "
            f"{median(mode, 'write') * 1000:17.1f}  {median(mode, 'gap') * 1000:6.1f}"
        )
    worst_a = [r["poll"] for r in results["a"]] + [r["write"] for r in results["a"]]
    worst_b = [r["poll"] for r in results["b"]] + [r["write"] for r in results["b"]]
    print(
        f"suggestions stored per run: (a) {results['a'][0]['suggestions']:.0f}, "
        f"(b) {results['b'][0]['suggestions']:.0f}; "
        f"(b) longest document write on the window's thread {median('b', 'store') * 1000:.1f} ms "
        f"(median of runs), worst over all runs: window blocked (a) {max(worst_a) * 1000:.1f} ms, "
        f"(b) {max(worst_b) * 1000:.1f} ms; wall ratio (b)/(a) "
        f"{median('b', 'wall') / median('a', 'wall'):.2f}x"
    )


if __name__ == "__main__":
    main()
