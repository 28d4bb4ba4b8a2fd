"""The steward console: settings, members and roles, assessments with marks, held messages, audit log, erasure.

Every page calls the workflow functions the JSON API calls (api/routes/governance.py, api/routes/ingest.py);
the permission rules are workflow/access.py's: someone who does not govern a community gets the 404 page.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import ServicesDep
from elicitor.model import Role
from web.security import CsrfChecked, PagePerson
from web.templating import add_nav, render
from workflow import console, governance, outcomes, privacy, reading
from workflow.errors import InvalidInput, NotFound
from workflow.governance import CommunitySettings

router = APIRouter(include_in_schema=False)
add_nav("/steward", "Steward")

DONE = {
    "settings": "Settings saved.",
    "role": "Role changed.",
    "added": "Member added.",
    "removed": "Member removed from the community.",
    "marked": "Mark saved: it counts as a label for detection.",
    "released": "Message released: it is assessed like any other now.",
    "deleted": "Message deleted: guides that quoted it are rewritten or withdrawn.",
    "erased": "The person's data was erased; guides built on it are being rewritten.",
    "anonymized": "The person was anonymized: what they said stays under no name.",
}
ROLES = [r.value for r in Role]
MODES = {"erase": "erased", "anonymize": "anonymized"}


def _governed(services: ServicesDep, person: PagePerson, community_id: str) -> None:
    """Before anything else: the console exists only for those who govern the community (else the 404 page)."""
    console.overview(services, actor_id=person.id, community_id=community_id)


Governed = Depends(_governed)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _page(
    request: Request,
    services: ServicesDep,
    person: PagePerson,
    community_id: str,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    done: str = "",
) -> Response:
    """A console page: the community (or the 404 page), the community picker, the sub-navigation."""
    view = console.overview(services, actor_id=person.id, community_id=community_id)
    governed = console.governed_communities(services, actor_id=person.id)
    base = {
        "overview": view,
        "community": view.community,
        "governed": governed,
        "flash": DONE.get(done, ""),
    }
    return render(request, template, {**base, **context}, person=person, status=status)


@router.get("/steward")
def picker(request: Request, services: ServicesDep, person: PagePerson) -> Response:
    """The communities this person governs; with just one, its console."""
    governed = console.governed_communities(services, actor_id=person.id)
    if len(governed) == 1:
        return _see_other(f"/steward/{governed[0].id}")
    return render(request, "steward/picker.html", {"governed": governed}, person=person)


@router.get("/steward/{community_id}", dependencies=[Governed])
def overview(
    request: Request, services: ServicesDep, person: PagePerson, community_id: str, done: str = ""
) -> Response:
    detector = outcomes.detector_status(services, actor_id=person.id, community_id=community_id)
    context = {"errors": {}, "detector": detector}
    return _page(request, services, person, community_id, "steward/overview.html", context, done=done)


@router.post("/steward/{community_id}", dependencies=[CsrfChecked, Governed])
def save_settings(
    request: Request,
    services: ServicesDep,
    person: PagePerson,
    community_id: str,
    visibility: Annotated[str, Form()],
    pii_policy: Annotated[str, Form()],
    terse_threshold: Annotated[str, Form()] = "",
    chatham_house: Annotated[str, Form()] = "",
) -> Response:
    errors: dict[str, str] = {}
    threshold: float | None = None
    if terse_threshold.strip():
        try:
            threshold = float(terse_threshold)
        except ValueError:
            threshold = -1.0
        if not 0 <= threshold <= 1:
            errors["terse_threshold"] = "Enter a number from 0 to 1, such as 0.55, or leave it empty for the default."
    if not errors:
        settings = CommunitySettings(
            visibility=visibility, chatham_house=chatham_house == "on", pii_policy=pii_policy, terse_threshold=threshold
        )
        try:
            governance.update_community(services, actor_id=person.id, community_id=community_id, settings=settings)
        except InvalidInput as exc:
            errors["form"] = f"{exc}."
        else:
            return _see_other(f"/steward/{community_id}?done=settings")
    return _page(request, services, person, community_id, "steward/overview.html", {"errors": errors}, status=422)


# -- members and roles ------------------------------------------------------------------------------------------


@router.get("/steward/{community_id}/members", dependencies=[Governed])
def members(request: Request, services: ServicesDep, person: PagePerson, community_id: str, done: str = "") -> Response:
    return _members_page(request, services, person, community_id, done=done)


def _members_page(
    request: Request,
    services: ServicesDep,
    person: PagePerson,
    community_id: str,
    *,
    done: str = "",
    error: str = "",
    handle: str = "",
) -> Response:
    people = console.members(services, actor_id=person.id, community_id=community_id)
    context = {"members": people, "roles": ROLES, "error": error, "handle": handle}
    status = 422 if error else 200
    return _page(request, services, person, community_id, "steward/members.html", context, status=status, done=done)


@router.post("/steward/{community_id}/members", dependencies=[CsrfChecked, Governed])
def set_role(
    request: Request,
    services: ServicesDep,
    person: PagePerson,
    community_id: str,
    handle: Annotated[str, Form(max_length=100)],
    role: Annotated[str, Form()],
    new: Annotated[str, Form()] = "",
) -> Response:
    """Give a role to a member, or add a person to the community with one."""
    handle = handle.replace("\x00", "").strip()  # a NUL byte never reaches the database
    if role not in ROLES:
        return _members_page(request, services, person, community_id, error="Choose a role.", handle=handle)
    try:
        governance.set_member(services, actor_id=person.id, community_id=community_id, handle=handle, role=Role(role))
    except NotFound:
        if not new:
            raise
        # An unknown handle in the add form is a typo: say so next to the field.
        error = f"Nobody has the handle {handle!r}. Check the spelling (handles are lower case, like 'lena')."
        return _members_page(request, services, person, community_id, error=error, handle=handle)
    return _see_other(f"/steward/{community_id}/members?done={'added' if new else 'role'}")


@router.post("/steward/{community_id}/members/{handle}/remove", dependencies=[CsrfChecked, Governed])
def remove_member(
    request: Request, services: ServicesDep, person: PagePerson, community_id: str, handle: str
) -> Response:
    governance.set_member(services, actor_id=person.id, community_id=community_id, handle=handle, role=None)
    return _see_other(f"/steward/{community_id}/members?done=removed")


# -- assessments ------------------------------------------------------------------------------------------------


@router.get("/steward/{community_id}/assessments", dependencies=[Governed])
def assessments(
    request: Request,
    services: ServicesDep,
    person: PagePerson,
    community_id: str,
    candidates: str = "",
    done: str = "",
) -> Response:
    rows = console.assessments(
        services, actor_id=person.id, community_id=community_id, candidates_only=candidates == "on", limit=200
    )
    context = {"assessments": rows, "candidates": candidates == "on"}
    return _page(request, services, person, community_id, "steward/assessments.html", context, done=done)


@router.post("/steward/{community_id}/assessments/{message_id}/mark", dependencies=[CsrfChecked, Governed])
def mark(
    services: ServicesDep,
    person: PagePerson,
    community_id: str,
    message_id: str,
    mark: Annotated[str, Form()],
    candidates: Annotated[str, Form()] = "",
) -> Response:
    choices = {"should": True, "should_not": False, "clear": None}
    if mark not in choices:
        raise InvalidInput("choose 'should have nudged', 'should not have nudged' or 'clear'")
    console.mark_assessment(
        services, actor_id=person.id, community_id=community_id, message_id=message_id, should_nudge=choices[mark]
    )
    query = "&candidates=on" if candidates == "on" else ""
    return _see_other(f"/steward/{community_id}/assessments?done=marked{query}#a-{message_id}")


# -- held messages ----------------------------------------------------------------------------------------------


@router.get("/steward/{community_id}/held", dependencies=[Governed])
def held(request: Request, services: ServicesDep, person: PagePerson, community_id: str, done: str = "") -> Response:
    rows = privacy.held_messages(services, actor_id=person.id, community_id=community_id)
    return _page(request, services, person, community_id, "steward/held.html", {"held": rows}, done=done)


@router.post("/steward/{community_id}/held/{message_id}/release", dependencies=[CsrfChecked, Governed])
def release(
    services: ServicesDep,
    person: PagePerson,
    community_id: str,
    message_id: str,
    redacted: Annotated[str, Form()] = "",
) -> Response:
    privacy.release(
        services, actor_id=person.id, community_id=community_id, message_id=message_id, redacted=redacted == "on"
    )
    return _see_other(f"/steward/{community_id}/held?done=released")


@router.post("/steward/{community_id}/held/{external_id}/delete", dependencies=[CsrfChecked, Governed])
def delete_held(services: ServicesDep, person: PagePerson, community_id: str, external_id: str) -> Response:
    governance.delete_message(services, actor_id=person.id, community_id=community_id, external_id=external_id)
    return _see_other(f"/steward/{community_id}/held?done=deleted")


# -- audit log --------------------------------------------------------------------------------------------------


def _day(value: str, field: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"the {field} date must look like 2026-12-01") from None


@router.get("/steward/{community_id}/audit", dependencies=[Governed])
def audit(
    request: Request,
    services: ServicesDep,
    person: PagePerson,
    community_id: str,
    action: str = "",
    since: str = "",
    until: str = "",
    format: str = "",
) -> Response:
    """The audit log with filters (action, from, to; days in UTC, both included); format=csv downloads it."""
    error = ""
    try:
        start, end = _day(since, "from"), _day(until, "to")
        rows = console.audit(
            services,
            actor_id=person.id,
            community_id=community_id,
            action=action,
            since=start,
            until=end + timedelta(days=1) if end else None,
            limit=1000 if format == "csv" else 200,
        )
    except InvalidInput as exc:
        rows, error = [], f"Check the dates: {exc}."
    if format == "csv" and not error:
        return _csv(community_id, rows)
    actions = console.audit_actions(services, actor_id=person.id, community_id=community_id)
    filters = {"action": action, "since": since, "until": until}
    context = {"events": rows, "actions": actions, "filters": filters, "error": error, "details": _details}
    return _page(request, services, person, community_id, "steward/audit.html", context, status=422 if error else 200)


def _details(details: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in sorted(details.items()))


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(community_id: str, rows: list) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "at", "actor_id", "actor", "action", "target_type", "target_id", "details"])
    for r in rows:
        details = json.dumps(r.details, ensure_ascii=False, sort_keys=True)
        cells = [r.id, r.at.isoformat(), r.actor_id, r.actor_handle, r.action, r.target_type, r.target_id, details]
        writer.writerow([_cell(c) for c in cells])
    filename = f"audit-{community_id}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


# -- searches that found nothing ----------------------------------------------------------------------------------


@router.get("/steward/{community_id}/missing", dependencies=[Governed])
def missing(request: Request, services: ServicesDep, person: PagePerson, community_id: str) -> Response:
    """What people searched for and did not find: the knowledge the community is missing."""
    rows = reading.missed_searches(services, actor_id=person.id, community_id=community_id, limit=200)
    return _page(request, services, person, community_id, "steward/missing.html", {"missed": rows})


# -- erasure ----------------------------------------------------------------------------------------------------


@router.get("/steward/{community_id}/people/{person_id}/erase", dependencies=[Governed])
def erase_form(
    request: Request, services: ServicesDep, person: PagePerson, community_id: str, person_id: str
) -> Response:
    footprint = console.erasure_preview(services, actor_id=person.id, community_id=community_id, person_id=person_id)
    context = {"footprint": footprint, "error": "", "mode": "erase"}
    return _page(request, services, person, community_id, "steward/erase.html", context)


@router.post("/steward/{community_id}/people/{person_id}/erase", dependencies=[CsrfChecked, Governed])
def erase(
    request: Request,
    services: ServicesDep,
    person: PagePerson,
    community_id: str,
    person_id: str,
    mode: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    footprint = console.erasure_preview(services, actor_id=person.id, community_id=community_id, person_id=person_id)
    if mode not in MODES or confirm != "on":
        error = "Choose erase or anonymize, and tick the box to confirm: this cannot be undone."
        context = {"footprint": footprint, "error": error, "mode": mode}
        return _page(request, services, person, community_id, "steward/erase.html", context, status=422)
    governance.erase_person(services, actor_id=person.id, person_id=person_id, mode=mode)  # type: ignore[arg-type]
    if person_id == person.id:
        return _see_other("/signin")  # they erased themselves: their session went with them
    return _see_other(f"/steward/{community_id}/members?done={MODES[mode]}")
