"""Teams outgoing webhook activities mapped to Tacit's connector events (no I/O).

An outgoing webhook only receives channel messages that @mention it. A message `answer CODE <text>` answers
the nudge that carried that code.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from connectors.errors import InvalidPayload
from connectors.model import Author, Event, Posted, PrivateReply, Where

PLATFORM = "teams"
_MENTION = re.compile(r"<at>.*?</at>", re.S)
_TAG = re.compile(r"<[^>]+>")
_ANSWER = re.compile(r"^\s*answer\s+([A-Z0-9]{6})\b[\s:,-]*(.*)$", re.I | re.S)


def plain_text(text: str) -> str:
    """The message without the @mention of the webhook and without HTML."""
    return html.unescape(_TAG.sub("", _MENTION.sub("", text))).strip()


def dedupe_key(activity: dict[str, Any]) -> str:
    activity_id = activity.get("id")
    if not isinstance(activity_id, str) or not activity_id:
        raise InvalidPayload("an activity without id")
    return activity_id


def events(activity: dict[str, Any]) -> list[Event]:
    """The Tacit event in one activity: a channel message, or an answer to a nudge."""
    if activity.get("type") != "message":
        return []
    sender, conversation = activity.get("from") or {}, activity.get("conversation") or {}
    data = activity.get("channelData") or {}
    tenant = str((data.get("tenant") or {}).get("id") or conversation.get("tenantId") or "")
    author = Author(str(sender.get("aadObjectId") or sender.get("id") or ""), sender.get("name"))
    text = plain_text(str(activity.get("text") or ""))
    if not author.user_id or not text:
        return []
    if match := _ANSWER.match(text):
        return [PrivateReply(PLATFORM, tenant, match.group(1).upper(), None, author, match.group(2).strip())]
    channel = str(data.get("teamsChannelId") or (data.get("channel") or {}).get("id") or "")
    return [_posted(activity, Where(PLATFORM, tenant, channel), author, text, str(conversation.get("id") or ""))]


def _posted(activity: dict[str, Any], where: Where, author: Author, text: str, conversation: str) -> Posted:
    own = str(activity["id"])
    root = conversation.split(";messageid=", 1)[1] if ";messageid=" in conversation else own
    stamp = activity.get("timestamp")
    created = datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else datetime.now(UTC)
    return Posted(
        where=where,
        external_id=f"teams:{where.channel}:{own}",
        thread=f"teams:{where.channel}:{root}",
        author=author,
        text=text,
        created_at=created,
        parent=f"teams:{where.channel}:{root}" if root != own else None,
    )
