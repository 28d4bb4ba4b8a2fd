"""The one composition root: chooses and builds every adapter from Settings. Nothing connects at import time."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.settings import Settings
from connectors.model import Channel
from elicitor.detect import TerseDetector
from elicitor.followup import TemplateFollowUpWriter
from elicitor.ports import Detector, FollowUpWriter
from privacy.model import Scanner
from prompts.llm import LLM
from retrieval.chunking import Windowing
from retrieval.ports import Embedder, VectorIndex
from retrieval.search import GuideSearch
from store.db import Database
from synthesizer.offline import ExtractiveGuideWriter
from synthesizer.ports import GuideWriter
from workflow.job_types import Job
from workflow.jobs import InProcessJobRunner, ManagedJobRunner
from workflow.lti import LtiTool
from workflow.recovery import reconcile
from workflow.registry import job_handlers
from workflow.services import NudgeDefaults, Services, XapiOut

log = logging.getLogger("tacit.bootstrap")


RECOVERY_EVERY_S = 300


@dataclass
class Tacit:
    """Everything a running Tacit holds: settings, services, and the job runner to start and stop."""

    settings: Settings
    services: Services
    runner: ManagedJobRunner
    embedder: Embedder
    index: VectorIndex
    llm: LLM | None = None  # the LLM gateway when configured (the tandem partner answers with it)
    lti: LtiTool | None = None  # Tacit as an LTI 1.3 tool

    def start(self) -> None:
        """Start the jobs, then queue what an interrupted run acknowledged but never did (kill -9 included)."""
        self.runner.start()
        recover(self.runner, self.services)

    def warm_up(self) -> threading.Thread:
        """Load the embedding model and the PII scanner in the background: neither first search nor first job waits."""
        thread = threading.Thread(target=self._load_engines, name="tacit-warm-up", daemon=True)
        thread.start()
        return thread

    def _load_engines(self) -> None:
        self.embedder.embed(["warm up"], "query")
        if self.services.scanner is not None:
            self.services.scanner.scan("warm up: mail someone@example.org")

    def stop(self) -> None:
        self.runner.stop()
        if self.services.db is not None:
            self.services.db.dispose()
        close = getattr(self.index, "close", None)
        if callable(close):
            close()


def build(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    index: VectorIndex | None = None,
    llm: LLM | None = None,
    http_client: httpx.Client | None = None,
    scanner: Scanner | None = None,
    migrate: bool = True,
) -> Tacit:
    """Build Tacit from settings; tests pass small fakes for the embedder, index or LLM."""
    db = Database(settings.resolved_database_url())
    if migrate:
        db.migrate()
    llm = llm or _llm(settings, http_client)
    embedder = embedder or _embedder(settings)
    followups, guides, engine = _engines(settings, llm, embedder)
    # The embedded index is one process per folder: with it, queued jobs run in this process (one writer).
    embedded_index = index is None and not settings.qdrant_url
    index = index or _index(settings, embedder)
    search = GuideSearch(embedder, index, windowing=search_windowing(settings))
    runner = _runner(settings, run_here=embedded_index)
    services = Services(
        db=db,
        detector=_detector(settings, llm),
        followups=followups,
        guides=guides,
        search=search,
        runner=runner,
        nudge_defaults=NudgeDefaults(settings.nudges_per_week, settings.quiet_hours, settings.nudge_max_age_days),
        terse_threshold=settings.terse_threshold,
        cold_start_labels=settings.cold_start_labels,
        engine_name=engine,
        max_message_chars=settings.max_message_chars,
        max_batch_messages=settings.max_batch_messages,
        scanner=scanner or _scanner(settings),
        channels=_channels(settings),
        guide_reaction=settings.slack_guide_reaction,
        public_url=settings.public_url.rstrip("/"),
        xapi=_xapi(settings),
    )
    for name, handler in job_handlers(services, llm).items():
        runner.register(name, handler)

    def sweep(_: dict[str, str]) -> None:
        recover(runner, services)

    runner.register("recover", sweep)
    if isinstance(runner, InProcessJobRunner):
        # procrastinate: every API and worker start recovers (its periodic deferrer needs an async connector)
        runner.every(RECOVERY_EVERY_S, "recover")
    if services.channels:
        runner.every(60, Job.DELIVER_DUE_NUDGES)  # nudges whose quiet hours ended, deliveries to retry
    if services.xapi:
        runner.every(settings.xapi_interval_s, Job.XAPI_SEND)
    log.info(
        "built database=%s vectors=%s engine=%s",
        db.engine.url.render_as_string(hide_password=True),
        "qdrant-server" if settings.qdrant_url else "qdrant-edge",
        engine,
    )
    return Tacit(settings, services, runner, embedder, index, llm, _lti(settings))


def _lti(settings: Settings) -> LtiTool:
    """Tacit's LTI key (read or created on first use, not now), the platforms' keys and Names and Roles."""
    from connectors.lti.keys import ToolKey
    from connectors.lti.nrps import NamesAndRoles
    from connectors.lti.platform import PlatformKeys

    key = ToolKey(settings.lti_private_key_file or settings.data_dir / "lti_key.pem")
    http = httpx.Client(timeout=settings.connector_timeout_s)
    public_url = settings.public_url.rstrip("/")
    return LtiTool(key, PlatformKeys(http), NamesAndRoles(http, key), public_url, settings.lti_state_max_age_s)


def _xapi(settings: Settings) -> XapiOut | None:
    """With an LRS configured: its client, the statements' vocabulary and the batch size."""
    if not settings.xapi_endpoint:
        return None
    from analytics.xapi import Vocabulary
    from connectors.xapi.client import LrsClient

    password = settings.xapi_password.get_secret_value() if settings.xapi_password else None
    http = httpx.Client(timeout=settings.connector_timeout_s)
    lrs = LrsClient(http, settings.xapi_endpoint, settings.xapi_username, password, settings.xapi_version)
    words = Vocabulary(settings.public_url.rstrip("/"), _pseudonym_key(settings))
    return XapiOut(lrs, words, settings.xapi_batch_size)


def _pseudonym_key(settings: Settings) -> bytes:
    """The setting, or a random key kept in the data folder: created once (mode 0600), the same for every worker."""
    if settings.xapi_pseudonym_key is not None and settings.xapi_pseudonym_key.get_secret_value():
        return settings.xapi_pseudonym_key.get_secret_value().encode()
    path = Path(settings.data_dir) / "xapi-pseudonym-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        with os.fdopen(os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(secrets.token_urlsafe(48))
        with contextlib.suppress(FileExistsError):
            os.link(fresh, path)  # atomic and never over an existing key: workers starting together keep one
        fresh.unlink()
    return path.read_bytes().strip()


def _llm(settings: Settings, http_client: httpx.Client | None) -> LLM | None:
    if not settings.llm_configured:
        return None
    from prompts.langchain_llm import LangChainLLM

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return LangChainLLM(
        model=settings.llm_model,
        api_key=key,
        base_url=settings.openai_base_url,
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        http_client=http_client,
    )


def _detector(settings: Settings, llm: LLM | None) -> Detector:
    offline = TerseDetector(settings.terse_threshold)
    if llm is None or not settings.llm_judge:
        return offline
    from elicitor.judge_llm import LLMJudgedDetector
    from prompts.budget import TokenBudget

    return LLMJudgedDetector(llm, offline, TokenBudget(settings.llm_prompt_token_budget), settings.llm_judge_screen)


def _engines(settings: Settings, llm: LLM | None, embedder: Embedder) -> tuple[FollowUpWriter, GuideWriter, str]:
    template, extractive = TemplateFollowUpWriter(), ExtractiveGuideWriter()
    if llm is None:
        return template, extractive, "offline"
    from elicitor.followup_llm import LLMFollowUpWriter
    from prompts.budget import TokenBudget
    from synthesizer.llm_writer import LLMGuideWriter

    budget = TokenBudget(settings.llm_prompt_token_budget)
    return LLMFollowUpWriter(llm, template, budget), LLMGuideWriter(llm, budget, extractive, embedder), "llm"


def recover(runner: ManagedJobRunner, services: Services) -> int:
    """Jobs of workers that died mid-job are retried (procrastinate's stalled-job query), then every assessment
    and draft that was acknowledged but never done is queued again (workflow.recovery)."""
    retry_stalled = getattr(runner, "retry_stalled", None)
    stalled = retry_stalled() if callable(retry_stalled) else 0
    return stalled + reconcile(services)


def _runner(settings: Settings, *, run_here: bool) -> ManagedJobRunner:
    if settings.job_runner == "inprocess":
        return InProcessJobRunner({}, workers=settings.job_workers)
    from workflow.procrastinate_runner import ProcrastinateJobRunner, conninfo_from_sqlalchemy

    url = settings.job_queue_url or settings.resolved_database_url()
    if not url.startswith("postgresql"):
        raise ValueError("TACIT_JOB_RUNNER=procrastinate needs PostgreSQL: set DATABASE_URL or TACIT_JOB_QUEUE_URL")
    return ProcrastinateJobRunner(
        conninfo_from_sqlalchemy(url),
        concurrency=settings.job_workers,
        heartbeat_s=settings.job_heartbeat_s,
        run_here=run_here,
    )


def _channels(settings: Settings) -> tuple[Channel, ...]:
    """The platforms Tacit talks back to, each only when its secrets are set."""
    from connectors.discourse.client import DiscourseClient
    from connectors.slack.client import SlackClient
    from connectors.teams.client import TeamsClient

    http = httpx.Client(timeout=settings.connector_timeout_s)
    wait = settings.connector_max_wait_s
    channels: list[Channel] = []
    if settings.slack_bot_token:
        channels.append(SlackClient(http, settings.slack_bot_token.get_secret_value(), settings.slack_api_url, wait))
    if settings.discourse_url and settings.discourse_api_key:
        channels.append(
            DiscourseClient(
                http,
                settings.discourse_url,
                settings.discourse_api_key.get_secret_value(),
                settings.discourse_api_username,
                wait,
            )
        )
    if settings.teams_incoming_webhook_url:
        channels.append(TeamsClient(http, settings.teams_incoming_webhook_url.get_secret_value(), wait))
    return tuple(channels)


def _scanner(settings: Settings) -> Scanner | None:
    if not settings.pii_scan:
        return None
    from privacy.scanner import build_scanner

    return build_scanner(person_names=settings.pii_person_names)


def _embedder(settings: Settings) -> Embedder:
    """The model behind a query batcher: concurrent searches share model calls instead of fighting for cores."""
    from retrieval.batcher import QueryBatcher
    from retrieval.embedder import SentenceTransformerEmbedder, bundled_model_path

    threads = settings.embedding_threads
    if settings.embedding_backend == "torch":
        return QueryBatcher(SentenceTransformerEmbedder(settings.embedding_model_path, threads=threads))
    from retrieval.onnx_embedder import OnnxEmbedder

    model_dir = settings.embedding_model_path or bundled_model_path()
    return QueryBatcher(OnnxEmbedder(model_dir, settings.data_dir / "models", threads=threads))


def search_windowing(settings: Settings) -> Windowing:
    """How guides are cut into chunks: windows that fit the configured model, counted by its own tokenizer."""
    from retrieval.embedder import bundled_model_path
    from retrieval.wordpieces import model_windowing

    return model_windowing(settings.embedding_model_path or bundled_model_path())


def _index(settings: Settings, embedder: Embedder | None) -> VectorIndex:
    """A Qdrant server when QDRANT_URL is set; otherwise Qdrant's embedded engine (qdrant-edge) in the data folder."""
    dimension = embedder.dimension if embedder else 384
    if settings.qdrant_url:
        from retrieval.qdrant_index import QdrantIndex, open_server

        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return QdrantIndex(open_server(settings.qdrant_url, key), settings.qdrant_collection, dimension)
    from retrieval.edge_index import EdgeIndex

    return EdgeIndex(settings.data_dir / "vectors", dimension)
