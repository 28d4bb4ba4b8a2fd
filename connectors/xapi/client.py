"""The LRS adapter: POST batches of statements to /statements with basic auth and the xAPI version header."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from connectors.errors import PlatformError, RateLimited
from connectors.http import retry_after


class LrsConflict(PlatformError):
    """The LRS holds a different statement under one of these ids (e.g. a name changed since it was sent)."""


class LrsClient:
    """Sends statements; ids are set by the caller, so a resend of a batch is recognised by the LRS."""

    def __init__(
        self, http: httpx.Client, endpoint: str, username: str | None, password: str | None, version: str = "1.0.3"
    ) -> None:
        self._http = http
        self._url = endpoint.rstrip("/") + "/statements"
        self._auth = httpx.BasicAuth(username, password or "") if username else None
        self._headers = {"X-Experience-API-Version": version}

    def post(self, statements: Sequence[dict[str, Any]]) -> None:
        """Store the batch, or raise; the LRS drops statements it already holds under the same id."""
        if not statements:
            return
        try:
            if self._auth is None:
                response = self._http.post(self._url, json=list(statements), headers=self._headers)
            else:
                response = self._http.post(self._url, json=list(statements), headers=self._headers, auth=self._auth)
        except httpx.HTTPError as exc:
            raise PlatformError(f"lrs.statements: {type(exc).__name__} (sent again on the next run)") from exc
        if response.status_code == 409:
            raise LrsConflict(f"lrs.statements: HTTP 409 {response.text[:200]}")
        if response.status_code == 429:
            wait = retry_after(response)
            raise RateLimited(f"lrs.statements: rate limited, retry after {wait:.0f} s", wait)
        if response.status_code >= 400:
            raise PlatformError(f"lrs.statements: HTTP {response.status_code} {response.text[:200]}")
