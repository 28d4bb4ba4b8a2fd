"""Connectors in the loop: platform events become messages, edits and deletions; nudges go out as DMs and PMs,
and the replies there come back as nudge replies; a reaction asks for a guide; published guides are announced.

Every function here is a job or called by one, keyed by what it works on and safe to run twice. Edits and
deletions from a platform are the system's own actions (no steward), with the same invariant as governance:
no derived text outlives its source.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, select

from connectors.discourse import events as discourse_events
from connectors.errors import PlatformError
from connectors.model import (
    PLATFORMS,
    Author,
    Channel,
    Deleted,
    Edited,
    Event,
    GuideNote,
    NudgeNote,
    Posted,
    PrivateReply,
    Reacted,
    Sent,
    ThreadRetitled,
    Where,
)
from connectors.slack import events as slack_events
from connectors.teams import events as teams_events
from elicitor.model import Role
from store.connector_repository import ConnectorRepository
from store.records import IncomingMessage
from store.repository import aware
from store.tables import MembershipRow, MessageRow, PersonIdentityRow, PersonRow
from synthesizer.model import GuideDraft
from workflow.errors import Conflict, InvalidInput, NotFound
from workflow.governance import _invalidate_thread_guide, _rewrite, reassess  # the one invalidation logic
from workflow.ingest import ingest_messages
from workflow.nudges import reply
from workflow.privacy import screen_thread
from workflow.services import Services

log = logging.getLogger("tacit.connectors")
PROFILE_TTL = timedelta(days=1)  # users.info answers are cached this long
NUDGE_BACKLOG = timedelta(days=7)  # a newly linked platform delivers open nudges at most this old
# A failing delivery (the user left the workspace, the bot lost its scope, an outage) is tried again after 5, 10,
# 20... minutes (at most 6 hours apart) and given up after 8 failures, about a day: the nudge stays in the
# expert's Tacit inbox either way.
MAX_DELIVERY_FAILURES = 8
FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=6)


# -- accepting events (the webhook's only work) --------------------------------------------------------------


def accept_event(services: Services, *, source: str, key: str, kind: str, payload: dict[str, Any]) -> bool:
    """Queue an event's handling unless it was handled before; False for a retry or a duplicate.

    The acknowledgement only reads (WAL readers never wait for a writer); the job records the event's key, so a
    retry that arrives while the first delivery is queued is dropped by the runner (same job key), and one that
    arrives later finds the key.
    """
    with services.db.session() as session:
        seen = ConnectorRepository(session).event_seen(source, key)
    if seen:
        log.info("duplicate event source=%s kind=%s", source, kind)
        return False
    services.runner.enqueue(
        "handle_platform_event",
        f"{source}:{key}",
        {"source": source, "key": key, "kind": kind, "payload": json.dumps(payload)},
    )
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
    with services.db.session() as session:
        event_id = ConnectorRepository(session).claim_event(source, key, kind)
    if event_id is None:
        return "already handled"
    outcomes = [_apply(services, event) for event in _map(source, json.loads(payload))]
    status = "done" if any(o == "done" for o in outcomes) else "ignored"
    with services.db.session() as session:
        repo = ConnectorRepository(session)
        row = repo.event(event_id)
        if row is not None:
            repo.finish_event(row, status)
    log.info("platform event source=%s kind=%s outcomes=%s", source, kind, ",".join(outcomes) or "none")
    return status


def _apply(services: Services, event: Event) -> str:
    if isinstance(event, PrivateReply):
        return record_private_reply(services, event)
    with services.db.session() as session:
        link = ConnectorRepository(session).source_for(event.where.platform, event.where.workspace, event.where.channel)
        community_id = link.community_id if link else None
    if community_id is None:
        return "not linked"
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


# -- people --------------------------------------------------------------------------------------------------


def _channel(services: Services, platform: str) -> Channel | None:
    return next((c for c in services.channels if c.platform == platform), None)


def person_for(services: Services, *, platform: str, workspace: str, author: Author) -> PersonRow:
    """The Tacit person behind a platform account: linked before, matched by email, or created."""
    with services.db.session() as session:
        identity = ConnectorRepository(session).identity(platform, workspace, author.user_id)
        fresh = (
            identity is not None
            and identity.fetched_at is not None
            and aware(identity.fetched_at) > services.clock() - PROFILE_TTL
        )
        if identity is not None and (fresh or author.name):
            person = session.get(PersonRow, identity.person_id)
            if person is not None:
                return person
    name, email = author.name, None
    channel = _channel(services, platform)
    if not author.name and channel is not None:
        try:
            profile = channel.profile(workspace, author.user_id)
        except PlatformError as exc:
            log.warning("profile lookup failed platform=%s error=%s", platform, exc)
            profile = None
        name, email = (profile.display_name, profile.email) if profile else (None, None)
    return _link_person(services, platform, workspace, author.user_id, name, email)


def _link_person(
    services: Services, platform: str, workspace: str, user_id: str, name: str | None, email: str | None
) -> PersonRow:
    with services.db.session() as session:
        repo = ConnectorRepository(session)
        identity = repo.identity(platform, workspace, user_id)
        person = session.get(PersonRow, identity.person_id) if identity else None
        if person is None and email:
            person = session.scalars(select(PersonRow).where(PersonRow.email == email)).first()
        if person is None:
            person = repo.upsert_person(f"{platform}-{user_id}".lower()[:100], name or user_id)
        repo.link_identity(
            platform=platform,
            workspace=workspace,
            user_id=user_id,
            person_id=person.id,
            display_name=name or person.display_name,
            fetched_at=services.clock(),
        )
        return person


def link_identity(services: Services, *, handle: str, platform: str, workspace: str, user_id: str) -> None:
    """Say which platform account is this Tacit person (e.g. an expert's Slack user), so nudges reach them."""
    _check_platform(platform)
    with services.db.session() as session:
        repo = ConnectorRepository(session)
        person = repo.person_by_handle(handle)
        if person is None:
            raise NotFound(f"no person with handle {handle!r}")
        repo.link_identity(
            platform=platform,
            workspace=workspace,
            user_id=user_id,
            person_id=person.id,
            display_name=person.display_name,
            fetched_at=None,
        )
        repo.retry_deliveries(person.id)  # a new account may reach them where the old one failed


def _check_platform(platform: str) -> None:
    if platform not in PLATFORMS:
        raise InvalidInput(f"platform must be one of {', '.join(PLATFORMS)}")


@dataclass(frozen=True)
class SourceLink:
    community_id: str
    platform: str
    workspace: str
    channel: str
    announce: bool
    nudges: bool


def link_source(services: Services, *, link: SourceLink) -> None:
    """Link a community to a Slack channel, a Discourse category (or site) or a Teams channel."""
    _check_platform(link.platform)
    with services.db.session() as session:
        repo = ConnectorRepository(session)
        if repo.get_community(link.community_id) is None:
            raise NotFound(f"community {link.community_id!r} does not exist; create it first")
        if link.platform == "teams":
            _one_teams_channel(repo, link)
        repo.link_source(
            community_id=link.community_id,
            platform=link.platform,
            workspace=link.workspace,
            channel=link.channel,
            announce=link.announce,
            nudges=link.nudges,
        )


def _one_teams_channel(repo: ConnectorRepository, link: SourceLink) -> None:
    """Tacit posts to Teams through one incoming webhook, which posts to one channel, so Teams serves one community.

    Linking the community to another channel re-points it (its old Teams link goes); handing the linked channel to
    another community moves it; linking a second community to another channel is refused: its nudges and
    announcements would land in the first community's channel.
    """
    teams = [s for s in repo.sources_of() if s.platform == "teams"]
    for old in teams:
        if old.community_id == link.community_id and (old.workspace, old.channel) != (link.workspace, link.channel):
            repo.unlink_source(old)  # re-pointed
    others = [
        s
        for s in teams
        if s.community_id != link.community_id and (s.workspace, s.channel) != (link.workspace, link.channel)
    ]
    if others:
        taken = others[0]
        raise Conflict(
            f"Teams is already linked to {taken.community_id!r} (channel {taken.channel!r}): Tacit posts to "
            "Teams through one incoming webhook (TACIT_TEAMS_INCOMING_WEBHOOK_URL), which reaches one channel, "
            "so only one community can use Teams."
        )


def list_sources(services: Services) -> list[SourceLink]:
    with services.db.session() as session:
        return [
            SourceLink(r.community_id, r.platform, r.workspace, r.channel, r.announce, r.nudges)
            for r in ConnectorRepository(session).sources_of()
        ]


# -- messages, edits, deletions ----------------------------------------------------------------------------------


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
    with services.db.session() as session:
        repo = ConnectorRepository(session)
        message = repo.message_by_external(community_id, external_id)
        if message is None or message.text == text:
            return "unchanged"
        message.text, message.edited_at, message.screened_at = (
            text[: services.max_message_chars],
            services.clock(),
            None,
        )
        community = repo.get_community(community_id)
        screen_thread(services, repo, message.thread_id, community.pii_policy if community else "redact")
        rewrite = _invalidate_thread_guide(services, repo, message.thread_id)
        repo.add_audit(
            actor_id=None,
            action="message.edited",
            community_id=community_id,
            target_type="message",
            target_id=message.id,
            details={"source": platform},
        )
        message_id = message.id
    _rewrite(services, rewrite)
    reassess(services, message_id)
    return "done"


def delete_source_message(services: Services, *, community_id: str, external_id: str, platform: str) -> str:
    """The platform deleted a message: delete it, and rewrite or withdraw the guide that quoted it."""
    with services.db.session() as session:
        repo = ConnectorRepository(session)
        message = repo.message_by_external(community_id, external_id)
        if message is None:
            return "unknown message"
        thread_id, message_id = message.thread_id, message.id
        session.delete(message)
        session.flush()
        rewrite = _invalidate_thread_guide(services, repo, thread_id)
        repo.add_audit(
            actor_id=None,
            action="message.deleted",
            community_id=community_id,
            target_type="message",
            target_id=message_id,
            details={"source": platform},
        )
    _rewrite(services, rewrite)
    return "done"


def delete_source_thread(services: Services, *, community_id: str, external_id: str, platform: str) -> str:
    """The platform deleted a whole thread (a Discourse topic): it goes, with its guide, nudges and replies."""
    with services.db.session() as session:
        repo = ConnectorRepository(session)
        thread = repo.thread_by_external(community_id, external_id)
        if thread is None:
            return "unknown thread"
        guide = repo.guide_for_thread(thread.id)
        if guide is not None:
            services.search.remove_guide(guide.id)
            repo.delete_guide(guide)
        for message in session.scalars(select(MessageRow).where(MessageRow.thread_id == thread.id)).all():
            session.delete(message)
        session.flush()
        session.delete(thread)
        repo.add_audit(
            actor_id=None,
            action="thread.deleted",
            community_id=community_id,
            target_type="thread",
            target_id=thread.id,
            details={"source": platform},
        )
    return "done"


def _retitle(services: Services, community_id: str, event: ThreadRetitled) -> str:
    with services.db.session() as session:
        thread = ConnectorRepository(session).thread_by_external(community_id, event.thread)
        if thread is None:
            return "unknown thread"
        thread.title = event.title[:500]
    return "done"


# -- a reaction asks for a guide -----------------------------------------------------------------------------


def _reacted(services: Services, community_id: str, event: Reacted) -> str:
    if event.reaction != services.guide_reaction:
        return "other reaction"
    return request_guide(services, community_id=community_id, external_id=event.external_id)


def request_guide(services: Services, *, community_id: str, external_id: str) -> str:
    """Ask for a guide from the thread of this message (a reaction, Slack's "Capture this thread"), reviewed by
    the first expert who answered in it; the outcome: done, guide exists, no expert, unknown message."""
    with services.db.session() as session:
        repo = ConnectorRepository(session)
        message = repo.message_by_external(community_id, external_id)
        if message is None:
            return "unknown message"
        if repo.guide_for_thread(message.thread_id) is not None:
            return "guide exists"
        reviewer = _reviewer(repo, community_id, message.thread_id)
        if reviewer is None:
            log.info("bookmarked thread=%s has no expert answer to review it; no guide", message.thread_id)
            return "no expert"
        community = repo.get_community(community_id)
        screen_thread(services, repo, message.thread_id, community.pii_policy if community else "redact")
        thread_id = message.thread_id
    services.runner.enqueue("synthesize_guide", thread_id, {"thread_id": thread_id, "reviewer_id": reviewer})
    return "done"


def _reviewer(repo: ConnectorRepository, community_id: str, thread_id: str) -> str | None:
    """Whoever answered in the thread as an expert (or steward) of the community reviews the guide."""
    experts = {Role.EXPERT.value, Role.STEWARD.value}
    query = (
        select(MessageRow.author_id)
        .join(
            MembershipRow,
            and_(MembershipRow.person_id == MessageRow.author_id, MembershipRow.community_id == community_id),
        )
        .where(
            MessageRow.thread_id == thread_id,
            MessageRow.parent_external_id.is_not(None),
            MembershipRow.role.in_(experts),
        )
        .order_by(MessageRow.created_at)
    )
    return repo.s.scalars(query).first()


# -- nudges out, replies in ----------------------------------------------------------------------------------


def reply_code(nudge_id: str) -> str:
    """A short code that names a nudge where a platform cannot thread replies (Teams)."""
    return hashlib.sha256(nudge_id.encode()).hexdigest()[:6].upper()


@dataclass(frozen=True)
class _Target:
    channel: Channel
    workspace: str
    user_id: str
    note: NudgeNote


def deliver_nudge(services: Services, *, nudge_id: str) -> str:
    """Job: send a due nudge to the expert on their platform (Slack DM, Discourse PM, Teams card), once."""
    with services.db.session() as session:
        target = _target(services, ConnectorRepository(session), nudge_id)
    if isinstance(target, str):
        return target
    try:
        sent = target.channel.send_nudge(target.workspace, target.user_id, target.note)
    except Exception as exc:  # noqa: BLE001 - a platform's odd reply counts as a failed delivery, not a crash loop
        if not isinstance(exc, PlatformError):
            log.exception("nudge delivery: unexpected error from %s", target.channel.platform)
        # The periodic sweep tries again later, backing off.
        with services.db.session() as session:
            repo = ConnectorRepository(session)
            failures = repo.delivery_failed(nudge_id, services.clock() + _retry_delay(_failures(repo, nudge_id)))
        gave_up = failures >= MAX_DELIVERY_FAILURES
        log.warning(
            "nudge delivery failed nudge=%s platform=%s failures=%d%s error=%s",
            nudge_id,
            target.channel.platform,
            failures,
            " (given up)" if gave_up else "",
            exc,
        )
        return "given up" if gave_up else "failed"
    with services.db.session() as session:
        ConnectorRepository(session).add_delivery(
            nudge_id=nudge_id,
            platform=target.channel.platform,
            workspace=target.workspace,
            conversation=sent.conversation,
            message_ref=sent.message_ref,
        )
    log.info("nudge delivered nudge=%s platform=%s", nudge_id, target.channel.platform)
    return "done"


def _failures(repo: ConnectorRepository, nudge_id: str) -> int:
    nudge = repo.get_nudge(nudge_id)
    return nudge.delivery_failures if nudge is not None else 0


def _retry_delay(failures_so_far: int) -> timedelta:
    """5 minutes after the first failure, doubling, at most LONGEST_RETRY."""
    return min(FIRST_RETRY * 2**failures_so_far, LONGEST_RETRY)


def _target(services: Services, repo: ConnectorRepository, nudge_id: str) -> _Target | str:
    nudge = repo.get_nudge(nudge_id)
    if nudge is None or nudge.status != "open" or aware(nudge.deliver_at) > services.clock():
        return "not due"
    if nudge.delivery_failures >= MAX_DELIVERY_FAILURES:
        return "given up"
    if repo.delivery_for(nudge_id) is not None:
        return "already delivered"
    reached = reach(services, repo, nudge.person_id, nudge.community_id)
    if reached is None:
        return "no platform"
    channel, identity = reached
    record = repo.nudge_record(nudge)
    note = NudgeNote(
        question=record.question,
        thread_title=record.thread_title,
        answer_excerpt=record.answer_text,
        reply_code=reply_code(nudge_id),
        user_name=identity.display_name or "there",
        nudge_id=nudge_id,
        url=f"{services.public_url}/inbox/{nudge_id}",
    )
    return _Target(channel, identity.workspace, identity.user_id, note)


def reach(
    services: Services, repo: ConnectorRepository, person_id: str, community_id: str
) -> tuple[Channel, PersonIdentityRow] | None:
    """Where to tell a person something private about a community (a nudge, a draft to review): the first
    linked platform of the community that allows nudges and where the person has an account."""
    identities = {(i.platform, i.workspace): i for i in repo.identities_of(person_id)}
    for source in (s for s in repo.sources_of(community_id) if s.nudges):
        identity = identities.get((source.platform, source.workspace))
        channel = _channel(services, source.platform)
        if identity is not None and channel is not None:
            return channel, identity
    return None


def deliver_due_nudges(services: Services) -> int:
    """Periodic job: queue the delivery of every due nudge not yet delivered (quiet hours ended, retries)."""
    with services.db.session() as session:
        due = ConnectorRepository(session).undelivered_due_nudges(
            services.clock(), NUDGE_BACKLOG, MAX_DELIVERY_FAILURES
        )
    if not services.channels:
        return 0
    for nudge_id in due:
        services.runner.enqueue("deliver_nudge", nudge_id, {"nudge_id": nudge_id})
    return len(due)


def record_private_reply(services: Services, event: PrivateReply) -> str:
    """The expert answered a nudge in the DM, PM or Teams thread: record it as the reply (→ guide draft)."""
    with services.db.session() as session:
        repo = ConnectorRepository(session)
        identity = repo.identity(event.platform, event.workspace, event.author.user_id)
        if identity is None:
            return "unknown person"
        delivery = repo.delivery_by_ref(event.platform, event.conversation, event.in_reply_to or "-")
        delivery = delivery or repo.latest_open_delivery(event.platform, event.conversation, identity.person_id)
        if delivery is None:
            return "no nudge here"
        nudge = repo.get_nudge(delivery.nudge_id)
        if nudge is None or nudge.person_id != identity.person_id:
            return "not theirs"
        sent, workspace, person_id = (
            Sent(delivery.conversation, delivery.message_ref),
            delivery.workspace,
            nudge.person_id,
        )
    try:
        reply(services, person_id=person_id, nudge_id=nudge.id, text=event.text)
    except (Conflict, InvalidInput) as exc:
        log.info("private reply not recorded nudge=%s reason=%s", nudge.id, type(exc).__name__)
        return "not recorded"
    _acknowledge(services, event.platform, workspace, sent)
    return "done"


def _acknowledge(services: Services, platform: str, workspace: str, sent: Sent) -> None:
    channel = _channel(services, platform)
    if channel is None:
        return
    try:
        channel.acknowledge(
            workspace,
            sent,
            "Thank you! Tacit is drafting a guide from the thread and your answer; "
            "you review it before anyone else sees it.",
        )
    except PlatformError as exc:
        log.warning("acknowledgement failed platform=%s error=%s", platform, exc)


# -- announcements -----------------------------------------------------------------------------------------------


def announce_guide(services: Services, *, guide_id: str) -> int:
    """Job: announce a newly published guide in the community's linked channels, once per version."""
    with services.db.session() as session:
        repo = ConnectorRepository(session)
        guide = repo.get_guide_row(guide_id)
        if guide is None or guide.status != "published":
            return 0
        record = repo.guide_record(guide)
        sources = [s for s in repo.sources_of(guide.community_id) if s.announce]
        wheres = [(s.id, Where(s.platform, s.workspace, s.channel)) for s in sources]
    note = _guide_note(record.content, f"{services.public_url}/guides/{guide_id}")
    return sum(
        _announce_once(services, f"announce:{guide_id}:v{record.version}:{sid}", where, note) for sid, where in wheres
    )


def _guide_note(content: dict, url: str = "") -> GuideNote:
    draft = GuideDraft.model_validate(content)
    first = next((sentence.text for _, sentence in draft.sentences()), "")
    return GuideNote(title=draft.title, summary=first, url=url)


def _announce_once(services: Services, key: str, where: Where, note: GuideNote) -> int:
    channel = _channel(services, where.platform)
    if channel is None:
        return 0
    with services.db.session() as session:
        if ConnectorRepository(session).accept_event("tacit", key, "announce", {}, status="done") is None:
            return 0
    try:
        channel.announce(where, note)
    except PlatformError as exc:
        log.warning("announcement failed platform=%s error=%s", where.platform, exc)
        with services.db.session() as session:
            ConnectorRepository(session).forget_event("tacit", key)  # so a later approval announces it again
        return 0
    return 1


def connector_jobs(services: Services) -> dict[str, Callable[[dict[str, str]], None]]:
    """The connectors' jobs by name, for the registry."""
    return {
        "handle_platform_event": lambda p: _ignore(
            handle_platform_event(services, source=p["source"], key=p["key"], kind=p["kind"], payload=p["payload"])
        ),
        "deliver_nudge": lambda p: _ignore(deliver_nudge(services, nudge_id=p["nudge_id"])),
        "deliver_due_nudges": lambda p: _ignore(deliver_due_nudges(services)),
        "announce_guide": lambda p: _ignore(announce_guide(services, guide_id=p["guide_id"])),
    }


def _ignore(_: object) -> None:
    return None
