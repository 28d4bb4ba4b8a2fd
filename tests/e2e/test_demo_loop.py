"""The demo as `make run` loads it: nudges waiting, and a past loop already published so search finds a guide."""

from __future__ import annotations

from api.bootstrap import build
from cli.demo import complete_past_loops, load_demo
from retrieval.fakes import HashingEmbedder, InMemoryIndex
from tests.e2e.conftest import shared_scanner
from workflow.guides import list_published
from workflow.nudges import inbox


def test_the_demo_starts_with_nudges_waiting_and_one_guide_published(tmp_settings) -> None:
    tacit = build(tmp_settings, embedder=HashingEmbedder(), index=InMemoryIndex(), scanner=shared_scanner())
    tacit.start()
    try:
        services = tacit.services

        def settle() -> None:
            assert tacit.runner.wait_idle(timeout=120) and tacit.runner.stats.failed == 0

        tokens = load_demo(services)
        settle()
        assert complete_past_loops(services, settle) == 1
        ids = {handle: _person_id(services, handle) for handle in tokens}
        published = list_published(services, person_id=ids["lena"], community_id=None)
        assert [g.content["title"] for g in published] and all(g.reviewer_id == ids["sam"] for g in published)
        hits = services.search.search("pods get OOMKilled although the node has free memory", ["platform-guild"], 5)
        assert hits and hits[0].guide_id == published[0].id
        assert any("partial index" in n.answer_text for n in inbox(services, person_id=ids["marta"])), (
            "the README's showcase is still waiting in Marta's inbox"
        )
    finally:
        tacit.stop()


def _person_id(services, handle: str) -> str:  # noqa: ANN001
    from sqlalchemy import select

    from store.tables import PersonRow

    with services.db.session() as s:
        return s.scalars(select(PersonRow.id).where(PersonRow.handle == handle)).one()
