"""Repository: every query the workflow needs, returning plain records and domain objects."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from elicitor.model import AuthorStanding, Message, Reply, Role, Thread
from store.records import GuideRecord, IncomingMessage, IngestResult, NudgeRecord, PersonRecord
from store.tables import (
    ApiTokenRow,
    AssessmentRow,
    AuditEventRow,
    CommunityRow,
    GuideRow,
    GuideVersionRow,
    MembershipRow,
    MessageRow,
    NudgeRow,
    PersonRow,
    RemovalRow,
    ReplyRow,
    ThreadRow,
    utcnow,
)

TOKEN_PREFIX = "tct_"


def new_id() -> str:
    return uuid.uuid4().hex


def hash_token(token: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(token.encode()).hexdigest()


def aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything in Tacit is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Repository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- communities and people -------------------------------------------------------------------
    def get_community(self, community_id: str) -> CommunityRow | None:
        return self.s.get(CommunityRow, community_id)

    def upsert_community(self, community_id: str, name: str, description: str = "") -> CommunityRow:
        row = self.s.get(CommunityRow, community_id)
        if row is None:
            row = CommunityRow(id=community_id, name=name, description=description)
            self.s.add(row)
        else:
            row.name, row.description = name, description
        self.s.flush()
        return row

    def person_by_handle(self, handle: str) -> PersonRow | None:
        return self.s.scalars(select(PersonRow).where(PersonRow.handle == handle)).first()

    def get_person(self, person_id: str) -> PersonRow | None:
        return self.s.get(PersonRow, person_id)

    def upsert_person(
        self, handle: str, display_name: str | None = None, email: str | None = None, timezone: str | None = None
    ) -> PersonRow:
        row = self.person_by_handle(handle)
        if row is None:
            row = PersonRow(id=new_id(), handle=handle, display_name=display_name or handle, email=email)
            row.timezone = timezone or "UTC"
            self.s.add(row)
        else:
            row.display_name = display_name or row.display_name
            row.email = email or row.email
            row.timezone = timezone or row.timezone
        self.s.flush()
        return row

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

    def person_record(self, person_id: str) -> PersonRecord | None:
        row = self.s.get(PersonRow, person_id)
        if row is None:
            return None
        return PersonRecord(
            row.id, row.handle, row.display_name, row.timezone, row.nudges_per_week, row.quiet_hours, row.opted_out
        )

    def standing(self, community_id: str, person_id: str) -> AuthorStanding:
        """Role plus validated track record in this community."""
        answers = select(
            func.count(MessageRow.id),
            func.coalesce(func.sum(case((MessageRow.accepted, 1), else_=0)), 0),
            func.coalesce(func.sum(MessageRow.score), 0),
        ).where(
            MessageRow.community_id == community_id,
            MessageRow.author_id == person_id,
            MessageRow.parent_external_id.is_not(None),
        )
        count, accepted, score = self.s.execute(answers).one()
        role = self.role_of(community_id, person_id) or Role.MEMBER
        return AuthorStanding(role=role, answers=int(count), accepted_answers=int(accepted), total_score=int(score))

    # -- tokens -------------------------------------------------------------------------------------
    def create_token(self, person_id: str, name: str = "") -> str:
        """Create an API token; only its hash is stored, the plaintext is returned once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.s.add(ApiTokenRow(id=new_id(), person_id=person_id, name=name, token_hash=hash_token(token)))
        self.s.flush()
        return token

    def person_for_token(self, token: str) -> PersonRow | None:
        row = self.s.scalars(
            select(ApiTokenRow).where(ApiTokenRow.token_hash == hash_token(token), ApiTokenRow.revoked_at.is_(None))
        ).first()
        return self.s.get(PersonRow, row.person_id) if row else None

    # -- ingest -------------------------------------------------------------------------------------
    def ingest(self, community_id: str, batch: Sequence[IncomingMessage]) -> IngestResult:
        """Store new messages; a message already stored (same community and external id) is skipped."""
        ext_ids = {m.external_id for m in batch}
        existing = set(
            self.s.scalars(
                select(MessageRow.external_id).where(
                    MessageRow.community_id == community_id, MessageRow.external_id.in_(ext_ids)
                )
            )
        )
        fresh = _first_of_each([m for m in batch if m.external_id not in existing])
        threads = self._threads_for(community_id, fresh)
        authors = self._authors_for(community_id, fresh)
        rows = [self._message_row(community_id, m, threads[m.thread], authors[m.author]) for m in fresh]
        self.s.add_all(rows)
        self.s.flush()
        return IngestResult(len(rows), len(batch) - len(rows), tuple(r.id for r in rows))

    def _message_row(self, community_id: str, m: IncomingMessage, thread: ThreadRow, author_id: str) -> MessageRow:
        kind = m.kind or ("reply" if m.parent else "question")
        return MessageRow(
            id=new_id(),
            community_id=community_id,
            thread_id=thread.id,
            external_id=m.external_id,
            parent_external_id=m.parent,
            author_id=author_id,
            kind=kind,
            text=m.text,
            created_at=m.created_at,
            score=m.score,
            accepted=m.accepted,
            reactions=m.reactions,
            url=m.url,
        )

    def _threads_for(self, community_id: str, batch: Sequence[IncomingMessage]) -> dict[str, ThreadRow]:
        wanted = {m.thread for m in batch}
        found = {
            t.external_id: t
            for t in self.s.scalars(
                select(ThreadRow).where(ThreadRow.community_id == community_id, ThreadRow.external_id.in_(wanted))
            )
        }
        for m in batch:
            if m.thread not in found:
                title = m.thread_title or _title_from(m.text)
                row = ThreadRow(
                    id=new_id(),
                    community_id=community_id,
                    external_id=m.thread,
                    title=title,
                    url=m.url if not m.parent else None,
                    tags=list(m.tags),
                )
                self.s.add(row)
                found[m.thread] = row
        self.s.flush()
        return found

    def _authors_for(self, community_id: str, batch: Sequence[IncomingMessage]) -> dict[str, str]:
        handles = {m.author for m in batch}
        people = {p.handle: p.id for p in self.s.scalars(select(PersonRow).where(PersonRow.handle.in_(handles)))}
        members = set(
            self.s.scalars(
                select(MembershipRow.person_id).where(
                    MembershipRow.community_id == community_id, MembershipRow.person_id.in_(people.values())
                )
            )
        )
        # Removed people's messages are kept as messages; they do not make them members again.
        members |= set(
            self.s.scalars(
                select(RemovalRow.person_id).where(
                    RemovalRow.community_id == community_id, RemovalRow.person_id.in_(people.values())
                )
            )
        )
        for m in batch:
            if m.author not in people:
                person = PersonRow(id=new_id(), handle=m.author, display_name=m.author_name or m.author)
                self.s.add(person)
                people[m.author] = person.id
        self.s.flush()  # no ORM relationships, so parents are flushed before the rows that point to them
        for m in batch:
            if people[m.author] not in members:
                self.s.add(MembershipRow(community_id=community_id, person_id=people[m.author], role="member"))
                members.add(people[m.author])
        self.s.flush()
        return people

    def message_row(self, message_id: str) -> MessageRow | None:
        return self.s.get(MessageRow, message_id)

    def sources_unchanged(self, source_ids: list[str], since: datetime) -> bool:
        """Every source still exists (a message or a reply) and no message was edited after `since`."""
        ids = set(source_ids)
        messages = self.s.execute(select(MessageRow.id, MessageRow.edited_at).where(MessageRow.id.in_(ids))).all()
        replies = set(self.s.scalars(select(ReplyRow.id).where(ReplyRow.id.in_(ids))))
        if {m for m, _ in messages} | replies != ids:
            return False
        return all(edited is None or aware(edited) <= since for _, edited in messages)

    def unscreened_messages(self, thread_id: str) -> list[MessageRow]:
        return list(
            self.s.scalars(
                select(MessageRow).where(MessageRow.thread_id == thread_id, MessageRow.screened_at.is_(None))
            )
        )

    def held_messages(self, community_id: str) -> list[MessageRow]:
        return list(
            self.s.scalars(
                select(MessageRow)
                .where(MessageRow.community_id == community_id, MessageRow.held.is_(True))
                .order_by(MessageRow.created_at)
            )
        )

    # -- threads as the domain sees them --------------------------------------------------------------
    def load_thread(self, thread_id: str) -> Thread:
        """The thread as the domain sees it; messages held for a steward's review are left out."""
        thread = self.s.get(ThreadRow, thread_id)
        if thread is None:
            raise KeyError(thread_id)
        rows = self.s.execute(
            select(MessageRow, PersonRow.display_name)
            .join(PersonRow, PersonRow.id == MessageRow.author_id)
            .where(MessageRow.thread_id == thread_id, MessageRow.held.is_(False))
            .order_by(MessageRow.created_at, MessageRow.ingested_at)
        ).all()
        by_ext = {r.external_id: r.id for r, _ in rows}
        messages = tuple(
            Message(
                id=r.id,
                thread_id=thread_id,
                author_id=r.author_id,
                author_name=name,
                text=r.text,
                created_at=aware(r.created_at),
                parent_id=by_ext.get(r.parent_external_id or ""),
                kind=r.kind,
                score=r.score,
                accepted=r.accepted,
                reactions=r.reactions,
                url=r.url,
            )
            for r, name in rows
        )
        return Thread(thread.id, thread.community_id, thread.title, messages, tuple(thread.tags or ()), thread.url)

    def replies_for_thread(self, thread_id: str) -> tuple[Reply, ...]:
        rows = self.s.execute(
            select(ReplyRow, NudgeRow.question, PersonRow.display_name)
            .join(NudgeRow, NudgeRow.id == ReplyRow.nudge_id)
            .join(PersonRow, PersonRow.id == ReplyRow.person_id)
            .where(NudgeRow.thread_id == thread_id)
            .order_by(ReplyRow.created_at)
        ).all()
        return tuple(
            Reply(
                id=r.id,
                nudge_question=q,
                text=r.text,
                author_id=r.person_id,
                author_name=name,
                created_at=aware(r.created_at),
            )
            for r, q, name in rows
        )

    # -- assessments ----------------------------------------------------------------------------------
    def save_assessment(self, row: AssessmentRow) -> None:
        existing = self.s.get(AssessmentRow, row.message_id)
        if existing is not None:
            self.s.delete(existing)
            self.s.flush()
        self.s.add(row)
        self.s.flush()

    def get_assessment(self, message_id: str) -> AssessmentRow | None:
        return self.s.get(AssessmentRow, message_id)

    # -- nudges ---------------------------------------------------------------------------------------
    def lock_person(self, person_id: str) -> None:
        """Holds the person's row until the transaction ends (PostgreSQL's FOR UPDATE), so two workers cannot
        both count this week's nudges and each add one past the expert's limit. SQLite has one writer anyway."""
        self.s.execute(select(PersonRow.id).where(PersonRow.id == person_id).with_for_update())

    def nudges_sent_since(self, person_id: str, since: datetime) -> int:
        query = select(func.count(NudgeRow.id)).where(NudgeRow.person_id == person_id, NudgeRow.deliver_at >= since)
        return int(self.s.scalar(query) or 0)

    def nudge_for(self, message_id: str, round_: int) -> NudgeRow | None:
        return self.s.scalars(
            select(NudgeRow).where(NudgeRow.message_id == message_id, NudgeRow.round == round_)
        ).first()

    def add_nudge(self, row: NudgeRow) -> NudgeRow:
        self.s.add(row)
        self.s.flush()
        return row

    def get_nudge(self, nudge_id: str) -> NudgeRow | None:
        return self.s.get(NudgeRow, nudge_id)

    def claim_open_nudge(self, nudge_id: str, **values: object) -> NudgeRow | None:
        """Move an open or snoozed nudge to new values in one conditional UPDATE (atomic on SQLite and
        PostgreSQL alike); None when another request changed it first. Returns the row as it is now."""
        result = self.s.execute(
            update(NudgeRow)
            .where(NudgeRow.id == nudge_id, NudgeRow.status.in_(("open", "snoozed")))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return self.s.get(NudgeRow, nudge_id, populate_existing=True)

    def inbox(
        self, person_id: str, now: datetime, include_closed: bool = False, community_ids: Sequence[str] | None = None
    ) -> list[NudgeRecord]:
        query = select(NudgeRow).where(NudgeRow.person_id == person_id)
        if community_ids is not None:
            query = query.where(NudgeRow.community_id.in_(community_ids))
        if not include_closed:
            query = query.where(NudgeRow.status.in_(("open", "snoozed")), NudgeRow.deliver_at <= now)
        rows = self.s.scalars(query.order_by(NudgeRow.deliver_at.desc())).all()
        return [self.nudge_record(r) for r in rows]

    def nudge_record(self, row: NudgeRow) -> NudgeRecord:
        thread = self.s.get(ThreadRow, row.thread_id)
        message = self.s.get(MessageRow, row.message_id)
        reply = self.s.scalars(select(ReplyRow).where(ReplyRow.nudge_id == row.id)).first()
        return NudgeRecord(
            id=row.id,
            community_id=row.community_id,
            message_id=row.message_id,
            thread_id=row.thread_id,
            person_id=row.person_id,
            round=row.round,
            gap=row.gap,
            question=row.question,
            status=row.status,
            deliver_at=aware(row.deliver_at),
            created_at=aware(row.created_at),
            thread_title=thread.title if thread else "",
            answer_text=message.text if message else "",
            reply_text=reply.text if reply else None,
        )

    def add_reply(self, nudge: NudgeRow, text: str) -> ReplyRow:
        row = ReplyRow(id=new_id(), nudge_id=nudge.id, person_id=nudge.person_id, text=text)
        self.s.add(row)
        nudge.status, nudge.closed_at = "answered", utcnow()
        self.s.flush()
        return row

    # -- guides ---------------------------------------------------------------------------------------
    def guide_for_thread(self, thread_id: str) -> GuideRow | None:
        return self.s.scalars(select(GuideRow).where(GuideRow.thread_id == thread_id)).first()

    def get_guide_row(self, guide_id: str) -> GuideRow | None:
        return self.s.get(GuideRow, guide_id)

    def fresh_guide(self, guide_id: str) -> GuideRow | None:
        """The guide as the database has it now (after another transaction changed it)."""
        return self.s.get(GuideRow, guide_id, populate_existing=True)

    def claim_guide(self, guide_id: str, version: int, statuses: Sequence[str], **values: object) -> GuideRow | None:
        """Change a guide only if it is still at `version` in one of `statuses`, in one conditional UPDATE that
        also holds the row (PostgreSQL) or the write lock (SQLite) until commit; None when it changed meanwhile."""
        result = self.s.execute(
            update(GuideRow)
            .where(GuideRow.id == guide_id, GuideRow.current_version == version, GuideRow.status.in_(statuses))
            .values(updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return self.s.get(GuideRow, guide_id, populate_existing=True)

    def save_guide_version(
        self,
        *,
        community_id: str,
        thread_id: str,
        reviewer_id: str,
        content: dict,
        engine: str,
        created_by: str | None = None,
        guide: GuideRow | None = None,
    ) -> GuideRow:
        """Add a new version to the thread's guide (creating it as a draft), and make it current."""
        guide = guide or self.guide_for_thread(thread_id)
        if guide is None:
            guide = GuideRow(
                id=new_id(),
                community_id=community_id,
                thread_id=thread_id,
                reviewer_id=reviewer_id,
                status="draft",
                current_version=0,
            )
            self.s.add(guide)
            self.s.flush()
        guide.current_version += 1
        guide.updated_at = utcnow()
        self.s.add(
            GuideVersionRow(
                guide_id=guide.id, version=guide.current_version, content=content, engine=engine, created_by=created_by
            )
        )
        self.s.flush()
        return guide

    def guide_record(self, guide: GuideRow) -> GuideRecord:
        version = self.s.get(GuideVersionRow, (guide.id, guide.current_version))
        # A stale guide has no version left until it is rewritten from its remaining sources.
        content = version.content if version else {"title": "Being rewritten", "sections": {}, "sources": []}
        return GuideRecord(
            id=guide.id,
            community_id=guide.community_id,
            thread_id=guide.thread_id,
            reviewer_id=guide.reviewer_id,
            status=guide.status,
            version=guide.current_version,
            content=content,
            engine=version.engine if version else "none",
            updated_at=aware(guide.updated_at),
        )

    def guides(
        self, *, community_ids: Iterable[str] | None = None, status: str | None = None, reviewer_id: str | None = None
    ) -> list[GuideRecord]:
        query = select(GuideRow).order_by(GuideRow.updated_at.desc())
        if community_ids is not None:
            query = query.where(GuideRow.community_id.in_(list(community_ids)))
        if status:
            query = query.where(GuideRow.status == status)
        if reviewer_id:
            query = query.where(GuideRow.reviewer_id == reviewer_id)
        return [self.guide_record(g) for g in self.s.scalars(query)]

    def communities_of(self, person_id: str) -> list[str]:
        return list(self.s.scalars(select(MembershipRow.community_id).where(MembershipRow.person_id == person_id)))

    def unassessed_message_ids(self, limit: int) -> list[str]:
        """Messages stored but never assessed (held ones wait for a steward, not for a job), oldest first."""
        query = (
            select(MessageRow.id)
            .outerjoin(AssessmentRow, AssessmentRow.message_id == MessageRow.id)
            .where(AssessmentRow.message_id.is_(None), MessageRow.held.is_(False))
            .order_by(MessageRow.created_at)
            .limit(limit)
        )
        return list(self.s.scalars(query))

    def replies_without_draft(self, limit: int) -> list[str]:
        """Answered nudges whose thread has no guide written since the reply (the drafting job never ran)."""
        query = (
            select(NudgeRow.id)
            .join(ReplyRow, ReplyRow.nudge_id == NudgeRow.id)
            .outerjoin(GuideRow, GuideRow.thread_id == NudgeRow.thread_id)
            .where(NudgeRow.status == "answered")
            .where((GuideRow.id.is_(None)) | (GuideRow.updated_at < ReplyRow.created_at))
            .limit(limit)
        )
        return list(self.s.scalars(query))

    def counts(self) -> dict[str, int]:
        tables = {"messages": MessageRow, "threads": ThreadRow, "nudges": NudgeRow, "guides": GuideRow}
        return {name: int(self.s.scalar(select(func.count()).select_from(t)) or 0) for name, t in tables.items()}


def _first_of_each(batch: Sequence[IncomingMessage]) -> list[IncomingMessage]:
    """Drop repeats of one external id inside a batch, keeping the first."""
    seen: set[str] = set()
    out = []
    for m in batch:
        if m.external_id not in seen:
            seen.add(m.external_id)
            out.append(m)
    return out


def _title_from(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else "Untitled thread"
    return first[:120] + ("…" if len(first) > 120 else "")


def week_ago(now: datetime) -> datetime:
    return now - timedelta(days=7)


class GovernanceRepository(Repository):
    """Queries of governance: audit, tokens, erasure and invalidation."""

    def add_audit(
        self,
        *,
        actor_id: str | None,
        action: str,
        community_id: str | None = None,
        target_type: str = "",
        target_id: str = "",
        details: dict | None = None,
    ) -> None:
        self.s.add(
            AuditEventRow(
                actor_id=actor_id,
                action=action,
                community_id=community_id,
                target_type=target_type,
                target_id=target_id,
                details=details or {},
            )
        )
        self.s.flush()

    def audit_events(
        self, community_ids: list[str] | None, limit: int, *, excluding: list[str] | None = None
    ) -> list[AuditEventRow]:
        """Events of these communities (None: all), minus those of `excluding`; events of no community stay."""
        query = select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit)
        if community_ids is not None:
            query = query.where(AuditEventRow.community_id.in_(community_ids))
        if excluding:
            query = query.where(or_(AuditEventRow.community_id.is_(None), AuditEventRow.community_id.not_in(excluding)))
        return list(self.s.scalars(query))

    def tokens_of(self, person_id: str) -> list[ApiTokenRow]:
        return list(
            self.s.scalars(
                select(ApiTokenRow).where(ApiTokenRow.person_id == person_id).order_by(ApiTokenRow.created_at)
            )
        )

    def message_by_external(self, community_id: str, external_id: str) -> MessageRow | None:
        return self.s.scalars(
            select(MessageRow).where(MessageRow.community_id == community_id, MessageRow.external_id == external_id)
        ).first()

    def messages_by(self, person_id: str) -> list[MessageRow]:
        return list(self.s.scalars(select(MessageRow).where(MessageRow.author_id == person_id)))

    def replies_by(self, person_id: str) -> list[tuple[ReplyRow, NudgeRow]]:
        rows = self.s.execute(
            select(ReplyRow, NudgeRow)
            .join(NudgeRow, NudgeRow.id == ReplyRow.nudge_id)
            .where(ReplyRow.person_id == person_id)
        ).all()
        return [(r, n) for r, n in rows]

    def purge_versions(self, guide: GuideRow) -> None:
        """Delete every version of a guide: none may keep text whose source changed or left."""
        for version in self.s.scalars(select(GuideVersionRow).where(GuideVersionRow.guide_id == guide.id)):
            self.s.delete(version)
        guide.status, guide.updated_at = "stale", utcnow()
        self.s.flush()

    def delete_guide(self, guide: GuideRow) -> None:
        self.purge_versions(guide)
        self.s.delete(guide)
        self.s.flush()

    def anonymize_sources(self, guide: GuideRow, source_ids: set[str], label: str) -> None:
        """Keep only the current version, with these sources' author names and links removed."""
        current = self.s.get(GuideVersionRow, (guide.id, guide.current_version))
        for version in self.s.scalars(select(GuideVersionRow).where(GuideVersionRow.guide_id == guide.id)):
            if version is not current:
                self.s.delete(version)
        if current is not None:
            content = dict(current.content)
            content["sources"] = [
                {**src, "author": label, "url": None} if src.get("id") in source_ids else src
                for src in content.get("sources", [])
            ]
            current.content = content
        guide.updated_at = utcnow()
        self.s.flush()
