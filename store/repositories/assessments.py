"""Assessments: what the detector decided about each message, and why."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select
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

    def save_many(self, records: Sequence[AssessmentRecord]) -> None:
        """save() of each verdict, with one delete and one insert."""
        if not records:
            return
        ids = [r.message_id for r in records]
        self.s.execute(delete(AssessmentRow).where(AssessmentRow.message_id.in_(ids)))
        self.s.execute(insert(AssessmentRow), [dict(r.__dict__) for r in records])

    def assessed(self, message_ids: Sequence[str]) -> set[str]:
        """Which of these messages have a verdict stored, in one query."""
        if not message_ids:
            return set()
        return set(self.s.scalars(select(AssessmentRow.message_id).where(AssessmentRow.message_id.in_(message_ids))))

    def get(self, message_id: str) -> AssessmentRecord | None:
        return maybe(AssessmentRecord, self.s.get(AssessmentRow, message_id))

    def recent_scores(self, community_id: str, limit: int) -> list[tuple[float, dict]]:
        """The community's latest assessments as (score, features): the score distribution cold start reads."""
        query = (
            select(AssessmentRow.score, AssessmentRow.features)
            .join(MessageRow, MessageRow.id == AssessmentRow.message_id)
            .where(MessageRow.community_id == community_id)
            .order_by(AssessmentRow.created_at.desc())
            .limit(limit)
        )
        return [
            (float(score), features if isinstance(features, dict) else {}) for score, features in self.s.execute(query)
        ]

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
