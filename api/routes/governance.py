"""Governance: communities and members, tokens, source edits and deletions, erasure, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import PersonDep, ServicesDep
from elicitor.model import Role
from workflow import governance, privacy
from workflow.governance import CommunitySettings

router = APIRouter(prefix="/v1", tags=["governance"])


class CommunityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    visibility: Literal["open", "restricted", "confidential"] = "restricted"
    chatham_house: bool = False
    pii_policy: Literal["redact", "hold"] = "redact"
    terse_threshold: float | None = Field(default=None, ge=0, le=1)


class CommunityPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    visibility: Literal["open", "restricted", "confidential"] | None = None
    chatham_house: bool | None = None
    pii_policy: Literal["redact", "hold"] | None = None
    terse_threshold: float | None = Field(default=None, ge=0, le=1)


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=100)


class TokenOut(BaseModel):
    id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None
    token: str | None = Field(default=None, description="Only when created; it is never shown again.")


class MessageEditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1)


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor_id: str | None
    action: str
    community_id: str | None
    target_type: str
    target_id: str
    details: dict


class ErasureOut(BaseModel):
    mode: str
    messages: int
    replies: int
    nudges_stopped: int
    guides_rewritten: int
    guides_withdrawn: int


@router.post("/communities", status_code=201, tags=["governance"])
def create_community(body: CommunityIn, services: ServicesDep, person: PersonDep) -> dict:
    """Create a community (admins). Visibility: open, restricted (members only; the default) or confidential."""
    settings = CommunitySettings(**body.model_dump(exclude={"id"}))
    governance.create_community(services, actor_id=person.id, community_id=body.id, settings=settings)
    return {"id": body.id}


@router.patch("/communities/{community_id}")
def update_community(community_id: str, body: CommunityPatch, services: ServicesDep, person: PersonDep) -> dict:
    """Change a community's settings (its stewards, or admins)."""
    settings = CommunitySettings(**body.model_dump())
    governance.update_community(services, actor_id=person.id, community_id=community_id, settings=settings)
    return {"id": community_id}


@router.put("/communities/{community_id}/members/{handle}", status_code=204)
def set_member(community_id: str, handle: str, body: MemberIn, services: ServicesDep, person: PersonDep) -> Response:
    """Give someone a role in the community: member, expert or steward (stewards and admins)."""
    governance.set_member(services, actor_id=person.id, community_id=community_id, handle=handle, role=body.role)
    return Response(status_code=204)


@router.delete("/communities/{community_id}/members/{handle}", status_code=204)
def remove_member(community_id: str, handle: str, services: ServicesDep, person: PersonDep) -> Response:
    governance.set_member(services, actor_id=person.id, community_id=community_id, handle=handle, role=None)
    return Response(status_code=204)


@router.patch("/communities/{community_id}/messages/{external_id:path}", status_code=204)
def edit_message(
    community_id: str, external_id: str, body: MessageEditIn, services: ServicesDep, person: PersonDep
) -> Response:
    """The source edited a message; the guide that quoted it is withdrawn from search and rewritten."""
    governance.edit_message(
        services, actor_id=person.id, community_id=community_id, external_id=external_id, text=body.text
    )
    return Response(status_code=204)


@router.delete("/communities/{community_id}/messages/{external_id:path}", status_code=204)
def delete_message(community_id: str, external_id: str, services: ServicesDep, person: PersonDep) -> Response:
    """The source deleted a message; the guide that quoted it is withdrawn from search and rewritten."""
    governance.delete_message(services, actor_id=person.id, community_id=community_id, external_id=external_id)
    return Response(status_code=204)


class HeldOut(BaseModel):
    message_id: str
    external_id: str
    thread_id: str
    text: str
    kinds: list[str]


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    redacted: bool = Field(default=True, description="Release with personal data and secrets redacted (default).")


@router.get("/communities/{community_id}/held", response_model=list[HeldOut])
def held(community_id: str, services: ServicesDep, person: PersonDep) -> list[HeldOut]:
    """Messages held because they carry personal data or secrets (stewards; policy `hold`)."""
    return [
        HeldOut(
            message_id=h.message_id, external_id=h.external_id, thread_id=h.thread_id, text=h.text, kinds=list(h.kinds)
        )
        for h in privacy.held_messages(services, actor_id=person.id, community_id=community_id)
    ]


@router.post("/communities/{community_id}/held/{message_id}/release", status_code=204)
def release(
    community_id: str, message_id: str, services: ServicesDep, person: PersonDep, body: ReleaseIn | None = None
) -> Response:
    """Release a held message so it is assessed like any other; delete it instead with DELETE .../messages/{id}."""
    privacy.release(
        services,
        actor_id=person.id,
        community_id=community_id,
        message_id=message_id,
        redacted=(body or ReleaseIn()).redacted,
    )
    return Response(status_code=204)


@router.get("/me/tokens", response_model=list[TokenOut])
def my_tokens(services: ServicesDep, person: PersonDep) -> list[TokenOut]:
    return [
        TokenOut(id=t.id, name=t.name, created_at=t.created_at, revoked_at=t.revoked_at)
        for t in governance.list_tokens(services, person_id=person.id)
    ]


@router.post("/me/tokens", response_model=TokenOut, status_code=201)
def new_token(body: TokenIn, services: ServicesDep, person: PersonDep) -> TokenOut:
    """A new API token for yourself; the plaintext is in this response only."""
    token_id, token = governance.create_token(services, person_id=person.id, name=body.name)
    created = next(t for t in governance.list_tokens(services, person_id=person.id) if t.id == token_id)
    return TokenOut(id=token_id, name=body.name, created_at=created.created_at, revoked_at=None, token=token)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: str, services: ServicesDep, person: PersonDep) -> Response:
    """Revoke one of your tokens (admins: anyone's)."""
    governance.revoke_token(services, actor_id=person.id, token_id=token_id)
    return Response(status_code=204)


@router.delete("/people/{person_id}", response_model=ErasureOut)
def erase_person(
    person_id: str,
    services: ServicesDep,
    person: PersonDep,
    mode: Literal["erase", "anonymize"] = Query(
        description="erase deletes their contributions; anonymize keeps them under no name"
    ),
) -> ErasureOut:
    """Right to erasure (GDPR Art. 17), by the person themselves or an admin. Guides built on them are rewritten."""
    report = governance.erase_person(services, actor_id=person.id, person_id=person_id, mode=mode)
    return ErasureOut(**report.__dict__)


@router.get("/audit", response_model=list[AuditOut])
def audit(
    services: ServicesDep, person: PersonDep, community: str | None = None, limit: int = Query(200, ge=1, le=1000)
) -> list[AuditOut]:
    """Administrative and privacy actions: stewards read their community's, admins everything."""
    rows = governance.audit_log(services, actor_id=person.id, community_id=community, limit=limit)
    return [
        AuditOut(
            id=r.id,
            at=r.at,
            actor_id=r.actor_id,
            action=r.action,
            community_id=r.community_id,
            target_type=r.target_type,
            target_id=r.target_id,
            details=r.details,
        )
        for r in rows
    ]
