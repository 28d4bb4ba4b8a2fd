"""Whom to pair a junior with: strong where the junior wants to grow, with room for one more tandem, never twice."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from tandem.skills import readable


@dataclass(frozen=True)
class Candidate:
    person_id: str
    strength: Mapping[str, float]  # per goal skill, in [0, 1]
    active_tandems: int  # as senior
    capacity: int  # how many tandems as senior they accept at once


@dataclass(frozen=True)
class PairSuggestion:
    person_id: str
    score: float
    covers: tuple[str, ...]  # goals they are strong in
    explanation: str


def suggest_seniors(
    goals: Mapping[str, float],
    candidates: Sequence[Candidate],
    *,
    junior_id: str,
    past_seniors: Collection[str],
    limit: int = 5,
) -> list[PairSuggestion]:
    """Candidates ranked by how well they cover the junior's goals (weighted by how much the junior lacks each),
    times how free they are; the junior, former seniors and people with no room are left out."""
    out = []
    for c in candidates:
        free = 1.0 - c.active_tandems / c.capacity if c.capacity > 0 else 0.0
        if c.person_id == junior_id or c.person_id in past_seniors or free <= 0:
            continue
        total = sum(goals.values()) or 1.0
        coverage = sum(c.strength.get(g, 0.0) * lack for g, lack in goals.items()) / total
        if coverage <= 0:
            continue
        covers = tuple(g for g in goals if c.strength.get(g, 0.0) >= 0.3)
        out.append(PairSuggestion(c.person_id, coverage * (0.5 + 0.5 * free), covers, _explain(c, covers, free)))
    return sorted(out, key=lambda s: (-s.score, s.person_id))[:limit]


def _explain(c: Candidate, covers: tuple[str, ...], free: float) -> str:
    strong = ", ".join(readable(g) for g in covers) or "somewhat related skills"
    return f"strong in {strong}; {c.active_tandems} of {c.capacity} tandem places taken ({free:.0%} free)"
