"""Who is who: the Tacit person behind a platform account, linked once, matched by email, or created."""

from __future__ import annotations

import logging
from datetime import timedelta

from connectors.errors import PlatformError
from connectors.model import Author
from store.records import PersonRecord
from store.repository import aware
from workflow.connectors.channels import channel_for, check_platform
from workflow.errors import NotFound
from workflow.services import Services

log = logging.getLogger("tacit.connectors")
PROFILE_TTL = timedelta(days=1)  # users.info answers are cached this long


def person_for(services: Services, *, platform: str, workspace: str, author: Author) -> PersonRecord:
    """The Tacit person behind a platform account: linked before, matched by email, or created."""
    with services.uow() as uow:
        identity = uow.connectors.identity(platform, workspace, author.user_id)
        fresh = (
            identity is not None
            and identity.fetched_at is not None
            and aware(identity.fetched_at) > services.clock() - PROFILE_TTL
        )
        if identity is not None and (fresh or author.name):
            person = uow.people.get(identity.person_id)
            if person is not None:
                return person
    name, email = author.name, None
    channel = channel_for(services, platform)
    if not author.name and channel is not None:
        try:
            profile = channel.profile(workspace, author.user_id)
        except PlatformError as exc:
            log.warning("profile lookup failed platform=%s error=%s", platform, exc)
            profile = None
        name, email = (profile.display_name, profile.email) if profile else (None, None)
    return _link_person(services, platform, workspace, author.user_id, name, email)


def _link_person(
    services: Services, platform: str, workspace: str, user_id: str, name: str | None, email: str | None
) -> PersonRecord:
    with services.uow() as uow:
        identity = uow.connectors.identity(platform, workspace, user_id)
        person = uow.people.get(identity.person_id) if identity else None
        if person is None and email:
            person = uow.people.by_email(email)
        if person is None:
            person = uow.people.upsert(f"{platform}-{user_id}".lower()[:100], name or user_id)
        uow.connectors.link_identity(
            platform=platform,
            workspace=workspace,
            user_id=user_id,
            person_id=person.id,
            display_name=name or person.display_name,
            fetched_at=services.clock(),
        )
        return person


def link_identity(services: Services, *, handle: str, platform: str, workspace: str, user_id: str) -> None:
    """Say which platform account is this Tacit person (e.g. an expert's Slack user), so nudges reach them."""
    check_platform(platform)
    with services.uow() as uow:
        person = uow.people.by_handle(handle)
        if person is None:
            raise NotFound(f"no person with handle {handle!r}")
        uow.connectors.link_identity(
            platform=platform,
            workspace=workspace,
            user_id=user_id,
            person_id=person.id,
            display_name=person.display_name,
            fetched_at=None,
        )
        uow.connectors.retry_deliveries(person.id)  # a new account may reach them where the old one failed
