"""Who knows X? People ranked by peer validation and evidence related to the question, with their reasons."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from tandem.evidence import WEIGHTS, Evidence, Kind, strength
from tandem.relatedness import Relatedness

MIN_RELATED = 0.05  # below this an item is about something else
MAX_EXAMPLES = 3


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

    def explanation(self) -> str:
        """One line: the reasons, strongest first."""
        return "; ".join(f"{r.count} {_plural(r.kind, r.count)}" for r in self.reasons)


def _plural(kind: Kind, n: int) -> str:
    words = str(kind).replace("_", " ")
    return words if n == 1 else words + "s"


@dataclass
class _Tally:
    total: float = 0.0
    count: int = 0
    examples: list[tuple[float, str]] | None = None


def rank_experts(
    query: str, evidence: Sequence[Evidence], relatedness: Relatedness, now: datetime, *, limit: int = 10,
    exclude: Collection[str] = (),
) -> list[ExpertScore]:  # fmt: skip
    """People whose evidence relates to the query, best first (ties by fewer ids first, for stable output)."""
    tallies = tally(query, evidence, relatedness, now, exclude)
    scored = [_score(person, kinds) for person, kinds in tallies.items()]
    scored = [s for s in scored if s.score > 0]
    return sorted(scored, key=lambda s: (-s.score, s.person_id))[:limit]


def tally(
    query: str, evidence: Sequence[Evidence], relatedness: Relatedness, now: datetime, exclude: Collection[str] = ()
) -> dict[str, dict[Kind, _Tally]]:
    """Per person and kind: the sum of strength times relatedness of every item related to the query."""
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
    [score] = [s.score for s in rank_experts(topic, mine, relatedness, now, limit=1)] or [0.0]
    return score / (score + 1.0)
