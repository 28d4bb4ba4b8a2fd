"""The steward console in a real browser: settings, held messages, members, assessments, audit, erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot, sign_in
from tests.browser.helpers import tab_to

COMMUNITY = "platform-guild"
CONSOLE = f"/steward/{COMMUNITY}"
# Words nobody else in the demo uses, so "gone from the pages" is a plain text check.
QUESTION = (
    "How do I tune autovacuum for the wombat ledger tables? Ping me at zoe.wombat@example.com with what you know."
)
ANSWER = "Lower autovacuum_vacuum_scale_factor to 0.01 on the wombat ledger tables; the default waits far too long."


def _set_policy(page, policy: str) -> None:  # noqa: ANN001
    page.goto(CONSOLE)
    page.get_by_label(
        "Hold them until a steward releases them" if policy == "hold" else "Redact them", exact=False
    ).check()
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_url(f"**{CONSOLE}?done=settings")


def _post_thread(site) -> str:  # noqa: ANN001
    """Zoe (new to the community) asks, with her email in the question; Rafael answers. Returns the thread id."""
    from store.records import IncomingMessage
    from workflow.ingest import ingest_messages

    now = datetime.now(UTC)
    batch = [
        IncomingMessage(
            external_id="wombat-q",
            thread="wombat",
            author="zoe",
            author_name="Zoe Wombat",
            text=QUESTION,
            created_at=now - timedelta(minutes=30),
            thread_title="Autovacuum on the wombat ledger",
        ),
        IncomingMessage(
            external_id="wombat-a",
            thread="wombat",
            author="rafael",
            text=ANSWER,
            parent="wombat-q",
            created_at=now - timedelta(minutes=20),
            accepted=True,
        ),
    ]
    ingest_messages(site.services, community_id=COMMUNITY, batch=batch)
    site.settle()
    with site.services.db.session() as s:
        from sqlalchemy import select

        from store.tables import MessageRow

        return s.scalars(select(MessageRow.thread_id).where(MessageRow.external_id == "wombat-q")).one()


def _publish_guide(site, thread_id: str) -> str:  # noqa: ANN001
    """Rafael's guide from the thread, approved (as the loop does after a reply)."""
    from workflow.guides import approve, guides_to_review

    rafael = site.ids["rafael"]
    site.services.runner.enqueue("synthesize_guide", thread_id, {"thread_id": thread_id, "reviewer_id": rafael})
    site.settle()
    draft = next(g for g in guides_to_review(site.services, person_id=rafael) if g.thread_id == thread_id)
    approve(site.services, person_id=rafael, guide_id=draft.id)
    site.settle()
    return draft.id


def test_a_steward_releases_a_held_message_then_erases_its_author(page, demo_site) -> None:
    sign_in(page, demo_site, "priya")
    page.goto("/steward")
    page.wait_for_url(f"**{CONSOLE}")  # one community governed: its console at once
    assert page.get_by_role("heading", level=1).inner_text() == "Platform Engineering Guild: settings"
    assert_accessible(page)
    screenshot(page, "steward-settings")
    _set_policy(page, "hold")
    try:
        thread_id = _post_thread(demo_site)
    finally:
        _set_policy(page, "redact")

    # The held queue shows Zoe's question (the steward sees the text to decide) and releases it redacted.
    page.get_by_role("link", name="Held messages (1)").click()
    held = page.locator("main .card")
    assert "wombat ledger" in held.inner_text() and "EMAIL" in held.inner_text()
    assert_accessible(page)
    screenshot(page, "steward-held")
    page.get_by_role("button", name="Release message 1").click()
    page.wait_for_url(f"**{CONSOLE}/held?done=released")
    assert page.get_by_role("status").inner_text().startswith("Message released")
    assert "No message is held." in page.locator("main").inner_text()
    demo_site.settle()
    guide_id = _publish_guide(demo_site, thread_id)

    from workflow.guides import get_guide

    before = get_guide(demo_site.services, person_id=demo_site.ids["lena"], guide_id=guide_id)
    assert "wombat" in str(before.content)
    assert "zoe.wombat@example.com" not in str(before.content)  # released redacted

    # Her words are on the pages: the guide (its sources) and search.
    page.goto(f"/guides/{guide_id}")
    assert "Zoe Wombat" in page.locator("main").inner_text()
    page.goto("/?q=autovacuum+on+the+wombat+ledger")
    assert "wombat" in page.locator("main").inner_text().lower()

    # Erasure: the members page links to a confirmation step that says what will go.
    page.goto(f"{CONSOLE}/members")
    assert_accessible(page)
    screenshot(page, "steward-members")
    page.get_by_role("link", name="Erase or anonymize Zoe Wombat").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Erase or anonymize Zoe Wombat"
    body = page.locator("main").inner_text()
    assert "1 message they wrote" in body and "Autovacuum on the wombat ledger" in body
    assert_accessible(page)
    page.get_by_role("button", name="Confirm for Zoe Wombat").click()  # nothing chosen: asked again, nothing lost
    assert page.get_by_role("alert").is_visible() or page.url.endswith("/erase")
    page.get_by_label("Erase: delete everything listed above").check()
    page.get_by_label("I understand this cannot be undone").check()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm for Zoe Wombat").click()
    page.wait_for_url(f"**{CONSOLE}/members?done=erased")
    assert "Zoe Wombat" not in page.locator("main").inner_text()
    demo_site.settle()

    # Her words are gone from every page: the console, search, the guide (rewritten from Rafael's answer).
    for path in (
        f"{CONSOLE}/assessments",
        f"{CONSOLE}/held",
        f"{CONSOLE}/audit",
        "/?q=autovacuum+on+the+wombat+ledger",
    ):
        page.goto(path)
        assert "zoe" not in page.locator("main").inner_text().lower(), path
    page.goto(f"/guides/{guide_id}")  # rewritten from Rafael's answer, out of search until he approves it again
    assert "zoe" not in page.locator("main").inner_text().lower()
    assert "ping me" not in page.locator("main").inner_text().lower()
    page.goto(f"{CONSOLE}/audit?action=person.erased")
    assert "person.erased" in page.locator("table").inner_text()
    assert_accessible(page)
    screenshot(page, "steward-audit")


def test_settings_errors_are_shown_next_to_the_field(page, demo_site) -> None:
    sign_in(page, demo_site, "priya")
    page.goto(CONSOLE)
    page.get_by_label("Terse-answer threshold").fill("7")
    page.locator("form.settings").evaluate("f => f.noValidate = true")  # the server checks too
    page.get_by_role("button", name="Save settings").click()
    field = page.get_by_label("Terse-answer threshold")
    assert field.get_attribute("aria-invalid") == "true"
    assert "from 0 to 1" in page.get_by_role("alert").inner_text()
    assert_accessible(page)


def test_assessments_explain_and_take_marks_as_labels(page, demo_site) -> None:
    from workflow.console import assessments

    sign_in(page, demo_site, "priya")
    page.goto(f"{CONSOLE}/assessments?candidates=on")
    first = page.locator("main li.card").first
    assert "Why" in first.inner_text() and "Outcome" in first.inner_text()
    assert_accessible(page)
    screenshot(page, "steward-assessments")
    message_id = first.get_attribute("id")[2:]  # type: ignore[index]
    with page.expect_navigation(url="**done=marked**"):  # the URL may already be this one
        first.get_by_role("button", name="Should not have nudged").click()
    mark = next(
        a
        for a in assessments(demo_site.services, actor_id=demo_site.ids["priya"], community_id=COMMUNITY, limit=1000)
        if a.message_id == message_id
    )
    assert mark.should_nudge is False
    card = page.locator(f"#a-{message_id}")
    assert card.get_by_role("button", name="Should not have nudged").get_attribute("aria-pressed") == "true"
    with page.expect_navigation(url="**done=marked**"):  # the URL may already be this one
        card.get_by_role("button", name="Clear mark").click()
    assert_accessible(page)


def test_the_audit_log_filters_and_exports_csv(page, demo_site) -> None:
    sign_in(page, demo_site, "priya")
    page.goto(f"{CONSOLE}/audit")
    page.get_by_label("From (UTC)").fill("2020-01-01")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**since=2020-01-01**")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these events as CSV").click()
    text = Path(download.value.path()).read_text()
    assert text.splitlines()[0] == "id,at,actor_id,actor,action,target_type,target_id,details"
    page.goto(f"{CONSOLE}/audit?since=tomorrow")
    assert "2026-12-01" in page.get_by_role("alert").inner_text()
    assert_accessible(page)


def test_a_member_gets_the_404_page_for_a_console(page, demo_site) -> None:
    sign_in(page, demo_site, "lena")
    for path in (CONSOLE, f"{CONSOLE}/held", f"{CONSOLE}/audit?format=csv", "/steward/no-such-community"):
        response = page.goto(path)
        assert response is not None and response.status in (403, 404), path
    # Another community's console answers 404, as if it did not exist.
    from workflow.governance import CommunitySettings, create_community

    admin = _admin(demo_site)
    create_community(
        demo_site.services,
        actor_id=admin,
        community_id="secret-lab",
        settings=CommunitySettings(name="Secret lab", visibility="confidential"),
    )
    response = page.goto("/steward/secret-lab/members")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert "secret" not in page.locator("main").inner_text().lower()
    assert_accessible(page)
    page.goto("/steward")
    assert "You do not govern any community" in page.locator("main").inner_text()
    assert_accessible(page)


def _admin(site) -> str:  # noqa: ANN001
    from workflow.people import create_admin

    return create_admin(site.services, handle="ada-console").id


def test_the_console_works_at_320_px_and_in_dark_mode(page, demo_site) -> None:
    sign_in(page, demo_site, "priya")
    page.set_viewport_size({"width": 320, "height": 800})
    page.emulate_media(color_scheme="dark")
    for path in (CONSOLE, f"{CONSOLE}/members", f"{CONSOLE}/assessments", f"{CONSOLE}/audit"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        assert_accessible(page)


def test_searches_that_found_nothing_reach_the_console(page, demo_site) -> None:
    from elicitor.model import Role
    from workflow.people import add_person, create_community

    create_community(demo_site.services, community_id="quiet-guild", name="Quiet Guild")  # no guide written yet
    add_person(demo_site.services, handle="quinn", community_id="quiet-guild", role=Role.STEWARD)
    add_person(demo_site.services, handle="uma", community_id="quiet-guild", role=Role.MEMBER)
    sign_in(page, demo_site, "uma")
    page.goto("/?q=descaling+the+espresso+machine")
    page.context.clear_cookies()
    sign_in(page, demo_site, "quinn")
    page.goto("/steward/quiet-guild/missing")
    assert "descaling the espresso machine" in page.locator("table").inner_text()
    assert_accessible(page)
    screenshot(page, "steward-missing")
    page.get_by_role("link", name="Find people who know about descaling the espresso machine").click()
    page.wait_for_url("**/experts?q=descaling**")


def test_hostile_community_text_is_shown_as_text(page, demo_site) -> None:
    from store.records import IncomingMessage
    from workflow.ingest import ingest_messages

    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script> [x](javascript:alert(3)) we should use btree'
    now = datetime.now(UTC)
    batch = [
        IncomingMessage(
            external_id="hostile-q",
            thread="hostile",
            author="kwame",
            text="Which index type for a lookup column?<b>bold</b>",
            created_at=now - timedelta(minutes=9),
            thread_title="<i>Index</i>",
        ),
        IncomingMessage(
            external_id="hostile-a",
            thread="hostile",
            author="jonas",
            text=hostile,
            parent="hostile-q",
            created_at=now - timedelta(minutes=8),
        ),
    ]
    ingest_messages(demo_site.services, community_id=COMMUNITY, batch=batch)
    demo_site.settle()
    sign_in(page, demo_site, "priya")
    page.goto(f"{CONSOLE}/assessments")
    main = page.locator("main")
    assert 'onerror="alert(1)"' in main.inner_text() and "<i>Index</i>" in main.inner_text()
    assert main.locator("img, script, i, b").count() == 0
    assert_accessible(page)


def test_the_console_by_keyboard_alone(page, demo_site) -> None:
    sign_in(page, demo_site, "priya")
    page.goto(CONSOLE)
    for expected in (True, False):  # switch Chatham House on, then back off
        tab_to(page, "#chatham_house")
        page.keyboard.press("Space")
        tab_to(page, "form.settings button[type=submit]")
        # The second round starts on the URL it ends on: wait for this submit's own navigation, not the URL.
        with page.expect_navigation(url=f"**{CONSOLE}?done=settings"):
            page.keyboard.press("Enter")
        assert page.get_by_label("Chatham House mode").is_checked() is expected
    tab_to(page, "a[href$='/held']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{CONSOLE}/held")
    assert page.get_by_role("heading", level=1).inner_text().endswith("held messages")


def test_a_steward_of_several_communities_picks_one(page, demo_site) -> None:
    from elicitor.model import Role
    from workflow.people import add_person, create_community

    for community_id, name in (("picker-one", "Picker One"), ("picker-two", "Picker Two")):
        create_community(demo_site.services, community_id=community_id, name=name)
        add_person(demo_site.services, handle="pia", community_id=community_id, role=Role.STEWARD)
    sign_in(page, demo_site, "pia")
    page.goto("/steward")
    assert page.get_by_role("heading", level=1).inner_text() == "Steward console"
    assert_accessible(page)
    page.get_by_role("link", name="Picker Two").click()
    page.wait_for_url("**/steward/picker-two")
    picker = page.get_by_role("navigation", name="Communities you govern")
    assert picker.get_by_role("link", name="Picker Two").get_attribute("aria-current") == "page"
    picker.get_by_role("link", name="Picker One").click()
    page.wait_for_url("**/steward/picker-one")
    assert_accessible(page)
