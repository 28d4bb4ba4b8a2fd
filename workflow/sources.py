"""A source changed: the ONE place where a message is edited, deleted or erased, and a thread deleted or retitled.

Invariant: no derived text outlives its source. When a message is edited or deleted (by a steward, by the
platform it came from, or by erasure), its thread's title follows (an opener's words go with the opener), every
guide version that could quote it is purged, the guide leaves the index and is rewritten from what remains (or
withdrawn when nothing does, or when nobody is left to review it), and the audit log says what happened (never the
text). The steward endpoints (workflow/governance.py), the platform connectors (workflow/connectors/events.py) and
erasure call these functions inside their own unit of work; the follow-up jobs are queued once it is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from store.records import MessageRecord, ThreadRecord
from store.repositories.messages import UNTITLED, title_from
from store.uow import UnitOfWork
from workflow.guides import forget_guide
from workflow.job_types import AssessMessage, SynthesizeGuide, defer
from workflow.privacy import screen_thread
from workflow.services import Services


@dataclass(frozen=True)
class Actor:
    """Who changed the source: a person (a steward, an erased person's admin), or a platform (None as actor)."""

    person_id: str | None = None
    platform: str | None = None

    def details(self) -> dict:
        return {"source": self.platform} if self.platform else {}


def edit_message(services: Services, uow: UnitOfWork, message: MessageRecord, text: str, actor: Actor) -> None:
    """Keep the new text (screened again), retitle the thread its opener named, rewrite the guide that quoted it,
    and judge the message again."""
    if message.parent_external_id is None:
        _retitle_from_opener(uow, message, text)
    uow.messages.update(message.id, text=text, edited_at=datetime.now(UTC), screened_at=None)
    community = uow.communities.get(message.community_id)
    screen_thread(services, uow, message.thread_id, community.pii_policy if community else "redact")
    invalidate_thread_guide(services, uow, message.thread_id)
    _audit(uow, "message.edited", message.community_id, "message", message.id, actor)
    uow.after_commit(lambda: reassess(services, message.id))


def delete_message(services: Services, uow: UnitOfWork, message: MessageRecord, actor: Actor | None) -> None:
    """Delete the message (its opener's words leave the thread's title), rewrite or withdraw the guide that quoted
    it. `actor` None: part of erasure, which invalidates the guides itself and is audited as a whole."""
    untitle_if_opener(uow, message)
    uow.messages.delete(message.id)
    if actor is not None:
        invalidate_thread_guide(services, uow, message.thread_id)
        _audit(uow, "message.deleted", message.community_id, "message", message.id, actor)


def delete_thread(services: Services, uow: UnitOfWork, thread: ThreadRecord, actor: Actor) -> None:
    """The whole thread goes (a Discourse topic), with its guide, messages, nudges and replies."""
    guide = uow.guides.for_thread(thread.id)
    if guide is not None:
        services.search.remove_guide(guide.id)
        uow.guides.delete(guide.id)
    uow.messages.delete_thread(thread.id)
    _audit(uow, "thread.deleted", thread.community_id, "thread", thread.id, actor)


def retitle_thread(uow: UnitOfWork, thread: ThreadRecord, title: str) -> None:
    """The platform renamed the thread (a Discourse topic title)."""
    uow.messages.set_title(thread.id, title[:500])


def untitle_if_opener(uow: UnitOfWork, message: MessageRecord) -> None:
    """A thread's title is its opener's words (given or derived): it goes when the opener goes."""
    if message.parent_external_id is None:
        uow.messages.set_title(message.thread_id, UNTITLED)


def _retitle_from_opener(uow: UnitOfWork, opener: MessageRecord, text: str) -> None:
    """A title derived from the opener's first line follows its edit; a title the platform gave is kept."""
    thread = uow.messages.thread(opener.thread_id)
    if thread is not None and thread.title in (title_from(opener.text), UNTITLED):
        uow.messages.set_title(thread.id, title_from(text))


def invalidate_thread_guide(services: Services, uow: UnitOfWork, thread_id: str, gone: str | None = None) -> bool:
    """Purge the thread's guide versions and take it out of the index; once committed, it is rewritten from what
    remains (True). When its reviewer is `gone` (erased), nobody is left to review it: it is withdrawn instead."""
    guide = uow.guides.for_thread(thread_id)
    if guide is None:
        return False
    if gone is None:
        services.search.remove_guide(guide.id)
    else:
        forget_guide(services, uow, guide.id)  # erasure: its words leave the index's files too
    if guide.reviewer_id == gone:
        uow.guides.delete(guide.id)
        return False
    uow.guides.purge_versions(guide.id)
    reviewer_id = guide.reviewer_id
    uow.after_commit(lambda: rewrite(services, thread_id, reviewer_id))
    return True


@dataclass(frozen=True)
class Erased:
    """What erasing a person's contributions removed."""

    messages: int
    replies: int
    nudges: int
    guides_rewritten: int


def erase_contributions(services: Services, uow: UnitOfWork, person_id: str) -> Erased:
    """Delete everything the person said (messages, replies) and every nudge sent to them; the guides that quoted
    them are rewritten from what remains, or withdrawn when they reviewed them."""
    messages, replies = uow.messages.by_author(person_id), uow.nudges.replies_by(person_id)
    threads = {m.thread_id for m in messages} | {thread_id for _, thread_id in replies}
    for reply, _ in replies:
        uow.nudges.delete_reply(reply.id)
    for message in messages:
        delete_message(services, uow, message, actor=None)
    nudges = uow.nudges.delete_of(person_id)
    rewritten = sum(invalidate_thread_guide(services, uow, t, gone=person_id) for t in sorted(threads))
    return Erased(len(messages), len(replies), nudges, rewritten)


def rewrite(services: Services, thread_id: str, reviewer_id: str) -> None:
    """Queue the guide's rewrite from the thread's current sources."""
    defer(services.runner, SynthesizeGuide(thread_id, reviewer_id))


def reassess(services: Services, message_id: str) -> None:
    """An edited message is judged again: the verdict (and what stewards see) follows its current text. A nudge
    already sent stays; the policy never asks twice about one message."""
    defer(services.runner, AssessMessage(message_id))


def _audit(uow: UnitOfWork, action: str, community_id: str, target_type: str, target_id: str, actor: Actor) -> None:
    uow.audit.add(
        actor_id=actor.person_id,
        action=action,
        community_id=community_id,
        target_type=target_type,
        target_id=target_id,
        details=actor.details(),
    )
