"""Assessment in batches (issue 16, item 7): a batch's reads and writes do not grow with its size, and a batch
assessed through the API on SQLite and PostgreSQL stores one verdict per message and one nudge per terse answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from store.records import IncomingMessage
from tests.e2e.conftest import COMMUNITY, Loop, now_iso
from tests.e2e.test_loop_offline import QUESTION, TERSE
from workflow.assess import assess_messages
from workflow.ingest import ingest_messages


def _batch(n: int, run: str) -> list[IncomingMessage]:
    at = datetime.now(UTC) - timedelta(hours=1)
    out = []
    for i in range(n):
        thread = f"{run}-t{i}"
        out.append(IncomingMessage(f"{thread}-q", thread, "lena", QUESTION, at, thread_title=f"Slow listing {i}"))
        out.append(
            IncomingMessage(
                f"{thread}-a", thread, "marta", TERSE, at + timedelta(minutes=5), parent=f"{thread}-q", accepted=True
            )
        )
    return out


def _statements_to_assess(loop: Loop, n: int, run: str) -> int:
    services = loop.tacit.services
    ids = ingest_messages(services, community_id=COMMUNITY, batch=_batch(n, run)).new_message_ids
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    assert services.db is not None
    event.listen(services.db.engine, "before_cursor_execute", listen)
    try:
        verdicts = assess_messages(services, message_ids=ids)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", listen)
    assert len(verdicts) == 2 * n
    return len(statements)


def test_a_batch_costs_the_same_statements_whatever_its_size(database_url: str | None, make_loop) -> None:
    loop = make_loop(database_url=database_url, nudges_per_week=1000, quiet_hours="")
    loop.tacit.runner.stop()  # the batch is assessed here, by hand; the queued jobs find it done
    small, large = _statements_to_assess(loop, 5, "small"), _statements_to_assess(loop, 40, "large")
    assert large == small, (small, large)  # reads, screening, verdicts and nudges: a few statements per batch
    assert small < 40, small


def test_a_batch_through_the_api_judges_each_message_once(database_url: str | None, make_loop) -> None:
    loop = make_loop(database_url=database_url, nudges_per_week=1000, quiet_hours="")
    messages = [
        m
        for i in range(30)
        for m in (
            {"external_id": f"q{i}", "thread": f"t{i}", "author": "lena", "text": QUESTION, "created_at": now_iso(60)},
            {
                "external_id": f"a{i}",
                "thread": f"t{i}",
                "parent": f"q{i}",
                "author": "marta",
                "text": TERSE,
                "accepted": True,
                "created_at": now_iso(50),
            },
        )
    ]
    r = loop.client.post(
        f"/v1/communities/{COMMUNITY}/messages", json={"messages": messages}, headers=loop.as_("priya")
    )
    assert r.status_code == 202, r.text
    loop.settle()
    rows = loop.client.get(
        f"/v1/communities/{COMMUNITY}/assessments", params={"limit": 1000}, headers=loop.as_("priya")
    ).json()
    assert len(rows) == 60 and len({row["message_id"] for row in rows}) == 60
    assert sum(row["outcome"] == "nudged" for row in rows) == 30
    assert len(loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()) == 30
