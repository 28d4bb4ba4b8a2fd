"""The jobs of the loop, registered in one place: each typed payload (workflow/job_types.py) to its use case.

Both runners (in-process, workflow/jobs.py; procrastinate, workflow/procrastinate_runner.py) get these handlers
from the composition root; they store payloads as JSON and hand them back here, where they become typed again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workflow.connectors.announcements import announce_guide
from workflow.connectors.delivery import deliver_due_nudges, deliver_nudge
from workflow.connectors.events import handle_platform_event
from workflow.guides import index_guide, synthesize_guide
from workflow.job_types import (
    PAYLOADS,
    AnnounceGuide,
    AssessMessage,
    DeliverDueNudges,
    DeliverNudge,
    HandlePlatformEvent,
    HandleReply,
    IndexGuide,
    Job,
    SynthesizeGuide,
    XapiSend,
    from_dict,
)
from workflow.jobs import Handler
from workflow.nudges import assess_message, handle_reply
from workflow.services import Services
from workflow.xapi import send_to_lrs


def _use_cases(services: Services) -> dict[Job, Callable[[Any], object]]:
    """What each job does with its typed payload."""

    def assess(p: AssessMessage) -> object:
        return assess_message(services, message_id=p.message_id)

    def reply(p: HandleReply) -> object:
        handle_reply(services, nudge_id=p.nudge_id)
        return None

    def synthesize(p: SynthesizeGuide) -> object:
        return synthesize_guide(services, thread_id=p.thread_id, reviewer_id=p.reviewer_id)

    def index(p: IndexGuide) -> object:
        return index_guide(services, guide_id=p.guide_id)

    def platform_event(p: HandlePlatformEvent) -> object:
        return handle_platform_event(services, source=p.source, key=p.key, kind=p.kind, payload=p.payload)

    def deliver(p: DeliverNudge) -> object:
        return deliver_nudge(services, nudge_id=p.nudge_id)

    def deliver_due(_: DeliverDueNudges) -> object:
        return deliver_due_nudges(services)

    def announce(p: AnnounceGuide) -> object:
        return announce_guide(services, guide_id=p.guide_id)

    def xapi_send(p: XapiSend) -> object:
        return send_to_lrs(services, community_id=p.community_id or None)

    return {
        Job.ASSESS_MESSAGE: assess,
        Job.HANDLE_REPLY: reply,
        Job.SYNTHESIZE_GUIDE: synthesize,
        Job.INDEX_GUIDE: index,
        Job.HANDLE_PLATFORM_EVENT: platform_event,
        Job.DELIVER_NUDGE: deliver,
        Job.DELIVER_DUE_NUDGES: deliver_due,
        Job.ANNOUNCE_GUIDE: announce,
        Job.XAPI_SEND: xapi_send,
    }


def job_handlers(services: Services) -> dict[str, Handler]:
    """The runners' handlers by job name: a stored payload (JSON strings) becomes typed, then runs its use case."""
    use_cases = _use_cases(services)
    missing = set(Job) - set(use_cases)
    if missing:
        raise RuntimeError(f"jobs without a handler: {sorted(missing)}")

    def handler(job: Job) -> Handler:
        cls, run = PAYLOADS[job], use_cases[job]

        def handle(data: dict[str, str]) -> None:
            run(from_dict(cls, data))

        return handle

    return {job.value: handler(job) for job in Job}
