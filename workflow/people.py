"""Communities, people, roles, tokens and the nudge preferences each expert controls."""

from __future__ import annotations

from dataclasses import dataclass

from elicitor.model import Role
from elicitor.policy import parse_quiet_hours
from store.records import PersonRecord
from workflow.errors import InvalidInput, NotFound
from workflow.services import Services


def create_community(services: Services, *, community_id: str, name: str, description: str = "") -> None:
    with services.uow() as uow:
        uow.communities.upsert(community_id, name, description)


def add_person(
    services: Services,
    *,
    handle: str,
    community_id: str,
    role: Role = Role.MEMBER,
    display_name: str | None = None,
    email: str | None = None,
    timezone: str | None = None,
) -> PersonRecord:
    """Create (or update) a person and give them a role in a community."""
    with services.uow() as uow:
        if uow.communities.get(community_id) is None:
            raise NotFound(f"community {community_id!r} does not exist")
        person = uow.people.upsert(handle, display_name, email, timezone)
        uow.communities.set_role(community_id, person.id, role)
    return person


def create_token(services: Services, *, handle: str, name: str = "") -> str:
    """A new API token for a person; the plaintext is shown once and stored only as a hash."""
    with services.uow() as uow:
        person = uow.people.by_handle(handle)
        if person is None:
            raise NotFound(f"no person with handle {handle!r}")
        _, token = uow.tokens.create(person.id, name)
    return token


def person_for_token(services: Services, token: str) -> PersonRecord | None:
    with services.uow() as uow:
        return uow.tokens.person_for(token)


@dataclass(frozen=True)
class PreferencesUpdate:
    nudges_per_week: int | None = None
    quiet_hours: str | None = None
    timezone: str | None = None
    opted_out: bool | None = None


def update_preferences(services: Services, *, person_id: str, update: PreferencesUpdate) -> PersonRecord:
    """The expert's own limits: weekly nudges, quiet hours, time zone, opt-out."""
    if update.quiet_hours is not None:
        try:
            parse_quiet_hours(update.quiet_hours)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from exc
    if update.timezone is not None:
        _check_timezone(update.timezone)
    changes = {k: v for k, v in update.__dict__.items() if v is not None}
    with services.uow() as uow:
        if uow.people.get(person_id) is None:
            raise NotFound("person not found")
        return uow.people.update(person_id, **changes)


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin") from exc


def create_admin(services: Services, *, handle: str, display_name: str | None = None) -> PersonRecord:
    """A global admin: manages every community and person (bootstrap: `tacit person admin HANDLE`)."""
    with services.uow() as uow:
        person = uow.people.upsert(handle, display_name)
        return uow.people.update(person.id, is_admin=True)


def person_for_sign_in(services: Services, *, handle: str) -> PersonRecord:
    """The person an identity provider vouched for; created on first sign-in, with no memberships."""
    with services.uow() as uow:
        return uow.people.by_handle(handle) or uow.people.upsert(handle)


def person_by_handle(services: Services, *, handle: str) -> PersonRecord | None:
    """The person with this handle, if any (the CLI names people by handle)."""
    with services.uow() as uow:
        return uow.people.by_handle(handle)


def people_by_handle(services: Services) -> dict[str, str]:
    """Every person's id by handle (the demo loader maps its script's handles)."""
    with services.uow() as uow:
        return uow.people.handles()


def community_exists(services: Services, *, community_id: str) -> bool:
    with services.uow() as uow:
        return uow.communities.get(community_id) is not None


def memberships(services: Services, *, person_id: str) -> dict[str, Role]:
    """The person's role in each community they belong to."""
    with services.uow() as uow:
        return uow.communities.roles_of(person_id)


def stored_counts(services: Services) -> dict[str, int]:
    """How many messages, threads, nudges and guides are stored (for /healthz)."""
    with services.uow() as uow:
        return uow.messages.counts()
