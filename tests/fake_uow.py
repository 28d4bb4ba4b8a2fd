"""An in-memory unit of work (the cosmicpython way): the repositories of store/uow.py over plain dicts of records.

It keeps what the workflow's use cases need for the loop (communities, people, tokens, messages and threads,
assessments, nudges and replies, guides, audit) and behaves like the SQL one where it matters: a unit of work
commits on success and rolls everything back on error, `after_commit` callbacks run only once committed, and the
lookups return records. Tandems are not faked, and connectors only as "no platform linked" (their use cases are tested end to end).
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from elicitor.model import AuthorStanding, Message, Reply, Role, Thread
from store.records import (
    AssessmentRecord,
    AuditRecord,
    CommunityModelRecord,
    CommunityRecord,
    CommunitySettingsChange,
    GuideRecord,
    IncomingMessage,
    IngestResult,
    MessageRecord,
    NewNudge,
    NudgeRecord,
    OutcomeLabelRecord,
    PersonRecord,
    ReplyRecord,
    ThreadRecord,
    TokenRecord,
)
from store.repositories.messages import title_from
from store.repository import TOKEN_PREFIX, hash_token, new_id


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Tables:
    """The in-memory record: what a database would hold, as records."""

    communities: dict[str, CommunityRecord] = field(default_factory=dict)
    people: dict[str, PersonRecord] = field(default_factory=dict)
    roles: dict[tuple[str, str], Role] = field(default_factory=dict)  # (community, person) -> role
    tokens: dict[str, tuple[TokenRecord, str]] = field(default_factory=dict)  # id -> (record, hash)
    threads: dict[str, ThreadRecord] = field(default_factory=dict)
    messages: dict[str, MessageRecord] = field(default_factory=dict)
    message_extra: dict[str, dict[str, Any]] = field(default_factory=dict)  # score, accepted, ... per message
    assessments: dict[str, AssessmentRecord] = field(default_factory=dict)
    nudges: dict[str, dict[str, Any]] = field(default_factory=dict)
    replies: dict[str, ReplyRecord] = field(default_factory=dict)
    guides: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    locks: list[str] = field(default_factory=list)
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # (community, person, query)
    community_models: dict[str, CommunityModelRecord] = field(default_factory=dict)


class FakeCommunities:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def get(self, community_id: str) -> CommunityRecord | None:
        return self.t.communities.get(community_id)

    def all(self) -> list[CommunityRecord]:
        return sorted(self.t.communities.values(), key=lambda c: c.id)

    def by_ids(self, community_ids: Iterable[str]) -> dict[str, CommunityRecord]:
        return {c: self.t.communities[c] for c in set(community_ids) if c in self.t.communities}

    def upsert(self, community_id: str, name: str, description: str = "") -> CommunityRecord:
        old = self.t.communities.get(community_id)
        record = (
            replace(old, name=name, description=description)
            if old
            else CommunityRecord(community_id, name, description, None, "restricted", False, "redact")
        )
        self.t.communities[community_id] = record
        return record

    def update(self, community_id: str, change: CommunitySettingsChange) -> CommunityRecord:
        changes = {k: v for k, v in change.__dict__.items() if v is not None}
        self.t.communities[community_id] = replace(self.t.communities[community_id], **changes)
        return self.t.communities[community_id]

    def set_role(self, community_id: str, person_id: str, role: Role) -> None:
        self.t.roles[(community_id, person_id)] = role

    def remove_member(self, community_id: str, person_id: str) -> None:
        self.t.roles.pop((community_id, person_id), None)

    def role_of(self, community_id: str, person_id: str) -> Role | None:
        return self.t.roles.get((community_id, person_id))

    def roles_in(self, community_id: str, person_ids: Iterable[str]) -> dict[str, Role]:
        return {p: self.t.roles[(community_id, p)] for p in person_ids if (community_id, p) in self.t.roles}

    def roles_of(self, person_id: str) -> dict[str, Role]:
        return {c: r for (c, p), r in self.t.roles.items() if p == person_id}

    def communities_of(self, person_id: str) -> list[str]:
        return list(self.roles_of(person_id))

    def members_of(self, community_ids: Sequence[str]) -> dict[str, PersonRecord]:
        return {p: self.t.people[p] for (c, p) in self.t.roles if c in community_ids}


class FakePeople:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def get(self, person_id: str) -> PersonRecord | None:
        return self.t.people.get(person_id)

    def get_many(self, person_ids: Iterable[str]) -> dict[str, PersonRecord]:
        return {p: self.t.people[p] for p in person_ids if p in self.t.people}

    def by_handle(self, handle: str) -> PersonRecord | None:
        return next((p for p in self.t.people.values() if p.handle == handle), None)

    def by_email(self, email: str) -> PersonRecord | None:
        return next((p for p in self.t.people.values() if p.email == email), None)

    def handles(self) -> dict[str, str]:
        return {p.handle: p.id for p in self.t.people.values()}

    def upsert(
        self, handle: str, display_name: str | None = None, email: str | None = None, timezone: str | None = None
    ) -> PersonRecord:
        old = self.by_handle(handle)
        if old is None:
            record = PersonRecord(new_id(), handle, display_name or handle, timezone or "UTC", None, None, False, email)
        else:
            record = replace(
                old,
                display_name=display_name or old.display_name,
                email=email or old.email,
                timezone=timezone or old.timezone,
            )
        self.t.people[record.id] = record
        return record

    def update(self, person_id: str, **changes: object) -> PersonRecord:
        self.t.people[person_id] = replace(self.t.people[person_id], **changes)  # type: ignore[arg-type]
        return self.t.people[person_id]

    def lock_many(self, person_ids: Iterable[str]) -> None:
        self.t.locks.extend(sorted(set(person_ids)))

    def lock(self, person_id: str) -> None:
        self.t.locks.append(person_id)

    def forget(self, person_id: str) -> None:
        self.t.tokens = {k: v for k, v in self.t.tokens.items() if v[0].person_id != person_id}
        self.t.roles = {k: v for k, v in self.t.roles.items() if k[1] != person_id}

    def hide_as_expert(self, person_id: str) -> None:
        return None  # expertise profiles are not faked

    def delete(self, person_id: str) -> None:
        self.t.people.pop(person_id, None)


class FakeTokens:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def create(self, person_id: str, name: str = "") -> tuple[str, str]:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = TokenRecord(new_id(), person_id, name, _now(), None)
        self.t.tokens[record.id] = (record, hash_token(token))
        return record.id, token

    def person_for(self, token: str) -> PersonRecord | None:
        digest = hash_token(token)
        found = next((r for r, h in self.t.tokens.values() if h == digest and r.revoked_at is None), None)
        return self.t.people.get(found.person_id) if found else None

    def of(self, person_id: str) -> list[TokenRecord]:
        return [r for r, _ in self.t.tokens.values() if r.person_id == person_id]

    def get(self, token_id: str) -> TokenRecord | None:
        found = self.t.tokens.get(token_id)
        return found[0] if found else None

    def revoke(self, token_id: str) -> None:
        record, digest = self.t.tokens[token_id]
        self.t.tokens[token_id] = (replace(record, revoked_at=record.revoked_at or _now()), digest)


class FakeMessages:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def ingest(self, community_id: str, batch: Sequence[IncomingMessage]) -> IngestResult:
        known = {m.external_id for m in self.t.messages.values() if m.community_id == community_id}
        added: list[str] = []
        for m in batch:
            if m.external_id in known:
                continue
            known.add(m.external_id)
            thread = self.thread_by_external(community_id, m.thread) or self._new_thread(community_id, m)
            author = FakePeople(self.t).by_handle(m.author) or FakePeople(self.t).upsert(m.author, m.author_name)
            self.t.roles.setdefault((community_id, author.id), Role.MEMBER)
            kind = m.kind or ("reply" if m.parent else "question")
            record = MessageRecord(
                new_id(), community_id, thread.id, m.external_id, m.parent, author.id, kind, m.text, m.created_at,
                False, [], None, None,
            )  # fmt: skip
            self.t.messages[record.id] = record
            self.t.message_extra[record.id] = {"score": m.score, "accepted": m.accepted, "reactions": m.reactions}
            added.append(record.id)
        return IngestResult(len(added), len(batch) - len(added), tuple(added))

    def _new_thread(self, community_id: str, m: IncomingMessage) -> ThreadRecord:
        title = m.thread_title or title_from(m.text)
        record = ThreadRecord(new_id(), community_id, m.thread, title, None if m.parent else m.url, list(m.tags))
        self.t.threads[record.id] = record
        return record

    def get(self, message_id: str) -> MessageRecord | None:
        return self.t.messages.get(message_id)

    def get_many(self, message_ids: Iterable[str]) -> dict[str, MessageRecord]:
        return {m: self.t.messages[m] for m in message_ids if m in self.t.messages}

    def unscreened_in(self, thread_ids: Iterable[str]) -> list[MessageRecord]:
        wanted = set(thread_ids)
        return [m for m in self.t.messages.values() if m.thread_id in wanted and m.screened_at is None]

    def update_many(self, changes: Mapping[str, Mapping[str, object]]) -> None:
        for message_id, values in changes.items():
            self.update(message_id, **values)

    def standings(self, community_id: str, person_ids: Iterable[str]) -> dict[str, AuthorStanding]:
        return {p: self.standing(community_id, p) for p in set(person_ids)}

    def threads_by_ids(self, thread_ids: Iterable[str]) -> dict[str, ThreadRecord]:
        return {t: self.t.threads[t] for t in thread_ids if t in self.t.threads}

    def set_titles(self, titles: Mapping[str, str]) -> None:
        for thread_id, title in titles.items():
            if thread_id in self.t.threads:
                self.set_title(thread_id, title)

    def load_threads(self, thread_ids: Iterable[str]) -> dict[str, Thread]:
        return {t: self.load_thread(t) for t in set(thread_ids) if t in self.t.threads}

    def by_external(self, community_id: str, external_id: str) -> MessageRecord | None:
        return next(
            (m for m in self.t.messages.values() if (m.community_id, m.external_id) == (community_id, external_id)),
            None,
        )

    def by_author(self, person_id: str) -> list[MessageRecord]:
        return [m for m in self.t.messages.values() if m.author_id == person_id]

    def unscreened(self, thread_id: str) -> list[MessageRecord]:
        return [m for m in self.t.messages.values() if m.thread_id == thread_id and m.screened_at is None]

    def held(self, community_id: str) -> list[MessageRecord]:
        return [m for m in self.t.messages.values() if m.community_id == community_id and m.held]

    def update(self, message_id: str, **changes: object) -> None:
        self.t.messages[message_id] = replace(self.t.messages[message_id], **changes)  # type: ignore[arg-type]

    def delete(self, message_id: str) -> None:
        self.t.messages.pop(message_id, None)
        for nudge_id in [n for n, row in self.t.nudges.items() if row["message_id"] == message_id]:
            self._delete_nudge(nudge_id)  # as the database cascades
        self.t.assessments.pop(message_id, None)

    def _delete_nudge(self, nudge_id: str) -> None:
        self.t.nudges.pop(nudge_id, None)
        self.t.replies = {k: r for k, r in self.t.replies.items() if r.nudge_id != nudge_id}

    def sources_unchanged(self, source_ids: list[str], since: datetime) -> bool:
        ids = set(source_ids)
        found = {i for i in ids if i in self.t.messages or i in self.t.replies}
        edited = [self.t.messages[i].edited_at for i in found if i in self.t.messages]
        return found == ids and all(e is None or e <= since for e in edited)

    def standing(self, community_id: str, person_id: str) -> AuthorStanding:
        answers = [
            m
            for m in self.t.messages.values()
            if (m.community_id, m.author_id) == (community_id, person_id) and m.parent_external_id is not None
        ]
        extra = [self.t.message_extra[m.id] for m in answers]
        return AuthorStanding(
            role=self.t.roles.get((community_id, person_id), Role.MEMBER),
            answers=len(answers),
            accepted_answers=sum(1 for e in extra if e["accepted"]),
            total_score=sum(e["score"] for e in extra),
        )

    def expert_answerer(self, community_id: str, thread_id: str, roles: Sequence[str]) -> str | None:
        answers = sorted(
            (m for m in self.t.messages.values() if m.thread_id == thread_id and m.parent_external_id is not None),
            key=lambda m: m.created_at,
        )
        wanted = set(roles)
        return next((m.author_id for m in answers if self.t.roles.get((community_id, m.author_id)) in wanted), None)

    def thread(self, thread_id: str) -> ThreadRecord | None:
        return self.t.threads.get(thread_id)

    def thread_by_external(self, community_id: str, external_id: str) -> ThreadRecord | None:
        return next(
            (t for t in self.t.threads.values() if (t.community_id, t.external_id) == (community_id, external_id)),
            None,
        )

    def set_title(self, thread_id: str, title: str) -> None:
        self.t.threads[thread_id] = replace(self.t.threads[thread_id], title=title)

    def delete_thread(self, thread_id: str) -> None:
        for message_id in [m.id for m in self.t.messages.values() if m.thread_id == thread_id]:
            self.delete(message_id)
        self.t.threads.pop(thread_id, None)

    def load_thread(self, thread_id: str) -> Thread:
        thread = self.t.threads[thread_id]  # KeyError like the SQL repository
        rows = sorted(
            (m for m in self.t.messages.values() if m.thread_id == thread_id and not m.held),
            key=lambda m: m.created_at,
        )
        by_ext = {m.external_id: m.id for m in rows}
        messages = tuple(
            Message(
                id=m.id,
                thread_id=thread_id,
                author_id=m.author_id,
                author_name=self.t.people[m.author_id].display_name,
                text=m.text,
                created_at=m.created_at,
                parent_id=by_ext.get(m.parent_external_id or ""),
                kind=m.kind,
                **self.t.message_extra[m.id],
            )
            for m in rows
        )
        return Thread(thread.id, thread.community_id, thread.title, messages, tuple(thread.tags), thread.url)

    def counts(self) -> dict[str, int]:
        t = self.t
        return {
            "messages": len(t.messages),
            "threads": len(t.threads),
            "nudges": len(t.nudges),
            "guides": len(t.guides),
        }


class FakeAssessments:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def save(self, record: AssessmentRecord) -> None:
        self.t.assessments[record.message_id] = record

    def save_many(self, records: Sequence[AssessmentRecord]) -> None:
        for record in records:
            self.save(record)

    def assessed(self, message_ids: Sequence[str]) -> set[str]:
        return {m for m in message_ids if m in self.t.assessments}

    def get(self, message_id: str) -> AssessmentRecord | None:
        return self.t.assessments.get(message_id)

    def recent_scores(self, community_id: str, limit: int) -> list[tuple[float, dict]]:
        mine = [a for a in self.t.assessments.values() if self._in(a, community_id)]
        return [(a.score, dict(a.features)) for a in reversed(mine)][:limit]

    def _in(self, a: AssessmentRecord, community_id: str) -> bool:
        return a.message_id in self.t.messages and self.t.messages[a.message_id].community_id == community_id

    def of_community(self, community_id: str, *, candidates_only: bool, limit: int) -> list[AssessmentRecord]:
        mine = [
            a
            for a in self.t.assessments.values()
            if a.message_id in self.t.messages and self.t.messages[a.message_id].community_id == community_id
        ]
        return sorted((a for a in mine if a.is_candidate or not candidates_only), key=lambda a: -a.score)[:limit]


class FakeNudges:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def add(self, nudge: NewNudge) -> NudgeRecord:
        nudge_id = new_id()
        self.t.nudges[nudge_id] = {**nudge.__dict__, "id": nudge_id, "status": "open", "created_at": _now()}
        return self._record(nudge_id)

    def add_many(self, nudges: Sequence[NewNudge]) -> list[str]:
        return [self.add(n).id for n in nudges]

    def get(self, nudge_id: str) -> NudgeRecord | None:
        return self._record(nudge_id) if nudge_id in self.t.nudges else None

    def for_message(self, message_id: str, round_: int) -> NudgeRecord | None:
        found = [n for n, row in self.t.nudges.items() if (row["message_id"], row["round"]) == (message_id, round_)]
        return self._record(found[0]) if found else None

    def nudged(self, message_ids: Iterable[str], round_: int) -> set[str]:
        wanted = set(message_ids)
        return {r["message_id"] for r in self.t.nudges.values() if r["message_id"] in wanted and r["round"] == round_}

    def sent_since_many(self, person_ids: Iterable[str], since: datetime) -> dict[str, int]:
        return {p: self.sent_since(p, since) for p in set(person_ids)}

    def sent_since(self, person_id: str, since: datetime) -> int:
        return sum(1 for r in self.t.nudges.values() if r["person_id"] == person_id and r["deliver_at"] >= since)

    def inbox(
        self, person_id: str, now: datetime, include_closed: bool = False, community_ids: Sequence[str] | None = None
    ) -> list[NudgeRecord]:
        rows = [r for r in self.t.nudges.values() if r["person_id"] == person_id]
        if community_ids is not None:
            rows = [r for r in rows if r["community_id"] in community_ids]
        if not include_closed:
            rows = [r for r in rows if r["status"] in ("open", "snoozed") and r["deliver_at"] <= now]
        return [self._record(r["id"]) for r in sorted(rows, key=lambda r: r["deliver_at"], reverse=True)]

    def claim_open(self, nudge_id: str, **values: object) -> NudgeRecord | None:
        row = self.t.nudges.get(nudge_id)
        if row is None or row["status"] not in ("open", "snoozed"):
            return None
        row.update(values)
        return self._record(nudge_id)

    def fresh(self, nudge_id: str) -> NudgeRecord | None:
        return self.get(nudge_id)

    def close(self, nudge_id: str, status: str, at: datetime, decline_reason: str | None = None) -> NudgeRecord:
        self.t.nudges[nudge_id].update(status=status, closed_at=at, decline_reason=decline_reason)
        return self._record(nudge_id)

    def snooze(self, nudge_id: str, until: datetime) -> NudgeRecord:
        self.t.nudges[nudge_id].update(status="snoozed", deliver_at=until)
        return self._record(nudge_id)

    def add_reply(self, nudge_id: str, text: str) -> NudgeRecord:
        row = self.t.nudges[nudge_id]
        reply = ReplyRecord(new_id(), nudge_id, row["person_id"], text, _now())
        self.t.replies[reply.id] = reply
        row.update(status="answered", closed_at=_now())
        return self._record(nudge_id)

    def delete_of(self, person_id: str, statuses: Sequence[str] | None = None) -> int:
        gone = [
            n
            for n, r in self.t.nudges.items()
            if r["person_id"] == person_id and (statuses is None or r["status"] in statuses)
        ]
        for nudge_id in gone:
            FakeMessages(self.t)._delete_nudge(nudge_id)
        return len(gone)

    def replies_for_thread(self, thread_id: str) -> tuple[Reply, ...]:
        out = []
        for r in sorted(self.t.replies.values(), key=lambda r: r.created_at):
            nudge = self.t.nudges[r.nudge_id]
            if nudge["thread_id"] == thread_id:
                name = self.t.people[r.person_id].display_name
                out.append(Reply(r.id, nudge["question"], r.text, r.person_id, name, r.created_at))
        return tuple(out)

    def replies_by(self, person_id: str) -> list[tuple[ReplyRecord, str]]:
        return [
            (r, self.t.nudges[r.nudge_id]["thread_id"]) for r in self.t.replies.values() if r.person_id == person_id
        ]

    def delete_reply(self, reply_id: str) -> None:
        self.t.replies.pop(reply_id, None)

    def _record(self, nudge_id: str) -> NudgeRecord:
        row = self.t.nudges[nudge_id]
        thread, message = self.t.threads.get(row["thread_id"]), self.t.messages.get(row["message_id"])
        reply = next((r for r in self.t.replies.values() if r.nudge_id == nudge_id), None)
        return NudgeRecord(
            id=nudge_id,
            community_id=row["community_id"],
            message_id=row["message_id"],
            thread_id=row["thread_id"],
            person_id=row["person_id"],
            round=row["round"],
            gap=row["gap"],
            question=row["question"],
            status=row["status"],
            deliver_at=row["deliver_at"],
            created_at=row["created_at"],
            thread_title=thread.title if thread else "",
            answer_text=message.text if message else "",
            reply_text=reply.text if reply else None,
        )


class FakeGuides:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def get(self, guide_id: str) -> GuideRecord | None:
        return self._record(guide_id) if guide_id in self.t.guides else None

    def for_thread(self, thread_id: str) -> GuideRecord | None:
        found = [g for g, row in self.t.guides.items() if row["thread_id"] == thread_id]
        return self._record(found[0]) if found else None

    def find(
        self, *, community_ids: Iterable[str] | None = None, status: str | None = None, reviewer_id: str | None = None
    ) -> list[GuideRecord]:
        wanted = set(community_ids) if community_ids is not None else None
        rows = [
            r
            for r in self.t.guides.values()
            if (wanted is None or r["community_id"] in wanted)
            and (not status or r["status"] == status)
            and (not reviewer_id or r["reviewer_id"] == reviewer_id)
        ]
        return [self._record(r["id"]) for r in sorted(rows, key=lambda r: r["updated_at"], reverse=True)]

    def by_ids(self, guide_ids: Iterable[str], *, status: str | None = None) -> dict[str, GuideRecord]:
        found = (self._record(g) for g in dict.fromkeys(guide_ids) if g in self.t.guides)
        return {g.id: g for g in found if not status or g.status == status}

    def published_page(self, after_id: str | None, limit: int) -> list[GuideRecord]:
        ids = sorted(
            g for g, r in self.t.guides.items() if r["status"] == "published" and (after_id is None or g > after_id)
        )
        return [self._record(g) for g in ids[:limit]]

    def published_count(self, after_id: str | None = None) -> int:
        return len(self.published_page(after_id, len(self.t.guides)))

    def save_version(
        self,
        *,
        community_id: str,
        thread_id: str,
        reviewer_id: str,
        content: dict,
        engine: str,
        created_by: str | None = None,
        status: str | None = None,
    ) -> GuideRecord:
        existing = self.for_thread(thread_id)
        if existing is None:
            guide_id = new_id()
            self.t.guides[guide_id] = {
                "id": guide_id, "community_id": community_id, "thread_id": thread_id, "reviewer_id": reviewer_id,
                "status": "draft", "version": 0, "published_at": None,
            }  # fmt: skip
        else:
            guide_id = existing.id
        row = self.t.guides[guide_id]
        row.update(version=row["version"] + 1, updated_at=_now(), status=status or row["status"])
        self.t.versions[(guide_id, row["version"])] = {"content": content, "engine": engine, "created_by": created_by}
        return self._record(guide_id)

    def claim(self, guide_id: str, version: int, statuses: Sequence[str], **values: object) -> GuideRecord | None:
        row = self.t.guides.get(guide_id)
        if row is None or row["version"] != version or row["status"] not in statuses:
            return None
        row.update(updated_at=_now(), **values)
        return self._record(guide_id)

    def fresh(self, guide_id: str) -> GuideRecord | None:
        return self.get(guide_id)

    def set_status(self, guide_id: str, status: str, *, published_at: datetime | None = None) -> GuideRecord:
        row = self.t.guides[guide_id]
        row.update(status=status, updated_at=_now())
        if published_at is not None:
            row["published_at"] = published_at
        return self._record(guide_id)

    def reviewed_by(self, person_id: str) -> list[GuideRecord]:
        return [self._record(g) for g, r in self.t.guides.items() if r["reviewer_id"] == person_id]

    def purge_versions(self, guide_id: str) -> None:
        self.t.versions = {k: v for k, v in self.t.versions.items() if k[0] != guide_id}
        self.t.guides[guide_id].update(status="stale", updated_at=_now())

    def delete(self, guide_id: str) -> None:
        self.purge_versions(guide_id)
        self.t.guides.pop(guide_id)

    def anonymize_sources(self, guide_id: str, source_ids: set[str], label: str) -> None:
        current = self.t.guides[guide_id]["version"]
        self.t.versions = {k: v for k, v in self.t.versions.items() if k[0] != guide_id or k[1] == current}
        version = self.t.versions.get((guide_id, current))
        if version is not None:
            content = copy.deepcopy(version["content"])
            content["sources"] = [
                {**s, "author": label, "url": None} if s.get("id") in source_ids else s for s in content["sources"]
            ]
            version["content"] = content

    def versions_of(self, guide_id: str) -> list[dict]:
        """Every stored version's content (for assertions: no text outlives its source)."""
        return [v["content"] for k, v in sorted(self.t.versions.items()) if k[0] == guide_id]

    def _record(self, guide_id: str) -> GuideRecord:
        row = self.t.guides[guide_id]
        version = self.t.versions.get((guide_id, row["version"]))
        content = version["content"] if version else {"title": "Being rewritten", "sections": {}, "sources": []}
        return GuideRecord(
            id=guide_id,
            community_id=row["community_id"],
            thread_id=row["thread_id"],
            reviewer_id=row["reviewer_id"],
            status=row["status"],
            version=row["version"],
            content=content,
            engine=version["engine"] if version else "none",
            updated_at=row["updated_at"],
            published_at=row["published_at"],
        )


class FakeAudit:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def add(
        self,
        *,
        actor_id: str | None,
        action: str,
        community_id: str | None = None,
        target_type: str = "",
        target_id: str = "",
        details: dict | None = None,
    ) -> None:
        record = AuditRecord(
            len(self.t.audit) + 1, _now(), actor_id, action, community_id, target_type, target_id, details or {}
        )
        self.t.audit.append(record)

    def events(
        self, community_ids: list[str] | None, limit: int, *, excluding: list[str] | None = None
    ) -> list[AuditRecord]:
        mine = [e for e in self.t.audit if community_ids is None or e.community_id in community_ids]
        mine = [e for e in mine if e.community_id is None or e.community_id not in (excluding or [])]
        return list(reversed(mine))[:limit]


class FakeConnectors:
    """No platform is linked: nudges stay in the Tacit inbox, guides are announced nowhere."""

    def __init__(self, t: Tables) -> None:
        self.t = t

    def delivery_for(self, nudge_id: str) -> None:
        return None

    def identities_of(self, person_id: str) -> list:
        return []

    def sources_of(self, community_id: str | None = None) -> list:
        return []

    def undelivered_due_nudges(self, now: datetime, max_age: object, max_failures: int, limit: int = 200) -> list:
        return []


class FakeWeb:
    """What the pages keep that the loop's use cases touch: searches that found nothing."""

    def __init__(self, t: Tables) -> None:
        self.t = t

    def record_missed(self, community_ids: list[str], person_id: str, query: str) -> None:
        self.t.missed.extend((c, person_id, query[:500]) for c in community_ids)

    def forget_person(self, person_id: str) -> None:
        self.t.missed = [m for m in self.t.missed if m[1] != person_id]


class FakeErasure:
    """Erasure's reach into tasks and tandems: the fake keeps none of those, so there is nothing to scrub."""

    def __init__(self, t: Tables) -> None:
        self.t = t

    def scrub_derived(self, person_id: str, phrases: Sequence[str]) -> None:
        return None


class FakeOutcomes:
    """Labels from "complete" declines only (the fake keeps no marks, and guides without citations); models kept."""

    def __init__(self, t: Tables) -> None:
        self.t = t

    def labels(self, community_id: str) -> list[OutcomeLabelRecord]:
        declined = {
            n["message_id"]: OutcomeLabelRecord(n["message_id"], n["thread_id"], False, "declined_complete")
            for n in self.t.nudges.values()
            if n["community_id"] == community_id and n["status"] == "declined" and n.get("decline_reason") == "complete"
        }
        return [declined[k] for k in sorted(declined)]

    def model_of(self, community_id: str) -> CommunityModelRecord | None:
        return self.t.community_models.get(community_id)

    def lock(self, community_id: str) -> None:
        self.t.locks.append(community_id)

    def save_model(self, community_id: str, *, model: str, method: str, labels: int, label_key: str) -> None:
        self.t.community_models[community_id] = CommunityModelRecord(
            community_id, model, method, labels, label_key, _now()
        )


class Unfaked:
    """An area the fake does not keep: using it is a test's mistake, said plainly."""

    def __init__(self, area: str) -> None:
        self.area = area

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"the fake unit of work does not keep {self.area} (tried .{name})")


class FakeUnitOfWork:
    """One transaction over the shared Tables: changes are kept on commit, dropped on error."""

    def __init__(self, tables: Tables) -> None:
        self._tables = tables
        self._callbacks: list[Callable[[], None]] = []
        self.committed = False

    def __enter__(self) -> FakeUnitOfWork:
        self._before = copy.deepcopy(self._tables)
        t = self._tables
        self.communities, self.people, self.tokens = FakeCommunities(t), FakePeople(t), FakeTokens(t)
        self.messages, self.assessments, self.nudges = FakeMessages(t), FakeAssessments(t), FakeNudges(t)
        self.guides, self.audit, self.web = FakeGuides(t), FakeAudit(t), FakeWeb(t)
        self.tandems, self.connectors = Unfaked("tandems"), FakeConnectors(t)
        self.erasure, self.outcomes = FakeErasure(t), FakeOutcomes(t)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.commit()
            callbacks, self._callbacks = self._callbacks, []
            for callback in callbacks:
                callback()
        else:
            self.rollback()

    def commit(self) -> None:
        self.committed = True

    def rollback(self) -> None:
        self._tables.__dict__.update(self._before.__dict__)
        self._callbacks.clear()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)
