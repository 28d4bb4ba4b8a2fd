"""The jobs of the loop, by name, as the job runner calls them."""

from __future__ import annotations

from workflow.guides import index_guide, synthesize_guide
from workflow.jobs import Handler
from workflow.nudges import assess_message, handle_reply
from workflow.services import Services


def job_handlers(services: Services) -> dict[str, Handler]:
    return {
        "assess_message": lambda p: assess_message(services, message_id=p["message_id"]) and None,
        "handle_reply": lambda p: handle_reply(services, nudge_id=p["nudge_id"]),
        "synthesize_guide": lambda p: synthesize_guide(services, thread_id=p["thread_id"],
                                                       reviewer_id=p["reviewer_id"]) and None,  # fmt: skip
        "index_guide": lambda p: index_guide(services, guide_id=p["guide_id"]) and None,
    }
