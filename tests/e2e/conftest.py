"""A running Tacit behind FastAPI's TestClient, on SQLite in a temp folder, with fast fakes for vectors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import lru_cache

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Tacit, build
from api.settings import Settings
from elicitor.model import Role
from privacy.model import Scanner
from privacy.scanner import build_scanner
from prompts.llm import LLM
from retrieval.edge_index import EdgeIndex
from retrieval.fakes import HashingEmbedder, InMemoryIndex
from workflow.people import add_person, create_admin, create_community, create_token
from workflow.procrastinate_runner import ProcrastinateJobRunner

COMMUNITY = "platform"


class Loop:
    """A Tacit under test, with tokens for a steward, an expert and a learner."""

    def __init__(self, tacit: Tacit, client: TestClient) -> None:
        self.tacit, self.client = tacit, client
        services = tacit.services
        create_community(services, community_id=COMMUNITY, name="Platform Guild")
        create_community(services, community_id="secret-rnd", name="Confidential R&D")
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        for handle, role, community in [
            ("priya", Role.STEWARD, COMMUNITY),
            ("marta", Role.EXPERT, COMMUNITY),
            ("lena", Role.MEMBER, COMMUNITY),
            ("otto", Role.STEWARD, "secret-rnd"),
        ]:
            self.ids[handle] = add_person(services, handle=handle, community_id=community, role=role).id
            self.tokens[handle] = create_token(services, handle=handle)
        self.ids["ada"] = create_admin(services, handle="ada").id
        self.tokens["ada"] = create_token(services, handle="ada")

    def as_(self, handle: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[handle]}"}

    def settle(self) -> None:
        runner = self.tacit.runner
        if isinstance(runner, ProcrastinateJobRunner):
            while runner.pending():  # a job can queue the next one (reply -> synthesize)
                runner.run_worker(wait=False)
            assert runner.failed() == 0
            return
        assert runner.wait_idle(timeout=120), "background jobs did not finish"
        assert runner.stats.failed == 0, runner.stats.last_error


@lru_cache(maxsize=1)
def shared_scanner() -> Scanner:
    """The real scanner, loaded once for the whole run (its models take a moment to load)."""
    return build_scanner(person_names=False)


def now_iso(minutes_ago: int = 0) -> str:
    from datetime import timedelta

    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway schema on the local PostgreSQL (skips when it is not reachable)."""
    import uuid

    from sqlalchemy import create_engine, text

    from tests.integration.conftest import POSTGRES_URL, _postgres_reachable

    if not _postgres_reachable():
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    schema = f"tacit_e2e_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"  # procrastinate's tables land there too
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None for the default SQLite file, else a PostgreSQL URL: run a test on both databases."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def make_loop(tmp_settings: Settings) -> Iterator[Callable[..., Loop]]:
    made: list[tuple[Tacit, TestClient]] = []

    def make(
        llm: LLM | None = None, http_client: httpx.Client | None = None, edge_index: bool = False, **overrides: object
    ) -> Loop:
        """`edge_index`: the real embedded index in the data folder (its files on disk), else the in-memory fake."""
        settings = tmp_settings.model_copy(update=overrides)
        embedder = HashingEmbedder()
        index = EdgeIndex(settings.data_dir / "vectors", embedder.dimension) if edge_index else InMemoryIndex()
        tacit = build(
            settings,
            embedder=embedder,
            index=index,
            llm=llm,
            http_client=http_client,
            scanner=shared_scanner(),
        )
        client = TestClient(create_app(tacit))
        client.__enter__()
        made.append((tacit, client))
        return Loop(tacit, client)

    yield make
    for _, client in made:
        client.__exit__(None, None, None)
