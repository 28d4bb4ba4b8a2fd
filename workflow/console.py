"""The steward console's use cases that the rest of the workflow does not already serve.

Which communities a person governs, a community at a glance, its members, its assessments with stewards'
"should have / should not have nudged" marks (labels for detection), the audit log with filters, and what
erasing a person would remove. Changing settings, roles, releasing and erasing stay in governance and privacy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store.records import AuditEntryRecord, CommunityRecord, FootprintRecord, MarkedAssessmentRecord, MemberRecord
from workflow.access import governs, require_console, require_eraser, require_steward, viewer_of
from workflow.errors import InvalidInput, NotFound
from workflow.outcomes import queue_recalibration
from workflow.services import Services

MAX_LIST = 1000


@dataclass(frozen=True)
class CommunityOverview:
    community: CommunityRecord
    counts: dict[str, int]


def governed_communities(services: Services, *, actor_id: str) -> list[CommunityRecord]:
    """Every community this person governs (their own as steward; as admin, every one that is not confidential)."""
    with services.uow() as uow:
        viewer = viewer_of(uow, actor_id)
        return [c for c in uow.console.communities() if governs(uow, viewer, c.id)]


def overview(services: Services, *, actor_id: str, community_id: str) -> CommunityOverview:
    """The community's settings and what waits for its stewards; the console's entry, so to someone who is not
    a member the community does not exist (404). The other functions answer like the governance API (403)."""
    with services.uow() as uow:
        community = require_console(uow, viewer_of(uow, actor_id), community_id)
        return CommunityOverview(community, uow.console.counts(community_id))


def members(services: Services, *, actor_id: str, community_id: str) -> list[MemberRecord]:
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, actor_id), community_id)
        return uow.console.members(community_id)


def assessments(
    services: Services, *, actor_id: str, community_id: str, candidates_only: bool = False, limit: int = 100
) -> list[MarkedAssessmentRecord]:
    """Why each answer was or was not nudged, highest score first, with the stewards' mark if any."""
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, actor_id), community_id)
        return uow.console.assessments(
            community_id, candidates_only=candidates_only, limit=max(1, min(limit, MAX_LIST))
        )


def marks(services: Services, *, actor_id: str, community_id: str, message_ids: list[str]) -> dict[str, bool]:
    """The stewards' marks on these assessed messages, by message id (unmarked ones absent)."""
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, actor_id), community_id)
        return uow.console.marks(community_id, message_ids)


def mark_assessment(
    services: Services, *, actor_id: str, community_id: str, message_id: str, should_nudge: bool | None
) -> None:
    """A steward's label on an assessment: should (True) or should not (False) have nudged; None clears it."""
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, actor_id), community_id)
        if not uow.console.assessed_message(community_id, message_id):
            raise NotFound(f"no assessed message {message_id!r} in community {community_id!r}")
        uow.console.set_mark(community_id, message_id, should_nudge, actor_id)
        queue_recalibration(services, uow, community_id)


def audit(
    services: Services,
    *,
    actor_id: str,
    community_id: str,
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[AuditEntryRecord]:
    """The community's audit events, newest first; `action` keeps those whose action starts with it."""
    if since is not None and until is not None and until <= since:
        raise InvalidInput("the end of the period must come after its start")
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, actor_id), community_id)
        return uow.console.audit(
            community_id, action=action.strip()[:64], since=since, until=until, limit=max(1, min(limit, MAX_LIST))
        )


def audit_actions(services: Services, *, actor_id: str, community_id: str) -> list[str]:
    """The kinds of action the community's audit log holds (for the filter)."""
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, actor_id), community_id)
        return uow.console.audit_actions(community_id)


def erasure_preview(services: Services, *, actor_id: str, community_id: str, person_id: str) -> FootprintRecord:
    """What erasing (or anonymizing) a member of this community would touch, for the confirmation step."""
    with services.uow() as uow:
        viewer = viewer_of(uow, actor_id)
        require_steward(uow, viewer, community_id)
        footprint = uow.console.footprint(person_id)
        if footprint is None or community_id not in footprint.communities:
            raise NotFound(f"no member {person_id!r} in community {community_id!r}")
        require_eraser(uow, viewer, person_id)
        return footprint
