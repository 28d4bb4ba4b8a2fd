"""Teams through POST /v1/webhooks/teams: HMAC-signed outgoing webhook activities (shaped as in Microsoft's docs),
the incoming webhook mocked with respx."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import httpx
import pytest
import respx
from pydantic import SecretStr
from sqlalchemy import func, select

from connectors.teams.verify import sign
from store.tables import ExternalDeliveryRow, MessageRow, ProcessedEventRow
from tests.e2e.conftest import COMMUNITY
from tests.e2e.test_loop_offline import QUESTION, REPLY, TERSE
from workflow.connectors import SourceLink, link_identity, link_source

TOKEN = base64.b64encode(b"a-32-byte-teams-security-token!!").decode()
INCOMING = "https://contoso.webhook.office.test/webhookb2/abc/IncomingWebhook/def"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CHANNEL = "19:253b1f341670408fb6fcb64d87d86a1d@thread.skype"
MARTA_AAD, LENA_AAD = "f55fea3e-8ac2-4ee6-a9bd-d6e34bfc24b7", "0b9bfa3f-5b37-4c35-9ab0-4b0d2e7e2a11"


def activity(activity_id: str, text: str, aad: str, name: str, root: str | None = None) -> dict:
    """An outgoing webhook activity as Teams sends it."""
    return {
        "type": "message",
        "id": activity_id,
        "timestamp": datetime.now(UTC).isoformat(),
        "serviceUrl": "https://smba.trafficmanager.net/amer-client-ss.msg/",
        "channelId": "msteams",
        "from": {"id": f"29:{aad}", "name": name, "aadObjectId": aad},
        "conversation": {
            "isGroup": True,
            "id": f"{CHANNEL};messageid={root or activity_id}",
            "name": None,
            "conversationType": "channel",
            "tenantId": TENANT,
        },
        "recipient": None,
        "textFormat": "plain",
        "text": f"<at>Tacit</at> {text}",
        "attachments": [
            {
                "contentType": "text/html",
                "content": f'<div><span itemscope="" itemtype="http://schema.skype.com/Mention" itemid="0">Tacit</span> {text}</div>',
            }
        ],
        "entities": [{"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web"}],
        "channelData": {
            "teamsChannelId": CHANNEL,
            "teamsTeamId": "19:712c61d0ef384e5fa681ba90ca943398@thread.skype",
            "channel": {"id": CHANNEL},
            "team": {"id": "19:712c61d0ef384e5fa681ba90ca943398@thread.skype"},
            "tenant": {"id": TENANT},
        },
        "replyToId": None,
        "value": None,
        "name": None,
    }


def send(loop, body: dict, *, token: str = TOKEN) -> httpx.Response:
    raw = json.dumps(body).encode()
    return loop.client.post(
        "/v1/webhooks/teams",
        content=raw,
        headers={"Authorization": sign(token, raw), "Content-Type": "application/json"},
    )


@pytest.fixture
def incoming():
    with respx.mock(assert_all_called=False) as mock:
        mock.post(INCOMING).mock(return_value=httpx.Response(200, text="1"))
        yield mock


def teams_loop(make_loop, nudges: bool = True):
    loop = make_loop(teams_security_token=SecretStr(TOKEN), teams_incoming_webhook_url=SecretStr(INCOMING))
    services = loop.tacit.services
    link_source(services, link=SourceLink(COMMUNITY, "teams", TENANT, CHANNEL, announce=True, nudges=nudges))
    link_identity(services, handle="marta", platform="teams", workspace=TENANT, user_id=MARTA_AAD)
    return loop


def count(loop, table) -> int:
    with loop.tacit.services.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_bad_hmac_gets_401_and_stores_nothing(make_loop, incoming) -> None:
    loop = teams_loop(make_loop)
    other = base64.b64encode(b"another-key").decode()
    r = send(loop, activity("1485983408511", QUESTION, LENA_AAD, "Lena"), token=other)
    loop.settle()
    assert r.status_code == 401 and count(loop, ProcessedEventRow) == 0 and count(loop, MessageRow) == 0


def test_answer_code_closes_the_loop_and_a_repeat_does_no_double_work(make_loop, incoming) -> None:
    loop = teams_loop(make_loop)
    first = send(loop, activity("1485983408511", QUESTION, LENA_AAD, "Lena"))
    assert first.json()["type"] == "message"
    send(loop, activity("1485983408600", TERSE, MARTA_AAD, "Marta", root="1485983408511"))
    send(loop, activity("1485983408600", TERSE, MARTA_AAD, "Marta", root="1485983408511"))  # while queued
    loop.settle()
    assert (
        send(loop, activity("1485983408600", TERSE, MARTA_AAD, "Marta", root="1485983408511")).json()["text"]
        == "Already noted."
    )
    loop.settle()
    assert count(loop, MessageRow) == 2
    with loop.tacit.services.db.session() as s:
        code = s.scalars(select(ExternalDeliveryRow.conversation)).one()
    card = json.loads(incoming.calls[0].request.content)
    assert f"@Tacit answer {code}" in card["attachments"][0]["content"]["body"][0]["text"]

    # Lena cannot answer marta's nudge with its code; marta can.
    send(loop, activity("1485983409000", f"answer {code} it is fine", LENA_AAD, "Lena"))
    thanks = send(loop, activity("1485983409100", f"answer {code} {REPLY}", MARTA_AAD, "Marta"))
    loop.settle()
    assert "drafts a guide" in thanks.json()["text"]
    drafts = loop.client.get("/v1/me/guides", headers=loop.as_("marta")).json()
    assert len(drafts) == 1 and "CONCURRENTLY" in drafts[0]["markdown"]
    assert count(loop, MessageRow) == 2, "answers to nudges are not community messages"

    loop.client.post(f"/v1/guides/{drafts[0]['id']}/approve", headers=loop.as_("marta"))
    loop.settle()
    texts = [json.loads(c.request.content)["attachments"][0]["content"]["body"][0]["text"] for c in incoming.calls]
    assert sum(t.startswith("New guide:") for t in texts) == 1


def test_nudges_stay_off_teams_unless_the_link_allows_them(make_loop, incoming) -> None:
    loop = teams_loop(make_loop, nudges=False)
    send(loop, activity("1485983408511", QUESTION, LENA_AAD, "Lena"))
    send(loop, activity("1485983408600", TERSE, MARTA_AAD, "Marta", root="1485983408511"))
    loop.settle()
    assert loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json(), "the nudge waits in the inbox"
    assert not incoming.calls and count(loop, ExternalDeliveryRow) == 0


def test_a_second_community_cannot_take_the_one_teams_channel(make_loop, incoming) -> None:
    import pytest

    from workflow.errors import Conflict

    loop = teams_loop(make_loop)
    services = loop.tacit.services
    link_source(services, link=SourceLink(COMMUNITY, "teams", TENANT, CHANNEL, announce=False, nudges=True))  # again
    with pytest.raises(Conflict, match="only one community can use Teams"):
        link_source(services, link=SourceLink("secret-rnd", "teams", TENANT, "19:other@thread.tacv2", True, True))


def test_the_teams_link_can_be_re_pointed_or_handed_over(make_loop, incoming) -> None:
    from workflow.connectors import list_sources

    loop = teams_loop(make_loop)
    services = loop.tacit.services
    link_source(services, link=SourceLink(COMMUNITY, "teams", TENANT, "19:new@thread.tacv2", True, True))
    assert [(s.community_id, s.channel) for s in list_sources(services) if s.platform == "teams"] == [
        (COMMUNITY, "19:new@thread.tacv2")
    ], "re-pointed: the old channel's link is gone"
    link_source(services, link=SourceLink("secret-rnd", "teams", TENANT, "19:new@thread.tacv2", True, True))
    assert [(s.community_id, s.channel) for s in list_sources(services) if s.platform == "teams"] == [
        ("secret-rnd", "19:new@thread.tacv2")
    ], "the channel handed to another community"
