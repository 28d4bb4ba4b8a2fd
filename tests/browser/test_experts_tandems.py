"""Who knows X?, /me and the tandem workspace in a real browser, from the demo data."""

from __future__ import annotations

from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot, sign_in
from tests.browser.helpers import tab_to


def test_who_knows_ranks_people_with_reasons_and_an_endorsement_counts(page, demo_site) -> None:
    sign_in(page, demo_site, "tom")
    page.goto("/experts")
    assert_accessible(page)
    tab_to(page, "#q")
    page.keyboard.type("postgres query tuning")
    page.keyboard.press("Enter")
    page.wait_for_url("**/experts?q=postgres*")
    first = page.locator("main li.card").first
    assert "Marta Kowalska" in first.inner_text()
    assert "endorsement" in first.inner_text()  # the evidence behind the rank
    assert_accessible(page)
    screenshot(page, "experts")
    # Keyboard only: Tab to Marta's endorse button and press Enter (the skill is the query, editable).
    first.get_by_label("Endorse Marta Kowalska for").fill("query tuning")
    tab_to(page, "main li.card:first-child button")
    page.keyboard.press("Enter")
    page.wait_for_url("**done=endorsed**")
    assert "Endorsement saved" in page.get_by_role("status").inner_text()
    from workflow.experts import profile

    assert profile(demo_site.services, person_id=demo_site.ids["marta"]).endorsed.get("query-tuning", 0) >= 1
    page.locator("main li.card").first.get_by_label("Endorse Marta Kowalska for").fill("query tuning")
    page.locator("main li.card").first.get_by_role("button", name="Endorse Marta Kowalska").click()
    assert "already endorsed" in page.get_by_role("alert").inner_text()
    assert_accessible(page)


def test_my_skills_and_visibility(page, demo_site) -> None:
    sign_in(page, demo_site, "chloe")
    page.goto("/me")
    assert_accessible(page)
    page.get_by_label("Skill", exact=True).fill("kafka")
    page.get_by_label("are learning it").check()
    page.get_by_role("button", name="Add skill").click()
    page.wait_for_url("**/me?done=skill")
    assert "kafka" in page.locator("main ul.plain").inner_text().lower()
    assert_accessible(page)
    screenshot(page, "me")
    page.get_by_role("button", name="Remove Kafka").click()
    page.wait_for_url("**/me?done=removed")
    assert "kafka" not in page.locator("main ul.plain").inner_text().lower()
    page.get_by_label("Hide me").check()
    page.get_by_label("Tandems I mentor at once").fill("2")
    with page.expect_navigation(url="**/me?done=profile"):  # the URL may already be this one
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_label("Hide me").is_checked()
    page.get_by_label("Hide me").uncheck()
    with page.expect_navigation(url="**/me?done=profile"):  # the URL may already be this one
        page.get_by_role("button", name="Save", exact=True).click()
    assert not page.get_by_label("Hide me").is_checked()
    assert_accessible(page)


def test_a_tandem_pair_accepts_a_task_and_asks_the_partner(page, demo_site) -> None:
    sign_in(page, demo_site, "lena")
    page.goto("/tandems")
    assert_accessible(page)
    page.get_by_role("link", name="@lena learning with @marta").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Tandem: @lena with @marta"
    suggested = page.locator("section[aria-labelledby=suggested-heading] li.card").first
    title = suggested.locator("h3").inner_text()
    assert suggested.locator("p").first.inner_text()  # why it fits both people
    assert_accessible(page)
    suggested.get_by_role("button", name=f"Accept task {title}").click()
    page.wait_for_url("**done=taken")
    tasks = page.locator("section[aria-labelledby=tasks-heading]")
    assert title in tasks.inner_text()
    assert f"Task taken: {title}" in page.locator("section[aria-labelledby=log-heading]").inner_text()
    # htmx: the partner's answer replaces only the partner's part of the page.
    page.get_by_label("Your question").fill("How should I set Kubernetes memory limits for a JVM service?")
    page.get_by_role("button", name="Ask", exact=True).click()
    answer = page.locator("#partner .answer")
    answer.wait_for()
    assert "Sources" in answer.inner_text()
    assert answer.locator("ol.citations li").count() >= 1
    assert_accessible(page)
    screenshot(page, "tandem")
    tasks.get_by_role("button", name=f"Mark done task {title}").click()
    page.wait_for_url("**done=finished")
    assert "done" in page.locator("section[aria-labelledby=tasks-heading]").inner_text()
    assert_accessible(page)


def test_the_partner_answers_without_javascript_too(browser, demo_site) -> None:  # noqa: ANN001
    context = browser.new_context(base_url=demo_site.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, demo_site, "marta")
        page.goto("/tandems")
        page.get_by_role("link", name="@lena learning with @marta").click()
        page.get_by_label("Your question").fill("   ")
        page.get_by_role("button", name="Ask", exact=True).click()  # whitespace only: asked again, with the reason
        assert "Type a question" in page.get_by_role("alert").inner_text()
        page.get_by_label("Your question").fill("What does a partial index on live rows buy us?")
        page.get_by_role("button", name="Ask", exact=True).click()
        assert page.locator("#partner .answer").is_visible()
    finally:
        context.close()


def test_a_steward_sees_the_pairs_and_creates_one_from_suggestions(page, demo_site) -> None:
    sign_in(page, demo_site, "priya")
    page.goto("/tandems")
    assert "@lena learning with @marta" in page.locator("main").inner_text()
    page.get_by_label("Junior's handle (the person growing)").fill("kwame")
    page.get_by_label("Goals (comma separated; empty: what they are learning)").fill("Terraform")
    page.get_by_role("button", name="Suggest seniors").click()
    page.wait_for_url("**junior=kwame**")
    create = page.get_by_role("button", name="Create tandem with").first
    assert_accessible(page)
    screenshot(page, "tandems-steward")
    create.click()
    page.wait_for_url("**/tandems/*?done=created")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Tandem: @kwame with")
    assert_accessible(page)
    page.goto("/tandems?community=platform-guild&junior=nobody-here")
    assert "nobody-here" in page.get_by_role("alert").inner_text()
    assert_accessible(page)


def test_pages_at_320_px_and_dark(page, demo_site) -> None:
    sign_in(page, demo_site, "lena")
    page.set_viewport_size({"width": 320, "height": 800})
    page.emulate_media(color_scheme="dark")
    for path in ("/experts?q=kubernetes", "/me", "/tandems"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        assert_accessible(page)


def test_a_nul_byte_or_a_huge_number_gets_a_clear_answer(page, demo_site) -> None:
    sign_in(page, demo_site, "chloe")
    page.goto("/me")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.request.post("/me/expertise", form={"csrf_token": token, "mentoring_capacity": "9" * 40})
    assert response.ok and "whole number from 0 to 10" in response.text()
    response = page.request.post("/me/skills", form={"csrf_token": token, "name": "ter\x00raform", "kind": "has"})
    assert response.ok and "Skill added" in response.text()
    response = page.request.post("/experts/endorse", form={"csrf_token": token, "handle": "sam", "skill": "k8s\x00"})
    assert response.ok and "Endorsement saved" in response.text()
