"""Queries for the pages: sign-in sessions and links, feedback on guides, searches that found nothing."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from store.records import FeedbackRecord, MissedSearchRecord, VersionRecord
from store.repositories.rows import record_of
from store.repository import aware, hash_token, new_id
from store.tables import (
    GuideFeedbackRow,
    GuideRow,
    GuideVersionRow,
    MessageRow,
    MissedSearchRow,
    PersonIdentityRow,
    PersonRow,
    ReplyRow,
    SignInLinkRow,
    WebSessionRow,
)

SESSION_PREFIX = "tcs_"
LINK_PREFIX = "tcl_"


class WebRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- sessions -------------------------------------------------------------------------------------
    def create_session(self, person_id: str, via: str, expires_at: datetime) -> str:
        token = SESSION_PREFIX + secrets.token_urlsafe(32)
        self.s.add(WebSessionRow(id=hash_token(token), person_id=person_id, via=via, expires_at=expires_at))
        self.s.flush()
        return token

    def live_session_person(self, token: str, now: datetime) -> str | None:
        """The person a session cookie's token belongs to, if the session is neither expired nor revoked."""
        row = self.s.get(WebSessionRow, hash_token(token))
        if row is None or row.revoked_at is not None or aware(row.expires_at) <= now:
            return None
        return row.person_id

    def revoke_session(self, token: str, now: datetime) -> None:
        self.s.execute(update(WebSessionRow).where(WebSessionRow.id == hash_token(token)).values(revoked_at=now))

    def revoke_sessions_of(self, person_id: str, now: datetime) -> int:
        result = self.s.execute(
            update(WebSessionRow)
            .where(WebSessionRow.person_id == person_id, WebSessionRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # -- one-time links -------------------------------------------------------------------------------
    def create_link(self, person_id: str, expires_at: datetime) -> str:
        token = LINK_PREFIX + secrets.token_urlsafe(32)
        self.s.add(SignInLinkRow(id=hash_token(token), person_id=person_id, expires_at=expires_at))
        self.s.flush()
        return token

    def use_link(self, token: str, now: datetime) -> str | None:
        """Spend a link once: a single conditional UPDATE, so two clicks at once cannot both sign in."""
        result = self.s.execute(
            update(SignInLinkRow)
            .where(
                SignInLinkRow.id == hash_token(token),
                SignInLinkRow.used_at.is_(None),
                SignInLinkRow.expires_at > now,
            )
            .values(used_at=now)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        row = self.s.get(SignInLinkRow, hash_token(token))
        return row.person_id if row else None

    # -- identities from an identity provider ----------------------------------------------------------
    def person_for_identity(self, platform: str, issuer: str, subject: str) -> str | None:
        row = self.s.get(PersonIdentityRow, (platform, issuer, subject))
        return row.person_id if row else None

    def link_identity(self, platform: str, issuer: str, subject: str, person_id: str, name: str) -> None:
        self.s.add(
            PersonIdentityRow(
                platform=platform, workspace=issuer, user_id=subject, person_id=person_id, display_name=name
            )
        )
        self.s.flush()

    # -- guides as readers see them ------------------------------------------------------------------------
    def reviewer_name(self, guide_id: str) -> str | None:
        """The display name of the guide's reviewer (None when the guide or the person is gone)."""
        guide = self.s.get(GuideRow, guide_id)
        reviewer = self.s.get(PersonRow, guide.reviewer_id) if guide else None
        return reviewer.display_name if reviewer else None

    def source_edits(self, source_ids: set[str]) -> dict[str, datetime | None]:
        """For each source that still exists (a message or a reply): when it was last edited (None: never)."""
        if not source_ids:
            return {}
        ids = list(source_ids)
        found: dict[str, datetime | None] = {
            m: (aware(edited) if edited else None)
            for m, edited in self.s.execute(select(MessageRow.id, MessageRow.edited_at).where(MessageRow.id.in_(ids)))
        }
        found.update({r: None for r in self.s.scalars(select(ReplyRow.id).where(ReplyRow.id.in_(ids)))})
        return found

    def versions(self, guide_id: str) -> list[VersionRecord]:
        rows = self.s.execute(
            select(GuideVersionRow, PersonRow.display_name)
            .outerjoin(PersonRow, PersonRow.id == GuideVersionRow.created_by)
            .where(GuideVersionRow.guide_id == guide_id)
            .order_by(GuideVersionRow.version.desc())
        ).all()
        return [VersionRecord(v.version, v.engine, aware(v.created_at), name) for v, name in rows]

    # -- feedback ---------------------------------------------------------------------------------------
    def save_feedback(self, guide_id: str, person_id: str, helpful: bool, reason: str | None, version: int) -> None:
        row = self.s.scalars(
            select(GuideFeedbackRow).where(
                GuideFeedbackRow.guide_id == guide_id, GuideFeedbackRow.person_id == person_id
            )
        ).first()
        if row is None:
            row = GuideFeedbackRow(id=new_id(), guide_id=guide_id, person_id=person_id)
            self.s.add(row)
        row.helpful, row.reason, row.version = helpful, reason, version
        self.s.flush()

    def feedback_for_reviewer(self, reviewer_id: str, limit: int = 100) -> list[FeedbackRecord]:
        rows = self.s.scalars(
            select(GuideFeedbackRow)
            .join(GuideRow, GuideRow.id == GuideFeedbackRow.guide_id)
            .where(GuideRow.reviewer_id == reviewer_id)
            .order_by(GuideFeedbackRow.created_at.desc())
            .limit(limit)
        )
        return [_feedback(r) for r in rows]

    def feedback_of(self, guide_id: str, person_id: str) -> FeedbackRecord | None:
        row = self.s.scalars(
            select(GuideFeedbackRow).where(
                GuideFeedbackRow.guide_id == guide_id, GuideFeedbackRow.person_id == person_id
            )
        ).first()
        return _feedback(row) if row else None

    # -- searches that found nothing ------------------------------------------------------------------------
    def record_missed(self, community_ids: list[str], person_id: str, query: str) -> None:
        for community_id in community_ids:
            self.s.add(MissedSearchRow(community_id=community_id, person_id=person_id, query=query[:500]))
        self.s.flush()

    def missed(self, community_id: str, limit: int) -> list[MissedSearchRecord]:
        rows = self.s.scalars(
            select(MissedSearchRow)
            .where(MissedSearchRow.community_id == community_id)
            .order_by(MissedSearchRow.at.desc(), MissedSearchRow.id.desc())
            .limit(limit)
        )
        return [MissedSearchRecord(r.community_id, r.query, aware(r.at)) for r in rows]

    def missed_count(self, community_id: str) -> int:
        query = select(func.count()).select_from(MissedSearchRow).where(MissedSearchRow.community_id == community_id)
        return int(self.s.scalar(query) or 0)

    def forget_person(self, person_id: str) -> None:
        """What the pages hold about a person goes with them: sessions, links, feedback, their searches' words."""
        for table in (WebSessionRow, SignInLinkRow, GuideFeedbackRow, MissedSearchRow):
            self.s.execute(delete(table).where(table.person_id == person_id))  # type: ignore[attr-defined]


def _feedback(row: GuideFeedbackRow) -> FeedbackRecord:
    return record_of(FeedbackRecord, row)
