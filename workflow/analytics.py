"""Analytics use cases: a community's figures for a period (stewards; admins except confidential communities),
the steward's analytics settings, and the reads, feedback and searches the figures rest on."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from analytics.model import DEFAULT_MINUTES, Kind, ValueSettings
from analytics.present import present
from analytics.report import analyse
from analytics.scorecard import PROXIES
from analytics.topics import in_skill_terms
from workflow.access import can_read, require_community, require_steward, sees_identities, viewer_of
from workflow.errors import InvalidInput, NotFound
from workflow.guides import get_guide
from workflow.services import Services

DEFAULT_PERIOD = "90d"
MAX_DAYS = 3660
NUMBERS = {  # steward-settable numbers: (lowest, highest)
    "hourly_rate": (0.0, 1e6),
    "helpful_factor": (1.0, 10.0),
    "cost_per_day": (0.0, 1e7),
    "answer_target_hours": (1.0, 24.0 * 365),
    "nudge_target_days": (1.0, 365.0),
    "stale_after_days": (1.0, 3650.0),
}


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime
    end: datetime

    def previous(self) -> Period:
        length = self.end - self.start
        return Period(f"before {self.label}", self.start - length, self.start)


@dataclass(frozen=True)
class AnalyticsView:
    community_id: str
    community_name: str
    period: Period
    named: bool  # False: Chatham House and the viewer is outside it, people appear only as counts
    figures: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The view as JSON-able data: what the API answers and the CLI prints."""
        period = {"label": self.period.label, "start": self.period.start, "end": self.period.end}
        return {
            "community_id": self.community_id,
            "community_name": self.community_name,
            "period": period,
            "named": self.named,
            **self.figures,
        }


def parse_period(text: str | None, now: datetime) -> Period:
    """'90d' (the last 90 days, the default), '2026-11' (a month), '2026-Q4' (a quarter) or '2026' (a year)."""
    value = (text or DEFAULT_PERIOD).strip()
    if m := re.fullmatch(r"(\d{1,4})d", value):
        days = int(m.group(1))
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"period: between 1d and {MAX_DAYS}d, not {value!r}")
        return Period(value, now - timedelta(days=days), now)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and year >= 1970:
            return Period(value, _month(year, month), _month(year + month // 12, month % 12 + 1))
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", value, flags=re.IGNORECASE):
        year, quarter = int(m.group(1)), int(m.group(2))
        if year >= 1970:
            start = _month(year, 3 * quarter - 2)
            return Period(f"{year}-Q{quarter}", start, _month(year + quarter // 4, (3 * quarter) % 12 + 1))
    if re.fullmatch(r"\d{4}", value) and int(value) >= 1970:
        return Period(value, _month(int(value), 1), _month(int(value) + 1, 1))
    raise InvalidInput(f"period: use 90d, 2026-11, 2026-Q4 or 2026, not {value[:40]!r}")


def _month(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def value_settings(values: dict[str, Any]) -> ValueSettings:
    """A community's stored values over the defaults (already validated when saved)."""
    minutes = dict(DEFAULT_MINUTES)
    minutes.update(
        {Kind(k): float(v) for k, v in (values.get("minutes") or {}).items() if k in Kind.__members__.values()}
    )
    numbers = {k: float(values[k]) for k in NUMBERS if k in values}
    targets = {k: float(v) for k, v in (values.get("targets") or {}).items()}
    return ValueSettings(minutes=minutes, targets=targets, **numbers)  # type: ignore[arg-type]


def validated_settings(values: dict[str, Any]) -> dict[str, Any]:
    """What a steward sent, checked: known keys, finite numbers in range; a clear message otherwise."""
    clean: dict[str, Any] = {}
    for key, raw in values.items():
        if key == "minutes":
            clean["minutes"] = {
                k: _number(f"minutes.{k}", v, 0.0, 24 * 60.0)
                for k, v in _mapping(key, raw).items()
                if _known(f"minutes.{k}", k, [kind.value for kind in Kind])
            }
        elif key == "targets":
            clean["targets"] = {
                k: _number(f"targets.{k}", v, -1e12, 1e12)
                for k, v in _mapping(key, raw).items()
                if _known(f"targets.{k}", k, [p.key for p in PROXIES])
            }
        elif key == "bots":
            if not isinstance(raw, list) or not all(isinstance(h, str) and 0 < len(h) <= 100 for h in raw):
                raise InvalidInput("bots: a list of handles (bots' messages are left out of every figure)")
            clean["bots"] = sorted(set(raw))[:1000]
        elif key in NUMBERS:
            clean[key] = _number(key, raw, *NUMBERS[key])
        else:
            raise InvalidInput(f"unknown setting {key[:60]!r}; known: minutes, targets, bots, {', '.join(NUMBERS)}")
    return clean


def _mapping(key: str, raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidInput(f"{key}: an object of name -> number")
    return raw


def _known(where: str, key: str, known: list[str]) -> bool:
    if key not in known:
        raise InvalidInput(f"{where[:80]}: unknown; known: {', '.join(known)}")
    return True


def _number(key: str, raw: object, low: float, high: float) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw) or not low <= raw <= high:
        raise InvalidInput(f"{key}: a number from {low:g} to {high:g}")
    return float(raw)


def community_analytics(
    services: Services, *, person_id: str, community_id: str, period: str | None = None
) -> AnalyticsView:
    """Every figure of the community for the period, for those who govern it; the period before gives the trend."""
    now = services.clock()
    span = parse_period(period, now)
    before = span.previous()
    with services.uow() as uow:
        viewer = viewer_of(uow, person_id)
        community = require_community(uow, community_id)
        if not can_read(uow, viewer, community_id) and not viewer.is_member(community_id):
            raise NotFound(f"community {community_id!r} does not exist")  # its existence is not disclosed
        require_steward(uow, viewer, community_id)
        named = sees_identities(viewer, community)
        stored = uow.analytics.settings_values(community_id)
        bots = set(stored.get("bots") or ())
        current = uow.analytics.records(community_id, span.start, span.end, min(now, span.end), bots)
        current = in_skill_terms(current, uow.tandems.vocabulary())
        name = community.name
    report = analyse(current, value_settings(stored), before.start)
    names = {p.id: p.name for p in current.people} if named else None
    return AnalyticsView(community_id, name, span, named, present(report, names))


def analytics_settings(services: Services, *, person_id: str, community_id: str) -> dict[str, Any]:
    """The community's analytics settings with the defaults filled in."""
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, person_id), community_id)
        stored = uow.analytics.settings_values(community_id)
    return _effective(stored)


def update_analytics_settings(
    services: Services, *, person_id: str, community_id: str, values: dict[str, Any]
) -> dict[str, Any]:
    """Merge a steward's changes into the stored settings (nested minutes and targets too)."""
    clean = validated_settings(values)
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, person_id), community_id)
        stored = uow.analytics.settings_values(community_id)
        for key, value in clean.items():
            stored[key] = {**stored.get(key, {}), **value} if isinstance(value, dict) else value
        uow.analytics.save_settings(community_id, stored, person_id, services.clock())
    return _effective(stored)


def _effective(stored: dict[str, Any]) -> dict[str, Any]:
    settings = value_settings(stored)
    return {
        "minutes": {k.value: v for k, v in settings.minutes.items()},
        **{k: getattr(settings, k) for k in NUMBERS},
        "targets": settings.targets,
        "bots": list(stored.get("bots") or ()),
    }


def record_guide_read(services: Services, *, person_id: str, guide_id: str) -> None:
    """A person read a guide they may read."""
    guide = get_guide(services, person_id=person_id, guide_id=guide_id)  # NotFound unless they may read it
    if guide.status != "published":
        return  # a reviewer opening their own draft is not a read
    with services.uow() as uow:
        uow.analytics.record_read(guide_id, person_id, services.clock())


def record_search(
    services: Services, *, person_id: str, community_id: str | None, results: int, top_community_id: str | None
) -> None:
    with services.uow() as uow:
        uow.analytics.record_search(person_id, community_id, results, top_community_id, services.clock())


def person_id_for_handle(services: Services, *, handle: str) -> str:
    """The id of the person with this handle (the CLI acts as someone)."""
    with services.uow() as uow:
        person = uow.people.by_handle(handle)
        if person is None:
            raise NotFound(f"no person with handle {handle[:100]!r}")
        return person.id
