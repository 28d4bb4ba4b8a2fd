"""Connectors in the loop, one module per job: platform events (events), who is who (identities), which channel
feeds which community (links), nudges out with retries (delivery), replies in (replies), guides announced
(announcements). Every function is a job or called by one, keyed by what it works on and safe to run twice.

The public names are re-exported here, so `from workflow.connectors import link_source` keeps working.
"""

from workflow.connectors.announcements import announce_guide
from workflow.connectors.delivery import (
    MAX_DELIVERY_FAILURES,
    NUDGE_BACKLOG,
    deliver_due_nudges,
    deliver_nudge,
    reach,
    reply_code,
)
from workflow.connectors.events import (
    accept_event,
    delete_source_message,
    delete_source_thread,
    edit_source_message,
    handle_platform_event,
    request_guide,
)
from workflow.connectors.identities import link_identity, person_for
from workflow.connectors.links import SourceLink, link_source, list_sources
from workflow.connectors.replies import record_private_reply

__all__ = [
    "MAX_DELIVERY_FAILURES",
    "NUDGE_BACKLOG",
    "SourceLink",
    "accept_event",
    "announce_guide",
    "delete_source_message",
    "delete_source_thread",
    "deliver_due_nudges",
    "deliver_nudge",
    "edit_source_message",
    "handle_platform_event",
    "link_identity",
    "link_source",
    "list_sources",
    "person_for",
    "reach",
    "record_private_reply",
    "reply_code",
    "request_guide",
]
