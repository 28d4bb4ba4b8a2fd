"""The front door: search published guides by meaning, within the communities the person may read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.security import PagePerson
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def search_page(request: Request, person: PagePerson, q: str = "", community: str = "") -> Response:
    return render(request, "search.html", {"q": q, "community": community, "results": None}, person=person)
