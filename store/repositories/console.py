"""Queries for the steward console: members, assessments with stewards' marks, the audit log, erasure previews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.records import (
    AuditEntryRecord,
    CommunityRecord,
    FootprintRecord,
    MarkedAssessmentRecord,
    MemberRecord,
)
from store.repositories.rows import record_of
from store.tables import (
    ApiTokenRow,
    AssessmentMarkRow,
    AssessmentRow,
    AuditEventRow,
    CommunityRow,
    GuideRow,
    MembershipRow,
    MessageRow,
    NudgeRow,
    PersonRow,
    ReplyRow,
    ThreadRow,
    utcnow,
)


class ConsoleRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def communities(self) -> list[CommunityRecord]:
        return [record_of(CommunityRecord, c) for c in self.s.scalars(select(CommunityRow).order_by(CommunityRow.name))]

    def counts(self, community_id: str) -> dict[str, int]:
        def count(query: Any) -> int:
            return int(self.s.scalar(query) or 0)

        in_community = MessageRow.community_id == community_id
        assessed = select(func.count()).select_from(AssessmentRow).join(MessageRow).where(in_community)
        return {
            "members": count(select(func.count()).where(MembershipRow.community_id == community_id)),
            "held": count(select(func.count()).where(in_community, MessageRow.held.is_(True))),
            "assessed": count(assessed),
            "candidates": count(assessed.where(AssessmentRow.is_candidate.is_(True))),
            "marked": count(select(func.count()).where(AssessmentMarkRow.community_id == community_id)),
        }

    def members(self, community_id: str) -> list[MemberRecord]:
        rows = self.s.execute(
            select(MembershipRow.role, PersonRow)
            .join(PersonRow, PersonRow.id == MembershipRow.person_id)
            .where(MembershipRow.community_id == community_id)
            .order_by(PersonRow.display_name, PersonRow.handle)
        )
        return [MemberRecord(p.id, p.handle, p.display_name, role, bool(p.is_admin)) for role, p in rows]

    def assessments(self, community_id: str, *, candidates_only: bool, limit: int) -> list[MarkedAssessmentRecord]:
        query = (
            select(AssessmentRow, MessageRow, PersonRow, ThreadRow.title, AssessmentMarkRow.should_nudge)
            .join(MessageRow, MessageRow.id == AssessmentRow.message_id)
            .join(PersonRow, PersonRow.id == MessageRow.author_id)
            .join(ThreadRow, ThreadRow.id == MessageRow.thread_id)
            .outerjoin(AssessmentMarkRow, AssessmentMarkRow.message_id == AssessmentRow.message_id)
            .where(MessageRow.community_id == community_id)
            .order_by(AssessmentRow.score.desc(), AssessmentRow.message_id)
            .limit(limit)
        )
        if candidates_only:
            query = query.where(AssessmentRow.is_candidate.is_(True))
        return [
            MarkedAssessmentRecord(
                a.message_id,
                m.thread_id,
                title,
                p.handle,
                p.display_name,
                m.text,
                a.score,
                a.is_candidate,
                tuple(a.gaps),
                a.explanation,
                a.outcome,
                a.created_at,
                mark,
            )
            for a, m, p, title, mark in self.s.execute(query)
        ]

    def assessed_message(self, community_id: str, message_id: str) -> bool:
        query = (
            select(func.count())
            .select_from(AssessmentRow)
            .join(MessageRow)
            .where(AssessmentRow.message_id == message_id, MessageRow.community_id == community_id)
        )
        return bool(self.s.scalar(query))

    def marks(self, community_id: str, message_ids: list[str]) -> dict[str, bool]:
        """The stewards' marks on these messages of the community, by message id (unmarked ones absent)."""
        query = select(AssessmentMarkRow.message_id, AssessmentMarkRow.should_nudge).where(
            AssessmentMarkRow.community_id == community_id, AssessmentMarkRow.message_id.in_(message_ids)
        )
        return {message_id: bool(mark) for message_id, mark in self.s.execute(query)}

    def set_mark(self, community_id: str, message_id: str, should_nudge: bool | None, marked_by: str) -> None:
        """One mark per assessment: the latest steward's word wins; None takes it back."""
        row = self.s.get(AssessmentMarkRow, message_id)
        if should_nudge is None:
            if row is not None:
                self.s.delete(row)
        elif row is None:
            self.s.add(
                AssessmentMarkRow(
                    message_id=message_id, community_id=community_id, should_nudge=should_nudge, marked_by=marked_by
                )
            )
        else:
            row.should_nudge, row.marked_by, row.marked_at = should_nudge, marked_by, utcnow()
        self.s.flush()

    def audit(
        self, community_id: str, *, action: str, since: datetime | None, until: datetime | None, limit: int
    ) -> list[AuditEntryRecord]:
        query = (
            select(AuditEventRow, PersonRow.handle)
            .outerjoin(PersonRow, PersonRow.id == AuditEventRow.actor_id)
            .where(AuditEventRow.community_id == community_id)
            .order_by(AuditEventRow.id.desc())
            .limit(limit)
        )
        if action:
            query = query.where(AuditEventRow.action.startswith(action, autoescape=True))
        if since is not None:
            query = query.where(AuditEventRow.at >= since)
        if until is not None:
            query = query.where(AuditEventRow.at < until)
        return [
            AuditEntryRecord(
                e.id, e.at, e.actor_id, handle, e.action, e.community_id, e.target_type, e.target_id, e.details
            )
            for e, handle in self.s.execute(query)
        ]

    def audit_actions(self, community_id: str) -> list[str]:
        query = select(AuditEventRow.action).where(AuditEventRow.community_id == community_id).distinct()
        return sorted(self.s.scalars(query))

    def footprint(self, person_id: str) -> FootprintRecord | None:
        person = self.s.get(PersonRow, person_id)
        if person is None:
            return None

        def count(query: Any) -> int:
            return int(self.s.scalar(query) or 0)

        threads = (
            select(MessageRow.thread_id)
            .where(MessageRow.author_id == person_id)
            .union(
                select(NudgeRow.thread_id)
                .join(ReplyRow, ReplyRow.nudge_id == NudgeRow.id)
                .where(ReplyRow.person_id == person_id)
            )
        )
        drawn = self.s.execute(
            select(ThreadRow.title).join(GuideRow, GuideRow.thread_id == ThreadRow.id).where(ThreadRow.id.in_(threads))
        )
        reviewed = self.s.execute(
            select(ThreadRow.title)
            .join(GuideRow, GuideRow.thread_id == ThreadRow.id)
            .where(GuideRow.reviewer_id == person_id)
        )
        communities = self.s.scalars(select(MembershipRow.community_id).where(MembershipRow.person_id == person_id))
        return FootprintRecord(
            person.id,
            person.handle,
            person.display_name,
            messages=count(select(func.count()).where(MessageRow.author_id == person_id)),
            replies=count(select(func.count()).where(ReplyRow.person_id == person_id)),
            nudges=count(select(func.count()).where(NudgeRow.person_id == person_id)),
            tokens=count(
                select(func.count()).where(ApiTokenRow.person_id == person_id, ApiTokenRow.revoked_at.is_(None))
            ),
            communities=tuple(sorted(communities)),
            guides_drawn_on=tuple(sorted(t for (t,) in drawn)),
            guides_reviewed=tuple(sorted(t for (t,) in reviewed)),
        )
