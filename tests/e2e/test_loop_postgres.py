"""The same loop on PostgreSQL (the scale path's database), when the local server is reachable."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import COMMUNITY
from tests.e2e.test_governance import published_guide, reply_and_publish, search
from tests.e2e.test_loop_offline import thread_messages
from workflow.procrastinate_runner import ProcrastinateJobRunner

pytestmark = pytest.mark.postgres
SEARCH = "listing slow when most rows are soft deleted"


def test_loop_on_postgresql(postgres_url: str, make_loop) -> None:
    loop = make_loop(database_url=postgres_url, job_workers=2)
    draft = published_guide(loop)
    assert search(loop, "lena", SEARCH)[0]["guide_id"] == draft["id"]
    assert loop.tacit.services.db.engine.dialect.name == "postgresql"


def test_loop_on_postgresql_with_the_procrastinate_queue(postgres_url: str, make_loop) -> None:
    """The scale path: jobs wait in PostgreSQL (procrastinate) and a worker runs them."""
    loop = make_loop(database_url=postgres_url, job_runner="procrastinate")
    runner = loop.tacit.runner
    assert isinstance(runner, ProcrastinateJobRunner)
    c = loop.client
    c.post(f"/v1/communities/{COMMUNITY}/messages", json={"messages": thread_messages()}, headers=loop.as_("priya"))
    assert runner.pending() == 1, "the API only queues (one job for the batch); workers do the work"
    c.post(f"/v1/communities/{COMMUNITY}/messages", json={"messages": thread_messages()}, headers=loop.as_("priya"))
    assert runner.pending() == 1, "duplicates queue nothing"
    loop.settle()
    draft = reply_and_publish(loop)
    assert search(loop, "lena", SEARCH)[0]["guide_id"] == draft["id"]
