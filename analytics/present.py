"""A report as plain JSON-able data, named or (Chatham House, outside the community) with people only as counts."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from analytics.growth import CLASSES
from analytics.report import Report


def present(report: Report, names: Mapping[str, str] | None) -> dict[str, Any]:
    """`names` maps person ids to the labels shown; None means nobody may be named: people appear as counts."""
    named = names is not None
    return {
        "named": named,
        "flow": _flow(report, names),
        "critical_people": _critical(report, names),
        "bottlenecks": _bottlenecks(report, names),
        "knowledge_at_risk": _risks(report, names),
        "periphery_to_core": _growth(report, names),
        "health": _health(report, names),
        "scorecard": [asdict(m) for m in report.scorecard],
    }


def _label(names: Mapping[str, str], person: str) -> dict[str, str]:
    return {"id": person, "name": names.get(person, person)}


def _flow(report: Report, names: Mapping[str, str] | None) -> dict[str, Any]:
    flow = report.flow
    data: dict[str, Any] = {
        "exchanges": flow.exchanges,
        "tangible": flow.tangible,
        "intangible": flow.intangible,
        "by_kind": flow.by_kind,
        "minutes": flow.minutes,
        "value": flow.value,
        "cross_boundary_share": flow.cross_boundary_share,
        "reciprocity": flow.reciprocity,
        "groups": [asdict(g) for g in flow.groups],
        "people": len({p for e in flow.edges for p in (e.giver, e.receiver)}),
        "ties": len(flow.edges),
    }
    if names is not None:
        data["edges"] = [
            {**asdict(e), "giver": _label(names, e.giver), "receiver": _label(names, e.receiver)} for e in flow.edges
        ]
    return data


def _critical(report: Report, names: Mapping[str, str] | None) -> dict[str, Any]:
    reasons = Counter(r.split(":")[0].split(" of ")[0] for c in report.critical for r in c.reasons)
    data: dict[str, Any] = {"count": len(report.critical), "reasons": dict(sorted(reasons.items()))}
    if names is not None:
        data["people"] = [{**asdict(c), "person": _label(names, c.person)} for c in report.critical]
    return data


def _bottlenecks(report: Report, names: Mapping[str, str] | None) -> dict[str, Any]:
    people = [b for b in report.bottlenecks if b.kind == "person"]
    data: dict[str, Any] = {
        "people": len(people),
        "topics": [asdict(b) for b in report.bottlenecks if b.kind == "topic"],
        "waiting": {
            "nudges": sum(1 for w in report.health.waiting if w.kind == "nudge"),
            "questions": sum(1 for w in report.health.waiting if w.kind == "question"),
        },
    }
    if names is not None:
        data["absorbing_people"] = [{**asdict(b), "person": _label(names, b.name)} for b in people]
        data["waiting_items"] = [{**asdict(w), "person": _label(names, w.person)} for w in report.health.waiting]
    return data


def _risks(report: Report, names: Mapping[str, str] | None) -> list[dict[str, Any]]:
    topics = []
    for r in report.risks:
        item = {k: v for k, v in asdict(r).items() if k not in ("holders", "next_steps")}
        if names is not None:
            item["holders"] = [_label(names, p) for p in r.holders]
            item["next_steps"] = [
                {**asdict(s), "person": _label(names, s.person), "other": _label(names, s.other) if s.other else None}
                for s in r.next_steps
            ]
        else:
            item["holders"] = len(r.holders)
            item["next_steps"] = [{"action": s.action, "count": s.count, "text": s.text} for s in r.next_steps]
        topics.append(item)
    return topics


def _growth(report: Report, names: Mapping[str, str] | None) -> dict[str, Any]:
    g = report.growth
    months = list(g.months)
    per_month = [
        {cls: sum(1 for classes in g.classes.values() if classes[i] == cls) for cls in CLASSES}
        for i in range(len(months))
    ]
    data: dict[str, Any] = {
        "months": months,
        "class_counts": per_month,
        "transitions": [asdict(t) for t in g.transitions],
        "median_days_to_first_accepted": _median(g.days_to_first_accepted.values()),
        "median_days_to_core": _median(g.days_to_core.values()),
        "cohorts": [asdict(c) for c in g.cohorts],
    }
    if names is not None:
        data["people"] = [
            {
                "person": _label(names, p),
                "classes": list(classes),
                "days_to_first_accepted": g.days_to_first_accepted.get(p),
                "days_to_core": g.days_to_core.get(p),
            }
            for p, classes in sorted(g.classes.items(), key=lambda item: names.get(item[0], item[0]))
        ]
    return data


def _health(report: Report, names: Mapping[str, str] | None) -> dict[str, Any]:
    data = {k: v for k, v in asdict(report.health).items() if k != "waiting"}
    return data


def _median(values: Any) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None
