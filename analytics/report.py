"""Every figure of one community and period, computed from its records (and the previous period for trends)."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from analytics.critical import Bottleneck, CriticalPerson, critical_people, person_bottlenecks, topic_bottlenecks
from analytics.derive import exchanges
from analytics.flow import Flow, flow_summary, knowledge_graph, undirected
from analytics.growth import Growth, growth
from analytics.health import Health, health
from analytics.model import Exchange, Person, Records, ValueSettings
from analytics.risk import TopicRisk, topic_risks
from analytics.scorecard import Measure, proxy_values, scorecard


@dataclass(frozen=True)
class Report:
    community: str
    people: dict[str, Person]
    flow: Flow
    critical: tuple[CriticalPerson, ...]
    bottlenecks: tuple[Bottleneck, ...]
    risks: tuple[TopicRisk, ...]
    growth: Growth
    health: Health
    scorecard: tuple[Measure, ...]


@dataclass(frozen=True)
class Figures:
    """One period's figures before the scorecard compares it with another."""

    flow: Flow
    graph: nx.DiGraph
    period: list[Exchange]
    risks: list[TopicRisk]
    growth: Growth
    health: Health
    proxies: dict[str, float | None]


def figures(records: Records, settings: ValueSettings) -> Figures:
    people = {p.id: p for p in records.people}
    every = exchanges(records)
    period = [e for e in every if records.in_period(e.at)]
    graph = knowledge_graph(period, settings)
    flow = flow_summary(period, people, settings, graph)
    risks = topic_risks(records, settings)
    grown = growth(records, every, settings)
    checked = health(records, settings)
    return Figures(flow, graph, period, risks, grown, checked, proxy_values(records, flow, checked, risks, grown))


def analyse(records: Records, settings: ValueSettings, previous: Records | None = None) -> Report:
    """The full report; `previous` (the period before, same length) gives each scorecard proxy its trend."""
    now = figures(records, settings)
    before = figures(previous, settings).proxies if previous is not None else None
    people = {p.id: p for p in records.people}
    return Report(
        community=records.community,
        people=people,
        flow=now.flow,
        critical=tuple(critical_people(undirected(now.graph), people)),
        bottlenecks=(*person_bottlenecks(now.graph, settings), *topic_bottlenecks(now.period, settings)),
        risks=tuple(now.risks),
        growth=now.growth,
        health=now.health,
        scorecard=scorecard(now.proxies, before, settings.targets),
    )
