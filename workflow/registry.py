"""The jobs of the loop, by name, as the job runner calls them."""

from __future__ import annotations

from workflow.connectors import connector_jobs
from workflow.guides import index_guide, synthesize_guide
from workflow.jobs import Handler
from workflow.nudges import assess_message, handle_reply
from workflow.services import Services


def job_handlers(services: Services) -> dict[str, Handler]:
    def assess(p: dict[str, str]) -> None:
        assess_message(services, message_id=p["message_id"])

    def reply(p: dict[str, str]) -> None:
        handle_reply(services, nudge_id=p["nudge_id"])

    def synthesize(p: dict[str, str]) -> None:
        synthesize_guide(services, thread_id=p["thread_id"], reviewer_id=p["reviewer_id"])

    def index(p: dict[str, str]) -> None:
        index_guide(services, guide_id=p["guide_id"])

    return {
        "assess_message": assess,
        "handle_reply": reply,
        "synthesize_guide": synthesize,
        "index_guide": index,
        **connector_jobs(services),
    }
