"""Queries of readers' feedback on guides."""

from __future__ import annotations

from sqlalchemy import func, select

from store.repository import Repository, new_id
from store.tables import GuideFeedbackRow


class FeedbackRepository(Repository):
    def add_feedback(
        self, *, guide_id: str, person_id: str | None, helpful: bool, reason: str | None, query: str
    ) -> str:
        row = GuideFeedbackRow(
            id=new_id(), guide_id=guide_id, person_id=person_id, helpful=helpful, reason=reason, query=query
        )
        self.s.add(row)
        self.s.flush()
        return row.id

    def feedback_counts(self, guide_id: str) -> tuple[int, int]:
        """(helpful, not helpful) verdicts on a guide."""
        rows = self.s.execute(
            select(GuideFeedbackRow.helpful, func.count())
            .where(GuideFeedbackRow.guide_id == guide_id)
            .group_by(GuideFeedbackRow.helpful)
        ).all()
        counts = {bool(helpful): int(n) for helpful, n in rows}
        return counts.get(True, 0), counts.get(False, 0)
