"""Slack's slash command, buttons, modals and shortcuts as use cases: each calls the workflow function the JSON API
calls (search, nudge reply/decline/snooze, guide approve/edit/reject, feedback), as the Tacit person the Slack
user is linked to, and shows the outcome in Slack.

The endpoints only verify, parse and queue (Slack wants an answer within 3 s); everything here runs as a job,
except opening a modal, which must use the click's trigger id at once (`open_*_modal`, bounded in time).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from connectors.errors import PlatformError
from connectors.model import ReviewNote
from connectors.slack import interactive as ui
from connectors.slack import payloads
from connectors.slack.client import SlackClient
from connectors.slack.events import message_id
from elicitor.model import Role
from store.uow import UnitOfWork
from synthesizer.model import SECTION_TITLES, GuideDraft, Section, mask_mentions
from tandem.partner import Partner, Passage
from workflow import guides, nudges, reading
from workflow.access import Viewer, sees_identities, shareable_in_channel, stranger, viewer_of
from workflow.connectors import request_guide
from workflow.errors import WorkflowError
from workflow.job_types import NotifyReview, SlackDm, SlackInteraction, defer
from workflow.review_notes import review_url
from workflow.services import Services

log = logging.getLogger("tacit.slack")
TOP_GUIDES = 3
NOT_LINKED = (
    "Your Slack account is not linked to a Tacit person, so only open communities were searched. Post once in a "
    "channel linked to your community, or ask a steward to run `tacit connect person <your handle> --platform "
    "slack --user <your Slack id> --workspace <team id>`."
)
CAPTURED = {
    "done": "Tacit is drafting a guide from this thread; the expert who answered reviews it before anyone sees it.",
    "guide exists": "This thread already has a guide (or a draft under review).",
    "no expert": "No expert or steward has answered in this thread yet, so nobody could review a guide from it.",
    "unknown message": "Tacit has not seen this message; is the channel linked to a community?",
    "not linked": "This channel is not linked to a Tacit community (`tacit connect slack`).",
}


def slack_client(services: Services) -> SlackClient | None:
    return next((c for c in services.channels if isinstance(c, SlackClient)), None)


def person_of(services: Services, team: str, user: str) -> str | None:
    """The Tacit person a Slack user is linked to (identity links), or None."""
    with services.uow() as uow:
        identity = uow.connectors.identity("slack", team, user)
        return identity.person_id if identity else None


# -- /tacit <question> -----------------------------------------------------------------------------------------


def answer_command(
    services: Services, partner: Partner | None, *, team: str, user: str, text: str, response_url: str
) -> str:
    """Job: the top guides for the question, only where the user may read, as an ephemeral reply."""
    client = slack_client(services)
    if client is None:
        return "no slack"
    person_id = person_of(services, team, user)
    try:
        results = guides.search(services, person_id=person_id, query=text, community_id=None, limit=TOP_GUIDES)
    except WorkflowError as exc:
        _respond(client, response_url, {"response_type": "ephemeral", "text": str(exc)})
        return "refused"
    with services.uow() as uow:
        viewer = viewer_of(uow, person_id) if person_id else stranger()
        hits = _hit_views(services, uow, viewer, results)
    answer = _cited_answer(partner, text, results) if hits else None
    reasons = reading.FEEDBACK_REASONS if person_id else None  # feedback is a Tacit person's, never anonymous
    message = ui.search_message(text, hits, answer=answer, note=None if person_id else NOT_LINKED, reasons=reasons)
    return "done" if _respond(client, response_url, {"response_type": "ephemeral", **message}) else "failed"


def _hit_views(
    services: Services, uow: UnitOfWork, audience: Viewer, results: list[guides.SearchResult]
) -> list[ui.HitView]:
    """Results as the audience may see them: Chatham House communities name nobody to outsiders."""
    views = []
    for result in results:
        community = uow.communities.get(result.guide.community_id)
        named = community is None or sees_identities(audience, community)
        reviewer = uow.people.get(result.guide.reviewer_id)
        approver = reviewer.display_name if reviewer and named else f"a member of {community.name if community else ''}"
        text = result.hit.text if named else mask_mentions(result.hit.text)
        title = result.hit.title if named else mask_mentions(result.hit.title)
        section = SECTION_TITLES.get(Section(result.hit.section), result.hit.section) if _is_section(result) else ""
        url = f"{services.public_url}/guides/{result.guide.id}"
        views.append(ui.HitView(result.guide.id, title, section, text, approver, url))
    return views


def _is_section(result: guides.SearchResult) -> bool:
    return result.hit.section in {s.value for s in Section}


def _cited_answer(partner: Partner | None, question: str, results: list[guides.SearchResult]) -> str | None:
    """With an LLM: a short answer from the guides found, each sentence citing them ([n] is the nth guide)."""
    if partner is None:
        return None
    passages = [
        Passage(f"guide:{r.guide.id}", "guide", r.hit.title, r.hit.text, r.guide.community_id, 1.0) for r in results
    ]
    answer = partner.answer(question, passages)
    if answer.nothing_known or answer.engine != "llm":
        return None  # the offline partner only quotes what the list below shows anyway
    order = {p.id: n for n, p in enumerate(passages, 1)}
    legend = ", ".join(f"[{n}] = guide {order[p.id]}" for n, p in enumerate(answer.citations, 1) if p.id in order)
    return ui.cut(f"{answer.text}\n({legend})", 1500)


def share_results(services: Services, action: payloads.Interaction) -> str:
    """Job: "Share in channel": the same search as the sharer, kept to what the channel's audience may read."""
    client = slack_client(services)
    data = _json(action.value)
    query, chosen = str(data.get("q", "")), {str(g) for g in data.get("g", [])}
    if client is None or not query.strip() or not action.response_url:
        return "nothing to share"
    person_id = person_of(services, action.team, action.user)
    results = guides.search(services, person_id=person_id, query=query, community_id=None, limit=TOP_GUIDES)
    with services.uow() as uow:
        link = uow.connectors.source_for("slack", action.team, action.channel)
        linked = link.community_id if link else None
        shareable = set(shareable_in_channel(uow, linked))
        kept = [r for r in results if r.guide.id in chosen and r.guide.community_id in shareable]
        audience = Viewer("", False, {linked: Role.MEMBER} if linked else {})
        hits = _hit_views(services, uow, audience, kept)
    if not hits:
        _respond(client, action.response_url, _ephemeral("None of these guides may be shown to everyone here."))
        return "nothing shareable"
    name = f"<@{action.user}>" if action.user.isalnum() else "someone"
    message = ui.search_message(query, hits, answer=None, note=None, shared_by=name)
    if not _respond(client, action.response_url, {"response_type": "in_channel", "replace_original": False, **message}):
        return "failed"
    left_out = len(chosen) - len(hits)
    if left_out > 0:
        _respond(client, action.response_url, _ephemeral(f"{left_out} guide(s) were left out: not readable here."))
    return "done"


def not_helpful(services: Services, action: payloads.Interaction) -> str:
    """Job: "Not helpful…" with a reason on a guide found for a question: the pages' feedback, seen by its reviewer."""
    guide_id, _, reason = action.value.partition(":")
    person_id = person_of(services, action.team, action.user)
    if person_id is None:
        _tell(services, action, NOT_LINKED)
        return "not linked"
    try:
        reading.give_feedback(services, person_id=person_id, guide_id=guide_id, helpful=False, reason=reason)
        text = "Thanks: noted that this guide did not help. Its reviewer sees it."
    except WorkflowError as exc:
        text = str(exc)
    _tell(services, action, text)
    return "done"


# -- nudges ----------------------------------------------------------------------------------------------------


def open_answer_modal(services: Services, action: payloads.Interaction, timeout_s: float) -> str:
    """In the request: the Answer button opens a modal with the trigger id (valid 3 s, once); when that fails
    (expired, reused, slow) the person gets a DM with the nudge's page instead."""
    nudge_id = action.value
    person_id = person_of(services, action.team, action.user)
    waiting = {n.id: n for n in nudges.inbox(services, person_id=person_id)} if person_id else {}
    if nudge_id not in waiting:
        _queue_dm(services, action, "This follow-up question is no longer waiting for you.", None)
        return "not waiting"
    metadata = f"{nudge_id}|{action.channel}|{action.message_ts}"
    view = {**ui.answer_modal(nudge_id, waiting[nudge_id].question), "private_metadata": metadata}
    return _open(services, action, view, timeout_s, f"{services.public_url}/inbox/{nudge_id}")


def _open(services: Services, action: payloads.Interaction, view: dict, timeout_s: float, fallback_url: str) -> str:
    client = slack_client(services)
    if client is None:
        return "no slack"
    try:
        client.open_view(action.trigger_id, view, timeout_s)
        return "opened"
    except PlatformError as exc:  # expired_trigger_id, exchanged_trigger_id, a timeout ...
        log.info("views.open failed (%s): a DM with the link instead", exc)
        _queue_dm(services, action, "Slack could not open the form in time. Continue in Tacit:", fallback_url)
        return "degraded"


def _queue_dm(services: Services, action: payloads.Interaction, text: str, url: str | None) -> None:
    defer(services.runner, SlackDm(action.team, action.user, text, url or "", action.trigger_id))


def send_dm(services: Services, *, user: str, text: str, url: str) -> str:
    """Job: a DM to the user, with a link to Tacit's page when one is given."""
    client = slack_client(services)
    if client is None:
        return "no slack"
    client.direct_message(user, text + (f" {url}" if url else ""), ui.outcome_blocks(text, url or None))
    return "done"


def submit_answer(services: Services, action: payloads.Interaction) -> str:
    """Job: the Answer modal's text becomes the nudge's reply (screened, then the guide is drafted)."""
    nudge_id, channel, ts = (action.metadata.split("|") + ["", ""])[:3]
    text = action.values.get(f"{ui.ANSWER_BLOCK}/{ui.ANSWER_INPUT}", "")
    return _nudge_step(
        services,
        action,
        nudge_id,
        lambda person_id: nudges.reply(services, person_id=person_id, nudge_id=nudge_id, text=text),
        "Answered. Thank you! Tacit is drafting a guide from the thread and your answer; you review it first.",
        where=(channel, ts),
    )


def decline_or_snooze(services: Services, action: payloads.Interaction) -> str:
    """Job: Decline (with a reason) or Snooze picked in a nudge DM."""
    nudge_id, _, choice = action.value.partition(":")
    if action.action_id == ui.DECLINE:
        code = choice if choice in nudges.DECLINE_REASONS else None
        reason = nudges.DECLINE_REASONS.get(choice, "no reason given")
        return _nudge_step(
            services,
            action,
            nudge_id,
            lambda person_id: nudges.decline(services, person_id=person_id, nudge_id=nudge_id, reason=code),
            f"Declined ({reason}). Tacit will not ask about this answer again.",
        )
    hours = float(choice) if choice in ui.SNOOZE_HOURS else 24.0
    return _nudge_step(
        services,
        action,
        nudge_id,
        lambda person_id: nudges.snooze(services, person_id=person_id, nudge_id=nudge_id, until=None, hours=hours),
        f"Snoozed for {ui.SNOOZE_HOURS.get(choice, '1 day')}; it comes back then.",
    )


def _nudge_step(
    services: Services,
    action: payloads.Interaction,
    nudge_id: str,
    step: Callable[[str], object],
    done_text: str,
    where: tuple[str, str] | None = None,
) -> str:
    person_id = person_of(services, action.team, action.user)
    if person_id is None:
        _tell(services, action, NOT_LINKED)
        return "not linked"
    try:
        step(person_id)
    except WorkflowError as exc:
        _tell(services, action, str(exc))
        return "refused"
    channel, ts = where or (action.channel, action.message_ts)
    _update(services, channel, ts, done_text, f"{services.public_url}/inbox/{nudge_id}")
    return "done"


# -- review ----------------------------------------------------------------------------------------------------


def _guide_ref(value: str) -> tuple[str, int, str]:
    guide_id, _, rest = value.partition(":")
    version, _, section = rest.partition(":")
    return guide_id, int(version) if version.isdigit() else -1, section


def review_step(services: Services, action: payloads.Interaction) -> str:
    """Job: Approve or Reject the version shown; only its reviewer, and a second click does nothing again."""
    guide_id, version, _ = _guide_ref(action.value)
    person_id = person_of(services, action.team, action.user)
    if person_id is None:
        _tell(services, action, NOT_LINKED)
        return "not linked"
    verb = "approve" if action.action_id == ui.APPROVE else "reject"
    key = f"{verb}:{guide_id}:v{version}"
    try:
        current = guides.get_guide(services, person_id=person_id, guide_id=guide_id)
        if current.version != version or current.status != "draft":
            _tell(services, action, f"Nothing done: this guide is now {current.status} (version {current.version}).")
            return "stale"
        with services.uow() as uow:
            if uow.connectors.accept_event("slack", key, verb, {}, status="done") is None:
                return "twice"  # the first click is doing it
        try:
            run = guides.approve if verb == "approve" else guides.reject
            run(services, person_id=person_id, guide_id=guide_id)
        except WorkflowError:
            with services.uow() as uow:
                uow.connectors.forget_event("slack", key)
            raise
    except WorkflowError as exc:
        _tell(services, action, str(exc))
        return "refused"
    outcome = "Approved and published: members find it in search now." if verb == "approve" else "Rejected."
    link = f"{services.public_url}/guides/{guide_id}" + ("" if verb == "approve" else "/review")
    _update(services, action.channel, action.message_ts, outcome, link)
    return "done"


def open_edit_modal(services: Services, action: payloads.Interaction, timeout_s: float) -> str:
    """In the request: Edit opens a modal with the section's sentences (the reviewer's draft only)."""
    guide_id, version, section = _guide_ref(action.value)
    fallback = review_url(services, guide_id)
    person_id = person_of(services, action.team, action.user)
    record = None
    if person_id is not None:
        try:
            record = guides.get_guide(services, person_id=person_id, guide_id=guide_id)
        except WorkflowError:
            record = None  # not theirs to see: answered like a guide that does not exist
    if record is None or record.reviewer_id != person_id or record.version != version:
        _queue_dm(services, action, "This draft is not yours to edit, or it changed. The newest version:", fallback)
        return "refused"
    view = ui.guide_view(_note(record.id, record.version, record.content, fallback))
    chosen = next((s for s in view.sections if s.key == section), None)
    if chosen is None:
        return "no such section"
    modal = ui.edit_modal(view, chosen)
    modal["private_metadata"] = f"{modal['private_metadata']}|{action.channel}|{action.message_ts}"
    return _open(services, action, modal, timeout_s, fallback)


def submit_edit(services: Services, action: payloads.Interaction) -> str:
    """Job: the edited sentences replace the section's (each keeps its citations); saved as a new version through
    the same edit as the API (screened for personal data), then the new draft is sent for review."""
    ref, channel, ts = (action.metadata.split("|") + ["", ""])[:3]
    guide_id, version, section = _guide_ref(ref)
    person_id = person_of(services, action.team, action.user)
    if person_id is None:
        return "not linked"
    try:
        record = guides.get_guide(services, person_id=person_id, guide_id=guide_id)
        if record.version != version:
            send_dm(services, user=action.user, text="The draft changed while you edited; nothing was saved.", url="")
            return "stale"
        content = _with_section(record.content, section, action.values)
        edited = guides.edit(services, person_id=person_id, guide_id=guide_id, content=content)
    except WorkflowError as exc:
        send_dm(services, user=action.user, text=f"Your edit was not saved: {exc}", url=review_url(services, guide_id))
        return "refused"
    _update(services, channel, ts, f"Edited: version {edited.version} follows for your review.", None)
    defer(services.runner, NotifyReview(guide_id, str(edited.version)))
    return "done"


def _with_section(content: dict[str, Any], section: str, values: dict[str, str]) -> dict[str, Any]:
    draft = GuideDraft.model_validate(content)
    key = Section(section)
    sentences = draft.sections.get(key, [])
    texts = ui.edited_sentences(values, len(sentences))
    kept = [
        s if t is None else s.model_copy(update={"text": t}) for s, t in zip(sentences, texts, strict=True) if t != ""
    ]
    sections = {k.value: [s.model_dump() for s in v] for k, v in draft.sections.items() if k != key}
    if kept:
        sections[key.value] = [s.model_dump() for s in kept]
    return {"title": draft.title, "sections": sections}


def _note(guide_id: str, version: int, content: dict, url: str) -> ReviewNote:
    return ReviewNote(guide_id, version, str(content.get("title", "")), "", url, content)


# -- "Capture this thread" -------------------------------------------------------------------------------------


def capture_thread(services: Services, action: payloads.Interaction) -> str:
    """Job: the message shortcut asks for a guide from the message's thread, as the guide reaction does."""
    with services.uow() as uow:
        link = uow.connectors.source_for("slack", action.team, action.channel)
        community_id = link.community_id if link else None
    outcome = "not linked"
    if community_id is not None:
        external = message_id(action.channel, action.message_ts)
        outcome = request_guide(services, community_id=community_id, external_id=external)
    _tell(services, action, CAPTURED.get(outcome, outcome))
    return outcome


# -- replies in Slack ------------------------------------------------------------------------------------------


def _respond(client: SlackClient, response_url: str, message: dict[str, Any]) -> bool:
    """Post through a response_url (valid 30 minutes, 5 times); a refusal is logged, not retried."""
    try:
        client.respond(response_url, message)
    except PlatformError as exc:
        log.warning("slack response_url failed: %s", exc)
        return False
    return True


def _ephemeral(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "replace_original": False, "text": text}


def _tell(services: Services, action: payloads.Interaction, text: str) -> None:
    """An answer only the clicking person sees: through the response_url, or a DM (views have none)."""
    client = slack_client(services)
    if client is None:
        return
    try:
        if action.response_url:
            client.respond(action.response_url, _ephemeral(text))
        else:
            client.direct_message(action.user, text)
    except PlatformError as exc:
        log.warning("slack reply failed: %s", exc)


def _update(services: Services, channel: str, ts: str, text: str, url: str | None) -> None:
    """chat.update: the message acted on shows the outcome (its buttons go)."""
    client = slack_client(services)
    if client is None or not channel or not ts:
        return
    try:
        client.update_message(channel, ts, text, ui.outcome_blocks(text, url))
    except PlatformError as exc:
        log.warning("slack chat.update failed: %s", exc)


def _json(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def as_job(key: str, action: payloads.Interaction) -> SlackInteraction:
    """An interaction as a typed job (its payload holds strings only)."""
    return SlackInteraction(key, json.dumps(asdict(action)))


def from_payload(job: SlackInteraction) -> payloads.Interaction:
    return payloads.Interaction(**json.loads(job.interaction))


def handle_interaction(services: Services, action: payloads.Interaction) -> str:
    """Job: one queued click, submission or shortcut, by what it is."""
    handlers: dict[str, Callable[[Services, payloads.Interaction], str]] = {
        ui.SHARE: share_results,
        ui.NOT_HELPFUL: not_helpful,
        ui.DECLINE: decline_or_snooze,
        ui.SNOOZE: decline_or_snooze,
        ui.APPROVE: review_step,
        ui.REJECT: review_step,
        ui.ANSWER_VIEW: submit_answer,
        ui.EDIT_VIEW: submit_edit,
        ui.CAPTURE: capture_thread,
    }
    handler = handlers.get(action.action_id)
    return handler(services, action) if handler else "ignored"
