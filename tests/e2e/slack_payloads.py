"""Slack payloads as Slack documents them (slash command form fields; block_actions, view_submission and
message_action in a `payload` form field), signed like Slack signs them, and the respx-mocked Web API and
response_url, for the Slack interactivity tests."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlencode

import httpx
import respx
from sqlalchemy import select

from connectors.slack.verify import sign
from store.tables import GuideRow
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
from workflow.connectors import link_identity

HOOK = "https://hooks.slack.com/actions/T0001/6789/rEsPoNsEuRl"
REVIEW_TS = "1700000900.000900"
PUBLIC = "https://tacit.example.com"


@contextmanager
def slack_web_mock() -> Iterator[respx.MockRouter]:
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
