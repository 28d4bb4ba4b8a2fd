"""Analytics: a community's figures per period for stewards, and its analytics settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from api.auth import PersonDep, ServicesDep
from workflow import analytics

router = APIRouter(prefix="/v1", tags=["analytics"])


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
