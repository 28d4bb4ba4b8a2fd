"""Slack through POST /v1/webhooks/slack: signed Events API payloads (shaped as in Slack's docs), Web API via respx."""

from __future__ import annotations

import json
import time

import httpx
import pytest
import respx
from pydantic import SecretStr
from sqlalchemy import func, select

from connectors.slack.verify import sign
from store.tables import AuditEventRow, ExternalDeliveryRow, GuideRow, MessageRow, PersonIdentityRow, ProcessedEventRow
from tests.e2e.conftest import COMMUNITY
from tests.e2e.test_loop_offline import QUESTION, REPLY, TERSE
from workflow.connectors import SourceLink, link_identity, link_source

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
API = "https://slack.test/api"
TEAM, CHANNEL, DM = "T0001", "C0001", "D0001"
NOW = int(time.time())
THANKS = f"{NOW - 200}.000700"
ROOT, ANSWER, NUDGE_TS = f"{NOW - 600}.000100", f"{NOW - 300}.000200", f"{NOW - 100}.000300"


def envelope(event: dict, event_id: str) -> dict:
    """An event_callback as Slack sends it."""
    return {
        "token": "XXYYZZ",
        "team_id": TEAM,
        "api_app_id": "A0001",
        "event": event,
        "type": "event_callback",
        "authed_users": ["UBOT"],
        "event_id": event_id,
        "event_time": int(time.time()),
    }


def message(
    user: str, text: str, ts: str, thread_ts: str | None = None, channel: str = CHANNEL, channel_type: str = "channel"
) -> dict:
    event = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    return {**event, "thread_ts": thread_ts} if thread_ts else event


def post(loop, body: dict, *, secret: str = SECRET, age_s: int = 0, headers: dict | None = None) -> httpx.Response:
    raw = json.dumps(body).encode()
    stamp = int(time.time()) - age_s
    signed = {
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": sign(secret, raw, stamp),
        "Content-Type": "application/json",
        **(headers or {}),
    }
    return loop.client.post("/v1/webhooks/slack", content=raw, headers=signed)


@pytest.fixture
def slack_api():
    with respx.mock(base_url=API, assert_all_called=False) as mock:
        mock.post("/users.info").mock(
            side_effect=lambda r: httpx.Response(
                200, json={"ok": True, "user": {"id": "ULENA", "name": "lena.s", "profile": {"display_name": "Lena S"}}}
            )
        )
        mock.post("/conversations.open").mock(
            return_value=httpx.Response(200, json={"ok": True, "channel": {"id": DM}})
        )
        mock.post("/chat.postMessage").mock(
            return_value=httpx.Response(200, json={"ok": True, "channel": DM, "ts": NUDGE_TS})
        )
        yield mock


def slack_loop(make_loop):
    loop = make_loop(slack_signing_secret=SecretStr(SECRET), slack_bot_token=SecretStr("xoxb-test"), slack_api_url=API)
    services = loop.tacit.services
    link_source(services, link=SourceLink(COMMUNITY, "slack", TEAM, CHANNEL, announce=True, nudges=True))
    link_identity(services, handle="marta", platform="slack", workspace=TEAM, user_id="UMARTA")
    return loop


def count(loop, table) -> int:
    with loop.tacit.services.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_url_verification_is_answered(make_loop) -> None:
    loop = slack_loop(make_loop)
    r = post(
        loop,
        {
            "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        },
    )
    assert r.status_code == 200 and r.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_bad_signature_and_stale_timestamp_get_401_and_store_nothing(make_loop, slack_api) -> None:
    loop = slack_loop(make_loop)
    body = envelope(message("ULENA", QUESTION, ROOT), "Ev0001")
    forged = post(loop, body, secret="not-the-secret")
    stale = post(loop, body, age_s=6 * 60)
    unsigned = loop.client.post("/v1/webhooks/slack", json=body)
    loop.settle()
    assert (forged.status_code, stale.status_code, unsigned.status_code) == (401, 401, 401)
    assert forged.json()["detail"][0]["msg"] and "5 minutes" in stale.json()["detail"][0]["msg"]
    assert count(loop, ProcessedEventRow) == 0 and count(loop, MessageRow) == 0
    assert not slack_api.calls


def test_unconfigured_slack_is_404(make_loop) -> None:
    loop = make_loop()
    assert post(loop, envelope(message("ULENA", QUESTION, ROOT), "Ev0001")).status_code == 404


def test_dm_reply_closes_the_loop_and_a_deletion_rewrites_the_guide(make_loop, slack_api) -> None:
    loop = slack_loop(make_loop)
    assert post(loop, envelope(message("ULENA", QUESTION, ROOT), "Ev0001")).json() == {"ok": True, "accepted": True}
    assert post(loop, envelope(message("UMARTA", TERSE, ANSWER, thread_ts=ROOT), "Ev0002")).status_code == 200
    loop.settle()

    # The asker became a Tacit person named by users.info; marta's terse answer was nudged, by DM.
    with loop.tacit.services.db.session() as s:
        lena = s.get(PersonIdentityRow, ("slack", TEAM, "ULENA"))
        assert lena is not None and lena.display_name == "Lena S"
        delivery = s.scalars(select(ExternalDeliveryRow)).one()
        assert (delivery.platform, delivery.conversation, delivery.message_ref) == ("slack", DM, NUDGE_TS)
    opened = slack_api.routes[1].calls
    assert len(opened) == 1 and b"users=UMARTA" in opened[0].request.content
    dm = slack_api.routes[2].calls[0].request
    assert dm.headers["Authorization"] == "Bearer xoxb-test" and f"channel={DM}".encode() in dm.content

    # A retry of the same event does no double work.
    lookups = len(slack_api.routes[0].calls)  # one users.info per person, then cached
    retry = post(
        loop,
        envelope(message("ULENA", QUESTION, ROOT), "Ev0001"),
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    loop.settle()
    assert retry.json() == {"ok": True, "accepted": False}
    assert count(loop, MessageRow) == 2 and len(slack_api.routes[0].calls) == lookups == 2

    # Marta answers in the DM thread: her reply is the nudge's reply, and a draft guide follows.
    dm_reply = message("UMARTA", REPLY, "1700000200.000400", thread_ts=NUDGE_TS, channel=DM, channel_type="im")
    post(loop, envelope(dm_reply, "Ev0003"))
    loop.settle()
    drafts = loop.client.get("/v1/me/guides", headers=loop.as_("marta")).json()
    assert len(drafts) == 1 and "CONCURRENTLY" in drafts[0]["markdown"]
    nudges = loop.client.get("/v1/me/nudges", params={"include_closed": True}, headers=loop.as_("marta")).json()
    assert nudges[-1]["status"] == "answered"

    # Published: announced in the community's channel.
    guide_id = drafts[0]["id"]
    assert loop.client.post(f"/v1/guides/{guide_id}/approve", headers=loop.as_("marta")).status_code == 200
    loop.settle()
    announced = [c.request for c in slack_api.routes[2].calls if f"channel={CHANNEL}".encode() in c.request.content]
    assert len(announced) == 1

    # Slack deletes marta's answer: with it go the nudge and her reply to it, so nothing is left to write a guide
    # from; the guide is withdrawn and leaves the index.
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": CHANNEL,
        "ts": f"{NOW}.000500",
        "deleted_ts": ANSWER,
        "event_ts": f"{NOW}.000500",
        "channel_type": "channel",
    }
    post(loop, envelope(deleted, "Ev0004"))
    loop.settle()
    assert loop.client.get(f"/v1/guides/{guide_id}", headers=loop.as_("marta")).status_code == 404
    hits = loop.client.get("/v1/search", params={"q": "partial index soft deleted"}, headers=loop.as_("lena")).json()
    assert hits["results"] == [] and count(loop, MessageRow) == 1


def test_edit_updates_the_message_and_unchanged_text_is_ignored(make_loop, slack_api) -> None:
    loop = slack_loop(make_loop)
    post(loop, envelope(message("ULENA", QUESTION, ROOT), "Ev0001"))
    loop.settle()
    same = {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": CHANNEL,
        "ts": "1700000400.1",
        "message": {"type": "message", "user": "ULENA", "text": QUESTION, "ts": ROOT, "reply_count": 1},
        "previous_message": {"type": "message", "user": "ULENA", "text": QUESTION, "ts": ROOT},
    }
    changed = {
        **same,
        "ts": "1700000400.2",
        "message": {
            **same["message"],
            "text": "Listing tenants is slow. Why?",
            "edited": {"user": "ULENA", "ts": "1700000400.2"},
        },
    }
    post(loop, envelope(same, "Ev0002"))
    post(loop, envelope(changed, "Ev0003"))
    loop.settle()
    with loop.tacit.services.db.session() as s:
        row = s.scalars(select(MessageRow)).one()
        assert row.text == "Listing tenants is slow. Why?" and row.edited_at is not None
        statuses = dict(s.execute(select(ProcessedEventRow.dedupe_key, ProcessedEventRow.status)).all())
        payloads = list(s.scalars(select(ProcessedEventRow.payload)))
    assert statuses == {"Ev0001": "done", "Ev0002": "ignored", "Ev0003": "done"}
    assert all(p == {} for p in payloads), "message text is not kept once the event is handled"


def test_bookmark_reaction_drafts_a_guide_for_the_answering_expert(make_loop, slack_api) -> None:
    loop = slack_loop(make_loop)
    post(loop, envelope(message("ULENA", QUESTION, ROOT), "Ev0001"))
    post(loop, envelope(message("UMARTA", REPLY, ANSWER, thread_ts=ROOT), "Ev0002"))
    post(
        loop,
        envelope(
            message("ULENA", "Thanks, that worked: the listing takes 40 ms now.", THANKS, thread_ts=ROOT), "Ev0006"
        ),
    )
    loop.settle()
    thumbs = {
        "type": "reaction_added",
        "user": "ULENA",
        "reaction": "thumbsup",
        "item_user": "UMARTA",
        "item": {"type": "message", "channel": CHANNEL, "ts": ROOT},
        "event_ts": "1700000500.000100",
    }
    post(loop, envelope(thumbs, "Ev0003"))
    loop.settle()
    with loop.tacit.services.db.session() as s:
        assert s.scalar(select(func.count()).select_from(GuideRow)) == 0
    post(loop, envelope({**thumbs, "reaction": "bookmark"}, "Ev0004"))
    loop.settle()
    drafts = loop.client.get("/v1/me/guides", headers=loop.as_("marta")).json()
    assert len(drafts) == 1 and drafts[0]["status"] == "draft" and drafts[0]["version"] == 1
    guide_id = drafts[0]["id"]
    loop.client.post(f"/v1/guides/{guide_id}/approve", headers=loop.as_("marta"))
    loop.settle()

    # Lena deletes her message in Slack: the published guide is purged, leaves the index, and is rewritten
    # from what remains as a new draft for marta to review again.
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": CHANNEL,
        "ts": f"{NOW}.000600",
        "deleted_ts": THANKS,
        "event_ts": f"{NOW}.000600",
        "channel_type": "channel",
    }
    post(loop, envelope(deleted, "Ev0005"))
    loop.settle()
    guide = loop.client.get(f"/v1/guides/{guide_id}", headers=loop.as_("marta")).json()
    assert guide["status"] == "draft" and guide["version"] == 2
    assert guide["content"]["sources"] and all("40 ms" not in src["text"] for src in guide["content"]["sources"])
    with loop.tacit.services.db.session() as s:
        audit = s.execute(select(AuditEventRow.action, AuditEventRow.actor_id, AuditEventRow.details)).all()
    assert ("message.deleted", None, {"source": "slack"}) in audit


def test_unlinked_channels_and_bots_are_ignored(make_loop, slack_api) -> None:
    loop = slack_loop(make_loop)
    post(loop, envelope(message("ULENA", QUESTION, ROOT, channel="COTHER"), "Ev0001"))
    bot = {**message("UBOT", "Deploy finished", "1700000600.1"), "subtype": "bot_message", "bot_id": "B01"}
    post(loop, envelope(bot, "Ev0002"))
    loop.settle()
    assert count(loop, MessageRow) == 0


def test_a_failing_dm_backs_off_and_is_given_up_while_the_inbox_keeps_the_nudge(make_loop, slack_api) -> None:
    from datetime import timedelta

    from store.tables import NudgeRow
    from workflow.connectors import MAX_DELIVERY_FAILURES, deliver_due_nudges

    slack_api.post("/chat.postMessage").mock(
        return_value=httpx.Response(200, json={"ok": False, "error": "channel_not_found"})
    )
    loop = slack_loop(make_loop)
    services = loop.tacit.services
    post(loop, envelope(message("ULENA", QUESTION, ROOT), "Ev0001"))
    post(loop, envelope(message("UMARTA", TERSE, ANSWER, thread_ts=ROOT), "Ev0002"))
    loop.settle()
    tried = lambda: len([c for c in slack_api.calls if c.request.url.path.endswith("/chat.postMessage")])  # noqa: E731
    assert tried() == 1, "delivered once when the nudge was written, and it failed"
    assert deliver_due_nudges(services) == 0, "not again before its retry time"

    start = services.clock()
    for attempt in range(2, MAX_DELIVERY_FAILURES + 2):
        services.clock = lambda n=attempt: start + timedelta(hours=6 * n)  # past any retry time
        deliver_due_nudges(services)
        loop.settle()
    assert tried() == MAX_DELIVERY_FAILURES, "given up after the last allowed failure"
    with services.db.session() as s:
        nudge = s.scalars(select(NudgeRow)).one()
        assert nudge.delivery_failures == MAX_DELIVERY_FAILURES and nudge.status == "open"
    assert len(loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()) == 1, "still in her Tacit inbox"

    # Linked to another account, she is tried again.
    link_identity(services, handle="marta", platform="slack", workspace=TEAM, user_id="UMARTA2")
    assert deliver_due_nudges(services) == 1
