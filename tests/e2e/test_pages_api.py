"""The JSON twins of the pages' new use cases, and the pages' own rules without a browser (TestClient)."""

from __future__ import annotations

import re

from tests.e2e.conftest import COMMUNITY, now_iso

THREAD = [
    {"external_id": "q1", "thread": "t1", "author": "lena", "text": "Why is the tenant listing slow?", "kind": "question"},
    {"external_id": "a1", "thread": "t1", "parent": "q1", "author": "marta", "kind": "answer",
     "text": "Use a partial index on (tenant_id) where deleted_at is null."},
]  # fmt: skip


def _published_guide(loop) -> str:  # noqa: ANN001
    batch = {"messages": [{**m, "created_at": now_iso(5)} for m in THREAD]}
    assert loop.client.post(f"/v1/communities/{COMMUNITY}/messages", json=batch, headers=loop.as_("priya")).is_success
    loop.settle()
    nudge = loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
    text = {"text": "Deleted rows are most of the table, so the planner skips a plain index; create it CONCURRENTLY."}
    loop.client.post(f"/v1/nudges/{nudge['id']}/reply", json=text, headers=loop.as_("marta"))
    loop.settle()
    guide = loop.client.get("/v1/me/guides", headers=loop.as_("marta")).json()[0]
    loop.client.post(f"/v1/guides/{guide['id']}/approve", headers=loop.as_("marta"))
    loop.settle()
    return guide["id"]


def test_feedback_reaches_the_reviewer_and_misses_reach_stewards(make_loop) -> None:
    loop = make_loop()
    guide = _published_guide(loop)
    no_reason = loop.client.post(f"/v1/guides/{guide}/feedback", json={"helpful": False}, headers=loop.as_("lena"))
    assert no_reason.status_code == 422 and "say why" in no_reason.json()["detail"][0]["msg"]
    body = {"helpful": False, "reason": "outdated"}
    assert loop.client.post(f"/v1/guides/{guide}/feedback", json=body, headers=loop.as_("lena")).is_success
    stranger = loop.client.post(f"/v1/guides/{guide}/feedback", json=body, headers=loop.as_("otto"))
    assert stranger.status_code == 404, "a guide one may not read does not exist"
    said = loop.client.get("/v1/me/feedback", headers=loop.as_("marta")).json()
    assert [(f["helpful"], f["reason"]) for f in said] == [(False, "outdated")]

    loop.client.get("/v1/search", params={"q": "rotate secrets"}, headers=loop.as_("otto"))  # nothing in secret-rnd
    missed = loop.client.get("/v1/communities/secret-rnd/missed-searches", headers=loop.as_("otto"))
    assert [m["query"] for m in missed.json()] == ["rotate secrets"]
    assert loop.client.get("/v1/communities/secret-rnd/missed-searches", headers=loop.as_("lena")).status_code in (
        403,
        404,
    )


def test_decline_reason_is_stored_and_checked(make_loop) -> None:
    loop = make_loop()
    batch = {"messages": [{**m, "created_at": now_iso(5)} for m in THREAD]}
    loop.client.post(f"/v1/communities/{COMMUNITY}/messages", json=batch, headers=loop.as_("priya"))
    loop.settle()
    nudge = loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
    bad = loop.client.post(f"/v1/nudges/{nudge['id']}/decline", json={"reason": "meh"}, headers=loop.as_("marta"))
    assert bad.status_code == 422
    ok = loop.client.post(f"/v1/nudges/{nudge['id']}/decline", json={"reason": "complete"}, headers=loop.as_("marta"))
    assert ok.json()["status"] == "declined"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_page_forms_need_a_csrf_token_from_this_site_and_errors_are_pages(make_loop) -> None:
    loop = make_loop()
    c = loop.client
    token = _csrf(c.get("/signin").text)
    assert c.post("/signin", data={"token": loop.tokens["lena"]}).status_code == 403, "no CSRF token"
    foreign = c.post(
        "/signin", data={"token": loop.tokens["lena"], "csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403 and "another site" in foreign.text
    signed = c.post("/signin", data={"token": loop.tokens["lena"], "csrf_token": token, "next": "https://evil.example"}, follow_redirects=False)  # fmt: skip
    assert signed.status_code == 303 and signed.headers["location"] == "/", "never redirected off-site"
    page = c.get("/")
    assert (
        "script-src 'self'" in page.headers["content-security-policy"] and page.headers["cache-control"] == "no-store"
    )
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    missing = c.get("/guides/nope")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "Traceback" not in missing.text and "{" not in missing.text.split("<main")[1][:200]
    assert c.get("/v1/guides/nope", headers=loop.as_("lena")).json()["detail"][0]["msg"], "the API keeps JSON"
    # Sign-out revokes the session on the server: the same cookie no longer works.
    cookie = c.cookies.get("tacit_session")
    c.post("/signout", data={"csrf_token": _csrf(page.text)})
    c.cookies.set("tacit_session", cookie)
    assert c.get("/", follow_redirects=False).status_code == 303


def test_hostile_text_in_a_search_is_escaped(make_loop) -> None:
    loop = make_loop()
    c = loop.client
    c.post("/signin", data={"token": loop.tokens["lena"], "csrf_token": _csrf(c.get("/signin").text)})
    page = c.get("/", params={"q": '<script>alert(1)</script>"><img src=x onerror=alert(1)>\x00'})
    assert page.status_code == 200 and "<script>alert" not in page.text and "<img src=x" not in page.text
    assert c.get("/", params={"q": "x" * 1001}).status_code == 422


def test_tacit_login_link_prints_a_link_that_signs_in_once(tmp_path) -> None:  # noqa: ANN001
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from api.app import create_app
    from api.bootstrap import build
    from api.settings import Settings
    from cli.main import app
    from retrieval.fakes import HashingEmbedder, InMemoryIndex
    from workflow.people import add_person, create_community

    env = {"TACIT_DATA_DIR": str(tmp_path / "d"), "TACIT_PUBLIC_URL": "https://tacit.example"}
    settings = Settings(_env_file=None, data_dir=tmp_path / "d", public_url="https://tacit.example")  # type: ignore[call-arg]
    tacit = build(settings, embedder=HashingEmbedder(), index=InMemoryIndex(), scanner=None)
    create_community(tacit.services, community_id="c", name="C")
    add_person(tacit.services, handle="marta", community_id="c")
    result = CliRunner().invoke(app, ["login-link", "marta"], env=env)
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    assert link.startswith("https://tacit.example/signin/link/tcl_")
    path = link.removeprefix("https://tacit.example")
    with TestClient(create_app(tacit), base_url="https://tacit.example") as client:
        csrf = _csrf(client.get(path).text)
        first = client.post(path, data={"csrf_token": csrf}, follow_redirects=False)
        assert first.status_code == 303 and "secure" in first.headers["set-cookie"].lower(), "Secure behind HTTPS"
        client.cookies.clear()
        again = client.post(path, data={"csrf_token": _csrf(client.get(path).text)}, follow_redirects=False)
        assert again.status_code == 410, "a link works once"
    unknown = CliRunner().invoke(app, ["login-link", "nobody"], env=env)
    assert unknown.exit_code == 1


def test_outside_a_chatham_house_community_the_guide_page_names_nobody(make_loop) -> None:
    loop = make_loop()
    guide = _published_guide(loop)
    settings = {"visibility": "open", "chatham_house": True}
    assert loop.client.patch(f"/v1/communities/{COMMUNITY}", json=settings, headers=loop.as_("priya")).is_success
    c = loop.client
    c.post("/signin", data={"token": loop.tokens["otto"], "csrf_token": _csrf(c.get("/signin").text)})
    page = c.get(f"/guides/{guide}")
    assert page.status_code == 200 and "marta" not in page.text.lower()
    assert "a member of Platform Guild" in page.text
