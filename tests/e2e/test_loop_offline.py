"""The whole loop through the HTTP API on the embedded defaults with the offline engines."""

from __future__ import annotations

from tests.e2e.conftest import COMMUNITY, now_iso

QUESTION = (
    "Listing tenants takes 4 seconds on the accounts table (40M rows, soft-deleted with deleted_at). "
    "How do I make it fast?"
)
TERSE = "Use a partial index on (tenant_id) where deleted_at is null. A plain btree on tenant_id won't scale."
REPLY = (
    "Because almost all rows are soft-deleted, a plain btree indexes every dead row and the planner still scans "
    "them. The partial index only holds live rows, so it stays small and hot in cache. Create it with CREATE INDEX "
    "CONCURRENTLY so writes are not blocked. If most rows are live, a plain index is fine instead. Watch out: the "
    "query must repeat the same WHERE deleted_at IS NULL predicate, or the planner will not use the index."
)


def thread_messages() -> list[dict]:
    return [
        {
            "external_id": "m1",
            "thread": "t1",
            "thread_title": "Slow tenant listing",
            "author": "lena",
            "text": QUESTION,
            "created_at": now_iso(30),
        },
        {
            "external_id": "m2",
            "thread": "t1",
            "parent": "m1",
            "author": "marta",
            "text": TERSE,
            "created_at": now_iso(20),
            "score": 5,
            "accepted": True,
        },
        {
            "external_id": "m3",
            "thread": "t1",
            "parent": "m2",
            "author": "lena",
            "text": "Thanks, will try!",
            "created_at": now_iso(10),
        },
    ]


def test_terse_answer_becomes_a_published_guide_found_in_other_words(make_loop) -> None:
    loop = make_loop()
    c = loop.client
    r = c.post(f"/v1/communities/{COMMUNITY}/messages", json={"messages": thread_messages()}, headers=loop.as_("priya"))
    assert r.status_code == 202, r.text
    assert r.json()["accepted"] == 3
    loop.settle()

    inbox = c.get("/v1/me/nudges", headers=loop.as_("marta")).json()
    assert len(inbox) == 1
    nudge = inbox[0]
    assert nudge["your_answer"] == TERSE and nudge["question"].endswith("?")
    assert "partial index" in nudge["question"].lower()
    assert c.get("/v1/me/nudges", headers=loop.as_("lena")).json() == []  # nudges are private

    r = c.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": REPLY}, headers=loop.as_("marta"))
    assert r.status_code == 200 and r.json()["status"] == "answered"
    loop.settle()

    drafts = c.get("/v1/me/guides", headers=loop.as_("marta")).json()
    assert len(drafts) == 1
    draft = drafts[0]
    assert draft["status"] == "draft"
    assert "CONCURRENTLY" in draft["markdown"] and "## Sources" in draft["markdown"]
    source_ids = {s["id"] for s in draft["content"]["sources"]}
    for sentences in draft["content"]["sections"].values():
        assert all(set(s["citations"]) <= source_ids for s in sentences)

    # Nothing is searchable before the expert approves.
    hits = c.get("/v1/search", params={"q": "tenant listing slow with soft-deleted rows"}, headers=loop.as_("lena"))
    assert hits.json()["results"] == []

    r = c.post(f"/v1/guides/{draft['id']}/approve", headers=loop.as_("marta"))
    assert r.status_code == 200 and r.json()["status"] == "published"
    loop.settle()

    hits = c.get(
        "/v1/search", params={"q": "speed up listing when most rows are soft deleted"}, headers=loop.as_("lena")
    ).json()["results"]
    assert hits and hits[0]["guide_id"] == draft["id"]
    assert hits[0]["citations"], "a hit shows the messages it rests on"
    # Another community's member never sees it.
    assert c.get("/v1/search", params={"q": "partial index"}, headers=loop.as_("otto")).json()["results"] == []


def test_duplicate_messages_are_stored_once(make_loop) -> None:
    loop = make_loop()
    body = {"messages": thread_messages()}
    first = loop.client.post(f"/v1/communities/{COMMUNITY}/messages", json=body, headers=loop.as_("priya")).json()
    again = loop.client.post(f"/v1/communities/{COMMUNITY}/messages", json=body, headers=loop.as_("priya")).json()
    loop.settle()
    assert (first["accepted"], again["accepted"], again["duplicates"]) == (3, 0, 3)
    assert loop.client.get("/healthz").json()["messages"] == 3
    assert len(loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()) == 1  # never twice


def test_second_round_only_when_the_key_gap_stays_open(make_loop) -> None:
    loop = make_loop()
    loop.client.post(
        f"/v1/communities/{COMMUNITY}/messages", json={"messages": thread_messages()}, headers=loop.as_("priya")
    )
    loop.settle()
    nudge = loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
    loop.client.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": "It is faster."}, headers=loop.as_("marta"))
    loop.settle()
    inbox = loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()
    assert [n["round"] for n in inbox] == [2]
    assert inbox[0]["gap"] == nudge["gap"]
    loop.client.post(
        f"/v1/nudges/{inbox[0]['id']}/reply", json={"text": "It is much faster."}, headers=loop.as_("marta")
    )
    loop.settle()
    assert loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json() == []  # at most one extra round
    assert len(loop.client.get("/v1/me/guides", headers=loop.as_("marta")).json()) == 1
