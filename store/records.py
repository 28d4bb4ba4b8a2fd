"""Plain records passed between the store and the workflow (no ORM objects leak out of store/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


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
    email: str | None = None
    is_admin: bool = False


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
    delivery_failures: int = 0


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
    published_at: datetime | None = None


@dataclass(frozen=True)
class CommunityRecord:
    id: str
    name: str
    description: str
    terse_threshold: float | None
    visibility: str
    chatham_house: bool
    pii_policy: str


@dataclass(frozen=True)
class CommunitySettingsChange:
    """What a steward may change about a community (None: unchanged)."""

    name: str | None = None
    description: str | None = None
    visibility: str | None = None
    chatham_house: bool | None = None
    pii_policy: str | None = None
    terse_threshold: float | None = None


@dataclass(frozen=True)
class ThreadRecord:
    id: str
    community_id: str
    external_id: str
    title: str
    url: str | None
    tags: list[str]


@dataclass(frozen=True)
class MessageRecord:
    id: str
    community_id: str
    thread_id: str
    external_id: str
    parent_external_id: str | None
    author_id: str
    kind: str
    text: str
    created_at: datetime
    held: bool
    pii_kinds: list[str]
    screened_at: datetime | None
    edited_at: datetime | None


@dataclass(frozen=True)
class ReplyRecord:
    id: str
    nudge_id: str
    person_id: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class AssessmentRecord:
    message_id: str
    score: float
    is_candidate: bool
    gaps: list[str]
    explanation: str
    features: dict
    outcome: str


@dataclass(frozen=True)
class NewNudge:
    """A nudge to write: the question for one gap of one answer, delivered at a time."""

    community_id: str
    message_id: str
    thread_id: str
    person_id: str
    round: int
    gap: str
    question: str
    deliver_at: datetime


@dataclass(frozen=True)
class TokenRecord:
    id: str
    person_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor_id: str | None
    action: str
    community_id: str | None
    target_type: str
    target_id: str
    details: dict


@dataclass(frozen=True)
class SourceRecord:
    """A community's link to a platform channel (or a whole workspace: channel "")."""

    id: str
    community_id: str
    platform: str
    workspace: str
    channel: str
    announce: bool
    nudges: bool


@dataclass(frozen=True)
class IdentityRecord:
    platform: str
    workspace: str
    user_id: str
    person_id: str
    display_name: str
    fetched_at: datetime | None


@dataclass(frozen=True)
class DeliveryRecord:
    nudge_id: str
    platform: str
    workspace: str
    conversation: str
    message_ref: str


@dataclass(frozen=True)
class SkillRecord:
    id: str
    name: str
    label: str
    aliases: list[str]


@dataclass(frozen=True)
class ExpertiseProfileRecord:
    person_id: str
    hidden: bool
    mentoring_capacity: int


@dataclass(frozen=True)
class TandemRecord:
    id: str
    community_id: str
    junior_id: str
    senior_id: str
    goals: list[str]
    status: str
    created_by: str | None
    created_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class TaskRecord:
    id: str
    community_id: str
    title: str
    description: str
    skills: list[str]
    source: str
    ref: str | None
    tandem_id: str | None
    status: str
    created_by: str | None
    created_at: datetime
    done_at: datetime | None


@dataclass(frozen=True)
class TandemEventRecord:
    id: int
    tandem_id: str
    at: datetime
    kind: str
    actor_id: str | None
    details: dict


@dataclass(frozen=True)
class FeedbackRecord:
    guide_id: str
    person_id: str
    helpful: bool
    reason: str | None
    version: int
    created_at: datetime


@dataclass(frozen=True)
class MissedSearchRecord:
    community_id: str
    query: str
    at: datetime


@dataclass(frozen=True)
class GuideFacts:
    """What a reader sees about a guide besides its text: where, who approved it and when, whether it is stale."""

    guide_id: str
    community_name: str
    reviewer_name: str
    published_at: datetime | None
    stale: bool


@dataclass(frozen=True)
class VersionRecord:
    version: int
    engine: str
    created_at: datetime
    created_by: str | None  # display name of the editor; None for a written (synthesized) draft


@dataclass(frozen=True)
class MemberRecord:
    person_id: str
    handle: str
    display_name: str
    role: str
    is_admin: bool


@dataclass(frozen=True)
class MarkedAssessmentRecord:
    """An assessment as the steward console shows it: the message, its author and thread, and any mark."""

    message_id: str
    thread_id: str
    thread_title: str
    author_handle: str
    author_name: str
    text: str
    score: float
    is_candidate: bool
    gaps: tuple[str, ...]
    explanation: str
    outcome: str
    assessed_at: datetime
    should_nudge: bool | None  # the steward's mark, if any


@dataclass(frozen=True)
class AuditEntryRecord:
    """An audit event with its actor's handle."""

    id: int
    at: datetime
    actor_id: str | None
    actor_handle: str | None
    action: str
    community_id: str | None
    target_type: str
    target_id: str
    details: dict


@dataclass(frozen=True)
class FootprintRecord:
    """What a person left behind: the things erasure removes (or anonymization keeps under no name)."""

    person_id: str
    handle: str
    display_name: str
    messages: int
    replies: int
    nudges: int
    tokens: int
    communities: tuple[str, ...]
    guides_drawn_on: tuple[str, ...]  # titles of guides built on their words
    guides_reviewed: tuple[str, ...]  # titles of guides they review (withdrawn when they are erased)


@dataclass(frozen=True)
class PlatformRecord:
    """An LMS registered for LTI 1.3: its issuer, our client id there, its endpoints and keys."""

    id: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    jwks: dict[str, Any]
    jwks_url: str


@dataclass(frozen=True)
class DeploymentRecord:
    """A deployment of Tacit on a platform, bound to the community its launches open."""

    platform_id: str
    deployment_id: str
    community_id: str
    memberships_url: str


@dataclass(frozen=True)
class OutcomeLabelRecord:
    """One outcome of the community that says whether an answer should have been nudged (a label for detection).

    source: "steward_mark" (should / should not have nudged), "reply_in_guide" (the expert's reply to its nudge
    is cited by the thread's guide: yes) or "declined_complete" (the expert said the answer was complete: no).
    """

    message_id: str
    thread_id: str
    terse: bool
    source: str


@dataclass(frozen=True)
class CommunityModelRecord:
    """A community's own terse detector as stored (its JSON is checked again before it is used)."""

    community_id: str
    model: str
    method: str
    labels: int
    label_key: str
    updated_at: datetime
