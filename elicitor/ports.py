"""Interfaces the elicitor needs from the outside world."""

from __future__ import annotations

from typing import Protocol

from elicitor.community_model import Calibration
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
        calibration: Calibration | None = None,
    ) -> Assessment:
        """The verdict on one answer. judge=False: no verdict could become a nudge (the answer is too old, the
        expert opted out or reached their limit), so a detector that pays per call answers from its offline
        model. `calibration`: the community's own model and cold-start gate (elicitor/community_model.py)."""
        ...
