"""Ingest: community messages in, assessed in the background; stewards read the assessments."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Body, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import PersonDep, ServicesDep
from api.schemas import AssessmentOut, IngestOut, MessageBatch, MessageIn
from store.records import IncomingMessage
from workflow import console
from workflow.ingest import assessments as community_assessments
from workflow.ingest import ensure_may_ingest, ingest_messages
from workflow.outcomes import detector_status

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
    community_id: str,
    services: ServicesDep,
    person: PersonDep,
    candidates_only: bool = False,
    limit: int = Query(100, ge=1, le=1000),
) -> list[AssessmentOut]:
    """What the detector decided for recent messages, with a one-line explanation and any steward's mark."""
    rows = community_assessments(
        services, person_id=person.id, community_id=community_id, candidates_only=candidates_only, limit=limit
    )
    marks = console.marks(
        services, actor_id=person.id, community_id=community_id, message_ids=[r.message_id for r in rows]
    )
    return [
        AssessmentOut(
            message_id=r.message_id,
            score=r.score,
            is_candidate=r.is_candidate,
            gaps=r.gaps,
            explanation=r.explanation,
            outcome=r.outcome,
            should_nudge=marks.get(r.message_id),
        )
        for r in rows
    ]


class MarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    should_nudge: bool | None = Field(description="true: should have nudged; false: should not have; null: clear.")


@router.put("/{community_id}/assessments/{message_id}/mark", status_code=204)
def mark_assessment(
    community_id: str, message_id: str, body: MarkIn, services: ServicesDep, person: PersonDep
) -> Response:
    """A steward's label on an assessment ("should have / should not have nudged"), kept for detection."""
    console.mark_assessment(
        services, actor_id=person.id, community_id=community_id, message_id=message_id, should_nudge=body.should_nudge
    )
    return Response(status_code=204)


class DetectorOut(BaseModel):
    labels: int = Field(description="Outcome labels stored: steward marks, 'complete' declines, replies a guide cites.")
    labels_used: int = Field(description="Labels the community's model learned from (ruled-out answers are not).")
    model: str = Field(description="Which model scores the community's answers: shipped, recalibrated or refitted.")
    cold_start_gate: float | None = Field(
        description="While labels are few, the score a candidate must also reach (null: no cold start any more)."
    )


@router.get("/{community_id}/detector", response_model=DetectorOut)
def detector(community_id: str, services: ServicesDep, person: PersonDep) -> DetectorOut:
    """Stewards: how many outcome labels the community has and which terse model it uses (docs/detection.md)."""
    status = detector_status(services, actor_id=person.id, community_id=community_id)
    return DetectorOut(
        labels=status.labels, labels_used=status.labels_used, model=status.model, cold_start_gate=status.cold_start_gate
    )
