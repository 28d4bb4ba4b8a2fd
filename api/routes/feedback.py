"""Readers' feedback on guides (it reaches the guide's reviewer) and the searches that found nothing (stewards)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.auth import PersonDep, ServicesDep
from workflow.reading import feedback_on_my_guides, give_feedback, missed_searches

router = APIRouter(prefix="/v1", tags=["feedback"])


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    helpful: bool
    reason: str | None = Field(
        default=None, pattern="^(outdated|wrong|not_what_i_asked)$", description="Needed when helpful is false."
    )


class FeedbackOut(BaseModel):
    guide_id: str
    helpful: bool
    reason: str | None
    version: int


class ReviewerFeedbackOut(FeedbackOut):
    guide_title: str


class MissedSearchOut(BaseModel):
    query: str
    at: datetime


@router.post("/guides/{guide_id}/feedback", response_model=FeedbackOut)
def feedback(guide_id: str, body: FeedbackIn, services: ServicesDep, person: PersonDep) -> FeedbackOut:
    """Was this guide helpful? If not, say why; the guide's reviewer sees it (you stay anonymous)."""
    f = give_feedback(services, person_id=person.id, guide_id=guide_id, helpful=body.helpful, reason=body.reason)
    return FeedbackOut(guide_id=f.guide_id, helpful=f.helpful, reason=f.reason, version=f.version)


@router.get("/me/feedback", response_model=list[ReviewerFeedbackOut])
def my_feedback(services: ServicesDep, person: PersonDep) -> list[ReviewerFeedbackOut]:
    """What readers said about the guides you review."""
    return [
        ReviewerFeedbackOut(
            guide_id=f.guide_id, guide_title=f.guide_title, helpful=f.helpful, reason=f.reason, version=f.version
        )
        for f in feedback_on_my_guides(services, person_id=person.id)
    ]


@router.get("/communities/{community_id}/missed-searches", response_model=list[MissedSearchOut])
def missed(
    community_id: str, services: ServicesDep, person: PersonDep, limit: int = Query(default=200, ge=1, le=1000)
) -> list[MissedSearchOut]:
    """Searches in this community that found nothing, newest first: the knowledge that is missing (stewards)."""
    rows = missed_searches(services, actor_id=person.id, community_id=community_id, limit=limit)
    return [MissedSearchOut(query=m.query, at=m.at) for m in rows]
