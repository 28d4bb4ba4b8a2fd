"""xAPI out: the record's events become statements sent in batches to the configured LRS, by a job.

At least once, exactly once in the LRS: a statement's id is the UUID v5 of its event, so a batch sent again after a
crash (before it was logged as sent) holds the same ids and the LRS drops what it already has. Chatham House
communities send keyed pseudonyms, no names and no titles (analytics/xapi.py decides what a statement carries);
erasure sends a voiding statement for each of the person's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from analytics.xapi import Vocabulary, sendable, statement, statement_id, voiding
from connectors.xapi.client import LrsConflict
from workflow.services import Services, StatementSink

log = logging.getLogger("tacit.xapi")


@dataclass(frozen=True)
class XapiRun:
    sent: int
    voided: int
    batches: int


def send_statements(
    services: Services,
    *,
    sink: StatementSink,
    words: Vocabulary,
    batch_size: int = 100,
    community_id: str | None = None,
) -> XapiRun:
    """Void the erased people's statements, then send every statement not yet sent (all communities or one)."""
    voided = _void_erased(services, sink, words, batch_size)
    with services.uow() as uow:
        communities = [(c, ch) for c, ch in uow.xapi.communities() if community_id in (None, c)]
    sent = batches = 0
    for community, chatham_house in communities:
        with services.uow() as uow:
            done, erased = uow.xapi.sent_ids(community), uow.xapi.erased_people()
            events = [e for e in uow.xapi.events(community) if e.person_id not in erased]
        named = not chatham_house
        todo = [e for e in events if sendable(e, named) and statement_id(e.kind, e.key) not in done]
        todo.sort(key=lambda e: (e.at, e.kind, e.key))
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            statements = [statement(e, words, named) for e in batch]
            _post(sink, statements)
            with services.uow() as uow:
                rows = [(s["id"], e.person_id, s["verb"]["id"]) for s, e in zip(statements, batch, strict=True)]
                uow.xapi.mark_sent(community, rows, services.clock())
            sent, batches = sent + len(batch), batches + 1
    if sent or voided:
        log.info("xapi sent=%d voided=%d batches=%d", sent, voided, batches)
    return XapiRun(sent, voided, batches)


def _post(sink: StatementSink, statements: list[dict[str, Any]]) -> None:
    """Send a batch; on a conflict, one by one: a statement the LRS holds under its id (changed since) is stored."""
    try:
        sink.post(statements)
    except LrsConflict:
        for one in statements:
            try:
                sink.post([one])
            except LrsConflict:
                log.warning("xapi statement already stored with other content id=%s", one["id"])


def _void_erased(services: Services, sink: StatementSink, words: Vocabulary, batch_size: int) -> int:
    """A voiding statement per statement of an erased person, timed at the erasure (a resend is identical)."""
    with services.uow() as uow:
        targets = uow.xapi.to_void()
    for start in range(0, len(targets), batch_size):
        batch = targets[start : start + batch_size]
        _post(sink, [voiding(target, words, erased_at) for target, erased_at in batch])
        with services.uow() as uow:
            uow.xapi.mark_voided([target for target, _ in batch])
    return len(targets)


def send_to_lrs(services: Services, *, community_id: str | None = None) -> XapiRun | None:
    """The xapi_send job: send to the configured LRS (all communities or one); nothing without an LRS."""
    if services.xapi is None:
        return None
    out = services.xapi
    return send_statements(
        services, sink=out.sink, words=out.words, batch_size=out.batch_size, community_id=community_id
    )
