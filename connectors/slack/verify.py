"""Slack request signatures: v0 HMAC-SHA256 over `v0:timestamp:body`, with slack_sdk's verifier."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from slack_sdk.signature import Clock, SignatureVerifier

from connectors.errors import InvalidSignature, NotConfigured


class _Clock(Clock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


def verify(secret: str | None, body: bytes, headers: Mapping[str, str], now: Callable[[], float] = time.time) -> None:
    """Raise unless Slack signed this body within the last 5 minutes."""
    if not secret:
        raise NotConfigured("the Slack connector is not configured (TACIT_SLACK_SIGNING_SECRET)")
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not timestamp.isdigit():
        raise InvalidSignature("missing or malformed X-Slack-Request-Timestamp")
    if abs(now() - int(timestamp)) > 300:
        raise InvalidSignature("the request timestamp is more than 5 minutes off; replayed or the clock is wrong")
    verifier = SignatureVerifier(secret, clock=_Clock(now))
    if not verifier.is_valid(body=body, timestamp=timestamp, signature=headers.get("x-slack-signature")):
        raise InvalidSignature("the Slack signature does not match this body")


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature Slack would send (for tests and the benchmark)."""
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    assert signature is not None
    return signature
