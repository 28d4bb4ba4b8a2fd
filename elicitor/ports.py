"""Interfaces the elicitor needs from the outside world."""

from __future__ import annotations

from typing import Protocol

from elicitor.model import FollowUp, Gap, Message, Thread


class FollowUpWriter(Protocol):
    """Writes one private, specific, polite follow-up question for the most important gap."""

    def write(self, thread: Thread, answer: Message, gaps: tuple[Gap, ...]) -> FollowUp: ...
