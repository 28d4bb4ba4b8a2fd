"""Who knows X? (people ranked with the evidence behind each rank, endorsements) and /me (your own skills).

The same workflow functions as api/routes/tandems.py: experts.find_experts, endorse, profile, add_skill, ...
"""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from api.auth import ServicesDep
from api.routes.tandems import expertise_of
from web.security import CsrfChecked, PagePerson
from web.templating import add_nav, render, see_other
from workflow import experts
from workflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from workflow.experts import Expertise

router = APIRouter(include_in_schema=False)
add_nav("/experts", "Who knows?")
add_nav("/me", "My skills")
Kit = Annotated[Expertise, Depends(expertise_of)]

DONE = {
    "endorsed": "Endorsement saved. Thank you: it helps colleagues find the right person.",
    "skill": "Skill added.",
    "removed": "Skill removed.",
    "profile": "Your choices are saved.",
}
# Errors travel through the redirect as codes, never as text: a link cannot make the page say something else.
ERRORS = {
    "already": "You already endorsed this person for that skill.",
    "self": "You cannot endorse yourself; ask a colleague to.",
    "skill": "That skill name cannot be used: type 1 to 60 characters, such as PostgreSQL.",
    "kind": "Choose whether you have the skill or are learning it.",
    "capacity": "Mentoring capacity is a whole number from 0 to 10.",
}
REASON_LABELS = {
    "endorsement": "endorsements",
    "guide": "guides reviewed",
    "accepted_answer": "accepted answers",
    "answer": "answers",
    "nudge_answered": "follow-up questions answered",
    "declared_skill": "skill they declared",
}


@router.get("/experts")
def who_knows(
    request: Request, services: ServicesDep, person: PagePerson, kit: Kit, q: str = "", done: str = "", error: str = ""
) -> Response:
    """Experts for a topic, each with the reasons for their rank and a way to endorse them."""
    query = q.replace("\x00", "").strip()[:500]
    hits = experts.find_experts(services, kit, person_id=person.id, query=query, limit=10) if query else []
    context = {
        "q": query,
        "hits": hits,
        "labels": REASON_LABELS,
        "flash": DONE.get(done, ""),
        "error": ERRORS.get(error, ""),
    }
    return render(request, "experts.html", context, person=person, block="results")


@router.post("/experts/endorse", dependencies=[CsrfChecked])
def endorse(
    services: ServicesDep,
    person: PagePerson,
    kit: Kit,
    handle: Annotated[str, Form(max_length=100)],
    skill: Annotated[str, Form(max_length=60)],
    q: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    handle, skill = handle.replace("\x00", ""), skill.replace("\x00", "")  # NUL bytes never reach the database
    try:
        experts.endorse(services, kit, endorser_id=person.id, handle=handle, label=skill)
    except Conflict:
        return see_other("/experts", q=q, error="already")
    except Forbidden:
        return see_other("/experts", q=q, error="self")
    except InvalidInput:
        return see_other("/experts", q=q, error="skill")
    return see_other("/experts", q=q, done="endorsed")


@router.get("/me")
def me(request: Request, services: ServicesDep, person: PagePerson, done: str = "", error: str = "") -> Response:
    profile = experts.profile(services, person_id=person.id)
    labels = {name: label for name, label, _ in experts.vocabulary(services, person_id=person.id)}
    context = {"profile": profile, "labels": labels, "flash": DONE.get(done, ""), "error": ERRORS.get(error, "")}
    return render(request, "me.html", context, person=person)


@router.post("/me/skills", dependencies=[CsrfChecked])
def add_skill(
    services: ServicesDep,
    person: PagePerson,
    kit: Kit,
    name: Annotated[str, Form(max_length=60)],
    kind: Annotated[str, Form()] = "has",
) -> Response:
    name = name.replace("\x00", "")  # a NUL byte never reaches the database
    if kind not in ("has", "learning"):
        return see_other("/me", error="kind")
    if not name.strip():
        return see_other("/me", error="skill")
    try:
        experts.add_skill(services, kit, person_id=person.id, label=name, kind=kind)
    except (InvalidInput, Conflict):
        return see_other("/me", error="skill")
    return see_other("/me", done="skill")


@router.post("/me/skills/{name}/remove", dependencies=[CsrfChecked])
def remove_skill(services: ServicesDep, person: PagePerson, name: str) -> Response:
    with contextlib.suppress(NotFound):  # removed already (a second click): the page shows it gone either way
        experts.remove_skill(services, person_id=person.id, name=name)
    return see_other("/me", done="removed")


@router.post("/me/expertise", dependencies=[CsrfChecked])
def update_expertise(
    services: ServicesDep,
    person: PagePerson,
    mentoring_capacity: Annotated[str, Form()] = "",
    hidden: Annotated[str, Form()] = "",
) -> Response:
    try:
        capacity = int(mentoring_capacity) if mentoring_capacity.strip() else None
    except ValueError:
        capacity = -1
    if capacity is not None and not 0 <= capacity <= 10:
        return see_other("/me", error="capacity")
    experts.update_profile(services, person_id=person.id, hidden=hidden == "on", mentoring_capacity=capacity)
    return see_other("/me", done="profile")
