"""Personal data and secrets: every message, reply and guide is screened before synthesis and indexing.

A community's policy decides what happens to a message with findings: `redact` replaces each span with a
placeholder such as [EMAIL] or [SECRET]; `hold` keeps it out of every assessment, prompt and guide until a
steward releases it (redacted, or as written) or deletes it. Replies and guides are always redacted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from privacy.model import Finding
from privacy.redact import redact
from store.records import MessageRecord
from store.uow import UnitOfWork
from synthesizer.model import GuideDraft
from workflow.access import require_steward, viewer_of
from workflow.errors import Conflict, NotFound
from workflow.job_types import AssessMessage, defer
from workflow.services import Services

log = logging.getLogger("tacit.privacy")


@dataclass(frozen=True)
class Screened:
    text: str
    kinds: tuple[str, ...]


def screen_text(services: Services, text: str) -> Screened:
    """The text with personal data and secrets redacted, and the kinds found (no scanner: unchanged)."""
    findings: list[Finding] = services.scanner.scan(text) if services.scanner else []
    if not findings:
        return Screened(text, ())
    return Screened(redact(text, findings), tuple(sorted({f.kind for f in findings})))


def screen_thread(services: Services, uow: UnitOfWork, thread_id: str, policy: str) -> None:
    """Screen every message of the thread not screened yet, so no unscreened text reaches a job's output."""
    screen_threads(services, uow, {thread_id: policy})


def screen_threads(services: Services, uow: UnitOfWork, policies: Mapping[str, str]) -> None:
    """Screen every message of these threads not screened yet ({thread id: its community's policy}), with one read
    and one write for them all.

    A thread's title is redacted whatever the policy: it is shown everywhere the guide is.
    """
    unscreened = uow.messages.unscreened_in(policies)
    if not unscreened:
        return
    threads = uow.messages.threads_by_ids({m.thread_id for m in unscreened})
    titles = {tid: screen_text(services, t.title).text for tid, t in threads.items()}
    uow.messages.set_titles({tid: title for tid, title in titles.items() if title != threads[tid].title})
    now = services.clock()  # one instant for the batch: the messages with nothing found take one UPDATE
    uow.messages.update_many({m.id: _screened(services, m, policies[m.thread_id], now) for m in unscreened})


def _screened(services: Services, message: MessageRecord, policy: str, now: datetime) -> dict[str, object]:
    """What screening one message changes: when it was screened and, with findings, its text or its hold."""
    findings = services.scanner.scan(message.text) if services.scanner else []
    if not findings:
        return {"screened_at": now}
    kinds = sorted({f.kind for f in findings})
    log.info("screened message=%s kinds=%s policy=%s", message.id, ",".join(kinds), policy)
    if policy == "hold":
        return {"screened_at": now, "pii_kinds": kinds, "held": True}
    return {"screened_at": now, "pii_kinds": kinds, "text": redact(message.text, findings)}


def screen_guide(services: Services, draft: GuideDraft) -> GuideDraft:
    """The guide with personal data and secrets redacted in every sentence and source."""
    if services.scanner is None:
        return draft
    sections = {
        section: [s.model_copy(update={"text": screen_text(services, s.text).text}) for s in sentences]
        for section, sentences in draft.sections.items()
    }
    sources = [s.model_copy(update={"text": screen_text(services, s.text).text}) for s in draft.sources]
    title = screen_text(services, draft.title).text
    return draft.model_copy(update={"title": title, "sections": sections, "sources": sources})


@dataclass(frozen=True)
class HeldMessage:
    message_id: str
    external_id: str
    thread_id: str
    text: str
    kinds: tuple[str, ...]


def held_messages(services: Services, *, actor_id: str, community_id: str) -> list[HeldMessage]:
    """Messages held for review (stewards only; they see the text so they can decide)."""
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, actor_id), community_id)
        return [
            HeldMessage(m.id, m.external_id, m.thread_id, m.text, tuple(m.pii_kinds))
            for m in uow.messages.held(community_id)
        ]


def release(services: Services, *, actor_id: str, community_id: str, message_id: str, redacted: bool) -> None:
    """Release a held message (redacted by default) so it is assessed like any other."""
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, actor_id), community_id)
        message = uow.messages.get(message_id)
        if message is None or message.community_id != community_id:
            raise NotFound(f"no message {message_id!r} in community {community_id!r}")
        if not message.held:
            raise Conflict("this message is not held")
        text = message.text
        if redacted and services.scanner is not None:
            text = redact(text, services.scanner.scan(text))
        uow.messages.update(message_id, text=text, held=False)
        uow.audit.add(
            actor_id=actor_id,
            action="message.released",
            community_id=community_id,
            target_type="message",
            target_id=message_id,
            details={"redacted": redacted},
        )
    defer(services.runner, AssessMessage(message_id))
