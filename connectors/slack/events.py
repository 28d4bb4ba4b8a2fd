"""Slack Events API payloads mapped to Tacit's connector events (no I/O)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from connectors.errors import InvalidPayload
from connectors.model import Author, Deleted, Edited, Event, Posted, PrivateReply, Reacted, Where

PLATFORM = "slack"
# Subtypes that carry a person's words; the rest (joins, bot posts, topic changes) are not community knowledge.
SPOKEN = {None, "thread_broadcast", "file_share", "me_message"}
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]+))?>")


def message_id(channel: str, ts: str) -> str:
    return f"slack:{channel}:{ts}"


def plain_text(text: str) -> str:
    """Slack mrkdwn to plain text: <url|label> → label (url), <@U1> → @U1, <#C1|name> → #name, entities."""

    def link(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return f"@{label}" if label else target
        if target.startswith("#"):
            return f"#{label}" if label else target
        if target.startswith("!"):
            return f"@{label or target[1:]}"
        return f"{label} ({target})" if label and label != target else target

    return html.unescape(_LINK.sub(link, text))


def dedupe_key(body: dict[str, Any]) -> str:
    """Slack retries carry the same event_id."""
    event_id = body.get("event_id")
    if not isinstance(event_id, str) or not event_id:
        raise InvalidPayload("an event_callback without event_id")
    return event_id


def events(body: dict[str, Any]) -> list[Event]:
    """The Tacit events in one event_callback (none for what Tacit does not watch)."""
    event = body.get("event")
    if not isinstance(event, dict):
        raise InvalidPayload("an event_callback without event")
    team = str(body.get("team_id") or event.get("team") or "")
    if event.get("type") == "reaction_added":
        return _reaction(team, event)
    if event.get("type") != "message":
        return []
    if event.get("channel_type") == "im":
        return _direct(team, event)
    subtype = event.get("subtype")
    if subtype == "message_changed":
        return _changed(team, event)
    if subtype == "message_deleted":
        return [Deleted(Where(PLATFORM, team, event["channel"]), message_id(event["channel"], event["deleted_ts"]))]
    if subtype not in SPOKEN or event.get("bot_id") or not event.get("user"):
        return []
    return [_posted(team, event["channel"], event)]


def _posted(team: str, channel: str, message: dict[str, Any]) -> Posted:
    ts, root = message["ts"], message.get("thread_ts") or message["ts"]
    return Posted(
        where=Where(PLATFORM, team, channel),
        external_id=message_id(channel, ts),
        thread=message_id(channel, root),
        author=Author(message["user"]),
        text=plain_text(message.get("text", "")),
        created_at=datetime.fromtimestamp(float(ts), UTC),
        parent=message_id(channel, root) if root != ts else None,
    )


def _changed(team: str, event: dict[str, Any]) -> list[Event]:
    message, previous = event.get("message") or {}, event.get("previous_message") or {}
    if message.get("bot_id") or "ts" not in message:
        return []
    if message.get("text") == previous.get("text") and previous:
        return []  # a reply count or unfurl changed, not the words: guides stay as they are
    channel = event["channel"]
    return [
        Edited(Where(PLATFORM, team, channel), message_id(channel, message["ts"]), plain_text(message.get("text", "")))
    ]


def _direct(team: str, event: dict[str, Any]) -> list[Event]:
    if event.get("subtype") or event.get("bot_id") or not event.get("user"):
        return []  # our own nudge, an edit, a join: only what the person writes is a reply
    return [
        PrivateReply(
            PLATFORM,
            team,
            event["channel"],
            event.get("thread_ts"),
            Author(event["user"]),
            plain_text(event.get("text", "")),
        )
    ]


def _reaction(team: str, event: dict[str, Any]) -> list[Event]:
    item = event.get("item") or {}
    if item.get("type") != "message":
        return []
    channel = item["channel"]
    return [
        Reacted(
            Where(PLATFORM, team, channel),
            message_id(channel, item["ts"]),
            event.get("user", ""),
            str(event.get("reaction", "")),
        )
    ]
