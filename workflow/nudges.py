"""Nudge experts within their own limits and take their replies (workflow/assess.py judges the answers)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from elicitor.gaps import covers
from elicitor.model import Gap, Message, Thread
from elicitor.policy import MAX_ROUNDS, NudgePreferences, PolicyDecision, decide, parse_quiet_hours
from store.records import NewNudge, NudgeRecord, PersonRecord
from store.repository import aware, week_ago
from store.uow import UnitOfWork
from workflow.access import acting_communities, may_act_in, viewer_of
from workflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from workflow.job_types import DeliverNudge, HandleReply, SynthesizeGuide, defer
from workflow.outcomes import queue_recalibration
from workflow.privacy import screen_text
from workflow.services import Services

log = logging.getLogger("tacit.nudges")


def _decision(
    services: Services, uow: UnitOfWork, person_id: str, message_id: str, round_: int, now: datetime | None = None
) -> PolicyDecision:
    """The expert's own limits applied to one more nudge about this message, at `now` (default: the clock's)."""
    now = now or services.clock()
    person = uow.people.get(person_id)
    if person is None:
        return PolicyDecision(False, None, "the author is no longer a member")
    return decide(
        preferences(services, person),
        now,
        uow.nudges.sent_since(person.id, week_ago(now)),
        uow.nudges.for_message(message_id, 1) is not None,
        round=round_,
    )


def preferences(services: Services, person: PersonRecord) -> NudgePreferences:
    start, end = parse_quiet_hours(
        person.quiet_hours if person.quiet_hours is not None else services.nudge_defaults.quiet_hours
    )
    per_week = person.nudges_per_week if person.nudges_per_week is not None else services.nudge_defaults.per_week
    return NudgePreferences(
        max_per_week=per_week, quiet_start=start, quiet_end=end, timezone=person.timezone, opted_out=person.opted_out
    )


def inbox(services: Services, *, person_id: str, include_closed: bool = False) -> list[NudgeRecord]:
    """The nudges waiting for this person (delivered, not yet answered or declined), in communities they are
    still a member of: a removed expert keeps no inbox there."""
    with services.uow() as uow:
        communities = acting_communities(viewer_of(uow, person_id))
        return uow.nudges.inbox(person_id, services.clock(), include_closed, communities)


def _claim_own_nudge(uow: UnitOfWork, person_id: str, nudge_id: str, **values: object) -> NudgeRecord:
    """The recipient's open nudge moved to `values` atomically: checked at the time of the act (a current
    member of its community), and a clear 409 for the loser when two requests race."""
    nudge = uow.nudges.get(nudge_id)
    if nudge is None or not may_act_in(viewer_of(uow, person_id), nudge.community_id):
        raise NotFound(f"nudge {nudge_id!r} does not exist")
    if nudge.person_id != person_id:
        raise Forbidden("this nudge was sent to someone else; only its recipient can answer it")
    if nudge.status not in ("open", "snoozed"):
        raise Conflict(f"this nudge is already {nudge.status}; it cannot be changed")
    claimed = uow.nudges.claim_open(nudge_id, **values)
    if claimed is None:
        now = uow.nudges.fresh(nudge_id)
        raise Conflict(f"this nudge was just {now.status if now else 'removed'} by another request; reload it")
    return claimed


def reply(services: Services, *, person_id: str, nudge_id: str, text: str) -> NudgeRecord:
    """Record the expert's reply and queue the guide draft (and, if needed, one more question)."""
    if not text.strip():
        raise InvalidInput("the reply is empty; write what you would tell a colleague")
    if len(text) > services.max_message_chars:
        raise InvalidInput(f"the reply has {len(text)} characters; the limit is {services.max_message_chars}")
    screened = screen_text(services, text.strip()).text
    with services.uow() as uow:
        _claim_own_nudge(uow, person_id, nudge_id, status="answered", closed_at=services.clock())
        record = uow.nudges.add_reply(nudge_id, screened)
    defer(services.runner, HandleReply(nudge_id))
    return record


DECLINE_REASONS = {
    "complete": "My answer was complete",
    "not_my_area": "Not my area",
    "no_time": "No time",
}


def decline(services: Services, *, person_id: str, nudge_id: str, reason: str | None = None) -> NudgeRecord:
    """Decline a nudge; the reason (complete / not my area / no time) is stored as a label for detection."""
    if reason is not None and reason not in DECLINE_REASONS:
        raise InvalidInput("the reason must be one of: " + ", ".join(DECLINE_REASONS))
    with services.uow() as uow:
        record = _claim_own_nudge(
            uow, person_id, nudge_id, status="declined", closed_at=services.clock(), decline_reason=reason
        )
        if reason == "complete":
            queue_recalibration(services, uow, record.community_id)
        return record


@dataclass(frozen=True)
class ThreadMessage:
    author: str
    text: str
    is_the_answer: bool


def nudge_thread(services: Services, *, person_id: str, nudge_id: str) -> tuple[NudgeRecord, list[ThreadMessage]]:
    """One of the person's own nudges with its thread; anyone else's is not found (its existence stays private)."""
    with services.uow() as uow:
        record = uow.nudges.get(nudge_id)
        if record is None or record.person_id != person_id:
            raise NotFound(f"nudge {nudge_id!r} does not exist")
        thread = uow.messages.load_thread(record.thread_id)
    messages = [ThreadMessage(m.author_name, m.text, m.id == record.message_id) for m in thread.messages]
    return record, messages


def snooze(
    services: Services, *, person_id: str, nudge_id: str, until: datetime | None, hours: float | None
) -> NudgeRecord:
    """Hide the nudge until a later time (default: 24 hours)."""
    now = services.clock()
    when = aware(until) if until else now + timedelta(hours=hours if hours is not None else 24)
    if when <= now:
        raise InvalidInput("snooze until a time in the future")
    if when > now + timedelta(days=30):
        raise InvalidInput("a nudge can be snoozed for at most 30 days; decline it instead")
    with services.uow() as uow:
        return _claim_own_nudge(uow, person_id, nudge_id, status="snoozed", deliver_at=when)


def handle_reply(services: Services, *, nudge_id: str) -> None:
    """Job: draft the guide from the thread and every reply so far; ask once more if the key gap is still open."""
    with services.uow() as uow:
        record = uow.nudges.get(nudge_id)
        if record is None or record.status != "answered":
            return
        if not may_act_in(viewer_of(uow, record.person_id), record.community_id):
            log.info("nudge=%s: its expert is no longer a member; no guide is drafted", nudge_id)
            return
        again = None
        if record.round < MAX_ROUNDS and record.reply_text and not covers(Gap(record.gap), record.reply_text):
            again = _second_round_subject(services, uow, record)
    if again is not None:
        _ask_again(services, nudge_id, *again)
    defer(services.runner, SynthesizeGuide(record.thread_id, record.person_id))


def _second_round_subject(
    services: Services, uow: UnitOfWork, first: NudgeRecord
) -> tuple[Thread, Message, Gap, int] | None:
    """What asking once more needs: the thread, the answer, the same gap and the next round.

    None when it is not needed (asked already) or not allowed: every round counts against the expert's limits.
    """
    if uow.nudges.for_message(first.message_id, first.round + 1) is not None:
        return None
    decision = _decision(services, uow, first.person_id, first.message_id, round_=first.round + 1)
    if not decision.allowed:
        log.info("nudge=%s: no second question (%s)", first.id, decision.reason)
        return None
    thread = uow.messages.load_thread(first.thread_id)
    answer = thread.by_id(first.message_id)
    return None if answer is None else (thread, answer, Gap(first.gap), first.round + 1)


def _ask_again(services: Services, first_id: str, thread: Thread, answer: Message, gap: Gap, round_: int) -> None:
    """One more question for the same gap, written outside any transaction (it may call an LLM)."""
    followup = services.followups.write(thread, answer, (gap,))
    question = f"Thanks, that helps. One more thing, so the guide is complete: {followup.question}"
    with services.uow() as uow:
        first = uow.nudges.get(first_id)
        if first is None or uow.nudges.for_message(first.message_id, round_) is not None:
            return  # erased, or another job asked already
        # Checked again: the expert may have opted out, been anonymized or reached their limit meanwhile.
        uow.people.lock(first.person_id)
        decision = _decision(services, uow, first.person_id, first.message_id, round_=round_)
        if not decision.allowed:
            log.info("nudge=%s: no second question (%s)", first.id, decision.reason)
            return
        nudge = uow.nudges.add(
            NewNudge(
                community_id=first.community_id,
                message_id=first.message_id,
                thread_id=first.thread_id,
                person_id=first.person_id,
                round=round_,
                gap=first.gap,
                question=question,
                deliver_at=decision.deliver_at or services.clock(),
            )
        )
        deliver_after_commit(services, uow, nudge.id)


def deliver_after_commit(services: Services, uow: UnitOfWork, nudge_id: str) -> None:
    """Queue the external delivery once the nudge is committed, so no worker can look for it too early. With no
    platform configured the nudge waits in the web inbox only: no delivery job would have anywhere to send it."""
    if services.channels:
        uow.after_commit(lambda: defer(services.runner, DeliverNudge(nudge_id)))
