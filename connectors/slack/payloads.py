"""Slack slash commands and interactivity payloads (block_actions, view_submission, message_action) parsed and checked.

Pure: no I/O, no workflow. Slack sends them form-encoded; interactivity puts its JSON in the `payload` field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.errors import InvalidPayload

MAX_VALUE_CHARS = 2000
MAX_METADATA_CHARS = 3000
_SLACK_HOOKS = "hooks.slack.com"


# -- payloads in -----------------------------------------------------------------------------------------------


def form(body: bytes) -> dict[str, str]:
    """An application/x-www-form-urlencoded body as one value per field."""
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidPayload("the body is not a form") from exc
    return {name: values[0] for name, values in fields.items() if values}


@dataclass(frozen=True)
class SlashCommand:
    """The form fields of a slash command that Tacit uses."""

    team: str
    channel: str
    user: str
    command: str
    text: str
    response_url: str
    trigger_id: str


def slash_command(fields: dict[str, str]) -> SlashCommand:
    """The command, checked for the fields Slack always sends."""
    missing = [name for name in ("team_id", "user_id", "command", "response_url") if not fields.get(name)]
    if missing:
        raise InvalidPayload(f"a slash command without {', '.join(missing)}")
    return SlashCommand(
        team=fields["team_id"],
        channel=fields.get("channel_id", ""),
        user=fields["user_id"],
        command=fields["command"],
        text=fields.get("text", "").replace("\x00", "").strip(),
        response_url=response_url(fields["response_url"]),
        trigger_id=fields.get("trigger_id", ""),
    )


def response_url(url: str) -> str:
    """A response_url only ever points at Slack's hooks host (a forged one would make Tacit post elsewhere)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.hostname != _SLACK_HOOKS:
        raise InvalidPayload("response_url is not a https://hooks.slack.com/ address")
    return url


@dataclass(frozen=True)
class Interaction:
    """One interactivity payload (block_actions, view_submission, message_action, shortcut), flattened."""

    kind: str
    team: str
    user: str
    trigger_id: str = ""
    response_url: str = ""
    channel: str = ""
    message_ts: str = ""
    action_id: str = ""  # block_actions: the first action; views and shortcuts: the callback_id
    value: str = ""
    view_id: str = ""
    metadata: str = ""
    values: dict[str, str] = field(default_factory=dict)  # view_submission: "block/action" -> typed text
    thread_ts: str = ""  # message_action: the thread the message belongs to


def interaction(fields: dict[str, str]) -> Interaction:
    """The `payload` field of an interactivity request, parsed and checked."""
    try:
        payload = json.loads(fields.get("payload", ""))
    except ValueError as exc:
        raise InvalidPayload("the interactivity request has no JSON payload field") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("user"), dict):
        raise InvalidPayload("the interactivity payload has no user")
    kind = str(payload.get("type", ""))
    team = _team(payload)
    user = str(payload["user"].get("id", ""))
    common: dict[str, Any] = {
        "kind": kind,
        "team": team,
        "user": user,
        "trigger_id": str(payload.get("trigger_id", "")),
        "response_url": _optional_response_url(payload.get("response_url")),
    }
    if kind == "block_actions":
        return _block_actions(payload, common)
    if kind == "view_submission":
        return _view_submission(payload, common)
    if kind in ("message_action", "shortcut"):
        raw = payload.get("message")
        message: dict[str, Any] = raw if isinstance(raw, dict) else {}
        return Interaction(
            **common,
            channel=str((payload.get("channel") or {}).get("id", "")),
            message_ts=str(message.get("ts", payload.get("message_ts", ""))),
            thread_ts=str(message.get("thread_ts", "")),
            action_id=str(payload.get("callback_id", "")),
        )
    return Interaction(**common)


def _team(payload: dict[str, Any]) -> str:
    team = payload.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    return str(payload["user"].get("team_id", ""))


def _optional_response_url(url: object) -> str:
    if not isinstance(url, str) or not url:
        return ""
    return response_url(url)


def _block_actions(payload: dict[str, Any], common: dict[str, Any]) -> Interaction:
    actions = payload.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise InvalidPayload("block_actions without actions")
    action, container = actions[0], payload.get("container") or {}
    selected = action.get("selected_option") or {}
    value = str(selected.get("value") if selected else action.get("value", ""))
    channel = container.get("channel_id") or (payload.get("channel") or {}).get("id", "")
    return Interaction(
        **common,
        channel=str(channel),
        message_ts=str(container.get("message_ts", "")),
        action_id=str(action.get("action_id", "")),
        value=value[:MAX_VALUE_CHARS],
    )


def _view_submission(payload: dict[str, Any], common: dict[str, Any]) -> Interaction:
    view = payload.get("view")
    if not isinstance(view, dict):
        raise InvalidPayload("view_submission without a view")
    values: dict[str, str] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for action_id, state in (actions or {}).items():
            text = (state or {}).get("value")
            if isinstance(text, str) or text is None:  # an optional input left empty comes as null
                values[f"{block_id}/{action_id}"] = (text or "").replace("\x00", "")
    return Interaction(
        **common,
        action_id=str(view.get("callback_id", "")),
        view_id=str(view.get("id", "")),
        metadata=str(view.get("private_metadata", ""))[:MAX_METADATA_CHARS],
        values=values,
    )
