"""Webhooks from Slack, Discourse and Teams: verify the signature on the raw body, store the event once, answer.

The work (ingest, edits, replies) runs as jobs behind the acknowledgement: Slack wants an answer within 3 s,
Teams within 5 s. A bad signature or a stale timestamp gets 401 and nothing is stored.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from pydantic import SecretStr
from starlette.concurrency import run_in_threadpool

from api.settings import Settings
from connectors.discourse import events as discourse_events
from connectors.discourse import verify as discourse_verify
from connectors.errors import InvalidPayload
from connectors.model import PrivateReply
from connectors.slack import events as slack_events
from connectors.slack import verify as slack_verify
from connectors.teams import events as teams_events
from connectors.teams import verify as teams_verify
from workflow.connectors import accept_event
from workflow.services import Services
from workflow.slack_home import home_opened

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value else None


def _json(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidPayload("the body is not JSON") from exc
    if not isinstance(payload, dict):
        raise InvalidPayload("the body is not a JSON object")
    return payload


def _context(request: Request) -> tuple[Settings, Services]:
    tacit = request.app.state.tacit
    return tacit.settings, tacit.services


async def _accept(services: Services, source: str, key: str, kind: str, payload: dict[str, Any]) -> bool:
    return await run_in_threadpool(lambda: accept_event(services, source=source, key=key, kind=kind, payload=payload))


@router.post("/slack", responses={401: {"description": "bad signature or stale timestamp"}})
async def slack(request: Request) -> dict[str, Any]:
    """Slack Events API: url_verification is answered; event_callbacks are stored once and handled as jobs."""
    settings, services = _context(request)
    body = await request.body()
    slack_verify.verify(_secret(settings.slack_signing_secret), body, request.headers)
    payload = _json(body)
    if payload.get("type") == "url_verification":
        return {"challenge": str(payload.get("challenge", ""))}
    if payload.get("type") != "event_callback":
        return {"ok": True, "accepted": False}
    key = slack_events.dedupe_key(payload)
    raw = payload.get("event")
    event: dict[str, Any] = raw if isinstance(raw, dict) else {}
    kind = str(event.get("type", ""))
    if kind == "app_home_opened" and event.get("tab", "home") == "home":
        team, user = str(payload.get("team_id", "")), str(event.get("user", ""))
        return {"ok": True, "accepted": home_opened(services, team=team, user=user)}
    accepted = await _accept(services, "slack", key, kind, {"body": payload})
    return {"ok": True, "accepted": accepted}


@router.post("/discourse", responses={401: {"description": "bad signature"}})
async def discourse(request: Request) -> dict[str, Any]:
    """Discourse webhooks: deduplicated on content (post id and version), since each retry has a new event id."""
    settings, services = _context(request)
    body = await request.body()
    event = request.headers.get("x-discourse-event", "")
    discourse_verify.verify(_secret(settings.discourse_webhook_secret), body, request.headers)
    payload = _json(body)
    if event == "ping" or not event:
        return {"ok": True, "accepted": False}
    site = (settings.discourse_url or request.headers.get("x-discourse-instance", "")).rstrip("/")
    key = discourse_events.dedupe_key(event, body, payload)
    accepted = await _accept(services, "discourse", key, event, {"event": event, "site": site, "body": payload})
    return {"ok": True, "accepted": accepted}


@router.post("/teams", responses={401: {"description": "bad HMAC"}})
async def teams(request: Request) -> dict[str, Any]:
    """Teams outgoing webhook: messages that @mention Tacit; the answer shows as a reply in the channel."""
    settings, services = _context(request)
    body = await request.body()
    teams_verify.verify(_secret(settings.teams_security_token), body, request.headers)
    payload = _json(body)
    key = teams_events.dedupe_key(payload)
    accepted = await _accept(services, "teams", key, str(payload.get("type", "")), {"body": payload})
    text = (
        "Thank you: Tacit records your answer and drafts a guide for you to review."
        if _is_answer(payload)
        else "Noted: Tacit keeps this thread in mind."
    )
    return {"type": "message", "text": text if accepted else "Already noted."}


def _is_answer(payload: dict[str, Any]) -> bool:
    return any(isinstance(e, PrivateReply) for e in teams_events.events(payload))
