"""The jobs of the loop, typed: one name (an enum) and one payload dataclass per job.

Payloads hold strings only, so they stay JSON-serializable for a queue engine (procrastinate stores them as JSON)
and jobs queued before a deploy keep working. workflow/registry.py maps each job to its handler, in one place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import ClassVar, Protocol, TypeVar

from workflow.jobs import JobRunner


class Job(StrEnum):
    ASSESS_MESSAGE = "assess_message"
    ASSESS_MESSAGES = "assess_messages"
    HANDLE_REPLY = "handle_reply"
    SYNTHESIZE_GUIDE = "synthesize_guide"
    INDEX_GUIDE = "index_guide"
    COMPACT_INDEX = "compact_index"
    HANDLE_PLATFORM_EVENT = "handle_platform_event"
    DELIVER_NUDGE = "deliver_nudge"
    DELIVER_DUE_NUDGES = "deliver_due_nudges"
    ANNOUNCE_GUIDE = "announce_guide"
    NOTIFY_REVIEW = "notify_review"
    SLACK_COMMAND = "slack_command"
    SLACK_INTERACTION = "slack_interaction"
    SLACK_HOME = "slack_home"
    SLACK_DM = "slack_dm"
    XAPI_SEND = "xapi_send"
    RECALIBRATE_DETECTOR = "recalibrate_detector"


class Payload(Protocol):
    job: ClassVar[Job]

    def job_key(self) -> str: ...


@dataclass(frozen=True)
class AssessMessage:
    job: ClassVar[Job] = Job.ASSESS_MESSAGE
    message_id: str

    def job_key(self) -> str:
        return self.message_id


@dataclass(frozen=True)
class AssessMessages:
    """A batch of new or left-over messages assessed in one job (an ingested batch, a page of a recovery sweep);
    those assessed meanwhile are skipped. Judging one message again (it changed) is AssessMessage's."""

    job: ClassVar[Job] = Job.ASSESS_MESSAGES
    message_ids: str  # space-separated: payload fields are strings

    @classmethod
    def of(cls, message_ids: Sequence[str]) -> AssessMessages:
        return cls(" ".join(message_ids))

    def ids(self) -> list[str]:
        return self.message_ids.split()

    def job_key(self) -> str:
        # The same batch queued twice (a sweep that runs again before it was taken) waits once.
        return "batch:" + hashlib.sha256(self.message_ids.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class HandleReply:
    job: ClassVar[Job] = Job.HANDLE_REPLY
    nudge_id: str

    def job_key(self) -> str:
        return self.nudge_id


@dataclass(frozen=True)
class SynthesizeGuide:
    job: ClassVar[Job] = Job.SYNTHESIZE_GUIDE
    thread_id: str
    reviewer_id: str

    def job_key(self) -> str:
        return self.thread_id


@dataclass(frozen=True)
class IndexGuide:
    job: ClassVar[Job] = Job.INDEX_GUIDE
    guide_id: str

    def job_key(self) -> str:
        return self.guide_id


@dataclass(frozen=True)
class CompactIndex:
    """Rewrite the vector index without deleted points' bytes (queued after an erasure)."""

    job: ClassVar[Job] = Job.COMPACT_INDEX

    def job_key(self) -> str:
        return "vectors"  # one index: erasures queued while one waits share it


@dataclass(frozen=True)
class HandlePlatformEvent:
    job: ClassVar[Job] = Job.HANDLE_PLATFORM_EVENT
    source: str
    key: str  # the event's dedupe key on its platform
    kind: str
    payload: str  # the event's JSON

    def job_key(self) -> str:
        return f"{self.source}:{self.key}"


@dataclass(frozen=True)
class DeliverNudge:
    job: ClassVar[Job] = Job.DELIVER_NUDGE
    nudge_id: str

    def job_key(self) -> str:
        return self.nudge_id


@dataclass(frozen=True)
class DeliverDueNudges:
    job: ClassVar[Job] = Job.DELIVER_DUE_NUDGES

    def job_key(self) -> str:
        return "periodic"


@dataclass(frozen=True)
class AnnounceGuide:
    job: ClassVar[Job] = Job.ANNOUNCE_GUIDE
    guide_id: str

    def job_key(self) -> str:
        return self.guide_id


@dataclass(frozen=True)
class NotifyReview:
    job: ClassVar[Job] = Job.NOTIFY_REVIEW
    guide_id: str
    version: str  # the draft's version number, as a string like every payload field

    def job_key(self) -> str:
        return f"{self.guide_id}:v{self.version}"


@dataclass(frozen=True)
class SlackCommand:
    job: ClassVar[Job] = Job.SLACK_COMMAND
    team: str
    user: str
    text: str
    response_url: str
    trigger_id: str = ""

    def job_key(self) -> str:
        return f"{self.team}:{self.user}:{self.trigger_id}"


@dataclass(frozen=True)
class SlackInteraction:
    job: ClassVar[Job] = Job.SLACK_INTERACTION
    key: str  # clicks on one guide share a key, so they run one after the other
    interaction: str  # the click's JSON (connectors.slack.payloads.Interaction)

    def job_key(self) -> str:
        return self.key


@dataclass(frozen=True)
class SlackHome:
    job: ClassVar[Job] = Job.SLACK_HOME
    team: str
    user: str

    def job_key(self) -> str:
        return f"{self.team}:{self.user}"


@dataclass(frozen=True)
class SlackDm:
    job: ClassVar[Job] = Job.SLACK_DM
    team: str
    user: str
    text: str
    url: str
    trigger_id: str = ""

    def job_key(self) -> str:
        return f"{self.user}:{self.trigger_id}"


@dataclass(frozen=True)
class XapiSend:
    job: ClassVar[Job] = Job.XAPI_SEND
    community_id: str = ""  # empty: every community (the periodic run)

    def job_key(self) -> str:
        return self.community_id or "periodic"


@dataclass(frozen=True)
class RecalibrateDetector:
    """A community has new outcome labels: adapt its own terse detector (workflow/outcomes.py)."""

    job: ClassVar[Job] = Job.RECALIBRATE_DETECTOR
    community_id: str

    def job_key(self) -> str:
        return self.community_id


PAYLOADS: dict[Job, type] = {
    p.job: p
    for p in (
        AssessMessage,
        AssessMessages,
        HandleReply,
        SynthesizeGuide,
        IndexGuide,
        CompactIndex,
        HandlePlatformEvent,
        DeliverNudge,
        DeliverDueNudges,
        AnnounceGuide,
        NotifyReview,
        SlackCommand,
        SlackInteraction,
        SlackHome,
        SlackDm,
        XapiSend,
        RecalibrateDetector,
    )
}
P = TypeVar("P")


def as_dict(payload: Payload) -> dict[str, str]:
    """The payload as the runner stores it (JSON-serializable strings)."""
    return asdict(payload)  # type: ignore[call-overload]


def from_dict(cls: type[P], data: dict[str, str]) -> P:
    """The typed payload of a stored one; unknown keys (from an older or newer version) are ignored."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


def defer(runner: JobRunner, payload: Payload) -> None:
    """Queue a job by its typed payload, keyed by what it works on."""
    runner.enqueue(payload.job.value, payload.job_key(), as_dict(payload))


ASSESS_BATCH = 100  # messages per assessment job: reads and commits shared by 100, and two workers still share work


def defer_assessments(runner: JobRunner, message_ids: Sequence[str]) -> None:
    """Queue the assessment of these messages, in jobs of up to ASSESS_BATCH (one message: its own job)."""
    if len(message_ids) == 1:
        defer(runner, AssessMessage(message_ids[0]))
        return
    for start in range(0, len(message_ids), ASSESS_BATCH):
        defer(runner, AssessMessages.of(message_ids[start : start + ASSESS_BATCH]))
