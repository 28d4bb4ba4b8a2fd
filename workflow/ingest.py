"""Ingest: store community messages once, then assess each new answer as a job."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from store.errors import DuplicateKey
from store.records import AssessmentRecord, IncomingMessage, IngestResult
from workflow.access import require_steward, viewer_of
from workflow.errors import InvalidInput, NotFound
from workflow.job_types import defer_assessments
from workflow.services import Services

log = logging.getLogger("tacit.ingest")
STORE_ATTEMPTS = 3


def ingest_messages(services: Services, *, community_id: str, batch: Sequence[IncomingMessage]) -> IngestResult:
    """Store a batch (idempotent on community and external id) and queue the assessment of its new messages
    (in jobs of workflow.job_types.ASSESS_BATCH)."""
    for message in batch:
        if len(message.text) > services.max_message_chars:
            raise InvalidInput(
                f"message {message.external_id!r} has {len(message.text)} characters; "
                f"the limit is {services.max_message_chars}"
            )
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            result = _store(services, community_id, batch)
            break
        except DuplicateKey:
            # Another request stored some of these messages between our check and our insert: try again,
            # and what it stored now counts as duplicates.
            if attempt == STORE_ATTEMPTS:
                raise
    defer_assessments(services.runner, result.new_message_ids)
    log.info("ingest community=%s accepted=%d duplicates=%d", community_id, result.accepted, result.duplicates)
    return result


def _store(services: Services, community_id: str, batch: Sequence[IncomingMessage]) -> IngestResult:
    with services.uow() as uow:
        if uow.communities.get(community_id) is None:
            raise NotFound(f"community {community_id!r} does not exist; create it first (tacit community create)")
        return uow.messages.ingest(community_id, batch)


def ensure_may_ingest(services: Services, *, person_id: str, community_id: str) -> None:
    """Only the community's stewards (and admins, unless it is confidential) feed it messages."""
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, person_id), community_id)


def assessments(
    services: Services, *, person_id: str, community_id: str, candidates_only: bool = False, limit: int = 100
) -> list[AssessmentRecord]:
    """What the detector decided for the community's messages, highest score first (stewards only)."""
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, person_id), community_id)
        return uow.assessments.of_community(community_id, candidates_only=candidates_only, limit=min(limit, 1000))
