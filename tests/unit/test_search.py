import math

import pytest

from retrieval.fakes import HashingEmbedder, InMemoryIndex
from retrieval.search import GuideSearch
from synthesizer.model import CitedSentence, GuideDraft, Section


def _guide(title: str, **sections: list[str]) -> GuideDraft:
    return GuideDraft(
        title=title,
        sections={
            Section(name): [CitedSentence(text=t, citations=[f"{name}-{i}"]) for i, t in enumerate(texts)]
            for name, texts in sections.items()
        },
    )


POSTGRES = _guide(
    "Speed up slow PostgreSQL queries with indexes",
    summary=["Add a btree index on the columns your slow query filters on."],
    steps=["Run EXPLAIN ANALYZE on the query.", "Create the index concurrently to avoid locking the table."],
    pitfalls=["Too many indexes slow down inserts and updates."],
)
DOCKER = _guide(
    "Shrink Docker images with multi-stage builds",
    summary=["Build in one stage and copy only the binary into a slim runtime image."],
    steps=["Use a builder stage with the compilers.", "Copy the artifacts into a distroless image."],
)
WIFI = _guide(
    "Fix Ubuntu wifi dropping after suspend",
    summary=["Reload the wifi driver module after resume."],
    steps=["Run sudo modprobe -r iwlwifi then sudo modprobe iwlwifi."],
    applies_when=["The network manager shows no wifi networks after waking from suspend."],
)


@pytest.fixture
def index() -> InMemoryIndex:
    return InMemoryIndex()


@pytest.fixture
def search(index: InMemoryIndex) -> GuideSearch:
    s = GuideSearch(HashingEmbedder(), index)
    s.index_guide("pg", "eng", 1, POSTGRES)
    s.index_guide("docker", "eng", 1, DOCKER)
    s.index_guide("wifi", "ubuntu", 1, WIFI)
    return s


def test_index_guide_returns_the_number_of_chunks(index: InMemoryIndex):
    assert GuideSearch(HashingEmbedder(), index).index_guide("pg", "eng", 1, POSTGRES) == 3
    assert index.count() == 3


def test_a_query_in_other_words_finds_the_right_guide(search: GuideSearch):
    hits = search.search("my database queries are slow, which index should I create?", ["eng"])

    assert hits[0].guide_id == "pg"


def test_one_hit_per_guide_showing_its_best_section(search: GuideSearch):
    hits = search.search("explain analyze the query before you create an index", ["eng", "ubuntu"])

    assert [h.guide_id for h in hits].count("pg") == 1
    top = hits[0]
    assert (top.guide_id, top.section) == ("pg", "steps")
    assert top.title == POSTGRES.title
    assert top.citations == ("steps-0", "steps-1")
    assert top.text.startswith("Run EXPLAIN ANALYZE")


def test_hits_are_ranked_by_score_and_limited(search: GuideSearch):
    hits = search.search("slow image build", ["eng", "ubuntu"], limit=2)

    assert len(hits) == 2
    assert hits[0].score >= hits[1].score
    assert all(math.isfinite(h.score) for h in hits)


def test_search_stays_within_the_given_communities(search: GuideSearch):
    hits = search.search("wifi drops after suspend on ubuntu", ["eng"])

    assert "wifi" not in {h.guide_id for h in hits}


def test_no_community_or_blank_query_finds_nothing(search: GuideSearch):
    assert search.search("wifi", []) == []
    assert search.search("   ", ["ubuntu"]) == []


def test_the_query_is_embedded_as_a_query():
    embedder = HashingEmbedder()
    s = GuideSearch(embedder, InMemoryIndex())
    s.index_guide("pg", "eng", 1, POSTGRES)
    s.search("index", ["eng"])

    assert embedder.calls == [("document", 3), ("query", 1)]


def test_a_new_version_replaces_the_old_chunks(index: InMemoryIndex):
    s = GuideSearch(HashingEmbedder(), index)
    s.index_guide("pg", "eng", 1, POSTGRES)
    shorter = _guide(POSTGRES.title, summary=["Use a partial index for hot rows."])
    assert s.index_guide("pg", "eng", 2, shorter) == 1

    assert sorted(index.points) == ["pg:2:summary"]
    assert s.search("partial index", ["eng"])[0].text == "Use a partial index for hot rows."


def test_remove_guide_takes_it_out_of_search(search: GuideSearch):
    search.remove_guide("pg")

    assert "pg" not in {h.guide_id for h in search.search("slow postgres index", ["eng"])}


def test_reindex_rebuilds_from_scratch_in_batches(index: InMemoryIndex):
    embedder = HashingEmbedder()
    s = GuideSearch(embedder, index)
    s.index_guide("stale", "eng", 1, DOCKER)
    guides = [(f"g{i}", "eng", 1, POSTGRES) for i in range(100)]  # 300 chunks
    seen: list[int] = []

    total = s.reindex(guides, progress=seen.append)

    assert total == 300 == index.count()
    assert "stale" not in {c.guide_id for c, _ in index.points.values()}
    assert seen[-1] == 300 and seen == sorted(seen) and len(seen) > 1
    assert all(n <= 256 for kind, n in embedder.calls if kind == "document")
