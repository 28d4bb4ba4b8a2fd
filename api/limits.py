"""Limits on every request: body size (413) and, per API token, the rate of writes (429).

Rate limits use the `limits` library: in memory on one machine, Redis (`TACIT_RATE_LIMIT_STORAGE=redis://...`)
when several workers serve the API.
"""

from __future__ import annotations

import hashlib
import json
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


class BodyTooLarge(Exception):
    pass


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


class RequestLimits:
    """ASGI middleware: rejects oversized bodies and too many writes per token before any work is done."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, writes: str, storage: str) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.limit = parse(writes)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _reply(send, 413, f"the request body is over {self.max_body_bytes} bytes; send smaller batches")
            return
        if scope["method"] in WRITES and (auth := headers.get(b"authorization")):
            # Keyed by a hash: raw tokens never sit in the limiter's storage.
            key = hashlib.sha256(auth).hexdigest()[:32]
            if not self.limiter.hit(self.limit, "writes", key):
                reset, _ = self.limiter.get_window_stats(self.limit, "writes", key)
                retry = max(1, int(reset - time.time()))
                await _reply(
                    send,
                    429,
                    f"too many writes with this token ({self.limit}); retry in {retry} s",
                    [(b"retry-after", str(retry).encode())],
                )
                return
        try:
            await self.app(scope, self._counting(receive, send), send)
        except BodyTooLarge:
            await _reply(send, 413, f"the request body is over {self.max_body_bytes} bytes; send smaller batches")

    def _counting(self, receive: Receive, send: Send) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body_bytes:
                raise BodyTooLarge
            return message

        return counted
