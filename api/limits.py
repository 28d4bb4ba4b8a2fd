"""Limits on every request: body size (413, declared or streamed), NUL bytes (422), and per person the rate of
writes (429).

The body is read whole before the app sees it, so a chunked body is counted against the same limit as a declared
one. NUL bytes are refused at the edge: PostgreSQL cannot store them in text, and no community text needs them.
Rate limits use the `limits` library: in memory on one machine, Redis (`TACIT_RATE_LIMIT_STORAGE=redis://...`)
when several workers serve the API. They are keyed on the authenticated person (see `api.auth`), never on the raw
header, so spelling `Bearer` differently or holding several tokens buys no extra writes.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from api.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A JSON \u0000 escape (an odd run of backslashes before it; "\\u0000" is a backslash and the text "u0000").
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
# Webhooks are signed over their raw bytes and retried by the platform: NULs are dropped where they are mapped.
UNCHECKED_BODIES = ("/v1/webhooks/",)


async def _reply(send: Send, status: int, msg: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(error_body(msg)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})


def has_nul(scope: Scope) -> bool:
    """A NUL byte in the path or the query string (raw or percent-encoded)."""
    query = scope.get("query_string") or b""
    return "\x00" in scope.get("path", "") or b"\x00" in query or b"%00" in query


class RequestLimits:
    """ASGI middleware: rejects oversized bodies and NUL bytes before any work is done."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = f"the request body is over {self.max_body_bytes} bytes; send smaller batches"
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _reply(send, 413, too_large)
            return
        if has_nul(scope) and scope.get("path", "").startswith("/v1/"):  # pages clean their own query text
            await _reply(send, 422, "the path or query holds a NUL byte (\\u0000); remove it")
            return
        body, complete = await self._read_body(receive)
        if not complete:
            await _reply(send, 413, too_large)
            return
        if JSON_NUL.search(body) and not scope.get("path", "").startswith(UNCHECKED_BODIES):
            await _reply(send, 422, "the request body holds a NUL byte (\\u0000) in a text; remove it")
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, receive: Receive) -> tuple[bytes, bool]:
        """The whole body, and False when it grew over the limit (the rest is not read)."""
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), True  # the client went away; the app sees an empty body
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_body_bytes:
                return b"", False
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), True


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body once, then whatever the server sends next (a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


class WriteLimiter:
    """Writes per person in a moving window; `retry_after` says how long to wait, or None when allowed."""

    def __init__(self, *, writes: str, storage: str) -> None:
        self.limit = parse(writes)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage))

    def retry_after(self, person_id: str) -> int | None:
        if self.limiter.hit(self.limit, "writes", person_id):
            return None
        reset, _ = self.limiter.get_window_stats(self.limit, "writes", person_id)
        return max(1, int(reset - time.time()))
