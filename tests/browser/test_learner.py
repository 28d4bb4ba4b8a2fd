"""A learner finds a guide by meaning, opens a citation and says it helped; a stranger cannot reach it by URL."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot, sign_in
from workflow.reading import feedback_on_my_guides

QUERY = "pods killed for using too much RAM"  # by meaning: only "pods" is a word of the guide


def test_a_learner_finds_the_guide_by_meaning_opens_a_citation_and_marks_it_helpful(page, demo_site) -> None:
    sign_in(page, demo_site, "lena")
    assert_accessible(page)
    page.get_by_label("What are you looking for?").fill(QUERY)
    page.get_by_role("button", name="Search").click()
    result = page.locator("ol.results > li").first
    expect(result.get_by_role("link")).to_contain_text("OOMKilled")
    assert "q=pods" in page.url, "the URL keeps the query"
    expect(result).to_contain_text("approved by Sam Okafor")
    assert result.locator("mark").count() >= 1, "the words that matched are highlighted"
    assert_accessible(page)
    screenshot(page, "search")
    result.get_by_role("link").first.click()
    page.wait_for_url("**/guides/*")
    first_citation = page.locator("details.cite").first
    first_citation.locator("summary").click()
    expect(first_citation.locator("blockquote")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "guide")

    page.go_back()  # Back restores the results from the URL
    result = page.locator("ol.results > li").first
    expect(result.get_by_role("link")).to_contain_text("OOMKilled")
    result.get_by_role("button", name="Helpful").click()
    expect(page.locator(f"#{result.get_attribute('id')}")).to_contain_text("reviewer will see")
    assert_accessible(page)
    reviews = feedback_on_my_guides(demo_site.services, person_id=demo_site.ids["sam"])
    assert any(f.helpful and "OOMKilled" in f.guide_title for f in reviews), "the reviewer sees it"


def test_not_helpful_asks_why_and_works_without_javascript(browser, demo_site) -> None:
    context = browser.new_context(base_url=demo_site.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, demo_site, "tom")
        page.goto("/?q=" + QUERY.replace(" ", "+"))
        result = page.locator("ol.results > li").first
        result.get_by_text("Not helpful…").click()
        result.get_by_label("Outdated").check()
        result.get_by_role("button", name="Send").click()
        expect(page.locator("ol.results")).to_contain_text("reviewer will see")
    finally:
        context.close()
    said = feedback_on_my_guides(demo_site.services, person_id=demo_site.ids["sam"])
    assert any(not f.helpful and f.reason == "outdated" for f in said)


def test_a_search_that_finds_nothing_is_recorded_for_stewards(page, demo_site) -> None:
    from elicitor.model import Role
    from workflow.people import add_person, create_community
    from workflow.reading import missed_searches

    create_community(demo_site.services, community_id="new-guild", name="New Guild")  # no guide written yet
    steward = add_person(demo_site.services, handle="nia", community_id="new-guild", role=Role.STEWARD)
    sign_in(page, demo_site, "nia")
    page.goto("/?q=how+do+we+rotate+secrets")
    assert "No guide found" in page.get_by_role("heading", level=2).inner_text()
    assert_accessible(page)
    missed = missed_searches(demo_site.services, actor_id=steward.id, community_id="new-guild")
    assert [m.query for m in missed] == ["how do we rotate secrets"]


def test_a_member_of_another_community_cannot_open_the_guide_by_url(page, demo_site) -> None:
    from elicitor.model import Role
    from workflow.guides import list_published
    from workflow.people import add_person, create_community

    guide = list_published(demo_site.services, person_id=demo_site.ids["lena"], community_id=None)[0]
    create_community(demo_site.services, community_id="secret-rnd", name="Confidential R&D")
    add_person(demo_site.services, handle="otto", community_id="secret-rnd", role=Role.MEMBER)
    sign_in(page, demo_site, "otto")
    for url in (f"/guides/{guide.id}", f"/guides/{guide.id}/markdown", f"/guides/{guide.id}/review"):
        response = page.goto(url)
        assert response is not None and response.status == 404, url
        assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert "OOMKilled" not in page.content()
    assert_accessible(page)


def test_search_by_keyboard_alone(page, demo_site) -> None:
    sign_in(page, demo_site, "kwame")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # past the heading into the search box
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type(QUERY)
    page.keyboard.press("Enter")
    expect(page.locator("ol.results > li").first).to_contain_text("OOMKilled")
    page.keyboard.press("Shift+Tab")
    for _ in range(5):  # forward to the first result's link
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('ol.results') !== null"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/guides/*")


def test_pages_fit_a_320_pixel_screen_in_dark_mode(browser, demo_site) -> None:
    context = browser.new_context(base_url=demo_site.url, viewport={"width": 320, "height": 640}, color_scheme="dark")
    page = context.new_page()
    try:
        sign_in(page, demo_site, "chloe")
        page.goto("/?q=" + QUERY.replace(" ", "+"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, "no sideways scrolling at 320 px"
        assert_accessible(page)  # contrast in the dark theme too
        page.locator("ol.results > li").first.get_by_role("link").first.click()
        page.wait_for_url("**/guides/*")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert_accessible(page)
        screenshot(page, "guide-320-dark")
    finally:
        context.close()
