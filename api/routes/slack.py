"""Slack's slash command and interactivity endpoints: verify the signature on the raw body (5-minute window), parse,
queue the work as a job, and answer within Slack's 3 s.

Only a modal is opened inside the request, because a click's trigger id is valid for 3 s and once; that call is
bounded (TACIT_SLACK_MODAL_TIMEOUT_S) and degrades to a DM with a link.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.routes.webhooks import _context, _secret
from connectors.slack import interactive as ui
from connectors.slack import payloads
from connectors.slack import verify as slack_verify
from workflow import slack_actions
from workflow.job_types import SlackCommand, defer
from workflow.services import Services

router = APIRouter(prefix="/v1/webhooks/slack", tags=["webhooks"])
HELP = "Ask Tacit in your own words, e.g. `/tacit listing got slow on a table with mostly deleted rows`."
NO_BOT = "Tacit cannot answer in Slack yet: its bot token is not set (TACIT_SLACK_BOT_TOKEN). Tell your steward."
BAD: dict[int | str, dict[str, Any]] = {
    401: {"description": "bad signature or stale timestamp"},
    400: {"description": "not Slack's form"},
}
IN_REQUEST = {ui.ANSWER: slack_actions.open_answer_modal, ui.EDIT: slack_actions.open_edit_modal}


async def _verified_form(request: Request) -> dict[str, str]:
    settings, _ = _context(request)
    body = await request.body()
    slack_verify.verify(_secret(settings.slack_signing_secret), body, request.headers)
    return payloads.form(body)


@router.post("/commands", response_model=None, responses=BAD)
async def commands(request: Request) -> dict[str, Any]:
    """`/tacit <question>`: acknowledged at once; the top guides follow as an ephemeral reply (a job)."""
    _, services = _context(request)
    command = payloads.slash_command(await _verified_form(request))
    if not command.text:
        return {"response_type": "ephemeral", "text": HELP}
    if slack_actions.slack_client(services) is None:
        return {"response_type": "ephemeral", "text": NO_BOT}
    job = SlackCommand(command.team, command.user, command.text[:1000], command.response_url, command.trigger_id)
    defer(services.runner, job)
    return {"response_type": "ephemeral", "text": f"Looking for guides about “{ui.cut(command.text, 200)}”…"}


@router.post("/interactivity", response_model=None, responses=BAD)
async def interactivity(request: Request) -> Response | dict[str, Any]:
    """block_actions, view_submission and message shortcuts: queued as jobs; Answer and Edit open a modal."""
    settings, services = _context(request)
    action = payloads.interaction(await _verified_form(request))
    if action.kind == "block_actions" and action.action_id in IN_REQUEST:
        opener = IN_REQUEST[action.action_id]
        await run_in_threadpool(opener, services, action, settings.slack_modal_timeout_s)
        return Response(status_code=200)
    if action.kind == "view_submission" and action.action_id == ui.ANSWER_VIEW:
        text = action.values.get(f"{ui.ANSWER_BLOCK}/{ui.ANSWER_INPUT}", "")
        if not text.strip():  # Slack shows this under the text area and keeps the modal open
            return {"response_action": "errors", "errors": {ui.ANSWER_BLOCK: "Write what you would tell a colleague."}}
    _queue(services, action)
    return Response(status_code=200)


def _queue(services: Services, action: payloads.Interaction) -> None:
    if action.action_id.startswith(ui.LINK) or not action.action_id:
        return  # a URL button: the browser opens the page, nothing to do here
    if action.action_id in (ui.APPROVE, ui.REJECT):
        key = f"guide:{action.value.partition(':')[0]}"  # clicks on one guide run one after the other
    else:
        key = f"{action.action_id}:{action.user}:{action.value or action.view_id or action.trigger_id}"
    defer(services.runner, slack_actions.as_job(key, action))
