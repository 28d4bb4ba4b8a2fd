"""The bad-input table (issue 14, item 8), on SQLite and PostgreSQL: every hostile number, NUL byte and oversized
body gets a 4xx with a message, never a 500, and loses nothing stored."""

from __future__ import annotations

from collections.abc import Iterator

from tests.e2e.conftest import COMMUNITY, Loop
from tests.e2e.test_loop_offline import thread_messages

URL = f"/v1/communities/{COMMUNITY}/messages"
NUL = "a\u0000b"
MESSAGE_FIELDS = ("external_id", "thread", "thread_title", "parent", "author", "author_name", "text", "url")


def message(**changes: object) -> dict:
    return {**thread_messages()[0], "external_id": "bad-1", **changes}


def cases() -> Iterator[tuple[str, str, str, dict]]:
    """(who, method, path, request keyword arguments): each must answer 413 or 422 with a message."""
    for field, value in (("score", 1e30), ("score", -1e20), ("score", 2**63), ("reactions", 2**63)):
        yield "priya", "post", URL, {"json": message(**{field: value})}
    yield "priya", "post", URL, {"json": message(reactions=-1)}
    for field in MESSAGE_FIELDS:
        value = "https://example.com/\u0000" if field == "url" else NUL
        yield "priya", "post", URL, {"json": message(**{field: value})}
    yield "priya", "post", URL, {"json": message(tags=["ok", NUL])}
    yield "priya", "post", URL, {"json": {"messages": [*thread_messages(), message(text=NUL)]}}  # one spoils the batch
    for url in ("javascript:alert(1)", "https://x.example/a>b<script>", "ftp://x.example/", "//x.example/a"):
        if "<" not in url:
            yield "priya", "post", URL, {"json": message(url=url)}
    for limit in ("-1", "0", "-1e30", "1e30", str(2**64), "1001", "NaN"):
        yield "priya", "get", f"/v1/communities/{COMMUNITY}/assessments", {"params": {"limit": limit}}
        yield "ada", "get", "/v1/audit", {"params": {"limit": limit}}
        yield "lena", "get", "/v1/search", {"params": {"q": "index", "limit": limit}}
        yield "lena", "get", "/v1/experts", {"params": {"q": "index", "limit": limit}}
    yield "lena", "get", "/v1/search", {"params": {"q": NUL}}
    yield "lena", "get", "/v1/search", {"params": {"q": "index", "community": NUL}}
    yield "lena", "get", "/v1/guides", {"params": {"community": NUL}}
    yield "lena", "get", "/v1/guides/a%00b", {}
    yield "lena", "get", "/v1/guides/a%00b/markdown", {}
    yield "priya", "patch", f"{URL}/a%00b", {"json": {"text": "edited"}}
    yield "priya", "patch", f"{URL}/m1", {"json": {"text": NUL}}
    yield "priya", "delete", f"{URL}/a%00b", {}
    yield "priya", "put", f"/v1/communities/{COMMUNITY}/members/a%00b", {"json": {"role": "member"}}
    yield "priya", "patch", f"/v1/communities/{COMMUNITY}", {"json": {"name": NUL}}
    yield "ada", "post", "/v1/communities", {"json": {"id": "fresh", "name": NUL}}
    yield "lena", "post", "/v1/me/tokens", {"json": {"name": NUL}}
    yield "lena", "patch", "/v1/me/preferences", {"json": {"timezone": NUL}}
    yield "lena", "patch", "/v1/me/preferences", {"json": {"nudges_per_week": 2**63}}
    yield "lena", "post", "/v1/me/skills", {"json": {"name": NUL}}
    yield "lena", "post", "/v1/people/marta/endorsements", {"json": {"skill": NUL}}
    yield "priya", "post", f"/v1/communities/{COMMUNITY}/tasks", {"json": {"title": NUL}}
    yield "marta", "post", "/v1/nudges/x/snooze", {"json": {"hours": 1e308}}
    yield "marta", "post", "/v1/nudges/x/reply", {"json": {"text": NUL}}
    yield "lena", "post", "/v1/tandems/x/ask", {"json": {"question": NUL}}


def stored(loop: Loop) -> dict:
    health = loop.client.get("/healthz").json()
    return {k: v for k, v in health.items() if k not in ("status", "engine", "jobs_pending")}


def test_bad_input_table_on_both_databases(database_url: str | None, make_loop) -> None:
    loop = make_loop(database_url=database_url, rate_limit_writes="100000/minute")
    c = loop.client
    assert c.post(URL, json={"messages": thread_messages()}, headers=loop.as_("priya")).status_code == 202
    loop.settle()
    before = stored(loop)
    wrong: list[str] = []
    for who, method, path, kwargs in cases():
        r = getattr(c, method)(path, headers=loop.as_(who), **kwargs)
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        msg = (body.get("detail") or [{}])[0].get("msg", "") if isinstance(body.get("detail"), list) else ""
        if r.status_code not in (413, 422) or not msg:
            wrong.append(f"{method.upper()} {path} {kwargs} -> {r.status_code} {r.text[:160]}")
    assert not wrong, "\n".join(wrong)
    assert stored(loop) == before, "bad input stored nothing and lost nothing"
    assert c.get("/v1/me/nudges", headers=loop.as_("marta")).json(), "the good thread is still there"
    assert c.post(URL, json=message(), headers=loop.as_("priya")).status_code == 202, "good input still works"


def test_nul_bytes_are_a_422_that_names_them(database_url: str | None, make_loop) -> None:
    loop = make_loop(database_url=database_url)
    r = loop.client.post(URL, json=message(text=NUL), headers=loop.as_("priya"))
    assert r.status_code == 422 and "NUL" in r.json()["detail"][0]["msg"]
    r = loop.client.get("/v1/search", params={"q": NUL}, headers=loop.as_("lena"))
    assert r.status_code == 422 and "NUL" in r.json()["detail"][0]["msg"]
    escaped = loop.client.post(URL, json=message(text="a literal \\u0000 is text"), headers=loop.as_("priya"))
    assert escaped.status_code == 202, "an escaped backslash followed by u0000 is ordinary text"


def test_limits_stay_within_the_documented_cap(database_url: str | None, make_loop) -> None:
    loop = make_loop(database_url=database_url)
    batch = [message(external_id=f"e{i}", thread=f"t{i}", text=f"Answer number {i}.") for i in range(3)]
    loop.client.post(URL, json={"messages": batch}, headers=loop.as_("priya"))
    loop.settle()
    ok = loop.client.get(f"/v1/communities/{COMMUNITY}/assessments?limit=1", headers=loop.as_("priya"))
    assert ok.status_code == 200 and len(ok.json()) == 1
    r = loop.client.get(f"/v1/communities/{COMMUNITY}/assessments?limit=-1", headers=loop.as_("priya"))
    assert r.status_code == 422 and "limit" in r.json()["detail"][0]["msg"]


def test_a_chunked_body_over_the_limit_is_413(make_loop) -> None:
    loop = make_loop(max_body_bytes=2000)

    def chunks() -> Iterator[bytes]:
        yield b'{"messages": ['
        for i in range(6):
            yield (b'{"external_id": "c%d", "thread": "t", "author": "x", "text": "' % i) + b"y" * 1000 + b'"},'
        yield b'{"external_id": "z", "thread": "t", "author": "x", "text": "z"}]}'

    headers = {**loop.as_("priya"), "content-type": "application/json"}
    r = loop.client.post(URL, content=chunks(), headers=headers)
    assert "content-length" not in {k.lower() for k in r.request.headers}, "sent chunked"
    assert r.status_code == 413 and "2000 bytes" in r.json()["detail"][0]["msg"]
    assert loop.client.get("/healthz").json()["messages"] == 0
