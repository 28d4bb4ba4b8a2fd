"""What the workflow needs, built once by the composition root (api/bootstrap.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from analytics.xapi import Vocabulary
from connectors.model import Channel
from elicitor.ports import Detector, FollowUpWriter
from privacy.model import Scanner
from retrieval.search import GuideSearch
from store.db import Database
from store.uow import SqlUnitOfWork, UnitOfWork
from synthesizer.ports import GuideWriter
from workflow.jobs import JobRunner


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class NudgeDefaults:
    """Community-wide defaults; each expert may override them."""

    per_week: int = 3
    quiet_hours: str = "20-8"
    max_age_days: int = 30  # older answers are assessed but not nudged: an archive import must not spam experts


class StatementSink(Protocol):
    """Where xAPI statements go (connectors/xapi/client.py's LrsClient; a list in tests)."""

    def post(self, statements: Sequence[dict[str, Any]]) -> None: ...


@dataclass(frozen=True)
class XapiOut:
    """The configured LRS, the statements' vocabulary and the batch size: what the xapi_send job needs."""

    sink: StatementSink
    words: Vocabulary
    batch_size: int = 100


@dataclass
class Services:
    db: Database | None  # None with a fake unit of work (unit tests)
    detector: Detector
    followups: FollowUpWriter
    guides: GuideWriter
    search: GuideSearch
    runner: JobRunner
    nudge_defaults: NudgeDefaults = field(default_factory=NudgeDefaults)
    terse_threshold: float = 0.55
    # Outcome labels a community needs before its cold start ends (workflow/outcomes.py).
    cold_start_labels: int = 50
    engine_name: str = "offline"
    max_message_chars: int = 20_000
    max_batch_messages: int = 1000
    scanner: Scanner | None = None  # personal data and secrets; None turns screening off
    clock: Callable[[], datetime] = utc_now
    channels: tuple[Channel, ...] = ()  # Slack, Discourse, Teams: where nudges and announcements also go
    guide_reaction: str = "bookmark"  # the Slack reaction on a thread that asks for a guide from it
    public_url: str = "http://127.0.0.1:8000"  # the base of links to Tacit's pages in chat
    unit_of_work: Callable[[], UnitOfWork] | None = None  # a fake's factory in unit tests; else SQL on `db`
    xapi: XapiOut | None = None  # an LRS to send xAPI statements to; None: the xapi_send job does nothing
    # Per community: when its latest assessed scores were read, and them (the cold-start cut; workflow/outcomes.py).
    recent_scores: dict[str, tuple[float, list[tuple[float, dict]]]] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        """A new unit of work: `with services.uow() as uow:` commits on success, rolls back on error."""
        if self.unit_of_work is not None:
            return self.unit_of_work()
        if self.db is None:
            raise RuntimeError("Services has neither a database nor a unit of work factory")
        return SqlUnitOfWork(self.db)
