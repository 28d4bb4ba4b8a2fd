"""Who may see and do what: roles per community, community visibility, global admins.

Rules (kept in one place so every endpoint and every search applies the same ones):
- open communities: any signed-in person reads their published guides; restricted (the default) and
  confidential: members only.
- a global admin manages every community and person, and reads open and restricted content; confidential
  content stays with the community's own members (an admin may appoint its stewards, never themselves).
- stewards govern their community (ingest, settings, members, held messages, audit); experts review the guides
  drawn from their own knowledge.
"""

from __future__ import annotations

from dataclasses import dataclass

from elicitor.model import Role
from store.records import CommunityRecord
from store.uow import UnitOfWork
from workflow.errors import Forbidden, NotFound

VISIBILITIES = ("open", "restricted", "confidential")


@dataclass(frozen=True)
class Viewer:
    person_id: str
    is_admin: bool
    roles: dict[str, Role]

    def role_in(self, community_id: str) -> Role | None:
        return self.roles.get(community_id)

    def is_member(self, community_id: str) -> bool:
        return community_id in self.roles


def viewer_of(uow: UnitOfWork, person_id: str) -> Viewer:
    person = uow.people.get(person_id)
    if person is None:
        raise NotFound("person not found")
    return Viewer(person_id, bool(person.is_admin), uow.communities.roles_of(person_id))


def stranger() -> Viewer:
    """Someone Tacit cannot name (a Slack user linked to no person): no roles, so open communities only."""
    return Viewer(person_id="", is_admin=False, roles={})


def shareable_in_channel(uow: UnitOfWork, linked_community: str | None) -> list[str]:
    """Communities whose guides may be posted publicly in a chat channel: open ones, and the community the
    channel is linked to (its people talk there); never another restricted or confidential one."""
    shareable = set(readable_communities(uow, stranger()))
    if linked_community is not None:
        shareable.add(linked_community)
    return sorted(shareable)


def readable_communities(uow: UnitOfWork, viewer: Viewer) -> list[str]:
    """Communities whose published guides this viewer may read and search."""
    visible = []
    for community in uow.communities.all():
        open_to_all = community.visibility == "open"
        admin_may = viewer.is_admin and community.visibility == "restricted"
        if viewer.is_member(community.id) or open_to_all or admin_may:
            visible.append(community.id)
    return sorted(visible)


def can_read(uow: UnitOfWork, viewer: Viewer, community_id: str) -> bool:
    return community_id in readable_communities(uow, viewer)


def require_community(uow: UnitOfWork, community_id: str) -> CommunityRecord:
    community = uow.communities.get(community_id)
    if community is None:
        raise NotFound(f"community {community_id!r} does not exist")
    return community


def governs(uow: UnitOfWork, viewer: Viewer, community_id: str) -> bool:
    """Whether the viewer governs the community: require_steward's rule, as a question."""
    try:
        require_steward(uow, viewer, community_id)
    except Forbidden:
        return False
    return True


def require_steward(uow: UnitOfWork, viewer: Viewer, community_id: str) -> CommunityRecord:
    """The community, if the viewer governs it: its steward, or a global admin unless it is confidential."""
    community = require_community(uow, community_id)
    if viewer.role_in(community_id) == Role.STEWARD:
        return community
    if viewer.is_admin and community.visibility != "confidential":
        return community
    raise Forbidden(
        f"only a steward of {community_id!r} can do this"
        + ("" if community.visibility == "confidential" else " (or an admin)")
    )


def require_appointer(uow: UnitOfWork, viewer: Viewer, community_id: str, person_id: str) -> CommunityRecord:
    """Who may give roles: stewards; admins too, but in a confidential community never to themselves."""
    community = require_community(uow, community_id)
    if viewer.role_in(community_id) == Role.STEWARD:
        return community
    if viewer.is_admin and (community.visibility != "confidential" or person_id != viewer.person_id):
        return community
    raise Forbidden(f"only a steward of {community_id!r} can do this")


def require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise Forbidden("only an admin can do this")


def sees_identities(viewer: Viewer, community: CommunityRecord) -> bool:
    """Chatham House: inside the community contributors are named; outside it, nobody is."""
    return not community.chatham_house or viewer.is_member(community.id)
