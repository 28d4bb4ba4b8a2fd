"""The repository against real SQLite and PostgreSQL: idempotent ingest, threads, tokens, guides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, inspect, text
from sqlalchemy.exc import OperationalError

from elicitor.model import Role
from store.db import Database
from store.errors import DuplicateKey
from store.records import AssessmentRecord, IncomingMessage
from store.tables import Base
from store.uow import SqlUnitOfWork

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
    with SqlUnitOfWork(db) as uow:
        uow.communities.upsert("c1", "Community one")


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
    with SqlUnitOfWork(database) as uow:
        first = uow.messages.ingest("c1", batch)
    with SqlUnitOfWork(database) as uow:
        again = uow.messages.ingest("c1", batch[:2])
    assert (first.accepted, first.duplicates) == (2, 1)
    assert (again.accepted, again.duplicates) == (0, 2)
    with SqlUnitOfWork(database) as uow:
        message = uow.messages.get(first.new_message_ids[0])
        assert message is not None
        thread = uow.messages.load_thread(message.thread_id)
        standing = uow.messages.standing("c1", thread.messages[1].author_id)
    assert [m.text for m in thread.messages] == ["How do I speed up the listing?", "Use a partial index."]
    assert thread.messages[1].parent_id == thread.messages[0].id
    assert thread.messages[0].created_at.tzinfo is not None
    assert (standing.answers, standing.accepted_answers, standing.total_score) == (1, 1, 4)


def test_tokens_are_stored_hashed_and_resolve_to_their_person(database: Database) -> None:
    seeded(database)
    with SqlUnitOfWork(database) as uow:
        person = uow.people.upsert("marta", "Marta")
        uow.communities.set_role("c1", person.id, Role.EXPERT)
        _, token = uow.tokens.create(person.id, "laptop")
    with SqlUnitOfWork(database) as uow:
        assert uow.tokens.person_for(token).handle == "marta"  # type: ignore[union-attr]
        assert uow.tokens.person_for(token + "x") is None
        assert uow.communities.role_of("c1", person.id) == Role.EXPERT
    with database.session() as s:
        from sqlalchemy import select

        from store.tables import ApiTokenRow

        stored = s.scalars(select(ApiTokenRow.token_hash)).all()
        assert token not in stored and len(stored[0]) == 64


def test_guide_versions_accumulate(database: Database) -> None:
    seeded(database)
    with SqlUnitOfWork(database) as uow:
        result = uow.messages.ingest("c1", [msg("q", None, "lena", "Question?", 0)])
    with SqlUnitOfWork(database) as uow:
        row = uow.messages.get(result.new_message_ids[0])
        assert row is not None
        content = {"title": "T", "sections": {}, "sources": []}
        uow.guides.save_version(
            community_id="c1", thread_id=row.thread_id, reviewer_id=row.author_id, content=content, engine="offline"
        )
        record = uow.guides.save_version(
            community_id="c1",
            thread_id=row.thread_id,
            reviewer_id=row.author_id,
            content={**content, "title": "T2"},
            engine="edit",
        )
    assert (record.version, record.content["title"], record.engine, record.status) == (2, "T2", "edit", "draft")


def test_guides_by_id_come_with_their_current_version_in_one_query(database: Database) -> None:
    seeded(database)
    questions = [
        IncomingMessage(
            external_id=f"q{n}", thread=f"t{n}", thread_title="T", parent=None, author="lena", text="?", created_at=T0
        )
        for n in range(3)
    ]
    with SqlUnitOfWork(database) as uow:
        result = uow.messages.ingest("c1", questions)
    with SqlUnitOfWork(database) as uow:
        ids = []
        for n in range(3):
            row = uow.messages.get(result.new_message_ids[n])
            assert row is not None
            for title in (f"G{n} v1", f"G{n} v2"):
                guide = uow.guides.save_version(
                    community_id="c1",
                    thread_id=row.thread_id,
                    reviewer_id=row.author_id,
                    content={"title": title, "sections": {}, "sources": []},
                    engine="offline",
                )
            ids.append(guide.id)
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    event.listen(database.engine, "before_cursor_execute", listen)
    try:
        with SqlUnitOfWork(database) as uow:
            found = uow.guides.by_ids([*ids, "missing", ids[0]])
    finally:
        event.remove(database.engine, "before_cursor_execute", listen)

    assert sorted(found) == sorted(ids)
    assert {r.content["title"] for r in found.values()} == {"G0 v2", "G1 v2", "G2 v2"}
    assert all(r.version == 2 for r in found.values())
    assert len([q for q in statements if q.lstrip().upper().startswith("SELECT")]) == 1


def test_published_guides_come_in_keyset_pages_and_communities_by_id(database: Database) -> None:
    seeded(database)
    questions = [
        IncomingMessage(
            external_id=f"q{n}", thread=f"t{n}", thread_title="T", parent=None, author="lena", text="?", created_at=T0
        )
        for n in range(5)
    ]
    with SqlUnitOfWork(database) as uow:
        result = uow.messages.ingest("c1", questions)
    with SqlUnitOfWork(database) as uow:
        for n, message_id in enumerate(result.new_message_ids):
            row = uow.messages.get(message_id)
            assert row is not None
            content = {"title": f"G{n}", "sections": {}, "sources": []}
            status = "draft" if n == 0 else "published"
            uow.guides.save_version(
                community_id="c1",
                thread_id=row.thread_id,
                reviewer_id=row.author_id,
                content=content,
                engine="offline",
                status=status,
            )
    pages, after = [], None
    while True:
        with SqlUnitOfWork(database) as uow:
            page = uow.guides.published_page(after, 2)
        pages.append([g.id for g in page])
        if len(page) < 2:
            break
        after = page[-1].id
    streamed = [guide_id for page in pages for guide_id in page]
    assert [len(p) for p in pages] == [2, 2, 0] and streamed == sorted(streamed) and len(set(streamed)) == 4
    with SqlUnitOfWork(database) as uow:
        assert {g.id for g in uow.guides.find(status="published")} == set(streamed)
        assert uow.guides.published_count() == 4 and uow.guides.published_count(streamed[1]) == 2
        places = uow.communities.by_ids(["c1", "c1", "nope"])
    assert list(places) == ["c1"] and places["c1"].name == "Community one"


def test_unknown_thread_raises_key_error(database: Database) -> None:
    with SqlUnitOfWork(database) as uow, pytest.raises(KeyError):
        uow.messages.load_thread("nope")


def test_a_unique_key_clash_becomes_the_stores_own_error_and_nothing_is_kept(database: Database) -> None:
    seeded(database)
    with pytest.raises(DuplicateKey), SqlUnitOfWork(database) as uow:
        uow.people.upsert("marta")
        uow.communities.upsert("c2", "Two")
        uow.people.update(uow.people.upsert("kai").id, handle="marta")
    with SqlUnitOfWork(database) as uow:
        assert uow.people.by_handle("kai") is None and uow.communities.get("c2") is None


def test_after_commit_callbacks_run_only_once_committed(database: Database) -> None:
    ran: list[str] = []
    with SqlUnitOfWork(database) as uow:
        uow.after_commit(lambda: ran.append("committed"))
        assert ran == []
    assert ran == ["committed"]
    with pytest.raises(RuntimeError), SqlUnitOfWork(database) as uow:
        uow.after_commit(lambda: ran.append("rolled back"))
        raise RuntimeError("boom")
    assert ran == ["committed"]


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
    with SqlUnitOfWork(database) as uow:
        person_id = uow.people.upsert("marta").id
    acquired: list[float] = []

    def second() -> None:
        with SqlUnitOfWork(database) as uow:
            uow.people.lock(person_id)
            acquired.append(time.monotonic())

    with SqlUnitOfWork(database) as uow:
        uow.people.lock(person_id)
        worker = threading.Thread(target=second)
        worker.start()
        time.sleep(0.5)
        released = time.monotonic()
        assert acquired == [], "the second transaction waited for the first"
    worker.join(timeout=10)
    assert acquired and acquired[0] >= released


def test_tacit_turns_sqlite_secure_delete_on_whatever_the_build_default(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from store.db import _sqlite_pragmas

    raw = sqlite3.connect(tmp_path / "raw.db")
    raw.execute("PRAGMA secure_delete=OFF")  # as a build without SQLITE_SECURE_DELETE starts
    _sqlite_pragmas(raw, None)
    assert raw.execute("PRAGMA secure_delete").fetchone() == (1,)
    raw.close()
    db = Database(f"sqlite:///{tmp_path / 'tacit.db'}")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA secure_delete")).scalar() == 1  # on every connection Tacit opens
    db.dispose()


def test_batch_reads_and_writes_agree_with_the_single_ones(database: Database) -> None:
    seeded(database)
    batch = [
        msg("q", None, "lena", "How do I list tenants fast?", 0),
        msg("a", "q", "marta", "Use a partial index.", 5, score=3, accepted=True),
        msg("b", "q", "omar", "A btree works too.", 6, score=-1),
        IncomingMessage("x", "t2", "marta", "Another thread", T0, thread_title="Other", parent="none"),
    ]
    with SqlUnitOfWork(database) as uow:
        ids = uow.messages.ingest("c1", batch).new_message_ids
        uow.communities.set_role("c1", uow.people.by_handle("marta").id, Role.EXPERT)  # type: ignore[union-attr]
    with SqlUnitOfWork(database) as uow:
        rows = uow.messages.get_many([*ids, "missing"])
        assert rows == {i: uow.messages.get(i) for i in ids}
        thread_ids = {r.thread_id for r in rows.values()}
        assert uow.messages.load_threads([*thread_ids, "missing"]) == {
            t: uow.messages.load_thread(t) for t in thread_ids
        }
        authors = {r.author_id for r in rows.values()}
        assert uow.messages.standings("c1", authors) == {p: uow.messages.standing("c1", p) for p in authors}
        assert uow.communities.roles_in("c1", authors) == {
            p: role for p in authors if (role := uow.communities.role_of("c1", p)) is not None
        }
        assert uow.people.get_many(authors) == {p: uow.people.get(p) for p in authors}
        assert {r.id for r in uow.messages.unscreened_in(thread_ids)} == set(ids)
        assert uow.messages.threads_by_ids(thread_ids) == {t: uow.messages.thread(t) for t in thread_ids}
    with SqlUnitOfWork(database) as uow:
        uow.messages.update_many({ids[0]: {"screened_at": T0}, ids[1]: {"screened_at": T0, "held": True}})
        uow.messages.set_titles({next(iter(thread_ids)): "Renamed"})
    with SqlUnitOfWork(database) as uow:
        assert uow.messages.get(ids[1]).held and uow.messages.get(ids[0]).screened_at == T0  # type: ignore[union-attr]
        assert "Renamed" in {t.title for t in uow.messages.threads_by_ids(thread_ids).values()}
        with pytest.raises(ValueError, match="not an editable field"):
            uow.messages.update_many({ids[0]: {"author_id": "someone"}})
        with pytest.raises(KeyError):
            uow.messages.update_many({"missing": {"screened_at": T0}})


def test_save_many_replaces_earlier_verdicts(database: Database) -> None:
    seeded(database)
    with SqlUnitOfWork(database) as uow:
        ids = uow.messages.ingest(
            "c1", [msg("q", None, "lena", "Q?", 0), msg("a", "q", "marta", "A.", 5)]
        ).new_message_ids
    verdict = lambda m, outcome: AssessmentRecord(m, 0.5, False, [], "why", {"words": 1.0}, outcome)  # noqa: E731
    with SqlUnitOfWork(database) as uow:
        uow.assessments.save_many([verdict(m, "first") for m in ids])
    with SqlUnitOfWork(database) as uow:
        uow.assessments.save_many([verdict(ids[0], "again")])
        assert uow.assessments.assessed([*ids, "missing"]) == set(ids)
    with SqlUnitOfWork(database) as uow:
        assert [uow.assessments.get(m).outcome for m in ids] == ["again", "first"]  # type: ignore[union-attr]


def test_an_experts_lock_excludes_other_lockers_but_not_inserts_of_their_messages(database: Database) -> None:
    """The nudge count's lock must not block (or deadlock with) an ingest that references the expert."""
    if database.is_sqlite:
        pytest.skip("SQLite has one writer: no row locks")
    seeded(database)
    with SqlUnitOfWork(database) as uow:
        uow.messages.ingest("c1", [msg("q", None, "marta", "Q?", 0)])
        marta = uow.people.by_handle("marta").id  # type: ignore[union-attr]
    with SqlUnitOfWork(database) as holder:
        holder.people.lock_many([marta])
        with database.engine.connect() as other:
            other.execute(text("SET lock_timeout = '2s'"))
            # What the foreign key check of an insert of her message takes on her row: it must not wait.
            other.execute(text("SELECT 1 FROM people WHERE id = :p FOR KEY SHARE"), {"p": marta})
            other.rollback()
            other.execute(text("SET lock_timeout = '200ms'"))
            with pytest.raises(OperationalError):  # another assessment job's lock waits its turn
                other.execute(text("SELECT id FROM people WHERE id = :p FOR NO KEY UPDATE"), {"p": marta})
