"""Assessments: what the detector decided about each message, and why."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.records import AssessmentRecord
from store.repositories.rows import maybe, record_of
from store.tables import AssessmentRow, MessageRow


class AssessmentRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def save(self, record: AssessmentRecord) -> None:
        """Store the verdict, replacing an earlier one about the same message."""
        existing = self.s.get(AssessmentRow, record.message_id)
        if existing is not None:
            self.s.delete(existing)
            self.s.flush()
        self.s.add(AssessmentRow(**record.__dict__))
        self.s.flush()

    def get(self, message_id: str) -> AssessmentRecord | None:
        return maybe(AssessmentRecord, self.s.get(AssessmentRow, message_id))

    def of_community(self, community_id: str, *, candidates_only: bool, limit: int) -> list[AssessmentRecord]:
        """The community's assessments, highest score first."""
        query = (
            select(AssessmentRow)
            .join(MessageRow, MessageRow.id == AssessmentRow.message_id)
            .where(MessageRow.community_id == community_id)
            .order_by(AssessmentRow.score.desc())
            .limit(limit)
        )
        if candidates_only:
            query = query.where(AssessmentRow.is_candidate.is_(True))
        return [record_of(AssessmentRecord, r) for r in self.s.scalars(query)]
