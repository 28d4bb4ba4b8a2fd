"""Optional OIDC/JWT bearer tokens for deployments behind an identity provider.

Tacit's own API tokens start with `tct_`; any other bearer token is validated as a JWT when an issuer is
configured: signature against the provider's JWKS (a file, or a URL fetched and cached by PyJWT), issuer,
audience, expiry. The person is found by issuer and subject (`iss` + `sub`, the only pair the OIDC spec makes
unique and stable), linked once: the first sign-in creates a new person with no memberships (stewards grant roles),
named after the handle claim (default `preferred_username`) when that handle is free. The claim never selects an
existing person, so a provider account named like a local admin is not that admin; link existing people
explicitly with `tacit person link-oidc HANDLE --subject SUB`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jwt


class InvalidJWT(Exception):
    """The bearer token is not a valid JWT for this deployment; the message says why."""


@dataclass(frozen=True)
class OidcIdentity:
    """Who the identity provider vouched for: issuer and subject identify; the handle is only a naming hint."""

    issuer: str
    subject: str
    handle_hint: str


class JWTVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str | None,
        jwks_file: Path | None,
        handle_claim: str = "preferred_username",
        algorithms: tuple[str, ...] = ("RS256", "ES256"),
    ) -> None:
        if not jwks_url and not jwks_file:
            raise ValueError("OIDC needs TACIT_OIDC_JWKS_URL or TACIT_OIDC_JWKS_FILE")
        self.issuer, self.audience, self.handle_claim = issuer, audience, handle_claim
        self.jwks_url, self.jwks_file, self.algorithms = jwks_url, jwks_file, list(algorithms)

    @cached_property
    def _client(self) -> jwt.PyJWKClient:
        return jwt.PyJWKClient(self.jwks_url or "", cache_keys=True, lifespan=3600, timeout=10)

    @cached_property
    def _file_keys(self) -> jwt.PyJWKSet:
        assert self.jwks_file is not None
        return jwt.PyJWKSet.from_dict(json.loads(self.jwks_file.read_text()))

    def _key(self, token: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        if self.jwks_file is not None:
            keys = self._file_keys.keys
            match = [k for k in keys if k.key_id == kid] or (keys if kid is None and len(keys) == 1 else [])
            if not match:
                raise InvalidJWT(f"no key {kid!r} in the configured JWKS")
            return match[0].key
        return self._client.get_signing_key_from_jwt(token).key

    def identity(self, token: str) -> OidcIdentity:
        """The provider's identity of the bearer of a valid token."""
        try:
            claims = jwt.decode(
                token,
                self._key(token),
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidJWT(f"the bearer token is not valid here: {exc}") from exc
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.strip() or len(subject) > 200:
            raise InvalidJWT("the token's 'sub' claim is missing or not a string of at most 200 characters")
        hint = claims.get(self.handle_claim)
        hint = hint.strip()[:80] if isinstance(hint, str) and hint.strip() else "oidc-user"
        return OidcIdentity(issuer=self.issuer, subject=subject, handle_hint=hint)
