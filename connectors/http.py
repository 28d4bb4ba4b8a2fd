"""One way to call a platform's HTTP API: bounded waits on 429 (Retry-After), errors named by method."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import httpx

from connectors.errors import PlatformError, RateLimited

log = logging.getLogger("tacit.connectors")


def retry_after(response: httpx.Response, default: float = 1.0) -> float:
    """Seconds the platform asks us to wait (Retry-After in seconds; an unreadable value waits `default`)."""
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return default


def send(
    client: httpx.Client,
    request: httpx.Request,
    *,
    what: str,
    attempts: int = 3,
    max_wait_s: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Response:
    """Send, waiting out 429s up to `max_wait_s` each; a longer wait or the last 429 raises RateLimited."""
    for attempt in range(1, attempts + 1):
        try:
            response = client.send(request)
        except httpx.HTTPError as exc:
            raise PlatformError(f"{what}: {type(exc).__name__}") from exc
        if response.status_code != 429:
            if response.status_code >= 400:
                raise PlatformError(f"{what}: HTTP {response.status_code}")
            return response
        wait = retry_after(response)
        if wait > max_wait_s or attempt == attempts:
            raise RateLimited(f"{what}: rate limited, retry after {wait:.0f} s", wait)
        log.warning("rate limited call=%s wait_s=%.1f attempt=%d", what, wait, attempt)
        sleep(wait)
    raise AssertionError("unreachable")
