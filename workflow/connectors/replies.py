"""Replies in: the expert answered a nudge in the DM, PM or Teams thread; it becomes the nudge's reply."""

from __future__ import annotations

import logging

from connectors.errors import PlatformError
from connectors.model import PrivateReply, Sent
from workflow.connectors.channels import channel_for
from workflow.errors import Conflict, InvalidInput
from workflow.nudges import reply
from workflow.services import Services

log = logging.getLogger("tacit.connectors")
THANKS = (
    "Thank you! Tacit is drafting a guide from the thread and your answer; you review it before anyone else sees it."
)


def record_private_reply(services: Services, event: PrivateReply) -> str:
    """The expert answered a nudge in the DM, PM or Teams thread: record it as the reply (→ guide draft)."""
    with services.uow() as uow:
        identity = uow.connectors.identity(event.platform, event.workspace, event.author.user_id)
        if identity is None:
            return "unknown person"
        delivery = uow.connectors.delivery_by_ref(event.platform, event.conversation, event.in_reply_to or "-")
        delivery = delivery or uow.connectors.latest_open_delivery(
            event.platform, event.conversation, identity.person_id
        )
        if delivery is None:
            return "no nudge here"
        nudge = uow.nudges.get(delivery.nudge_id)
        if nudge is None or nudge.person_id != identity.person_id:
            return "not theirs"
    try:
        reply(services, person_id=nudge.person_id, nudge_id=nudge.id, text=event.text)
    except (Conflict, InvalidInput) as exc:
        log.info("private reply not recorded nudge=%s reason=%s", nudge.id, type(exc).__name__)
        return "not recorded"
    _acknowledge(services, event.platform, delivery.workspace, Sent(delivery.conversation, delivery.message_ref))
    return "done"


def _acknowledge(services: Services, platform: str, workspace: str, sent: Sent) -> None:
    channel = channel_for(services, platform)
    if channel is None:
        return
    try:
        channel.acknowledge(workspace, sent, THANKS)
    except PlatformError as exc:
        log.warning("acknowledgement failed platform=%s error=%s", platform, exc)
