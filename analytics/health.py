"""Health and the loop: time to first answer, unanswered questions, the nudge funnel, freshness, search, feedback."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from analytics.critical import nearest_rank
from analytics.model import Post, Records, ValueSettings


@dataclass(frozen=True)
class FunnelStep:
    step: str
    count: int
    share_of_previous: float | None  # of the step before
    previous_period: int | None = None  # the same step's count in the period before, when compared


@dataclass(frozen=True)
class Waiting:
    kind: str  # question|nudge
    id: str
    person: str
    since: datetime
    hours: float


@dataclass(frozen=True)
class Health:
    questions: int
    answered: int
    first_answer_median_hours: float | None
    first_answer_p90_hours: float | None
    old_enough: int  # questions asked at least the target ago
    unanswered_past_target: int
    funnel: tuple[FunnelStep, ...]
    published_guides: int
    fresh_share: float | None
    median_guide_age_days: float | None
    searches: int
    searches_without_result: int
    feedback: int
    helpful_rate: float | None
    waiting: tuple[Waiting, ...]


def questions_and_answers(records: Records) -> list[tuple[Post, Post | None]]:
    """Each question (a thread's opening post) with its first answer by someone else, bots and deleted excluded."""
    threads: dict[str, list[Post]] = defaultdict(list)
    for post in records.visible_posts:
        threads[post.thread_id].append(post)
    pairs = []
    for posts in threads.values():
        posts.sort(key=lambda p: (p.at, p.id))
        question = next((p for p in posts if p.parent_id is None), None)
        if question is None:
            continue
        first = next((p for p in posts if p.author != question.author and p.at >= question.at), None)
        pairs.append((question, first))
    return pairs


Pairs = list[tuple[Post, Post | None]]


def health(records: Records, settings: ValueSettings, every: Pairs | None = None) -> Health:
    """`every`: questions_and_answers(records), when the caller has it already."""
    every = questions_and_answers(records) if every is None else every
    pairs = [(q, a) for q, a in every if records.in_period(q.at)]
    hours = [(a.at - q.at).total_seconds() / 3600 for q, a in pairs if a is not None]
    target = timedelta(hours=settings.answer_target_hours)
    old = [(q, a) for q, a in pairs if records.now - q.at >= target]
    late = [(q, a) for q, a in old if a is None or a.at - q.at > target]
    reads = [r for r in records.reads if records.in_period(r.at)]
    rated = [r for r in reads if r.helpful is not None]
    searches = [s for s in records.searches if records.in_period(s.at)]
    published = [g for g in records.guides if g.status in ("published", "stale")]
    ages = [(records.now - g.updated_at).total_seconds() / 86400 for g in published]
    fresh = [
        g
        for g, age in zip(published, ages, strict=True)
        if g.status == "published" and age <= settings.stale_after_days
    ]
    return Health(
        questions=len(pairs),
        answered=len(hours),
        first_answer_median_hours=statistics.median(hours) if hours else None,
        first_answer_p90_hours=nearest_rank(hours, 0.9) if hours else None,
        old_enough=len(old),
        unanswered_past_target=len(late),
        funnel=funnel(records),
        published_guides=len(published),
        fresh_share=len(fresh) / len(published) if published else None,
        median_guide_age_days=statistics.median(ages) if ages else None,
        searches=len(searches),
        searches_without_result=sum(1 for s in searches if s.results == 0),
        feedback=len(rated),
        helpful_rate=sum(1 for r in rated if r.helpful) / len(rated) if rated else None,
        waiting=waiting(records, settings, every),
    )


def funnel(records: Records) -> tuple[FunnelStep, ...]:
    """Detected -> nudged -> answered -> draft -> approved -> read, for the answers of the period."""
    nudges = [n for n in records.nudges if records.in_period(n.created_at)]
    nudged = {n.message_id for n in nudges}
    # A nudged answer was detected, even when its detection fell in an earlier period (or was not kept).
    detected = {d.message_id for d in records.detections if records.in_period(d.at)} | nudged
    answered_threads = {n.thread_id for n in nudges if n.status == "answered"}
    answered = {n.message_id for n in nudges if n.status == "answered"}
    drafts = [g for g in records.guides if g.thread_id in answered_threads]
    approved = [g for g in drafts if g.published_at is not None]
    read_ids = {r.guide_id for r in records.reads}
    read = [g for g in approved if g.id in read_ids]
    counts = [
        ("detected", len(detected)),
        ("nudged", len(nudged)),
        ("answered", len(answered)),
        ("draft", len(drafts)),
        ("approved", len(approved)),
        ("read", len(read)),
    ]
    steps = []
    for i, (name, count) in enumerate(counts):
        before = counts[i - 1][1] if i else None
        steps.append(FunnelStep(name, count, (count / before if before else None) if i else None))
    return tuple(steps)


def compared(funnel: tuple[FunnelStep, ...], before: tuple[FunnelStep, ...]) -> tuple[FunnelStep, ...]:
    """The funnel with each step's count in the period before, for its trend."""
    earlier = {s.step: s.count for s in before}
    return tuple(replace(s, previous_period=earlier.get(s.step)) for s in funnel)


def waiting(records: Records, settings: ValueSettings, every: Pairs | None = None) -> tuple[Waiting, ...]:
    """Open nudges and unanswered questions waiting past their target, the longest first."""
    items = []
    nudge_target = timedelta(days=settings.nudge_target_days)
    for n in records.nudges:
        if n.status in ("open", "snoozed") and records.now - n.created_at > nudge_target:
            items.append(Waiting("nudge", n.id, n.person, n.created_at, _hours(records.now - n.created_at)))
    question_target = timedelta(hours=settings.answer_target_hours)
    for q, a in questions_and_answers(records) if every is None else every:
        if a is None and records.now - q.at > question_target:
            items.append(Waiting("question", q.thread_id, q.author, q.at, _hours(records.now - q.at)))
    return tuple(sorted(items, key=lambda w: (-w.hours, w.id)))


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600
