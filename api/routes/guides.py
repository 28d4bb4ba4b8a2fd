"""Guides: the expert reviews drafts (approve, edit, reject); members read published guides and search them."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from api.auth import PersonDep, ServicesDep
from api.schemas import GuideEditIn, GuideOut, SearchHitOut, SearchOut, SourceOut
from store.records import GuideRecord
from synthesizer.model import GuideDraft, Source
from synthesizer.render import to_markdown
from workflow import analytics, guides

router = APIRouter(prefix="/v1", tags=["guides"])


def guide_out(record: GuideRecord) -> GuideOut:
    draft = GuideDraft.model_validate(record.content)
    return GuideOut(
        id=record.id,
        community_id=record.community_id,
        thread_id=record.thread_id,
        status=record.status,
        version=record.version,
        engine=record.engine,
        updated_at=record.updated_at,
        title=draft.title,
        content=record.content,
        markdown=to_markdown(draft, record.id),
    )


def source_out(source: Source) -> SourceOut:
    excerpt = source.text if len(source.text) <= 280 else source.text[:277] + "..."
    return SourceOut(id=source.id, author=source.author, kind=source.kind, url=source.url, excerpt=excerpt)


@router.get("/me/guides", response_model=list[GuideOut])
def my_drafts(services: ServicesDep, person: PersonDep) -> list[GuideOut]:
    """Guide drafts waiting for your review."""
    return [guide_out(g) for g in guides.guides_to_review(services, person_id=person.id)]


@router.get("/guides", response_model=list[GuideOut])
def published(services: ServicesDep, person: PersonDep, community: str | None = None) -> list[GuideOut]:
    """Published guides in your communities (or in one of them)."""
    return [guide_out(g) for g in guides.list_published(services, person_id=person.id, community_id=community)]


@router.get("/guides/{guide_id}", response_model=GuideOut)
def get_guide(guide_id: str, services: ServicesDep, person: PersonDep) -> GuideOut:
    record = guides.get_guide(services, person_id=person.id, guide_id=guide_id)
    if record.reviewer_id != person.id:
        analytics.record_guide_read(services, person_id=person.id, guide_id=guide_id)  # for the analytics
    return guide_out(record)


@router.get("/guides/{guide_id}/markdown", response_class=PlainTextResponse)
def get_markdown(guide_id: str, services: ServicesDep, person: PersonDep) -> PlainTextResponse:
    """The guide rendered as Markdown, with numbered citations and its sources."""
    record = guides.get_guide(services, person_id=person.id, guide_id=guide_id)
    markdown = to_markdown(GuideDraft.model_validate(record.content), record.id)
    return PlainTextResponse(markdown, media_type="text/markdown; charset=utf-8")


@router.put("/guides/{guide_id}", response_model=GuideOut)
def edit_guide(guide_id: str, body: GuideEditIn, services: ServicesDep, person: PersonDep) -> GuideOut:
    """Edit a draft (a new version); each sentence must cite the guide's own sources."""
    content = body.model_dump()
    return guide_out(guides.edit(services, person_id=person.id, guide_id=guide_id, content=content))


@router.post("/guides/{guide_id}/approve", response_model=GuideOut)
def approve(guide_id: str, services: ServicesDep, person: PersonDep) -> GuideOut:
    """Publish the guide; it is indexed for search in the background."""
    return guide_out(guides.approve(services, person_id=person.id, guide_id=guide_id))


@router.post("/guides/{guide_id}/reject", response_model=GuideOut)
def reject(guide_id: str, services: ServicesDep, person: PersonDep) -> GuideOut:
    return guide_out(guides.reject(services, person_id=person.id, guide_id=guide_id))


@router.get("/search", response_model=SearchOut, tags=["search"])
def search(
    services: ServicesDep,
    person: PersonDep,
    q: str = Query(min_length=1, max_length=1000, description="What you are looking for, in your own words."),
    community: str | None = Query(default=None, description="Limit to one of your communities."),
    limit: int = Query(default=10, ge=1, le=50),
) -> SearchOut:
    """Published guides ranked by meaning, with the matching section, a score and the citations."""
    results = guides.search(services, person_id=person.id, query=q, community_id=community, limit=limit)
    top = results[0].guide.community_id if results else None
    analytics.record_search(
        services, person_id=person.id, community_id=community, results=len(results), top_community_id=top
    )
    return SearchOut(
        query=q,
        results=[
            SearchHitOut(
                guide_id=r.guide.id,
                title=r.hit.title,
                community_id=r.guide.community_id,
                section=r.hit.section,
                text=r.hit.text,
                score=round(r.hit.score, 4),
                citations=[source_out(s) for s in r.sources],
            )
            for r in results
        ],
    )
