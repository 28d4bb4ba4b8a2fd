"""The elicitor's view of a community: threads, messages, authors, assessments and follow-up questions.

Plain dataclasses: no web framework, ORM or vendor SDK here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    MEMBER = "member"
    EXPERT = "expert"
    STEWARD = "steward"


class Gap(StrEnum):
    """A piece of context a learner needs and a terse answer leaves out."""

    RATIONALE = "rationale"  # why
    CONDITIONS = "conditions"  # when it applies, when not
    ALTERNATIVES = "alternatives"  # why not the other option; trade-offs
    STEPS = "steps"  # how exactly
    PITFALLS = "pitfalls"  # what goes wrong
    EVIDENCE = "evidence"  # source, example, numbers


@dataclass(frozen=True)
class Message:
    """One post in a thread. `id` is Tacit's own id; citations point to it."""

    id: str
    thread_id: str
    author_id: str
    author_name: str
    text: str
    created_at: datetime
    parent_id: str | None = None
    kind: str = "reply"  # question | answer | comment | reply | nudge_reply
    score: int = 0
    accepted: bool = False
    reactions: int = 0
    url: str | None = None


@dataclass(frozen=True)
class Thread:
    id: str
    community_id: str
    title: str
    messages: tuple[Message, ...]
    tags: tuple[str, ...] = ()
    url: str | None = None

    @property
    def opening(self) -> Message | None:
        """The message that opened the thread (the question), if any."""
        return self.messages[0] if self.messages else None

    def by_id(self, message_id: str) -> Message | None:
        return next((m for m in self.messages if m.id == message_id), None)


@dataclass(frozen=True)
class AuthorStanding:
    """What the community knows of an author: role and validated track record."""

    role: Role = Role.MEMBER
    answers: int = 0
    accepted_answers: int = 0
    total_score: int = 0


@dataclass(frozen=True)
class Assessment:
    """The detector's verdict on one answer."""

    message_id: str
    score: float  # 0..1: how worth drawing out this answer's missing knowledge is
    is_candidate: bool  # score >= the community's threshold and the answer is eligible
    gaps: tuple[Gap, ...]  # missing context, most important first
    explanation: str  # one line a steward can read
    features: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class FollowUp:
    """One private follow-up question for one gap of one answer."""

    question: str
    gap: Gap


@dataclass(frozen=True)
class Reply:
    """An expert's reply to a nudge, as a source the guide can cite."""

    id: str
    nudge_question: str
    text: str
    author_id: str
    author_name: str
    created_at: datetime
