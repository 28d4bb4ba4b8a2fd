"""Slack nudges and reviews through the interactivity endpoint: signatures, the Answer modal and its fallbacks,
decline and snooze, Approve once, Edit screened, Reject; Web API and response_url mocked with respx."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import respx
from sqlalchemy import select

from store.tables import NudgeRow, ProcessedEventRow
from tests.e2e.slack_payloads import (
    PUBLIC,
    REVIEW_TS,
    answer_by_modal,
    calls,
    click,
    command,
    guide_row,
    loop_with_nudge,
    review_value,
    signed,
    slack_web_mock,
    submit,
)
from tests.e2e.test_loop_offline import REPLY
from tests.e2e.test_webhooks_slack import (
    API,
    DM,
    NUDGE_TS,
    TEAM,
    envelope,
    message,
    post,
    slack_loop,
)


@pytest.fixture
def slack_web() -> Iterator[respx.MockRouter]:
    with slack_web_mock() as mock:
        yield mock


# -- signatures ------------------------------------------------------------------------------------------------


def test_bad_signatures_get_401_and_change_nothing(make_loop, slack_web) -> None:
    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    before = len(slack_web.calls)
    forged = command(loop, "ULENA", "partial index", secret="not-the-secret")
    stale = command(loop, "ULENA", "partial index", age_s=301)
    forged_click = click(loop, "UMARTA", "tacit_nudge_decline", f"{nudge_id}:no_time", select_=True, secret="x")
    stale_click = click(loop, "UMARTA", "tacit_nudge_answer", nudge_id, age_s=6 * 60)
    unsigned = loop.client.post("/v1/webhooks/slack/commands", content=b"team_id=T0001&text=x")
    loop.settle()
    statuses = [r.status_code for r in (forged, stale, forged_click, stale_click, unsigned)]
    assert statuses == [401] * 5 and "5 minutes" in stale.json()["detail"][0]["msg"]
    assert len(slack_web.calls) == before, "no Slack call was made for a forged request"
    nudge = loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
    assert nudge["id"] == nudge_id and nudge["status"] == "open"


def test_a_forged_response_url_is_refused(make_loop, slack_web) -> None:
    loop = slack_loop(make_loop)
    fields = {
        "team_id": TEAM,
        "user_id": "ULENA",
        "command": "/tacit",
        "text": "x",
        "response_url": "https://evil.test/",
    }
    r = signed(loop, "/v1/webhooks/slack/commands", fields)
    assert r.status_code == 400 and "hooks.slack.com" in r.json()["detail"][0]["msg"]


# -- nudges: Answer in a modal, expired triggers, decline and snooze --------------------------------------------


def test_nudge_dm_has_buttons_and_the_answer_modal_drafts_a_guide_reviewed_in_slack(make_loop, slack_web) -> None:
    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    dm = calls(slack_web, "chat.postMessage")[0]
    blocks = json.dumps(json.loads(dm["blocks"]))
    assert all(a in blocks for a in ("tacit_nudge_answer", "tacit_nudge_decline", "tacit_nudge_snooze"))
    assert f"{PUBLIC}/inbox/{nudge_id}" in blocks, "the DM links the nudge's page"

    view = answer_by_modal(loop, slack_web, nudge_id)
    assert view["type"] == "modal" and nudge_id in view["private_metadata"]
    nudges = loop.client.get("/v1/me/nudges", params={"include_closed": True}, headers=loop.as_("marta")).json()
    nudge = next(n for n in nudges if n["id"] == nudge_id)
    assert nudge["status"] == "answered"
    updated = calls(slack_web, "chat.update")
    assert updated and updated[0]["ts"] == NUDGE_TS and "Answered" in updated[0]["text"]

    # The draft reaches marta as a DM with its sections, Approve / Edit / Reject and the review page.
    row = guide_row(loop)
    review = [json.loads(b["blocks"]) for b in calls(slack_web, "chat.postMessage") if "review" in b.get("text", "")]
    assert review, "a review DM was sent"
    flat = json.dumps(review)
    assert "tacit_guide_edit" in flat and "tacit_guide_reject" in flat and f"{PUBLIC}/guides/{row.id}/review" in flat
    assert all(len(blocks) <= 50 for blocks in review)


def test_an_empty_answer_keeps_the_modal_open_with_an_error(make_loop, slack_web) -> None:
    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    values = {"answer": {"text": {"type": "plain_text_input", "value": "   "}}}
    r = submit(loop, "UMARTA", "tacit_answer_view", f"{nudge_id}|{DM}|{NUDGE_TS}", values)
    assert r.status_code == 200 and r.json()["response_action"] == "errors"


@pytest.mark.parametrize("error", ["expired_trigger_id", "exchanged_trigger_id", "timeout"])
def test_an_expired_or_reused_trigger_degrades_to_a_dm_with_a_link(make_loop, slack_web, error) -> None:
    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    if error == "timeout":
        slack_web.post(f"{API}/views.open").mock(side_effect=httpx.ReadTimeout("slow"))
    else:
        slack_web.post(f"{API}/views.open").mock(return_value=httpx.Response(200, json={"ok": False, "error": error}))
    assert click(loop, "UMARTA", "tacit_nudge_answer", nudge_id).status_code == 200
    loop.settle()
    last = calls(slack_web, "chat.postMessage")[-1]
    assert f"{PUBLIC}/inbox/{nudge_id}" in last["text"], "a DM with the nudge's page instead of the modal"
    assert loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]["status"] == "open"


def test_decline_with_a_reason_and_snooze_go_through_the_nudge_rules(make_loop, slack_web) -> None:
    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    # Lena cannot decline marta's nudge: she is told, and nothing changes.
    click(loop, "ULENA", "tacit_nudge_decline", f"{nudge_id}:not_my_area", select_=True)
    loop.settle()
    assert "only its recipient" in calls(slack_web, "response_url")[-1]["text"]
    click(loop, "UMARTA", "tacit_nudge_snooze", f"{nudge_id}:72", select_=True)
    loop.settle()
    nudges = loop.client.get("/v1/me/nudges", params={"include_closed": True}, headers=loop.as_("marta")).json()
    assert nudges[0]["status"] == "snoozed"
    click(loop, "UMARTA", "tacit_nudge_decline", f"{nudge_id}:not_my_area", select_=True)
    loop.settle()
    nudges = loop.client.get("/v1/me/nudges", params={"include_closed": True}, headers=loop.as_("marta")).json()
    assert nudges[0]["status"] == "declined"
    with loop.tacit.services.db.session() as s:
        assert s.get(NudgeRow, nudge_id).decline_reason == "not_my_area", "the reason is stored"
    assert "Declined (Not my area)" in calls(slack_web, "chat.update")[-1]["text"]


def test_replying_in_the_dm_thread_still_works(make_loop, slack_web) -> None:
    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    dm_reply = message("UMARTA", REPLY, "1700000200.000400", thread_ts=NUDGE_TS, channel=DM, channel_type="im")
    post(loop, envelope(dm_reply, "Ev0003"))
    loop.settle()
    nudges = loop.client.get("/v1/me/nudges", params={"include_closed": True}, headers=loop.as_("marta")).json()
    assert next(n for n in nudges if n["id"] == nudge_id)["status"] == "answered"


# -- review: approve once, only the reviewer, edits screened ----------------------------------------------------


def test_double_click_on_approve_publishes_once_and_only_the_reviewer_may(make_loop, slack_web) -> None:
    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    answer_by_modal(loop, slack_web, nudge_id)
    value = review_value(slack_web)

    click(loop, "ULENA", "tacit_guide_approve", value, ts=REVIEW_TS)
    loop.settle()
    assert guide_row(loop).status == "draft", "lena is not the reviewer"
    assert "does not exist" in calls(slack_web, "response_url")[-1]["text"], "404, not 403: nothing disclosed"

    first, second = (click(loop, "UMARTA", "tacit_guide_approve", value, ts=REVIEW_TS) for _ in range(2))
    assert first.status_code == second.status_code == 200
    loop.settle()
    click(loop, "UMARTA", "tacit_guide_approve", value, ts=REVIEW_TS)  # a late third click
    loop.settle()
    row = guide_row(loop)
    assert row.status == "published"
    with loop.tacit.services.db.session() as s:
        keys = list(s.scalars(select(ProcessedEventRow.dedupe_key).where(ProcessedEventRow.source == "tacit")))
    assert len([k for k in keys if k.startswith("announce:")]) == 1, "announced once"
    outcomes = [u for u in calls(slack_web, "chat.update") if "Approved" in u["text"]]
    assert len(outcomes) == 1 and outcomes[0]["ts"] == REVIEW_TS
    hits = loop.client.get("/v1/search", params={"q": "partial index soft deleted"}, headers=loop.as_("lena")).json()
    assert [h["guide_id"] for h in hits["results"]] == [row.id]


def test_an_edit_in_the_modal_keeps_citations_and_is_screened_for_personal_data(make_loop, slack_web) -> None:
    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    answer_by_modal(loop, slack_web, nudge_id)
    guide_id, version = review_value(slack_web).split(":")
    before = loop.client.get(f"/v1/guides/{guide_id}", headers=loop.as_("marta")).json()["content"]
    section = next(iter(before["sections"]))
    click(loop, "UMARTA", "tacit_guide_edit", f"{guide_id}:{version}:{section}", ts=REVIEW_TS)
    view = json.loads(calls(slack_web, "views.open")[-1]["view"])
    assert view["callback_id"] == "tacit_edit_view" and len(view["blocks"]) <= 100
    count = len(before["sections"][section])
    values = {f"s{n}": {"text": {"type": "plain_text_input", "value": f"Sentence {n}."}} for n in range(count)}
    values["s0"]["text"]["value"] = "Ask marta.k@example.com or call +44 20 7946 0958 before you build it."
    assert submit(loop, "UMARTA", view["callback_id"], view["private_metadata"], values).status_code == 200
    loop.settle()

    after = loop.client.get(f"/v1/guides/{guide_id}", headers=loop.as_("marta")).json()
    edited = after["content"]["sections"][section]
    assert after["version"] == int(version) + 1
    assert "marta.k@example.com" not in json.dumps(after) and "7946" not in json.dumps(after)
    assert [s["citations"] for s in edited] == [s["citations"] for s in before["sections"][section]]
    assert review_value(slack_web) == f"{guide_id}:{after['version']}", "the new version is sent for review"
    # Approving the old version's message does nothing: the reviewer approves what they saw.
    click(loop, "UMARTA", "tacit_guide_approve", f"{guide_id}:{version}", ts=REVIEW_TS)
    loop.settle()
    assert guide_row(loop).status == "draft"


def test_reject_updates_the_message(make_loop, slack_web) -> None:
    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    answer_by_modal(loop, slack_web, nudge_id)
    click(loop, "UMARTA", "tacit_guide_reject", review_value(slack_web), ts=REVIEW_TS)
    loop.settle()
    assert guide_row(loop).status == "rejected" and calls(slack_web, "chat.update")[-1]["text"] == "Rejected."
