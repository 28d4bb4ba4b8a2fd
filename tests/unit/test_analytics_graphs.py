"""Flow, critical people and bottlenecks on small graphs whose right answers are worked out by hand below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analytics.critical import critical_people, global_efficiency, person_bottlenecks
from analytics.flow import flow_summary, knowledge_graph, reciprocity, undirected
from analytics.model import Exchange, Kind, Person, ValueSettings

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
SETTINGS = ValueSettings()  # advice 10 min, accepted answer 30 min, 60 per hour


def ex(giver: str, receiver: str, kind: Kind = Kind.ADVICE, hours: int = 0, helpful: bool | None = None) -> Exchange:
    return Exchange(giver, receiver, kind, "c", T0 + timedelta(hours=hours), "kafka", helpful)


def people(groups: dict[str, str]) -> dict[str, Person]:
    return {p: Person(p, p.upper(), (g,)) for p, g in groups.items()}


def test_a_star_hub_is_critical_with_every_reason() -> None:
    # hub -> a, b, c. Undirected star of 4 nodes.
    exchanges = [ex("hub", leaf, Kind.ACCEPTED_ANSWER) for leaf in ("a", "b", "c")]
    who = people({"hub": "core", "a": "ops", "b": "dev", "c": "dev"})
    graph = knowledge_graph(exchanges, SETTINGS)
    found = critical_people(undirected(graph), who)

    assert [c.person for c in found] == ["hub"]
    hub = found[0]
    # Betweenness: the hub lies on all 3 leaf-to-leaf paths; normalised by (n-1)(n-2)/2 = 3 pairs -> 1.
    assert hub.betweenness == pytest.approx(1.0)
    # Burt's constraint: 3 equal ties (p = 1/3), no leaf tied to another: 3 * (1/3)^2 = 1/3.
    assert hub.constraint == pytest.approx(1 / 3)
    assert hub.groups == ("dev", "ops")
    assert hub.articulation_point and hub.splits_into == 3
    # Efficiency: 3 pairs at distance 1 and 3 at distance 2 -> (3 + 3/2) / 6 = 0.75; without the hub 0.
    assert hub.efficiency_loss == pytest.approx(0.75)
    assert any("cut point" in r for r in hub.reasons) and any("2 groups" in r for r in hub.reasons)


def test_a_chain_has_two_cut_points_and_no_broker_within_one_group() -> None:
    # a -> b -> c -> d, all in one group.
    exchanges = [ex("a", "b"), ex("b", "c"), ex("c", "d")]
    graph = undirected(knowledge_graph(exchanges, SETTINGS))
    found = critical_people(graph, people(dict.fromkeys("abcd", "ops")))

    assert [c.person for c in found] == ["b", "c"]
    b = found[0]
    # b lies on the paths a-c and a-d: 2 of the 3 pairs among the others.
    assert b.betweenness == pytest.approx(2 / 3)
    # Two equal ties, a and c not tied: 2 * (1/2)^2.
    assert b.constraint == pytest.approx(0.5)
    # Chain: distances 1,1,1,2,2,3 -> sum 1/d = 13/3 over 6 pairs = 13/18; without b only c-d remain
    # among 3 people: 1 over 3 pairs = 1/3.
    assert global_efficiency(graph) == pytest.approx(13 / 18)
    assert b.efficiency_loss == pytest.approx(13 / 18 - 1 / 3)
    assert b.groups == ("ops",)
    assert not any("groups" in r for r in b.reasons)  # a broker needs ties into two groups


def test_a_two_group_bridge() -> None:
    # Group X is a star around x1, group Y a star around y1, and x1 -> y1 bridges them.
    pairs = [("x1", "x2"), ("x1", "x3"), ("y1", "y2"), ("y1", "y3"), ("x1", "y1")]
    exchanges = [ex(u, v) for u, v in pairs]
    who = people({"x1": "X", "x2": "X", "x3": "X", "y1": "Y", "y2": "Y", "y3": "Y"})
    graph = knowledge_graph(exchanges, SETTINGS)
    flow = flow_summary(exchanges, who, SETTINGS, graph)
    found = {c.person: c for c in critical_people(undirected(graph), who)}

    # One of five equal exchanges crosses the boundary.
    assert flow.cross_boundary_share == pytest.approx(1 / 5)
    assert {(g.source, g.target): g.minutes for g in flow.groups} == {("X", "X"): 20, ("X", "Y"): 10, ("Y", "Y"): 20}
    assert set(found) == {"x1", "y1"}
    x1 = found["x1"]
    # x1 lies on x2-x3 and on the 6 paths from {x2, x3} to {y1, y2, y3}: 7 of the 10 pairs among the other 5.
    assert x1.betweenness == pytest.approx(7 / 10)
    # Three ties, none tied to another: 3 * (1/3)^2 = 1/3.
    assert x1.constraint == pytest.approx(1 / 3)
    assert x1.groups == ("X", "Y")
    # Sum of 1/d over the 15 pairs: five at 1, six at 1/2, four at 1/3 -> 28/3; E = (28/3) / 15 = 28/45.
    # Without x1: x2, x3 alone, the Y star gives 1 + 1 + 1/2 over 10 pairs = 1/4.
    assert x1.efficiency_loss == pytest.approx(28 / 45 - 1 / 4)
    assert any("lies on 70%" in r for r in x1.reasons)


def test_a_bottleneck_absorbs_what_flows_in() -> None:
    # a, b, c, d each give x an accepted answer (30 min); x gives e one piece of advice (10 min).
    exchanges = [ex(p, "x", Kind.ACCEPTED_ANSWER) for p in "abcd"] + [ex("x", "e")]
    graph = knowledge_graph(exchanges, SETTINGS)
    found = person_bottlenecks(graph, SETTINGS)

    # x: in 120, out 10 -> 120/130. e absorbs everything too but its 10 min inflow is below the top quarter.
    assert [(b.name, b.inflow, b.outflow) for b in found] == [("x", 120, 10)]
    assert found[0].absorption == pytest.approx(12 / 13)
    flow = flow_summary(exchanges, people(dict.fromkeys("abcdex", "g")), SETTINGS, graph)
    # 4 x 30 + 10 = 130 minutes at 60 an hour.
    assert flow.minutes == 130 and flow.value == pytest.approx(130.0)
    assert (flow.tangible, flow.intangible) == (4, 1)


def test_reciprocity_and_helpful_guides() -> None:
    exchanges = [ex("a", "b"), ex("b", "a"), ex("b", "c")]
    assert reciprocity(knowledge_graph(exchanges, SETTINGS)) == pytest.approx(2 / 3)
    # A guide read is worth 15 min; marked helpful x1.5, unhelpful / 1.5.
    assert SETTINGS.minutes_for(ex("a", "b", Kind.GUIDE, helpful=True)) == pytest.approx(22.5)
    assert SETTINGS.minutes_for(ex("a", "b", Kind.GUIDE, helpful=False)) == pytest.approx(10.0)


def test_too_small_a_graph_has_nobody_critical() -> None:
    graph = undirected(knowledge_graph([ex("a", "b")], SETTINGS))
    assert critical_people(graph, people({"a": "g", "b": "g"})) == []


def test_constraint_of_a_bridge_between_two_triangles() -> None:
    from analytics.critical import constraint

    # x1 in triangle x1-x2-x3, tied to y1 of another triangle. p = 1/3 for each of x1's ties.
    # Via x2: 1/3 + p(x1,x3) p(x3,x2) = 1/3 + 1/3 * 1/2 = 1/2 -> 1/4; via x3 the same; y1: (1/3)^2 = 1/9.
    pairs = [("x1", "x2"), ("x2", "x3"), ("x3", "x1"), ("y1", "y2"), ("y2", "y3"), ("y3", "y1"), ("x1", "y1")]
    graph = undirected(knowledge_graph([ex(u, v) for u, v in pairs], SETTINGS))
    assert constraint(graph, "x1") == pytest.approx(1 / 4 + 1 / 4 + 1 / 9)


def test_the_sampled_estimate_agrees_with_the_exact_one_where_paths_are_unique() -> None:
    import random

    import networkx as nx

    from analytics.critical import sampled_betweenness

    rng = random.Random(3)
    exchanges = [ex(f"p{rng.randrange(40)}", f"p{rng.randrange(40)}") for _ in range(160)]
    graph = undirected(knowledge_graph([e for e in exchanges if e.giver != e.receiver], SETTINGS))
    for _, _, d in graph.edges(data=True):  # distinct distances: one shortest path per pair
        d["distance"] = rng.uniform(1.0, 2.0)
    order = list(graph.nodes)
    estimate = sampled_betweenness(graph, order, list(range(len(order))))  # every source: no sampling error
    exact = nx.betweenness_centrality(graph, weight="distance", normalized=True)
    assert max(abs(estimate[p] - exact[p]) for p in order) < 1e-9


def test_a_cut_point_splits_only_its_own_part_of_the_network() -> None:
    # a - b - c, and apart from them d - e: without b, a and c fall apart; d - e stays one piece.
    exchanges = [ex("a", "b"), ex("b", "c"), ex("d", "e")]
    found = critical_people(undirected(knowledge_graph(exchanges, SETTINGS)), people(dict.fromkeys("abcde", "g")))
    assert [(c.person, c.articulation_point, c.splits_into) for c in found] == [("b", True, 2)]


def test_the_scorecards_small_bars_share_one_scale() -> None:
    from web.charts import pair

    bars = pair(10.0, 5.0)
    assert bars is not None and (bars.before, bars.now) == (80.0, 40.0)
    assert pair(None, 5.0) is None and pair(0.0, 0.0) is None  # nothing to compare: no chart, the words remain
