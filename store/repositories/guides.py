"""Guides and their versions: drafts, review states, and purging text whose source changed or left."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.orm import Session

from store.records import GuideRecord
from store.repository import aware, new_id
from store.tables import GuideRow, GuideVersionRow, utcnow


class GuideRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, guide_id: str) -> GuideRecord | None:
        row = self.s.get(GuideRow, guide_id)
        return self._record(row) if row else None

    def for_thread(self, thread_id: str) -> GuideRecord | None:
        row = self._for_thread(thread_id)
        return self._record(row) if row else None

    def _for_thread(self, thread_id: str) -> GuideRow | None:
        return self.s.scalars(select(GuideRow).where(GuideRow.thread_id == thread_id)).first()

    def find(
        self, *, community_ids: Iterable[str] | None = None, status: str | None = None, reviewer_id: str | None = None
    ) -> list[GuideRecord]:
        """Guides, newest change first, filtered by community, status and reviewer."""
        query = _with_current_version().order_by(GuideRow.updated_at.desc())
        if community_ids is not None:
            query = query.where(GuideRow.community_id.in_(list(community_ids)))
        if status:
            query = query.where(GuideRow.status == status)
        if reviewer_id:
            query = query.where(GuideRow.reviewer_id == reviewer_id)
        return [_guide_record(g, v) for g, v in self.s.execute(query).tuples()]

    def by_ids(self, guide_ids: Iterable[str], *, status: str | None = None) -> dict[str, GuideRecord]:
        """The guides with these ids (those that exist), each with its current version: one query for all."""
        ids = list(dict.fromkeys(guide_ids))
        if not ids:
            return {}
        query = _with_current_version().where(GuideRow.id.in_(ids))
        if status:
            query = query.where(GuideRow.status == status)
        return {guide.id: _guide_record(guide, version) for guide, version in self.s.execute(query).tuples()}

    def published_page(self, after_id: str | None, limit: int) -> list[GuideRecord]:
        """Published guides in id order, `limit` after `after_id`: a rebuild streams them in bounded pages."""
        query = _with_current_version().where(GuideRow.status == "published").order_by(GuideRow.id).limit(limit)
        if after_id is not None:
            query = query.where(GuideRow.id > after_id)
        return [_guide_record(guide, version) for guide, version in self.s.execute(query).tuples()]

    def published_count(self, after_id: str | None = None) -> int:
        """How many published guides there are (with an id after `after_id`): a rebuild's progress total."""
        query = select(func.count()).select_from(GuideRow).where(GuideRow.status == "published")
        if after_id is not None:
            query = query.where(GuideRow.id > after_id)
        return int(self.s.execute(query).scalar_one())

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
        """Add a new version to the thread's guide (creating it as a draft), make it current, set the status."""
        guide = self._for_thread(thread_id)
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
        guide.status = status or guide.status
        self.s.add(
            GuideVersionRow(
                guide_id=guide.id, version=guide.current_version, content=content, engine=engine, created_by=created_by
            )
        )
        self.s.flush()
        return self._record(guide)

    def set_status(self, guide_id: str, status: str, *, published_at: datetime | None = None) -> GuideRecord:
        """A review decision: draft, published (with its time), rejected or stale."""
        guide = self._row(guide_id)
        guide.status, guide.updated_at = status, utcnow()
        if published_at is not None:
            guide.published_at = published_at
        self.s.flush()
        return self._record(guide)

    def fresh(self, guide_id: str) -> GuideRecord | None:
        """The guide as the database has it now (after another transaction changed it)."""
        row = self.s.get(GuideRow, guide_id, populate_existing=True)
        return self._record(row) if row is not None else None

    def claim(self, guide_id: str, version: int, statuses: Sequence[str], **values: object) -> GuideRecord | None:
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
        return self.fresh(guide_id)

    def reviewed_by(self, person_id: str) -> list[GuideRecord]:
        return [self._record(g) for g in self.s.scalars(select(GuideRow).where(GuideRow.reviewer_id == person_id))]

    def purge_versions(self, guide_id: str) -> None:
        """Delete every version of a guide: none may keep text whose source changed or left."""
        guide = self._row(guide_id)
        for version in self.s.scalars(select(GuideVersionRow).where(GuideVersionRow.guide_id == guide.id)):
            self.s.delete(version)
        guide.status, guide.updated_at = "stale", utcnow()
        self.s.flush()

    def delete(self, guide_id: str) -> None:
        self.purge_versions(guide_id)
        self.s.delete(self._row(guide_id))
        self.s.flush()

    def anonymize_sources(self, guide_id: str, source_ids: set[str], label: str) -> None:
        """Keep only the current version, with these sources' author names and links removed."""
        guide = self._row(guide_id)
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

    def _row(self, guide_id: str) -> GuideRow:
        row = self.s.get(GuideRow, guide_id)
        if row is None:
            raise KeyError(guide_id)
        return row

    def _record(self, guide: GuideRow) -> GuideRecord:
        return _guide_record(guide, self.s.get(GuideVersionRow, (guide.id, guide.current_version)))


def _with_current_version() -> Select[GuideRow, GuideVersionRow]:
    """Guides with their current version's row (None for a stale guide waiting to be rewritten)."""
    current = and_(GuideVersionRow.guide_id == GuideRow.id, GuideVersionRow.version == GuideRow.current_version)
    return select(GuideRow, GuideVersionRow).outerjoin(GuideVersionRow, current)


def _guide_record(guide: GuideRow, version: GuideVersionRow | None) -> GuideRecord:
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
        published_at=aware(guide.published_at) if guide.published_at else None,
    )
