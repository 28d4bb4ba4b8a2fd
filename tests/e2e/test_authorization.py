"""Authorization at the time of the act (issue 14, items 1, 9 and 10): ownership is not enough, removal sticks,
and admins do not govern confidential communities."""

from __future__ import annotations

from tests.e2e.conftest import COMMUNITY, Loop
from tests.e2e.test_governance import published_guide
from tests.e2e.test_loop_offline import REPLY, thread_messages

URL = f"/v1/communities/{COMMUNITY}/messages"


def remove(loop: Loop, handle: str) -> None:
    r = loop.client.delete(f"/v1/communities/{COMMUNITY}/members/{handle}", headers=loop.as_("priya"))
    assert r.status_code == 204, r.text


def test_a_removed_expert_loses_their_inbox_nudges_drafts_and_guides_at_once(make_loop) -> None:
    loop = make_loop()
    c, marta = loop.client, loop.as_("marta")
    guide = published_guide(loop)  # marta's published guide
    more = [{**m, "external_id": f"b-{m['external_id']}", "thread": "t2"} for m in thread_messages()]
    for m in more:
        m["parent"] = f"b-{m['parent']}" if m.get("parent") else None
    c.post(URL, json={"messages": more}, headers=loop.as_("priya"))
    loop.settle()
    nudge = c.get("/v1/me/nudges", headers=marta).json()[0]
    remove(loop, "marta")
    assert c.get("/v1/me/nudges", headers=marta).json() == []
    assert c.get("/v1/me/nudges?include_closed=true", headers=marta).json() == []
    for action, body in (("reply", {"text": REPLY}), ("decline", None), ("snooze", {"hours": 2})):
        r = c.post(f"/v1/nudges/{nudge['id']}/{action}", json=body, headers=marta)
        assert r.status_code == 404, (action, r.text)
    assert c.get("/v1/me/guides", headers=marta).json() == []
    edit = {"title": "Mine", "sections": {"summary": [{"text": "x", "citations": ["y"]}]}}
    for method, path, body in (
        ("get", f"/v1/guides/{guide['id']}", None),
        ("get", f"/v1/guides/{guide['id']}/markdown", None),
        ("put", f"/v1/guides/{guide['id']}", edit),
        ("post", f"/v1/guides/{guide['id']}/approve", None),
        ("post", f"/v1/guides/{guide['id']}/reject", None),
    ):
        kwargs = {"json": body} if body is not None else {}
        assert getattr(c, method)(path, headers=marta, **kwargs).status_code == 404, (method, path)
    assert c.get(f"/v1/guides/{guide['id']}", headers=loop.as_("lena")).json()["status"] == "published", "untouched"


def test_a_reply_drafts_nothing_once_its_expert_was_removed(make_loop, monkeypatch) -> None:
    from workflow.guides import synthesize_guide
    from workflow.nudges import handle_reply

    loop = make_loop()
    c, services = loop.client, loop.tacit.services
    c.post(URL, json={"messages": thread_messages()}, headers=loop.as_("priya"))
    loop.settle()
    nudge = c.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
    queued: list[str] = []
    monkeypatch.setattr(loop.tacit.runner, "enqueue", lambda job, key, payload: queued.append(job))
    assert c.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": REPLY}, headers=loop.as_("marta")).status_code == 200
    remove(loop, "marta")  # while the reply's job waits in the queue
    handle_reply(services, nudge_id=nudge["id"])
    assert "synthesize_guide" not in queued, "no draft is queued for a removed expert"
    assert synthesize_guide(services, thread_id=nudge["thread_id"], reviewer_id=loop.ids["marta"]) is None
    assert c.get("/healthz").json()["guides"] == 0, "no draft from the community's thread"


def test_removal_sticks_when_the_removed_person_posts_again(make_loop) -> None:
    loop = make_loop()
    c, lena = loop.client, loop.as_("lena")
    remove(loop, "lena")
    before = c.get("/healthz").json()["messages"]
    new = {"external_id": "after", "thread": "t9", "author": "lena", "text": "I am still here, what about indexes?"}
    assert c.post(URL, json=new, headers=loop.as_("priya")).status_code == 202
    loop.settle()
    assert c.get("/healthz").json()["messages"] == before + 1, "the message is kept as a message"
    assert c.get("/v1/me", headers=lena).json()["communities"] == {}, "but it does not make her a member again"
    assert c.get("/v1/search", params={"q": "index", "community": COMMUNITY}, headers=lena).status_code == 404
    back = c.put(f"/v1/communities/{COMMUNITY}/members/lena", json={"role": "member"}, headers=loop.as_("priya"))
    assert back.status_code == 204 and c.get("/v1/me", headers=lena).json()["communities"] == {COMMUNITY: "member"}


def test_admins_do_not_govern_confidential_communities_nor_read_their_audit(make_loop) -> None:
    loop = make_loop()
    c, ada, otto = loop.client, loop.as_("ada"), loop.as_("otto")
    assert c.patch("/v1/communities/secret-rnd", json={"visibility": "confidential"}, headers=otto).status_code == 200
    assert c.put("/v1/communities/secret-rnd/members/lena", json={"role": "member"}, headers=otto).status_code == 204
    members = "/v1/communities/secret-rnd/members"
    assert c.put(f"{members}/otto", json={"role": "member"}, headers=ada).status_code == 403, "no demoting the steward"
    assert c.delete(f"{members}/otto", headers=ada).status_code == 403, "no removing the steward"
    assert c.delete(f"{members}/lena", headers=ada).status_code == 403, "no removing members"
    assert c.put(f"{members}/lena", json={"role": "expert"}, headers=ada).status_code == 403, "no other roles"
    assert c.put(f"{members}/ada", json={"role": "steward"}, headers=ada).status_code == 403, "never themselves"
    assert c.put(f"{members}/priya", json={"role": "steward"}, headers=ada).status_code == 204, "may appoint one"
    assert c.get("/v1/me", headers=loop.as_("otto")).json()["communities"] == {"secret-rnd": "steward"}
    assert (
        c.patch(f"/v1/communities/{COMMUNITY}", json={"name": "Platform"}, headers=loop.as_("priya")).status_code == 200
    )
    events = c.get("/v1/audit", headers=ada).json()
    assert events and all(e["community_id"] != "secret-rnd" for e in events)
    own = c.get("/v1/audit", params={"community": "secret-rnd"}, headers=otto).json()
    assert any(e["action"] == "member.role_set" for e in own), "its stewards still read it"
