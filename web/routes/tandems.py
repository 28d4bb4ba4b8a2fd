"""The tandem workspace: the pair, tasks that fit both, the AI partner, the progress log; stewards' pairs.

The same workflow functions as api/routes/tandems.py (workflow.tandems, workflow.experts.suggest_pairs).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from api.auth import ServicesDep
from api.routes.tandems import expertise_of
from web.security import CsrfChecked, PagePerson
from web.templating import add_nav, render, see_other
from workflow import console, experts, tandems
from workflow.errors import Conflict, InvalidInput, NotFound
from workflow.experts import Expertise

router = APIRouter(include_in_schema=False)
add_nav("/tandems", "Tandems")
Kit = Annotated[Expertise, Depends(expertise_of)]

DONE = {
    "taken": "Task taken: it is in your progress log.",
    "finished": "Task done. Well done, both of you.",
    "created": "Tandem created.",
}
ERRORS = {
    "taken": "That task was taken meanwhile; choose another one.",
    "question": "Type a question of 1 to 2,000 characters.",
    "pair": "Check the junior's and senior's handles: both must be members of the community, and different people.",
}
EVENT_LABELS = {
    "created": "Tandem started",
    "task_taken": "Task taken",
    "task_done": "Task done",
    "question_asked": "Question asked",
    "ended": "Tandem ended",
}


@router.get("/tandems")
def tandem_list(
    request: Request,
    services: ServicesDep,
    person: PagePerson,
    kit: Kit,
    community: str = "",
    junior: str = "",
    goals: str = "",
    error: str = "",
) -> Response:
    """Your tandems; for stewards, every pair of the communities they govern and pair suggestions."""
    mine = tandems.my_tandems(services, person_id=person.id)
    governed = console.governed_communities(services, actor_id=person.id)
    pairs = {c.id: tandems.community_tandems(services, person_id=person.id, community_id=c.id) for c in governed}
    suggestion, suggest_error = None, ""
    community, junior, goals = (v.replace("\x00", "") for v in (community, junior, goals))
    if community and junior:
        wanted = [g.strip() for g in goals.split(",") if g.strip()][:10]
        try:
            suggestion = experts.suggest_pairs(
                services, kit, person_id=person.id, community_id=community, junior=junior.strip(), goals=wanted
            )
        except (NotFound, InvalidInput) as exc:
            suggest_error = f"{exc}.".capitalize()
    context = {
        "mine": mine,
        "governed": governed,
        "pairs": pairs,
        "form": {"community": community, "junior": junior, "goals": goals},
        "suggestion": suggestion,
        "suggest_error": suggest_error,
        "error": ERRORS.get(error, ""),
    }
    return render(request, "tandems.html", context, person=person, status=422 if suggest_error else 200)


@router.post("/tandems", dependencies=[CsrfChecked])
def create(
    services: ServicesDep,
    person: PagePerson,
    kit: Kit,
    community: Annotated[str, Form(max_length=64)],
    junior: Annotated[str, Form(max_length=100)],
    senior: Annotated[str, Form(max_length=100)],
    goals: Annotated[str, Form(max_length=700)] = "",
) -> Response:
    community, junior, senior, goals = (v.replace("\x00", "") for v in (community, junior, senior, goals))
    wanted = [g.strip() for g in goals.split(",") if g.strip()][:10]
    try:
        view = tandems.create_tandem(
            services, kit, person_id=person.id, community_id=community, junior=junior, senior=senior, goals=wanted
        )
    except (InvalidInput, Conflict):
        return see_other("/tandems", community=community, junior=junior, goals=goals, error="pair")
    return see_other(f"/tandems/{view.row.id}", done="created")


def _workspace(
    request: Request,
    services: ServicesDep,
    person: PagePerson,
    kit: Kit,
    tandem_id: str,
    *,
    done: str = "",
    error: str = "",
    asked: object = None,
    question: str = "",
    status: int = 200,
) -> Response:
    view = tandems.get_tandem(services, person_id=person.id, tandem_id=tandem_id)
    partner = person.id in (view.row.junior_id, view.row.senior_id)
    active = view.row.status == "active"
    found = tandems.suggestions(services, kit, person_id=person.id, tandem_id=tandem_id) if partner and active else []
    backlog = tandems.list_tasks(services, person_id=person.id, community_id=view.row.community_id, status=None)
    context = {
        "view": view,
        "partner": partner,
        "active": active,
        "suggestions": found,
        "tasks": [t for t in backlog if t.tandem_id == tandem_id],
        "log": tandems.log_of(services, person_id=person.id, tandem_id=tandem_id),
        "labels": EVENT_LABELS,
        "flash": DONE.get(done, ""),
        "error": error,
        "asked": asked,
        "question": question,
    }
    return render(request, "tandem.html", context, person=person, status=status, block="partner" if asked else None)


@router.get("/tandems/{tandem_id}")
def workspace(
    request: Request,
    services: ServicesDep,
    person: PagePerson,
    kit: Kit,
    tandem_id: str,
    done: str = "",
    error: str = "",
) -> Response:
    return _workspace(request, services, person, kit, tandem_id, done=done, error=ERRORS.get(error, ""))


@router.post("/tandems/{tandem_id}/tasks", dependencies=[CsrfChecked])
def take(
    services: ServicesDep, person: PagePerson, tandem_id: str, suggestion_id: Annotated[str, Form(max_length=80)]
) -> Response:
    try:
        tandems.take_task(services, person_id=person.id, tandem_id=tandem_id, suggestion_id=suggestion_id)
    except Conflict:
        return see_other(f"/tandems/{tandem_id}", error="taken")
    return see_other(f"/tandems/{tandem_id}", done="taken")


@router.post("/tandems/{tandem_id}/tasks/{task_id}/done", dependencies=[CsrfChecked])
def finish(services: ServicesDep, person: PagePerson, tandem_id: str, task_id: str) -> Response:
    tandems.finish_task(services, person_id=person.id, tandem_id=tandem_id, task_id=task_id)
    return see_other(f"/tandems/{tandem_id}", done="finished")


@router.post("/tandems/{tandem_id}/ask", dependencies=[CsrfChecked])
def ask(
    request: Request,
    services: ServicesDep,
    person: PagePerson,
    kit: Kit,
    tandem_id: str,
    question: Annotated[str, Form()] = "",
) -> Response:
    """The partner's answer is shown at once (it is not stored, so there is nothing to redirect to); an htmx
    request gets only the partner's part of the page."""
    question = question.replace("\x00", "")  # a NUL byte never reaches the progress log
    if not question.strip() or len(question) > 2000:
        return _workspace(
            request, services, person, kit, tandem_id, error=ERRORS["question"], question=question[:2000], status=422
        )
    out = tandems.ask(services, kit, person_id=person.id, tandem_id=tandem_id, question=question)
    return _workspace(request, services, person, kit, tandem_id, asked=out, question=question)
