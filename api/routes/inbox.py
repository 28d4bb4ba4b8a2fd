"""The expert's private inbox: nudges, replies, and their own limits."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import PersonDep, ServicesDep
from api.schemas import DeclineIn, MeOut, NudgeOut, PreferencesIn, ReplyIn, SnoozeIn
from store.records import NudgeRecord, PersonRecord
from workflow import nudges
from workflow.errors import InvalidInput
from workflow.people import PreferencesUpdate, memberships, update_preferences

router = APIRouter(prefix="/v1", tags=["inbox"])


def nudge_out(n: NudgeRecord) -> NudgeOut:
    return NudgeOut(
        id=n.id,
        community_id=n.community_id,
        thread_id=n.thread_id,
        thread_title=n.thread_title,
        message_id=n.message_id,
        your_answer=n.answer_text,
        question=n.question,
        gap=n.gap,
        round=n.round,
        status=n.status,
        delivered_at=n.deliver_at,
        reply=n.reply_text,
    )


def me_out(services: ServicesDep, person: PersonRecord) -> MeOut:
    roles = memberships(services, person_id=person.id)
    return MeOut(
        id=person.id,
        handle=person.handle,
        display_name=person.display_name,
        timezone=person.timezone,
        nudges_per_week=person.nudges_per_week,
        quiet_hours=person.quiet_hours,
        opted_out=person.opted_out,
        communities={c: str(r) for c, r in roles.items()},
    )


@router.get("/me", response_model=MeOut)
def me(services: ServicesDep, person: PersonDep) -> MeOut:
    """Who this token belongs to, their communities and nudge preferences."""
    return me_out(services, person)


@router.patch("/me/preferences", response_model=MeOut)
def preferences(body: PreferencesIn, services: ServicesDep, person: PersonDep) -> MeOut:
    """Set your own nudge limits: nudges per week, quiet hours, time zone, opt-out."""
    update = PreferencesUpdate(**body.model_dump())
    return me_out(services, update_preferences(services, person_id=person.id, update=update))


@router.get("/me/nudges", response_model=list[NudgeOut])
def my_nudges(services: ServicesDep, person: PersonDep, include_closed: bool = False) -> list[NudgeOut]:
    """Follow-up questions waiting for you (add include_closed=true for your history)."""
    return [nudge_out(n) for n in nudges.inbox(services, person_id=person.id, include_closed=include_closed)]


@router.post("/nudges/{nudge_id}/reply", response_model=NudgeOut)
def reply(nudge_id: str, body: ReplyIn, services: ServicesDep, person: PersonDep) -> NudgeOut:
    """Answer a nudge; a guide draft is written from the thread and your reply for you to review."""
    return nudge_out(nudges.reply(services, person_id=person.id, nudge_id=nudge_id, text=body.text))


@router.post("/nudges/{nudge_id}/decline", response_model=NudgeOut)
def decline(nudge_id: str, services: ServicesDep, person: PersonDep, body: DeclineIn | None = None) -> NudgeOut:
    """Decline a nudge, optionally saying why; you will not be asked about this answer again."""
    reason = body.reason if body else None
    return nudge_out(nudges.decline(services, person_id=person.id, nudge_id=nudge_id, reason=reason))


@router.post("/nudges/{nudge_id}/snooze", response_model=NudgeOut)
def snooze(nudge_id: str, services: ServicesDep, person: PersonDep, body: SnoozeIn | None = None) -> NudgeOut:
    """Hide a nudge for some hours (default 24) or until a time."""
    body = body or SnoozeIn()
    if body.hours is not None and body.until is not None:
        raise InvalidInput("give either hours or until, not both")
    return nudge_out(
        nudges.snooze(services, person_id=person.id, nudge_id=nudge_id, until=body.until, hours=body.hours)
    )
