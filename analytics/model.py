"""The records analytics reads (what the store hands over) and the settings a steward tunes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import cached_property


class Kind(StrEnum):
    """How knowledge reached someone; tangible kinds leave an artefact others can reuse."""

    GUIDE = "guide"  # a guide the receiver read, drawn on the giver's messages
    ACCEPTED_ANSWER = "accepted_answer"
    VALIDATED_ANSWER = "validated_answer"  # voted up (score > 0) though not accepted
    ADVICE = "advice"  # any other reply to the receiver
    ENDORSEMENT = "endorsement"  # the receiver vouched for the giver's skill: it reached them
    TANDEM = "tandem"  # a tandem session: the senior's knowledge reached the junior


TANGIBLE = frozenset({Kind.GUIDE, Kind.ACCEPTED_ANSWER, Kind.VALIDATED_ANSWER})
NO_HOME = "(none)"  # the group of someone whose groups are not known


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    groups: tuple[str, ...] = ()  # team or community; the first is the person's home group
    is_bot: bool = False

    @property
    def home(self) -> str:
        return self.groups[0] if self.groups else NO_HOME


@dataclass(frozen=True)
class Exchange:
    """Knowledge of `giver` reaching `receiver`."""

    giver: str
    receiver: str
    kind: Kind
    community: str
    at: datetime
    topic: str | None = None
    helpful: bool | None = None  # feedback on a guide read, when given


@dataclass(frozen=True)
class Post:
    """A message: a question opens a thread; replies have a parent."""

    id: str
    thread_id: str
    author: str
    at: datetime
    parent_id: str | None = None
    accepted: bool = False
    score: int = 0
    topics: tuple[str, ...] = ()
    deleted: bool = False
    held: bool = False


@dataclass(frozen=True)
class Nudge:
    id: str
    person: str
    thread_id: str
    message_id: str
    status: str  # open|snoozed|answered|declined
    created_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Detection:
    """An answer the detector found terse (a candidate for a nudge), at the answer's time."""

    message_id: str
    at: datetime


@dataclass(frozen=True)
class Guide:
    id: str
    thread_id: str
    status: str  # draft|published|rejected|stale
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None
    reviewer: str = ""
    contributors: tuple[str, ...] = ()  # whose messages the guide draws on
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Read:
    guide_id: str
    person: str
    at: datetime
    helpful: bool | None = None


@dataclass(frozen=True)
class Endorsement:
    endorser: str
    person: str
    skill: str
    at: datetime


@dataclass(frozen=True)
class Tandem:
    id: str
    junior: str
    senior: str
    created_at: datetime
    goals: tuple[str, ...] = ()


@dataclass(frozen=True)
class TandemSession:
    tandem_id: str
    at: datetime
    kind: str = "session"


@dataclass(frozen=True)
class Search:
    person: str
    at: datetime
    results: int


@dataclass(frozen=True)
class Records:
    """Everything stored about one community up to `now`; figures of a period look at [start, end)."""

    community: str
    start: datetime
    end: datetime
    now: datetime
    people: tuple[Person, ...] = ()
    posts: tuple[Post, ...] = ()
    nudges: tuple[Nudge, ...] = ()
    detections: tuple[Detection, ...] = ()  # answers the detector found terse
    guides: tuple[Guide, ...] = ()
    reads: tuple[Read, ...] = ()
    endorsements: tuple[Endorsement, ...] = ()
    tandems: tuple[Tandem, ...] = ()
    sessions: tuple[TandemSession, ...] = ()
    searches: tuple[Search, ...] = ()

    def in_period(self, at: datetime) -> bool:
        return self.start <= at < self.end

    # Views of the posts several figures walk; computed once per Records (a frozen dataclass keeps them).
    @cached_property
    def visible_posts(self) -> tuple[Post, ...]:
        """Posts that count: not deleted, not held for a steward, not written by a bot."""
        bots = {p.id for p in self.people if p.is_bot}
        return tuple(p for p in self.posts if not p.deleted and not p.held and p.author not in bots)

    @cached_property
    def visible_by_id(self) -> dict[str, Post]:
        return {p.id: p for p in self.visible_posts}

    @cached_property
    def openers(self) -> dict[str, Post]:
        """Each thread's question: its visible post without a parent."""
        return {p.thread_id: p for p in self.visible_posts if p.parent_id is None}

    def before(self, start: datetime) -> Records:
        """The period [start, self.start) as it stood at its end: what the trend compares with."""
        cut = self.start
        return replace(
            self,
            start=start,
            end=cut,
            now=cut,
            posts=tuple(p for p in self.posts if p.at < cut),
            nudges=tuple(n for n in self.nudges if n.created_at < cut),
            detections=tuple(d for d in self.detections if d.at < cut),
            guides=tuple(g for g in self.guides if g.created_at < cut),
            reads=tuple(r for r in self.reads if r.at < cut),
            endorsements=tuple(e for e in self.endorsements if e.at < cut),
            tandems=tuple(t for t in self.tandems if t.created_at < cut),
            sessions=tuple(s for s in self.sessions if s.at < cut),
            searches=tuple(s for s in self.searches if s.at < cut),
        )


DEFAULT_MINUTES = {
    Kind.GUIDE: 15.0,
    Kind.ACCEPTED_ANSWER: 30.0,
    Kind.VALIDATED_ANSWER: 20.0,
    Kind.ADVICE: 10.0,
    Kind.ENDORSEMENT: 5.0,
    Kind.TANDEM: 30.0,
}


@dataclass(frozen=True)
class ValueSettings:
    """What an exchange is worth and the thresholds figures use; one per community, with these defaults."""

    minutes: dict[Kind, float] = field(default_factory=lambda: dict(DEFAULT_MINUTES))
    hourly_rate: float = 60.0  # currency units per hour saved
    helpful_factor: float = 1.5  # a guide read marked helpful saved this much more; unhelpful: its inverse
    cost_per_day: float = 200.0  # the cost of a day a newcomer is not yet proficient
    answer_target_hours: float = 48.0  # questions unanswered past this count as waiting
    nudge_target_days: float = 7.0  # open nudges older than this count as waiting
    stale_after_days: float = 180.0  # a published guide untouched this long is not fresh
    absorption_threshold: float = 0.8
    demand_days: float = 90.0
    targets: dict[str, float] = field(default_factory=dict)

    def minutes_for(self, exchange: Exchange) -> float:
        base = self.minutes.get(exchange.kind, 0.0)
        if exchange.helpful is True:
            return base * self.helpful_factor
        if exchange.helpful is False:
            return base / self.helpful_factor
        return base
