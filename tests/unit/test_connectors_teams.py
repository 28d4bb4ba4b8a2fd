"""Teams: the outgoing webhook HMAC, activity mapping (answer codes), incoming webhook cards."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import respx

from connectors.errors import InvalidSignature, NotConfigured
from connectors.model import NudgeNote, Posted, PrivateReply
from connectors.teams.client import TeamsClient
from connectors.teams.events import events, plain_text
from connectors.teams.verify import sign, verify

TOKEN = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def activity(text: str, activity_id: str = "2", root: str = "1") -> dict:
    return {
        "type": "message",
        "id": activity_id,
        "timestamp": "2026-11-01T10:00:00.000Z",
        "text": text,
        "from": {"id": "29:x", "name": "Marta", "aadObjectId": "aad-marta"},
        "conversation": {"id": f"19:c@thread.skype;messageid={root}", "tenantId": "tn"},
        "channelData": {"teamsChannelId": "19:c@thread.skype", "tenant": {"id": "tn"}},
    }


def test_hmac() -> None:
    body = json.dumps(activity("hi")).encode()
    verify(TOKEN, body, {"authorization": sign(TOKEN, body)})
    with pytest.raises(InvalidSignature):
        verify(TOKEN, body + b" ", {"authorization": sign(TOKEN, body)})
    with pytest.raises(NotConfigured):
        verify("not base64!", body, {"authorization": "HMAC x"})


def test_messages_and_answer_codes() -> None:
    posted = events(activity("<at>Tacit</at> Use a partial index &amp; CONCURRENTLY"))
    assert isinstance(posted[0], Posted) and posted[0].text == "Use a partial index & CONCURRENTLY"
    assert (posted[0].parent, posted[0].thread) == ("teams:19:c@thread.skype:1", "teams:19:c@thread.skype:1")
    answer = events(activity("<at>Tacit</at> answer abc123: Because the rows are dead."))
    assert answer == [PrivateReply("teams", "tn", "ABC123", None, answer[0].author, "Because the rows are dead.")]  # type: ignore[union-attr]
    assert plain_text("<at>Tacit</at>") == "" and events(activity("<at>Tacit</at>")) == []


def test_incoming_webhook_posts_an_adaptive_card_with_the_code() -> None:
    url = "https://contoso.webhook.office.test/hook"
    with respx.mock() as mock, httpx.Client() as http:
        route = mock.post(url).respond(200, text="1")
        sent = TeamsClient(http, url).send_nudge("tn", "aad-marta", NudgeNote("Why?", "T", "A", "ABC123", "Marta"))
    card = json.loads(route.calls[0].request.content)["attachments"][0]
    assert sent.conversation == "ABC123" and card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert "@Tacit answer ABC123" in card["content"]["body"][0]["text"]
