"""Erasure's reach beyond a person's own rows: texts derived from their words, and the bytes left on disk."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from store.db import Database
from store.tables import (
    EndorsementRow,
    NudgeRow,
    PersonSkillRow,
    SkillRow,
    TandemEventRow,
    TandemRow,
    TaskRow,
)

ERASED = "[erased]"
# Every table whose rows an erasure deletes or rewrites (its words, its identity, what was derived from them):
# tests/e2e/test_erasure_traces.py checks the erasure touches no other.
VACUUMED = (
    *("messages", "replies", "nudges", "threads", "assessments", "guides", "guide_versions", "tasks", "tandems"),
    *("tandem_events", "skills", "person_skills", "endorsements", "expertise_profiles", "people", "memberships"),
    *("api_tokens", "person_identities", "removals", "web_sessions", "sign_in_links", "guide_feedback"),
    *("missed_searches", "search_events", "guide_reads", "lti_users"),
)


class ErasureRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def scrub_derived(self, person_id: str, phrases: Sequence[str]) -> None:
        """Their tasks and the skills only they named go; other people's nudge questions, tasks and tandem events
        that quote one of `phrases` (titles of threads they opened) keep their place with the phrase erased."""
        phrases = [p for p in phrases if p and p.strip() and p != "Untitled thread"]
        self.s.execute(delete(TaskRow).where(TaskRow.created_by == person_id))
        self._drop_skills_only_they_named(person_id)
        if not phrases:
            return
        for nudge in self.s.scalars(select(NudgeRow)):
            nudge.question = _without(nudge.question, phrases)
        for task in self.s.scalars(select(TaskRow)):
            task.title, task.description = _without(task.title, phrases)[:300], _without(task.description, phrases)
        for event in self.s.scalars(select(TandemEventRow)):
            scrubbed = {k: _without(v, phrases) if isinstance(v, str) else v for k, v in (event.details or {}).items()}
            if scrubbed != event.details:
                event.details = scrubbed
        self.s.flush()

    def _drop_skills_only_they_named(self, person_id: str) -> None:
        theirs = set(self.s.scalars(select(PersonSkillRow.skill_id).where(PersonSkillRow.person_id == person_id)))
        if not theirs:
            return
        others = set(
            self.s.scalars(
                select(PersonSkillRow.skill_id).where(
                    PersonSkillRow.skill_id.in_(theirs), PersonSkillRow.person_id != person_id
                )
            )
        )
        others |= set(self.s.scalars(select(EndorsementRow.skill_id).where(EndorsementRow.skill_id.in_(theirs))))
        named = {n for lists in self.s.scalars(select(TaskRow.skills)) for n in lists or ()}
        named |= {n for lists in self.s.scalars(select(TandemRow.goals)) for n in lists or ()}
        for skill in self.s.scalars(select(SkillRow).where(SkillRow.id.in_(theirs - others))):
            if skill.name not in named:
                self.s.delete(skill)
        self.s.flush()


def reclaim_space(database: Database) -> None:
    """After an erasure commits: SQLite folds its WAL into the database file and truncates it (secure_delete has
    already zeroed the freed pages); PostgreSQL vacuums the tables that held the person's words (dead rows go;
    the server's own WAL and backups are outside Tacit's reach)."""
    engine = database.engine
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in VACUUMED:
            conn.execute(text(f"VACUUM {table}"))


def _without(value: str, phrases: Sequence[str]) -> str:
    for phrase in phrases:
        value = value.replace(phrase, ERASED)
    return value
