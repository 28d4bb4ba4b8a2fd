"""Single sign-on on the pages: authorization code + PKCE against a local issuer with locally signed tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT = "tacit-pages"


class Issuer:
    """A tiny OIDC provider: discovery, an authorize endpoint that consents at once, token (checks PKCE), JWKS."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.subject, self.username = "sub-1", "lena"
        self.codes: dict[str, dict] = {}
        self.server = HTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):  # noqa: ANN202
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                if url.path == "/.well-known/openid-configuration":
                    self._json({"issuer": issuer.url, "authorization_endpoint": f"{issuer.url}/authorize",
                                "token_endpoint": f"{issuer.url}/token", "jwks_uri": f"{issuer.url}/jwks"})  # fmt: skip
                elif url.path == "/jwks":
                    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(issuer.key.public_key()))
                    self._json({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})
                elif url.path == "/authorize":
                    q = {k: v[0] for k, v in parse_qs(url.query).items()}
                    assert q["code_challenge_method"] == "S256" and q["response_type"] == "code"
                    code = secrets.token_urlsafe(16)
                    issuer.codes[code] = q
                    self.send_response(302)
                    self.send_header(
                        "location", f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
                    )
                    self.end_headers()

            def do_POST(self) -> None:  # noqa: N802
                form = {
                    k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["content-length"])).decode()).items()
                }
                asked = issuer.codes.pop(form.get("code", ""), None)
                challenge = base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
                if asked is None or challenge.rstrip(b"=").decode() != asked["code_challenge"]:
                    self._json({"error": "invalid_grant"}, 400)
                    return
                now = int(time.time())
                claims = {"iss": issuer.url, "aud": CLIENT, "sub": issuer.subject, "exp": now + 300, "iat": now,
                          "nonce": asked["nonce"], "preferred_username": issuer.username, "name": "Lena F."}  # fmt: skip
                token = jwt.encode(claims, issuer.key, algorithm="RS256", headers={"kid": "k1"})
                self._json({"id_token": token, "token_type": "Bearer"})

            def _json(self, body: dict, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def issuer():  # noqa: ANN201
    made = Issuer()
    yield made
    made.server.shutdown()


def _sign_in(loop, issuer: Issuer, tamper: str | None = None) -> httpx.Response:  # noqa: ANN001
    start = loop.client.get("/signin/oidc?next=/inbox", follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"].startswith(issuer.url)
    back = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    callback = urlsplit(back)
    query = callback.query if tamper is None else callback.query.replace("state=", f"state={tamper}")
    return loop.client.get(f"{callback.path}?{query}", follow_redirects=False)


def test_sso_signs_in_by_issuer_and_subject_with_pkce(make_loop, issuer: Issuer) -> None:
    loop = make_loop(
        oidc_issuer=issuer.url, oidc_client_id=CLIENT, oidc_audience=CLIENT, oidc_jwks_url=f"{issuer.url}/jwks"
    )
    assert "single sign-on" in loop.client.get("/signin").text
    done = _sign_in(loop, issuer)
    assert done.status_code == 303 and done.headers["location"] == "/inbox"
    me = loop.client.get("/inbox")
    assert me.status_code == 200 and "Lena F." in me.text
    # Same subject, new username: the same person. The existing 'lena' (an API-token person) is NOT taken over.
    first_person = me.text.count("Lena F.")
    issuer.username = "lena.fischer"
    assert _sign_in(loop, issuer).status_code == 303
    assert loop.client.get("/inbox").text.count("Lena F.") == first_person
    issuer.subject = "sub-2"
    issuer.username = "lena"
    assert _sign_in(loop, issuer).status_code == 303
    page = loop.client.get("/")
    assert "Lena F." in page.text and "platform" not in page.text.split("Community")[1].split("</select>")[0], (
        "a new subject is a new person with no memberships, even with the username of an existing one"
    )


def test_a_forged_state_or_a_missing_flow_cookie_is_refused(make_loop, issuer: Issuer) -> None:
    loop = make_loop(
        oidc_issuer=issuer.url, oidc_client_id=CLIENT, oidc_audience=CLIENT, oidc_jwks_url=f"{issuer.url}/jwks"
    )
    forged = _sign_in(loop, issuer, tamper="x")
    assert forged.status_code == 400 and "does not belong to this sign-in" in forged.text
    loop.client.cookies.clear()
    no_cookie = loop.client.get("/signin/oidc/callback?code=abc&state=def", follow_redirects=False)
    assert no_cookie.status_code == 400 and "Single sign-on did not work" in no_cookie.text
    assert loop.client.get("/", follow_redirects=False).status_code == 303, "nobody is signed in"


def test_without_a_client_id_there_is_no_sso(make_loop) -> None:
    loop = make_loop()
    assert loop.client.get("/signin/oidc").status_code == 404
    assert "single sign-on" not in loop.client.get("/signin").text.lower()
