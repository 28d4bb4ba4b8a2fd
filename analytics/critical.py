"""Critical people (brokers, cut points, who the network leans on) and bottlenecks, each with its reasons."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from analytics.flow import home
from analytics.model import TANGIBLE, Exchange, Person, ValueSettings

MIN_BETWEENNESS = 0.1  # a broker lies on at least a tenth of the shortest paths between others
MAX_CONSTRAINT = 0.5  # Burt: below this the person's contacts are not tied to one another (open network)
EXACT_UP_TO = 400  # above this many people betweenness and efficiency are estimated from sampled sources
SAMPLES = 200
MAX_EFFICIENCY_CHECKS = 30  # the removal test runs for this many candidates at most


@dataclass(frozen=True)
class CriticalPerson:
    person: str
    betweenness: float
    constraint: float
    groups: tuple[str, ...]
    articulation_point: bool
    splits_into: int  # parts the person's component falls into without them
    efficiency_loss: float  # global efficiency with them minus without them
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Bottleneck:
    kind: str  # person|topic
    name: str
    inflow: float  # minutes
    outflow: float
    absorption: float
    reasons: tuple[str, ...]


def global_efficiency(graph: nx.Graph, sources: list[str] | None = None) -> float:
    """Mean of 1/d(u, v) over ordered pairs (d in hops; 0 when unreachable); from sampled sources when given."""
    n = graph.number_of_nodes()
    if n < 2:
        return 0.0
    starts = sources if sources is not None else list(graph.nodes)
    total = 0.0
    for s in starts:
        if s not in graph:
            continue
        lengths = nx.single_source_shortest_path_length(graph, s)
        total += sum(1.0 / d for t, d in lengths.items() if t != s)
    return total / (len(starts) * (n - 1))


def critical_people(graph: nx.Graph, people: Mapping[str, Person]) -> list[CriticalPerson]:
    """People the flow depends on, in name order (never a ranking of worth)."""
    n = graph.number_of_nodes()
    if n < 3:
        return []
    rng = random.Random(0)
    k = None if n <= EXACT_UP_TO else SAMPLES
    betweenness = nx.betweenness_centrality(graph, k=k, weight="distance", normalized=True, seed=rng.randint(0, 999))
    cut_points = set(nx.articulation_points(graph))
    brokers = [p for p, b in betweenness.items() if b >= MIN_BETWEENNESS]
    candidates = sorted(set(brokers) | cut_points, key=lambda p: -betweenness[p])[:MAX_EFFICIENCY_CHECKS]
    sources = None if n <= EXACT_UP_TO else rng.sample(sorted(graph.nodes), SAMPLES)
    base = global_efficiency(graph, sources)
    found = []
    for person in candidates:
        constraint = float(nx.constraint(graph, [person], weight="weight")[person])
        groups = tuple(sorted({home(people, v) for v in graph.neighbors(person)}))
        broker = betweenness[person] >= MIN_BETWEENNESS and constraint <= MAX_CONSTRAINT and len(groups) >= 2
        if not broker and person not in cut_points:
            continue
        without = graph.subgraph(v for v in graph if v != person)
        kept = None if sources is None else [s for s in sources if s != person] or None
        loss = base - global_efficiency(without, kept) if without.number_of_nodes() > 1 else base
        parts = _parts_without(graph, person) if person in cut_points else 1
        reasons = _reasons(betweenness[person], constraint, groups, parts, loss, base, broker)
        found.append(
            CriticalPerson(person, betweenness[person], constraint, groups, person in cut_points, parts, loss, reasons)
        )
    return sorted(found, key=lambda c: (people[c.person].name if c.person in people else c.person, c.person))


def _parts_without(graph: nx.Graph, person: str) -> int:
    component = nx.node_connected_component(graph, person) - {person}
    return nx.number_connected_components(graph.subgraph(component))


def _reasons(
    betweenness: float, constraint: float, groups: tuple[str, ...], parts: int, loss: float, base: float, broker: bool
) -> tuple[str, ...]:
    reasons = []
    if broker:
        reasons.append(f"lies on {betweenness:.0%} of the shortest paths between others")
        reasons.append(f"open network: constraint {constraint:.2f} (contacts not tied to one another)")
        reasons.append(f"ties into {len(groups)} groups: {', '.join(groups)}")
    if parts > 1:
        reasons.append(f"cut point: without them their part of the network falls into {parts} pieces")
    if base > 0 and loss > 0:
        reasons.append(f"without them global efficiency drops by {loss:.2f} ({loss / base:.0%})")
    return tuple(reasons)


def nearest_rank(values: list[float], q: float) -> float:
    """The q-quantile by nearest rank (the smallest value with at least q of the values at or below it)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def person_bottlenecks(graph: nx.DiGraph, settings: ValueSettings) -> list[Bottleneck]:
    """People where knowledge enters and does not leave: absorption >= threshold with inflow in the top quarter."""
    inflow = {p: float(graph.in_degree(p, weight="weight")) for p in graph}
    outflow = {p: float(graph.out_degree(p, weight="weight")) for p in graph}
    return _absorbing("person", inflow, outflow, settings.absorption_threshold)


def topic_bottlenecks(exchanges: list[Exchange], settings: ValueSettings) -> list[Bottleneck]:
    """Topics answered in threads whose knowledge does not travel on through guides read."""
    inflow: dict[str, float] = defaultdict(float)
    outflow: dict[str, float] = defaultdict(float)
    for e in exchanges:
        if e.topic is None:
            continue
        if e.kind.value == "guide":
            outflow[e.topic] += settings.minutes_for(e)
        elif e.kind in TANGIBLE or e.kind.value in ("advice", "tandem"):
            inflow[e.topic] += settings.minutes_for(e)
    return _absorbing("topic", inflow, outflow, settings.absorption_threshold)


def _absorbing(kind: str, inflow: dict[str, float], outflow: dict[str, float], threshold: float) -> list[Bottleneck]:
    high = nearest_rank([v for v in inflow.values() if v > 0], 0.75)
    found = []
    for name, came_in in inflow.items():
        went_out = outflow.get(name, 0.0)
        if came_in <= 0 or came_in < high:
            continue
        absorption = came_in / (came_in + went_out)
        if absorption >= threshold:
            reasons = (
                f"absorbs {absorption:.0%} of the knowledge flowing through" + (" them" if kind == "person" else " it"),
                f"inflow {came_in:.0f} min is in the top quarter (at least {high:.0f} min)",
            )
            found.append(Bottleneck(kind, name, came_in, went_out, absorption, reasons))
    return sorted(found, key=lambda b: (-b.absorption, b.name))
