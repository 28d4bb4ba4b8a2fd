"""Optional OIDC/JWT bearer tokens for deployments behind an identity provider.

Tacit's own API tokens start with `tct_`; any other bearer token is validated as a JWT when an issuer is
configured: signature against the provider's JWKS (a file, or a URL fetched and cached by PyJWT), issuer,
audience, expiry. The person is found by a claim (default `preferred_username`) and created on first sign-in
with no memberships: stewards grant roles.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import jwt


class InvalidJWT(Exception):
    """The bearer token is not a valid JWT for this deployment; the message says why."""


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

    def handle(self, token: str) -> str:
        """The person's handle from a valid token."""
        try:
            claims = jwt.decode(
                token,
                self._key(token),
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidJWT(f"the bearer token is not valid here: {exc}") from exc
        handle = claims.get(self.handle_claim)
        if not isinstance(handle, str) or not handle.strip():
            raise InvalidJWT(f"the token has no {self.handle_claim!r} claim")
        return handle.strip()[:100]
