"""Bad input gets a clear 4xx with a message a person can act on, and loses nothing already stored."""

from __future__ import annotations

from tests.e2e.conftest import COMMUNITY
from tests.e2e.test_loop_offline import REPLY, thread_messages

URL = f"/v1/communities/{COMMUNITY}/messages"


def messages_stored(loop) -> int:
    return loop.client.get("/healthz").json()["messages"]


def first_msg(response) -> str:
    return response.json()["detail"][0]["msg"]


def ingest_thread(loop) -> dict:
    loop.client.post(URL, json={"messages": thread_messages()}, headers=loop.as_("priya"))
    loop.settle()
    return loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]


def test_malformed_json_is_400_and_stores_nothing(make_loop) -> None:
    loop = make_loop()
    r = loop.client.post(
        URL, content=b'{"messages": [', headers={**loop.as_("priya"), "content-type": "application/json"}
    )
    assert r.status_code == 400 and "not valid JSON" in first_msg(r)
    assert messages_stored(loop) == 0


def test_unknown_community_is_404(make_loop) -> None:
    loop = make_loop()
    r = loop.client.post("/v1/communities/nope/messages", json=thread_messages()[0], headers=loop.as_("priya"))
    assert r.status_code == 404 and "nope" in first_msg(r)


def test_missing_fields_are_named(make_loop) -> None:
    loop = make_loop()
    r = loop.client.post(URL, json={"messages": [{"external_id": "x", "thread": "t"}]}, headers=loop.as_("priya"))
    assert r.status_code == 422
    named = " ".join(d["msg"] for d in r.json()["detail"])
    assert "author" in named and "text" in named


def test_text_over_the_limit_is_rejected_and_the_batch_stores_nothing(make_loop) -> None:
    loop = make_loop(max_message_chars=100)
    batch = thread_messages()
    batch[1] = {**batch[1], "text": "x" * 101}
    r = loop.client.post(URL, json={"messages": batch}, headers=loop.as_("priya"))
    assert r.status_code == 422 and "limit is 100" in first_msg(r)
    assert messages_stored(loop) == 0


def test_no_token_is_401_and_a_non_steward_cannot_ingest(make_loop) -> None:
    loop = make_loop()
    assert loop.client.post(URL, json=thread_messages()[0]).status_code == 401
    assert loop.client.get("/v1/me", headers={"Authorization": "Bearer tct_wrong"}).status_code == 401
    r = loop.client.post(URL, json=thread_messages()[0], headers=loop.as_("lena"))
    assert r.status_code == 403 and messages_stored(loop) == 0


def test_reply_to_someone_elses_nudge_is_403(make_loop) -> None:
    loop = make_loop()
    nudge = ingest_thread(loop)
    r = loop.client.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": REPLY}, headers=loop.as_("lena"))
    assert r.status_code == 403 and "someone else" in first_msg(r)


def test_reply_to_a_closed_nudge_is_409_and_keeps_the_first_reply(make_loop) -> None:
    loop = make_loop()
    nudge = ingest_thread(loop)
    ok = loop.client.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": REPLY}, headers=loop.as_("marta"))
    again = loop.client.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": "other"}, headers=loop.as_("marta"))
    loop.settle()
    assert ok.status_code == 200 and again.status_code == 409 and "already answered" in first_msg(again)
    history = loop.client.get("/v1/me/nudges", params={"include_closed": True}, headers=loop.as_("marta")).json()
    assert [n["reply"] for n in history if n["id"] == nudge["id"]] == [REPLY]


def test_decline_and_snooze(make_loop) -> None:
    loop = make_loop()
    nudge = ingest_thread(loop)
    r = loop.client.post(f"/v1/nudges/{nudge['id']}/snooze", json={"hours": 2}, headers=loop.as_("marta"))
    assert r.status_code == 200 and r.json()["status"] == "snoozed"
    assert loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json() == []  # hidden while snoozed
    bad = loop.client.post(f"/v1/nudges/{nudge['id']}/snooze", json={"hours": -1}, headers=loop.as_("marta"))
    assert bad.status_code == 422
    r = loop.client.post(f"/v1/nudges/{nudge['id']}/decline", headers=loop.as_("marta"))
    assert r.status_code == 200 and r.json()["status"] == "declined"


def test_opted_out_expert_is_not_nudged(make_loop) -> None:
    loop = make_loop()
    r = loop.client.patch("/v1/me/preferences", json={"opted_out": True}, headers=loop.as_("marta"))
    assert r.status_code == 200 and r.json()["opted_out"] is True
    bad = loop.client.patch("/v1/me/preferences", json={"timezone": "Mars/Base"}, headers=loop.as_("marta"))
    assert bad.status_code == 422 and "time zone" in first_msg(bad)
    loop.client.post(URL, json={"messages": thread_messages()}, headers=loop.as_("priya"))
    loop.settle()
    assert loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json() == []
    explained = loop.client.get(
        f"/v1/communities/{COMMUNITY}/assessments", params={"candidates_only": True}, headers=loop.as_("priya")
    ).json()
    assert explained and "opted out" in explained[0]["outcome"]


def test_edit_must_cite_real_sources(make_loop) -> None:
    loop = make_loop()
    nudge = ingest_thread(loop)
    loop.client.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": REPLY}, headers=loop.as_("marta"))
    loop.settle()
    draft = loop.client.get("/v1/me/guides", headers=loop.as_("marta")).json()[0]
    source = draft["content"]["sources"][-1]["id"]
    bad = {"title": "T", "sections": {"summary": [{"text": "Made up.", "citations": ["nope"]}]}}
    r = loop.client.put(f"/v1/guides/{draft['id']}", json=bad, headers=loop.as_("marta"))
    assert r.status_code == 422 and "unknown source" in first_msg(r)
    good = {
        "title": "Partial indexes for soft-deleted tables",
        "sections": {"summary": [{"text": "Index only the live rows.", "citations": [source]}]},
    }
    r = loop.client.put(f"/v1/guides/{draft['id']}", json=good, headers=loop.as_("marta"))
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["engine"] == "edit"
    # Someone else's draft is not theirs to know of: 404, not 403.
    assert loop.client.put(f"/v1/guides/{draft['id']}", json=good, headers=loop.as_("lena")).status_code == 404


def test_oversized_body_is_413_before_any_work(make_loop) -> None:
    loop = make_loop(max_body_bytes=2000)
    body = {"messages": [{**m, "text": "y" * 900} for m in thread_messages()]}
    r = loop.client.post(URL, json=body, headers=loop.as_("priya"))
    assert r.status_code == 413 and "2000 bytes" in first_msg(r)
    assert messages_stored(loop) == 0


def test_writes_are_rate_limited_per_token(make_loop) -> None:
    loop = make_loop(rate_limit_writes="3/minute")
    statuses = [
        loop.client.post(
            URL, json={**thread_messages()[0], "external_id": f"x{i}"}, headers=loop.as_("priya")
        ).status_code
        for i in range(4)
    ]
    assert statuses == [202, 202, 202, 429]
    limited = loop.client.post(URL, json=thread_messages()[0], headers=loop.as_("priya"))
    assert limited.headers["retry-after"].isdigit()
    assert loop.client.get("/v1/me", headers=loop.as_("priya")).status_code == 200, "reads are not limited"
    assert loop.client.post("/v1/me/tokens", json={}, headers=loop.as_("lena")).status_code == 201, "per token"
