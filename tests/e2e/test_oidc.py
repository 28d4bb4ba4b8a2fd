"""OIDC/JWT bearer tokens, validated against a JWKS (file or URL), with locally signed tokens."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from workflow.people import link_oidc

ISSUER, AUDIENCE = "https://idp.example.com", "tacit"


@pytest.fixture(scope="module")
def keys() -> tuple[rsa.RSAPrivateKey, dict]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    return private, {"keys": [{**public_jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}


def token(private: rsa.RSAPrivateKey, **claims: object) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": now + 300,
        "iat": now,
        "sub": "idp-0001",
        "preferred_username": "lena",
        **claims,
    }
    return jwt.encode(body, private, algorithm="RS256", headers={"kid": "k1"})


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def test_jwt_from_a_jwks_file(make_loop, keys, tmp_path: Path) -> None:
    private, jwks = keys
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    loop = make_loop(oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_file=tmp_path / "jwks.json")
    link_oidc(loop.tacit.services, handle="lena", issuer=ISSUER, subject="idp-0001")
    me = loop.client.get("/v1/me", headers=bearer(token(private)))
    assert (
        me.status_code == 200 and me.json()["handle"] == "lena" and me.json()["communities"] == {"platform": "member"}
    )
    newcomer = loop.client.get("/v1/me", headers=bearer(token(private, sub="idp-0002", preferred_username="newbie")))
    assert newcomer.json()["communities"] == {}, "first sign-in creates a person with no memberships"
    assert loop.client.get("/v1/me", headers=bearer(token(private, sub="idp-0002"))).json()["handle"] == "newbie"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for bad in (
        token(private, aud="someone-else"),
        token(private, exp=int(time.time()) - 10),
        token(private, iss="https://evil.example.com"),
        token(private, sub=None),
        token(other),
        "not-a-jwt",
    ):
        response = loop.client.get("/v1/me", headers=bearer(bad))
        assert response.status_code == 401, bad
    assert loop.client.get("/v1/me", headers=loop.as_("lena")).status_code == 200, "API tokens still work"


def test_jwt_from_a_jwks_url(make_loop, keys) -> None:
    private, jwks = keys

    class JWKS(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = json.dumps(jwks).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), JWKS)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/jwks.json"
        loop = make_loop(oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_url=url)
        link_oidc(loop.tacit.services, handle="lena", issuer=ISSUER, subject="idp-0001")
        assert loop.client.get("/v1/me", headers=bearer(token(private))).json()["handle"] == "lena"
    finally:
        server.shutdown()


def test_a_handle_claim_never_takes_over_a_local_person(make_loop, keys, tmp_path: Path) -> None:
    """Issue 14, item 11: people are matched by issuer + subject, linked once; `preferred_username` only names."""
    private, jwks = keys
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    loop = make_loop(oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_file=tmp_path / "jwks.json")
    impostor = bearer(token(private, sub="idp-evil", preferred_username="ada"))
    me = loop.client.get("/v1/me", headers=impostor).json()
    assert me["id"] != loop.ids["ada"] and me["handle"] != "ada" and me["communities"] == {}
    assert loop.client.get("/v1/audit", headers=impostor).status_code == 403, "not the admin"
    priya = bearer(token(private, sub="idp-evil", preferred_username="priya"))
    assert loop.client.get("/v1/me", headers=priya).json()["id"] == me["id"], "linked once: the claim changes nothing"
    assert loop.client.get("/v1/audit", headers=loop.as_("ada")).status_code == 200
