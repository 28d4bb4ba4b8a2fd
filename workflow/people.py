"""Communities, people, roles, tokens and the nudge preferences each expert controls."""

from __future__ import annotations

from dataclasses import dataclass

from elicitor.model import Role
from elicitor.policy import parse_quiet_hours
from store.connector_repository import ConnectorRepository
from store.records import PersonRecord
from store.repository import Repository
from workflow.errors import InvalidInput, NotFound
from workflow.services import Services


def create_community(services: Services, *, community_id: str, name: str, description: str = "") -> None:
    with services.db.session() as session:
        Repository(session).upsert_community(community_id, name, description)


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
    with services.db.session() as session:
        repo = Repository(session)
        if repo.get_community(community_id) is None:
            raise NotFound(f"community {community_id!r} does not exist")
        person = repo.upsert_person(handle, display_name, email, timezone)
        repo.set_role(community_id, person.id, role)
        record = repo.person_record(person.id)
    assert record is not None
    return record


def create_token(services: Services, *, handle: str, name: str = "") -> str:
    """A new API token for a person; the plaintext is shown once and stored only as a hash."""
    with services.db.session() as session:
        repo = Repository(session)
        person = repo.person_by_handle(handle)
        if person is None:
            raise NotFound(f"no person with handle {handle!r}")
        return repo.create_token(person.id, name)


def person_for_token(services: Services, token: str) -> PersonRecord | None:
    with services.db.session() as session:
        repo = Repository(session)
        person = repo.person_for_token(token)
        return repo.person_record(person.id) if person else None


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
    with services.db.session() as session:
        repo = Repository(session)
        person = repo.get_person(person_id)
        if person is None:
            raise NotFound("person not found")
        for name in ("nudges_per_week", "quiet_hours", "timezone", "opted_out"):
            value = getattr(update, name)
            if value is not None:
                setattr(person, name, value)
        session.flush()
        record = repo.person_record(person_id)
    assert record is not None
    return record


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin") from exc


def create_admin(services: Services, *, handle: str, display_name: str | None = None) -> PersonRecord:
    """A global admin: manages every community and person (bootstrap: `tacit person admin HANDLE`)."""
    with services.db.session() as session:
        repo = Repository(session)
        person = repo.upsert_person(handle, display_name)
        person.is_admin = True
        repo_record = repo.person_record(person.id)
    assert repo_record is not None
    return repo_record


OIDC = "oidc"  # the platform name of identity-provider accounts in the identities table (workflow.sessions signs in)


def link_oidc(services: Services, *, handle: str, issuer: str, subject: str) -> None:
    """Say that an identity-provider account (issuer + subject) is this existing person; an admin's act."""
    with services.db.session() as session:
        repo = ConnectorRepository(session)
        person = repo.person_by_handle(handle)
        if person is None:
            raise NotFound(f"no person with handle {handle!r}")
        repo.link_identity(
            platform=OIDC, workspace=issuer, user_id=subject, person_id=person.id, display_name=handle, fetched_at=None
        )
