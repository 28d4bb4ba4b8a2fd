"""Discourse webhook signatures: X-Discourse-Event-Signature is `sha256=` + the hex HMAC-SHA256 of the body."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from connectors.errors import InvalidSignature, NotConfigured


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str | None, body: bytes, headers: Mapping[str, str]) -> None:
    """Raise unless the body was signed with the webhook's secret (Discourse signs no timestamp)."""
    if not secret:
        raise NotConfigured("the Discourse connector is not configured (TACIT_DISCOURSE_WEBHOOK_SECRET)")
    given = headers.get("x-discourse-event-signature", "")
    if not given.startswith("sha256=") or not hmac.compare_digest(given, sign(secret, body)):
        raise InvalidSignature("the Discourse signature does not match this body")
