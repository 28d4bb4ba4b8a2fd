"""The front door: search published guides by meaning, within the communities the person may read."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import ServicesDep
from web.highlight import highlight
from web.security import CsrfChecked, PagePerson, safe_next
from web.templating import render, templates
from workflow.errors import InvalidInput
from workflow.reading import FEEDBACK_REASONS, give_feedback, search_with_facts, searchable_communities

router = APIRouter(include_in_schema=False)
templates.env.filters["highlight"] = highlight
templates.env.globals["feedback_reasons"] = FEEDBACK_REASONS


@router.get("/")
def search_page(
    request: Request,
    person: PagePerson,
    services: ServicesDep,
    q: Annotated[str, Query(max_length=1000)] = "",
    community: Annotated[str, Query(max_length=64)] = "",
    thanks: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """One search box; results keep their query in the URL, so Back and Forward restore them."""
    page = None
    if q.strip():
        page = search_with_facts(
            services, person_id=person.id, query=q.replace("\x00", ""), community_id=community or None, limit=10
        )
    communities = list(page.communities) if page else searchable_communities(services, person_id=person.id)
    here = "/?" + urlencode({"q": q, **({"community": community} if community else {})}) if q else "/"
    context = {"q": q, "community": community, "communities": communities, "page": page, "here": here, "thanks": thanks}
    return render(request, "search.html", context, person=person, block="results")


@router.post("/guides/{guide_id}/feedback", dependencies=[CsrfChecked])
def feedback(
    request: Request,
    person: PagePerson,
    services: ServicesDep,
    guide_id: str,
    helpful: Annotated[str, Form(pattern="^(yes|no)$")],
    reason: Annotated[str, Form(max_length=32)] = "",
    back: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """ "Was this helpful?" from a result or a guide page; htmx swaps in the thanks, otherwise back to the page."""
    error = None
    try:
        give_feedback(services, person_id=person.id, guide_id=guide_id, helpful=helpful == "yes", reason=reason or None)
    except InvalidInput as exc:
        error = f"Please choose why it was not helpful ({exc})."
    if request.headers.get("hx-request") == "true":
        context = {"guide_id": guide_id, "sent": helpful if error is None else None, "error": error, "back": back}
        return render(request, "_feedback.html", context, person=person, status=422 if error else 200)
    if error:
        raise InvalidInput(error.rstrip("."))
    target = safe_next(back)
    return RedirectResponse(
        f"{target}{'&' if '?' in target else '?'}thanks={guide_id}#guide-{guide_id}", status_code=303
    )
