"""The guide page: sections of cited sentences, the source behind each, versions, reviewer, Markdown download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from api.auth import ServicesDep
from synthesizer.model import GuideDraft, Section
from synthesizer.render import to_markdown
from web.security import PagePerson
from web.templating import render
from workflow.guides import get_guide
from workflow.reading import guide_facts, guide_versions

router = APIRouter(include_in_schema=False)


@router.get("/guides/{guide_id}")
def guide_page(
    request: Request,
    person: PagePerson,
    services: ServicesDep,
    guide_id: str,
    thanks: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """A guide the person may read (404 otherwise, as the API): Chatham House masking is applied by the workflow."""
    record = get_guide(services, person_id=person.id, guide_id=guide_id)
    draft = GuideDraft.model_validate(record.content)
    facts = guide_facts(services, person_id=person.id, guides=[record])[record.id]
    numbers = {s.id: n for n, s in enumerate(draft.sources, start=1)}
    context = {
        "guide": record,
        "draft": draft,
        "facts": facts,
        "numbers": numbers,
        "sections": [(section, draft.sections[section]) for section in Section if draft.sections.get(section)],
        "sources": {s.id: s for s in draft.sources},
        "versions": guide_versions(services, person_id=person.id, guide_id=guide_id),
        "is_reviewer": record.reviewer_id == person.id,
        "thanks": thanks,
        "here": f"/guides/{record.id}",
    }
    return render(request, "guide.html", context, person=person)


@router.get("/guides/{guide_id}/markdown")
def guide_markdown(person: PagePerson, services: ServicesDep, guide_id: str) -> Response:
    """The guide as a Markdown file, as the API's /v1/guides/{id}/markdown renders it."""
    record = get_guide(services, person_id=person.id, guide_id=guide_id)
    markdown = to_markdown(GuideDraft.model_validate(record.content), record.id)
    headers = {"Content-Disposition": f'attachment; filename="guide-{record.id[:12]}.md"'}
    return PlainTextResponse(markdown, media_type="text/markdown; charset=utf-8", headers=headers)
