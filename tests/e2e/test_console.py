"""The steward console's JSON twins and rules: assessment marks as labels, who may erase, the audit per community."""

from __future__ import annotations

from tests.e2e.conftest import COMMUNITY
from tests.e2e.test_loop_offline import thread_messages

URL = f"/v1/communities/{COMMUNITY}"


def test_a_steward_marks_assessments_and_the_mark_is_kept_as_a_label(make_loop) -> None:
    loop = make_loop()
    c = loop.client
    assert c.post(f"{URL}/messages", json={"messages": thread_messages()}, headers=loop.as_("priya")).status_code == 202
    loop.settle()
    rows = c.get(f"{URL}/assessments", headers=loop.as_("priya")).json()
    assert rows and all(r["should_nudge"] is None for r in rows)
    target = rows[0]["message_id"]
    mark = f"{URL}/assessments/{target}/mark"
    assert c.put(mark, json={"should_nudge": False}, headers=loop.as_("priya")).status_code == 204
    assert c.put(mark, json={"should_nudge": True}, headers=loop.as_("priya")).status_code == 204  # latest wins
    marked = {r["message_id"]: r["should_nudge"] for r in c.get(f"{URL}/assessments", headers=loop.as_("priya")).json()}
    assert marked[target] is True
    # Members, other communities' stewards and unknown messages get nothing stored.
    assert c.put(mark, json={"should_nudge": False}, headers=loop.as_("marta")).status_code == 403
    # A steward of another community may not learn this restricted one exists (issue 14): 404, not 403.
    assert c.put(mark, json={"should_nudge": False}, headers=loop.as_("otto")).status_code == 404
    assert (
        c.put(f"{URL}/assessments/nope/mark", json={"should_nudge": True}, headers=loop.as_("priya")).status_code == 404
    )
    assert c.put(mark, json={"should_nudge": "maybe"}, headers=loop.as_("priya")).status_code == 422
    assert c.put(mark, json={"should_nudge": None}, headers=loop.as_("priya")).status_code == 204
    cleared = {
        r["message_id"]: r["should_nudge"] for r in c.get(f"{URL}/assessments", headers=loop.as_("priya")).json()
    }
    assert cleared[target] is None


def test_a_steward_erases_only_people_who_belong_to_communities_they_govern(make_loop) -> None:
    from elicitor.model import Role
    from workflow.people import add_person

    loop = make_loop()
    c, services = loop.client, loop.tacit.services
    both = add_person(services, handle="bo", community_id=COMMUNITY, role=Role.MEMBER).id
    add_person(services, handle="bo", community_id="secret-rnd", role=Role.MEMBER)
    assert c.delete(f"/v1/people/{both}?mode=erase", headers=loop.as_("priya")).status_code == 403  # also in R&D
    lena = loop.ids["lena"]
    assert c.delete(f"/v1/people/{lena}?mode=erase", headers=loop.as_("marta")).status_code == 403  # not a steward
    assert c.delete(f"/v1/people/{lena}?mode=erase", headers=loop.as_("priya")).status_code == 200
    audit = c.get("/v1/audit", params={"community": COMMUNITY}, headers=loop.as_("priya")).json()
    erased = [e for e in audit if e["action"] == "person.erased"]
    assert [e["target_id"] for e in erased] == [lena] and erased[0]["actor_id"] == loop.ids["priya"]
    assert all(
        e["action"] != "person.erased"
        for e in c.get("/v1/audit", params={"community": "secret-rnd"}, headers=loop.as_("otto")).json()
    )


def test_missed_searches_are_listed_for_stewards(make_loop) -> None:
    loop = make_loop()
    c = loop.client
    assert (
        c.get("/v1/search", params={"q": "rotating the espresso machine"}, headers=loop.as_("lena")).status_code == 200
    )
    missed = c.get(f"{URL}/missed-searches", headers=loop.as_("priya"))
    assert missed.status_code == 200 and [m["query"] for m in missed.json()] == ["rotating the espresso machine"]
    assert c.get(f"{URL}/missed-searches", headers=loop.as_("lena")).status_code == 403
