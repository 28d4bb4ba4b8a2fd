"""Discourse webhook payloads mapped to Tacit's connector events (no I/O).

Discourse gives each delivery, retries included, a new event id and signs no timestamp, so events are
deduplicated on content: the post id and its version.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime
from typing import Any

from connectors.errors import InvalidPayload
from connectors.model import Author, Deleted, Edited, Event, Posted, PrivateReply, ThreadDeleted, ThreadRetitled, Where

PLATFORM = "discourse"
REGULAR = 1  # post_type: 2 moderator action, 3 small action, 4 whisper (staff only) are not community answers
_TAG = re.compile(r"<[^>]+>")


def message_id(topic_id: object, post_number: object) -> str:
    return f"discourse:{topic_id}:{post_number}"


def thread_id(topic_id: object) -> str:
    return f"discourse:{topic_id}"


def dedupe_key(event: str, body: bytes, payload: dict[str, Any]) -> str:
    """The same content delivered twice has the same key, whatever its event id."""
    post = payload.get("post")
    if isinstance(post, dict) and "id" in post:
        if event in ("post_created", "post_edited"):
            return f"{event}:{post['id']}:v{post.get('version', 1)}"
        if event == "post_destroyed":
            return f"{event}:{post['id']}"
    return f"{event}:{hashlib.sha256(body).hexdigest()[:32]}"


def events(event: str, site: str, payload: dict[str, Any]) -> list[Event]:
    """The Tacit events in one webhook delivery (none for what Tacit does not watch)."""
    if event.startswith("post_"):
        post = payload.get("post")
        if not isinstance(post, dict):
            raise InvalidPayload(f"a {event} without post")
        return _post(event, site, post)
    if event.startswith("topic_"):
        topic = payload.get("topic")
        if not isinstance(topic, dict):
            raise InvalidPayload(f"a {event} without topic")
        return _topic(event, site, topic)
    return []


def _where(site: str, item: dict[str, Any]) -> Where:
    category = item.get("category_id")
    return Where(PLATFORM, site, "" if category is None else str(category))


def _text(post: dict[str, Any]) -> str:
    return post.get("raw") or html.unescape(_TAG.sub("", post.get("cooked", "")))


def _post(event: str, site: str, post: dict[str, Any]) -> list[Event]:
    if post.get("post_type", REGULAR) != REGULAR:
        return []
    if post.get("topic_archetype") == "private_message":
        if event != "post_created":
            return []
        return [PrivateReply(PLATFORM, site, str(post["topic_id"]), None, _author(post), _text(post))]
    external = message_id(post["topic_id"], post["post_number"])
    if event == "post_created":
        return [_posted(site, post, external)]
    if event == "post_edited":
        return [Edited(_where(site, post), external, _text(post))]
    if event == "post_destroyed":
        return [Deleted(_where(site, post), external)]
    return []


def _author(post: dict[str, Any]) -> Author:
    return Author(str(post["username"]), post.get("name") or post.get("display_username") or None)


def _posted(site: str, post: dict[str, Any], external: str) -> Posted:
    number, topic = post["post_number"], post["topic_id"]
    parent = message_id(topic, post.get("reply_to_post_number") or 1) if number > 1 else None
    slug = post.get("topic_slug") or "-"
    return Posted(
        where=_where(site, post),
        external_id=external,
        thread=thread_id(topic),
        author=_author(post),
        text=_text(post),
        created_at=datetime.fromisoformat(post["created_at"].replace("Z", "+00:00")),
        parent=parent,
        thread_title=post.get("topic_title"),
        url=f"{site.rstrip('/')}/t/{slug}/{topic}/{number}",
    )


def _topic(event: str, site: str, topic: dict[str, Any]) -> list[Event]:
    if topic.get("archetype") == "private_message":
        return []
    if event == "topic_edited" and topic.get("title"):
        return [ThreadRetitled(_where(site, topic), thread_id(topic["id"]), str(topic["title"]))]
    if event == "topic_destroyed":
        return [ThreadDeleted(_where(site, topic), thread_id(topic["id"]))]
    return []  # topic_created: its first post arrives as post_created, with the title
