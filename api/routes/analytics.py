"""Analytics: a community's figures per period for stewards, its analytics settings, guide feedback."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import PersonDep, ServicesDep
from workflow import analytics, reading

router = APIRouter(prefix="/v1", tags=["analytics"])


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    helpful: bool
    reason: str | None = Field(default=None, max_length=32, description="When not helpful: outdated, wrong, ...")


@router.get("/communities/{community_id}/analytics")
def community_analytics(
    community_id: str,
    services: ServicesDep,
    person: PersonDep,
    period: str | None = Query(default=None, max_length=16, description="90d (default), 2026-11, 2026-Q4 or 2026."),
) -> dict[str, Any]:
    """Knowledge flow, critical people, bottlenecks, knowledge at risk, periphery to core, health, scorecard.

    Stewards of the community, and admins except in confidential communities. In a Chatham House community,
    viewers outside it see people only as counts."""
    view = analytics.community_analytics(services, person_id=person.id, community_id=community_id, period=period)
    return view.as_dict()


@router.get("/communities/{community_id}/analytics/settings")
def get_settings(community_id: str, services: ServicesDep, person: PersonDep) -> dict[str, Any]:
    """Minutes saved per exchange kind, the hourly rate, cost per day, targets: the defaults filled in."""
    return analytics.analytics_settings(services, person_id=person.id, community_id=community_id)


@router.patch("/communities/{community_id}/analytics/settings")
def patch_settings(community_id: str, body: dict[str, Any], services: ServicesDep, person: PersonDep) -> dict[str, Any]:
    """Change some settings, e.g. {"hourly_rate": 80, "targets": {"first_answer_median_hours": 24}}."""
    return analytics.update_analytics_settings(services, person_id=person.id, community_id=community_id, values=body)


@router.post("/guides/{guide_id}/feedback", status_code=204, tags=["guides"])
def guide_feedback(guide_id: str, body: FeedbackIn, services: ServicesDep, person: PersonDep) -> Response:
    """Say whether a guide helped you (the JSON twin of the guide page's question; it refines the minutes the
    guide is counted as saving, and the reviewer sees it)."""
    reading.give_feedback(services, person_id=person.id, guide_id=guide_id, helpful=body.helpful, reason=body.reason)
    return Response(status_code=204)
