"""Governance: communities and members, tokens, source edits and deletions, erasure, and the audit log.

Invariant: no derived text outlives its source; workflow/sources.py is the one place that keeps it, for the
steward's edits and deletions here, for the platforms' (workflow/connector_events.py), and for erasure.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Literal

from elicitor import cues
from elicitor.model import Role
from store.records import AuditRecord, CommunitySettingsChange, MessageRecord, PersonRecord, TokenRecord
from store.repositories.erasure import reclaim_space
from store.uow import UnitOfWork
from workflow import sources
from workflow.access import (
    VISIBILITIES,
    confidential_communities,
    require_admin,
    require_appointer,
    require_eraser,
    require_steward,
    viewer_of,
)
from workflow.errors import InvalidInput, NotFound
from workflow.guides import forget_guide
from workflow.job_types import CompactIndex, defer
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
    with services.uow() as uow:
        require_admin(viewer_of(uow, actor_id))
        if uow.communities.get(community_id) is not None:
            raise InvalidInput(f"community {community_id!r} already exists")
        uow.communities.upsert(community_id, settings.name or community_id, settings.description or "")
        uow.communities.update(community_id, CommunitySettingsChange(**settings.__dict__))
        uow.audit.add(
            actor_id=actor_id,
            action="community.created",
            community_id=community_id,
            target_type="community",
            target_id=community_id,
            details=_changed(settings),
        )


def update_community(services: Services, *, actor_id: str, community_id: str, settings: CommunitySettings) -> None:
    _check(settings)
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, actor_id), community_id)
        uow.communities.update(community_id, CommunitySettingsChange(**settings.__dict__))
        uow.audit.add(
            actor_id=actor_id,
            action="community.updated",
            community_id=community_id,
            target_type="community",
            target_id=community_id,
            details=_changed(settings),
        )


def _changed(settings: CommunitySettings) -> dict:
    return {k: v for k, v in settings.__dict__.items() if v is not None}


def set_member(services: Services, *, actor_id: str, community_id: str, handle: str, role: Role | None) -> None:
    """Give a person a role in the community, or remove them (role None)."""
    with services.uow() as uow:
        person = uow.people.by_handle(handle)
        if person is None:
            raise NotFound(f"no person with handle {handle!r}")
        require_appointer(uow, viewer_of(uow, actor_id), community_id, person.id, role)
        if role is None:
            uow.communities.remove_member(community_id, person.id)
        else:
            uow.communities.set_role(community_id, person.id, role)
        uow.audit.add(
            actor_id=actor_id,
            action="member.removed" if role is None else "member.role_set",
            community_id=community_id,
            target_type="person",
            target_id=person.id,
            details={"role": role.value} if role else {},
        )


# -- tokens ---------------------------------------------------------------------------------------------------


def list_tokens(services: Services, *, person_id: str) -> list[TokenRecord]:
    with services.uow() as uow:
        return uow.tokens.of(person_id)


def create_token(services: Services, *, person_id: str, name: str) -> tuple[str, str]:
    """A new token for oneself: (token id, plaintext shown once)."""
    with services.uow() as uow:
        token_id, token = uow.tokens.create(person_id, name)
        uow.audit.add(actor_id=person_id, action="token.created", target_type="token", target_id=token_id)
    return token_id, token


def revoke_token(services: Services, *, actor_id: str, token_id: str) -> None:
    with services.uow() as uow:
        token = uow.tokens.get(token_id)
        if token is None:
            raise NotFound(f"token {token_id!r} does not exist")
        if token.person_id != actor_id:
            require_admin(viewer_of(uow, actor_id))
        uow.tokens.revoke(token_id)
        uow.audit.add(actor_id=actor_id, action="token.revoked", target_type="token", target_id=token_id)


# -- sources change: edits and deletions (the logic is workflow/sources.py's) -------------------------------------


def edit_message(services: Services, *, actor_id: str, community_id: str, external_id: str, text: str) -> None:
    """A steward edits a message: keep the new text, and rewrite the guide that quoted the old one."""
    if not text.strip() or len(text) > services.max_message_chars:
        raise InvalidInput(f"the new text must have 1 to {services.max_message_chars} characters")
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, actor_id), community_id)
        sources.edit_message(services, uow, _message(uow, community_id, external_id), text, sources.Actor(actor_id))


def delete_message(services: Services, *, actor_id: str, community_id: str, external_id: str) -> None:
    """A steward deletes a message: delete it, and rewrite or withdraw the guide that quoted it."""
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, actor_id), community_id)
        sources.delete_message(services, uow, _message(uow, community_id, external_id), sources.Actor(actor_id))


def _message(uow: UnitOfWork, community_id: str, external_id: str) -> MessageRecord:
    message = uow.messages.by_external(community_id, external_id)
    if message is None:
        raise NotFound(f"no message {external_id!r} in community {community_id!r}")
    return message


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
    with services.uow() as uow:
        require_eraser(uow, viewer_of(uow, actor_id), person_id)
        person = uow.people.get(person_id)
        if person is None:
            raise NotFound("person not found")
        # Read before erasing drops the memberships: each community's stewards see the erasure in their log.
        communities: list[str | None] = [*uow.communities.communities_of(person_id)] or [None]
        report = (_erase if mode == "erase" else _anonymize)(services, uow, person)
        # The audit record keeps no personal data: the id is a random uuid that no longer resolves to anyone.
        for community_id in communities:
            uow.audit.add(
                actor_id=None if actor_id == person_id else actor_id,
                action=f"person.{mode}d",
                community_id=community_id,
                target_type="person",
                target_id=person_id,
                details=report.__dict__,
            )
    if services.db is not None:
        reclaim_space(services.db)  # no copy of their words left in the WAL or in dead rows
    if services.search.compaction_due():
        defer(services.runner, CompactIndex())  # nor in the vector index's files
    cues.clear_caches()  # the detector's cache may still hold the person's words
    log.info("person %sd person=%s messages=%d replies=%d", mode, person_id, report.messages, report.replies)
    return report


def _erase(services: Services, uow: UnitOfWork, person: PersonRecord) -> ErasureReport:
    withdrawn_before = uow.guides.reviewed_by(person.id)
    titles = _opened_titles(uow, person.id)
    erased = sources.erase_contributions(services, uow, person.id)
    for guide in uow.guides.reviewed_by(person.id):  # guides they reviewed in threads they never posted in
        forget_guide(services, uow, guide.id)
        uow.guides.delete(guide.id)
    uow.erasure.scrub_derived(person.id, titles)  # questions, tasks, events quoting them; their skills
    _forget(uow, person.id)
    uow.people.delete(person.id)
    return ErasureReport(
        "erase", erased.messages, erased.replies, erased.nudges, erased.guides_rewritten, len(withdrawn_before)
    )


def _opened_titles(uow: UnitOfWork, person_id: str) -> list[str]:
    """Titles of the threads the person opened: their words, which erasure also scrubs from derived texts."""
    openers = {m.thread_id for m in uow.messages.by_author(person_id) if m.parent_external_id is None}
    return [t.title for thread_id in sorted(openers) if (t := uow.messages.thread(thread_id)) is not None]


def _anonymize(services: Services, uow: UnitOfWork, person: PersonRecord) -> ErasureReport:
    messages, replies = uow.messages.by_author(person.id), uow.nudges.replies_by(person.id)
    threads = {m.thread_id for m in messages} | {thread_id for _, thread_id in replies}
    theirs = {m.id for m in messages} | {r.id for r, _ in replies}
    stopped = uow.nudges.delete_of(person.id, statuses=("open", "snoozed"))
    uow.people.update(
        person.id, handle=f"former-{uuid.uuid4().hex[:12]}", display_name="Former member", email=None, opted_out=True
    )
    _forget(uow, person.id)
    uow.people.hide_as_expert(person.id)  # never listed as an expert or partner again
    # What they said stays, under no name: the current version of each guide drops their name from its sources,
    # and older versions (which still name them) are purged.
    rewritten = 0
    for thread_id in threads:
        guide = uow.guides.for_thread(thread_id)
        if guide is not None:
            uow.guides.anonymize_sources(guide.id, theirs, "Former member")
            rewritten += 1
    return ErasureReport("anonymize", len(messages), len(replies), stopped, rewritten, 0)


def _forget(uow: UnitOfWork, person_id: str) -> None:
    """Nothing can act as them again: tokens, memberships, platform accounts, what is said about them, and what the
    pages hold (browser sessions, sign-in links, feedback, their searches' words)."""
    uow.people.forget(person_id)
    uow.web.forget_person(person_id)


def audit_log(services: Services, *, actor_id: str, community_id: str | None, limit: int = 200) -> list[AuditRecord]:
    """Audit events: a steward reads their community's, an admin reads all."""
    with services.uow() as uow:
        viewer = viewer_of(uow, actor_id)
        if community_id is not None:
            require_steward(uow, viewer, community_id)
            return uow.audit.events([community_id], limit)
        require_admin(viewer)
        # Admins do not govern confidential communities: their events stay with their stewards.
        return uow.audit.events(None, limit, excluding=confidential_communities(uow))
