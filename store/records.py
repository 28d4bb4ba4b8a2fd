"""Plain records passed between the store and the workflow (no ORM objects leak out of store/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class IncomingMessage:
    """A message as a source delivers it, keyed by the source's own ids."""

    external_id: str
    thread: str
    author: str
    text: str
    created_at: datetime
    thread_title: str | None = None
    parent: str | None = None
    author_name: str | None = None
    kind: str | None = None
    score: int = 0
    accepted: bool = False
    reactions: int = 0
    url: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int
    new_message_ids: tuple[str, ...]


@dataclass(frozen=True)
class PersonRecord:
    id: str
    handle: str
    display_name: str
    timezone: str
    nudges_per_week: int | None
    quiet_hours: str | None
    opted_out: bool


@dataclass(frozen=True)
class NudgeRecord:
    id: str
    community_id: str
    message_id: str
    thread_id: str
    person_id: str
    round: int
    gap: str
    question: str
    status: str
    deliver_at: datetime
    created_at: datetime
    thread_title: str
    answer_text: str
    reply_text: str | None = None


@dataclass(frozen=True)
class GuideRecord:
    id: str
    community_id: str
    thread_id: str
    reviewer_id: str
    status: str
    version: int
    content: dict
    engine: str
    updated_at: datetime
