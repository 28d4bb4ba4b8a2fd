"""Bearer API tokens (stored hashed). Roles beyond membership arrive with the governance work."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from store.records import PersonRecord
from workflow.people import person_for_token
from workflow.services import Services

bearer = HTTPBearer(auto_error=False, description="An API token from `tacit token create HANDLE`.")


def services_of(request: Request) -> Services:
    return request.app.state.tacit.services


ServicesDep = Annotated[Services, Depends(services_of)]


def current_person(
    services: ServicesDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> PersonRecord:
    if credentials is None:
        raise HTTPException(401, "Send an API token: 'Authorization: Bearer <token>' (create one with "
                                 "`tacit token create HANDLE`).", headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    person = person_for_token(services, credentials.credentials)
    if person is None:
        raise HTTPException(401, "This API token is unknown or revoked.", headers={"WWW-Authenticate": "Bearer"})
    return person


PersonDep = Annotated[PersonRecord, Depends(current_person)]
