"""Slack: signature checks (slack_sdk), payload mapping, and the Web API client at the HTTP edge."""

from __future__ import annotations

import httpx
import pytest
import respx

from connectors.errors import InvalidSignature, NotConfigured, PlatformError
from connectors.model import Deleted, Edited, NudgeNote, Posted, PrivateReply, Reacted, Sent
from connectors.slack.client import SlackClient
from connectors.slack.events import events, plain_text
from connectors.slack.verify import sign, verify

SECRET, NOW = "8f742231b10e8888abcd99yyyzzz85a5", 1_531_420_618
BODY = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"


def headers(signature: str, timestamp: int = NOW) -> dict[str, str]:
    return {"x-slack-request-timestamp": str(timestamp), "x-slack-signature": signature}


def test_signature_from_slacks_documented_example_verifies() -> None:
    signature = sign(SECRET, BODY, NOW)
    assert signature.startswith("v0=") and len(signature) == 67
    verify(SECRET, BODY, headers(signature), now=lambda: NOW + 10)


@pytest.mark.parametrize("case", ["tampered", "stale", "future", "no timestamp", "wrong secret"])
def test_bad_requests_are_refused(case: str) -> None:
    good = sign(SECRET, BODY, NOW)
    body, given, clock = BODY, headers(good), NOW
    if case == "tampered":
        body = BODY + b"&x=1"
    elif case == "stale":
        clock = NOW + 301
    elif case == "future":
        clock = NOW - 301
    elif case == "no timestamp":
        given = {"x-slack-signature": good}
    else:
        given = headers(sign("other", BODY, NOW))
    with pytest.raises(InvalidSignature):
        verify(SECRET, body, given, now=lambda: clock)


def test_no_secret_means_not_configured() -> None:
    with pytest.raises(NotConfigured):
        verify(None, BODY, headers("v0=00"))


def envelope(event: dict) -> dict:
    return {"team_id": "T1", "event": event, "type": "event_callback", "event_id": "Ev1"}


def test_channel_message_and_thread_reply() -> None:
    root = events(
        envelope(
            {
                "type": "message",
                "channel": "C1",
                "user": "U1",
                "text": "Why <https://x.io|this>?",
                "ts": "1700000000.000100",
                "channel_type": "channel",
            }
        )
    )
    reply = events(
        envelope(
            {
                "type": "message",
                "channel": "C1",
                "user": "U2",
                "text": "use &lt;b&gt; <@U1>",
                "ts": "1700000001.000200",
                "thread_ts": "1700000000.000100",
            }
        )
    )
    assert isinstance(root[0], Posted) and root[0].parent is None and root[0].text == "Why this (https://x.io)?"
    assert isinstance(reply[0], Posted) and reply[0].thread == root[0].thread == "slack:C1:1700000000.000100"
    assert reply[0].parent == root[0].external_id and reply[0].text == "use <b> @U1"
    assert (reply[0].where.workspace, reply[0].where.channel, reply[0].author.user_id) == ("T1", "C1", "U2")


def test_changes_deletions_reactions_and_dms() -> None:
    changed = {
        "type": "message",
        "subtype": "message_changed",
        "channel": "C1",
        "ts": "2.0",
        "message": {"user": "U1", "text": "new", "ts": "1.0"},
        "previous_message": {"text": "old", "ts": "1.0"},
    }
    same = {**changed, "message": {"user": "U1", "text": "old", "ts": "1.0", "reply_count": 2}}
    deleted = {"type": "message", "subtype": "message_deleted", "channel": "C1", "ts": "3.0", "deleted_ts": "1.0"}
    reaction = {
        "type": "reaction_added",
        "user": "U2",
        "reaction": "bookmark",
        "item": {"type": "message", "channel": "C1", "ts": "1.0"},
    }
    dm = {
        "type": "message",
        "channel": "D1",
        "user": "U1",
        "text": "Because...",
        "ts": "5.0",
        "thread_ts": "4.0",
        "channel_type": "im",
    }
    assert events(envelope(changed)) == [Edited(events(envelope(changed))[0].where, "slack:C1:1.0", "new")]  # type: ignore[union-attr]
    assert events(envelope(same)) == []
    assert isinstance(events(envelope(deleted))[0], Deleted)
    assert isinstance(r := events(envelope(reaction))[0], Reacted) and r.reaction == "bookmark"
    assert events(envelope(dm)) == [
        PrivateReply(
            "slack",
            "T1",
            "D1",
            "4.0",
            events(envelope(dm))[0].author,  # type: ignore[union-attr]
            "Because...",
        )
    ]


def test_bots_joins_and_our_own_dm_are_not_messages() -> None:
    bot = {"type": "message", "subtype": "bot_message", "bot_id": "B1", "channel": "C1", "text": "hi", "ts": "1.0"}
    join = {"type": "message", "subtype": "channel_join", "user": "U1", "channel": "C1", "text": "joined", "ts": "1.0"}
    own = {
        "type": "message",
        "channel": "D1",
        "bot_id": "B1",
        "user": "UBOT",
        "text": "nudge",
        "ts": "1.0",
        "channel_type": "im",
    }
    assert events(envelope(bot)) == events(envelope(join)) == events(envelope(own)) == []


def test_plain_text_of_channel_links_and_specials() -> None:
    assert plain_text("see <#C1|general> and <!here>") == "see #general and @here"


NOTE = NudgeNote(
    question="Why a partial index?",
    thread_title="Slow listing",
    answer_excerpt="Use a partial index.",
    reply_code="ABC123",
    user_name="Marta",
)


def test_client_opens_the_dm_and_posts_with_the_bot_token() -> None:
    with respx.mock(base_url="https://slack.test/api") as mock, httpx.Client() as http:
        opened = mock.post("/conversations.open").respond(json={"ok": True, "channel": {"id": "D9"}})
        posted = mock.post("/chat.postMessage").respond(json={"ok": True, "ts": "9.0"})
        sent = SlackClient(http, "xoxb-1", "https://slack.test/api").send_nudge("T1", "U1", NOTE)
    assert (sent.conversation, sent.message_ref) == ("D9", "9.0")
    assert opened.calls[0].request.headers["Authorization"] == "Bearer xoxb-1"
    assert b"Why+a+partial+index" in posted.calls[0].request.content


def test_client_waits_out_429_with_retry_after_then_succeeds() -> None:
    waits: list[float] = []
    with respx.mock(base_url="https://slack.test/api") as mock, httpx.Client() as http:
        mock.post("/users.info").side_effect = [
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(
                200, json={"ok": True, "user": {"name": "m", "profile": {"real_name": "Marta K", "email": "m@x.io"}}}
            ),
        ]
        profile = SlackClient(http, "xoxb-1", "https://slack.test/api", sleep=waits.append).profile("T1", "U1")
    assert waits == [3.0] and profile is not None and (profile.display_name, profile.email) == ("Marta K", "m@x.io")


def test_client_reports_slack_errors_by_method_without_the_token() -> None:
    with respx.mock(base_url="https://slack.test/api") as mock, httpx.Client() as http:
        mock.post("/chat.postMessage").respond(json={"ok": False, "error": "channel_not_found"})
        with pytest.raises(PlatformError) as err:
            SlackClient(http, "xoxb-secret", "https://slack.test/api").acknowledge("T1", Sent("D1", "1.0"), "thanks")
    assert "chat.postMessage: channel_not_found" in str(err.value) and "xoxb" not in str(err.value)
