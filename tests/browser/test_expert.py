"""An expert signs in with a link, answers a nudge, edits one sentence of the draft and approves it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot, sign_in
from workflow.guides import list_published
from workflow.nudges import inbox

REPLY = (
    "A partial index on projects (tenant_id) WHERE deleted_at IS NULL keeps only live rows, so the planner "
    "uses it for the listing. Create it CONCURRENTLY so writes are not blocked, and check the plan with EXPLAIN."
)


def test_an_expert_answers_a_nudge_edits_the_draft_and_approves_it(page, demo_site) -> None:
    sign_in(page, demo_site, "marta")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your inbox")
    assert_accessible(page)
    screenshot(page, "inbox")
    page.get_by_role("link", name="Tenant listing query is slow").click()
    expect(page.get_by_role("heading", name="The thread")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "nudge")
    page.get_by_label("What would you tell a colleague?").fill(REPLY)
    page.get_by_role("button", name="Send answer").click()
    expect(page.get_by_role("status")).to_contain_text("draft guide is being written")
    demo_site.settle()
    page.reload()
    page.get_by_role("region", name="Drafts to review").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review:")
    assert_accessible(page)
    screenshot(page, "review")

    first = page.locator("textarea[id^='s-']").first
    edited = first.input_value().rstrip(".") + ", as measured on staging."
    first.fill(edited)
    page.get_by_role("button", name="Save sentence").first.click()
    expect(page.get_by_role("status")).to_have_text("Saved as a new version.")
    assert page.locator("textarea[id^='s-']").first.input_value() == edited
    page.get_by_role("button", name="Approve and publish").click()
    page.wait_for_url("**/guides/*")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tenant listing")
    assert_accessible(page)
    demo_site.settle()
    published = list_published(demo_site.services, person_id=demo_site.ids["lena"], community_id=None)
    mine = [g for g in published if g.reviewer_id == demo_site.ids["marta"]]
    assert mine and edited in str(mine[0].content), "the edited sentence is what was published"


def test_decline_with_a_reason_is_stored_and_keyboard_alone_works(page, demo_site) -> None:
    from sqlalchemy import select

    from store.tables import NudgeRow

    waiting = [p for p in ("jonas", "aiko", "rafael") if inbox(demo_site.services, person_id=demo_site.ids[p])]
    assert waiting, "the demo leaves questions in other experts' inboxes"
    handle = waiting[0]
    nudge = inbox(demo_site.services, person_id=demo_site.ids[handle])[0]
    sign_in(page, demo_site, handle)
    page.goto(f"/inbox/{nudge.id}")
    page.get_by_label("Not my area").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Decline"
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Declined")
    with demo_site.services.db.session() as s:
        row = s.scalars(select(NudgeRow).where(NudgeRow.id == nudge.id)).one()
        assert (row.status, row.decline_reason) == ("declined", "not_my_area")


def test_someone_elses_nudge_and_draft_are_not_found(page, demo_site) -> None:
    nudge = inbox(demo_site.services, person_id=demo_site.ids["marta"], include_closed=True)[0]
    sign_in(page, demo_site, "lena")
    response = page.goto(f"/inbox/{nudge.id}")
    assert response is not None and response.status == 404
    assert_accessible(page)


def _tab_to(page, predicate: str, limit: int = 80) -> None:  # noqa: ANN001
    """Press Tab until the focused element matches `predicate` (a JS expression over `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate}; }})()"):
            return
    raise AssertionError(f"Tab never reached {predicate}")


def test_answering_and_reviewing_by_keyboard_alone(page, demo_site) -> None:
    sign_in(page, demo_site, "marta")
    page.goto("/inbox")
    _tab_to(page, "el.textContent === 'Renaming a column without downtime'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox/*")
    _tab_to(page, "el.id === 'reply'")
    page.keyboard.type("Backfills run for hours and deploys restart workers, so keep a cursor and resume from it.")
    _tab_to(page, "el.textContent === 'Send answer'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("draft guide is being written")
    demo_site.settle()
    page.reload()
    _tab_to(page, "el.closest('section') && el.closest('section').id === '' && el.textContent.startsWith('Renaming')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/review")
    _tab_to(page, "el.tagName === 'TEXTAREA' && el.id.startsWith('s-')")
    page.keyboard.press("End")
    page.keyboard.type(" (checked by keyboard)")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Save sentence"
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Saved as a new version.")
    assert "(checked by keyboard)" in page.locator("textarea[id^='s-']").first.input_value()
    _tab_to(page, "el.textContent === 'Approve and publish'", limit=200)
    page.keyboard.press("Enter")
    page.wait_for_url("**/guides/*")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Renaming a column")
