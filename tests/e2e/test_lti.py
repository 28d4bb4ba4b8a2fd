"""LTI 1.3 with the test acting as the platform: locally signed id_tokens, good and bad."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
import respx
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.e2e.conftest import COMMUNITY

PUBLIC = "http://testserver"
ISSUER, CLIENT, DEPLOYMENT = "https://lms.example.edu", "tacit-client-1", "deploy-1"
AUTH = "https://lms.example.edu/auth"
TOKEN_URL = "https://lms.example.edu/token"
MEMBERS_URL = "https://lms.example.edu/courses/7/memberships"
C = "https://purl.imsglobal.org/spec/lti/claim/"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


class Platform:
    """The LMS: its key, its JWKS, the id_tokens it signs."""

    def __init__(self, kid: str = "lms-key-1") -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = kid

    def jwks(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def id_token(self, nonce: str, *, key: rsa.RSAPrivateKey | None = None, **changes: object) -> str:
        now = int(time.time())
        claims: dict = {
            "iss": ISSUER,
            "aud": CLIENT,
            "sub": "user-42",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": "Jo <Student>",
            C + "message_type": "LtiResourceLinkRequest",
            C + "version": "1.3.0",
            C + "deployment_id": DEPLOYMENT,
            C + "roles": [LIS + "Learner"],
            C + "target_link_uri": f"{PUBLIC}/guides/abc",
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": MEMBERS_URL,
                "service_versions": ["2.0"],
            },
        }
        claims.update(changes)
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})


@pytest.fixture
def lms(make_loop):  # type: ignore[no-untyped-def]
    loop = make_loop(public_url=PUBLIC)
    platform = Platform()
    c = loop.client
    r = c.post(
        "/v1/lti/platforms",
        headers=loop.as_("ada"),
        json={
            "issuer": ISSUER,
            "client_id": CLIENT,
            "auth_login_url": AUTH,
            "auth_token_url": TOKEN_URL,
            "jwks": platform.jwks(),
        },
    )
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = c.put(
        f"/v1/lti/platforms/{pid}/deployments",
        json={"deployment_id": DEPLOYMENT, "community_id": COMMUNITY},
        headers=loop.as_("priya"),
    )
    assert r.status_code == 204, r.text
    return loop, platform


def start(loop, target: str = f"{PUBLIC}/guides/abc") -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Login initiation as the platform sends it; returns the state and nonce the tool asked the LMS to echo."""
    r = loop.client.get(
        "/lti/login",
        params={"iss": ISSUER, "login_hint": "42", "target_link_uri": target, "client_id": CLIENT},
        follow_redirects=False,
    )
    assert r.status_code == 302, r.text
    redirect = urlsplit(r.headers["location"])
    assert f"{redirect.scheme}://{redirect.netloc}{redirect.path}" == AUTH
    query = {k: v[0] for k, v in parse_qs(redirect.query).items()}
    assert query["redirect_uri"] == f"{PUBLIC}/lti/launch" and query["response_mode"] == "form_post"
    return query["state"], query["nonce"]


def post_launch(loop, id_token: str, state: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    return loop.client.post("/lti/launch", data={"id_token": id_token, "state": state}, follow_redirects=False)


def signed_in(loop):  # type: ignore[no-untyped-def]
    """The person the browser's session cookie signs in."""
    from workflow.sessions import person_for_session

    token = loop.client.cookies.get("tacit_session").rpartition(".")[0]
    return person_for_session(loop.tacit.services, token)


def roles_of(loop, person_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from store.tables import MembershipRow

    with loop.tacit.services.db.session() as session:
        rows = session.scalars(select(MembershipRow).where(MembershipRow.person_id == person_id))
        return {m.community_id: m.role for m in rows}


def people(loop) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from store.tables import PersonRow

    with loop.tacit.services.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(PersonRow)) or 0)


def test_a_launch_signs_the_person_into_the_community(lms) -> None:  # type: ignore[no-untyped-def]
    loop, platform = lms
    state, nonce = start(loop)
    r = post_launch(loop, platform.id_token(nonce), state)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/guides/abc"
    assert "tacit_session=" in r.headers["set-cookie"] and "httponly" in r.headers["set-cookie"].lower()
    # The pages' session is that person's: a member of the course's community (and of no other).
    person = signed_in(loop)
    assert person is not None and person.display_name == "Jo <Student>"
    assert roles_of(loop, person.id) == {COMMUNITY: "member"}
    page = loop.client.get("/", params={"community": COMMUNITY})
    assert page.status_code == 200


@pytest.mark.parametrize(
    "case",
    ["bad signature", "wrong audience", "expired", "unknown deployment", "wrong nonce", "wrong issuer", "no cookie"],
)
def test_bad_launches_are_refused_and_store_nothing(lms, case: str) -> None:  # type: ignore[no-untyped-def]
    loop, platform = lms
    state, nonce = start(loop)
    before = people(loop)
    token = {
        "bad signature": lambda: platform.id_token(
            nonce, key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ),
        "wrong audience": lambda: platform.id_token(nonce, aud="someone-else"),
        "expired": lambda: platform.id_token(nonce, exp=int(time.time()) - 3600, iat=int(time.time()) - 4000),
        "unknown deployment": lambda: platform.id_token(nonce, **{C + "deployment_id": "deploy-unknown"}),
        "wrong nonce": lambda: platform.id_token(uuid.uuid4().hex),
        "wrong issuer": lambda: platform.id_token(nonce, iss="https://evil.example"),
        "no cookie": lambda: platform.id_token(nonce),
    }[case]()
    if case == "no cookie":
        loop.client.cookies.clear()
    r = post_launch(loop, token, state)
    assert r.status_code == 403, (case, r.text)
    assert "launch" in r.text.lower() or "login" in r.text.lower()  # the error page says why
    assert "tacit_session" not in r.headers.get("set-cookie", "")
    assert people(loop) == before


def test_a_replayed_launch_is_refused(lms) -> None:  # type: ignore[no-untyped-def]
    loop, platform = lms
    state, nonce = start(loop)
    token = platform.id_token(nonce)
    assert post_launch(loop, token, state).status_code == 303
    loop.client.cookies.set("tacit_lti_state", state, path="/lti")  # an attacker replays cookie and all
    again = post_launch(loop, token, state)
    assert again.status_code == 403 and "already used" in again.text


def test_instructors_steward_and_roles_are_never_lowered(lms) -> None:  # type: ignore[no-untyped-def]
    loop, platform = lms
    state, nonce = start(loop)
    post_launch(loop, platform.id_token(nonce, sub="teacher-1", **{C + "roles": [LIS + "Instructor"]}), state)
    state, nonce = start(loop)
    r = post_launch(loop, platform.id_token(nonce, sub="teacher-1", **{C + "roles": [LIS + "Learner"]}), state)
    assert r.status_code == 303
    person = signed_in(loop)
    assert person is not None and roles_of(loop, person.id) == {COMMUNITY: "steward"}  # not lowered


def test_deep_linking_returns_guides_as_resource_links(lms) -> None:  # type: ignore[no-untyped-def]
    from tests.e2e.test_analytics_api import run_the_loop

    loop, platform = lms
    guide_id = run_the_loop(loop)
    state, nonce = start(loop, f"{PUBLIC}/lti/launch")
    dl = {
        C + "message_type": "LtiDeepLinkingRequest",
        C + "roles": [LIS + "Instructor"],
        "sub": "teacher-2",
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
            "deep_link_return_url": "https://lms.example.edu/deep-link-return",
            "data": "opaque-7",
            "accept_types": ["ltiResourceLink"],
        },
    }
    r = post_launch(loop, platform.id_token(nonce, **dl), state)
    assert r.status_code == 303 and r.headers["location"].startswith("/lti/deep-link")
    page = loop.client.get("/lti/deep-link")
    assert page.status_code == 200 and guide_id in page.text and '<html lang="en">' in page.text
    bad = loop.client.post("/lti/deep-link", data={"guide": "not-a-guide"})
    assert bad.status_code == 422 and "published guides" in bad.text
    answer = loop.client.post("/lti/deep-link", data={"guide": guide_id})
    assert answer.status_code == 200, answer.text
    assert 'action="https://lms.example.edu/deep-link-return"' in answer.text
    token = answer.text.split('name="JWT" value="')[1].split('"')[0]
    keys = loop.client.get("/.well-known/jwks.json").json()
    key = jwt.PyJWK(keys["keys"][0]).key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience=ISSUER)
    assert claims["iss"] == CLIENT and claims[C + "message_type"] == "LtiDeepLinkingResponse"
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink" and item["url"] == f"{PUBLIC}/guides/{guide_id}"
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-7"
    spent = loop.client.post("/lti/deep-link", data={"guide": guide_id})
    assert spent.status_code == 403  # the choosing session ends with its answer


def test_names_and_roles_sync_brings_the_course_in(lms) -> None:  # type: ignore[no-untyped-def]
    loop, platform = lms
    state, nonce = start(loop)
    post_launch(loop, platform.id_token(nonce), state)  # the launch tells Tacit where the roster is
    roster = {
        "members": [
            {"user_id": "user-42", "name": "Jo", "roles": [LIS + "Learner"], "status": "Active"},
            {"user_id": "user-43", "name": "Ana", "roles": [LIS + "Mentor"], "status": "Active"},
            {"user_id": "user-44", "name": "Gone", "roles": [LIS + "Learner"], "status": "Inactive"},
        ]
    }
    with respx.mock(assert_all_called=True) as mock:
        token = mock.post(TOKEN_URL).mock(return_value=httpx.Response(200, json={"access_token": "at-1"}))
        mock.get(MEMBERS_URL).mock(return_value=httpx.Response(200, json=roster))
        r = loop.client.post(f"/v1/communities/{COMMUNITY}/lti/sync", headers=loop.as_("priya"))
    assert r.status_code == 200, r.text
    assert r.json() == {"members": 2, "added": 1, "removed": 0}
    form = parse_qs(token.calls[0].request.content.decode())
    assert form["grant_type"] == ["client_credentials"] and "contextmembership.readonly" in form["scope"][0]
    assert loop.client.post(f"/v1/communities/{COMMUNITY}/lti/sync", headers=loop.as_("lena")).status_code == 403


def test_tacit_publishes_its_keys(lms) -> None:  # type: ignore[no-untyped-def]
    loop, _ = lms
    keys = loop.client.get("/.well-known/jwks.json").json()["keys"]
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and "d" not in keys[0]
