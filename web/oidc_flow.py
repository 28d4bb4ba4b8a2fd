"""Single sign-on for the pages: the OIDC authorization-code flow with PKCE (S256), state and nonce.

The state, nonce, PKCE verifier and where to go afterwards travel in a short-lived cookie signed with the session
secret, so nothing is stored before the person comes back. The ID token is checked here (signature against the
issuer's JWKS, issuer, audience = our client id, expiry, nonce), and the person is found by issuer + subject.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from api.settings import Settings

COOKIE = "tacit_oidc"
FLOW_SECONDS = 600


class OidcError(Exception):
    """Sign-in with the identity provider did not work; the message says why, for the person and the log."""


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    handle_hint: str
    name: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pack(secret: bytes, flow: dict[str, Any]) -> str:
    body = _b64(json.dumps(flow, separators=(",", ":")).encode())
    return f"{body}.{hmac.new(secret, b'oidc|' + body.encode(), hashlib.sha256).hexdigest()}"


def unpack(secret: bytes, value: str | None) -> dict[str, Any]:
    body, _, signature = (value or "").rpartition(".")
    expected = hmac.new(secret, b"oidc|" + body.encode(), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(signature, expected):
        raise OidcError("the sign-in started in another browser or took too long")
    flow = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    if flow.get("exp", 0) < time.time():
        raise OidcError("the sign-in took too long")
    return flow


class OidcClient:
    """One configured identity provider: discovery, the authorization URL, the code exchange, ID token checks."""

    def __init__(self, settings: Settings) -> None:
        assert settings.oidc_issuer and settings.oidc_client_id
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = settings.oidc_client_id
        self.secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
        self.discovery_url = settings.oidc_discovery_url or f"{self.issuer}/.well-known/openid-configuration"
        self.scopes = settings.oidc_scopes
        self.redirect_uri = f"{settings.public_url.rstrip('/')}/signin/oidc/callback"
        self.timeout = settings.connector_timeout_s
        self._metadata: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKClient | None = None

    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            try:
                response = httpx.get(self.discovery_url, timeout=self.timeout)
                response.raise_for_status()
                data = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise OidcError(f"the identity provider could not be reached ({type(exc).__name__})") from exc
            if not all(isinstance(data.get(k), str) for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")):
                raise OidcError("the identity provider's discovery document is incomplete")
            self._metadata = data
        return self._metadata

    def start(self, next_url: str) -> tuple[str, dict[str, Any]]:
        """The URL to send the browser to, and the flow to keep in the signed cookie."""
        verifier = secrets.token_urlsafe(48)
        flow = {
            "state": secrets.token_urlsafe(24),
            "nonce": secrets.token_urlsafe(24),
            "verifier": verifier,
            "next": next_url,
            "exp": int(time.time()) + FLOW_SECONDS,
        }
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scopes,
            "state": flow["state"],
            "nonce": flow["nonce"],
            "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()),
            "code_challenge_method": "S256",
        }
        return f"{self.metadata()['authorization_endpoint']}?{urlencode(query)}", flow

    def finish(self, flow: dict[str, Any], *, code: str, state: str) -> Identity:
        """Exchange the code (with the PKCE verifier) and check the ID token; the identity it vouches for."""
        if not hmac.compare_digest(state.encode(), str(flow.get("state", "")).encode()):
            raise OidcError("the answer from the identity provider does not belong to this sign-in")
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "client_id": self.client_id,
            "code_verifier": flow["verifier"],
        }
        auth = (self.client_id, self.secret) if self.secret else None
        try:
            response = httpx.post(self.metadata()["token_endpoint"], data=form, auth=auth, timeout=self.timeout)
            tokens = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcError(f"the identity provider did not answer ({type(exc).__name__})") from exc
        if response.status_code != 200 or not isinstance(tokens.get("id_token"), str):
            raise OidcError(
                f"the identity provider refused the sign-in ({str(tokens.get('error', response.status_code))[:80]})"
            )
        return self._identity(tokens["id_token"], flow["nonce"])

    def _identity(self, id_token: str, nonce: str) -> Identity:
        if self._jwks is None:
            self._jwks = jwt.PyJWKClient(self.metadata()["jwks_uri"], cache_keys=True, lifespan=3600, timeout=10)
        try:
            key = self._jwks.get_signing_key_from_jwt(id_token).key
            claims = jwt.decode(
                id_token,
                key,
                algorithms=["RS256", "ES256"],
                audience=self.client_id,
                issuer=self.metadata().get("issuer", self.issuer),
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise OidcError(f"the identity token is not valid here ({exc})") from exc
        if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
            raise OidcError("the identity token was not issued for this sign-in")
        hint = str(claims.get("preferred_username") or str(claims.get("email", "")).split("@")[0] or "")
        return Identity(str(claims["iss"]), str(claims["sub"]), hint, str(claims.get("name", ""))[:200])
