"""What a platform sends: id_tokens verified against its JWKS (signature, issuer, audience, expiry, nonce)."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import jwt

from connectors.errors import ConnectorError, PlatformError

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
LEEWAY_S = 30  # clocks of platform and tool may differ this much


class InvalidLaunch(ConnectorError):
    """The id_token is not one this platform signed for us, now, once."""


class PlatformKeys:
    """A platform's public keys: stored with its registration, or fetched from its JWKS URL (cached)."""

    def __init__(self, http: httpx.Client, ttl_s: float = 600.0) -> None:
        self._http = http
        self._ttl_s = ttl_s
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def jwks(self, stored: dict[str, Any], url: str) -> dict[str, Any]:
        if stored.get("keys"):
            return stored
        if not url:
            raise InvalidLaunch("the platform has neither keys nor a JWKS URL registered")
        with self._lock:
            cached = self._cache.get(url)
            if cached and time.monotonic() - cached[0] < self._ttl_s:
                return cached[1]
        try:
            response = self._http.get(url)
            response.raise_for_status()
            keys = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise PlatformError(f"platform JWKS {url}: {type(exc).__name__}") from exc
        with self._lock:
            self._cache[url] = (time.monotonic(), keys)
        return keys


def verify_id_token(token: str, jwks: dict[str, Any], *, issuer: str, client_id: str) -> dict[str, Any]:
    """The id_token's claims once signature, issuer, audience (and azp), expiry and the LTI basics hold."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidLaunch("the id_token is not a JWT") from exc
    if header.get("alg") != "RS256":
        raise InvalidLaunch("the id_token must be signed with RS256")
    key = _key_for(jwks, header.get("kid"))
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=client_id,
            issuer=issuer,
            leeway=LEEWAY_S,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidLaunch("the id_token has expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise InvalidLaunch("the id_token is not meant for this tool (audience)") from exc
    except jwt.InvalidIssuerError as exc:
        raise InvalidLaunch("the id_token comes from another issuer") from exc
    except jwt.PyJWTError as exc:
        raise InvalidLaunch(f"the id_token is invalid ({type(exc).__name__})") from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise InvalidLaunch("the id_token names several audiences but not this tool as its azp")
    if claims.get(CLAIM + "version") != "1.3.0":
        raise InvalidLaunch("only LTI 1.3.0 launches are accepted")
    return claims


def _key_for(jwks: dict[str, Any], kid: object) -> Any:
    keys = [k for k in jwks.get("keys", []) if isinstance(k, dict)]
    chosen = [k for k in keys if k.get("kid") == kid] or (keys if kid is None and len(keys) == 1 else [])
    if not chosen:
        raise InvalidLaunch("the id_token is signed with a key the platform does not publish")
    try:
        return jwt.PyJWK(chosen[0], algorithm="RS256").key
    except jwt.PyJWTError as exc:
        raise InvalidLaunch("the platform's key cannot be read") from exc
