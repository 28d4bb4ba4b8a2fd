"""Analytics through the HTTP API: the loop's records become figures, for stewards only, Chatham House kept."""

from __future__ import annotations

from tests.e2e.conftest import COMMUNITY
from tests.e2e.test_loop_offline import REPLY, thread_messages


def run_the_loop(loop) -> str:  # type: ignore[no-untyped-def]
    """lena asks, marta answers tersely (accepted), is nudged, replies, approves; lena reads and rates the guide."""
    c = loop.client
    c.post(f"/v1/communities/{COMMUNITY}/messages", json={"messages": thread_messages()}, headers=loop.as_("priya"))
    loop.settle()
    nudge = c.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
    c.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": REPLY}, headers=loop.as_("marta"))
    loop.settle()
    guide = c.get("/v1/me/guides", headers=loop.as_("marta")).json()[0]
    c.post(f"/v1/guides/{guide['id']}/approve", headers=loop.as_("marta"))
    loop.settle()
    assert c.get(f"/v1/guides/{guide['id']}", headers=loop.as_("lena")).status_code == 200  # a read
    r = c.post(f"/v1/guides/{guide['id']}/feedback", json={"helpful": True}, headers=loop.as_("lena"))
    assert r.status_code == 200, r.text
    c.get("/v1/search", params={"q": "soft deleted rows listing"}, headers=loop.as_("lena"))
    c.get("/v1/search", params={"q": "kubernetes ingress certificates"}, headers=loop.as_("otto"))  # elsewhere
    return guide["id"]


def test_a_steward_sees_the_loop_as_figures(database_url: str | None, make_loop) -> None:
    loop = make_loop(database_url=database_url)
    run_the_loop(loop)
    r = loop.client.get(f"/v1/communities/{COMMUNITY}/analytics?period=30d", headers=loop.as_("priya"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["named"] is True and body["period"]["label"] == "30d"
    edges = {(e["giver"]["name"], e["receiver"]["name"]): e for e in body["flow"]["edges"]}
    # marta's accepted answer to lena (30 min) and the guide lena read, drawn on marta (15 min x 1.5 helpful).
    assert edges[("marta", "lena")]["tangible"] == 2
    assert edges[("marta", "lena")]["minutes"] == 30 + 22.5
    funnel = {s["step"]: s["count"] for s in body["health"]["funnel"]}
    assert funnel == {"detected": 1, "nudged": 1, "answered": 1, "draft": 1, "approved": 1, "read": 1}
    assert body["health"]["helpful_rate"] == 1.0
    assert (body["health"]["searches"], body["health"]["searches_without_result"]) == (1, 0)
    assert body["health"]["answered"] == 1
    dimensions = {m["dimension"] for m in body["scorecard"]}
    assert dimensions == {"financial", "customer", "internal", "learning"}


def test_only_those_who_govern_see_analytics(make_loop) -> None:
    loop = make_loop()
    c = loop.client
    url = f"/v1/communities/{COMMUNITY}/analytics"
    assert c.get(url, headers=loop.as_("lena")).status_code == 403  # a member: may know it exists
    assert c.get(url, headers=loop.as_("otto")).status_code == 404  # not a member: not disclosed
    assert c.get(url, headers=loop.as_("ada")).status_code == 200  # an admin
    # An admin does not see into a confidential community (that it exists is not disclosed either).
    c.patch("/v1/communities/secret-rnd", json={"visibility": "confidential"}, headers=loop.as_("otto"))
    assert c.get("/v1/communities/secret-rnd/analytics", headers=loop.as_("ada")).status_code == 404
    assert c.get("/v1/communities/secret-rnd/analytics", headers=loop.as_("otto")).status_code == 200
    bad = c.get(url + "?period=yesterday", headers=loop.as_("priya"))
    assert bad.status_code == 422 and "90d" in bad.json()["detail"][0]["msg"]


def test_chatham_house_shows_outsiders_counts_never_names(make_loop) -> None:
    loop = make_loop()
    run_the_loop(loop)
    c = loop.client
    assert c.patch(f"/v1/communities/{COMMUNITY}", json={"chatham_house": True}, headers=loop.as_("priya")).is_success
    inside = c.get(f"/v1/communities/{COMMUNITY}/analytics", headers=loop.as_("priya")).json()
    outside = c.get(f"/v1/communities/{COMMUNITY}/analytics", headers=loop.as_("ada"))
    assert inside["named"] is True and "edges" in inside["flow"]
    body = outside.json()
    assert body["named"] is False and "edges" not in body["flow"] and "people" not in body["periphery_to_core"]
    assert body["flow"]["people"] == 2 and body["flow"]["ties"] == 1  # counts only
    for secret in ("marta", "lena", loop.ids["marta"], loop.ids["lena"]):
        assert secret not in outside.text


def test_settings_are_checked_and_merged(make_loop) -> None:
    loop = make_loop()
    c = loop.client
    url = f"/v1/communities/{COMMUNITY}/analytics/settings"
    r = c.patch(url, json={"hourly_rate": 90, "targets": {"first_answer_median_hours": 24}}, headers=loop.as_("priya"))
    assert r.status_code == 200 and r.json()["hourly_rate"] == 90
    r = c.patch(url, json={"minutes": {"guide": 20}}, headers=loop.as_("priya"))
    assert r.json()["targets"] == {"first_answer_median_hours": 24} and r.json()["minutes"]["guide"] == 20
    for hostile in (
        {"hourly_rate": "1e999"},
        {"hourly_rate": 1e308},
        {"minutes": {"<script>": 1}},
        {"nope": 1},
        {"targets": {"exchange_value": True}},
        {"bots": "x"},
    ):
        bad = c.patch(url, json=hostile, headers=loop.as_("priya"))
        assert bad.status_code == 422, hostile
        assert bad.json()["detail"][0]["msg"]
    assert c.get(url, headers=loop.as_("priya")).json()["hourly_rate"] == 90  # nothing lost
    assert c.patch(url, json={"hourly_rate": 1}, headers=loop.as_("lena")).status_code == 403


def test_searches_that_found_nothing_count_once_from_pages_and_api(make_loop) -> None:
    """A miss on the search page (missed_searches) counts; a JSON search's miss, logged twice, counts once."""
    from workflow.guides import search

    loop = make_loop()
    c = loop.client
    url = f"/v1/communities/{COMMUNITY}/analytics?period=30d"
    nothing = "zebra quantum marmalade"
    search(loop.tacit.services, person_id=_person(loop, "lena"), query=nothing, community_id=COMMUNITY)  # the page
    c.get("/v1/search", params={"q": nothing, "community": COMMUNITY}, headers=loop.as_("lena"))  # the API
    body = c.get(url, headers=loop.as_("priya")).json()
    assert (body["health"]["searches"], body["health"]["searches_without_result"]) == (2, 2)


def _person(loop, handle: str) -> str:  # type: ignore[no-untyped-def]
    from workflow.analytics import person_id_for_handle

    return person_id_for_handle(loop.tacit.services, handle=handle)


def test_outside_chatham_house_the_dashboards_sankey_shows_groups_never_people(make_loop) -> None:
    import re

    loop = make_loop()
    run_the_loop(loop)
    c = loop.client
    assert c.patch(f"/v1/communities/{COMMUNITY}", json={"chatham_house": True}, headers=loop.as_("priya")).is_success
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signin").text)
    assert csrf is not None
    c.post("/signin", data={"token": loop.tokens["ada"], "csrf_token": csrf.group(1)})  # an admin, not a member
    page = c.get(f"/analytics/{COMMUNITY}")
    assert page.status_code == 200, page.text
    sankey = re.search(r'<svg class="chart sankey".*?</svg>', page.text, re.S)
    assert sankey is not None and 'role="img"' in sankey.group(0)
    assert "sankey-band" in sankey.group(0) and "Knowledge flow between groups" in sankey.group(0)
    assert "Flow between groups" in page.text  # the table stays beside it
    for secret in ("marta", "lena", loop.ids["marta"], loop.ids["lena"]):
        assert secret not in page.text
