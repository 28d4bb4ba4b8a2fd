"""Platform events: accepted once by the webhook, then applied as a job (new messages, edits, deletions,
retitles, a reaction asking for a guide, private replies). Edits and deletions from a platform are the system's own
actions (no steward), kept by workflow/sources.py like a steward's: no derived text outlives its source."""

from __future__ import annotations

import json
import logging
from typing import Any

from connectors.discourse import events as discourse_events
from connectors.model import Deleted, Edited, Event, Posted, PrivateReply, Reacted, ThreadRetitled
from connectors.slack import events as slack_events
from connectors.teams import events as teams_events
from elicitor.model import Role
from store.records import IncomingMessage
from workflow import sources
from workflow.connectors.identities import person_for
from workflow.connectors.replies import record_private_reply
from workflow.ingest import ingest_messages
from workflow.job_types import HandlePlatformEvent, SynthesizeGuide, defer
from workflow.privacy import screen_thread
from workflow.services import Services

log = logging.getLogger("tacit.connectors")


def accept_event(services: Services, *, source: str, key: str, kind: str, payload: dict[str, Any]) -> bool:
    """Queue an event's handling unless it was handled before; False for a retry or a duplicate.

    The acknowledgement only reads (WAL readers never wait for a writer); the job records the event's key, so a
    retry that arrives while the first delivery is queued is dropped by the runner (same job key), and one that
    arrives later finds the key.
    """
    with services.uow() as uow:
        seen = uow.connectors.event_seen(source, key)
    if seen:
        log.info("duplicate event source=%s kind=%s", source, kind)
        return False
    defer(services.runner, HandlePlatformEvent(source=source, key=key, kind=kind, payload=json.dumps(payload)))
    return True


def _map(source: str, payload: dict[str, Any]) -> list[Event]:
    body = payload.get("body") or {}
    if source == "slack":
        return slack_events.events(body)
    if source == "discourse":
        return discourse_events.events(str(payload.get("event", "")), str(payload.get("site", "")), body)
    return teams_events.events(body)


def handle_platform_event(services: Services, *, source: str, key: str, kind: str, payload: str) -> str:
    """Job: record the event's key once, then apply it (messages, edits, deletions, reactions, private replies)."""
    with services.uow() as uow:
        event_id = uow.connectors.claim_event(source, key, kind)
    if event_id is None:
        return "already handled"
    outcomes = [_apply(services, event) for event in _map(source, json.loads(payload))]
    status = "done" if any(o == "done" for o in outcomes) else "ignored"
    with services.uow() as uow:
        uow.connectors.finish_event(event_id, status)
    log.info("platform event source=%s kind=%s outcomes=%s", source, kind, ",".join(outcomes) or "none")
    return status


def _apply(services: Services, event: Event) -> str:
    if isinstance(event, PrivateReply):
        return record_private_reply(services, event)
    with services.uow() as uow:
        link = uow.connectors.source_for(event.where.platform, event.where.workspace, event.where.channel)
    if link is None:
        return "not linked"
    community_id = link.community_id
    if isinstance(event, Posted):
        return _posted(services, community_id, event)
    if isinstance(event, Edited):
        return edit_source_message(
            services,
            community_id=community_id,
            external_id=event.external_id,
            text=event.text,
            platform=event.where.platform,
        )
    if isinstance(event, Deleted):
        return delete_source_message(
            services, community_id=community_id, external_id=event.external_id, platform=event.where.platform
        )
    if isinstance(event, Reacted):
        return _reacted(services, community_id, event)
    if isinstance(event, ThreadRetitled):
        return _retitle(services, community_id, event)
    return delete_source_thread(
        services, community_id=community_id, external_id=event.thread, platform=event.where.platform
    )


def _posted(services: Services, community_id: str, event: Posted) -> str:
    person = person_for(services, platform=event.where.platform, workspace=event.where.workspace, author=event.author)
    message = IncomingMessage(
        external_id=event.external_id,
        thread=event.thread,
        author=person.handle,
        text=event.text[: services.max_message_chars],
        created_at=event.created_at,
        thread_title=event.thread_title,
        parent=event.parent,
        author_name=person.display_name,
        url=event.url,
    )
    if not message.text.strip():
        return "empty"
    result = ingest_messages(services, community_id=community_id, batch=[message])
    return "done" if result.accepted else "duplicate"


def edit_source_message(services: Services, *, community_id: str, external_id: str, text: str, platform: str) -> str:
    """The platform edited a message: keep the new text (screened again), rewrite the guide that quoted it."""
    if not text.strip():
        return "empty"
    with services.uow() as uow:
        message = uow.messages.by_external(community_id, external_id)
        if message is None or message.text == text:
            return "unchanged"
        new_text = text[: services.max_message_chars]
        sources.edit_message(services, uow, message, new_text, sources.Actor(platform=platform))
    return "done"


def delete_source_message(services: Services, *, community_id: str, external_id: str, platform: str) -> str:
    """The platform deleted a message: delete it, and rewrite or withdraw the guide that quoted it."""
    with services.uow() as uow:
        message = uow.messages.by_external(community_id, external_id)
        if message is None:
            return "unknown message"
        sources.delete_message(services, uow, message, sources.Actor(platform=platform))
    return "done"


def delete_source_thread(services: Services, *, community_id: str, external_id: str, platform: str) -> str:
    """The platform deleted a whole thread (a Discourse topic): it goes, with its guide, nudges and replies."""
    with services.uow() as uow:
        thread = uow.messages.thread_by_external(community_id, external_id)
        if thread is None:
            return "unknown thread"
        sources.delete_thread(services, uow, thread, sources.Actor(platform=platform))
    return "done"


def _retitle(services: Services, community_id: str, event: ThreadRetitled) -> str:
    with services.uow() as uow:
        thread = uow.messages.thread_by_external(community_id, event.thread)
        if thread is None:
            return "unknown thread"
        sources.retitle_thread(uow, thread, event.title)
    return "done"


def _reacted(services: Services, community_id: str, event: Reacted) -> str:
    """A reaction (the bookmark by default) on a thread asks for a guide from it."""
    if event.reaction != services.guide_reaction:
        return "other reaction"
    return request_guide(services, community_id=community_id, external_id=event.external_id)


def request_guide(services: Services, *, community_id: str, external_id: str) -> str:
    """Ask for a guide from the thread of this message (a reaction, Slack's "Capture this thread"), reviewed by
    the first expert who answered in it; the outcome: done, guide exists, no expert, unknown message."""
    with services.uow() as uow:
        message = uow.messages.by_external(community_id, external_id)
        if message is None:
            return "unknown message"
        if uow.guides.for_thread(message.thread_id) is not None:
            return "guide exists"
        # Whoever answered in the thread as an expert (or steward) of the community reviews the guide.
        reviewer = uow.messages.expert_answerer(
            community_id, message.thread_id, (Role.EXPERT.value, Role.STEWARD.value)
        )
        if reviewer is None:
            log.info("bookmarked thread=%s has no expert answer to review it; no guide", message.thread_id)
            return "no expert"
        community = uow.communities.get(community_id)
        screen_thread(services, uow, message.thread_id, community.pii_policy if community else "redact")
    defer(services.runner, SynthesizeGuide(message.thread_id, reviewer))
    return "done"
