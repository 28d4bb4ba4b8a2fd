"""Communities and memberships: who belongs where, with which role."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from elicitor.model import Role
from store.records import CommunityRecord, CommunitySettingsChange, PersonRecord
from store.repositories.rows import maybe, record_of
from store.tables import CommunityRow, MembershipRow, PersonRow, RemovalRow


class CommunityRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, community_id: str) -> CommunityRecord | None:
        return maybe(CommunityRecord, self.s.get(CommunityRow, community_id))

    def all(self) -> list[CommunityRecord]:
        return [record_of(CommunityRecord, r) for r in self.s.scalars(select(CommunityRow).order_by(CommunityRow.id))]

    def by_ids(self, community_ids: Iterable[str]) -> dict[str, CommunityRecord]:
        """The communities with these ids, in one query."""
        ids = list(set(community_ids))
        if not ids:
            return {}
        rows = self.s.scalars(select(CommunityRow).where(CommunityRow.id.in_(ids)))
        return {r.id: record_of(CommunityRecord, r) for r in rows}

    def upsert(self, community_id: str, name: str, description: str = "") -> CommunityRecord:
        row = self.s.get(CommunityRow, community_id)
        if row is None:
            row = CommunityRow(id=community_id, name=name, description=description)
            self.s.add(row)
        else:
            row.name, row.description = name, description
        self.s.flush()
        return record_of(CommunityRecord, row)

    def update(self, community_id: str, change: CommunitySettingsChange) -> CommunityRecord:
        """Apply the settings that are not None."""
        row = self.s.get(CommunityRow, community_id)
        if row is None:
            raise KeyError(community_id)
        for name, value in change.__dict__.items():
            if value is not None:
                setattr(row, name, value)
        self.s.flush()
        return record_of(CommunityRecord, row)

    # -- memberships ------------------------------------------------------------------------------------------
    def set_role(self, community_id: str, person_id: str, role: Role) -> None:
        """Give a role; an explicit role also ends an earlier removal."""
        row = self.s.get(MembershipRow, (community_id, person_id))
        if row is None:
            self.s.add(MembershipRow(community_id=community_id, person_id=person_id, role=role.value))
        else:
            row.role = role.value
        removal = self.s.get(RemovalRow, (community_id, person_id))
        if removal is not None:
            self.s.delete(removal)
        self.s.flush()

    def remove_member(self, community_id: str, person_id: str) -> None:
        """End a membership and remember the removal, so that new messages of theirs never restore it."""
        row = self.s.get(MembershipRow, (community_id, person_id))
        if row is not None:
            self.s.delete(row)
        if self.s.get(RemovalRow, (community_id, person_id)) is None:
            self.s.add(RemovalRow(community_id=community_id, person_id=person_id))
        self.s.flush()

    def role_of(self, community_id: str, person_id: str) -> Role | None:
        row = self.s.get(MembershipRow, (community_id, person_id))
        return Role(row.role) if row else None

    def roles_in(self, community_id: str, person_ids: Iterable[str]) -> dict[str, Role]:
        """The role of each of these people who is a member of the community, in one query."""
        ids = list(set(person_ids))
        if not ids:
            return {}
        rows = self.s.scalars(
            select(MembershipRow).where(MembershipRow.community_id == community_id, MembershipRow.person_id.in_(ids))
        )
        return {m.person_id: Role(m.role) for m in rows}

    def roles_of(self, person_id: str) -> dict[str, Role]:
        """The person's role in each community they belong to."""
        rows = self.s.scalars(select(MembershipRow).where(MembershipRow.person_id == person_id))
        return {m.community_id: Role(m.role) for m in rows}

    def communities_of(self, person_id: str) -> list[str]:
        return list(self.s.scalars(select(MembershipRow.community_id).where(MembershipRow.person_id == person_id)))

    def members_of(self, community_ids: Sequence[str]) -> dict[str, PersonRecord]:
        """Everyone who belongs to any of these communities, by id."""
        rows = self.s.scalars(
            select(PersonRow)
            .join(MembershipRow, MembershipRow.person_id == PersonRow.id)
            .where(MembershipRow.community_id.in_(list(community_ids)))
        )
        return {p.id: record_of(PersonRecord, p) for p in rows}
