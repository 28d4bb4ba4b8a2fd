"""Every figure of one community and period, computed from its records (and the previous period for trends)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import networkx as nx

from analytics.critical import Bottleneck, CriticalPerson, critical_people, person_bottlenecks, topic_bottlenecks
from analytics.derive import exchanges
from analytics.flow import Flow, flow_summary, knowledge_graph, undirected
from analytics.growth import Growth, growth
from analytics.health import Health, compared, health, questions_and_answers
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


def figures(
    records: Records,
    settings: ValueSettings,
    every: list[Exchange] | None = None,
    months: dict[str, dict[str, str]] | None = None,
    for_trend: bool = False,
) -> Figures:
    """`every`: the exchanges before the records' end; `months`: k-core classes of whole months, shared;
    `for_trend`: only the proxies are wanted (the period before), so the list of ties is left out."""
    people = {p.id: p for p in records.people}
    every = exchanges(records) if every is None else every
    period = [e for e in every if records.in_period(e.at)]
    graph = knowledge_graph(period, settings)
    flow = flow_summary(period, people, settings, graph, with_edges=not for_trend)
    risks = topic_risks(records, settings)
    grown = growth(records, every, settings, months)
    pairs = questions_and_answers(records)
    checked = health(records, settings, pairs)
    proxies = proxy_values(records, flow, checked, risks, grown, pairs)
    return Figures(flow, graph, period, risks, grown, checked, proxies)


def analyse(records: Records, settings: ValueSettings, previous_start: datetime | None = None) -> Report:
    """The full report; the period from `previous_start` to this one's start gives each proxy its trend."""
    every = [e for e in exchanges(records) if e.at < records.end]
    months: dict[str, dict[str, str]] = {}
    now = figures(records, settings, every, months)
    before, checked = None, now.health
    if previous_start is not None:
        earlier = records.before(previous_start)
        then = figures(earlier, settings, [e for e in every if e.at < earlier.end], months, for_trend=True)
        before, checked = then.proxies, replace(now.health, funnel=compared(now.health.funnel, then.health.funnel))
    people = {p.id: p for p in records.people}
    return Report(
        community=records.community,
        people=people,
        flow=now.flow,
        critical=tuple(critical_people(undirected(now.graph), people)),
        bottlenecks=(*person_bottlenecks(now.graph, settings), *topic_bottlenecks(now.period, settings)),
        risks=tuple(now.risks),
        growth=now.growth,
        health=checked,
        scorecard=scorecard(now.proxies, before, settings.targets),
    )
