"""Interfaces the elicitor needs from the outside world."""

from __future__ import annotations

from typing import Protocol

from elicitor.model import Assessment, AuthorStanding, FollowUp, Gap, Message, Thread


class FollowUpWriter(Protocol):
    """Writes one private, specific, polite follow-up question for the most important gap."""

    def write(self, thread: Thread, answer: Message, gaps: tuple[Gap, ...]) -> FollowUp: ...


class Detector(Protocol):
    """Judges whether an answer is terse know-how worth one private question, and which context it lacks."""

    @property
    def threshold(self) -> float: ...

    def assess(
        self,
        thread: Thread,
        answer: Message,
        standing: AuthorStanding,
        threshold: float | None = None,
        judge: bool = True,
    ) -> Assessment:
        """The verdict on one answer. judge=False: no verdict could become a nudge (the answer is too old, the
        expert opted out or reached their limit), so a detector that pays per call answers from its offline
        model."""
        ...
