"""From the periphery to the core: monthly k-core classes, quarterly transitions, time to proficiency."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import networkx as nx

from analytics.model import Exchange, Records, ValueSettings

CLASSES = ("absent", "periphery", "active", "core")
NEWCOMER_WINDOW = timedelta(days=365)  # people whose first message falls this close to the period's end


@dataclass(frozen=True)
class Transition:
    from_quarter: str
    to_quarter: str
    counts: dict[str, dict[str, int]]  # from class -> to class -> people
    moved_up: int
    moved_down: int


@dataclass(frozen=True)
class Cohort:
    name: str  # tandem juniors | other newcomers
    people: int
    proficient: int  # reached a first accepted answer
    median_days_to_proficiency: float | None
    cost_of_ignorance: float | None  # median days x cost per day, per newcomer


@dataclass(frozen=True)
class Growth:
    months: tuple[str, ...]
    classes: dict[str, tuple[str, ...]]  # person -> class per month
    transitions: tuple[Transition, ...]
    days_to_first_accepted: dict[str, float]
    days_to_core: dict[str, float]
    cohorts: tuple[Cohort, ...]
    newcomer_days: tuple[float, ...]  # every newcomer's days to a first accepted answer (those who got one)


def month_of(at: datetime) -> str:
    return f"{at.year:04d}-{at.month:02d}"


def quarter_of(month: str) -> str:
    year, number = month.split("-")
    return f"{year}-Q{(int(number) - 1) // 3 + 1}"


def core_classes(exchanges: list[Exchange]) -> dict[str, str]:
    """Each person's class in one month: core (the innermost k-core, k >= 2), active (k >= 2), periphery."""
    graph = nx.Graph()
    graph.add_edges_from((e.giver, e.receiver) for e in exchanges if e.giver != e.receiver)
    if graph.number_of_nodes() == 0:
        return {}
    cores = nx.core_number(graph)
    top = max(cores.values())
    classes = {}
    for person, k in cores.items():
        if top >= 2 and k == top:
            classes[person] = "core"
        elif k >= 2:
            classes[person] = "active"
        else:
            classes[person] = "periphery"
    return classes


def growth(
    records: Records, exchanges: list[Exchange], settings: ValueSettings, known: dict[str, dict[str, str]] | None = None
) -> Growth:
    """`known`: classes of whole months already computed (another period's), reused and filled in."""
    by_month: dict[str, list[Exchange]] = defaultdict(list)
    for e in exchanges:
        if e.at < records.end:
            by_month[month_of(e.at)].append(e)
    months = tuple(sorted(by_month))
    last = month_of(records.end - timedelta(microseconds=1))  # may be cut short by the period's end
    cache = {} if known is None else known
    monthly = {}
    for m in months:
        whole = m != last or month_of(records.end) != last
        monthly[m] = cache[m] if whole and m in cache else core_classes(by_month[m])
        if whole:
            cache[m] = monthly[m]
    people = sorted({p for classes in monthly.values() for p in classes})
    classes = {p: tuple(monthly[m].get(p, "absent") for m in months) for p in people}
    first_post, first_accepted = _firsts(records)
    to_accepted = {p: _days(first_post[p], at) for p, at in first_accepted.items() if p in first_post}
    to_core = {}
    for person in people:
        month = next((m for m in months if monthly[m].get(person) == "core"), None)
        if month is not None and person in first_post:
            start = max(first_post[person], datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC))
            to_core[person] = _days(first_post[person], start)
    newcomers = _newcomers(records, first_post)
    return Growth(
        months,
        classes,
        _transitions(months, monthly, people),
        to_accepted,
        to_core,
        _cohorts(records, newcomers, to_accepted, settings),
        tuple(sorted(to_accepted[p] for p in newcomers if p in to_accepted)),
    )


def _newcomers(records: Records, first_post: dict[str, datetime]) -> set[str]:
    return {p for p, at in first_post.items() if at >= records.end - NEWCOMER_WINDOW}


def _firsts(records: Records) -> tuple[dict[str, datetime], dict[str, datetime]]:
    """Each author's first post and first accepted answer before the end."""
    first_post: dict[str, datetime] = {}
    first_accepted: dict[str, datetime] = {}
    for post in records.visible_posts:
        if post.at >= records.end:
            continue
        _keep_earliest(first_post, post.author, post.at)
        if post.accepted and post.parent_id is not None:
            _keep_earliest(first_accepted, post.author, post.at)
    return first_post, first_accepted


def _keep_earliest(firsts: dict[str, datetime], person: str, at: datetime) -> None:
    known = firsts.get(person)
    if known is None or at < known:
        firsts[person] = at


def _days(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 86400)


def _transitions(
    months: tuple[str, ...], monthly: dict[str, dict[str, str]], people: list[str]
) -> tuple[Transition, ...]:
    """Class per quarter (the highest of its months), then who moved from one quarter's class to the next's."""
    quarters: dict[str, dict[str, str]] = defaultdict(dict)
    for m in months:
        q = quarters[quarter_of(m)]
        for person, cls in monthly[m].items():
            if CLASSES.index(cls) > CLASSES.index(q.get(person, "absent")):
                q[person] = cls
    ordered = sorted(quarters)
    seen: set[str] = set()
    result = []
    for before, after in zip(ordered, ordered[1:], strict=False):
        seen |= set(quarters[before])
        counts = {a: {b: 0 for b in CLASSES} for a in CLASSES}
        up = down = 0
        for person in sorted(seen | set(quarters[after])):
            a, b = quarters[before].get(person, "absent"), quarters[after].get(person, "absent")
            counts[a][b] += 1
            up += CLASSES.index(b) > CLASSES.index(a)
            down += CLASSES.index(b) < CLASSES.index(a)
        result.append(Transition(before, after, counts, up, down))
    return tuple(result)


def _cohorts(
    records: Records, newcomers: set[str], to_accepted: dict[str, float], settings: ValueSettings
) -> tuple[Cohort, ...]:
    """Tandem juniors against other newcomers: time to a first accepted answer and what the wait costs."""
    juniors = {t.junior for t in records.tandems} & newcomers
    cohorts = []
    for name, group in (("tandem juniors", juniors), ("other newcomers", newcomers - juniors)):
        days = [to_accepted[p] for p in group if p in to_accepted]
        median = statistics.median(days) if days else None
        cost = median * settings.cost_per_day if median is not None else None
        cohorts.append(Cohort(name, len(group), len(days), median, cost))
    return tuple(cohorts)
