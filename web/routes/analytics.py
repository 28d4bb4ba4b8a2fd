"""The steward dashboard: the analytics of one community, plots with their data tables beside them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.auth import ServicesDep
from web import charts
from web.security import PagePerson
from web.templating import render
from workflow.analytics import community_analytics

router = APIRouter(include_in_schema=False)
PERIODS = ("30d", "90d", "365d")


@router.get("/analytics/{community_id}")
def dashboard(
    request: Request,
    person: PagePerson,
    services: ServicesDep,
    community_id: str,
    period: Annotated[str, Query(max_length=16)] = "90d",
) -> Response:
    """Stewards (admins outside confidential communities); Chatham House outsiders see counts, not people."""
    view = community_analytics(services, person_id=person.id, community_id=community_id, period=period).as_dict()
    flow = view["flow"]
    sankey = charts.sankey([(g["source"], g["target"], g["minutes"]) for g in flow["groups"]])
    funnel = [(s["step"], float(s["count"])) for s in view["health"]["funnel"]]
    funnel_bars, funnel_height = charts.bars(funnel, label_width=120)
    nodes, lines = charts.people_graph(flow.get("edges", []))
    months = view["periphery_to_core"]["months"]
    core_counts = [float(c["core"]) for c in view["periphery_to_core"]["class_counts"]]
    context = {
        "view": view,
        "periods": PERIODS,
        "period": view["period"]["label"],
        "sankey": sankey,
        "funnel_bars": funnel_bars,
        "funnel_height": funnel_height,
        "nodes": nodes,
        "lines": lines,
        "months": months,
        "core_counts": core_counts,
        "core_spark": charts.spark(list(core_counts)),
        "trend_pairs": [charts.pair(m["previous"], m["value"]) for m in view["scorecard"]],
        "width": charts.WIDTH,
    }
    return render(request, "analytics.html", context, person=person)
