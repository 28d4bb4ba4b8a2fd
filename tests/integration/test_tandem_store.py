"""Tandem queries against real SQLite and PostgreSQL: evidence, open questions, stale guides, endorsements once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from store.db import Database
from store.errors import DuplicateKey
from store.records import IncomingMessage
from store.repositories.tandems import TandemRepository
from store.repository import new_id
from store.tables import GuideRow, MessageRow, PersonRow, ThreadRow
from store.uow import SqlUnitOfWork
from tandem.evidence import Kind
from tandem.skills import Skill

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def msg(ext: str, thread: str, parent: str | None, author: str, **kw: object) -> IncomingMessage:
    return IncomingMessage(
        external_id=ext,
        thread=thread,
        thread_title=f"About {thread}",
        parent=parent,
        author=author,
        text=f"text of {ext}",
        created_at=T0,
        tags=("postgres",),
        **kw,
    )  # type: ignore[arg-type]


def seeded(db: Database) -> dict[str, str]:
    with SqlUnitOfWork(db) as uow:
        uow.communities.upsert("c1", "One")
        uow.communities.upsert("c2", "Two")
        uow.messages.ingest(
            "c1",
            [
                msg("q1", "answered", None, "lena"),
                msg("a1", "answered", "q1", "marta", accepted=True),
                msg("q2", "open", None, "lena"),
                msg("a2", "open", "q2", "kai"),
                msg("q3", "voted", None, "lena"),
                msg("a3", "voted", "q3", "kai", score=2),
            ],
        )
        uow.messages.ingest(
            "c2", [msg("q4", "elsewhere", None, "otto"), msg("a4", "elsewhere", "q4", "marta", accepted=True)]
        )
        return {p: uow.people.by_handle(p).id for p in ("lena", "marta", "kai", "otto")}  # type: ignore[union-attr]


def test_evidence_comes_only_from_the_given_communities(database: Database) -> None:
    ids = seeded(database)
    with database.session() as s:
        evidence = TandemRepository(s).evidence(["c1"])
    by = {(e.person_id, e.kind, e.topic) for e in evidence}
    assert by == {
        (ids["marta"], Kind.ACCEPTED_ANSWER, "About answered postgres"),
        (ids["kai"], Kind.ANSWER, "About voted postgres"),
    }  # the unvoted plain reply is not evidence
    assert all(e.at.tzinfo is not None for e in evidence)


def test_open_questions_answered_threads_and_stale_guides(database: Database) -> None:
    seeded(database)
    with database.session() as s:
        repo = TandemRepository(s)
        assert [t.title for t in repo.open_questions(["c1"])] == ["About open"]
        assert repo.answered_threads(["c1"]) == [], "text not yet scanned for personal data is never quoted"
        s.execute(update(MessageRow).values(screened_at=T0))  # what the assessment job does first
        answered = {t.title: t.answer_author for t in repo.answered_threads(["c1"])}
        assert answered == {"About answered": "marta", "About voted": "kai"}
        thread = s.query(ThreadRow).filter_by(external_id="answered").one()
        marta = s.query(PersonRow).filter_by(handle="marta").one()
        s.add(
            GuideRow(
                id=new_id(),
                community_id="c1",
                thread_id=thread.id,
                reviewer_id=marta.id,
                status="published",  # type: ignore[union-attr]
                updated_at=T0 - timedelta(days=400),
            )
        )
        s.flush()
        assert [t.title for _, t in repo.stale_guides(["c1"], T0 - timedelta(days=365))] == ["About answered"]
        assert repo.stale_guides(["c1"], T0 - timedelta(days=500)) == []


def test_an_endorsement_is_stored_once_and_tandems_count_per_senior(database: Database) -> None:
    ids = seeded(database)
    with SqlUnitOfWork(database) as uow:
        repo = uow.tandems
        skill = repo.ensure_skill(Skill("postgresql", "Postgres"), alias="postgres-db")
        repo.add_endorsement(ids["lena"], ids["marta"], skill.id)
        repo.add_tandem(
            community_id="c1", junior_id=ids["lena"], senior_id=ids["marta"], goals=["postgresql"], created_by="x"
        )
        assert repo.endorsed_skills(ids["marta"]) == {"postgresql": 1}
        assert repo.active_as_senior() == {ids["marta"]: 1} and repo.seniors_of(ids["lena"]) == {ids["marta"]}
        assert repo.vocabulary()[0].aliases == ("postgres-db",)
        assert repo.profile(ids["marta"]).hidden is False
    with pytest.raises(DuplicateKey), SqlUnitOfWork(database) as uow:
        uow.tandems.add_endorsement(ids["lena"], ids["marta"], skill.id)
