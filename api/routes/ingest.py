"""Ingest: community messages in, assessed in the background; stewards read the assessments."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Body, HTTPException

from api.auth import PersonDep, ServicesDep
from api.schemas import AssessmentOut, IngestOut, MessageBatch, MessageIn
from store.records import IncomingMessage
from workflow.ingest import assessments as community_assessments
from workflow.ingest import ensure_may_ingest, ingest_messages

router = APIRouter(prefix="/v1/communities", tags=["ingest"])


def _incoming(m: MessageIn) -> IncomingMessage:
    return IncomingMessage(
        external_id=m.external_id,
        thread=m.thread,
        author=m.author,
        text=m.text,
        created_at=m.created_at or datetime.now(UTC),
        thread_title=m.thread_title,
        parent=m.parent,
        author_name=m.author_name,
        kind=m.kind,
        score=m.score,
        accepted=m.accepted,
        reactions=m.reactions,
        url=m.url,
        tags=tuple(m.tags),
    )


@router.post("/{community_id}/messages", status_code=202, response_model=IngestOut)
def ingest(
    community_id: str,
    services: ServicesDep,
    person: PersonDep,
    body: MessageIn | MessageBatch = Body(description='One message, or {"messages": [...]}.'),
) -> IngestOut:
    """Store one message or a batch (idempotent on external_id); assessment runs as a background job."""
    ensure_may_ingest(services, person_id=person.id, community_id=community_id)
    messages = body.messages if isinstance(body, MessageBatch) else [body]
    if len(messages) > services.max_batch_messages:
        raise HTTPException(413, f"a batch holds at most {services.max_batch_messages} messages; split it")
    result = ingest_messages(services, community_id=community_id, batch=[_incoming(m) for m in messages])
    return IngestOut(accepted=result.accepted, duplicates=result.duplicates, message_ids=list(result.new_message_ids))


@router.get("/{community_id}/assessments", response_model=list[AssessmentOut])
def assessments(
    community_id: str, services: ServicesDep, person: PersonDep, candidates_only: bool = False, limit: int = 100
) -> list[AssessmentOut]:
    """What the detector decided for recent messages, with a one-line explanation (stewards only)."""
    rows = community_assessments(
        services, person_id=person.id, community_id=community_id, candidates_only=candidates_only, limit=limit
    )
    return [
        AssessmentOut(
            message_id=r.message_id,
            score=r.score,
            is_candidate=r.is_candidate,
            gaps=r.gaps,
            explanation=r.explanation,
            outcome=r.outcome,
        )
        for r in rows
    ]
