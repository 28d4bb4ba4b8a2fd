"""Personal data and secrets: every message, reply and guide is screened before synthesis and indexing.

A community's policy decides what happens to a message with findings: `redact` replaces each span with a
placeholder such as [EMAIL] or [SECRET]; `hold` keeps it out of every assessment, prompt and guide until a
steward releases it (redacted, or as written) or deletes it. Replies and guides are always redacted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from privacy.model import Finding
from privacy.redact import redact
from store.repository import GovernanceRepository, Repository
from store.tables import MessageRow, ThreadRow, utcnow
from synthesizer.model import GuideDraft
from workflow.access import require_steward, viewer_of
from workflow.errors import Conflict, NotFound
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


def screen_thread(services: Services, repo: Repository, thread_id: str, policy: str) -> None:
    """Screen every message of the thread not screened yet, so no unscreened text reaches a job's output.

    The thread's title is redacted whatever the policy: it is shown everywhere the guide is.
    """
    unscreened = repo.unscreened_messages(thread_id)
    if unscreened:
        thread = repo.s.get(ThreadRow, thread_id)
        if thread is not None:
            thread.title = screen_text(services, thread.title).text
    for row in unscreened:
        findings = services.scanner.scan(row.text) if services.scanner else []
        row.screened_at = utcnow()
        if not findings:
            continue
        row.pii_kinds = sorted({f.kind for f in findings})
        if policy == "hold":
            row.held = True
        else:
            row.text = redact(row.text, findings)
        log.info("screened message=%s kinds=%s policy=%s", row.id, ",".join(row.pii_kinds), policy)
    repo.s.flush()


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
    with services.db.session() as session:
        repo = GovernanceRepository(session)
        require_steward(repo, viewer_of(repo, actor_id), community_id)
        return [
            HeldMessage(m.id, m.external_id, m.thread_id, m.text, tuple(m.pii_kinds))
            for m in repo.held_messages(community_id)
        ]


def release(services: Services, *, actor_id: str, community_id: str, message_id: str, redacted: bool) -> None:
    """Release a held message (redacted by default) so it is assessed like any other."""
    with services.db.session() as session:
        repo = GovernanceRepository(session)
        require_steward(repo, viewer_of(repo, actor_id), community_id)
        row = session.get(MessageRow, message_id)
        if row is None or row.community_id != community_id:
            raise NotFound(f"no message {message_id!r} in community {community_id!r}")
        if not row.held:
            raise Conflict("this message is not held")
        if redacted and services.scanner is not None:
            row.text = redact(row.text, services.scanner.scan(row.text))
        row.held = False
        repo.add_audit(
            actor_id=actor_id,
            action="message.released",
            community_id=community_id,
            target_type="message",
            target_id=message_id,
            details={"redacted": redacted},
        )
    services.runner.enqueue("assess_message", message_id, {"message_id": message_id})
