"""Signing in to the pages: browser sessions (revocable), one-time sign-in links, identities from an OIDC issuer."""

from __future__ import annotations

from datetime import timedelta

from store.records import PersonRecord
from store.repository import Repository
from store.web_repository import WebRepository
from workflow.errors import InvalidInput, NotFound
from workflow.services import Services

SIGN_IN_VIAS = ("token", "link", "oidc")


def start_session(services: Services, *, person_id: str, via: str, hours: float) -> str:
    """A new browser session for the person; returns the token the cookie carries (stored only as a hash)."""
    if via not in SIGN_IN_VIAS:
        raise InvalidInput(f"unknown way to sign in {via!r}")
    with services.db.session() as session:
        if Repository(session).get_person(person_id) is None:
            raise NotFound("person not found")
        return WebRepository(session).create_session(person_id, via, services.clock() + timedelta(hours=hours))


def person_for_session(services: Services, token: str) -> PersonRecord | None:
    """The signed-in person, or None when the session is unknown, expired or revoked."""
    with services.db.session() as session:
        person_id = WebRepository(session).live_session_person(token, services.clock())
        return Repository(session).person_record(person_id) if person_id else None


def end_session(services: Services, token: str) -> None:
    """Sign out: the session is revoked on the server, so a copied cookie no longer works."""
    with services.db.session() as session:
        WebRepository(session).revoke_session(token, services.clock())


def end_all_sessions(services: Services, *, person_id: str) -> int:
    """Sign the person out everywhere; returns how many sessions were revoked."""
    with services.db.session() as session:
        return WebRepository(session).revoke_sessions_of(person_id, services.clock())


def create_sign_in_link(services: Services, *, handle: str, minutes: float) -> str:
    """A one-time sign-in token for a person (the URL is /signin/link/<token>)."""
    with services.db.session() as session:
        person = Repository(session).person_by_handle(handle)
        if person is None:
            raise NotFound(f"no person with handle {handle!r}")
        return WebRepository(session).create_link(person.id, services.clock() + timedelta(minutes=minutes))


def redeem_sign_in_link(services: Services, token: str) -> PersonRecord | None:
    """The person a link signs in, spending it; None when it is unknown, used or expired."""
    with services.db.session() as session:
        person_id = WebRepository(session).use_link(token, services.clock())
        return Repository(session).person_record(person_id) if person_id else None


def person_for_identity(
    services: Services, *, issuer: str, subject: str, handle_hint: str, name: str = ""
) -> PersonRecord:
    """The person an OIDC issuer vouched for, matched by issuer and subject (never by a name they can change).

    On first sign-in a new person is created, with a handle from the hint made unique, and no memberships:
    stewards grant roles.
    """
    if not issuer or not subject:
        raise InvalidInput("the identity provider sent no issuer or subject")
    with services.db.session() as session:
        repo, web = Repository(session), WebRepository(session)
        person_id = web.person_for_identity("oidc", issuer[:200], subject[:200])
        if person_id is None:
            person = repo.upsert_person(_free_handle(repo, handle_hint or subject), name[:200] or None)
            web.link_identity("oidc", issuer[:200], subject[:200], person.id, name[:200])
            person_id = person.id
        record = repo.person_record(person_id)
    assert record is not None
    return record


def _free_handle(repo: Repository, hint: str) -> str:
    base = "".join(c for c in hint.strip().lower() if c.isalnum() or c in "._-")[:80] or "member"
    handle, n = base, 1
    while repo.person_by_handle(handle) is not None:
        n += 1
        handle = f"{base}-{n}"
    return handle
