"""The repository against real SQLite and PostgreSQL: idempotent ingest, threads, tokens, guides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, inspect

from elicitor.model import Role
from store.db import Database
from store.records import IncomingMessage
from store.repository import Repository
from store.tables import Base

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def msg(ext: str, parent: str | None, author: str, text: str, minutes: int, **kw: object) -> IncomingMessage:
    return IncomingMessage(
        external_id=ext,
        thread="t1",
        thread_title="Slow listing",
        parent=parent,
        author=author,
        text=text,
        created_at=T0 + timedelta(minutes=minutes),
        **kw,
    )  # type: ignore[arg-type]


def seeded(db: Database) -> None:
    with db.session() as s:
        Repository(s).upsert_community("c1", "Community one")


def test_migrations_create_every_table(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_ingest_is_idempotent_and_builds_the_thread(database: Database) -> None:
    seeded(database)
    batch = [
        msg("q", None, "lena", "How do I speed up the listing?", 0),
        msg("a", "q", "marta", "Use a partial index.", 5, score=4, accepted=True),
        msg("a", "q", "marta", "Use a partial index (repeat in the same batch).", 6),
    ]
    with database.session() as s:
        first = Repository(s).ingest("c1", batch)
    with database.session() as s:
        again = Repository(s).ingest("c1", batch[:2])
    assert (first.accepted, first.duplicates) == (2, 1)
    assert (again.accepted, again.duplicates) == (0, 2)
    with database.session() as s:
        repo = Repository(s)
        thread = repo.load_thread(repo.message_row(first.new_message_ids[0]).thread_id)
        standing = repo.standing("c1", thread.messages[1].author_id)
    assert [m.text for m in thread.messages] == ["How do I speed up the listing?", "Use a partial index."]
    assert thread.messages[1].parent_id == thread.messages[0].id
    assert thread.messages[0].created_at.tzinfo is not None
    assert (standing.answers, standing.accepted_answers, standing.total_score) == (1, 1, 4)


def test_tokens_are_stored_hashed_and_resolve_to_their_person(database: Database) -> None:
    seeded(database)
    with database.session() as s:
        repo = Repository(s)
        person = repo.upsert_person("marta", "Marta")
        repo.set_role("c1", person.id, Role.EXPERT)
        token = repo.create_token(person.id, "laptop")
    with database.session() as s:
        repo = Repository(s)
        assert repo.person_for_token(token).handle == "marta"
        assert repo.person_for_token(token + "x") is None
        assert repo.role_of("c1", person.id) == Role.EXPERT
        from sqlalchemy import select

        from store.tables import ApiTokenRow

        stored = s.scalars(select(ApiTokenRow.token_hash)).all()
        assert token not in stored and len(stored[0]) == 64


def test_guide_versions_accumulate(database: Database) -> None:
    seeded(database)
    with database.session() as s:
        result = Repository(s).ingest("c1", [msg("q", None, "lena", "Question?", 0)])
    with database.session() as s:
        repo = Repository(s)
        row = repo.message_row(result.new_message_ids[0])
        content = {"title": "T", "sections": {}, "sources": []}
        guide = repo.save_guide_version(
            community_id="c1", thread_id=row.thread_id, reviewer_id=row.author_id, content=content, engine="offline"
        )
        guide = repo.save_guide_version(
            community_id="c1",
            thread_id=row.thread_id,
            reviewer_id=row.author_id,
            content={**content, "title": "T2"},
            engine="edit",
        )
        record = repo.guide_record(guide)
    assert (record.version, record.content["title"], record.engine, record.status) == (2, "T2", "edit", "draft")


def test_guides_by_id_come_with_their_current_version_in_one_query(database: Database) -> None:
    seeded(database)
    questions = [
        IncomingMessage(
            external_id=f"q{n}", thread=f"t{n}", thread_title="T", parent=None, author="lena", text="?", created_at=T0
        )
        for n in range(3)
    ]
    with database.session() as s:
        result = Repository(s).ingest("c1", questions)
    with database.session() as s:
        repo = Repository(s)
        ids = []
        for n in range(3):
            row = repo.message_row(result.new_message_ids[n])
            guide = None
            for title in (f"G{n} v1", f"G{n} v2"):
                guide = repo.save_guide_version(
                    community_id="c1",
                    thread_id=row.thread_id,
                    reviewer_id=row.author_id,
                    content={"title": title, "sections": {}, "sources": []},
                    engine="offline",
                    guide=guide,
                )
            ids.append(guide.id)
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    event.listen(database.engine, "before_cursor_execute", listen)
    try:
        with database.session() as s:
            found = Repository(s).guide_records([*ids, "missing", ids[0]])
    finally:
        event.remove(database.engine, "before_cursor_execute", listen)

    assert sorted(found) == sorted(ids)
    assert {r.content["title"] for r in found.values()} == {"G0 v2", "G1 v2", "G2 v2"}
    assert all(r.version == 2 for r in found.values())
    assert len([q for q in statements if q.lstrip().upper().startswith("SELECT")]) == 1


def test_unknown_thread_raises_key_error(database: Database) -> None:
    with database.session() as s, pytest.raises(KeyError):
        Repository(s).load_thread("nope")


def test_migrations_match_the_tables(database: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


@pytest.mark.postgres
def test_locking_a_person_makes_a_second_transaction_wait(database: Database) -> None:
    """Nudge writers count an expert's nudges of the week under this lock, so two workers cannot both pass."""
    import threading
    import time

    if database.is_sqlite:
        pytest.skip("SQLite has a single writer; FOR UPDATE is PostgreSQL's")
    with database.session() as s:
        person_id = Repository(s).upsert_person("marta").id
    acquired: list[float] = []

    def second() -> None:
        with database.session() as s:
            Repository(s).lock_person(person_id)
            acquired.append(time.monotonic())

    with database.session() as s:
        Repository(s).lock_person(person_id)
        worker = threading.Thread(target=second)
        worker.start()
        time.sleep(0.5)
        released = time.monotonic()
        assert acquired == [], "the second transaction waited for the first"
    worker.join(timeout=10)
    assert acquired and acquired[0] >= released
