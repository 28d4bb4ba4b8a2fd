"""Two clicks at once (issue 14, item 2): 20 parallel clients on one nudge or one guide, on SQLite and PostgreSQL.
Exactly one transition wins, the losers get a clear 409, approve is idempotent, and no request is a 500."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.e2e.conftest import COMMUNITY, Loop
from tests.e2e.test_loop_offline import REPLY, thread_messages

CLIENTS = 20


def in_parallel(loop: Loop, call: Callable[[TestClient, int], object]) -> list:
    """Run `call` from CLIENTS threads released at the same moment, each with its own client."""
    app = loop.client.app
    barrier = threading.Barrier(CLIENTS)
    results: list = [None] * CLIENTS

    def run(n: int) -> None:
        client = TestClient(app)
        barrier.wait()
        results[n] = call(client, n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def nudged(loop: Loop) -> dict:
    loop.client.post(
        f"/v1/communities/{COMMUNITY}/messages", json={"messages": thread_messages()}, headers=loop.as_("priya")
    )
    loop.settle()
    return loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]


def test_parallel_replies_and_declines_on_one_nudge(database_url: str | None, make_loop) -> None:
    loop = make_loop(database_url=database_url, rate_limit_writes="100000/minute")
    nudge = nudged(loop)
    marta = loop.as_("marta")

    def act(client: TestClient, n: int) -> tuple[str, int, str]:
        action = "reply" if n % 2 == 0 else "decline"
        body = {"text": f"{REPLY} ({n})"} if action == "reply" else None
        r = client.post(f"/v1/nudges/{nudge['id']}/{action}", json=body, headers=marta)
        return action, r.status_code, r.text

    results = in_parallel(loop, act)
    statuses = Counter(status for _, status, _ in results)
    assert statuses[200] == 1 and statuses[409] == CLIENTS - 1, results
    loser = next(text for _, status, text in results if status == 409)
    assert "nudge" in loser and "detail" in loser
    loop.settle()
    winner = next(action for action, status, _ in results if status == 200)
    history = loop.client.get("/v1/me/nudges", params={"include_closed": True}, headers=marta).json()
    final = next(n for n in history if n["id"] == nudge["id"])
    drafts = loop.client.get("/v1/me/guides", headers=marta).json()
    if winner == "reply":
        assert final["status"] == "answered" and final["reply"] and len(drafts) == 1
    else:
        assert final["status"] == "declined" and final["reply"] is None and drafts == []


def test_parallel_approvals_and_edits_of_one_guide(database_url: str | None, make_loop) -> None:
    loop = make_loop(database_url=database_url, rate_limit_writes="100000/minute")
    nudge = nudged(loop)
    marta = loop.as_("marta")
    loop.client.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": REPLY}, headers=marta)
    loop.settle()
    draft = loop.client.get("/v1/me/guides", headers=marta).json()[0]
    source = draft["content"]["sources"][-1]["id"]

    def edit(client: TestClient, n: int) -> int:
        body = {"title": f"Version {n}", "sections": {"summary": [{"text": "Index live rows.", "citations": [source]}]}}
        return client.put(f"/v1/guides/{draft['id']}", json=body, headers=marta).status_code

    edits = Counter(in_parallel(loop, edit))
    assert set(edits) <= {200, 409} and edits[200] >= 1, edits
    guide = loop.client.get(f"/v1/guides/{draft['id']}", headers=marta).json()
    assert guide["version"] == draft["version"] + edits[200], "each winning edit is one version, none lost or doubled"

    def approve(client: TestClient, n: int) -> int:
        return client.post(f"/v1/guides/{draft['id']}/approve", headers=marta).status_code

    approvals = Counter(in_parallel(loop, approve))
    assert approvals == {200: CLIENTS}, "approving twice is approving once"
    loop.settle()
    published = loop.client.get(f"/v1/guides/{draft['id']}", headers=loop.as_("lena")).json()
    assert published["status"] == "published" and published["version"] == guide["version"]
