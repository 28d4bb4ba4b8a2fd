"""Slack's slash command, buttons, modals, shortcut and App Home through the two endpoints and the events endpoint.

Payloads are shaped as in Slack's documentation (slash command form fields; block_actions, view_submission and
message_action payloads in a `payload` form field), signed like Slack signs them; every Web API and response_url
call is mocked with respx, and the tests assert what Tacit stored and what it sent.
"""

from __future__ import annotations

import json
import random
import time
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
import respx
from sqlalchemy import func, select

from connectors.slack.verify import sign
from elicitor.model import Role
from store.records import IncomingMessage
from store.repository import Repository
from store.tables import CommunityRow, GuideFeedbackRow, GuideRow, ProcessedEventRow, ThreadRow
from tests.e2e.conftest import COMMUNITY
from tests.e2e.test_loop_offline import QUESTION, REPLY, TERSE
from tests.e2e.test_webhooks_slack import (
    ANSWER,
    API,
    CHANNEL,
    DM,
    NUDGE_TS,
    ROOT,
    SECRET,
    TEAM,
    envelope,
    message,
    post,
    slack_loop,
)
from workflow import guides
from workflow.connectors import link_identity
from workflow.ingest import ingest_messages
from workflow.people import add_person, create_community

HOOK = "https://hooks.slack.com/actions/T0001/6789/rEsPoNsEuRl"
REVIEW_TS = "1700000900.000900"
PUBLIC = "https://tacit.example.com"


@pytest.fixture
def slack_web():
    """The Web API and response_url; views.open answers like Slack unless a test overrides it."""
    with respx.mock(assert_all_called=False) as mock:
        mock.post(f"{API}/users.info").mock(
            return_value=httpx.Response(
                200, json={"ok": True, "user": {"id": "ULENA", "profile": {"display_name": "Lena"}}}
            )
        )
        mock.post(f"{API}/conversations.open").mock(
            return_value=httpx.Response(200, json={"ok": True, "channel": {"id": DM}})
        )
        mock.post(f"{API}/chat.postMessage").mock(
            side_effect=lambda r: httpx.Response(200, json={"ok": True, "channel": DM, "ts": _next_ts(mock)})
        )
        mock.post(f"{API}/chat.update").mock(return_value=httpx.Response(200, json={"ok": True}))
        mock.post(f"{API}/views.open").mock(
            return_value=httpx.Response(200, json={"ok": True, "view": {"id": "V0001"}})
        )
        mock.post(f"{API}/views.publish").mock(return_value=httpx.Response(200, json={"ok": True}))
        mock.post(url__startswith="https://hooks.slack.com/").mock(
            return_value=httpx.Response(200, json={"ok": True}, headers={"content-type": "application/json"})
        )
        yield mock


def _next_ts(mock: respx.MockRouter) -> str:
    sent = len([c for c in mock.calls if c.request.url.path.endswith("/chat.postMessage")])
    return NUDGE_TS if sent <= 1 else f"17000009{sent:02d}.000900"


def calls(mock: respx.MockRouter, method: str) -> list[dict]:
    """The form (Web API) or JSON (response_url) bodies sent to one method, in order."""
    out = []
    for call in mock.calls:
        request = call.request
        if method == "response_url" and request.url.host == "hooks.slack.com":
            out.append(json.loads(request.content))
        elif request.url.path.endswith(f"/{method}"):
            out.append({k: v[0] for k, v in parse_qs(request.content.decode()).items()})
    return out


def signed(loop, path: str, fields: dict, *, secret: str = SECRET, age_s: int = 0) -> httpx.Response:
    raw = urlencode(fields).encode()
    stamp = int(time.time()) - age_s
    headers = {
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": sign(secret, raw, stamp),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return loop.client.post(path, content=raw, headers=headers)


def command(loop, user: str, text: str, **kw) -> httpx.Response:
    """A slash command's form fields, as Slack documents them."""
    fields = {
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "team_id": TEAM,
        "team_domain": "acme",
        "enterprise_id": "",
        "enterprise_name": "",
        "channel_id": CHANNEL,
        "channel_name": "platform",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/tacit",
        "text": text,
        "api_app_id": "A0001",
        "is_enterprise_install": "false",
        "response_url": "https://hooks.slack.com/commands/T0001/1234/aBcDeF",
        "trigger_id": f"13345224609.738474920.{random.randrange(10**8):08x}",
    }
    return signed(loop, "/v1/webhooks/slack/commands", fields, **kw)


def click(
    loop,
    user: str,
    action_id: str,
    value: str,
    *,
    channel: str = DM,
    ts: str = NUDGE_TS,
    select_: bool = False,
    trigger: str = "12466734323.1395872398.abc",
    **kw,
) -> httpx.Response:
    """A block_actions payload for a button (or a static_select choice) in a message."""
    if select_:
        action = {
            "type": "static_select",
            "action_id": action_id,
            "block_id": "nudge",
            "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value},
            "placeholder": {"type": "plain_text", "text": "Decline…"},
            "action_ts": "1700000999.1",
        }
    else:
        action = {
            "action_id": action_id,
            "block_id": "b1",
            "text": {"type": "plain_text", "text": "Go", "emoji": True},
            "value": value,
            "type": "button",
            "action_ts": "1700000999.1",
        }
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0001",
        "token": "9s8d9as89d8as9d8as989",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": trigger,
        "team": {"id": TEAM, "domain": "acme"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "user": "UBOT", "ts": ts, "bot_id": "B0001", "text": "..."},
        "state": {"values": {}},
        "response_url": HOOK,
        "actions": [action],
    }
    return signed(loop, "/v1/webhooks/slack/interactivity", {"payload": json.dumps(payload)}, **kw)


def submit(loop, user: str, callback_id: str, metadata: str, values: dict) -> httpx.Response:
    """A view_submission payload: the modal's state values by block and action id."""
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0001",
        "token": "9s8d9as89d8as9d8as989",
        "trigger_id": "12466734323.1395872398.def",
        "view": {
            "id": "V0001",
            "team_id": TEAM,
            "type": "modal",
            "blocks": [],
            "private_metadata": metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": "156772938.1827394",
            "title": {"type": "plain_text", "text": "Answer Tacit"},
            "root_view_id": "V0001",
            "app_id": "A0001",
            "bot_id": "B0001",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return signed(loop, "/v1/webhooks/slack/interactivity", {"payload": json.dumps(payload)})


def shortcut(loop, user: str, ts: str, thread_ts: str | None) -> httpx.Response:
    """A message_action payload ("Capture this thread" on a message)."""
    msg = {"type": "message", "user": "UMARTA", "ts": ts, "text": "..."}
    payload = {
        "type": "message_action",
        "callback_id": "tacit_capture",
        "trigger_id": "13345224609.8534564800.6f8ab1f53e13d0cd15f96106292d5536",
        "message_ts": ts,
        "response_url": HOOK,
        "team": {"id": TEAM, "domain": "acme"},
        "channel": {"id": CHANNEL, "name": "platform"},
        "user": {"id": user, "name": user.lower()},
        "message": {**msg, "thread_ts": thread_ts} if thread_ts else msg,
        "token": "Nj2rfC2hU8mAfgaJLemZgO7H",
        "action_ts": "1700001000.1",
    }
    return signed(loop, "/v1/webhooks/slack/interactivity", {"payload": json.dumps(payload)})


def loop_with_nudge(make_loop, slack_web):
    """Lena asks in the channel, marta answers tersely; marta's nudge arrives as a DM with buttons."""
    loop = slack_loop(make_loop)
    loop.tacit.services.public_url = PUBLIC
    link_identity(loop.tacit.services, handle="lena", platform="slack", workspace=TEAM, user_id="ULENA")
    post(loop, envelope(message("ULENA", QUESTION, ROOT), "Ev0001"))
    post(loop, envelope(message("UMARTA", TERSE, ANSWER, thread_ts=ROOT), "Ev0002"))
    loop.settle()
    nudge = loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
    return loop, nudge["id"]


def answer_by_modal(loop, slack_web, nudge_id: str) -> dict:
    """Marta clicks Answer (a modal opens with the click's trigger id) and submits her reply."""
    assert click(loop, "UMARTA", "tacit_nudge_answer", nudge_id).status_code == 200
    opened = calls(slack_web, "views.open")[-1]
    view = json.loads(opened["view"])
    values = {"answer": {"text": {"type": "plain_text_input", "value": REPLY}}}
    assert submit(loop, "UMARTA", view["callback_id"], view["private_metadata"], values).status_code == 200
    loop.settle()
    return view


def review_value(slack_web) -> str:
    """The Approve button's value in the last review DM."""
    for body in reversed(calls(slack_web, "chat.postMessage")):
        for block in json.loads(body.get("blocks", "[]")):
            for element in block.get("elements", []):
                if element.get("action_id") == "tacit_guide_approve":
                    return element["value"]
    raise AssertionError("no review DM with an Approve button")


def guide_row(loop) -> GuideRow:
    with loop.tacit.services.db.session() as s:
        return s.scalars(select(GuideRow)).one()


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


# -- /tacit, Share in channel, Not helpful ----------------------------------------------------------------------


def test_slash_command_answers_with_guides_shares_and_records_feedback(make_loop, slack_web) -> None:
    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    answer_by_modal(loop, slack_web, nudge_id)
    click(loop, "UMARTA", "tacit_guide_approve", review_value(slack_web), ts=REVIEW_TS)
    loop.settle()
    row = guide_row(loop)

    ack = command(loop, "ULENA", "listing is slow, most rows are soft deleted")
    assert ack.status_code == 200 and ack.json()["response_type"] == "ephemeral"
    loop.settle()
    answer = calls(slack_web, "response_url")[-1]
    flat = json.dumps(answer)
    assert answer["response_type"] == "ephemeral" and f"{PUBLIC}/guides/{row.id}" in flat
    assert "Approved by" in flat and "tacit_share" in flat

    share = next(
        e["value"] for b in answer["blocks"] for e in b.get("elements", []) if e.get("action_id") == "tacit_share"
    )
    click(loop, "ULENA", "tacit_share", share, channel=CHANNEL, ts="1700001100.1")
    loop.settle()
    public = calls(slack_web, "response_url")[-1]
    assert public["response_type"] == "in_channel" and f"/guides/{row.id}" in json.dumps(public)

    select_ = next(
        e for b in answer["blocks"] for e in b.get("elements", []) if e.get("action_id") == "tacit_not_helpful"
    )
    outdated = next(o["value"] for o in select_["options"] if o["value"].endswith(":outdated"))
    click(loop, "ULENA", "tacit_not_helpful", outdated, channel=CHANNEL, ts="1700001100.1", select_=True)
    loop.settle()
    with loop.tacit.services.db.session() as s:
        verdicts = s.execute(
            select(
                GuideFeedbackRow.guide_id, GuideFeedbackRow.helpful, GuideFeedbackRow.person_id, GuideFeedbackRow.reason
            )
        ).all()
    assert verdicts == [(row.id, False, loop.ids["lena"], "outdated")], "the pages' feedback, with its reason"


def test_an_empty_command_gets_help_and_queues_nothing(make_loop, slack_web) -> None:
    loop = slack_loop(make_loop)
    r = command(loop, "ULENA", "   ")
    assert r.status_code == 200 and "/tacit" in r.json()["text"] and loop.tacit.runner.pending() == 0


def _publish_in(loop, community: str, expert: str) -> str:
    """A published guide about partial indexes in the community, reviewed by its expert."""
    services = loop.tacit.services
    now = services.clock()
    batch = [
        IncomingMessage(f"{community}-q", f"{community}-t", f"asker-{community}", QUESTION, now, "Slow tenant listing"),
        IncomingMessage(f"{community}-a", f"{community}-t", expert, REPLY, now, parent=f"{community}-q"),
    ]
    ingest_messages(services, community_id=community, batch=batch)
    loop.settle()
    with services.db.session() as s:
        thread_id = s.scalars(select(ThreadRow.id).where(ThreadRow.community_id == community)).one()
        expert_id = Repository(s).person_by_handle(expert).id
    draft = guides.synthesize_guide(services, thread_id=thread_id, reviewer_id=expert_id)
    assert draft is not None
    guides.approve(services, person_id=expert_id, guide_id=draft.id)
    loop.settle()
    return draft.id


def test_slash_command_never_shows_a_guide_of_a_community_the_user_may_not_read(make_loop, slack_web) -> None:
    """Randomized over communities like the demo's (open, restricted, confidential) and random memberships."""
    loop = slack_loop(make_loop)
    services = loop.tacit.services
    rng = random.Random(20261201)
    visibility = {
        "guild-open": "open",
        "guild-infra": "restricted",
        "guild-data": "restricted",
        "rnd-secret": "confidential",
    }
    guide_of = {}
    for community, vis in visibility.items():
        create_community(services, community_id=community, name=community.title())
        add_person(services, handle=f"expert-{community}", community_id=community, role=Role.EXPERT)
        with services.db.session() as s:
            s.get(CommunityRow, community).visibility = vis
        guide_of[community] = _publish_in(loop, community, f"expert-{community}")
    people: dict[str, set[str]] = {}
    for n in range(8):
        handle, member_of = f"reader{n}", {c for c in visibility if rng.random() < 0.4}
        for community in sorted(member_of) or ["guild-open"]:
            add_person(services, handle=handle, community_id=community, role=Role.MEMBER)
        people[handle] = member_of or {"guild-open"}
        link_identity(services, handle=handle, platform="slack", workspace=TEAM, user_id=f"UREADER{n}")
    users = {f"UREADER{n}": people[f"reader{n}"] for n in range(8)} | {"UNOBODY1": set(), "UNOBODY2": set()}
    queries = ["partial index soft deleted", "listing tenants slow", "CREATE INDEX CONCURRENTLY", "btree dead rows"]
    for user, member_of in rng.sample(sorted(users.items()), len(users)):
        allowed = {guide_of[c] for c in member_of | {"guild-open"} if c in guide_of}
        denied = set(guide_of.values()) - allowed
        command(loop, user, rng.choice(queries))
        loop.settle()
        shown = json.dumps(calls(slack_web, "response_url")[-1])
        assert not any(f"/guides/{g}" in shown for g in denied), f"{user} saw a guide of a community they may not read"
        assert any(f"/guides/{g}" in shown for g in allowed), f"{user} should see at least the open guide"
        if user.startswith("UNOBODY"):
            assert "not linked" in shown


# -- Capture this thread, App Home ------------------------------------------------------------------------------


def test_capture_this_thread_drafts_a_guide_for_the_answering_expert(make_loop, slack_web) -> None:
    loop = slack_loop(make_loop)
    post(loop, envelope(message("ULENA", QUESTION, ROOT), "Ev0001"))
    post(loop, envelope(message("UMARTA", REPLY, ANSWER, thread_ts=ROOT), "Ev0002"))
    loop.settle()
    assert shortcut(loop, "ULENA", ANSWER, ROOT).status_code == 200
    loop.settle()
    row = guide_row(loop)
    assert row.status == "draft" and row.reviewer_id == loop.ids["marta"]
    assert "drafting a guide" in calls(slack_web, "response_url")[-1]["text"]
    assert review_value(slack_web).startswith(f"{row.id}:1"), "reviewed in Slack as any draft"
    shortcut(loop, "ULENA", ROOT, None)
    loop.settle()
    assert "already has a guide" in calls(slack_web, "response_url")[-1]["text"]


def test_app_home_lists_open_questions_and_drafts_with_buttons(make_loop, slack_web) -> None:
    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    opened = {"type": "app_home_opened", "user": "UMARTA", "channel": DM, "tab": "home", "event_ts": "1700001200.1"}
    assert post(loop, envelope(opened, "Ev0100")).json() == {"ok": True, "accepted": True}
    loop.settle()
    published = calls(slack_web, "views.publish")[-1]
    view = json.loads(published["view"])
    flat = json.dumps(view)
    assert published["user_id"] == "UMARTA" and view["type"] == "home" and len(view["blocks"]) <= 100
    assert f'"value": "{nudge_id}"' in flat and "tacit_nudge_answer" in flat and f"/inbox/{nudge_id}" in flat

    # Lena's tandem with marta shows as a next step, linked to the tandem's page.
    tandem = loop.client.post(
        "/v1/tandems",
        json={"community": COMMUNITY, "junior": "lena", "senior": "marta", "goals": ["postgres"]},
        headers=loop.as_("priya"),
    )
    assert tandem.status_code in (200, 201), tandem.text
    post(loop, envelope({**opened, "user": "ULENA"}, "Ev0102"))
    loop.settle()
    lena_home = json.dumps(json.loads(calls(slack_web, "views.publish")[-1]["view"]))
    assert f"/tandems/{tandem.json()['id']}" in lena_home and "with marta" in lena_home

    # An unlinked user is told how to link.
    post(loop, envelope({**opened, "user": "UNOBODY"}, "Ev0101"))
    loop.settle()
    assert "not linked" in json.dumps(json.loads(calls(slack_web, "views.publish")[-1]["view"]))
    with loop.tacit.services.db.session() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(ProcessedEventRow).where(ProcessedEventRow.kind == "app_home_opened")
            )
            == 0
        )


def test_with_an_llm_a_short_cited_answer_comes_above_the_list(make_loop, slack_web) -> None:
    from prompts.fake import FakeLLM
    from tandem.partner import LLMPartner
    from workflow.slack_actions import answer_command

    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    answer_by_modal(loop, slack_web, nudge_id)
    click(loop, "UMARTA", "tacit_guide_approve", review_value(slack_web), ts=REVIEW_TS)
    loop.settle()
    question = "listing is slow, most rows are soft deleted"
    hit = loop.client.get("/v1/search", params={"q": question}, headers=loop.as_("lena")).json()["results"][0]
    supported = hit["text"].split(". ")[0].rstrip(".") + ". <!channel>"
    llm = FakeLLM(
        {
            "sentences": [
                {"text": supported, "citations": [f"guide:{hit['guide_id']}"]},
                {"text": "Drop the table and start over.", "citations": ["guide:invented"]},
            ]
        }
    )
    url = "https://hooks.slack.com/commands/T0001/1234/aBcDeF"
    answer_command(loop.tacit.services, LLMPartner(llm), team=TEAM, user="ULENA", text=question, response_url=url)
    blocks = calls(slack_web, "response_url")[-1]["blocks"]
    answer = blocks[1]["text"]["text"]
    assert "[1]" in answer and "guide 1" in answer and "Drop the table" not in answer
    assert "<!channel>" not in answer and "&lt;!channel&gt;" in answer
    assert "<question>" in llm.prompts[0] and "<sources>" in llm.prompts[0], "question and guides fenced as data"
