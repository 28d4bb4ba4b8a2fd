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


@dataclass(frozen=True)
class SankeyNode:
    """A group's block: sources on the left, targets on the right, as tall as the minutes through it."""

    label: str  # shortened to fit; `name` is the whole one (for the title and the table)
    name: str
    value: float
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float
    side: str  # "source" or "target"


@dataclass(frozen=True)
class Band:
    """One group-to-group flow: leaves its source at `source_y`, reaches its target at `target_y`, `thickness` tall."""

    source: str
    target: str
    value: float
    source_y: float
    target_y: float
    thickness: float
    path: str


@dataclass(frozen=True)
class Sankey:
    nodes: list[SankeyNode]
    bands: list[Band]
    height: float
    summary: str


def sankey(
    flows: list[tuple[str, str, float]],
    *,
    room: float | None = None,
    gap: float = 10,
    top: float = 8,
    node_width: float = 10,
    label_width: float = 160,
) -> Sankey | None:
    """A two-column Sankey of (source, target, value): every band and block is proportional to its value.

    Each column stacks its groups, largest first, `gap` apart in `room` height (centred when it has fewer groups);
    a source's bands leave it in its targets' order and reach each target in its sources' order, so bands cross as
    little as two sorted columns allow. Repeated pairs are summed; flows of 0 or less are left out (the table still lists them); None: nothing.
    """
    merged: dict[tuple[str, str], float] = {}
    for s, t, v in flows:
        merged[(s, t)] = merged.get((s, t), 0.0) + v
    shown = [(s, t, v) for (s, t), v in merged.items() if v > 0]
    if not shown:
        return None
    out_of, into = _totals(shown, 0), _totals(shown, 1)
    sources, targets = _ranked(out_of), _ranked(into)
    most = max(len(sources), len(targets))
    room = room if room is not None else max(120.0, 36.0 * most)
    total = sum(v for _, _, v in shown)
    scale = (room - gap * (most - 1)) / total
    left, right = label_width, WIDTH - label_width - node_width
    source_top = _stack(sources, out_of, scale, gap, top, room)
    target_top = _stack(targets, into, scale, gap, top, room)
    nodes = [_node(g, out_of[g], left, source_top[g], node_width, scale, "source") for g in sources]
    nodes += [_node(g, into[g], right, target_top[g], node_width, scale, "target") for g in targets]
    ordered = sorted(shown, key=lambda f: (sources.index(f[0]), targets.index(f[1])))
    leaves = _offsets(ordered, 0, source_top, scale)
    arrives = _offsets(sorted(ordered, key=lambda f: (targets.index(f[1]), sources.index(f[0]))), 1, target_top, scale)
    bands = [
        _band(s, t, v, leaves[(s, t)], arrives[(s, t)], v * scale, left + node_width, right) for s, t, v in ordered
    ]
    return Sankey(nodes, bands, top * 2 + room, _sankey_summary(shown, sources, targets, total))


def _totals(flows: list[tuple[str, str, float]], side: int) -> dict[str, float]:
    totals: dict[str, float] = {}
    for flow in flows:
        group = str(flow[side])
        totals[group] = totals.get(group, 0.0) + flow[2]
    return totals


def _offsets(
    flows: list[tuple[str, str, float]], side: int, tops: dict[str, float], scale: float
) -> dict[tuple[str, str], float]:
    """Where each flow meets its group on one side: the group's flows stacked from its top edge, in `flows` order."""
    edge = dict(tops)
    where = {}
    for s, t, v in flows:
        group = s if side == 0 else t
        where[(s, t)] = edge[group]
        edge[group] += v * scale
    return where


def _ranked(totals: dict[str, float]) -> list[str]:
    return sorted(totals, key=lambda g: (-totals[g], g))


def _stack(
    groups: list[str], totals: dict[str, float], scale: float, gap: float, top: float, room: float
) -> dict[str, float]:
    """Each group's top edge in one column, the column centred in `room`."""
    used = sum(totals[g] for g in groups) * scale + gap * (len(groups) - 1)
    y = top + (room - used) / 2
    tops = {}
    for g in groups:
        tops[g] = y
        y += totals[g] * scale + gap
    return tops


def _node(group: str, value: float, x: float, y: float, width: float, scale: float, side: str) -> SankeyNode:
    label = group if len(group) <= 26 else group[:25] + "…"
    height = value * scale
    text_x = x - 6 if side == "source" else x + width + 6
    return SankeyNode(label, group, value, x, y, width, height, text_x, y + height / 2, side)


def _band(
    source: str, target: str, value: float, source_y: float, target_y: float, thickness: float, x0: float, x1: float
) -> Band:
    """The band's outline: a curve along its top edge, down its thickness, a curve back along its bottom edge."""
    mid = (x0 + x1) / 2
    a, b, a2, b2 = source_y, target_y, source_y + thickness, target_y + thickness
    path = (
        f"M{x0:.1f},{a:.1f} C{mid:.1f},{a:.1f} {mid:.1f},{b:.1f} {x1:.1f},{b:.1f} "
        f"L{x1:.1f},{b2:.1f} C{mid:.1f},{b2:.1f} {mid:.1f},{a2:.1f} {x0:.1f},{a2:.1f} Z"
    )
    return Band(source, target, value, source_y, target_y, thickness, path)


def _sankey_summary(flows: list[tuple[str, str, float]], sources: list[str], targets: list[str], total: float) -> str:
    """One sentence a screen reader says for the whole diagram (the table beside it has every value)."""
    source, target, value = max(flows, key=lambda f: (f[2], f[0], f[1]))
    return (
        f"Knowledge flow between groups: {len(flows)} flows from {len(sources)} groups on the left to "
        f"{len(targets)} groups on the right, {total:.0f} minutes in all; the largest, {source} to {target}, "
        f"{value:.0f} minutes. The table below holds every value."
    )
