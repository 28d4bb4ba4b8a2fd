"""Critical people (brokers, cut points, who the network leans on) and bottlenecks, each with its reasons."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

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
    order = list(graph.nodes)
    index = {v: i for i, v in enumerate(order)}
    starts = [index[v] for v in (sources if sources is not None else order) if v in index]
    return _efficiency(nx.to_scipy_sparse_array(graph, nodelist=order, weight=None, format="csr"), starts)


def _efficiency(adjacency: Any, starts: list[int]) -> float:
    n = adjacency.shape[0]
    if n < 2 or not starts:
        return 0.0
    from scipy.sparse.csgraph import shortest_path  # here: scipy.sparse costs 0.23 s of every start-up

    hops = shortest_path(adjacency, method="D", directed=False, unweighted=True, indices=starts)
    with np.errstate(divide="ignore"):
        inverse = 1.0 / hops
    inverse[~np.isfinite(inverse)] = 0.0  # the source itself (0 hops) and the unreachable
    return float(inverse.sum()) / (len(starts) * (n - 1))


def _without(adjacency: Any, starts: list[int], removed: int) -> tuple[Any, list[int]]:
    """The network once one person is taken out (their row and column dropped), and the sources renumbered."""
    keep = np.array([i for i in range(adjacency.shape[0]) if i != removed])
    moved = {old: new for new, old in enumerate(keep.tolist())}
    return adjacency[keep][:, keep], [moved[s] for s in starts if s != removed]


def _pieces(adjacency: Any) -> int:
    from scipy.sparse.csgraph import connected_components

    return int(connected_components(adjacency, directed=False, return_labels=False))


def sampled_betweenness(graph: nx.Graph, order: list[str], sources: list[int]) -> dict[str, float]:
    """Betweenness (distance = 1/weight) estimated from sampled sources, one shortest path per pair, in scipy."""
    distances = nx.to_scipy_sparse_array(graph, nodelist=order, weight="distance", format="csr")
    return _sampled_betweenness(distances, order, sources)


def _sampled_betweenness(distances: Any, order: list[str], sources: list[int]) -> dict[str, float]:
    """Brandes' accumulation over each source's shortest-path tree; scaled like networkx's normalised estimate."""
    from scipy.sparse.csgraph import dijkstra

    n = len(order)
    reach, parents = dijkstra(distances, directed=False, indices=sources, return_predecessors=True)
    dependency = _dependencies(reach, parents)
    dependency[np.arange(len(sources)), sources] = 0.0
    total = np.zeros(n)
    for row in dependency:  # row by row: the sum in the same order as one source at a time
        total += row
    scale = n / len(sources) / ((n - 1) * (n - 2))
    return {order[i]: float(total[i] * scale) for i in range(n)}


def _dependencies(reach: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """Each source's dependency on every node: walking its tree from the farthest node in, a node adds 1 plus its
    own dependency to its parent's. All sources step together (one node of each per step), so numpy does the loop;
    per source the additions come in the order one source at a time would make them."""
    rows = np.arange(reach.shape[0])
    farthest_first = np.argsort(-reach, axis=1, kind="stable")  # the unreachable (inf) first: they have no parent
    dependency = np.zeros(reach.shape)
    for step in range(reach.shape[1]):
        node = farthest_first[:, step]
        parent = parents[rows, node]
        tied = parent >= 0
        dependency[rows[tied], parent[tied]] += 1.0 + dependency[rows[tied], node[tied]]
    return dependency


def constraint(graph: nx.Graph, person: str) -> float:
    """Burt's constraint: sum over contacts j of (p_ij + sum_q p_iq p_qj)^2, p = a tie's share of one's ties."""
    share = {u: _shares(graph, u) for u in [person, *graph.neighbors(person)]}
    mine = share[person]
    total = 0.0
    for j, p_ij in mine.items():
        indirect = sum(p_iq * share[q].get(j, 0.0) for q, p_iq in mine.items() if q != j)
        total += (p_ij + indirect) ** 2
    return total


def _shares(graph: nx.Graph, u: str) -> dict[str, float]:
    ties = {v: float(d.get("weight", 1.0)) for v, d in graph[u].items() if v != u}
    strength = sum(ties.values())
    return {v: w / strength for v, w in ties.items()} if strength > 0 else {}


def critical_people(graph: nx.Graph, people: Mapping[str, Person]) -> list[CriticalPerson]:
    """People the flow depends on, in name order (never a ranking of worth)."""
    n = graph.number_of_nodes()
    if n < 3:
        return []
    rng = random.Random(0)
    order = list(graph.nodes)
    exact = n <= EXACT_UP_TO
    starts = list(range(n)) if exact else sorted(rng.sample(range(n), SAMPLES))
    # One conversion serves both: the distances for betweenness, their pattern (who is tied) for the rest.
    distances = nx.to_scipy_sparse_array(graph, nodelist=order, weight="distance", format="csr")
    adjacency = distances.copy()
    adjacency.data[:] = 1.0
    if exact:  # all shortest paths, ties shared: what the hand-made tests check
        betweenness = nx.betweenness_centrality(graph, weight="distance", normalized=True)
    else:
        betweenness = _sampled_betweenness(distances, order, starts)
    cut_points = set(nx.articulation_points(graph))
    brokers = [p for p, b in betweenness.items() if b >= MIN_BETWEENNESS]
    candidates = sorted(set(brokers) | cut_points, key=lambda p: (-betweenness[p], p))[:MAX_EFFICIENCY_CHECKS]
    index = {v: i for i, v in enumerate(order)}
    base, pieces = _efficiency(adjacency, starts), _pieces(adjacency)
    found = []
    for person in candidates:
        held = constraint(graph, person)
        groups = tuple(sorted({home(people, v) for v in graph.neighbors(person)}))
        broker = betweenness[person] >= MIN_BETWEENNESS and held <= MAX_CONSTRAINT and len(groups) >= 2
        if not broker and person not in cut_points:
            continue
        remaining, renumbered = _without(adjacency, starts, index[person])
        loss = base - _efficiency(remaining, renumbered)
        # The other components stay whole: whatever the network gains in pieces, the person's own part split into.
        parts = _pieces(remaining) - pieces + 1 if person in cut_points else 1
        reasons = _reasons(betweenness[person], held, groups, parts, loss, base, broker)
        found.append(
            CriticalPerson(person, betweenness[person], held, groups, person in cut_points, parts, loss, reasons)
        )
    return sorted(found, key=lambda c: (people[c.person].name if c.person in people else c.person, c.person))


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
