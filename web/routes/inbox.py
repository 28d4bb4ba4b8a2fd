"""The expert's inbox: follow-up questions with their thread, reply / decline / snooze, nudge preferences."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import ServicesDep
from web.security import CsrfChecked, PagePerson
from web.templating import render
from workflow import nudges
from workflow.errors import InvalidInput
from workflow.guides import guides_to_review
from workflow.people import PreferencesUpdate, update_preferences
from workflow.reading import FEEDBACK_REASONS, feedback_on_my_guides

router = APIRouter(include_in_schema=False)
DONE = {
    "replied": "Thank you. A draft guide is being written from the thread and your answer; it appears below.",
    "declined": "Declined: you will not be asked about this answer again.",
    "snoozed": "Snoozed: the question comes back later.",
    "preferences": "Your nudge preferences are saved.",
}
SNOOZE_HOURS = {"4": "4 hours", "24": "1 day", "72": "3 days", "168": "1 week"}


@router.get("/inbox")
def inbox_page(
    request: Request, person: PagePerson, services: ServicesDep, done: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    context = {
        "nudges": nudges.inbox(services, person_id=person.id),
        "drafts": guides_to_review(services, person_id=person.id),
        "feedback": feedback_on_my_guides(services, person_id=person.id),
        "feedback_reasons": FEEDBACK_REASONS,
        "flash": DONE.get(done),
    }
    return render(request, "inbox.html", context, person=person)


@router.get("/inbox/{nudge_id}")
def nudge_page(request: Request, person: PagePerson, services: ServicesDep, nudge_id: str) -> Response:
    return _nudge(request, person, services, nudge_id)


def _nudge(request: Request, person, services, nudge_id: str, error: str | None = None, text: str = "") -> Response:  # noqa: ANN001
    nudge, thread = nudges.nudge_thread(services, person_id=person.id, nudge_id=nudge_id)
    context = {
        "nudge": nudge,
        "thread": thread,
        "reasons": nudges.DECLINE_REASONS,
        "snooze_hours": SNOOZE_HOURS,
        "error": error,
        "text": text,
    }
    return render(request, "nudge.html", context, person=person, status=422 if error else 200)


@router.post("/inbox/{nudge_id}/reply", dependencies=[CsrfChecked])
def reply(
    request: Request, person: PagePerson, services: ServicesDep, nudge_id: str, text: Annotated[str, Form()] = ""
) -> Response:
    try:
        nudges.reply(services, person_id=person.id, nudge_id=nudge_id, text=text.replace("\x00", ""))
    except InvalidInput as exc:  # the form comes back with what they wrote, and why it was not taken
        return _nudge(request, person, services, nudge_id, error=f"{exc}.", text=text)
    return RedirectResponse("/inbox?done=replied", status_code=303)


@router.post("/inbox/{nudge_id}/decline", dependencies=[CsrfChecked])
def decline(
    person: PagePerson, services: ServicesDep, nudge_id: str, reason: Annotated[str, Form(max_length=32)] = ""
) -> Response:
    nudges.decline(services, person_id=person.id, nudge_id=nudge_id, reason=reason or None)
    return RedirectResponse("/inbox?done=declined", status_code=303)


@router.post("/inbox/{nudge_id}/snooze", dependencies=[CsrfChecked])
def snooze(
    person: PagePerson, services: ServicesDep, nudge_id: str, hours: Annotated[str, Form(max_length=4)] = "24"
) -> Response:
    if hours not in SNOOZE_HOURS:
        raise InvalidInput("choose how long to snooze from the list")
    nudges.snooze(services, person_id=person.id, nudge_id=nudge_id, until=None, hours=float(hours))
    return RedirectResponse("/inbox?done=snoozed", status_code=303)


@router.post("/inbox/preferences", dependencies=[CsrfChecked])
def preferences(
    person: PagePerson,
    services: ServicesDep,
    nudges_per_week: Annotated[int, Form(ge=0, le=50)],
    quiet_hours: Annotated[str, Form(max_length=16)] = "",
    timezone: Annotated[str, Form(max_length=64)] = "UTC",
    opted_out: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    update = PreferencesUpdate(
        nudges_per_week=nudges_per_week,
        quiet_hours=quiet_hours.strip(),
        timezone=timezone.strip(),
        opted_out=opted_out == "yes",
    )
    update_preferences(services, person_id=person.id, update=update)
    return RedirectResponse("/inbox?done=preferences", status_code=303)
