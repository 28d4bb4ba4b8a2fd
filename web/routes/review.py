"""The expert's review of a draft guide: each sentence with its citation; edit, remove, move, add; approve / reject."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import ServicesDep
from synthesizer.model import GuideDraft, Section
from web.security import CsrfChecked, PagePerson
from web.templating import render
from workflow import guides, review

router = APIRouter(include_in_schema=False)
Version = Annotated[int, Form(ge=1)]
SectionName = Annotated[str, Form(max_length=32)]
Index = Annotated[int, Form(ge=0, le=10_000)]


def _back(guide_id: str, note: str) -> Response:
    return RedirectResponse(f"/guides/{guide_id}/review?done={note}", status_code=303)


@router.get("/guides/{guide_id}/review")
def review_page(request: Request, person: PagePerson, services: ServicesDep, guide_id: str, done: str = "") -> Response:
    record = review.review_draft(services, person_id=person.id, guide_id=guide_id)
    draft = GuideDraft.model_validate(record.content)
    notes = {"saved": "Saved as a new version.", "rejected": "Rejected: it will not be published."}
    context = {
        "guide": record,
        "draft": draft,
        "sections": [(s, draft.sections.get(s, [])) for s in Section],
        "sources": {s.id: s for s in draft.sources},
        "numbers": {s.id: n for n, s in enumerate(draft.sources, start=1)},
        "checked": record.engine == "llm",
        "flash": notes.get(done),
    }
    return render(request, "review.html", context, person=person)


@router.post("/guides/{guide_id}/review/edit", dependencies=[CsrfChecked])
def edit(
    person: PagePerson, services: ServicesDep, guide_id: str, version: Version, section: SectionName, index: Index,
    text: Annotated[str, Form()],
) -> Response:  # fmt: skip
    review.edit_sentence(
        services, person_id=person.id, guide_id=guide_id, version=version, section=section, index=index, text=text
    )
    return _back(guide_id, "saved")


@router.post("/guides/{guide_id}/review/remove", dependencies=[CsrfChecked])
def remove(
    person: PagePerson, services: ServicesDep, guide_id: str, version: Version, section: SectionName, index: Index
) -> Response:
    review.remove_sentence(
        services, person_id=person.id, guide_id=guide_id, version=version, section=section, index=index
    )
    return _back(guide_id, "saved")


@router.post("/guides/{guide_id}/review/move", dependencies=[CsrfChecked])
def move(
    person: PagePerson, services: ServicesDep, guide_id: str, version: Version, section: SectionName, index: Index,
    to: SectionName,
) -> Response:  # fmt: skip
    review.move_sentence(
        services, person_id=person.id, guide_id=guide_id, version=version, section=section, index=index, to=to
    )
    return _back(guide_id, "saved")


@router.post("/guides/{guide_id}/review/add", dependencies=[CsrfChecked])
def add(
    person: PagePerson, services: ServicesDep, guide_id: str, version: Version, section: SectionName,
    text: Annotated[str, Form()], source: Annotated[str, Form(max_length=64)],
) -> Response:  # fmt: skip
    review.add_sentence(
        services, person_id=person.id, guide_id=guide_id, version=version, section=section, text=text, source_id=source
    )
    return _back(guide_id, "saved")


@router.post("/guides/{guide_id}/approve", dependencies=[CsrfChecked])
def approve(person: PagePerson, services: ServicesDep, guide_id: str) -> Response:
    review.review_draft(services, person_id=person.id, guide_id=guide_id)  # NotFound for anyone but the reviewer
    guides.approve(services, person_id=person.id, guide_id=guide_id)
    return RedirectResponse(f"/guides/{guide_id}", status_code=303)


@router.post("/guides/{guide_id}/reject", dependencies=[CsrfChecked])
def reject(person: PagePerson, services: ServicesDep, guide_id: str) -> Response:
    review.review_draft(services, person_id=person.id, guide_id=guide_id)
    guides.reject(services, person_id=person.id, guide_id=guide_id)
    return _back(guide_id, "rejected")
