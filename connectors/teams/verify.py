"""Teams outgoing webhook signatures: `Authorization: HMAC <base64 HMAC-SHA256 of the body>`.

The key is the security token Teams shows once when the outgoing webhook is created, base64-decoded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

from connectors.errors import InvalidSignature, NotConfigured


def sign(security_token: str, body: bytes) -> str:
    key = base64.b64decode(security_token)
    return "HMAC " + base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def verify(security_token: str | None, body: bytes, headers: Mapping[str, str]) -> None:
    """Raise unless Teams signed this body with the outgoing webhook's security token."""
    if not security_token:
        raise NotConfigured("the Teams connector is not configured (TACIT_TEAMS_SECURITY_TOKEN)")
    try:
        expected = sign(security_token, body)
    except (binascii.Error, ValueError) as exc:
        raise NotConfigured("TACIT_TEAMS_SECURITY_TOKEN is not base64; paste the token Teams showed") from exc
    if not hmac.compare_digest(headers.get("authorization", ""), expected):
        raise InvalidSignature("the Teams HMAC does not match this body")
