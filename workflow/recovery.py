"""Recovery after a crash: work that was acknowledged but never done is found in the database and queued again.

The database is the record and every job is idempotent, so the sweep needs no outbox: a message without an
assessment (not held) is assessed, an answered nudge whose thread has no guide written since the reply is drafted,
and a community whose outcome labels changed since its detector was stored is recalibrated.
It runs when Tacit starts (the in-process queue lives in memory and dies with a `kill -9`) and every few minutes
(a procrastinate deferral can be lost between the message's commit and the defer). An erasure's vector index
compaction is found the same way, from the index's own record that one is due (`GuideSearch.compaction_due`).
"""

from __future__ import annotations

import logging

from workflow.job_types import CompactIndex, HandleReply, RecalibrateDetector, defer, defer_assessments
from workflow.outcomes import stale_detectors
from workflow.services import Services

log = logging.getLogger("tacit.recovery")
BATCH = 10_000  # per sweep: a larger backlog is taken by the next sweep


def reconcile(services: Services) -> int:
    """Queue every assessment and draft that was acknowledged but never done; returns how many were queued."""
    with services.uow() as uow:
        messages = uow.messages.unassessed_ids(BATCH)
        replies = uow.nudges.replies_without_draft(BATCH)
    defer_assessments(services.runner, messages)
    for nudge_id in replies:
        defer(services.runner, HandleReply(nudge_id))
    if services.search.compaction_due():  # an erasure's compaction that a crash interrupted (or never ran)
        defer(services.runner, CompactIndex())
    detectors = stale_detectors(services)  # new outcome labels whose recalibration never ran
    for community_id in detectors:
        defer(services.runner, RecalibrateDetector(community_id))
    if messages or replies or detectors:
        log.warning(
            "recovery queued assessments=%d drafts=%d detectors=%d left over from an interrupted run",
            len(messages),
            len(replies),
            len(detectors),
        )
    return len(messages) + len(replies) + len(detectors)
