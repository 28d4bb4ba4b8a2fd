"""Server-rendered SVG charts for the analytics dashboard: plain shapes, no script, every value also in a table."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

WIDTH = 640


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Node:
    label: str
    x: float
    y: float
    r: float


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float


def bars(items: list[tuple[str, float]], *, row: int = 28, label_width: int = 200) -> tuple[list[Bar], int]:
    """Horizontal bars scaled to the largest value; returns the bars and the chart's height."""
    top = max((v for _, v in items), default=0.0) or 1.0
    room = WIDTH - label_width - 80
    drawn = []
    for i, (label, value) in enumerate(items):
        length = max(1.0, room * value / top) if value > 0 else 0.0
        y = i * row + 4
        drawn.append(Bar(label[:40], value, label_width, y, length, row - 10, label_width + length + 6, y + row / 2))
    return drawn, max(row, len(items) * row + 8)


def people_graph(edges: list[dict[str, Any]], limit: int = 24) -> tuple[list[Node], list[Line]]:
    """The strongest ties' people on a circle, ties as lines as thick as the minutes (at most `limit` people)."""
    strength: dict[str, float] = {}
    names: dict[str, str] = {}
    for e in edges:
        for side in ("giver", "receiver"):
            person = e[side]
            strength[person["id"]] = strength.get(person["id"], 0.0) + e["minutes"]
            names[person["id"]] = person["name"]
    shown = sorted(strength, key=lambda p: (-strength[p], names[p]))[:limit]
    if not shown:
        return [], []
    centre, radius = WIDTH / 2, WIDTH / 2 - 120
    place = {}
    for i, p in enumerate(sorted(shown, key=lambda p: names[p])):
        angle = 2 * math.pi * i / len(shown) - math.pi / 2
        place[p] = (centre + radius * math.cos(angle), centre * 0.8 + radius * 0.7 * math.sin(angle))
    top = max(strength[p] for p in shown) or 1.0
    nodes = [Node(names[p][:24], *place[p], 4 + 8 * math.sqrt(strength[p] / top)) for p in shown]
    heaviest = max((e["minutes"] for e in edges), default=1.0) or 1.0
    lines = [
        Line(*place[e["giver"]["id"]], *place[e["receiver"]["id"]], 1 + 5 * e["minutes"] / heaviest)
        for e in edges
        if e["giver"]["id"] in place and e["receiver"]["id"] in place
    ]
    return nodes, lines


def spark(values: list[float | None], width: int = 120, height: int = 28) -> str:
    """An SVG polyline's points for a small trend chart (gaps where a value is missing are skipped)."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(v for _, v in known), max(v for _, v in known)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in known)


@dataclass(frozen=True)
class Pair:
    """Two bars, the period before and this one, on one scale: a proxy's trend at a glance."""

    before: float
    now: float


def pair(before: float | None, now: float | None, width: int = 80) -> Pair | None:
    """Bar lengths for a small before/now chart; None when either value is missing or both are 0."""
    if before is None or now is None:
        return None
    top = max(abs(before), abs(now))
    if top == 0:
        return None
    return Pair(round(width * abs(before) / top, 1), round(width * abs(now) / top, 1))
