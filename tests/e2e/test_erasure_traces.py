"""Erasure reaches every derived text and the bytes on disk (issue 14, item 5): after `DELETE /v1/people/{id}
?mode=erase`, neither the SQLite file nor its WAL nor any file of the embedded vector index holds the person's
words (in UTF-8, UTF-16 or JSON-escaped form), and nothing derived quotes them."""

from __future__ import annotations

from pathlib import Path

from api.bootstrap import build
from retrieval.edge_index import EdgeIndex
from retrieval.fakes import HashingEmbedder
from store.repositories.erasure import VACUUMED
from store.tables import Base
from tests.e2e.conftest import COMMUNITY, Loop
from tests.e2e.test_governance import reply_and_publish
from tests.e2e.test_loop_offline import TERSE, now_iso
from tests.integration.test_edge_compaction import encodings

TITLE = "Xylophonequark tenant listing is slow"
WORDS = ("Xylophonequark", "Quasarwidget", "Zorblingcraft", "Frobnicatorix")


def lenas_thread() -> list[dict]:
    return [
        {
            "external_id": "q1",
            "thread": "t1",
            "thread_title": TITLE,
            "author": "lena",
            "text": "Listing tenants on Quasarwidget takes 4 seconds; most rows are soft deleted. How do I fix it?",
            "created_at": now_iso(30),
        },
        {
            "external_id": "a1",
            "thread": "t1",
            "parent": "q1",
            "author": "marta",
            "text": TERSE,
            "created_at": now_iso(20),
            "score": 5,
            "accepted": True,
        },
    ]


def files_of(loop: Loop, under: str = "") -> list[Path]:
    data = Path(loop.tacit.settings.data_dir) / under
    return [p for p in data.rglob("*") if p.is_file()]


def rows_by_table(loop: Loop) -> dict[str, set[str]]:
    """Every row of every table, as text: what erasure deleted or rewrote leaves a dead row on PostgreSQL."""
    engine = loop.tacit.services.db.engine  # type: ignore[union-attr]
    with engine.connect() as conn:
        return {
            name: {repr(tuple(row)) for row in conn.execute(table.select())}
            for name, table in Base.metadata.tables.items()
        }


def test_erasure_leaves_no_word_of_the_person_in_derived_texts_or_on_disk(database_url: str | None, make_loop) -> None:
    loop = make_loop(database_url=database_url, edge_index=True)
    c, lena = loop.client, loop.as_("lena")
    assert (
        c.post(
            f"/v1/communities/{COMMUNITY}/messages", json={"messages": lenas_thread()}, headers=loop.as_("priya")
        ).status_code
        == 202
    )
    loop.settle()
    reply_and_publish(loop)  # marta's guide quotes the thread lena opened
    assert c.post("/v1/me/skills", json={"name": "Zorblingcraft"}, headers=lena).status_code == 201
    task = {"title": "Frobnicatorix migration", "description": "Quasarwidget clean-up", "skills": ["Zorblingcraft"]}
    assert c.post(f"/v1/communities/{COMMUNITY}/tasks", json=task, headers=lena).status_code == 201
    tandem = {"community": COMMUNITY, "junior": "lena", "senior": "marta", "goals": ["postgres"]}
    assert c.post("/v1/tandems", json=tandem, headers=loop.as_("priya")).status_code == 201
    on_sqlite = database_url is None
    before = b"".join(p.read_bytes() for p in files_of(loop))
    assert not on_sqlite or (b"Xylophonequark" in before and b"Zorblingcraft" in before), "the words were on disk"
    vectors = b"".join(p.read_bytes() for p in files_of(loop, "vectors"))
    assert b"Xylophonequark" in vectors, "the guide titled with her words was indexed"

    rows_before = rows_by_table(loop)

    erased = c.delete(f"/v1/people/{loop.ids['lena']}", params={"mode": "erase"}, headers=lena)
    assert erased.status_code == 200, erased.text
    loop.settle()

    changed = {name for name, rows in rows_before.items() if rows - rows_by_table(loop)[name]}
    assert {"people", "messages", "skills"} <= changed
    assert changed <= set(VACUUMED), (
        f"{sorted(changed - set(VACUUMED))}: every table the erasure deleted or rewrote rows of is vacuumed after it"
    )

    seen = "\n".join(
        c.get(path, headers=loop.as_(who)).text
        for who in ("marta", "priya", "ada")
        for path in (
            "/v1/me/nudges?include_closed=true",
            "/v1/me/guides",
            "/v1/guides",
            "/v1/skills",
            f"/v1/communities/{COMMUNITY}/tasks",
            f"/v1/communities/{COMMUNITY}/tandems",
            "/v1/audit",
        )
    )
    for word in WORDS:
        assert word not in seen, f"{word} is still shown"
    # PostgreSQL's files are the server's (rows are vacuumed, the README states the limit): there, the vector files.
    files = files_of(loop) if on_sqlite else files_of(loop, "vectors")
    assert any(p.name.endswith(".db") for p in files) or not on_sqlite
    assert any(p.parent.name == "wal" for p in files), "the vector index's WAL is searched too"
    for path in files:
        content = path.read_bytes()
        for word in WORDS:
            for form in encodings(word):
                assert form not in content, f"{word} ({form!r}) is still in {path}"
    assert not loop.tacit.services.search.compaction_due()


def test_a_compaction_a_crash_prevented_runs_at_the_next_start(make_loop) -> None:
    loop = make_loop(edge_index=True)
    c = loop.client
    c.post(f"/v1/communities/{COMMUNITY}/messages", json={"messages": lenas_thread()}, headers=loop.as_("priya"))
    loop.settle()
    guide = reply_and_publish(loop)
    # What an erasure leaves when the process dies before its compaction job runs: the guide forgotten (the index
    # records that a compaction is due before it deletes), the job lost with the in-process queue.
    loop.tacit.services.search.remove_guide(guide["id"], forget=True)
    loop.tacit.index.close()
    vectors = Path(loop.tacit.settings.data_dir) / "vectors"
    assert any(b"Xylophonequark" in p.read_bytes() for p in vectors.rglob("*") if p.is_file())

    restarted = build(
        loop.tacit.settings, embedder=HashingEmbedder(), index=EdgeIndex(vectors, HashingEmbedder().dimension)
    )
    restarted.start()  # the recovery sweep finds the compaction due
    try:
        assert restarted.runner.wait_idle(timeout=120)
        assert not restarted.services.search.compaction_due()
        assert not any(b"Xylophonequark" in p.read_bytes() for p in vectors.rglob("*") if p.is_file())
    finally:
        restarted.stop()


def test_an_index_job_that_read_the_guide_before_the_erasure_leaves_no_word_behind(make_loop) -> None:
    """An index job reads the published guide, its reviewer's erasure commits (withdrawing the guide and forgetting
    it), then the job writes the chunks it read: nothing would replace them, so the job must notice the guide
    changed and forget them, words and bytes."""
    from workflow.governance import erase_person
    from workflow.guides import index_guide

    loop = make_loop(edge_index=True)
    c = loop.client
    c.post(f"/v1/communities/{COMMUNITY}/messages", json={"messages": lenas_thread()}, headers=loop.as_("priya"))
    loop.settle()
    guide = reply_and_publish(loop)  # marta's reply: "... it stays small and hot in cache ..."
    services = loop.tacit.services
    write = services.search.index_guide

    def erasure_lands_first(*args, **kwargs):  # type: ignore[no-untyped-def]
        services.search.index_guide = write  # only the first write races
        erase_person(services, actor_id=loop.ids["marta"], person_id=loop.ids["marta"], mode="erase")
        return write(*args, **kwargs)

    services.search.index_guide = erasure_lands_first
    index_guide(services, guide_id=guide["id"])
    loop.settle()

    found = c.get("/v1/search", params={"q": "Xylophonequark partial index"}, headers=loop.as_("priya")).json()
    assert found["results"] == []
    for path in files_of(loop, "vectors"):
        content = path.read_bytes()
        for words in ("hot in cache", "Xylophonequark"):
            for form in encodings(words):
                assert form not in content, f"{words} ({form!r}) is still in {path}"
    assert not services.search.compaction_due()
