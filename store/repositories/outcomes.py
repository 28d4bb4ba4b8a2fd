"""Outcome labels, derived from what is stored, and each community's own terse detector.

No table holds the labels: they are read from the steward marks (assessment_marks), the nudges declined as
"complete" and the replies a guide cites, so erasing or editing any of those changes the labels with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.records import CommunityModelRecord, OutcomeLabelRecord
from store.repositories.rows import maybe
from store.tables import (
    AssessmentMarkRow,
    CommunityModelRow,
    CommunityRow,
    GuideRow,
    GuideVersionRow,
    MessageRow,
    NudgeRow,
    ReplyRow,
    utcnow,
)

STEWARD_MARK, REPLY_IN_GUIDE, DECLINED_COMPLETE = "steward_mark", "reply_in_guide", "declined_complete"


class OutcomeRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def labels(self, community_id: str) -> list[OutcomeLabelRecord]:
        """One label per answer, ordered by message id. A steward's mark overrules the expert's outcomes (the
        steward judges for the community); a reply the guide cites outweighs a "complete" decline of another round.
        """
        found: dict[str, OutcomeLabelRecord] = {}
        for label in [*self._declined_complete(community_id), *self._replies_in_guides(community_id)]:
            found[label.message_id] = label  # replies come second: they win over a decline
        for label in self._marks(community_id):
            found[label.message_id] = label
        return [found[k] for k in sorted(found)]

    def _marks(self, community_id: str) -> Iterator[OutcomeLabelRecord]:
        query = (
            select(AssessmentMarkRow.message_id, MessageRow.thread_id, AssessmentMarkRow.should_nudge)
            .join(MessageRow, MessageRow.id == AssessmentMarkRow.message_id)
            .where(AssessmentMarkRow.community_id == community_id, MessageRow.community_id == community_id)
        )
        for message_id, thread_id, should_nudge in self.s.execute(query):
            yield OutcomeLabelRecord(message_id, thread_id, bool(should_nudge), STEWARD_MARK)

    def _declined_complete(self, community_id: str) -> Iterator[OutcomeLabelRecord]:
        query = select(NudgeRow.message_id, NudgeRow.thread_id).where(
            NudgeRow.community_id == community_id, NudgeRow.status == "declined", NudgeRow.decline_reason == "complete"
        )
        for message_id, thread_id in self.s.execute(query).unique():
            yield OutcomeLabelRecord(message_id, thread_id, False, DECLINED_COMPLETE)

    def _replies_in_guides(self, community_id: str) -> Iterator[OutcomeLabelRecord]:
        """Answers whose nudge drew a reply that the current version of the thread's guide cites."""
        query = (
            select(ReplyRow.id, NudgeRow.message_id, NudgeRow.thread_id, GuideVersionRow.content)
            .join(NudgeRow, NudgeRow.id == ReplyRow.nudge_id)
            .join(GuideRow, GuideRow.thread_id == NudgeRow.thread_id)
            .join(
                GuideVersionRow,
                (GuideVersionRow.guide_id == GuideRow.id) & (GuideVersionRow.version == GuideRow.current_version),
            )
            .where(NudgeRow.community_id == community_id, GuideRow.status != "rejected")
        )
        for reply_id, message_id, thread_id, content in self.s.execute(query):
            if reply_id in _cited(content):
                yield OutcomeLabelRecord(message_id, thread_id, True, REPLY_IN_GUIDE)

    def model_of(self, community_id: str) -> CommunityModelRecord | None:
        return maybe(CommunityModelRecord, self.s.get(CommunityModelRow, community_id))

    def lock(self, community_id: str) -> None:
        """Holds the community's row until the transaction ends (PostgreSQL's FOR UPDATE), so two recalibrations
        of one community write one after the other. SQLite has one writer anyway."""
        self.s.execute(select(CommunityRow.id).where(CommunityRow.id == community_id).with_for_update())

    def save_model(self, community_id: str, *, model: str, method: str, labels: int, label_key: str) -> None:
        """The community's model, replacing the one before it (one row per community)."""
        row = self.s.get(CommunityModelRow, community_id)
        if row is None:
            row = CommunityModelRow(community_id=community_id)
            self.s.add(row)
        row.model, row.method, row.labels, row.label_key, row.updated_at = model, method, labels, label_key, utcnow()
        self.s.flush()

    def communities_with_models(self) -> list[str]:
        return list(self.s.scalars(select(CommunityModelRow.community_id)))


def _cited(content: Any) -> set[str]:
    """The ids a stored guide version cites (sections: {name: [{text, citations}]}); malformed parts cite nothing."""
    sections = content.get("sections") if isinstance(content, dict) else None
    if not isinstance(sections, dict):
        return set()
    cited: set[str] = set()
    for sentences in sections.values():
        for sentence in sentences if isinstance(sentences, list) else []:
            citations = sentence.get("citations") if isinstance(sentence, dict) else None
            cited.update(c for c in citations or [] if isinstance(c, str))
    return cited
