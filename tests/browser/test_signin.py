"""Signing in and out in a real browser: the link, the token form, sign-out, and where a stranger lands."""

from __future__ import annotations

from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot, sign_in


def test_a_link_signs_in_once_and_sign_out_ends_the_session(page, demo_site) -> None:
    link = demo_site.link("lena")
    page.goto(link)
    assert_accessible(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo_site.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Search guides"
    cookie = next(c for c in page.context.cookies() if c["name"] == "tacit_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin?signed_out=true")
    assert page.get_by_role("status").inner_text() == "You are signed out."
    # The old cookie is revoked on the server: putting it back does not sign anyone in.
    page.context.add_cookies([cookie])
    page.goto("/")
    assert page.url.endswith("/signin")
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    assert "cannot be used" in page.get_by_role("heading", level=1).inner_text()


def test_the_token_form_signs_in_and_comes_back_to_the_page_asked_for(page, demo_site) -> None:
    from workflow.people import create_token

    page.goto("/?q=oom")
    assert "/signin?next=" in page.url
    assert_accessible(page)
    screenshot(page, "signin")
    page.get_by_label("API token", exact=True).fill("tct_not-a-real-token")
    page.get_by_role("button", name="Sign in").click()
    assert "unknown or revoked" in page.get_by_role("alert").inner_text()
    assert_accessible(page)
    page.get_by_label("API token", exact=True).fill(create_token(demo_site.services, handle="lena"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/?q=oom")


def test_an_unknown_page_is_a_page_not_json(page, demo_site) -> None:
    sign_in(page, demo_site, "lena")
    response = page.goto("/no/such/page")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert_accessible(page)
