"""The knowledge-flow graph: typed, valued edges; group-to-group flow; cross-boundary share; reciprocity."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from analytics.model import NO_HOME, TANGIBLE, Exchange, Person, ValueSettings


@dataclass(frozen=True)
class Edge:
    giver: str
    receiver: str
    exchanges: int
    tangible: int
    intangible: int
    minutes: float
    value: float


@dataclass(frozen=True)
class GroupFlow:
    source: str
    target: str
    minutes: float
    exchanges: int


@dataclass(frozen=True)
class Flow:
    edges: tuple[Edge, ...]
    groups: tuple[GroupFlow, ...]
    exchanges: int
    tangible: int
    intangible: int
    minutes: float
    value: float
    cross_boundary_share: float  # of minutes, between different home groups
    reciprocity: float  # of directed ties, the share whose reverse tie exists too
    by_kind: dict[str, int]


def knowledge_graph(exchanges: Iterable[Exchange], settings: ValueSettings) -> nx.DiGraph:
    """A directed graph giver -> receiver; each edge sums its exchanges' minutes (weight) and counts them by type."""
    ties: dict[tuple[str, str], list[float]] = {}
    for e in exchanges:
        tie = ties.setdefault((e.giver, e.receiver), [0.0, 0, 0])
        tie[0] += settings.minutes_for(e)
        tie[1] += 1
        tie[2] += 1 if e.kind in TANGIBLE else 0
    graph = nx.DiGraph()
    graph.add_edges_from(
        (u, v, {"weight": w, "count": int(c), "tangible": int(t)}) for (u, v), (w, c, t) in ties.items()
    )
    return graph


def flow_summary(
    exchanges: list[Exchange],
    people: Mapping[str, Person],
    settings: ValueSettings,
    graph: nx.DiGraph,
    with_edges: bool = True,
) -> Flow:
    """Totals, group-to-group flow and the shares a steward reports; `with_edges`: the ties too, strongest first."""
    rate = settings.hourly_rate / 60.0
    edges = _edges(graph, rate) if with_edges else ()
    homes = {p: person.home for p, person in people.items()}
    group_minutes: dict[tuple[str, str], float] = defaultdict(float)
    group_count: Counter[tuple[str, str]] = Counter()
    for e in exchanges:
        key = (homes.get(e.giver, NO_HOME), homes.get(e.receiver, NO_HOME))
        group_minutes[key] += settings.minutes_for(e)
        group_count[key] += 1
    total = sum(group_minutes.values())
    across = sum(m for (a, b), m in group_minutes.items() if a != b)
    tangible = sum(1 for e in exchanges if e.kind in TANGIBLE)
    return Flow(
        edges=edges,
        groups=tuple(GroupFlow(a, b, m, group_count[(a, b)]) for (a, b), m in sorted(group_minutes.items())),
        exchanges=len(exchanges),
        tangible=tangible,
        intangible=len(exchanges) - tangible,
        minutes=total,
        value=total * rate,
        cross_boundary_share=across / total if total else 0.0,
        reciprocity=reciprocity(graph),
        by_kind=dict(sorted(Counter(e.kind.value for e in exchanges).items())),
    )


def _edges(graph: nx.DiGraph, rate: float) -> tuple[Edge, ...]:
    return tuple(
        Edge(u, v, d["count"], d["tangible"], d["count"] - d["tangible"], d["weight"], d["weight"] * rate)
        for u, v, d in sorted(graph.edges(data=True), key=lambda item: (-item[2]["weight"], item[0], item[1]))
    )


def reciprocity(graph: nx.DiGraph) -> float:
    """Share of directed ties u->v whose reverse v->u exists too (0 for an empty graph)."""
    ties = graph.number_of_edges()
    if ties == 0:
        return 0.0
    return sum(1 for u, v in graph.edges if graph.has_edge(v, u)) / ties


def home(people: Mapping[str, Person], person_id: str) -> str:
    person = people.get(person_id)
    return person.home if person else NO_HOME


def undirected(graph: nx.DiGraph) -> nx.Graph:
    """Ties regardless of direction, weights summed both ways, with distance = 1/weight for path measures."""
    ties: dict[tuple[str, str], float] = {}  # in the order ties are first seen, as networkx would add them
    for u, v, weight in graph.edges(data="weight"):
        if u == v:
            continue
        tie = (v, u) if (v, u) in ties else (u, v)
        ties[tie] = ties[tie] + weight if tie in ties else weight
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes)
    simple.add_edges_from(
        (u, v, {"weight": w, "distance": 1.0 / w if w > 0 else float("inf")}) for (u, v), w in ties.items()
    )
    return simple
