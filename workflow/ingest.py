"""Ingest: store community messages once, then assess each new answer as a job."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from store.records import IncomingMessage, IngestResult
from store.repository import Repository
from workflow.errors import InvalidInput, NotFound
from workflow.services import Services

log = logging.getLogger("tacit.ingest")
STORE_ATTEMPTS = 3


def ingest_messages(services: Services, *, community_id: str, batch: Sequence[IncomingMessage]) -> IngestResult:
    """Store a batch (idempotent on community and external id) and queue the assessment of each new message."""
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
        except IntegrityError:
            # Another request stored some of these messages between our check and our insert: try again,
            # and what it stored now counts as duplicates.
            if attempt == STORE_ATTEMPTS:
                raise
    for message_id in result.new_message_ids:
        services.runner.enqueue("assess_message", message_id, {"message_id": message_id})
    log.info("ingest community=%s accepted=%d duplicates=%d", community_id, result.accepted, result.duplicates)
    return result


def _store(services: Services, community_id: str, batch: Sequence[IncomingMessage]) -> IngestResult:
    with services.db.session() as session:
        repo = Repository(session)
        if repo.get_community(community_id) is None:
            raise NotFound(f"community {community_id!r} does not exist; create it first (tacit community create)")
        return repo.ingest(community_id, batch)
