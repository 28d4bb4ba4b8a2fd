"""Authentication: Tacit API tokens (stored hashed), or OIDC/JWT bearer tokens when an issuer is configured."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.limits import WRITES, WriteLimiter
from api.oidc import InvalidJWT, JWTVerifier
from store.records import PersonRecord
from store.repository import TOKEN_PREFIX
from workflow.people import person_for_token
from workflow.services import Services
from workflow.sessions import person_for_identity

bearer = HTTPBearer(auto_error=False, description="An API token from `tacit token create HANDLE`.")


def services_of(request: Request) -> Services:
    return request.app.state.tacit.services


ServicesDep = Annotated[Services, Depends(services_of)]


def current_person(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> PersonRecord:
    if credentials is None:
        raise HTTPException(
            401,
            "Send an API token: 'Authorization: Bearer <token>' (create one with `tacit token create HANDLE`).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    person = _authenticated(request, services, credentials.credentials)
    if request.method in WRITES:
        _limit_writes(request.app.state.write_limiter, person.id)
    return person


def _authenticated(request: Request, services: Services, token: str) -> PersonRecord:
    verifier: JWTVerifier | None = request.app.state.jwt_verifier
    if verifier is not None and not token.startswith(TOKEN_PREFIX):
        try:
            identity = verifier.identity(token)
        except InvalidJWT as exc:
            raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
        # The same rule as the pages' sign-in: issuer + subject, linked once, never a name.
        return person_for_identity(
            services, issuer=identity.issuer, subject=identity.subject, handle_hint=identity.handle_hint
        )
    person = person_for_token(services, token)
    if person is None:
        raise HTTPException(401, "This API token is unknown or revoked.", headers={"WWW-Authenticate": "Bearer"})
    return person


def _limit_writes(limiter: WriteLimiter, person_id: str) -> None:
    """Writes are counted per person, whichever token or spelling of the header they came with."""
    retry = limiter.retry_after(person_id)
    if retry is not None:
        raise HTTPException(
            429,
            f"too many writes ({limiter.limit}); retry in {retry} s",
            headers={"Retry-After": str(retry)},
        )


PersonDep = Annotated[PersonRecord, Depends(current_person)]
