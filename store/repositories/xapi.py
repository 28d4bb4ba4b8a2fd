"""The events xAPI statements are made of, read from the record, and the log of statements the LRS accepted."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from analytics.xapi import Event
from store.analytics_tables import GuideReadRow, SearchEventRow, XapiSentRow
from store.repository import aware
from store.tables import (
    AuditEventRow,
    CommunityRow,
    EndorsementRow,
    GuideFeedbackRow,
    GuideRow,
    MembershipRow,
    MessageRow,
    NudgeRow,
    PersonRow,
    ReplyRow,
    SkillRow,
    TandemEventRow,
    TandemRow,
    ThreadRow,
)

ERASED = ("person.erased", "person.anonymized")


class XapiRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def communities(self) -> list[tuple[str, bool]]:
        """Every community with whether it is Chatham House."""
        return [(r.id, bool(r.chatham_house)) for r in self.s.scalars(select(CommunityRow).order_by(CommunityRow.id))]

    def sent_ids(self, community_id: str) -> set[str]:
        return set(self.s.scalars(select(XapiSentRow.statement_id).where(XapiSentRow.community_id == community_id)))

    def mark_sent(self, community_id: str, sent: Sequence[tuple[str, str | None, str]], at: datetime) -> None:
        """Record accepted statements (id, person, verb); a twin worker's record of the same id is kept."""
        known = set(
            self.s.scalars(select(XapiSentRow.statement_id).where(XapiSentRow.statement_id.in_([s[0] for s in sent])))
        )
        for statement_id, person_id, verb in sent:
            if statement_id not in known:
                self.s.add(
                    XapiSentRow(
                        statement_id=statement_id, community_id=community_id, person_id=person_id, verb=verb, sent_at=at
                    )
                )
        self.s.flush()

    def to_void(self) -> list[tuple[str, datetime]]:
        """(statement id, when the person was erased) of statements by people erased or anonymized, not yet voided."""
        rows = self.s.execute(
            select(XapiSentRow.statement_id, AuditEventRow.at)
            .join(AuditEventRow, AuditEventRow.target_id == XapiSentRow.person_id)
            .where(AuditEventRow.action.in_(ERASED), XapiSentRow.voided.is_(False))
        ).all()
        first: dict[str, datetime] = {}
        for statement_id, at in rows:
            first[statement_id] = min(first.get(statement_id, aware(at)), aware(at))
        return sorted(first.items())

    def erased_people(self) -> set[str]:
        return set(self.s.scalars(select(AuditEventRow.target_id).where(AuditEventRow.action.in_(ERASED))))

    def mark_voided(self, statement_ids: Sequence[str]) -> None:
        self.s.execute(update(XapiSentRow).where(XapiSentRow.statement_id.in_(list(statement_ids))).values(voided=True))

    def events(self, community_id: str) -> Iterator[Event]:
        """Every event of the community that makes a statement (held messages and erased people leave none)."""
        yield from self._messages(community_id)
        yield from self._elaborations(community_id)
        yield from self._guides(community_id)
        yield from self._reads(community_id)
        yield from self._searches(community_id)
        yield from self._endorsements(community_id)
        yield from self._tandem_events(community_id)

    def _messages(self, community_id: str) -> Iterator[Event]:
        rows = self.s.execute(
            select(
                MessageRow.id,
                MessageRow.external_id,
                MessageRow.parent_external_id,
                MessageRow.author_id,
                MessageRow.created_at,
                MessageRow.thread_id,
                MessageRow.accepted,
                PersonRow.display_name,
                ThreadRow.title,
            )
            .join(PersonRow, PersonRow.id == MessageRow.author_id)
            .join(ThreadRow, ThreadRow.id == MessageRow.thread_id)
            .where(MessageRow.community_id == community_id, MessageRow.held.is_(False))
            .order_by(MessageRow.thread_id, MessageRow.created_at)
        ).all()
        by_external = {r.external_id: r for r in rows}
        openers: dict[str, str] = {}
        for r in rows:
            opener = openers.setdefault(r.thread_id, r.external_id)
            parent = by_external.get(r.parent_external_id or "")
            if r.external_id == opener and parent is None:
                kind, object_type, object_id = "asked", "thread", r.thread_id
            elif parent is None or parent.external_id == opener:
                kind, object_type, object_id = "answered", "thread", r.thread_id
            else:
                kind, object_type, object_id = "replied", "question", parent.id
            extensions = {"message": r.id, "accepted": bool(r.accepted)}
            yield Event(
                kind,
                r.id,
                r.author_id,
                r.display_name,
                community_id,
                aware(r.created_at),
                object_type,
                object_id,
                r.title or "",
                extensions,
            )

    def _elaborations(self, community_id: str) -> Iterator[Event]:
        rows = self.s.execute(
            select(
                ReplyRow.id,
                ReplyRow.person_id,
                ReplyRow.created_at,
                NudgeRow.thread_id,
                NudgeRow.gap,
                PersonRow.display_name,
                ThreadRow.title,
            )
            .join(NudgeRow, NudgeRow.id == ReplyRow.nudge_id)
            .join(PersonRow, PersonRow.id == ReplyRow.person_id)
            .join(ThreadRow, ThreadRow.id == NudgeRow.thread_id)
            .where(NudgeRow.community_id == community_id)
        ).all()
        for r in rows:
            yield Event(
                "elaborated",
                r.id,
                r.person_id,
                r.display_name,
                community_id,
                aware(r.created_at),
                "thread",
                r.thread_id,
                r.title or "",
                {"gap": r.gap},
            )

    def _guides(self, community_id: str) -> Iterator[Event]:
        rows = self.s.execute(
            select(GuideRow.id, GuideRow.reviewer_id, GuideRow.published_at, PersonRow.display_name, ThreadRow.title)
            .join(PersonRow, PersonRow.id == GuideRow.reviewer_id)
            .join(ThreadRow, ThreadRow.id == GuideRow.thread_id)
            .where(GuideRow.community_id == community_id, GuideRow.published_at.is_not(None))
        ).all()
        for r in rows:
            at = aware(r.published_at)
            yield Event(
                "guide_approved",
                f"{r.id}:{at.isoformat()}",
                r.reviewer_id,
                r.display_name,
                community_id,
                at,
                "guide",
                r.id,
                r.title or "",
            )

    def _reads(self, community_id: str) -> Iterator[Event]:
        rows = self.s.execute(
            select(GuideReadRow, PersonRow.display_name, ThreadRow.title)
            .join(GuideRow, GuideRow.id == GuideReadRow.guide_id)
            .join(PersonRow, PersonRow.id == GuideReadRow.person_id)
            .join(ThreadRow, ThreadRow.id == GuideRow.thread_id)
            .where(GuideRow.community_id == community_id)
        ).all()
        for read, name, title in rows:
            yield Event(
                "guide_read",
                read.id,
                read.person_id,
                name,
                community_id,
                aware(read.read_at),
                "guide",
                read.guide_id,
                title or "",
            )
        rated = self.s.execute(
            select(GuideFeedbackRow, PersonRow.display_name, ThreadRow.title)
            .join(GuideRow, GuideRow.id == GuideFeedbackRow.guide_id)
            .join(PersonRow, PersonRow.id == GuideFeedbackRow.person_id)
            .join(ThreadRow, ThreadRow.id == GuideRow.thread_id)
            .where(GuideRow.community_id == community_id)
        ).all()
        for f, name, title in rated:
            # Keyed by the answer too: a reader who changes their mind makes a new statement.
            yield Event(
                "rated",
                f"{f.id}:{f.helpful}",
                f.person_id,
                name,
                community_id,
                aware(f.created_at),
                "guide",
                f.guide_id,
                title or "",
                success=bool(f.helpful),
            )

    def _searches(self, community_id: str) -> Iterator[Event]:
        rows = self.s.execute(
            select(SearchEventRow, PersonRow.display_name)
            .join(PersonRow, PersonRow.id == SearchEventRow.person_id)
            .where(
                (SearchEventRow.community_id == community_id)
                | (SearchEventRow.community_id.is_(None) & (SearchEventRow.top_community_id == community_id))
            )
        ).all()
        for search, name in rows:
            yield Event(
                "searched",
                search.id,
                search.person_id,
                name,
                community_id,
                aware(search.at),
                "search",
                community_id,
                "Tacit search",
                {"results": search.results},
            )

    def _endorsements(self, community_id: str) -> Iterator[Event]:
        members = select(MembershipRow.person_id).where(MembershipRow.community_id == community_id)
        rows = self.s.execute(
            select(EndorsementRow, PersonRow.display_name, SkillRow.label)
            .join(PersonRow, PersonRow.id == EndorsementRow.endorser_id)
            .join(SkillRow, SkillRow.id == EndorsementRow.skill_id)
            .where(EndorsementRow.endorser_id.in_(members), EndorsementRow.person_id.in_(members))
        ).all()
        for e, name, label in rows:
            yield Event(
                "endorsed",
                f"{community_id}:{e.id}",
                e.endorser_id,
                name,
                community_id,
                aware(e.created_at),
                "skill",
                e.skill_id,
                label or "",
                {"endorsed_person": e.person_id},
            )

    def _tandem_events(self, community_id: str) -> Iterator[Event]:
        rows = self.s.execute(
            select(TandemEventRow, PersonRow.display_name)
            .join(TandemRow, TandemRow.id == TandemEventRow.tandem_id)
            .join(PersonRow, PersonRow.id == TandemEventRow.actor_id)
            .where(
                TandemRow.community_id == community_id,
                TandemEventRow.kind.in_(("task_taken", "question_asked", "task_done")),
            )
        ).all()
        for e, name in rows:
            at = aware(e.at)
            if e.kind == "task_done":
                task = str((e.details or {}).get("task_id") or e.id)
                title = str((e.details or {}).get("title") or "")
                yield Event(
                    "task_completed",
                    str(e.id),
                    str(e.actor_id),
                    name,
                    community_id,
                    at,
                    "task",
                    task,
                    title,
                    {"tandem": e.tandem_id},
                )
            else:
                yield Event(
                    "tandem_session",
                    str(e.id),
                    str(e.actor_id),
                    name,
                    community_id,
                    at,
                    "tandem",
                    e.tandem_id,
                    "Tandem session",
                    {"activity": e.kind},
                )
