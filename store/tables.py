"""SQLAlchemy 2 tables: the record. The vector index is derived from these and can always be rebuilt."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, datetime: DateTime(timezone=True)}


class CommunityRow(Base):
    __tablename__ = "communities"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    terse_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    visibility: Mapped[str] = mapped_column(
        String(16), default="restricted", server_default="restricted"
    )  # privacy by default
    chatham_house: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    pii_policy: Mapped[str] = mapped_column(String(16), default="redact", server_default="redact")  # redact|hold
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PersonRow(Base):
    __tablename__ = "people"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    handle: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    nudges_per_week: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quiet_hours: Mapped[str | None] = mapped_column(String(16), nullable=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MembershipRow(Base):
    __tablename__ = "memberships"
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default="member")


class RemovalRow(Base):
    """A person a steward removed from a community: their new messages are kept, but never make them a member
    again (only a steward giving them a role does)."""

    __tablename__ = "removals"
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    removed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ThreadRow(Base):
    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("community_id", "external_id", name="uq_thread_external"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500), default="")
    url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    tags: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageRow(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("community_id", "external_id", name="uq_message_external"),
        Index("ix_messages_thread_created", "thread_id", "created_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    thread_id: Mapped[str] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    parent_external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="reply")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    score: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    reactions: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(nullable=True)
    held: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # awaiting a steward (PII)
    pii_kinds: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    screened_at: Mapped[datetime | None] = mapped_column(nullable=True)  # scanned for personal data and secrets


class AssessmentRow(Base):
    __tablename__ = "assessments"
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    is_candidate: Mapped[bool] = mapped_column(Boolean)
    gaps: Mapped[list[str]] = mapped_column(default=list)
    explanation: Mapped[str] = mapped_column(Text)
    features: Mapped[dict[str, Any]] = mapped_column(default=dict)
    outcome: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NudgeRow(Base):
    __tablename__ = "nudges"
    __table_args__ = (
        UniqueConstraint("message_id", "round", name="uq_nudge_message_round"),
        Index("ix_nudges_person_status", "person_id", "status"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    thread_id: Mapped[str] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    gap: Mapped[str] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|snoozed|answered|declined
    deliver_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Platform delivery (Slack DM, Discourse PM, Teams card) that failed: how often, and when to try again.
    delivery_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    delivery_retry_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Why the expert declined (complete|not_my_area|no_time): a label for detection.
    decline_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ReplyRow(Base):
    __tablename__ = "replies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    nudge_id: Mapped[str] = mapped_column(ForeignKey("nudges.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuideRow(Base):
    __tablename__ = "guides"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[str] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), unique=True)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|published|rejected|stale
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)


class GuideVersionRow(Base):
    __tablename__ = "guide_versions"
    guide_id: Mapped[str] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    content: Mapped[dict[str, Any]] = mapped_column()
    engine: Mapped[str] = mapped_column(String(32))  # offline|llm|edit
    created_by: Mapped[str | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEventRow(Base):
    """Who did what, when: administrative and privacy actions. Never holds personal data, only ids."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


# -- tandems and expertise location (tandem/) ------------------------------------------------------------------


class SkillRow(Base):
    """One entry of the organisation's skill vocabulary; synonyms people typed are kept as aliases."""

    __tablename__ = "skills"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)  # canonical, normalized
    label: Mapped[str] = mapped_column(String(100))
    aliases: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PersonSkillRow(Base):
    """A skill a person says they have, or wants to grow in."""

    __tablename__ = "person_skills"
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[str] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="has")  # has|learning
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EndorsementRow(Base):
    __tablename__ = "endorsements"
    __table_args__ = (UniqueConstraint("endorser_id", "person_id", "skill_id", name="uq_endorsement_once"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    endorser_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[str] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExpertiseProfileRow(Base):
    """A person's own choices about expertise location: hidden from "who knows X?", mentoring capacity."""

    __tablename__ = "expertise_profiles"
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    mentoring_capacity: Mapped[int] = mapped_column(Integer, default=2, server_default="2")  # tandems as senior
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TandemRow(Base):
    __tablename__ = "tandems"
    __table_args__ = (Index("ix_tandems_community_status", "community_id", "status"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    junior_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    senior_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    goals: Mapped[list[str]] = mapped_column(default=list)  # skill names
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|ended
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)


class TaskRow(Base):
    """Work a tandem can take: the community's backlog, or an open question or stale guide once taken."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_community_status", "community_id", "status"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list[str]] = mapped_column(default=list)  # skill names
    source: Mapped[str] = mapped_column(String(16), default="backlog")  # backlog|question|stale_guide
    ref: Mapped[str | None] = mapped_column(String(36), nullable=True)  # thread or guide id
    tandem_id: Mapped[str | None] = mapped_column(ForeignKey("tandems.id", ondelete="SET NULL"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|taken|done
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(nullable=True)


class TandemEventRow(Base):
    """A tandem's progress log: created, task taken or done, question asked, ended."""

    __tablename__ = "tandem_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tandem_id: Mapped[str] = mapped_column(ForeignKey("tandems.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


# -- connectors: Slack, Discourse, Teams (connectors/, workflow/connectors/) --------------------------------------


class CommunitySourceRow(Base):
    """Where a community talks: a Slack channel, a Discourse category (or site), a Teams channel."""

    __tablename__ = "community_sources"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel", name="uq_source_channel"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))  # slack|discourse|teams
    workspace: Mapped[str] = mapped_column(String(200))  # Slack team id, Discourse site URL, Teams tenant id
    channel: Mapped[str] = mapped_column(String(200), default="")  # channel or category id; "" = all of them
    announce: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # published guides
    nudges: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # deliver nudges there
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PersonIdentityRow(Base):
    """A person's account on a platform; the display name is cached from the platform (users.info)."""

    __tablename__ = "person_identities"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(200), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    fetched_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ExternalDeliveryRow(Base):
    """A nudge delivered on a platform (Slack DM, Discourse PM, Teams card), so the reply there finds it."""

    __tablename__ = "external_deliveries"
    __table_args__ = (Index("ix_external_deliveries_conversation", "platform", "conversation"),)
    nudge_id: Mapped[str] = mapped_column(ForeignKey("nudges.id", ondelete="CASCADE"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(200), default="")
    conversation: Mapped[str] = mapped_column(String(200))  # DM channel, PM topic id, or a Teams reply code
    message_ref: Mapped[str] = mapped_column(String(200), default="")  # Slack ts, Discourse post id
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedEventRow(Base):
    """A platform event accepted once (deduplicated on its key); its payload is cleared once handled."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("source", "dedupe_key", name="uq_processed_event"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    dedupe_key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|done|ignored
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(nullable=True)


# -- pages (web/): sign-in sessions, one-time links, feedback on guides, searches that found nothing -----------------


class WebSessionRow(Base):
    """A signed-in browser; only the hash of its cookie is stored, so a stolen database cannot sign anyone in."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's token
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    via: Mapped[str] = mapped_column(String(16))  # token|link|oidc
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class SignInLinkRow(Base):
    """A one-time sign-in link (`tacit login-link HANDLE`): the hash of its token, used once, then dead."""

    __tablename__ = "sign_in_links"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)


class GuideFeedbackRow(Base):
    """ "Was this helpful?" from a reader; one per reader and guide (the latest answer wins)."""

    __tablename__ = "guide_feedback"
    __table_args__ = (UniqueConstraint("guide_id", "person_id", name="uq_feedback_guide_person"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    guide_id: Mapped[str] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    helpful: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)  # outdated|wrong|not_what_i_asked
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MissedSearchRow(Base):
    """A search that found nothing, per community searched: the knowledge stewards are missing."""

    __tablename__ = "missed_searches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), nullable=True)
    query: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AssessmentMarkRow(Base):
    """A steward's verdict on an assessment, "should have" or "should not have nudged": a label for detection."""

    __tablename__ = "assessment_marks"
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    should_nudge: Mapped[bool] = mapped_column(Boolean)
    marked_by: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), nullable=True)
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommunityModelRow(Base):
    """A community's own terse detector, adapted from its outcome labels (elicitor/community_model.py): the model
    as JSON, how it was made (recalibrated | refitted), how many labels it used and a fingerprint of those labels,
    so the job knows when there are new ones."""

    __tablename__ = "community_models"
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(16))
    labels: Mapped[int] = mapped_column(Integer)
    label_key: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
