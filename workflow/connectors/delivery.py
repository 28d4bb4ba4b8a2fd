"""Nudges out: a due nudge goes to the expert on their platform (Slack DM, Discourse PM, Teams card), once;
a failed delivery is tried again, backing off, and given up after a day (the nudge stays in the Tacit inbox)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from connectors.errors import PlatformError
from connectors.model import Channel, NudgeNote
from store.records import IdentityRecord
from store.uow import UnitOfWork
from workflow.connectors.channels import channel_for
from workflow.job_types import DeliverNudge, defer
from workflow.services import Services

log = logging.getLogger("tacit.connectors")
NUDGE_BACKLOG = timedelta(days=7)  # a newly linked platform delivers open nudges at most this old
# A failing delivery (the user left the workspace, the bot lost its scope, an outage) is tried again after 5, 10,
# 20... minutes (at most 6 hours apart) and given up after 8 failures, about a day: the nudge stays in the
# expert's Tacit inbox either way.
MAX_DELIVERY_FAILURES = 8
FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=6)


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
    target = _target(services, nudge_id)
    if isinstance(target, str):
        return target
    try:
        sent = target.channel.send_nudge(target.workspace, target.user_id, target.note)
    except Exception as exc:  # noqa: BLE001 - a platform's odd reply counts as a failed delivery, not a crash loop
        if not isinstance(exc, PlatformError):
            log.exception("nudge delivery: unexpected error from %s", target.channel.platform)
        return _failed(services, nudge_id, target.channel.platform, exc)
    with services.uow() as uow:
        uow.connectors.add_delivery(
            nudge_id=nudge_id,
            platform=target.channel.platform,
            workspace=target.workspace,
            conversation=sent.conversation,
            message_ref=sent.message_ref,
        )
    log.info("nudge delivered nudge=%s platform=%s", nudge_id, target.channel.platform)
    return "done"


def _failed(services: Services, nudge_id: str, platform: str, exc: Exception) -> str:
    """Count the failure; the periodic sweep tries again later, backing off."""
    with services.uow() as uow:
        nudge = uow.nudges.get(nudge_id)
        so_far = nudge.delivery_failures if nudge is not None else 0
        failures = uow.connectors.delivery_failed(nudge_id, services.clock() + _retry_delay(so_far))
    gave_up = failures >= MAX_DELIVERY_FAILURES
    log.warning(
        "nudge delivery failed nudge=%s platform=%s failures=%d%s error=%s",
        nudge_id,
        platform,
        failures,
        " (given up)" if gave_up else "",
        exc,
    )
    return "given up" if gave_up else "failed"


def _retry_delay(failures_so_far: int) -> timedelta:
    """5 minutes after the first failure, doubling, at most LONGEST_RETRY."""
    return min(FIRST_RETRY * 2**failures_so_far, LONGEST_RETRY)


def _target(services: Services, nudge_id: str) -> _Target | str:
    """Where the nudge goes (the first linked platform the expert has an account on), or why it does not."""
    with services.uow() as uow:
        nudge = uow.nudges.get(nudge_id)
        if nudge is None or nudge.status != "open" or nudge.deliver_at > services.clock():
            return "not due"
        if nudge.delivery_failures >= MAX_DELIVERY_FAILURES:
            return "given up"
        if uow.connectors.delivery_for(nudge_id) is not None:
            return "already delivered"
        reached = reach(services, uow, nudge.person_id, nudge.community_id)
        if reached is None:
            return "no platform"
        channel, identity = reached
        note = NudgeNote(
            question=nudge.question,
            thread_title=nudge.thread_title,
            answer_excerpt=nudge.answer_text,
            reply_code=reply_code(nudge_id),
            user_name=identity.display_name or "there",
            nudge_id=nudge_id,
            url=f"{services.public_url}/inbox/{nudge_id}",
        )
        return _Target(channel, identity.workspace, identity.user_id, note)


def reach(
    services: Services, uow: UnitOfWork, person_id: str, community_id: str
) -> tuple[Channel, IdentityRecord] | None:
    """Where to tell a person something private about a community (a nudge, a draft to review): the first
    linked platform of the community that allows nudges and where the person has an account."""
    identities = {(i.platform, i.workspace): i for i in uow.connectors.identities_of(person_id)}
    for source in (s for s in uow.connectors.sources_of(community_id) if s.nudges):
        identity = identities.get((source.platform, source.workspace))
        channel = channel_for(services, source.platform)
        if identity is not None and channel is not None:
            return channel, identity
    return None


def deliver_due_nudges(services: Services) -> int:
    """Periodic job: queue the delivery of every due nudge not yet delivered (quiet hours ended, retries)."""
    with services.uow() as uow:
        due = uow.connectors.undelivered_due_nudges(services.clock(), NUDGE_BACKLOG, MAX_DELIVERY_FAILURES)
    if not services.channels:
        return 0
    for nudge_id in due:
        defer(services.runner, DeliverNudge(nudge_id))
    return len(due)
