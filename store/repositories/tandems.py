"""Queries of tandems and expertise location: skills, endorsements, evidence, tandems, tasks and their log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from store.records import (
    ExpertiseProfileRecord,
    SkillRecord,
    TandemEventRecord,
    TandemRecord,
    TaskRecord,
    ThreadRecord,
)
from store.repositories.rows import maybe, record_of
from store.repository import aware, new_id
from store.tables import (
    EndorsementRow,
    ExpertiseProfileRow,
    GuideRow,
    GuideVersionRow,
    MessageRow,
    NudgeRow,
    PersonRow,
    PersonSkillRow,
    ReplyRow,
    SkillRow,
    TandemEventRow,
    TandemRow,
    TaskRow,
    ThreadRow,
    utcnow,
)
from tandem.evidence import Evidence, Kind
from tandem.skills import Skill, readable

DEFAULT_CAPACITY = 2  # tandems a person mentors at once unless they say otherwise
MAX_THREADS = 2000  # the most recent answered or open threads considered per request


@dataclass(frozen=True)
class ThreadSummary:
    """A thread as tasks and the AI partner use it: its best answer, when it has a good one."""

    id: str
    community_id: str
    title: str
    tags: tuple[str, ...]
    url: str | None
    answer_text: str = ""
    answer_author: str = ""


def _topic(title: str, tags: Sequence[str] | None) -> str:
    return " ".join([title, *(t.replace("-", " ") for t in tags or ())]).strip()


class TandemRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- skills -------------------------------------------------------------------------------------------
    def vocabulary(self) -> list[Skill]:
        rows = self.s.scalars(select(SkillRow).order_by(SkillRow.name))
        return [Skill(r.name, r.label, tuple(r.aliases or ())) for r in rows]

    def skill(self, name: str) -> SkillRecord | None:
        return maybe(SkillRecord, self._skill_row(name))

    def _skill_row(self, name: str) -> SkillRow | None:
        return self.s.scalars(select(SkillRow).where(SkillRow.name == name)).first()

    def ensure_skill(self, skill: Skill, alias: str | None = None) -> SkillRecord:
        """The skill, created when new; `alias` (a synonym merged into it) is remembered."""
        row = self._skill_row(skill.name)
        if row is None:
            row = SkillRow(id=new_id(), name=skill.name, label=skill.label, aliases=[])
            self.s.add(row)
        if alias and alias not in (row.aliases or []):
            row.aliases = [*(row.aliases or []), alias]
        self.s.flush()
        return record_of(SkillRecord, row)

    def set_person_skill(self, person_id: str, skill_id: str, kind: str) -> None:
        row = self.s.get(PersonSkillRow, (person_id, skill_id))
        if row is None:
            self.s.add(PersonSkillRow(person_id=person_id, skill_id=skill_id, kind=kind))
        else:
            row.kind = kind
        self.s.flush()

    def remove_person_skill(self, person_id: str, skill_id: str) -> bool:
        row = self.s.get(PersonSkillRow, (person_id, skill_id))
        if row is not None:
            self.s.delete(row)
            self.s.flush()
        return row is not None

    def skills_of(self, person_id: str) -> list[tuple[str, str, int]]:
        """(skill name, has|learning, endorsements received) of one person."""
        endorsed = (
            select(func.count(EndorsementRow.id))
            .where(EndorsementRow.person_id == person_id, EndorsementRow.skill_id == SkillRow.id)
            .scalar_subquery()
        )
        rows = self.s.execute(
            select(SkillRow.name, PersonSkillRow.kind, endorsed)
            .join(PersonSkillRow, PersonSkillRow.skill_id == SkillRow.id)
            .where(PersonSkillRow.person_id == person_id)
            .order_by(SkillRow.name)
        ).all()
        return [(name, kind, int(n)) for name, kind, n in rows]

    def endorsed_skills(self, person_id: str) -> dict[str, int]:
        """Skills others endorsed this person for (declared or not), with counts."""
        rows = self.s.execute(
            select(SkillRow.name, func.count(EndorsementRow.id))
            .join(EndorsementRow, EndorsementRow.skill_id == SkillRow.id)
            .where(EndorsementRow.person_id == person_id)
            .group_by(SkillRow.name)
        ).all()
        return {name: int(n) for name, n in rows}

    def endorsement_exists(self, endorser_id: str, person_id: str, skill_id: str) -> bool:
        query = select(EndorsementRow.id).where(
            EndorsementRow.endorser_id == endorser_id,
            EndorsementRow.person_id == person_id,
            EndorsementRow.skill_id == skill_id,
        )
        return self.s.scalars(query).first() is not None

    def add_endorsement(self, endorser_id: str, person_id: str, skill_id: str) -> None:
        self.s.add(EndorsementRow(id=new_id(), endorser_id=endorser_id, person_id=person_id, skill_id=skill_id))
        self.s.flush()

    # -- expertise profile --------------------------------------------------------------------------------
    def profile(self, person_id: str) -> ExpertiseProfileRecord:
        """The person's expertise settings; the defaults if they never set any."""
        row = self.s.get(ExpertiseProfileRow, person_id)
        if row is None:
            return ExpertiseProfileRecord(person_id, hidden=False, mentoring_capacity=DEFAULT_CAPACITY)
        return record_of(ExpertiseProfileRecord, row)

    def update_profile(self, person_id: str, *, hidden: bool | None, mentoring_capacity: int | None) -> None:
        """Store the person's choices (None: unchanged)."""
        row = self.s.get(ExpertiseProfileRow, person_id)
        if row is None:
            row = ExpertiseProfileRow(person_id=person_id, hidden=False, mentoring_capacity=DEFAULT_CAPACITY)
            self.s.add(row)
        if hidden is not None:
            row.hidden = hidden
        if mentoring_capacity is not None:
            row.mentoring_capacity = mentoring_capacity
        self.s.flush()

    def capacities(self) -> dict[str, int]:
        """Mentoring capacity of everyone who set one (others have DEFAULT_CAPACITY)."""
        rows = self.s.execute(select(ExpertiseProfileRow.person_id, ExpertiseProfileRow.mentoring_capacity)).all()
        return {p: int(c) for p, c in rows}

    def hidden_people(self) -> set[str]:
        return set(self.s.scalars(select(ExpertiseProfileRow.person_id).where(ExpertiseProfileRow.hidden)))

    # -- evidence -----------------------------------------------------------------------------------------
    def evidence(self, community_ids: Sequence[str], people: Sequence[str] | None = None) -> list[Evidence]:
        """Every piece of evidence from these communities (and person-level skills), optionally for some people."""
        ids = list(community_ids)
        out = self._guide_evidence(ids) + self._answer_evidence(ids) + self._nudge_evidence(ids)
        out += self._skill_evidence()
        wanted = set(people) if people is not None else None
        return [e for e in out if wanted is None or e.person_id in wanted]

    def _guide_evidence(self, ids: list[str]) -> list[Evidence]:
        rows = self.s.execute(
            select(GuideRow, GuideVersionRow.content, ThreadRow.tags)
            .join(
                GuideVersionRow,
                and_(GuideVersionRow.guide_id == GuideRow.id, GuideVersionRow.version == GuideRow.current_version),
            )
            .join(ThreadRow, ThreadRow.id == GuideRow.thread_id)
            .where(GuideRow.status == "published", GuideRow.community_id.in_(ids))
        ).all()
        return [
            Evidence(
                g.reviewer_id,
                Kind.GUIDE,
                _topic(str(content.get("title", "")), tags),
                aware(g.published_at or g.updated_at),
                g.community_id,
                g.id,
            )
            for g, content, tags in rows
        ]

    def _answer_evidence(self, ids: list[str]) -> list[Evidence]:
        useful = or_(MessageRow.accepted, MessageRow.score > 0, MessageRow.kind == "answer")
        rows = self.s.execute(
            select(
                MessageRow.author_id,
                MessageRow.accepted,
                MessageRow.score,
                MessageRow.created_at,
                MessageRow.community_id,
                MessageRow.id,
                ThreadRow.title,
                ThreadRow.tags,
            )
            .join(ThreadRow, ThreadRow.id == MessageRow.thread_id)
            .where(
                MessageRow.community_id.in_(ids),
                MessageRow.parent_external_id.is_not(None),
                MessageRow.held.is_(False),
                useful,
            )
        ).all()
        return [
            Evidence(
                author,
                Kind.ACCEPTED_ANSWER if accepted else Kind.ANSWER,
                _topic(title, tags),
                aware(at),
                community,
                mid,
                score,
            )
            for author, accepted, score, at, community, mid, title, tags in rows
        ]

    def _nudge_evidence(self, ids: list[str]) -> list[Evidence]:
        rows = self.s.execute(
            select(
                ReplyRow.person_id,
                ReplyRow.created_at,
                ReplyRow.id,
                NudgeRow.community_id,
                ThreadRow.title,
                ThreadRow.tags,
            )
            .join(NudgeRow, NudgeRow.id == ReplyRow.nudge_id)
            .join(ThreadRow, ThreadRow.id == NudgeRow.thread_id)
            .where(NudgeRow.community_id.in_(ids))
        ).all()
        return [
            Evidence(person, Kind.NUDGE_ANSWERED, _topic(title, tags), aware(at), community, rid)
            for person, at, rid, community, title, tags in rows
        ]

    def _skill_evidence(self) -> list[Evidence]:
        endorsed = self.s.execute(
            select(EndorsementRow.person_id, EndorsementRow.created_at, SkillRow.name, SkillRow.label).join(
                SkillRow, SkillRow.id == EndorsementRow.skill_id
            )
        ).all()
        declared = self.s.execute(
            select(PersonSkillRow.person_id, PersonSkillRow.created_at, SkillRow.name, SkillRow.label)
            .join(SkillRow, SkillRow.id == PersonSkillRow.skill_id)
            .where(PersonSkillRow.kind == "has")
        ).all()
        return [Evidence(p, Kind.ENDORSEMENT, readable(name), aware(at), ref=name) for p, at, name, _ in endorsed] + [
            Evidence(p, Kind.DECLARED_SKILL, readable(name), aware(at), ref=name) for p, at, name, _ in declared
        ]

    # -- threads for tasks and answers --------------------------------------------------------------------
    def answered_threads(self, community_ids: Sequence[str], limit: int = MAX_THREADS) -> list[ThreadSummary]:
        """Threads with a good answer (accepted, else best scored), newest first, with that answer."""
        good = and_(
            MessageRow.parent_external_id.is_not(None),
            MessageRow.held.is_(False),
            MessageRow.screened_at.is_not(None),  # never quote text not yet scanned for personal data
            or_(MessageRow.accepted, MessageRow.score > 0),
        )
        rows = self.s.execute(
            select(ThreadRow, MessageRow.text, PersonRow.display_name)
            .join(MessageRow, MessageRow.thread_id == ThreadRow.id)
            .join(PersonRow, PersonRow.id == MessageRow.author_id)
            .where(ThreadRow.community_id.in_(list(community_ids)), good)
            .order_by(ThreadRow.created_at.desc(), MessageRow.accepted.desc(), MessageRow.score.desc())
            .limit(limit * 3)
        ).all()
        best: dict[str, ThreadSummary] = {}
        for t, text, author in rows:
            if t.id not in best:
                best[t.id] = ThreadSummary(t.id, t.community_id, t.title, tuple(t.tags or ()), t.url, text, author)
        return list(best.values())[:limit]

    def open_questions(self, community_ids: Sequence[str], limit: int = 200) -> list[ThreadSummary]:
        """Threads with replies or not, but no good answer (none accepted or upvoted) and no guide."""
        good = exists().where(
            MessageRow.thread_id == ThreadRow.id,
            MessageRow.parent_external_id.is_not(None),
            or_(MessageRow.accepted, MessageRow.score > 0),
        )
        guided = exists().where(GuideRow.thread_id == ThreadRow.id)
        rows = self.s.scalars(
            select(ThreadRow)
            .where(ThreadRow.community_id.in_(list(community_ids)), ~good, ~guided)
            .order_by(ThreadRow.created_at.desc())
            .limit(limit)
        )
        return [ThreadSummary(t.id, t.community_id, t.title, tuple(t.tags or ()), t.url) for t in rows]

    def stale_guides(self, community_ids: Sequence[str], before: datetime) -> list[tuple[str, ThreadRecord]]:
        """Guides marked stale, or published and untouched since `before`."""
        old = and_(GuideRow.status == "published", GuideRow.updated_at < before)
        rows = self.s.execute(
            select(GuideRow, ThreadRow)
            .join(ThreadRow, ThreadRow.id == GuideRow.thread_id)
            .where(GuideRow.community_id.in_(list(community_ids)), or_(GuideRow.status == "stale", old))
        ).all()
        return [(g.id, record_of(ThreadRecord, t)) for g, t in rows]

    # -- tandems ------------------------------------------------------------------------------------------
    def add_tandem(
        self, *, community_id: str, junior_id: str, senior_id: str, goals: list[str], created_by: str
    ) -> TandemRecord:
        row = TandemRow(
            id=new_id(),
            community_id=community_id,
            junior_id=junior_id,
            senior_id=senior_id,
            goals=goals,
            status="active",
            created_by=created_by,
        )
        self.s.add(row)
        self.s.flush()
        return record_of(TandemRecord, row)

    def get_tandem(self, tandem_id: str) -> TandemRecord | None:
        return maybe(TandemRecord, self.s.get(TandemRow, tandem_id))

    def end_tandem(self, tandem_id: str) -> TandemRecord:
        row = self.s.get(TandemRow, tandem_id)
        if row is None:
            raise KeyError(tandem_id)
        row.status, row.ended_at = "ended", utcnow()
        self.s.flush()
        return record_of(TandemRecord, row)

    def tandems(self, *, community_id: str | None = None, person_id: str | None = None) -> list[TandemRecord]:
        query = select(TandemRow).order_by(TandemRow.created_at.desc())
        if community_id is not None:
            query = query.where(TandemRow.community_id == community_id)
        if person_id is not None:
            query = query.where(or_(TandemRow.junior_id == person_id, TandemRow.senior_id == person_id))
        return [record_of(TandemRecord, r) for r in self.s.scalars(query)]

    def active_as_senior(self) -> dict[str, int]:
        rows = self.s.execute(
            select(TandemRow.senior_id, func.count(TandemRow.id))
            .where(TandemRow.status == "active")
            .group_by(TandemRow.senior_id)
        ).all()
        return {p: int(n) for p, n in rows}

    def seniors_of(self, junior_id: str) -> set[str]:
        return set(self.s.scalars(select(TandemRow.senior_id).where(TandemRow.junior_id == junior_id)))

    def active_pair(self, community_id: str, junior_id: str, senior_id: str) -> TandemRecord | None:
        row = self.s.scalars(
            select(TandemRow).where(
                TandemRow.community_id == community_id,
                TandemRow.junior_id == junior_id,
                TandemRow.senior_id == senior_id,
                TandemRow.status == "active",
            )
        ).first()
        return maybe(TandemRecord, row)

    # -- tasks --------------------------------------------------------------------------------------------
    def add_task(
        self,
        *,
        community_id: str,
        title: str,
        description: str,
        skills: list[str],
        source: str,
        created_by: str,
        ref: str | None = None,
    ) -> TaskRecord:
        row = TaskRow(
            id=new_id(),
            community_id=community_id,
            title=title,
            description=description,
            skills=skills,
            source=source,
            ref=ref,
            status="open",
            created_by=created_by,
        )
        self.s.add(row)
        self.s.flush()
        return record_of(TaskRecord, row)

    def get_task(self, task_id: str) -> TaskRecord | None:
        return maybe(TaskRecord, self.s.get(TaskRow, task_id))

    def take_task(self, task_id: str, tandem_id: str) -> TaskRecord:
        row = self._task(task_id)
        row.tandem_id, row.status = tandem_id, "taken"
        self.s.flush()
        return record_of(TaskRecord, row)

    def finish_task(self, task_id: str) -> TaskRecord:
        row = self._task(task_id)
        row.status, row.done_at = "done", utcnow()
        self.s.flush()
        return record_of(TaskRecord, row)

    def _task(self, task_id: str) -> TaskRow:
        row = self.s.get(TaskRow, task_id)
        if row is None:
            raise KeyError(task_id)
        return row

    def tasks(self, community_id: str, *, status: str | None = None, tandem_id: str | None = None) -> list[TaskRecord]:
        query = select(TaskRow).where(TaskRow.community_id == community_id).order_by(TaskRow.created_at)
        if status is not None:
            query = query.where(TaskRow.status == status)
        if tandem_id is not None:
            query = query.where(TaskRow.tandem_id == tandem_id)
        return [record_of(TaskRecord, r) for r in self.s.scalars(query)]

    def taken_refs(self, community_id: str) -> set[str]:
        """Threads and guides some tandem already took as a task."""
        return set(
            self.s.scalars(select(TaskRow.ref).where(TaskRow.community_id == community_id, TaskRow.ref.is_not(None)))
        )

    # -- log ----------------------------------------------------------------------------------------------
    def log(self, tandem_id: str, kind: str, actor_id: str | None, details: dict | None = None) -> None:
        self.s.add(
            TandemEventRow(tandem_id=tandem_id, kind=kind, actor_id=actor_id, details=details or {}, at=utcnow())
        )
        self.s.flush()

    def events(self, tandem_id: str, limit: int = 200) -> list[TandemEventRecord]:
        query = (
            select(TandemEventRow)
            .where(TandemEventRow.tandem_id == tandem_id)
            .order_by(TandemEventRow.id.desc())
            .limit(limit)
        )
        return [record_of(TandemEventRecord, r) for r in self.s.scalars(query)]

    def event_counts(self, tandem_id: str) -> dict[str, int]:
        rows = self.s.execute(
            select(TandemEventRow.kind, func.count(TandemEventRow.id))
            .where(TandemEventRow.tandem_id == tandem_id)
            .group_by(TandemEventRow.kind)
        ).all()
        return {k: int(n) for k, n in rows}

    def guides_since(self, community_id: str, people: Sequence[str], since: datetime) -> list[str]:
        """Published guides of this community drawn from these people's knowledge since a time."""
        return list(
            self.s.scalars(
                select(GuideRow.id).where(
                    GuideRow.community_id == community_id,
                    GuideRow.reviewer_id.in_(list(people)),
                    GuideRow.status == "published",
                    GuideRow.published_at >= since,
                )
            )
        )
