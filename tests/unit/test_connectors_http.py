"""Outgoing calls: 429 waits bounded by Retry-After, then RateLimited; HTTP errors named, never with secrets."""

from __future__ import annotations

import httpx
import pytest
import respx

from connectors.errors import PlatformError, RateLimited
from connectors.http import retry_after, send

URL = "https://api.test/x"


def test_a_retry_after_longer_than_we_wait_raises_at_once() -> None:
    waits: list[float] = []
    with respx.mock() as mock, httpx.Client() as http:
        mock.post(URL).respond(429, headers={"Retry-After": "120"})
        with pytest.raises(RateLimited) as err:
            send(http, http.build_request("POST", URL), what="x", max_wait_s=30, sleep=waits.append)
    assert waits == [] and err.value.retry_after == 120


def test_the_last_429_raises_after_the_allowed_attempts() -> None:
    waits: list[float] = []
    with respx.mock() as mock, httpx.Client() as http:
        route = mock.post(URL).respond(429, headers={"Retry-After": "1"})
        with pytest.raises(RateLimited):
            send(http, http.build_request("POST", URL), what="x", attempts=3, sleep=waits.append)
    assert waits == [1.0, 1.0] and route.call_count == 3


def test_errors_and_unreadable_retry_after() -> None:
    with respx.mock() as mock, httpx.Client() as http:
        mock.post(URL).respond(403)
        with pytest.raises(PlatformError, match="x: HTTP 403"):
            send(http, http.build_request("POST", URL), what="x")
    assert retry_after(httpx.Response(429, headers={"Retry-After": "soon"})) == 1.0
