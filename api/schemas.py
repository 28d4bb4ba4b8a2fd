"""Request and response bodies of the HTTP API (documented in the OpenAPI schema at /docs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_TEXT_CHARS = 20_000  # the default of TACIT_MAX_MESSAGE_CHARS; the configured value is enforced on ingest


class MessageIn(BaseModel):
    """One community message as its source delivers it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_id": "slack-C01-1718000000.0001",
                    "thread": "slack-C01-1718000000.0001",
                    "thread_title": "Slow tenant listing",
                    "author": "lena",
                    "text": "Why is the tenant listing so slow?",
                    "created_at": "2026-11-20T09:00:00Z",
                }
            ]
        },
    )

    external_id: str = Field(
        min_length=1, max_length=200, description="The source's id of this message; unique per community."
    )
    thread: str = Field(
        min_length=1, max_length=200, description="The source's id of the thread the message belongs to."
    )
    thread_title: str | None = Field(default=None, max_length=500, description="Title; used when the thread is new.")
    parent: str | None = Field(default=None, max_length=200, description="external_id of the message this replies to.")
    author: str = Field(
        min_length=1, max_length=100, description="The author's handle; unknown authors become members."
    )
    author_name: str | None = Field(default=None, max_length=200)
    text: str = Field(
        min_length=1, description=f"Message text; at most TACIT_MAX_MESSAGE_CHARS (default {MAX_TEXT_CHARS})."
    )
    created_at: datetime | None = Field(default=None, description="ISO 8601; default: now.")
    kind: str | None = Field(default=None, pattern="^(question|answer|comment|reply)$")
    score: int = 0
    accepted: bool = False
    reactions: int = Field(default=0, ge=0)
    url: str | None = Field(default=None, max_length=1000)
    tags: list[str] = Field(default_factory=list, max_length=20)


class MessageBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    messages: list[MessageIn] = Field(min_length=1, description="At most TACIT_MAX_BATCH_MESSAGES (default 1000).")


class IngestOut(BaseModel):
    accepted: int = Field(description="New messages stored; each is assessed in the background.")
    duplicates: int = Field(description="Messages already stored (same external_id), ignored.")
    message_ids: list[str]


class NudgeOut(BaseModel):
    id: str
    community_id: str
    thread_id: str
    thread_title: str
    message_id: str
    your_answer: str
    question: str
    gap: str
    round: int
    status: str
    delivered_at: datetime
    reply: str | None = None


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, description=f"Your answer to the question; at most {MAX_TEXT_CHARS} characters.")


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(
        default=None,
        pattern="^(complete|not_my_area|no_time)$",
        description="My answer was complete / not my area / no time.",
    )


class SnoozeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hours: float | None = Field(default=None, gt=0, le=720)
    until: datetime | None = None


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nudges_per_week: int | None = Field(default=None, ge=0, le=50, description="0 pauses nudges.")
    quiet_hours: str | None = Field(default=None, description='Local hours without nudges, e.g. "20-8"; "" for none.')
    timezone: str | None = Field(default=None, description="IANA time zone, e.g. Europe/Berlin.")
    opted_out: bool | None = None


class MeOut(BaseModel):
    id: str
    handle: str
    display_name: str
    timezone: str
    nudges_per_week: int | None
    quiet_hours: str | None
    opted_out: bool
    communities: dict[str, str] = Field(description="community id -> your role there")


class SourceOut(BaseModel):
    id: str
    author: str
    kind: str
    url: str | None
    excerpt: str


class GuideOut(BaseModel):
    id: str
    community_id: str
    thread_id: str
    status: str
    version: int
    engine: str
    updated_at: datetime
    title: str
    content: dict[str, Any] = Field(description="Sections of cited sentences, and the sources (see GuideDraft).")
    markdown: str


class GuideEditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=300)
    sections: dict[str, list[dict[str, Any]]] = Field(
        description="section -> [{text, citations: [source id, ...]}]; sources cannot be changed by an edit."
    )


class SearchHitOut(BaseModel):
    guide_id: str
    title: str
    community_id: str
    section: str
    text: str
    score: float
    citations: list[SourceOut]


class SearchOut(BaseModel):
    query: str
    results: list[SearchHitOut]


class AssessmentOut(BaseModel):
    message_id: str
    score: float
    is_candidate: bool
    gaps: list[str]
    explanation: str
    outcome: str
