"""Every non-2xx answer has the one shape, whichever layer produced it (auth, routing, size, webhooks, workflow)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from tests.e2e.conftest import COMMUNITY, Loop
from tests.e2e.test_openapi_fuzz import is_envelope


@pytest.fixture
def loop(make_loop) -> Loop:  # type: ignore[no-untyped-def]
    return make_loop(max_body_bytes=2_000)


def test_missing_token_is_401_with_the_envelope(loop: Loop) -> None:
    r = loop.client.get("/v1/me/nudges")
    assert r.status_code == 401 and is_envelope(r)
    assert "Authorization: Bearer" in r.json()["detail"][0]["msg"]
    assert r.headers["www-authenticate"] == "Bearer"


def test_unknown_token_is_401_with_the_envelope(loop: Loop) -> None:
    r = loop.client.get("/v1/me/nudges", headers={"Authorization": "Bearer tct_nope"})
    assert r.status_code == 401 and is_envelope(r)


def test_unknown_route_and_wrong_method_have_the_envelope(loop: Loop) -> None:
    missing = loop.client.get("/v1/no-such-thing")
    assert missing.status_code == 404 and is_envelope(missing)
    assert "/docs" in missing.json()["detail"][0]["msg"]
    wrong = loop.client.delete("/healthz")
    assert wrong.status_code == 405 and is_envelope(wrong)


def test_oversized_body_is_413_with_the_envelope(loop: Loop) -> None:
    body = {"messages": [{"external_id": "m1", "thread": "t", "author": "a", "text": "x" * 5_000}]}
    r = loop.client.post(f"/v1/communities/{COMMUNITY}/messages", json=body, headers=loop.as_("priya"))
    assert r.status_code == 413 and is_envelope(r)


def test_batch_over_the_limit_is_413_with_the_envelope(make_loop) -> None:  # type: ignore[no-untyped-def]
    loop = make_loop(max_batch_messages=2)
    messages = [{"external_id": f"m{i}", "thread": "t", "author": "a", "text": "hello"} for i in range(3)]
    r = loop.client.post(
        f"/v1/communities/{COMMUNITY}/messages", json={"messages": messages}, headers=loop.as_("priya")
    )
    assert r.status_code == 413 and is_envelope(r)


def test_bad_webhook_signature_is_401_with_the_envelope(make_loop) -> None:  # type: ignore[no-untyped-def]
    loop = make_loop(slack_signing_secret=SecretStr("s3cret"))
    r = loop.client.post("/v1/webhooks/slack", content=b"{}", headers={"x-slack-signature": "v0=bad"})
    assert r.status_code == 401 and is_envelope(r)


def test_workflow_errors_have_the_envelope(loop: Loop) -> None:
    r = loop.client.get("/v1/guides/does-not-exist", headers=loop.as_("lena"))
    assert r.status_code == 404 and is_envelope(r)


def test_a_lost_race_on_a_unique_key_is_409_with_the_envelope(loop: Loop) -> None:
    from store.errors import DuplicateKey

    @loop.client.app.get("/v1/_race")  # a route that loses a race, as two parallel writers would
    def lose() -> None:
        raise DuplicateKey("guide_versions")

    r = loop.client.get("/v1/_race")
    assert r.status_code == 409 and is_envelope(r)
    assert "reload" in r.json()["detail"][0]["msg"]
