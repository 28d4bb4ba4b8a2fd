"""People: profiles, preferences, the row lock that serializes their nudges, and forgetting them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.records import PersonRecord
from store.repositories.rows import maybe, record_of
from store.repository import new_id
from store.tables import (
    ApiTokenRow,
    EndorsementRow,
    ExpertiseProfileRow,
    MembershipRow,
    PersonIdentityRow,
    PersonRow,
    PersonSkillRow,
)

EDITABLE = ("display_name", "email", "timezone", "nudges_per_week", "quiet_hours", "opted_out", "is_admin", "handle")


class PeopleRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, person_id: str) -> PersonRecord | None:
        return maybe(PersonRecord, self.s.get(PersonRow, person_id))

    def get_many(self, person_ids: Iterable[str]) -> dict[str, PersonRecord]:
        """The people with these ids, in one query."""
        ids = list(set(person_ids))
        if not ids:
            return {}
        return {
            r.id: record_of(PersonRecord, r) for r in self.s.scalars(select(PersonRow).where(PersonRow.id.in_(ids)))
        }

    def by_handle(self, handle: str) -> PersonRecord | None:
        return maybe(PersonRecord, self._by_handle(handle))

    def by_email(self, email: str) -> PersonRecord | None:
        return maybe(PersonRecord, self.s.scalars(select(PersonRow).where(PersonRow.email == email)).first())

    def handles(self) -> dict[str, str]:
        """Every person's id by handle."""
        return {handle: pid for handle, pid in self.s.execute(select(PersonRow.handle, PersonRow.id))}

    def _by_handle(self, handle: str) -> PersonRow | None:
        return self.s.scalars(select(PersonRow).where(PersonRow.handle == handle)).first()

    def upsert(
        self, handle: str, display_name: str | None = None, email: str | None = None, timezone: str | None = None
    ) -> PersonRecord:
        row = self._by_handle(handle)
        if row is None:
            row = PersonRow(id=new_id(), handle=handle, display_name=display_name or handle, email=email)
            row.timezone = timezone or "UTC"
            self.s.add(row)
        else:
            row.display_name = display_name or row.display_name
            row.email = email or row.email
            row.timezone = timezone or row.timezone
        self.s.flush()
        return record_of(PersonRecord, row)

    def update(self, person_id: str, **changes: object) -> PersonRecord:
        """Set these columns (preferences, admin, anonymized names); unknown names are refused."""
        row = self.s.get(PersonRow, person_id)
        if row is None:
            raise KeyError(person_id)
        for name, value in changes.items():
            if name not in EDITABLE:
                raise ValueError(f"{name} is not an editable field of a person")
            setattr(row, name, value)
        self.s.flush()
        return record_of(PersonRecord, row)

    def lock(self, person_id: str) -> None:
        """Holds the person's row until the transaction ends, so two workers cannot both count this week's nudges
        and each add one past the expert's limit. SQLite has one writer anyway.

        PostgreSQL's FOR NO KEY UPDATE: it excludes other lockers but not the KEY SHARE lock an insert takes on the
        rows its foreign keys point to, so an ingest of the expert's messages neither waits for an assessment job
        nor deadlocks with one (with FOR UPDATE it did, under mixed load)."""
        self.s.execute(select(PersonRow.id).where(PersonRow.id == person_id).with_for_update(key_share=True))

    def lock_many(self, person_ids: Iterable[str]) -> None:
        """lock() of each of these people, taken in id order so that two jobs locking overlapping sets cannot
        deadlock."""
        ids = sorted(set(person_ids))
        if ids:
            locked = select(PersonRow.id).where(PersonRow.id.in_(ids)).order_by(PersonRow.id)
            self.s.execute(locked.with_for_update(key_share=True))

    def hide_as_expert(self, person_id: str) -> None:
        """Never listed as an expert or partner again (an anonymized person)."""
        row = self.s.get(ExpertiseProfileRow, person_id)
        if row is None:
            self.s.add(ExpertiseProfileRow(person_id=person_id, hidden=True))
        else:
            row.hidden = True
        self.s.flush()

    def forget(self, person_id: str) -> None:
        """Tokens, memberships, platform accounts and what is said about them go; nothing can act as them again.

        Endorsements they gave stay (as evidence about others, from an anonymous colleague); the ones they
        received, their skills and their expertise profile go with them.
        """
        about_them = (
            select(ApiTokenRow).where(ApiTokenRow.person_id == person_id),
            select(MembershipRow).where(MembershipRow.person_id == person_id),
            select(PersonIdentityRow).where(PersonIdentityRow.person_id == person_id),
            select(PersonSkillRow).where(PersonSkillRow.person_id == person_id),
            select(EndorsementRow).where(EndorsementRow.person_id == person_id),
            select(ExpertiseProfileRow).where(ExpertiseProfileRow.person_id == person_id),
        )
        for query in about_them:
            for row in self.s.scalars(query):
                self.s.delete(row)
        self.s.flush()

    def delete(self, person_id: str) -> None:
        row = self.s.get(PersonRow, person_id)
        if row is not None:
            self.s.delete(row)
            self.s.flush()
