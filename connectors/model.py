"""What a platform event means to Tacit, and what Tacit sends back: plain records, no web framework, no SDK."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

PLATFORMS = ("slack", "discourse", "teams")


@dataclass(frozen=True)
class Where:
    """A place on a platform: a Slack team and channel, a Discourse site and category, a Teams tenant and channel."""

    platform: str
    workspace: str
    channel: str


@dataclass(frozen=True)
class Author:
    user_id: str
    name: str | None = None  # the platform's display name when the payload carries it


@dataclass(frozen=True)
class Posted:
    """A new message in a community channel or forum category."""

    where: Where
    external_id: str
    thread: str
    author: Author
    text: str
    created_at: datetime
    parent: str | None = None
    thread_title: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Edited:
    where: Where
    external_id: str
    text: str


@dataclass(frozen=True)
class Deleted:
    where: Where
    external_id: str


@dataclass(frozen=True)
class ThreadRetitled:
    where: Where
    thread: str
    title: str


@dataclass(frozen=True)
class ThreadDeleted:
    where: Where
    thread: str


@dataclass(frozen=True)
class Reacted:
    """Someone put a reaction on a message (Slack); the community's chosen one asks for a guide."""

    where: Where
    external_id: str
    user_id: str
    reaction: str


@dataclass(frozen=True)
class PrivateReply:
    """A message in a private conversation with Tacit: a DM (Slack), a PM (Discourse), an answer code (Teams)."""

    platform: str
    workspace: str
    conversation: str
    in_reply_to: str | None  # the message it answers in that conversation (Slack thread_ts), when known
    author: Author
    text: str


Event = Posted | Edited | Deleted | ThreadRetitled | ThreadDeleted | Reacted | PrivateReply


@dataclass(frozen=True)
class Profile:
    display_name: str
    email: str | None = None


@dataclass(frozen=True)
class NudgeNote:
    """A nudge as it goes out: the question, what it is about, and a short code to answer it by (Teams)."""

    question: str
    thread_title: str
    answer_excerpt: str
    reply_code: str
    user_name: str
    nudge_id: str = ""
    url: str = ""  # the nudge's page in Tacit (/inbox/{nudge_id})


@dataclass(frozen=True)
class GuideNote:
    title: str
    summary: str
    url: str = ""  # the guide's page in Tacit (/guides/{guide_id})


@dataclass(frozen=True)
class ReviewNote:
    """A draft guide waiting for its reviewer: where to review it, and (Slack) its content to review in place."""

    guide_id: str
    version: int
    title: str
    user_name: str
    url: str  # the review page (/guides/{guide_id}/review)
    content: dict = field(default_factory=dict)  # the draft (GuideDraft JSON), for platforms that show it


@dataclass(frozen=True)
class Sent:
    """Where a nudge landed, so the reply there can be matched to it."""

    conversation: str
    message_ref: str = ""


class Channel(Protocol):
    """A platform Tacit talks back to: delivers nudges privately, announces guides, names users."""

    platform: str

    def profile(self, workspace: str, user_id: str) -> Profile | None: ...

    def send_nudge(self, workspace: str, user_id: str, note: NudgeNote) -> Sent: ...

    def acknowledge(self, workspace: str, sent: Sent, text: str) -> None: ...

    def announce(self, where: Where, note: GuideNote) -> None: ...

    def send_review(self, workspace: str, user_id: str, note: ReviewNote) -> Sent: ...


def nudge_text(note: NudgeNote) -> str:
    """The plain text of a nudge, shared by the platforms (each wraps it in its own markup)."""
    excerpt = note.answer_excerpt if len(note.answer_excerpt) <= 200 else note.answer_excerpt[:199] + "…"
    return (
        f"Hi {note.user_name}, about your answer in “{note.thread_title}”:\n> {excerpt}\n\n{note.question}\n\n"
        "Reply here and Tacit drafts a guide from the thread and your answer, for you to review. "
        "(Nudges are private; change your limits or opt out in Tacit.)"
        + (f"\n\nAnswer, decline or snooze it in Tacit: {note.url}" if note.url else "")
    )


def guide_text(note: GuideNote) -> str:
    return (f"New guide: {note.title}\n{note.summary}" + (f"\n{note.url}" if note.url else "")).strip()


def review_text(note: ReviewNote) -> str:
    """The plain text of a review request, shared by the platforms."""
    return (
        f"Hi {note.user_name}, a draft guide from your answer is ready for your review: “{note.title}”.\n"
        f"Read, edit, approve or reject it in Tacit: {note.url}\nNobody else sees it until you approve it."
    )
