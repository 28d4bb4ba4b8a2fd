"""Signing in to the pages: browser sessions (revocable), one-time sign-in links, identities from an OIDC issuer."""

from __future__ import annotations

from datetime import timedelta

from store.records import PersonRecord
from store.uow import UnitOfWork
from workflow.errors import InvalidInput, NotFound
from workflow.services import Services

SIGN_IN_VIAS = ("token", "link", "oidc")


def start_session(services: Services, *, person_id: str, via: str, hours: float) -> str:
    """A new browser session for the person; returns the token the cookie carries (stored only as a hash)."""
    if via not in SIGN_IN_VIAS:
        raise InvalidInput(f"unknown way to sign in {via!r}")
    with services.uow() as uow:
        if uow.people.get(person_id) is None:
            raise NotFound("person not found")
        return uow.web.create_session(person_id, via, services.clock() + timedelta(hours=hours))


def person_for_session(services: Services, token: str) -> PersonRecord | None:
    """The signed-in person, or None when the session is unknown, expired or revoked."""
    with services.uow() as uow:
        person_id = uow.web.live_session_person(token, services.clock())
        return uow.people.get(person_id) if person_id else None


def end_session(services: Services, token: str) -> None:
    """Sign out: the session is revoked on the server, so a copied cookie no longer works."""
    with services.uow() as uow:
        uow.web.revoke_session(token, services.clock())


def end_all_sessions(services: Services, *, person_id: str) -> int:
    """Sign the person out everywhere; returns how many sessions were revoked."""
    with services.uow() as uow:
        return uow.web.revoke_sessions_of(person_id, services.clock())


def create_sign_in_link(services: Services, *, handle: str, minutes: float) -> str:
    """A one-time sign-in token for a person (the URL is /signin/link/<token>)."""
    with services.uow() as uow:
        person = uow.people.by_handle(handle)
        if person is None:
            raise NotFound(f"no person with handle {handle!r}")
        return uow.web.create_link(person.id, services.clock() + timedelta(minutes=minutes))


def redeem_sign_in_link(services: Services, token: str) -> PersonRecord | None:
    """The person a link signs in, spending it; None when it is unknown, used or expired."""
    with services.uow() as uow:
        person_id = uow.web.use_link(token, services.clock())
        return uow.people.get(person_id) if person_id else None


def person_for_identity(
    services: Services, *, issuer: str, subject: str, handle_hint: str, name: str = ""
) -> PersonRecord:
    """The person an OIDC issuer vouched for, matched by issuer and subject (never by a name they can change).

    On first sign-in a new person is created, with a handle from the hint made unique, and no memberships:
    stewards grant roles.
    """
    if not issuer or not subject:
        raise InvalidInput("the identity provider sent no issuer or subject")
    with services.uow() as uow:
        person_id = uow.web.person_for_identity("oidc", issuer[:200], subject[:200])
        if person_id is None:
            person = uow.people.upsert(_free_handle(uow, handle_hint or subject), name[:200] or None)
            uow.web.link_identity("oidc", issuer[:200], subject[:200], person.id, name[:200])
            person_id = person.id
        record = uow.people.get(person_id)
    assert record is not None
    return record


def _free_handle(uow: UnitOfWork, hint: str) -> str:
    base = "".join(c for c in hint.strip().lower() if c.isalnum() or c in "._-")[:80] or "member"
    handle, n = base, 1
    while uow.people.by_handle(handle) is not None:
        n += 1
        handle = f"{base}-{n}"
    return handle
