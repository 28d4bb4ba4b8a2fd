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

from sqlalchemy import select

from elicitor.model import Role
from store.repository import Repository
from store.tables import CommunityRow, MembershipRow, PersonRow
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


def viewer_of(repo: Repository, person_id: str) -> Viewer:
    person = repo.s.get(PersonRow, person_id)
    if person is None:
        raise NotFound("person not found")
    rows = repo.s.scalars(select(MembershipRow).where(MembershipRow.person_id == person_id))
    return Viewer(person_id, bool(person.is_admin), {m.community_id: Role(m.role) for m in rows})


def stranger() -> Viewer:
    """Someone Tacit cannot name (a Slack user linked to no person): no roles, so open communities only."""
    return Viewer(person_id="", is_admin=False, roles={})


def shareable_in_channel(repo: Repository, linked_community: str | None) -> list[str]:
    """Communities whose guides may be posted publicly in a chat channel: open ones, and the community the
    channel is linked to (its people talk there); never another restricted or confidential one."""
    shareable = set(readable_communities(repo, stranger()))
    if linked_community is not None:
        shareable.add(linked_community)
    return sorted(shareable)


def readable_communities(repo: Repository, viewer: Viewer) -> list[str]:
    """Communities whose published guides this viewer may read and search."""
    visible = []
    for community in repo.s.scalars(select(CommunityRow)):
        open_to_all = community.visibility == "open"
        admin_may = viewer.is_admin and community.visibility == "restricted"
        if viewer.is_member(community.id) or open_to_all or admin_may:
            visible.append(community.id)
    return sorted(visible)


def can_read(repo: Repository, viewer: Viewer, community_id: str) -> bool:
    return community_id in readable_communities(repo, viewer)


def require_community(repo: Repository, community_id: str) -> CommunityRow:
    community = repo.get_community(community_id)
    if community is None:
        raise NotFound(f"community {community_id!r} does not exist")
    return community


def governs(repo: Repository, viewer: Viewer, community_id: str) -> bool:
    """Whether the viewer governs the community: require_steward's rule, as a question."""
    try:
        require_steward(repo, viewer, community_id)
    except Forbidden:
        return False
    return True


def require_steward(repo: Repository, viewer: Viewer, community_id: str) -> CommunityRow:
    """The community, if the viewer governs it: its steward, or a global admin unless it is confidential."""
    community = require_community(repo, community_id)
    if viewer.role_in(community_id) == Role.STEWARD:
        return community
    if viewer.is_admin and community.visibility != "confidential":
        return community
    raise Forbidden(
        f"only a steward of {community_id!r} can do this"
        + ("" if community.visibility == "confidential" else " (or an admin)")
    )


def require_appointer(repo: Repository, viewer: Viewer, community_id: str, person_id: str) -> CommunityRow:
    """Who may give roles: stewards; admins too, but in a confidential community never to themselves."""
    community = require_community(repo, community_id)
    if viewer.role_in(community_id) == Role.STEWARD:
        return community
    if viewer.is_admin and (community.visibility != "confidential" or person_id != viewer.person_id):
        return community
    raise Forbidden(f"only a steward of {community_id!r} can do this")


def require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise Forbidden("only an admin can do this")


def sees_identities(viewer: Viewer, community: CommunityRow) -> bool:
    """Chatham House: inside the community contributors are named; outside it, nobody is."""
    return not community.chatham_house or viewer.is_member(community.id)
