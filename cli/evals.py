"""`tacit eval ...`: builds Tacit's real components through the composition root and hands them to evals/."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, TaskID

from api.bootstrap import Tacit, build
from api.settings import Settings
from evals.files import DataError
from evals.report import Report, print_report

app = typer.Typer(
    help="Measure Tacit on labelled data, next to baselines computed in the same run.", no_args_is_help=True
)

DataOpt = typer.Option(..., "--data", exists=True, dir_okay=False, help="answers.jsonl (the format of ../shared/data).")
JsonOpt = typer.Option(False, "--json", help="Also print the figures as one JSON object on the last line.")


def _components() -> Tacit:
    """Tacit as configured (offline engines unless an LLM is set), on a throwaway data folder."""
    folder = Path(tempfile.mkdtemp(prefix="tacit-eval-"))
    return build(Settings(data_dir=folder), migrate=False)


def _show(report: Report, as_json: bool) -> None:
    print_report(report, as_json)


@contextlib.contextmanager
def _readable() -> Iterator[None]:
    """A data file Tacit cannot read ends the command with where and why (exit 2), not a traceback."""
    try:
        yield
    except DataError as e:
        Console(stderr=True, emoji=False).print(f"error: {e}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


TrainOpt = typer.Option(
    None,
    "--train",
    exists=True,
    dir_okay=False,
    help="Another community's answers file: train on it, measure on --data (never-seen community), learning curve.",
)


@app.command()
def terse(data: Path = DataOpt, train: Path | None = TrainOpt, as_json: bool = JsonOpt) -> None:
    """Terse-answer detection against terse_label and elaboration_requested; with --train, transfer figures too.

    Example: tacit eval terse --data ../shared/data/answers.jsonl --train ../shared/data/answers_irc.jsonl
    """
    from evals import terse as module
    from evals import transfer

    tacit = _components()
    total = sum(1 for line in data.read_bytes().split(b"\n") if line.strip())
    with _readable(), Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("Assessing answers", total=total)
        report = module.run(data, tacit.services.detector, progress=lambda n: bar.advance(task, n))
        moved = None
        if train is not None:
            task = bar.add_task("Transfer", total=total)
            threshold = tacit.settings.terse_threshold
            moved = transfer.run(
                data,
                train,
                threshold,
                progress=lambda n: bar.advance(task, n),
                cold_start_labels=tacit.settings.cold_start_labels,
            )
    _show(report, as_json and moved is None)
    if moved is not None:
        _show(moved, as_json)


FollowupTrainOpt = typer.Option(
    None,
    "--train",
    exists=True,
    dir_okay=False,
    help="Another community's answers file: tune the main-gap choice on it, measure on --data.",
)


@app.command()
def followup(data: Path = DataOpt, train: Path | None = FollowupTrainOpt, as_json: bool = JsonOpt) -> None:
    """Follow-up questions for labelled terse answers: form, specificity, gap, similarity to real requests.

    Example: tacit eval followup --data ../shared/data/answers_irc.jsonl --train ../shared/data/answers.jsonl
    """
    from evals import followup as module
    from evals import followup_transfer

    tacit = _components()
    with _readable():
        report = module.run(data, tacit.services.detector, tacit.services.followups, tacit.embedder)
        moved = followup_transfer.run(data, train, tacit.services.followups) if train is not None else None
    _show(report, as_json and moved is None)
    if moved is not None:
        _show(moved, as_json)


@app.command()
def synthesis(data: Path = DataOpt, as_json: bool = JsonOpt) -> None:
    """Guides from real elaborations: faithfulness, citation validity, coverage of the expert's reply.

    Example: tacit eval synthesis --data ../shared/data/answers.jsonl
    """
    from evals import synthesis as module

    tacit = _components()
    with _readable():
        report = module.run(data, tacit.services.guides, tacit.embedder)
    _show(report, as_json)


@app.command()
def retrieval(
    corpus: Path = typer.Option(..., exists=True, dir_okay=False, help="BEIR corpus.jsonl ({_id, title, text})."),
    queries: Path = typer.Option(..., exists=True, dir_okay=False, help="BEIR queries.jsonl ({_id, text})."),
    qrels: Path = typer.Option(..., exists=True, dir_okay=False, help="qrels TSV: query-id corpus-id score."),
    vector_cache: Path | None = typer.Option(
        None,
        "--vector-cache",
        dir_okay=False,
        help="SQLite file keeping the vectors between runs (e.g. /tmp/tacit-vectors.sqlite): texts already "
        "embedded with the same backend and model are not embedded again.",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Search quality (nDCG@10, recall@10, MRR@10) through Tacit's own retrieval path, next to BM25, dense-only
    and a plain MiniLM baseline (whole documents, no chunking).

    Example: tacit eval retrieval --corpus c.jsonl --queries q.jsonl --qrels qrels.tsv --vector-cache /tmp/v.sqlite
    """
    from api.bootstrap import search_windowing
    from evals import retrieval as module
    from evals.vector_cache import CachedEmbedder
    from retrieval.embedder import bundled_model_path

    tacit = _components()
    settings = tacit.settings
    embedder = tacit.embedder
    if vector_cache is not None:
        model = settings.embedding_model_path or bundled_model_path()
        embedder = CachedEmbedder(embedder, vector_cache, f"{settings.embedding_backend}:{model.resolve()}")
    with _readable(), Progress(console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def advance(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase.capitalize(), total=total)
            bar.update(tasks[phase], completed=done)

        report = module.run(corpus, queries, qrels, embedder, progress=advance, windowing=search_windowing(settings))
    _show(report, as_json)


@app.command()
def pii(
    data: Path = typer.Option(None, exists=True, dir_okay=False, help="Labelled JSONL; default: the shipped set."),
    as_json: bool = JsonOpt,
) -> None:
    """Personal data and secrets: precision, recall and F1 per kind, next to naive regular expressions.

    Example: tacit eval pii --json
    """
    from evals import pii as module

    _show(module.run(data, _components().services.scanner), as_json)


@app.command()
def experts(
    threads: Path = typer.Option(..., exists=True, dir_okay=False, help="threads.jsonl (tagged Q&A threads are used)."),
    offline: bool = typer.Option(False, "--offline", help="Relatedness by shared words only (no embedding model)."),
    as_json: bool = JsonOpt,
) -> None:
    """Expert finding ("who knows X?") held out by time: precision@5 and MRR next to answer-count baselines.

    Example: tacit eval experts --threads ../shared/data/threads.jsonl --json
    """
    from evals import experts as module  # tandems and expertise location

    _show(module.run(threads, None if offline else _components().embedder), as_json)


@app.command("build-retrieval-set")
def build_retrieval_set(
    threads: Path = typer.Option(..., exists=True, dir_okay=False, help="threads.jsonl"),
    out: Path = typer.Option(Path("data/retrieval-dev"), help="Folder for corpus.jsonl, queries.jsonl, qrels.tsv."),
) -> None:
    """Build a BEIR-format development set from community threads (see evals/retrieval.py for how)."""
    from evals import retrieval as module

    paths = module.build_dev_set(threads, out)
    typer.echo(" ".join(str(p) for p in paths))


@app.command()
def report(
    shared: Path = typer.Option(Path("../shared/data"), help="Folder with answers.jsonl and threads.jsonl."),
    out: Path = typer.Option(Path("reports"), help="Where eval.md and its plots are written."),
) -> None:
    """Run all four evaluations on the shared data and write a Markdown report with plots (skips if absent).

    Example: tacit eval report --shared ../shared/data --out reports
    """
    from evals import experts, followup, followup_transfer, pii, retrieval, synthesis, terse, transfer
    from evals.markdown import write_report

    answers, threads = shared / "answers.jsonl", shared / "threads.jsonl"
    if not answers.exists() or not threads.exists():
        typer.echo(f"skipped: {shared} has no answers.jsonl and threads.jsonl")
        return
    tacit = _components()
    services = tacit.services
    reports = [terse.run(answers, services.detector)]
    chat = shared / "answers_irc.jsonl"
    if chat.exists():  # the second community: leave-one-community-out in both directions, follow-ups on chat
        threshold = tacit.settings.terse_threshold
        labels = tacit.settings.cold_start_labels
        reports += [
            transfer.run(chat, answers, threshold, cold_start_labels=labels),
            transfer.run(answers, chat, threshold, cold_start_labels=labels),
        ]
    for path in (answers, chat) if chat.exists() else (answers,):
        reports.append(followup.run(path, services.detector, services.followups, tacit.embedder))
        reports[-1].subject = path.name
    if chat.exists():
        reports += [followup_transfer.run(chat, answers, services.followups)]
        reports += [followup_transfer.run(answers, chat, services.followups)]
    reports.append(synthesis.run(answers, services.guides, tacit.embedder))
    dev = Path(tempfile.mkdtemp(prefix="tacit-retrieval-"))
    corpus, queries, qrels = retrieval.build_dev_set(threads, dev)
    reports.append(retrieval.run(corpus, queries, qrels, tacit.embedder))
    reports.append(pii.run(None, services.scanner))
    reports.append(experts.run(threads, tacit.embedder))
    for r in reports:
        print_report(r)
    path = write_report(reports, out, f"tacit eval report --shared {shared} --out {out}")
    typer.echo(f"report written to {path}")
