"""Threads and their messages: ingest once, the thread as the domain sees it, edits, deletions, screening."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, case, func, insert, select, update
from sqlalchemy.orm import Session

from elicitor.model import AuthorStanding, Message, Role, Thread
from store.records import IncomingMessage, IngestResult, MessageRecord, ThreadRecord
from store.repositories.rows import maybe, record_of
from store.repository import aware, new_id
from store.tables import (
    AssessmentRow,
    GuideRow,
    MembershipRow,
    MessageRow,
    NudgeRow,
    PersonRow,
    RemovalRow,
    ReplyRow,
    ThreadRow,
)

UNTITLED = "Untitled thread"
# A record's columns read as plain rows (no ORM objects): batch reads of hundreds of messages cost a fraction.
_RECORD_COLUMNS = tuple(MessageRow.__table__.c[f.name] for f in fields(MessageRecord))
_THREAD_COLUMNS = tuple(
    MessageRow.__table__.c[name]
    for name in (
        "id",
        "thread_id",
        "author_id",
        "external_id",
        "parent_external_id",
        "text",
        "created_at",
        "kind",
        "score",
        "accepted",
        "reactions",
        "url",
    )
)
EDITABLE = ("text", "edited_at", "screened_at", "held", "pii_kinds")


class MessageRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- ingest -----------------------------------------------------------------------------------------------
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
        rows = [_message_row(community_id, m, threads[m.thread], authors[m.author]) for m in fresh]
        if rows:
            self.s.execute(
                insert(cast(Table, MessageRow.__table__)), rows
            )  # one executemany, column defaults applied per row
        return IngestResult(len(rows), len(batch) - len(rows), tuple(str(r["id"]) for r in rows))

    def _threads_for(self, community_id: str, batch: Sequence[IncomingMessage]) -> dict[str, str]:
        """The id of each message's thread by its external id; threads not seen before are created."""
        wanted = {m.thread for m in batch}
        known = select(ThreadRow.external_id, ThreadRow.id).where(
            ThreadRow.community_id == community_id, ThreadRow.external_id.in_(wanted)
        )
        found: dict[str, str] = {external_id: thread_id for external_id, thread_id in self.s.execute(known)}
        new: list[dict[str, object]] = []
        for m in batch:
            if m.thread not in found:
                found[m.thread] = new_id()
                title = m.thread_title or title_from(m.text)
                url = m.url if not m.parent else None
                new.append(
                    {"id": found[m.thread], "community_id": community_id, "external_id": m.thread, "title": title}
                    | {"url": url, "tags": list(m.tags)}
                )
        if new:
            self.s.execute(insert(cast(Table, ThreadRow.__table__)), new)
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

    # -- messages ---------------------------------------------------------------------------------------------
    def get(self, message_id: str) -> MessageRecord | None:
        return maybe(MessageRecord, self.s.get(MessageRow, message_id))

    def get_many(self, message_ids: Iterable[str]) -> dict[str, MessageRecord]:
        """The messages with these ids that still exist, in one query."""
        ids = list(set(message_ids))
        if not ids:
            return {}
        rows = self.s.execute(select(*_RECORD_COLUMNS).where(MessageRow.id.in_(ids)))
        return {r.id: record_of(MessageRecord, r) for r in rows}

    def by_external(self, community_id: str, external_id: str) -> MessageRecord | None:
        row = self.s.scalars(
            select(MessageRow).where(MessageRow.community_id == community_id, MessageRow.external_id == external_id)
        ).first()
        return maybe(MessageRecord, row)

    def by_author(self, person_id: str) -> list[MessageRecord]:
        return [
            record_of(MessageRecord, r)
            for r in self.s.scalars(select(MessageRow).where(MessageRow.author_id == person_id))
        ]

    def unscreened(self, thread_id: str) -> list[MessageRecord]:
        query = select(MessageRow).where(MessageRow.thread_id == thread_id, MessageRow.screened_at.is_(None))
        return [record_of(MessageRecord, r) for r in self.s.scalars(query)]

    def unscreened_in(self, thread_ids: Iterable[str]) -> list[MessageRecord]:
        """The messages of these threads not screened yet, in one query."""
        ids = list(set(thread_ids))
        if not ids:
            return []
        query = select(*_RECORD_COLUMNS).where(MessageRow.thread_id.in_(ids), MessageRow.screened_at.is_(None))
        return [record_of(MessageRecord, r) for r in self.s.execute(query)]

    def held(self, community_id: str) -> list[MessageRecord]:
        query = (
            select(MessageRow)
            .where(MessageRow.community_id == community_id, MessageRow.held.is_(True))
            .order_by(MessageRow.created_at)
        )
        return [record_of(MessageRecord, r) for r in self.s.scalars(query)]

    def update(self, message_id: str, **changes: object) -> None:
        """Set these columns (text, edited_at, screened_at, held, pii_kinds)."""
        row = self.s.get(MessageRow, message_id)
        if row is None:
            raise KeyError(message_id)
        for name, value in changes.items():
            if name not in EDITABLE:
                raise ValueError(f"{name} is not an editable field of a message")
            setattr(row, name, value)
        self.s.flush()

    def update_many(self, changes: Mapping[str, Mapping[str, object]]) -> None:
        """Set columns of many messages at once ({message id: {column: value}}): one UPDATE per distinct change."""
        groups: dict[tuple[tuple[str, object], ...], list[str]] = {}
        for message_id, values in changes.items():
            for name in values:
                if name not in EDITABLE:
                    raise ValueError(f"{name} is not an editable field of a message")
            key = tuple(sorted((name, _hashable(value)) for name, value in values.items()))
            groups.setdefault(key, []).append(message_id)
        for key, ids in groups.items():
            values = {name: changes[ids[0]][name] for name, _ in key}
            done = self.s.execute(update(MessageRow).where(MessageRow.id.in_(ids)).values(values))
            if done.rowcount != len(ids):  # type: ignore[attr-defined]
                raise KeyError(f"{len(ids) - done.rowcount} of these messages do not exist")  # type: ignore[attr-defined]

    def delete(self, message_id: str) -> None:
        row = self.s.get(MessageRow, message_id)
        if row is not None:
            self.s.delete(row)
            self.s.flush()

    def sources_unchanged(self, source_ids: list[str], since: datetime) -> bool:
        """Every source still exists (a message or a reply) and no message was edited after `since`."""
        ids = set(source_ids)
        messages = self.s.execute(select(MessageRow.id, MessageRow.edited_at).where(MessageRow.id.in_(ids))).all()
        replies = set(self.s.scalars(select(ReplyRow.id).where(ReplyRow.id.in_(ids))))
        if {m for m, _ in messages} | replies != ids:
            return False
        return all(edited is None or aware(edited) <= since for _, edited in messages)

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
        membership = self.s.get(MembershipRow, (community_id, person_id))
        role = Role(membership.role) if membership else Role.MEMBER
        return AuthorStanding(role=role, answers=int(count), accepted_answers=int(accepted), total_score=int(score))

    def standings(self, community_id: str, person_ids: Iterable[str]) -> dict[str, AuthorStanding]:
        """standing() of each of these people, in two queries."""
        ids = list(set(person_ids))
        if not ids:
            return {}
        answers = (
            select(
                MessageRow.author_id,
                func.count(MessageRow.id),
                func.coalesce(func.sum(case((MessageRow.accepted, 1), else_=0)), 0),
                func.coalesce(func.sum(MessageRow.score), 0),
            )
            .where(
                MessageRow.community_id == community_id,
                MessageRow.author_id.in_(ids),
                MessageRow.parent_external_id.is_not(None),
            )
            .group_by(MessageRow.author_id)
        )
        record = {author: (int(n), int(accepted), int(score)) for author, n, accepted, score in self.s.execute(answers)}
        members = select(MembershipRow.person_id, MembershipRow.role).where(
            MembershipRow.community_id == community_id, MembershipRow.person_id.in_(ids)
        )
        roles = {person_id: role for person_id, role in self.s.execute(members)}
        out = {}
        for person_id in ids:
            n, accepted, score = record.get(person_id, (0, 0, 0))
            role = Role(roles[person_id]) if person_id in roles else Role.MEMBER
            out[person_id] = AuthorStanding(role=role, answers=n, accepted_answers=accepted, total_score=score)
        return out

    def expert_answerer(self, community_id: str, thread_id: str, roles: Sequence[str]) -> str | None:
        """The first person who answered in the thread with one of these roles in the community."""
        query = (
            select(MessageRow.author_id)
            .join(
                MembershipRow,
                (MembershipRow.person_id == MessageRow.author_id) & (MembershipRow.community_id == community_id),
            )
            .where(
                MessageRow.thread_id == thread_id,
                MessageRow.parent_external_id.is_not(None),
                MembershipRow.role.in_(list(roles)),
            )
            .order_by(MessageRow.created_at)
        )
        return self.s.scalars(query).first()

    # -- threads ----------------------------------------------------------------------------------------------
    def thread(self, thread_id: str) -> ThreadRecord | None:
        return maybe(ThreadRecord, self.s.get(ThreadRow, thread_id))

    def thread_by_external(self, community_id: str, external_id: str) -> ThreadRecord | None:
        row = self.s.scalars(
            select(ThreadRow).where(ThreadRow.community_id == community_id, ThreadRow.external_id == external_id)
        ).first()
        return maybe(ThreadRecord, row)

    def threads_by_ids(self, thread_ids: Iterable[str]) -> dict[str, ThreadRecord]:
        ids = list(set(thread_ids))
        if not ids:
            return {}
        return {
            r.id: record_of(ThreadRecord, r) for r in self.s.scalars(select(ThreadRow).where(ThreadRow.id.in_(ids)))
        }

    def set_titles(self, titles: Mapping[str, str]) -> None:
        """New titles for these threads ({thread id: title}), with one flush; threads gone meanwhile are skipped."""
        for row in self.s.scalars(select(ThreadRow).where(ThreadRow.id.in_(list(titles)))):
            row.title = titles[row.id]
        self.s.flush()

    def set_title(self, thread_id: str, title: str) -> None:
        row = self.s.get(ThreadRow, thread_id)
        if row is not None:
            row.title = title
            self.s.flush()

    def delete_thread(self, thread_id: str) -> None:
        """The thread and its messages (nudges and replies go with them)."""
        for message in self.s.scalars(select(MessageRow).where(MessageRow.thread_id == thread_id)).all():
            self.s.delete(message)
        self.s.flush()
        row = self.s.get(ThreadRow, thread_id)
        if row is not None:
            self.s.delete(row)
            self.s.flush()

    def load_thread(self, thread_id: str) -> Thread:
        """The thread as the domain sees it; messages held for a steward's review are left out."""
        thread = self.load_threads([thread_id]).get(thread_id)
        if thread is None:
            raise KeyError(thread_id)
        return thread

    def load_threads(self, thread_ids: Iterable[str]) -> dict[str, Thread]:
        """load_thread() of each of these threads that exists, in two queries."""
        ids = list(set(thread_ids))
        if not ids:
            return {}
        threads = {t.id: t for t in self.s.scalars(select(ThreadRow).where(ThreadRow.id.in_(ids)))}
        rows = self.s.execute(
            select(*_THREAD_COLUMNS, PersonRow.display_name)
            .join(PersonRow, PersonRow.id == MessageRow.author_id)
            .where(MessageRow.thread_id.in_(ids), MessageRow.held.is_(False))
            .order_by(MessageRow.thread_id, MessageRow.created_at, MessageRow.ingested_at)
        ).all()
        by_thread: dict[str, list[Any]] = {thread_id: [] for thread_id in threads}
        for row in rows:
            by_thread[row.thread_id].append(row)
        return {thread_id: _thread(threads[thread_id], found) for thread_id, found in by_thread.items()}

    def unassessed_ids(self, limit: int) -> list[str]:
        """Messages stored but never assessed (held ones wait for a steward, not for a job), oldest first."""
        query = (
            select(MessageRow.id)
            .outerjoin(AssessmentRow, AssessmentRow.message_id == MessageRow.id)
            .where(AssessmentRow.message_id.is_(None), MessageRow.held.is_(False))
            .order_by(MessageRow.created_at)
            .limit(limit)
        )
        return list(self.s.scalars(query))

    def counts(self) -> dict[str, int]:
        """How many messages, threads, nudges and guides are stored (for /healthz)."""
        tables = {"messages": MessageRow, "threads": ThreadRow, "nudges": NudgeRow, "guides": GuideRow}
        return {name: int(self.s.scalar(select(func.count()).select_from(t)) or 0) for name, t in tables.items()}


def _thread(thread: ThreadRow, rows: Sequence[Any]) -> Thread:
    """The domain's thread from its row and its messages' rows (_THREAD_COLUMNS and the author's display name)."""
    by_ext = {r.external_id: r.id for r in rows}
    messages = tuple(
        Message(
            id=r.id,
            thread_id=thread.id,
            author_id=r.author_id,
            author_name=r.display_name,
            text=r.text,
            created_at=aware(r.created_at),
            parent_id=by_ext.get(r.parent_external_id or ""),
            kind=r.kind,
            score=r.score,
            accepted=r.accepted,
            reactions=r.reactions,
            url=r.url,
        )
        for r in rows
    )
    return Thread(thread.id, thread.community_id, thread.title, messages, tuple(thread.tags or ()), thread.url)


def _message_row(community_id: str, m: IncomingMessage, thread_id: str, author_id: str) -> dict[str, object]:
    kind = m.kind or ("reply" if m.parent else "question")
    return {
        "id": new_id(),
        "community_id": community_id,
        "thread_id": thread_id,
        "external_id": m.external_id,
        "parent_external_id": m.parent,
        "author_id": author_id,
        "kind": kind,
        "text": m.text,
        "created_at": m.created_at,
        "score": m.score,
        "accepted": m.accepted,
        "reactions": m.reactions,
        "url": m.url,
    }


def _hashable(value: object) -> object:
    """A column value as a dictionary key (pii_kinds is a list)."""
    return tuple(value) if isinstance(value, list) else value


def _first_of_each(batch: Sequence[IncomingMessage]) -> list[IncomingMessage]:
    """Drop repeats of one external id inside a batch, keeping the first."""
    seen: set[str] = set()
    out = []
    for m in batch:
        if m.external_id not in seen:
            seen.add(m.external_id)
            out.append(m)
    return out


def title_from(text: str) -> str:
    """A thread's title derived from its opening message: its first line, at most 120 characters."""
    first = text.strip().splitlines()[0] if text.strip() else UNTITLED
    return first[:120] + ("…" if len(first) > 120 else "")
