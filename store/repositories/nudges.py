"""Nudges (the one follow-up question per answer and round) and the experts' replies to them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from elicitor.model import Reply
from store.records import NewNudge, NudgeRecord, ReplyRecord
from store.repositories.rows import record_of
from store.repository import aware, new_id
from store.tables import GuideRow, MessageRow, NudgeRow, PersonRow, ReplyRow, ThreadRow, utcnow

OPEN = ("open", "snoozed")


class NudgeRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, nudge: NewNudge) -> NudgeRecord:
        row = NudgeRow(id=new_id(), status="open", **nudge.__dict__)
        self.s.add(row)
        self.s.flush()
        return self._record(row)

    def add_many(self, nudges: Sequence[NewNudge]) -> list[str]:
        """add() of each nudge with one INSERT; their ids, in order (a batch needs no records back)."""
        rows = [{"id": new_id(), "status": "open", **n.__dict__} for n in nudges]
        if rows:
            self.s.execute(insert(cast(Table, NudgeRow.__table__)), rows)
        return [str(r["id"]) for r in rows]

    def get(self, nudge_id: str) -> NudgeRecord | None:
        row = self.s.get(NudgeRow, nudge_id)
        return self._record(row) if row else None

    def for_message(self, message_id: str, round_: int) -> NudgeRecord | None:
        row = self.s.scalars(
            select(NudgeRow).where(NudgeRow.message_id == message_id, NudgeRow.round == round_)
        ).first()
        return self._record(row) if row else None

    def nudged(self, message_ids: Iterable[str], round_: int) -> set[str]:
        """Which of these messages already have a nudge of this round, in one query."""
        ids = list(set(message_ids))
        if not ids:
            return set()
        query = select(NudgeRow.message_id).where(NudgeRow.message_id.in_(ids), NudgeRow.round == round_)
        return set(self.s.scalars(query))

    def sent_since_many(self, person_ids: Iterable[str], since: datetime) -> dict[str, int]:
        """sent_since() of each of these people, in one query."""
        ids = list(set(person_ids))
        if not ids:
            return {}
        query = (
            select(NudgeRow.person_id, func.count(NudgeRow.id))
            .where(NudgeRow.person_id.in_(ids), NudgeRow.deliver_at >= since)
            .group_by(NudgeRow.person_id)
        )
        counts = {person_id: int(n) for person_id, n in self.s.execute(query)}
        return {person_id: counts.get(person_id, 0) for person_id in ids}

    def sent_since(self, person_id: str, since: datetime) -> int:
        query = select(func.count(NudgeRow.id)).where(NudgeRow.person_id == person_id, NudgeRow.deliver_at >= since)
        return int(self.s.scalar(query) or 0)

    def inbox(
        self, person_id: str, now: datetime, include_closed: bool = False, community_ids: Sequence[str] | None = None
    ) -> list[NudgeRecord]:
        query = select(NudgeRow).where(NudgeRow.person_id == person_id)
        if community_ids is not None:
            query = query.where(NudgeRow.community_id.in_(community_ids))
        if not include_closed:
            query = query.where(NudgeRow.status.in_(OPEN), NudgeRow.deliver_at <= now)
        return [self._record(r) for r in self.s.scalars(query.order_by(NudgeRow.deliver_at.desc())).all()]

    def claim_open(self, nudge_id: str, **values: object) -> NudgeRecord | None:
        """Move an open or snoozed nudge to new values in one conditional UPDATE (atomic on SQLite and
        PostgreSQL alike); None when another request changed it first. Returns the nudge as it is now."""
        result = self.s.execute(
            update(NudgeRow)
            .where(NudgeRow.id == nudge_id, NudgeRow.status.in_(OPEN))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return self.fresh(nudge_id)

    def fresh(self, nudge_id: str) -> NudgeRecord | None:
        """The nudge as the database has it now (after another transaction changed it)."""
        row = self.s.get(NudgeRow, nudge_id, populate_existing=True)
        return self._record(row) if row is not None else None

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

    def close(self, nudge_id: str, status: str, at: datetime, decline_reason: str | None = None) -> NudgeRecord:
        """Answered or declined (with the expert's reason, a label for detection): the nudge is closed."""
        row = self._row(nudge_id)
        row.status, row.closed_at, row.decline_reason = status, at, decline_reason
        self.s.flush()
        return self._record(row)

    def snooze(self, nudge_id: str, until: datetime) -> NudgeRecord:
        row = self._row(nudge_id)
        row.status, row.deliver_at = "snoozed", until
        self.s.flush()
        return self._record(row)

    def add_reply(self, nudge_id: str, text: str) -> NudgeRecord:
        """The expert's reply; the nudge is answered."""
        row = self._row(nudge_id)
        self.s.add(ReplyRow(id=new_id(), nudge_id=row.id, person_id=row.person_id, text=text))
        row.status, row.closed_at = "answered", utcnow()
        self.s.flush()
        return self._record(row)

    def delete_of(self, person_id: str, statuses: Sequence[str] | None = None) -> int:
        """Delete the person's nudges (only those with these statuses, when given); how many went."""
        query = select(NudgeRow).where(NudgeRow.person_id == person_id)
        if statuses is not None:
            query = query.where(NudgeRow.status.in_(list(statuses)))
        rows = list(self.s.scalars(query))
        for row in rows:
            self.s.delete(row)
        self.s.flush()
        return len(rows)

    # -- replies ----------------------------------------------------------------------------------------------
    def replies_for_thread(self, thread_id: str) -> tuple[Reply, ...]:
        """The experts' replies about this thread, as the guide writer reads them."""
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

    def replies_by(self, person_id: str) -> list[tuple[ReplyRecord, str]]:
        """The person's replies, each with the thread it is about."""
        rows = self.s.execute(
            select(ReplyRow, NudgeRow.thread_id)
            .join(NudgeRow, NudgeRow.id == ReplyRow.nudge_id)
            .where(ReplyRow.person_id == person_id)
        ).all()
        return [(record_of(ReplyRecord, r), thread_id) for r, thread_id in rows]

    def delete_reply(self, reply_id: str) -> None:
        row = self.s.get(ReplyRow, reply_id)
        if row is not None:
            self.s.delete(row)
            self.s.flush()

    # -- records ----------------------------------------------------------------------------------------------
    def _row(self, nudge_id: str) -> NudgeRow:
        row = self.s.get(NudgeRow, nudge_id)
        if row is None:
            raise KeyError(nudge_id)
        return row

    def _record(self, row: NudgeRow) -> NudgeRecord:
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
            delivery_failures=row.delivery_failures or 0,
        )
