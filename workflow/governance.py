"""Governance: communities and members, tokens, source edits and deletions, erasure, and the audit log.

Invariant: no derived text outlives its source. When a message is edited or deleted, or a person is erased,
every guide version that could quote it is purged, the guide leaves the index, and it is rewritten from what
remains (or withdrawn when nothing does, or when nobody is left to review it).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from elicitor import cues
from elicitor.model import Role
from store.repository import GovernanceRepository
from store.tables import (
    ApiTokenRow,
    EndorsementRow,
    ExpertiseProfileRow,
    MembershipRow,
    MessageRow,
    NudgeRow,
    PersonIdentityRow,
    PersonRow,
    PersonSkillRow,
    ThreadRow,
    utcnow,
)
from store.web_repository import WebRepository
from workflow.access import VISIBILITIES, require_admin, require_appointer, require_steward, viewer_of
from workflow.errors import Forbidden, InvalidInput, NotFound
from workflow.privacy import screen_thread
from workflow.services import Services

log = logging.getLogger("tacit.governance")


@dataclass(frozen=True)
class CommunitySettings:
    name: str | None = None
    description: str | None = None
    visibility: str | None = None
    chatham_house: bool | None = None
    pii_policy: str | None = None
    terse_threshold: float | None = None


def _check(settings: CommunitySettings) -> None:
    if settings.visibility is not None and settings.visibility not in VISIBILITIES:
        raise InvalidInput(f"visibility must be one of {', '.join(VISIBILITIES)}")
    if settings.pii_policy is not None and settings.pii_policy not in ("redact", "hold"):
        raise InvalidInput("pii_policy must be 'redact' (redact before storing) or 'hold' (a steward reviews)")
    if settings.terse_threshold is not None and not 0 <= settings.terse_threshold <= 1:
        raise InvalidInput("terse_threshold must be between 0 and 1")


def create_community(services: Services, *, actor_id: str, community_id: str, settings: CommunitySettings) -> None:
    """A new community (admins only); its creator's steward is named separately."""
    _check(settings)
    with services.db.session() as session:
        repo = GovernanceRepository(session)
        require_admin(viewer_of(repo, actor_id))
        if repo.get_community(community_id) is not None:
            raise InvalidInput(f"community {community_id!r} already exists")
        repo.upsert_community(community_id, settings.name or community_id, settings.description or "")
        _apply(repo, community_id, settings)
        repo.add_audit(
            actor_id=actor_id,
            action="community.created",
            community_id=community_id,
            target_type="community",
            target_id=community_id,
            details=_changed(settings),
        )


def update_community(services: Services, *, actor_id: str, community_id: str, settings: CommunitySettings) -> None:
    _check(settings)
    with services.db.session() as session:
        repo = GovernanceRepository(session)
        require_steward(repo, viewer_of(repo, actor_id), community_id)
        _apply(repo, community_id, settings)
        repo.add_audit(
            actor_id=actor_id,
            action="community.updated",
            community_id=community_id,
            target_type="community",
            target_id=community_id,
            details=_changed(settings),
        )


def _apply(repo: GovernanceRepository, community_id: str, settings: CommunitySettings) -> None:
    community = repo.get_community(community_id)
    assert community is not None
    for name, value in _changed(settings).items():
        setattr(community, name, value)
    repo.s.flush()


def _changed(settings: CommunitySettings) -> dict:
    return {k: v for k, v in settings.__dict__.items() if v is not None}


def set_member(services: Services, *, actor_id: str, community_id: str, handle: str, role: Role | None) -> None:
    """Give a person a role in the community, or remove them (role None)."""
    with services.db.session() as session:
        repo = GovernanceRepository(session)
        person = repo.person_by_handle(handle)
        if person is None:
            raise NotFound(f"no person with handle {handle!r}")
        require_appointer(repo, viewer_of(repo, actor_id), community_id, person.id)
        if role is None:
            membership = session.get(MembershipRow, (community_id, person.id))
            if membership is not None:
                session.delete(membership)
        else:
            repo.set_role(community_id, person.id, role)
        repo.add_audit(
            actor_id=actor_id,
            action="member.removed" if role is None else "member.role_set",
            community_id=community_id,
            target_type="person",
            target_id=person.id,
            details={"role": role.value} if role else {},
        )


# -- tokens ---------------------------------------------------------------------------------------------------


def list_tokens(services: Services, *, person_id: str) -> list[ApiTokenRow]:
    with services.db.session() as session:
        return GovernanceRepository(session).tokens_of(person_id)


def create_token(services: Services, *, person_id: str, name: str) -> tuple[str, str]:
    """A new token for oneself: (token id, plaintext shown once)."""
    with services.db.session() as session:
        repo = GovernanceRepository(session)
        token = repo.create_token(person_id, name)
        token_id = repo.tokens_of(person_id)[-1].id
        repo.add_audit(actor_id=person_id, action="token.created", target_type="token", target_id=token_id)
    return token_id, token


def revoke_token(services: Services, *, actor_id: str, token_id: str) -> None:
    with services.db.session() as session:
        repo = GovernanceRepository(session)
        token = session.get(ApiTokenRow, token_id)
        if token is None:
            raise NotFound(f"token {token_id!r} does not exist")
        if token.person_id != actor_id:
            require_admin(viewer_of(repo, actor_id))
        token.revoked_at = token.revoked_at or utcnow()
        repo.add_audit(actor_id=actor_id, action="token.revoked", target_type="token", target_id=token_id)


# -- sources change: edits and deletions -------------------------------------------------------------------------


def edit_message(services: Services, *, actor_id: str, community_id: str, external_id: str, text: str) -> None:
    """The source edited a message: keep the new text, and rewrite the guide that quoted the old one."""
    if not text.strip() or len(text) > services.max_message_chars:
        raise InvalidInput(f"the new text must have 1 to {services.max_message_chars} characters")
    with services.db.session() as session:
        repo = GovernanceRepository(session)
        community = require_steward(repo, viewer_of(repo, actor_id), community_id)
        message = _message(repo, community_id, external_id)
        message.text, message.edited_at, message.screened_at = text, utcnow(), None
        screen_thread(services, repo, message.thread_id, community.pii_policy)  # the new text is screened too
        rewrite = _invalidate_thread_guide(services, repo, message.thread_id)
        repo.add_audit(
            actor_id=actor_id,
            action="message.edited",
            community_id=community_id,
            target_type="message",
            target_id=message.id,
        )
        message_id = message.id
    _rewrite(services, rewrite)
    reassess(services, message_id)


def reassess(services: Services, message_id: str) -> None:
    """An edited message is judged again: the verdict (and what stewards see) follows its current text. A nudge
    already sent stays; the policy never asks twice about one message."""
    services.runner.enqueue("assess_message", message_id, {"message_id": message_id})


def delete_message(services: Services, *, actor_id: str, community_id: str, external_id: str) -> None:
    """The source deleted a message: delete it, and rewrite or withdraw the guide that quoted it."""
    with services.db.session() as session:
        repo = GovernanceRepository(session)
        require_steward(repo, viewer_of(repo, actor_id), community_id)
        message = _message(repo, community_id, external_id)
        thread_id, message_id = message.thread_id, message.id
        _untitle_if_opener(repo, message)
        session.delete(message)
        session.flush()
        rewrite = _invalidate_thread_guide(services, repo, thread_id)
        repo.add_audit(
            actor_id=actor_id,
            action="message.deleted",
            community_id=community_id,
            target_type="message",
            target_id=message_id,
        )
    _rewrite(services, rewrite)


def _message(repo: GovernanceRepository, community_id: str, external_id: str):  # type: ignore[no-untyped-def]
    message = repo.message_by_external(community_id, external_id)
    if message is None:
        raise NotFound(f"no message {external_id!r} in community {community_id!r}")
    return message


def _untitle_if_opener(repo: GovernanceRepository, message: MessageRow) -> None:
    """A thread's title is its opener's words (given or derived): it goes when the opener goes."""
    if message.parent_external_id is None:
        thread = repo.s.get(ThreadRow, message.thread_id)
        if thread is not None:
            thread.title = "Untitled thread"


def _invalidate_thread_guide(
    services: Services, repo: GovernanceRepository, thread_id: str, gone: str | None = None
) -> tuple[str, str] | None:
    """Purge the thread's guide versions and take it out of the index; returns what to rewrite, if anything."""
    guide = repo.guide_for_thread(thread_id)
    if guide is None:
        return None
    services.search.remove_guide(guide.id)
    if guide.reviewer_id == gone:
        repo.delete_guide(guide)  # nobody is left to review what remains: withdraw it
        return None
    repo.purge_versions(guide)
    return thread_id, guide.reviewer_id


def _rewrite(services: Services, rewrite: tuple[str, str] | None) -> None:
    if rewrite is not None:
        thread_id, reviewer_id = rewrite
        services.runner.enqueue("synthesize_guide", thread_id, {"thread_id": thread_id, "reviewer_id": reviewer_id})


# -- erasure (GDPR Art. 17) ----------------------------------------------------------------------------------------

ErasureMode = Literal["erase", "anonymize"]


@dataclass(frozen=True)
class ErasureReport:
    mode: str
    messages: int
    replies: int
    nudges_stopped: int
    guides_rewritten: int
    guides_withdrawn: int


def erase_person(services: Services, *, actor_id: str, person_id: str, mode: ErasureMode) -> ErasureReport:
    """Erase (delete) or anonymize everything a person contributed; guides derived from it are rewritten."""
    with services.db.session() as session:
        repo = GovernanceRepository(session)
        actor = viewer_of(repo, actor_id)
        if actor_id != person_id and not actor.is_admin:
            raise Forbidden("only the person themselves or an admin can erase a person's data")
        person = session.get(PersonRow, person_id)
        if person is None:
            raise NotFound("person not found")
        report, rewrites = (_erase if mode == "erase" else _anonymize)(services, repo, person)
        # The audit record keeps no personal data: the id is a random uuid that no longer resolves to anyone.
        repo.add_audit(
            actor_id=None if actor_id == person_id else actor_id,
            action=f"person.{mode}d",
            target_type="person",
            target_id=person_id,
            details=report.__dict__,
        )
    for rewrite in rewrites:
        _rewrite(services, rewrite)
    cues.clear_caches()  # the detector's cache may still hold the person's words
    log.info("person %sd person=%s messages=%d replies=%d", mode, person_id, report.messages, report.replies)
    return report


def _erase(services: Services, repo: GovernanceRepository, person: PersonRow):  # type: ignore[no-untyped-def]
    s = repo.s
    messages, replies = repo.messages_by(person.id), repo.replies_by(person.id)
    threads = {m.thread_id for m in messages} | {n.thread_id for _, n in replies}
    for reply, _ in replies:
        s.delete(reply)
    s.flush()
    for message in messages:
        _untitle_if_opener(repo, message)
        s.delete(message)
    nudges = list(s.scalars(select(NudgeRow).where(NudgeRow.person_id == person.id)))
    for nudge in nudges:
        s.delete(nudge)
    s.flush()
    withdrawn_before = _guides_reviewed_by(repo, person.id)
    rewrites = [r for t in threads if (r := _invalidate_thread_guide(services, repo, t, gone=person.id))]
    for guide in _guides_reviewed_by(repo, person.id):  # guides they reviewed in threads they never posted in
        services.search.remove_guide(guide.id)
        repo.delete_guide(guide)
    _forget(repo, person)
    s.delete(person)
    s.flush()
    report = ErasureReport("erase", len(messages), len(replies), len(nudges), len(rewrites), len(withdrawn_before))
    return report, rewrites


def _anonymize(services: Services, repo: GovernanceRepository, person: PersonRow):  # type: ignore[no-untyped-def]
    s = repo.s
    messages, replies = repo.messages_by(person.id), repo.replies_by(person.id)
    threads = {m.thread_id for m in messages} | {n.thread_id for _, n in replies}
    theirs = {m.id for m in messages} | {r.id for r, _ in replies}
    open_nudges = list(
        s.scalars(select(NudgeRow).where(NudgeRow.person_id == person.id, NudgeRow.status.in_(("open", "snoozed"))))
    )
    for nudge in open_nudges:
        s.delete(nudge)
    person.handle = f"former-{uuid.uuid4().hex[:12]}"
    person.display_name, person.email, person.opted_out = "Former member", None, True
    _forget(repo, person)
    s.flush()
    s.add(ExpertiseProfileRow(person_id=person.id, hidden=True))  # never listed as an expert or partner again
    s.flush()
    # What they said stays, under no name: the current version of each guide drops their name from its sources,
    # and older versions (which still name them) are purged.
    rewritten = 0
    for thread_id in threads:
        guide = repo.guide_for_thread(thread_id)
        if guide is not None:
            repo.anonymize_sources(guide, theirs, "Former member")
            rewritten += 1
    report = ErasureReport("anonymize", len(messages), len(replies), len(open_nudges), rewritten, 0)
    return report, []


def _guides_reviewed_by(repo: GovernanceRepository, person_id: str) -> list:
    from store.tables import GuideRow

    return list(repo.s.scalars(select(GuideRow).where(GuideRow.reviewer_id == person_id)))


def _forget(repo: GovernanceRepository, person: PersonRow) -> None:
    """Tokens, memberships, platform accounts and what is said about them go; nothing can act as them again.

    Endorsements they gave stay (as evidence about others, from an anonymous colleague); the ones they
    received, their skills and their expertise profile go with them.
    """
    about_them = (
        select(ApiTokenRow).where(ApiTokenRow.person_id == person.id),
        select(MembershipRow).where(MembershipRow.person_id == person.id),
        select(PersonIdentityRow).where(PersonIdentityRow.person_id == person.id),
        select(PersonSkillRow).where(PersonSkillRow.person_id == person.id),
        select(EndorsementRow).where(EndorsementRow.person_id == person.id),
        select(ExpertiseProfileRow).where(ExpertiseProfileRow.person_id == person.id),
    )
    for query in about_them:
        for row in repo.s.scalars(query):
            repo.s.delete(row)
    WebRepository(repo.s).forget_person(person.id)  # browser sessions, sign-in links, feedback, their searches


def audit_log(services: Services, *, actor_id: str, community_id: str | None, limit: int = 200) -> list:
    """Audit events: a steward reads their community's, an admin reads all."""
    with services.db.session() as session:
        repo = GovernanceRepository(session)
        viewer = viewer_of(repo, actor_id)
        if community_id is not None:
            require_steward(repo, viewer, community_id)
            return repo.audit_events([community_id], limit)
        require_admin(viewer)
        return repo.audit_events(None, limit)
