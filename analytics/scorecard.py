"""The balanced scorecard: four dimensions, their proxies, the steward's targets and the trend."""

from __future__ import annotations

import statistics
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta

from analytics.flow import Flow
from analytics.growth import Growth
from analytics.health import Health, Pairs, questions_and_answers
from analytics.model import Records
from analytics.risk import TopicRisk

DEFLECTION_WINDOW = timedelta(hours=24)  # a search with a result and no question from the searcher within a day


@dataclass(frozen=True)
class Proxy:
    key: str
    dimension: str  # financial|customer|internal|learning
    label: str
    unit: str
    higher_is_better: bool


PROXIES = (
    Proxy("exchange_value", "financial", "Value of exchanges", "currency", True),
    Proxy("questions_deflected", "financial", "Questions deflected by search", "count", True),
    Proxy("first_answer_median_hours", "customer", "Time to first answer (median)", "hours", False),
    Proxy("search_success", "customer", "Searches with a result", "share", True),
    Proxy("helpful_rate", "customer", "Guide reads found helpful", "share", True),
    Proxy("nudge_yield", "internal", "Nudges answered", "share", True),
    Proxy("draft_to_approval_days", "internal", "Draft to approval (median)", "days", False),
    Proxy("fresh_share", "internal", "Published guides fresh", "share", True),
    Proxy("topics_bus_factor_2", "internal", "Topics in demand held by two or more", "share", True),
    Proxy("moved_toward_core", "learning", "People moving toward the core", "count", True),
    Proxy("time_to_proficiency_days", "learning", "Newcomers' days to a first accepted answer", "days", False),
)
DIMENSIONS = ("financial", "customer", "internal", "learning")


@dataclass(frozen=True)
class Measure:
    key: str
    dimension: str
    label: str
    unit: str
    value: float | None
    previous: float | None
    trend: str  # up|down|flat|new|none
    better: bool | None  # whether the trend is an improvement
    target: float | None
    met: bool | None


def proxy_values(
    records: Records, flow: Flow, health: Health, risks: list[TopicRisk], growth: Growth, every: Pairs | None = None
) -> dict[str, float | None]:
    """Each proxy's value for one period."""
    nudged = next(s.count for s in health.funnel if s.step == "nudged")
    answered = next(s.count for s in health.funnel if s.step == "answered")
    approvals = [
        (g.published_at - g.created_at).total_seconds() / 86400
        for g in records.guides
        if g.published_at is not None and records.in_period(g.published_at)
    ]
    demanded = [r for r in risks if r.demand > 0]
    last = growth.transitions[-1] if growth.transitions else None
    searches = health.searches
    return {
        "exchange_value": flow.value,
        "questions_deflected": float(deflected(records, every)),
        "first_answer_median_hours": health.first_answer_median_hours,
        "search_success": (searches - health.searches_without_result) / searches if searches else None,
        "helpful_rate": health.helpful_rate,
        "nudge_yield": answered / nudged if nudged else None,
        "draft_to_approval_days": statistics.median(approvals) if approvals else None,
        "fresh_share": health.fresh_share,
        "topics_bus_factor_2": sum(1 for r in demanded if r.bus_factor >= 2) / len(demanded) if demanded else None,
        "moved_toward_core": float(last.moved_up) if last else None,
        "time_to_proficiency_days": statistics.median(growth.newcomer_days) if growth.newcomer_days else None,
    }


def deflected(records: Records, every: Pairs | None = None) -> int:
    """Searches of the period that found something, not followed by a question from the same person within a day."""
    asked: dict[str, list[datetime]] = {}
    for question, _ in questions_and_answers(records) if every is None else every:
        asked.setdefault(question.author, []).append(question.at)
    for times in asked.values():
        times.sort()
    count = 0
    for s in records.searches:
        if not records.in_period(s.at) or s.results == 0:
            continue
        times = asked.get(s.person, [])
        following = bisect_left(times, s.at)  # their first question at or after the search
        if following == len(times) or times[following] > s.at + DEFLECTION_WINDOW:
            count += 1
    return count


def scorecard(
    current: dict[str, float | None], previous: dict[str, float | None] | None, targets: dict[str, float]
) -> tuple[Measure, ...]:
    measures = []
    for proxy in PROXIES:
        value = current.get(proxy.key)
        before = previous.get(proxy.key) if previous else None
        trend, better = _trend(value, before, proxy.higher_is_better)
        target = targets.get(proxy.key)
        met = None
        if target is not None and value is not None:
            met = value >= target if proxy.higher_is_better else value <= target
        measures.append(
            Measure(proxy.key, proxy.dimension, proxy.label, proxy.unit, value, before, trend, better, target, met)
        )
    return tuple(measures)


def _trend(value: float | None, before: float | None, higher_is_better: bool) -> tuple[str, bool | None]:
    if value is None:
        return "none", None
    if before is None:
        return "new", None
    if abs(value - before) <= 1e-9 * max(1.0, abs(before)):
        return "flat", None
    up = value > before
    return ("up" if up else "down"), up == higher_is_better
