"""Who knows X? People ranked by peer validation and evidence related to the question, with their reasons."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from tandem.evidence import WEIGHTS, Evidence, Kind, strength
from tandem.relatedness import Relatedness
from tandem.skills import expand

MIN_RELATED = 0.2  # below this an item is about something else (one shared generic word is not a topic)
MAX_EXAMPLES = 3
# A person's whole validated track record (all topics) as a prior: in `tacit eval experts` on held-out Stack Exchange
# threads, people who answer much and well answer the next question on most topics; topic evidence alone ranked worse.
STANDING_WEIGHT = 1.0
TRACK_RECORD = frozenset({Kind.GUIDE, Kind.ACCEPTED_ANSWER, Kind.ANSWER, Kind.NUDGE_ANSWERED})


@dataclass(frozen=True)
class Reason:
    """One kind of evidence behind a ranking: how many items, what they add, a few examples."""

    kind: Kind
    count: int
    points: float
    examples: tuple[str, ...]


@dataclass(frozen=True)
class ExpertScore:
    person_id: str
    score: float
    reasons: tuple[Reason, ...]
    standing: float = 0.0  # points from the track record on every topic
    contributions: int = 0  # guides, answers and nudges answered on any topic

    def explanation(self) -> str:
        """One line: the reasons, strongest first, then the track record."""
        parts = [f"{r.count} {_plural(r.kind, r.count)}" for r in self.reasons]
        if self.contributions:
            parts.append(f"track record: {self.contributions} contributions on any topic")
        return "; ".join(parts)


def _plural(kind: Kind, n: int) -> str:
    words = str(kind).replace("_", " ")
    return words if n == 1 else words + "s"


@dataclass
class _Tally:
    total: float = 0.0
    count: int = 0
    examples: list[tuple[float, str]] | None = None


def rank_experts(
    query: str,
    evidence: Sequence[Evidence],
    relatedness: Relatedness,
    now: datetime,
    *,
    limit: int = 10,
    exclude: Collection[str] = (),
    standing_weight: float = STANDING_WEIGHT,
) -> list[ExpertScore]:
    """People whose evidence relates to the query, best first, their track record added (ties by id)."""
    tallies = tally(query, evidence, relatedness, now, exclude)
    record = track_record(evidence, now)
    scored = [_with_standing(_score(person, kinds), record, standing_weight) for person, kinds in tallies.items()]
    scored = [s for s in scored if s.reasons]
    return sorted(scored, key=lambda s: (-s.score, s.person_id))[:limit]


def track_record(evidence: Sequence[Evidence], now: datetime) -> dict[str, tuple[float, int]]:
    """Per person: summed strength and count of their contributions on any topic."""
    out: dict[str, tuple[float, int]] = {}
    for item in evidence:
        if item.kind in TRACK_RECORD:
            total, count = out.get(item.person_id, (0.0, 0))
            out[item.person_id] = (total + strength(item, now), count + 1)
    return out


def _with_standing(scored: ExpertScore, record: dict[str, tuple[float, int]], weight: float) -> ExpertScore:
    total, count = record.get(scored.person_id, (0.0, 0))
    standing = weight * math.log1p(total)
    return ExpertScore(scored.person_id, scored.score + standing, scored.reasons, standing, count)


def tally(
    query: str, evidence: Sequence[Evidence], relatedness: Relatedness, now: datetime, exclude: Collection[str] = ()
) -> dict[str, dict[Kind, _Tally]]:
    """Per person and kind: the sum of strength times relatedness of every item related to the query."""
    query = expand(query)
    items = [e for e in evidence if e.person_id not in exclude]
    topics = list(dict.fromkeys(e.topic for e in items))
    related = dict(zip(topics, relatedness.related(query, topics), strict=True))
    out: dict[str, dict[Kind, _Tally]] = defaultdict(lambda: defaultdict(_Tally))
    for item in items:
        rel = related[item.topic]
        if rel < MIN_RELATED:
            continue
        t = out[item.person_id][item.kind]
        points = strength(item, now) * rel
        t.total, t.count = t.total + points, t.count + 1
        t.examples = sorted([*(t.examples or []), (points, item.topic)], reverse=True)[:MAX_EXAMPLES]
    return out


def _score(person_id: str, kinds: dict[Kind, _Tally]) -> ExpertScore:
    # Diminishing returns within a kind: a second kind of evidence says more than the hundredth answer.
    reasons = [
        Reason(kind, t.count, WEIGHTS[kind] * math.log1p(t.total), tuple(dict.fromkeys(x for _, x in t.examples or ())))
        for kind, t in kinds.items()
    ]
    reasons.sort(key=lambda r: -r.points)
    return ExpertScore(person_id, sum(r.points for r in reasons), tuple(reasons))


def skill_strength(
    person_id: str, topic: str, evidence: Sequence[Evidence], relatedness: Relatedness, now: datetime
) -> float:
    """How strong one person is in a topic, in [0, 1): their expert score, saturating."""
    mine = [e for e in evidence if e.person_id == person_id]
    # Topic evidence only: a long track record elsewhere does not make someone strong in this skill.
    [score] = [s.score - s.standing for s in rank_experts(topic, mine, relatedness, now, limit=1)] or [0.0]
    return score / (score + 1.0)
