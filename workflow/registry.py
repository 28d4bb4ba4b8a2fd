"""The jobs of the loop, by name, as the job runner calls them."""

from __future__ import annotations

from prompts.llm import LLM
from tandem.partner import LLMPartner
from workflow import slack_actions, slack_home
from workflow.connectors import connector_jobs
from workflow.guides import index_guide, synthesize_guide
from workflow.jobs import Handler
from workflow.nudges import assess_message, handle_reply
from workflow.review_notes import notify_review
from workflow.services import Services


def job_handlers(services: Services, llm: LLM | None = None) -> dict[str, Handler]:
    def assess(p: dict[str, str]) -> None:
        assess_message(services, message_id=p["message_id"])

    def reply(p: dict[str, str]) -> None:
        handle_reply(services, nudge_id=p["nudge_id"])

    def synthesize(p: dict[str, str]) -> None:
        synthesize_guide(services, thread_id=p["thread_id"], reviewer_id=p["reviewer_id"])

    def index(p: dict[str, str]) -> None:
        index_guide(services, guide_id=p["guide_id"])

    def review(p: dict[str, str]) -> None:
        notify_review(services, guide_id=p["guide_id"], version=int(p["version"]))

    return {
        "assess_message": assess,
        "handle_reply": reply,
        "synthesize_guide": synthesize,
        "index_guide": index,
        "notify_review": review,
        **connector_jobs(services),
        **slack_jobs(services, llm),
    }


def slack_jobs(services: Services, llm: LLM | None) -> dict[str, Handler]:
    """Slack's slash command, clicks and App Home; with an LLM the command writes a short cited answer."""
    partner = LLMPartner(llm) if llm is not None else None

    def command(p: dict[str, str]) -> None:
        slack_actions.answer_command(
            services, partner, team=p["team"], user=p["user"], text=p["text"], response_url=p["response_url"]
        )

    def interaction(p: dict[str, str]) -> None:
        slack_actions.handle_interaction(services, slack_actions.from_payload(p))

    def home(p: dict[str, str]) -> None:
        slack_home.publish_home(services, team=p["team"], user=p["user"])

    def dm(p: dict[str, str]) -> None:
        slack_actions.send_dm(services, user=p["user"], text=p["text"], url=p["url"])

    return {"slack_command": command, "slack_interaction": interaction, "slack_home": home, "slack_dm": dm}
