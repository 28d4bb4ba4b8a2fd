"""Knowledge at risk per topic: bus factor, demand, guide coverage, and the next step for each risky topic."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

from analytics.model import Records, ValueSettings


@dataclass(frozen=True)
class NextStep:
    action: str  # nudge|tandem
    person: str  # the holder
    other: str | None  # the junior for a tandem
    count: int  # answers without a guide, for a nudge
    text: str


@dataclass(frozen=True)
class TopicRisk:
    topic: str
    bus_factor: int
    holders: tuple[str, ...]  # the fewest people giving more than half of the contributions
    contributions: int
    demand: int  # questions on the topic in the last `demand_days`
    covered_share: float  # answered threads on the topic that have a published guide
    at_risk: bool
    next_steps: tuple[NextStep, ...]


def bus_factor(contributions: Counter[str]) -> tuple[int, tuple[str, ...]]:
    """The fewest people who together give more than half of the contributions (ties broken by id)."""
    total = sum(contributions.values())
    if total == 0:
        return 0, ()
    ranked = sorted(contributions.items(), key=lambda item: (-item[1], item[0]))
    running, holders = 0, []
    for person, count in ranked:
        holders.append(person)
        running += count
        if 2 * running > total:
            break
    return len(holders), tuple(holders)


def topic_risks(records: Records, settings: ValueSettings) -> list[TopicRisk]:
    """Every topic with contributions or demand, the risky ones first."""
    posts, by_id, questions = records.visible_posts, records.visible_by_id, records.openers
    contributions: dict[str, Counter[str]] = defaultdict(Counter)
    answered: dict[str, set[str]] = defaultdict(set)
    answers_by: dict[tuple[str, str], set[str]] = defaultdict(set)  # (topic, person) -> threads they answered
    for post in posts:
        parent = by_id.get(post.parent_id) if post.parent_id else None
        question = questions.get(post.thread_id)
        asker = question.author if question else None
        if parent is None or post.author in (parent.author, asker) or post.at >= records.end:
            continue  # the asker's own replies in their thread answer nobody
        for topic in post.topics or (question.topics if question else ()):
            contributions[topic][post.author] += 2 if post.accepted else 1  # an answer, and an accepted one
            answered[topic].add(post.thread_id)
            answers_by[(topic, post.author)].add(post.thread_id)
    guided = {g.thread_id for g in records.guides if g.published_at is not None and g.status == "published"}
    any_guide = {g.thread_id for g in records.guides}
    for guide in records.guides:
        if guide.published_at is not None and guide.published_at < records.end:
            for topic in guide.topics:
                for person in guide.contributors:
                    contributions[topic][person] += 1
    since = records.end - timedelta(days=settings.demand_days)
    demand: Counter[str] = Counter()
    askers: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for q in questions.values():
        if since <= q.at < records.end:
            for topic in q.topics:
                demand[topic] += 1
                askers[topic].append((q.at.isoformat(), q.author))
    juniors = {t.junior: t.senior for t in records.tandems}
    risks = []
    for topic in sorted(set(contributions) | set(demand)):
        factor, holders = bus_factor(contributions[topic])
        threads = answered[topic]
        covered = len(threads & guided) / len(threads) if threads else 0.0
        at_risk = factor == 1 and demand[topic] > 0 and covered < 0.5
        steps: tuple[NextStep, ...] = ()
        if at_risk:
            holder = holders[0]
            open_answers = len(answers_by[(topic, holder)] - any_guide)
            steps = _next_steps(topic, holder, open_answers, askers[topic], juniors)
        risks.append(
            TopicRisk(
                topic, factor, holders, sum(contributions[topic].values()), demand[topic], covered, at_risk, steps
            )
        )
    return sorted(risks, key=lambda r: (not r.at_risk, -r.demand, r.topic))


def _next_steps(
    topic: str, holder: str, open_answers: int, askers: list[tuple[str, str]], juniors: dict[str, str]
) -> tuple[NextStep, ...]:
    steps = []
    if open_answers:
        steps.append(
            NextStep(
                "nudge",
                holder,
                None,
                open_answers,
                f"ask the holder one follow-up question on {open_answers} answer(s) with no guide yet",
            )
        )
    for _, asker in sorted(askers, reverse=True):  # the most recent asker first
        if asker != holder and juniors.get(asker) != holder:
            steps.append(
                NextStep(
                    "tandem",
                    holder,
                    asker,
                    0,
                    f"suggest a tandem on {topic} between the holder and a junior who asked about it",
                )
            )
            break
    return tuple(steps)
