"""Evidence that a person knows a topic: peers' endorsements, declared skills, and the knowledge itself."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

HALF_LIFE_DAYS = 365.0  # evidence a year old counts half


class Kind(StrEnum):
    ENDORSEMENT = "endorsement"  # a peer vouched for a skill
    GUIDE = "guide"  # a published guide drawn from this person's knowledge (they reviewed it)
    ACCEPTED_ANSWER = "accepted_answer"
    ANSWER = "answer"  # any other answer; its score tells how useful readers found it
    NUDGE_ANSWERED = "nudge_answered"  # elaborated when Tacit asked
    DECLARED_SKILL = "declared_skill"  # said so themselves: the weakest evidence


# How much one piece of each kind weighs, before relatedness, age and diminishing returns.
WEIGHTS = {
    Kind.ENDORSEMENT: 1.5,
    Kind.GUIDE: 2.0,
    Kind.ACCEPTED_ANSWER: 1.5,
    Kind.ANSWER: 1.0,
    Kind.NUDGE_ANSWERED: 1.0,
    Kind.DECLARED_SKILL: 0.5,
}
DECAYS = {Kind.ENDORSEMENT: False, Kind.DECLARED_SKILL: False}  # what a person is vouched for does not age


@dataclass(frozen=True)
class Evidence:
    person_id: str
    kind: Kind
    topic: str  # what it is about: a skill name, or a thread's title and tags
    at: datetime
    community_id: str | None = None  # None for person-level evidence (skills, endorsements)
    ref: str = ""  # the guide, message or skill it comes from
    score: int = 0  # readers' votes, for answers


def decay(at: datetime, now: datetime, half_life_days: float = HALF_LIFE_DAYS) -> float:
    """1.0 for today's evidence, halving every `half_life_days`."""
    age_days = max(0.0, (now - at).total_seconds() / 86_400)
    return float(0.5 ** (age_days / half_life_days))


def quality(item: Evidence) -> float:
    """How much this one item says, before relatedness and age: an answer counts by its readers' votes."""
    if item.kind is Kind.ANSWER:
        return 0.2 + 0.4 * math.log1p(max(item.score, 0))
    return 1.0


def strength(item: Evidence, now: datetime, half_life_days: float = HALF_LIFE_DAYS) -> float:
    """Quality times age decay (for kinds that age)."""
    if DECAYS.get(item.kind, True):
        return quality(item) * decay(item.at, now, half_life_days)
    return quality(item)
