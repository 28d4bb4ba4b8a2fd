"""What analytics reads, as plain records for one community and period; and the few events analytics records."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from analytics.model import (
    Detection,
    Endorsement,
    Guide,
    Nudge,
    Person,
    Post,
    Read,
    Records,
    Search,
    Tandem,
    TandemSession,
)
from store.analytics_tables import AnalyticsSettingsRow, GuideReadRow, SearchEventRow
from store.repository import aware, new_id
from store.tables import (
    AssessmentRow,
    EndorsementRow,
    GuideFeedbackRow,
    GuideRow,
    GuideVersionRow,
    MembershipRow,
    MessageRow,
    MissedSearchRow,
    NudgeRow,
    PersonRow,
    SkillRow,
    TandemEventRow,
    TandemRow,
    ThreadRow,
)

SESSION_EVENTS = ("task_taken", "task_done", "question_asked")  # a tandem working together


class AnalyticsRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- reading ----------------------------------------------------------------------------------------------
    def records(self, community_id: str, start: datetime, end: datetime, now: datetime, bots: set[str]) -> Records:
        """Everything stored about the community before `end`; the period's figures look at [start, end)."""
        posts = self._posts(community_id, end)
        authors = {p.author for p in posts}
        return Records(
            community=community_id,
            start=start,
            end=end,
            now=now,
            people=self._people(community_id, authors, bots),
            posts=posts,
            nudges=self._nudges(community_id, end),
            detections=self._detections(community_id, end),
            guides=self._guides(community_id, end),
            reads=self._reads(community_id, end),
            endorsements=self._endorsements(community_id, end),
            tandems=self._tandems(community_id, end),
            sessions=self._sessions(community_id, end),
            searches=self._searches(community_id, end),
        )

    def _posts(self, community_id: str, end: datetime) -> tuple[Post, ...]:
        rows = self.s.execute(
            select(
                MessageRow.id,
                MessageRow.thread_id,
                MessageRow.external_id,
                MessageRow.parent_external_id,
                MessageRow.author_id,
                MessageRow.created_at,
                MessageRow.accepted,
                MessageRow.score,
                MessageRow.held,
                ThreadRow.tags,
            )
            .join(ThreadRow, ThreadRow.id == MessageRow.thread_id)
            .where(MessageRow.community_id == community_id, MessageRow.created_at < end)
            .order_by(MessageRow.thread_id, MessageRow.created_at, MessageRow.ingested_at)
        ).all()
        by_external = {r.external_id: r.id for r in rows}
        opening: dict[str, str] = {}
        posts = []
        for r in rows:
            first = opening.setdefault(r.thread_id, r.id)
            parent = by_external.get(r.parent_external_id or "") or (None if first == r.id else first)
            topics = tuple(str(t).strip().lower() for t in (r.tags or ()) if str(t).strip())
            posts.append(
                Post(
                    r.id,
                    r.thread_id,
                    r.author_id,
                    aware(r.created_at),
                    parent,
                    bool(r.accepted),
                    int(r.score or 0),
                    topics,
                    held=bool(r.held),
                )
            )
        return tuple(posts)

    def _people(self, community_id: str, authors: set[str], bots: set[str]) -> tuple[Person, ...]:
        members = set(self.s.scalars(select(MembershipRow.person_id).where(MembershipRow.community_id == community_id)))
        ids = sorted(members | authors)
        homes: dict[str, list[str]] = defaultdict(list)
        for chunk in _chunks(ids):
            for person_id, community in self.s.execute(
                select(MembershipRow.person_id, MembershipRow.community_id).where(MembershipRow.person_id.in_(chunk))
            ):
                homes[person_id].append(community)
        people = []
        for chunk in _chunks(ids):
            for row in self.s.execute(
                select(PersonRow.id, PersonRow.handle, PersonRow.display_name).where(PersonRow.id.in_(chunk))
            ):
                # Home group: another community the person belongs to (their team's), else this one.
                others = sorted(c for c in homes[row.id] if c != community_id)
                groups = (*others, community_id) if others else (community_id,)
                people.append(Person(row.id, row.display_name, groups, row.handle in bots))
        return tuple(people)

    def _nudges(self, community_id: str, end: datetime) -> tuple[Nudge, ...]:
        rows = self.s.scalars(select(NudgeRow).where(NudgeRow.community_id == community_id, NudgeRow.created_at < end))
        return tuple(
            Nudge(
                n.id,
                n.person_id,
                n.thread_id,
                n.message_id,
                n.status,
                aware(n.created_at),
                aware(n.closed_at) if n.closed_at else None,
            )
            for n in rows
        )

    def _detections(self, community_id: str, end: datetime) -> tuple[Detection, ...]:
        """Answers the detector found terse before `end` (every period up to it: this one's and the one before)."""
        rows = self.s.execute(
            select(MessageRow.id, MessageRow.created_at)
            .join(AssessmentRow, AssessmentRow.message_id == MessageRow.id)
            .where(
                MessageRow.community_id == community_id,
                AssessmentRow.is_candidate.is_(True),
                MessageRow.created_at < end,
            )
            .distinct()
        ).all()
        return tuple(Detection(r.id, aware(r.created_at)) for r in rows)

    def _guides(self, community_id: str, end: datetime) -> tuple[Guide, ...]:
        rows = self.s.execute(
            select(GuideRow, GuideVersionRow.content, ThreadRow.tags)
            .join(
                GuideVersionRow,
                (GuideVersionRow.guide_id == GuideRow.id) & (GuideVersionRow.version == GuideRow.current_version),
            )
            .join(ThreadRow, ThreadRow.id == GuideRow.thread_id)
            .where(GuideRow.community_id == community_id, GuideRow.created_at < end)
        ).all()
        source_ids = {s for _, content, _ in rows for s in _source_ids(content)}
        authors: dict[str, str] = {}
        for chunk in _chunks(sorted(source_ids)):
            found = self.s.execute(select(MessageRow.id, MessageRow.author_id).where(MessageRow.id.in_(chunk)))
            authors.update((r[0], r[1]) for r in found)
        guides = []
        for g, content, tags in rows:
            contributors = sorted({authors[s] for s in _source_ids(content) if s in authors} | {g.reviewer_id})
            topics = tuple(str(t).strip().lower() for t in (tags or ()) if str(t).strip())
            published = aware(g.published_at) if g.published_at else None
            guides.append(
                Guide(
                    g.id,
                    g.thread_id,
                    g.status,
                    aware(g.created_at),
                    aware(g.updated_at),
                    published,
                    g.reviewer_id,
                    tuple(contributors),
                    topics,
                )
            )
        return tuple(guides)

    def _reads(self, community_id: str, end: datetime) -> tuple[Read, ...]:
        """Guide reads with the reader's "was this helpful?" (feedback given without a recorded read counts too)."""
        rows = self.s.execute(
            select(GuideReadRow.guide_id, GuideReadRow.person_id, GuideReadRow.read_at)
            .join(GuideRow, GuideRow.id == GuideReadRow.guide_id)
            .where(GuideRow.community_id == community_id, GuideReadRow.read_at < end)
        ).all()
        feedback = {
            (r.guide_id, r.person_id): (bool(r.helpful), aware(r.created_at))
            for r in self.s.execute(
                select(GuideFeedbackRow.guide_id, GuideFeedbackRow.person_id, GuideFeedbackRow.helpful,
                       GuideFeedbackRow.created_at)
                .join(GuideRow, GuideRow.id == GuideFeedbackRow.guide_id)
                .where(GuideRow.community_id == community_id, GuideFeedbackRow.created_at < end)
            )
        }  # fmt: skip
        reads = {(r.guide_id, r.person_id): aware(r.read_at) for r in rows}
        for key, (_, at) in feedback.items():
            reads.setdefault(key, at)
        return tuple(Read(g, p, at, feedback.get((g, p), (None, at))[0]) for (g, p), at in reads.items())

    def _endorsements(self, community_id: str, end: datetime) -> tuple[Endorsement, ...]:
        members = select(MembershipRow.person_id).where(MembershipRow.community_id == community_id)
        rows = self.s.execute(
            select(EndorsementRow.endorser_id, EndorsementRow.person_id, SkillRow.name, EndorsementRow.created_at)
            .join(SkillRow, SkillRow.id == EndorsementRow.skill_id)
            .where(
                EndorsementRow.endorser_id.in_(members),
                EndorsementRow.person_id.in_(members),
                EndorsementRow.created_at < end,
            )
        ).all()
        return tuple(Endorsement(r[0], r[1], r[2], aware(r[3])) for r in rows)

    def _tandems(self, community_id: str, end: datetime) -> tuple[Tandem, ...]:
        rows = self.s.scalars(
            select(TandemRow).where(TandemRow.community_id == community_id, TandemRow.created_at < end)
        )
        return tuple(Tandem(t.id, t.junior_id, t.senior_id, aware(t.created_at), tuple(t.goals or ())) for t in rows)

    def _sessions(self, community_id: str, end: datetime) -> tuple[TandemSession, ...]:
        rows = self.s.execute(
            select(TandemEventRow.tandem_id, TandemEventRow.at, TandemEventRow.kind)
            .join(TandemRow, TandemRow.id == TandemEventRow.tandem_id)
            .where(
                TandemRow.community_id == community_id, TandemEventRow.kind.in_(SESSION_EVENTS), TandemEventRow.at < end
            )
        ).all()
        return tuple(TandemSession(r.tandem_id, aware(r.at), r.kind) for r in rows)

    def _searches(self, community_id: str, end: datetime) -> tuple[Search, ...]:
        rows = self.s.execute(
            select(SearchEventRow.person_id, SearchEventRow.at, SearchEventRow.results).where(
                or_(SearchEventRow.community_id == community_id, SearchEventRow.top_community_id == community_id),
                SearchEventRow.at < end,
            )
        ).all()
        logged = tuple(Search(r.person_id, aware(r.at), int(r.results)) for r in rows)
        return logged + self._missed_searches(community_id, end, logged)

    def _missed_searches(self, community_id: str, end: datetime, logged: tuple[Search, ...]) -> tuple[Search, ...]:
        """The pages' searches that found nothing (missed_searches), as searches without a result.

        The JSON search logs both a search event and a miss, so per person as many misses as their logged
        searches without a result are left out (they are the same searches)."""
        rows = self.s.execute(
            select(MissedSearchRow.person_id, MissedSearchRow.at)
            .where(MissedSearchRow.community_id == community_id, MissedSearchRow.at < end)
            .order_by(MissedSearchRow.at)
        ).all()
        already: dict[str, int] = defaultdict(int)
        for search in logged:
            already[search.person] += search.results == 0
        missed = []
        for person_id, at in rows:
            if person_id is None:
                continue  # the person was erased
            if already[person_id] > 0:
                already[person_id] -= 1
                continue
            missed.append(Search(person_id, aware(at), 0))
        return tuple(missed)

    # -- settings ---------------------------------------------------------------------------------------------
    def settings_values(self, community_id: str) -> dict[str, Any]:
        row = self.s.get(AnalyticsSettingsRow, community_id)
        return dict(row.values) if row else {}

    def save_settings(self, community_id: str, values: dict[str, Any], person_id: str, at: datetime) -> None:
        row = self.s.get(AnalyticsSettingsRow, community_id)
        if row is None:
            row = AnalyticsSettingsRow(community_id=community_id, values=values, updated_by=person_id, updated_at=at)
            self.s.add(row)
        else:
            row.values, row.updated_by, row.updated_at = values, person_id, at
        self.s.flush()

    # -- recording --------------------------------------------------------------------------------------------
    def record_read(self, guide_id: str, person_id: str, at: datetime) -> None:
        """The first read counts."""
        row = self.s.scalars(
            select(GuideReadRow).where(GuideReadRow.guide_id == guide_id, GuideReadRow.person_id == person_id)
        ).first()
        if row is None:
            row = GuideReadRow(id=new_id(), guide_id=guide_id, person_id=person_id, read_at=at)
            self.s.add(row)
        self.s.flush()

    def record_search(
        self, person_id: str, community_id: str | None, results: int, top_community_id: str | None, at: datetime
    ) -> None:
        self.s.add(
            SearchEventRow(
                id=new_id(),
                person_id=person_id,
                community_id=community_id,
                at=at,
                results=results,
                top_community_id=top_community_id,
            )
        )
        self.s.flush()


def _source_ids(content: dict[str, Any]) -> list[str]:
    sources = content.get("sources") if isinstance(content, dict) else None
    return [str(s.get("id")) for s in sources or () if isinstance(s, dict) and s.get("id")]


def _chunks(ids: list[str], size: int = 500) -> list[list[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]
