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


def may_act_in(viewer: Viewer, community_id: str) -> bool:
    """Acting on one's own nudges and guides needs current membership: ownership alone is not enough, so an
    expert removed from a community loses their inbox, drafts and guides there at once."""
    return viewer.is_member(community_id)


def acting_communities(viewer: Viewer) -> list[str]:
    """The communities where the viewer may act on their own nudges and guides."""
    return sorted(viewer.roles)


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
    """Whether the viewer governs the community: require_steward's rule, as a question (NotFound when the
    community does not exist at all)."""
    require_community(uow, community_id)
    try:
        require_steward(uow, viewer, community_id)
    except (Forbidden, NotFound):
        return False
    return True


def require_visible(uow: UnitOfWork, viewer: Viewer, community_id: str) -> CommunityRecord:
    """The community, if the viewer may know it exists (a member, an admin, or open); else NotFound, as if it
    did not exist, so that a 403 never discloses a restricted or confidential community."""
    community = require_community(uow, community_id)
    if viewer.is_member(community_id) or viewer.is_admin or community.visibility == "open":
        return community
    raise NotFound(f"community {community_id!r} does not exist")


def require_steward(uow: UnitOfWork, viewer: Viewer, community_id: str) -> CommunityRecord:
    """The community, if the viewer governs it: its steward, or a global admin unless it is confidential."""
    community = require_visible(uow, viewer, community_id)
    if viewer.role_in(community_id) == Role.STEWARD:
        return community
    if viewer.is_admin and community.visibility != "confidential":
        return community
    raise Forbidden(
        f"only a steward of {community_id!r} can do this"
        + ("" if community.visibility == "confidential" else " (or an admin)")
    )


def require_appointer(
    uow: UnitOfWork, viewer: Viewer, community_id: str, person_id: str, role: Role | None
) -> CommunityRecord:
    """Who may give roles: stewards; admins too, but in a confidential community an admin only appoints a
    steward (someone else, who is not one yet): never removes, demotes or changes anyone else's role there."""
    community = require_visible(uow, viewer, community_id)
    if viewer.role_in(community_id) == Role.STEWARD:
        return community
    if viewer.is_admin and community.visibility != "confidential":
        return community
    if viewer.is_admin and role == Role.STEWARD and person_id != viewer.person_id:
        return community
    raise Forbidden(f"only a steward of {community_id!r} can do this")


def confidential_communities(uow: UnitOfWork) -> list[str]:
    """Ids of the confidential communities (whose governance stays with their own stewards)."""
    return [c.id for c in uow.communities.all() if c.visibility == "confidential"]


def require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise Forbidden("only an admin can do this")


def sees_identities(viewer: Viewer, community: CommunityRecord) -> bool:
    """Chatham House: inside the community contributors are named; outside it, nobody is."""
    return not community.chatham_house or viewer.is_member(community.id)


def require_console(uow: UnitOfWork, viewer: Viewer, community_id: str) -> CommunityRecord:
    """The community's steward console: its governors only; to anyone else who is not a member it does not exist."""
    try:
        return require_steward(uow, viewer, community_id)
    except (Forbidden, NotFound):
        if viewer.is_member(community_id):
            raise
        raise NotFound(f"community {community_id!r} does not exist") from None


def require_eraser(uow: UnitOfWork, viewer: Viewer, person_id: str) -> None:
    """Who may erase or anonymize a person: the person, an admin, or a steward who governs every community the
    person belongs to (a steward never erases someone who also belongs to communities they do not govern)."""
    if viewer.person_id == person_id or viewer.is_admin:
        return
    person = uow.people.get(person_id)
    if person is None:
        raise NotFound("person not found")
    theirs = uow.communities.communities_of(person_id)
    if person.is_admin or not theirs or not all(viewer.role_in(c) == Role.STEWARD for c in theirs):
        raise Forbidden(
            "only the person themselves, an admin, or a steward of every community they belong to can erase them"
        )
