"""A draft is ready: tell its reviewer where they are (a Slack DM with the draft and buttons, a Discourse PM or a
Teams card with the review page's link), once per version."""

from __future__ import annotations

import logging

from connectors.errors import PlatformError
from connectors.model import ReviewNote
from workflow.connectors import reach
from workflow.services import Services

log = logging.getLogger("tacit.review_notes")


def review_url(services: Services, guide_id: str) -> str:
    return f"{services.public_url}/guides/{guide_id}/review"


def notify_review(services: Services, *, guide_id: str, version: int) -> str:
    """Job: send the reviewer the draft (this version) on the platform they are reached on; at most once."""
    key = f"review:{guide_id}:v{version}"
    with services.uow() as uow:
        guide = uow.guides.get(guide_id)
        if guide is None or guide.status != "draft" or guide.version != version:
            return "not waiting"  # approved, rejected, erased, or a newer version was drafted meanwhile
        reached = reach(services, uow, guide.reviewer_id, guide.community_id)
        if reached is None:
            return "no platform"  # the draft waits in GET /v1/me/guides and on the review page
        channel, identity = reached
        if uow.connectors.accept_event("tacit", key, "review", {}, status="done") is None:
            return "already sent"
    note = ReviewNote(
        guide_id=guide_id,
        version=version,
        title=str(guide.content.get("title", "")),
        user_name=identity.display_name or "there",
        url=review_url(services, guide_id),
        content=guide.content,
    )
    try:
        channel.send_review(identity.workspace, identity.user_id, note)
    except PlatformError as exc:
        log.warning("review note failed guide=%s platform=%s error=%s", guide_id, channel.platform, exc)
        with services.uow() as uow:
            uow.connectors.forget_event("tacit", key)  # a later draft or edit tries again
        return "failed"
    log.info("review note sent guide=%s version=%d platform=%s", guide_id, version, channel.platform)
    return "done"
