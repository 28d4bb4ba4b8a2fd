"""Tacit's own RSA key: signs deep-linking answers and service-token assertions; its public half is the JWKS."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class ToolKey:
    """Loaded from a PEM file, created there (mode 0600) on first use if missing."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._key: rsa.RSAPrivateKey | None = None
        self._lock = threading.Lock()

    def _private(self) -> rsa.RSAPrivateKey:
        with self._lock:
            if self._key is None:
                self._key = self._load_or_create()
            return self._key

    def _load_or_create(self) -> rsa.RSAPrivateKey:
        if self._path.exists():
            key = serialization.load_pem_private_key(self._path.read_bytes(), password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError(f"{self._path} does not hold an RSA private key")
            return key
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # two starts at once: one wins
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        return key

    @property
    def kid(self) -> str:
        numbers = self._private().public_key().public_numbers()
        return hashlib.sha256(f"{numbers.n}:{numbers.e}".encode()).hexdigest()[:16]

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._private().public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._private(), algorithm="RS256", headers={"kid": self.kid})

    def verify_own(self, token: str, audience: str) -> dict[str, Any]:
        """A token Tacit signed for itself (login state, deep-linking session); raises jwt errors."""
        return jwt.decode(
            token,
            self._private().public_key(),
            algorithms=["RS256"],
            audience=audience,
            options={"require": ["exp", "aud"]},
        )
