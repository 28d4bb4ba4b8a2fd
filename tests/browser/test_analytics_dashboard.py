"""The steward dashboard in a browser (plots with tables, axe-clean), and an LTI launch that signs a person in."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot, sign_in

COMMUNITY = "platform-guild"
ISSUER, CLIENT, DEPLOYMENT, AUTH = (
    "https://lms.example.edu",
    "tacit-browser",
    "deploy-b",
    "https://lms.example.edu/auth",
)
C = "https://purl.imsglobal.org/spec/lti/claim/"


def test_a_steward_reads_the_dashboard(page, demo_site) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo_site, "priya")
    page.goto(f"{demo_site.url}/analytics/{COMMUNITY}?period=365d")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Analytics")
    for heading in (
        "Knowledge flow",
        "Critical people",
        "Bottlenecks",
        "Knowledge at risk",
        "From the periphery to the core",
        "Health and the loop",
        "Balanced scorecard",
    ):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    assert page.locator("svg.chart").count() >= 2, "the group flow and the funnel are drawn"
    sankey = page.get_by_role("img", name="Knowledge flow between groups")
    expect(sankey).to_be_visible()
    assert sankey.locator("path.sankey-band").count() >= 1, "each group-to-group flow is a band"
    assert sankey.locator("rect.sankey-node").count() >= 2, "a source block on the left, a target on the right"
    expect(page.get_by_role("table", name="Flow between groups")).to_be_visible()  # the values, for screen readers
    sankey.scroll_into_view_if_needed()
    screenshot(page, "steward-analytics")
    assert page.locator("table").count() >= 6, "every plot has its table"
    assert page.locator("svg.trend").count() >= 1, "the scorecard's trends are drawn beside their values"
    assert_accessible(page)


def test_a_member_cannot_open_the_dashboard(page, demo_site) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo_site, "lena")
    response = page.goto(f"{demo_site.url}/analytics/{COMMUNITY}")
    assert response is not None and response.status == 403
    assert_accessible(page)


def test_an_lti_launch_signs_the_person_into_the_community(page, demo_site) -> None:  # type: ignore[no-untyped-def]
    from workflow.lti import add_deployment, register_platform

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": "k1", "alg": "RS256"}
    services = demo_site.services
    platform = register_platform(
        services, person_id=admin(demo_site), issuer=ISSUER, client_id=CLIENT, auth_login_url=AUTH, jwks={"keys": [jwk]}
    )
    add_deployment(
        services,
        person_id=demo_site.ids["priya"],
        platform_id=platform.id,
        deployment_id=DEPLOYMENT,
        community_id=COMMUNITY,
    )

    def platform_authorizes(route) -> None:  # type: ignore[no-untyped-def]
        """The LMS's authorization endpoint: posts a signed id_token back to the tool, as a real one does."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        now = int(time.time())
        token = jwt.encode(
            {
                "iss": ISSUER,
                "aud": CLIENT,
                "sub": "browser-student",
                "iat": now,
                "exp": now + 300,
                "nonce": query["nonce"],
                "name": "Bea Student",
                C + "message_type": "LtiResourceLinkRequest",
                C + "version": "1.3.0",
                C + "deployment_id": DEPLOYMENT,
                C + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            },
            key,
            algorithm="RS256",
            headers={"kid": "k1"},
        )
        html = (
            f'<!doctype html><form method="post" action="{query["redirect_uri"]}">'
            f'<input type="hidden" name="id_token" value="{token}"><input type="hidden" name="state" '
            f'value="{query["state"]}"></form><script>document.forms[0].submit()</script>'
        )
        route.fulfill(status=200, content_type="text/html", body=html)

    target = f"{demo_site.url}/?community={COMMUNITY}"
    login = page.request.get(
        f"{demo_site.url}/lti/login",
        max_redirects=0,
        params={"iss": ISSUER, "login_hint": "x", "client_id": CLIENT, "target_link_uri": target},
    )
    assert login.status == 302 and login.headers["location"].startswith(AUTH)  # the state cookie is in the browser now
    # The LMS's page is served on the tool's own origin here: over plain http the state cookie is SameSite=Lax,
    # which a cross-site form post would not carry (over https it is SameSite=None; Secure).
    lms_page = f"{demo_site.url}/__lms__/auth?" + urlsplit(login.headers["location"]).query
    page.route(f"{demo_site.url}/__lms__/**", platform_authorizes)
    page.goto(lms_page)
    page.wait_for_url(f"{demo_site.url}/?community={COMMUNITY}")
    expect(page.get_by_role("heading", name="Search guides")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Bea Student")  # signed in: the page names them
    assert_accessible(page)


def admin(site) -> str:  # type: ignore[no-untyped-def]
    from workflow.people import create_admin

    return create_admin(site.services, handle="lti-admin").id
