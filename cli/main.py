"""The `tacit` command line: serve, demo, ingest, reindex, search, token, community, person."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, ProgressColumn, Task, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from api import logs
from api.bootstrap import Tacit, build
from api.settings import Settings
from cli.analytics import app as analytics_app
from cli.connect import app as connect_app
from cli.evals import app as eval_app
from cli.threads_file import ThreadsFileError, read_threads, thread_messages
from elicitor.model import Role
from retrieval.errors import IndexBusy
from workflow import guides
from workflow.errors import WorkflowError
from workflow.ingest import ingest_messages
from workflow.people import add_person, create_community, create_token

app = typer.Typer(help="Tacit: draw out experts' tacit knowledge and turn it into guides.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
community_app = typer.Typer(help="Communities.", no_args_is_help=True)
person_app = typer.Typer(help="People and their roles.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(community_app, name="community")
app.add_typer(person_app, name="person")
app.add_typer(eval_app, name="eval")
app.add_typer(connect_app, name="connect")
app.add_typer(analytics_app, name="analytics")
tandem_app = typer.Typer(help="Tandems: pair juniors with seniors.", no_args_is_help=True)  # tandems
app.add_typer(tandem_app, name="tandem")
console = Console(stderr=True)


@contextmanager
def running(start_jobs: bool = True, **overrides: object) -> Iterator[Tacit]:
    settings = Settings().model_copy(update=overrides)
    logs.configure("WARNING")
    tacit = build(settings)
    if start_jobs:
        tacit.start()
    try:
        yield tacit
    except (WorkflowError, IndexBusy) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        tacit.stop()


@app.command()
def serve(
    host: str = typer.Option(None, help="Default: TACIT_HOST (127.0.0.1)."),
    port: int = typer.Option(None, help="Default: TACIT_PORT (8000)."),
    demo: bool = typer.Option(False, "--demo", help="Load the demo community first if it is not loaded."),
    workers: int = typer.Option(1, min=1, help="Server processes (more than one needs QDRANT_URL)."),
) -> None:
    """Serve the pages (search at /) and the HTTP API (OpenAPI docs at /docs).

    Example: tacit serve --demo
    Example: QDRANT_URL=http://qdrant:6333 DATABASE_URL=postgresql+psycopg://tacit@db/tacit tacit serve --workers 2
    """
    import uvicorn

    settings = Settings()
    logs.configure(settings.log_level)
    if workers > 1 and not settings.qdrant_url:
        console.print(f"[red]error:[/red] {EMBEDDED_INDEX_SERVES_ONE_PROCESS}")
        raise typer.Exit(2)
    started = time.perf_counter()
    tacit = build(settings)  # migrates the database once, before any worker starts
    if demo:
        _load_demo_if_missing(tacit)
    host, port = host or settings.host, port or settings.port
    where = f"http://{host}:{port}"
    if workers > 1:
        tacit.stop()  # each worker process builds its own (api.app.app_from_settings)
        console.print(f"Serving on {where} with {workers} worker processes (docs at /docs)")
        uvicorn.run("api.app:app_from_settings", factory=True, workers=workers, host=host, port=port, log_config=None)
        return
    tacit.warm_up()  # the model loads while the app's modules import: the first search waits less
    from api.app import create_app

    console.print(f"Tacit built in {time.perf_counter() - started:.2f}s; serving on {where} (docs at /docs)")
    uvicorn.run(create_app(tacit), host=host, port=port, log_config=None)


EMBEDDED_INDEX_SERVES_ONE_PROCESS = (
    "--workers needs QDRANT_URL: the embedded vector index (no QDRANT_URL) is one process per folder (its files "
    "are locked by the process that opened them), so a second server process could neither search nor index. "
    "Serve with one worker (its requests already run on a thread pool), or set QDRANT_URL to a Qdrant server."
)


def _load_demo_if_missing(tacit: Tacit) -> None:
    from cli.demo import complete_past_loops, demo_loaded, load_demo

    tokens_file = tacit.settings.data_dir / "demo-tokens.json"
    if demo_loaded(tacit.services):
        where = tokens_file if tokens_file.exists() else "none kept; make new ones with `tacit token create HANDLE`"
        console.print(f"Demo community already loaded; tokens: {where}")
        tokens = json.loads(tokens_file.read_text() or "{}") if tokens_file.exists() else {}
        _print_demo_sign_in(tacit, tokens)
        return
    # Checked before anything is committed: the tokens are stored hashed, so an unwritable file loses them.
    _prepare_tokens_file(tokens_file)
    tacit.start()
    with Progress(console=console) as bar:
        task = bar.add_task("Loading demo threads", total=None)
        tokens = load_demo(tacit.services, progress=lambda n: bar.advance(task, n))
        # Written first: a later `make run` finds the demo loaded and relies on this file.
        tokens_file.write_text(json.dumps(tokens, indent=2))
        tokens_file.chmod(0o600)
        _wait_for_jobs(tacit, bar)
        published = complete_past_loops(
            tacit.services, settle=lambda: _wait_for_jobs(tacit, bar, "Publishing a past guide")
        )
    tacit.stop()
    console.print(f"Demo loaded: {published} past guide published, nudges waiting in the experts' inboxes")
    _print_demo_sign_in(tacit, tokens)


def _print_demo_sign_in(tacit: Tacit, tokens: dict[str, str]) -> None:
    """Each demo person's API token and a fresh one-time sign-in link for the pages (one line each: no wrapping)."""
    table = Table("person", "API token", title="Demo API tokens")
    for handle, token in tokens.items():
        table.add_row(handle, token)
    console.print(table)
    minutes = tacit.settings.sign_in_link_minutes
    console.print(
        f"Sign-in links for the pages (each works once, for {minutes:g} minutes; more: tacit login-link HANDLE):",
        soft_wrap=True,
    )
    for handle in tokens:
        console.print(f"  {handle:<8} {sign_in_link(tacit, handle)}", soft_wrap=True, highlight=False)
    console.print(f"Search is the front page: {tacit.settings.public_url}/", soft_wrap=True, highlight=False)


def _prepare_tokens_file(path: Path) -> None:
    """The data folder exists (PostgreSQL never creates it) and the tokens file can be written, owner-only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
    except OSError as exc:
        console.print(f"[red]error:[/red] cannot write the demo tokens to {path} ({exc.strerror}); set TACIT_DATA_DIR")
        raise typer.Exit(1) from exc


def _wait_for_jobs(tacit: Tacit, bar: Progress, what: str = "Assessing answers") -> None:
    task = bar.add_task(what, total=max(tacit.runner.pending(), 1))
    total = tacit.runner.pending()
    while not tacit.runner.wait_idle(timeout=0.2):
        bar.update(task, completed=total - tacit.runner.pending())
    bar.update(task, completed=total)


EMBEDDED_INDEX_HAS_ONE_WRITER = (
    "a separate worker needs QDRANT_URL: the embedded vector index (no QDRANT_URL) is one process per folder, and "
    "jobs index guides, so with it `tacit serve` runs the queued jobs itself (TACIT_JOB_WORKERS at a time). "
    "Set QDRANT_URL to a Qdrant server to run `tacit worker` processes."
)


@app.command()
def worker() -> None:
    """Run background jobs from the PostgreSQL queue (TACIT_JOB_RUNNER=procrastinate); start as many as you need.

    Example: TACIT_JOB_RUNNER=procrastinate DATABASE_URL=postgresql+psycopg://tacit@db/tacit tacit worker
    """
    from workflow.procrastinate_runner import ProcrastinateJobRunner

    settings = Settings()
    logs.configure(settings.log_level)
    if settings.job_runner == "procrastinate" and not settings.qdrant_url:
        console.print(f"[red]error:[/red] {EMBEDDED_INDEX_HAS_ONE_WRITER}")
        raise typer.Exit(2)
    tacit = build(settings)
    if not isinstance(tacit.runner, ProcrastinateJobRunner):
        console.print(
            "[red]error:[/red] jobs run inside `tacit serve` with the in-process runner; "
            "set TACIT_JOB_RUNNER=procrastinate to run separate workers"
        )
        raise typer.Exit(2)
    tacit.runner.start()
    console.print(f"worker running ({settings.job_workers} at a time); Ctrl+C to stop")
    tacit.runner.run_worker(wait=True)


@app.command()
def demo() -> None:
    """Load the demo community (Platform Engineering Guild) and print its API tokens."""
    with running(start_jobs=False) as tacit:
        _load_demo_if_missing(tacit)


@app.command()
def ingest(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Threads JSONL (one thread per line)."),
    community: str = typer.Option(..., "--community", "-c", help="Community id to ingest into."),
    create: bool = typer.Option(False, help="Create the community if it does not exist."),
    batch_size: int = typer.Option(500, min=1, max=1000),
) -> None:
    """Ingest a threads JSONL file (the format of ../shared/data/threads.jsonl) and assess every answer.

    Example: tacit ingest ../shared/data/threads.jsonl --community quantum --create
    """
    with running() as tacit:
        if create:
            create_community(tacit.services, community_id=community, name=community)
        try:
            threads = list(read_threads(file))
        except ThreadsFileError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
        stored = duplicates = 0
        with Progress(console=console) as bar:
            task = bar.add_task("Storing threads", total=len(threads))
            batch: list = []
            for thread in threads:
                batch.extend(thread_messages(thread))
                if len(batch) >= batch_size:
                    result = ingest_messages(tacit.services, community_id=community, batch=batch)
                    stored, duplicates, batch = stored + result.accepted, duplicates + result.duplicates, []
                bar.advance(task)
            if batch:
                result = ingest_messages(tacit.services, community_id=community, batch=batch)
                stored, duplicates = stored + result.accepted, duplicates + result.duplicates
            _wait_for_jobs(tacit, bar)
        console.print(
            f"{len(threads)} threads: {stored} new messages, {duplicates} already stored; "
            f"jobs failed: {tacit.runner.stats.failed}"
        )


@app.command()
def reindex(
    fresh: bool = typer.Option(False, "--fresh", help="Start from an empty index even if a rebuild was interrupted."),
) -> None:
    """Rebuild the vector index from the database (the record); an interrupted rebuild continues where it stopped.

    Example: tacit reindex
    """
    # A rebuild has the cores to itself: the model may use them all (serving keeps TACIT_EMBEDDING_THREADS).
    with running(start_jobs=False, embedding_threads=0) as tacit:
        plan = guides.plan_reindex(tacit.services, fresh=fresh)
        if plan.resume:
            console.print(f"Resuming an interrupted rebuild: {plan.resumed_chunks:,} chunks already indexed.")
        console.print(f"{plan.guides:,} published guides to index.")
        columns = (*Progress.get_default_columns()[:1], MofNCompleteColumn(), TimeElapsedColumn(), _RateColumn())
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("Indexing chunks", total=None, completed=plan.resumed_chunks)
            chunks = guides.reindex(tacit.services, progress=lambda n: bar.update(task, completed=n), plan=plan)
    console.print(f"Indexed {chunks:,} chunks.")


class _RateColumn(ProgressColumn):
    """Chunks per second since the bar started (rich's own speed column shows bytes)."""

    def render(self, task: Task) -> Text:
        speed = task.speed
        return Text(f"{speed:,.0f} chunks/s" if speed else "", style="progress.data.speed")


@app.command()
def search(
    query: str,
    as_: str = typer.Option(..., "--as", help="Handle of the person searching (their communities only)."),
    community: str = typer.Option(None, "--community", "-c"),
    limit: int = typer.Option(5, min=1, max=50),
) -> None:
    """Search published guides by meaning.

    Example: tacit search "listing is slow on a big soft-deleted table" --as lena
    """
    from workflow.people import person_by_handle

    with running(start_jobs=False) as tacit:
        person = person_by_handle(tacit.services, handle=as_)
        person_id = person.id if person else None
        if person_id is None:
            console.print(f"[red]error:[/red] no person with handle {as_!r}")
            raise typer.Exit(1)
        results = guides.search(tacit.services, person_id=person_id, query=query, community_id=community, limit=limit)
        table = Table("score", "guide", "section", "text")
        for r in results:
            table.add_row(f"{r.hit.score:.3f}", r.hit.title, r.hit.section, r.hit.text[:120])
        Console().print(table)


@token_app.command("create")
def token_create(handle: str, name: str = typer.Option("", help="A label, e.g. 'laptop'.")) -> None:
    """Create an API token for a person (shown once; only its hash is stored).

    Example: tacit token create marta --name laptop
    """
    with running(start_jobs=False) as tacit:
        typer.echo(create_token(tacit.services, handle=handle, name=name))


@app.command("login-link")
def login_link(handle: str) -> None:
    """Print a one-time sign-in link for a person (works once, for TACIT_SIGN_IN_LINK_MINUTES).

    Example: tacit login-link marta
    """
    with running(start_jobs=False) as tacit:
        typer.echo(sign_in_link(tacit, handle))


def sign_in_link(tacit: Tacit, handle: str) -> str:
    from workflow.sessions import create_sign_in_link

    settings = tacit.settings
    token = create_sign_in_link(tacit.services, handle=handle, minutes=settings.sign_in_link_minutes)
    return f"{settings.public_url.rstrip('/')}/signin/link/{token}"


@community_app.command("create")
def community_create(community_id: str, name: str = typer.Option(..., help="Display name.")) -> None:
    """Create (or rename) a community.  Example: tacit community create platform --name "Platform Guild" """
    with running(start_jobs=False) as tacit:
        create_community(tacit.services, community_id=community_id, name=name)
        console.print(f"community {community_id} ready")


@person_app.command("add")
def person_add(
    handle: str,
    community: str = typer.Option(..., "--community", "-c"),
    role: Role = typer.Option(Role.MEMBER),
    name: str = typer.Option(None, help="Display name."),
    timezone: str = typer.Option(None, help="IANA time zone, e.g. Europe/Berlin."),
) -> None:
    """Add a person to a community with a role.  Example: tacit person add marta -c platform --role expert"""
    with running(start_jobs=False) as tacit:
        person = add_person(
            tacit.services, handle=handle, community_id=community, role=role, display_name=name, timezone=timezone
        )
        console.print(f"{person.handle} is {role.value} in {community}")


@person_app.command("admin")
def person_admin(handle: str, name: str = typer.Option(None, help="Display name.")) -> None:
    """Make a person a global admin (creating them if needed).  Example: tacit person admin ada"""
    from workflow.people import create_admin

    with running(start_jobs=False) as tacit:
        create_admin(tacit.services, handle=handle, display_name=name)
        console.print(f"{handle} is an admin")


@person_app.command("link-oidc")
def person_link_oidc(
    handle: str,
    subject: str = typer.Option(..., help="The identity provider's `sub` for this person."),
    issuer: str = typer.Option(None, help="Default: TACIT_OIDC_ISSUER."),
) -> None:
    """Sign an existing person in through the identity provider (matched by issuer + subject, never by name).

    Example: tacit person link-oidc marta --subject 248289761001
    """
    from workflow.people import link_oidc

    with running(start_jobs=False) as tacit:
        chosen = issuer or tacit.settings.oidc_issuer
        if not chosen:
            console.print("[red]error:[/red] give --issuer or set TACIT_OIDC_ISSUER")
            raise typer.Exit(2)
        link_oidc(tacit.services, handle=handle, issuer=chosen, subject=subject)
        console.print(f"{handle} signs in as {subject} at {chosen}")


@tandem_app.command("suggest-pairs")
def tandem_suggest_pairs(
    junior: str = typer.Argument(..., help="Handle of the junior."),
    community: str = typer.Option(..., "--community", "-c"),
    goal: list[str] = typer.Option(
        [], "--goal", "-g", help="A skill to grow in (repeat); default: their learning skills."
    ),
    limit: int = typer.Option(5, min=1, max=20),
) -> None:
    """Seniors for a junior: strong in their goals, with room for a tandem, never a senior they already had.

    Example: tacit tandem suggest-pairs lena -c platform --goal postgres
    """
    from workflow.experts import expertise_for, suggest_pairs
    from workflow.people import person_by_handle

    with running(start_jobs=False) as tacit:
        person = person_by_handle(tacit.services, handle=junior)
        person_id = person.id if person else None
        if person_id is None:
            console.print(f"[red]error:[/red] no person with handle {junior!r}")
            raise typer.Exit(1)
        kit = expertise_for(tacit.embedder, tacit.llm)
        goals, hits = suggest_pairs(
            tacit.services, kit, person_id=person_id, community_id=community, junior=junior, goals=goal, limit=limit
        )
        table = Table("senior", "score", "why", title=f"Seniors for {junior} in {community} ({', '.join(goals)})")
        for h in hits:
            table.add_row(h.handle, f"{h.suggestion.score:.3f}", h.suggestion.explanation)
        Console().print(table)


if __name__ == "__main__":
    app()
