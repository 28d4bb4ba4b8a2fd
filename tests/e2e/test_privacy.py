"""Personal data and secrets are redacted (or held for a steward) before any assessment, prompt, guide or index."""

from __future__ import annotations

from tests.e2e.conftest import COMMUNITY, Loop
from tests.e2e.test_loop_offline import REPLY, thread_messages

URL = f"/v1/communities/{COMMUNITY}/messages"
EMAIL, KEY = "marta.kowalska@example.com", "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


def with_pii() -> list[dict]:
    messages = thread_messages()
    messages[1] = {**messages[1], "text": messages[1]["text"] + f" Ping me at {EMAIL} if it does not help."}
    return messages


def nudges(loop: Loop) -> list[dict]:
    return loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()


def test_redact_policy_removes_personal_data_before_it_is_used(make_loop) -> None:
    loop = make_loop()
    loop.client.post(URL, json={"messages": with_pii()}, headers=loop.as_("priya"))
    loop.settle()
    [nudge] = nudges(loop)
    assert EMAIL not in nudge["your_answer"] and "[EMAIL]" in nudge["your_answer"]
    reply = REPLY + f" The staging token {KEY} has read access if you want to try."
    loop.client.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": reply}, headers=loop.as_("marta"))
    loop.settle()
    draft = loop.client.get("/v1/me/guides", headers=loop.as_("marta")).json()[0]
    assert EMAIL not in str(draft) and KEY not in str(draft)
    assert (
        KEY not in str(nudges(loop))
        and KEY not in loop.client.get("/v1/me/nudges", params={"include_closed": True}, headers=loop.as_("marta")).text
    )


def test_hold_policy_keeps_a_message_out_until_a_steward_releases_it(make_loop) -> None:
    loop = make_loop()
    c = loop.client
    assert (
        c.patch(f"/v1/communities/{COMMUNITY}", json={"pii_policy": "hold"}, headers=loop.as_("priya")).status_code
        == 200
    )
    c.post(URL, json={"messages": with_pii()}, headers=loop.as_("priya"))
    loop.settle()
    assert nudges(loop) == [], "a held message is not assessed"
    held = c.get(f"/v1/communities/{COMMUNITY}/held", headers=loop.as_("priya")).json()
    assert len(held) == 1 and held[0]["kinds"] == ["EMAIL"] and EMAIL in held[0]["text"]
    assert c.get(f"/v1/communities/{COMMUNITY}/held", headers=loop.as_("lena")).status_code == 403
    r = c.post(f"/v1/communities/{COMMUNITY}/held/{held[0]['message_id']}/release", headers=loop.as_("priya"))
    assert r.status_code == 204
    loop.settle()
    [nudge] = nudges(loop)
    assert "[EMAIL]" in nudge["your_answer"] and EMAIL not in nudge["your_answer"]
    assert c.get(f"/v1/communities/{COMMUNITY}/held", headers=loop.as_("priya")).json() == []
    again = c.post(f"/v1/communities/{COMMUNITY}/held/{held[0]['message_id']}/release", headers=loop.as_("priya"))
    assert again.status_code == 409
    actions = [e["action"] for e in c.get(f"/v1/audit?community={COMMUNITY}", headers=loop.as_("priya")).json()]
    assert "message.released" in actions
