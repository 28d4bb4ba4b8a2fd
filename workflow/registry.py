"""The jobs of the loop, registered in one place: each typed payload (workflow/job_types.py) to its use case.

Both runners (in-process, workflow/jobs.py; procrastinate, workflow/procrastinate_runner.py) get these handlers
from the composition root; they store payloads as JSON and hand them back here, where they become typed again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from prompts.llm import LLM
from tandem.partner import LLMPartner
from workflow import slack_actions, slack_home
from workflow.assess import assess_message, assess_messages
from workflow.connectors.announcements import announce_guide
from workflow.connectors.delivery import deliver_due_nudges, deliver_nudge
from workflow.connectors.events import handle_platform_event
from workflow.guides import compact_index, index_guide, synthesize_guide
from workflow.job_types import (
    PAYLOADS,
    AnnounceGuide,
    AssessMessage,
    AssessMessages,
    CompactIndex,
    DeliverDueNudges,
    DeliverNudge,
    HandlePlatformEvent,
    HandleReply,
    IndexGuide,
    Job,
    NotifyReview,
    RecalibrateDetector,
    SlackCommand,
    SlackDm,
    SlackHome,
    SlackInteraction,
    SynthesizeGuide,
    XapiSend,
    defer,
    from_dict,
)
from workflow.jobs import Handler
from workflow.nudges import handle_reply
from workflow.outcomes import recalibrate_detector
from workflow.review_notes import notify_review
from workflow.services import Services
from workflow.xapi import send_to_lrs

log = logging.getLogger("tacit.jobs")


def _use_cases(services: Services, llm: LLM | None) -> dict[Job, Callable[[Any], object]]:
    """What each job does with its typed payload."""

    def assess(p: AssessMessage) -> object:
        return assess_message(services, message_id=p.message_id)

    def assess_batch(p: AssessMessages) -> object:
        try:
            return assess_messages(services, message_ids=p.ids(), only_unassessed=True)
        except Exception:
            # One message the batch cannot take (or a race lost to a twin) must not hold back the others: each
            # is queued as its own job, which retries and fails alone. Raised again if even that cannot be queued.
            log.exception("assessing a batch of %d messages failed; each is queued on its own", len(p.ids()))
            for message_id in p.ids():
                defer(services.runner, AssessMessage(message_id))
            return None

    def reply(p: HandleReply) -> object:
        handle_reply(services, nudge_id=p.nudge_id)
        return None

    def synthesize(p: SynthesizeGuide) -> object:
        return synthesize_guide(services, thread_id=p.thread_id, reviewer_id=p.reviewer_id)

    def index(p: IndexGuide) -> object:
        return index_guide(services, guide_id=p.guide_id)

    def compact(_: CompactIndex) -> object:
        return compact_index(services)

    def platform_event(p: HandlePlatformEvent) -> object:
        return handle_platform_event(services, source=p.source, key=p.key, kind=p.kind, payload=p.payload)

    def deliver(p: DeliverNudge) -> object:
        return deliver_nudge(services, nudge_id=p.nudge_id)

    def deliver_due(_: DeliverDueNudges) -> object:
        return deliver_due_nudges(services)

    def announce(p: AnnounceGuide) -> object:
        return announce_guide(services, guide_id=p.guide_id)

    def review(p: NotifyReview) -> object:
        return notify_review(services, guide_id=p.guide_id, version=int(p.version))

    def xapi_send(p: XapiSend) -> object:
        return send_to_lrs(services, community_id=p.community_id or None)

    def recalibrate(p: RecalibrateDetector) -> object:
        return recalibrate_detector(services, community_id=p.community_id)

    return {
        Job.ASSESS_MESSAGE: assess,
        Job.ASSESS_MESSAGES: assess_batch,
        Job.HANDLE_REPLY: reply,
        Job.SYNTHESIZE_GUIDE: synthesize,
        Job.INDEX_GUIDE: index,
        Job.COMPACT_INDEX: compact,
        Job.HANDLE_PLATFORM_EVENT: platform_event,
        Job.DELIVER_NUDGE: deliver,
        Job.DELIVER_DUE_NUDGES: deliver_due,
        Job.ANNOUNCE_GUIDE: announce,
        Job.XAPI_SEND: xapi_send,
        Job.NOTIFY_REVIEW: review,
        Job.RECALIBRATE_DETECTOR: recalibrate,
        **_slack_use_cases(services, llm),
    }


def _slack_use_cases(services: Services, llm: LLM | None) -> dict[Job, Callable[[Any], object]]:
    """Slack's slash command, clicks and App Home; with an LLM the command writes a short cited answer."""
    partner = LLMPartner(llm) if llm is not None else None

    def command(p: SlackCommand) -> object:
        return slack_actions.answer_command(
            services, partner, team=p.team, user=p.user, text=p.text, response_url=p.response_url
        )

    def interaction(p: SlackInteraction) -> object:
        return slack_actions.handle_interaction(services, slack_actions.from_payload(p))

    def home(p: SlackHome) -> object:
        return slack_home.publish_home(services, team=p.team, user=p.user)

    def dm(p: SlackDm) -> object:
        return slack_actions.send_dm(services, user=p.user, text=p.text, url=p.url)

    return {Job.SLACK_COMMAND: command, Job.SLACK_INTERACTION: interaction, Job.SLACK_HOME: home, Job.SLACK_DM: dm}


def job_handlers(services: Services, llm: LLM | None = None) -> dict[str, Handler]:
    """The runners' handlers by job name: a stored payload (JSON strings) becomes typed, then runs its use case."""
    use_cases = _use_cases(services, llm)
    missing = set(Job) - set(use_cases)
    if missing:
        raise RuntimeError(f"jobs without a handler: {sorted(missing)}")

    def handler(job: Job) -> Handler:
        cls, run = PAYLOADS[job], use_cases[job]

        def handle(data: dict[str, str]) -> None:
            run(from_dict(cls, data))

        return handle

    return {job.value: handler(job) for job in Job}
