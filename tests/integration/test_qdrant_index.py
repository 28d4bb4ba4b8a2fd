from collections.abc import Iterator

import pytest

from retrieval.fakes import HashingEmbedder, InMemoryIndex
from retrieval.ports import Chunk, VectorIndex
from retrieval.qdrant_index import IndexConfigError, QdrantIndex, open_embedded, point_id

EMBEDDER = HashingEmbedder(dimension=128)


def _chunk(cid: str, guide: str, community: str, text: str) -> Chunk:
    return Chunk(
        id=cid,
        guide_id=guide,
        community_id=community,
        section="summary",
        title=f"title of {guide}",
        text=text,
        citations=("m1", "m2"),
        extra={"version": "1"},
    )


CHUNKS = [
    _chunk("a1:1:summary", "a1", "A", "rotate the kafka consumer offsets after a rebalance"),
    _chunk("a2:1:summary", "a2", "A", "tune the garbage collector pauses of the jvm heap"),
    _chunk("b1:1:summary", "b1", "B", "kafka consumer offsets reset after rebalance storms"),
    _chunk("c1:1:summary", "c1", "C", "kafka consumer lag dashboards in grafana"),
]


def _vectors(chunks: list[Chunk]) -> list[list[float]]:
    return EMBEDDER.embed([c.text for c in chunks], kind="document")


@pytest.fixture(params=["qdrant-memory", "in-memory-fake"])
def index(request: pytest.FixtureRequest) -> Iterator[VectorIndex]:
    # The fake runs the same contract, so unit tests that rely on it see Qdrant's behaviour.
    if request.param == "in-memory-fake":
        yield InMemoryIndex()
        return
    client = open_embedded(None)
    yield QdrantIndex(client, "test_chunks", EMBEDDER.dimension)
    client.close()


def test_upsert_is_idempotent(index: VectorIndex):
    index.upsert(CHUNKS, _vectors(CHUNKS))
    index.upsert(CHUNKS, _vectors(CHUNKS))

    assert index.count() == len(CHUNKS)


def test_search_returns_the_whole_chunk(index: VectorIndex):
    index.upsert(CHUNKS, _vectors(CHUNKS))
    [vector] = EMBEDDER.embed(["jvm garbage collector"], kind="query")

    [hit, *_] = index.search(vector, ["A"], 5)

    assert hit.chunk == CHUNKS[1]
    assert 0.0 < hit.score <= 1.0 + 1e-6


def test_another_communitys_chunk_is_never_returned_even_when_closest(index: VectorIndex):
    index.upsert(CHUNKS, _vectors(CHUNKS))
    [vector] = EMBEDDER.embed([CHUNKS[2].text], kind="query")  # exactly community B's chunk

    hits = index.search(vector, ["A"], 10)

    assert {h.chunk.community_id for h in hits} == {"A"}
    assert len(hits) == 2  # filtered inside the search: the limit is filled from A, not cut after


def test_a_limit_below_the_matches_is_filled_from_the_allowed_communities(index: VectorIndex):
    index.upsert(CHUNKS, _vectors(CHUNKS))
    [vector] = EMBEDDER.embed([CHUNKS[2].text], kind="query")

    # B and C are the two nearest; a post-filter over the top 2 would return nothing for A.
    hits = index.search(vector, ["A"], 1)

    assert [h.chunk.id for h in hits] == ["a1:1:summary"]


def test_several_communities(index: VectorIndex):
    index.upsert(CHUNKS, _vectors(CHUNKS))
    [vector] = EMBEDDER.embed(["kafka consumer"], kind="query")

    hits = index.search(vector, ["B", "C"], 10)

    assert {h.chunk.community_id for h in hits} == {"B", "C"}


def test_no_community_finds_nothing(index: VectorIndex):
    index.upsert(CHUNKS, _vectors(CHUNKS))

    assert index.search(_vectors(CHUNKS[:1])[0], [], 10) == []


def test_delete_guide_removes_only_that_guide(index: VectorIndex):
    extra = _chunk("a1:1:steps", "a1", "A", "commit offsets manually")
    index.upsert([*CHUNKS, extra], _vectors([*CHUNKS, extra]))

    index.delete_guide("a1")

    assert index.count() == len(CHUNKS) - 1
    [vector] = EMBEDDER.embed(["kafka offsets"], kind="query")
    assert "a1" not in {h.chunk.guide_id for h in index.search(vector, ["A", "B", "C"], 10)}


def test_reset_empties_the_index_and_it_stays_usable(index: VectorIndex):
    index.upsert(CHUNKS, _vectors(CHUNKS))

    index.reset()

    assert index.count() == 0
    index.upsert(CHUNKS[:1], _vectors(CHUNKS[:1]))
    assert index.count() == 1


def test_mismatched_lengths_are_refused(index: VectorIndex):
    with pytest.raises(ValueError):
        index.upsert(CHUNKS, _vectors(CHUNKS[:1]))


def test_point_ids_are_uuid5_of_chunk_ids():
    assert point_id("g:1:summary") == point_id("g:1:summary")
    assert point_id("g:1:summary") != point_id("g:2:summary")
    assert len(point_id("g:1:summary")) == 36


def test_nothing_is_created_until_first_use():
    client = open_embedded(None)
    QdrantIndex(client, "lazy", 8)

    assert not client.collection_exists("lazy")
    client.close()


def test_the_collection_has_a_named_dense_cosine_vector():
    client = open_embedded(None)
    QdrantIndex(client, "named", 8).count()

    vectors = client.get_collection("named").config.params.vectors
    assert isinstance(vectors, dict) and vectors["dense"].size == 8
    assert vectors["dense"].distance.value == "Cosine"
    client.close()


def test_an_existing_collection_of_another_dimension_is_refused():
    client = open_embedded(None)
    QdrantIndex(client, "dims", 8).count()

    with pytest.raises(IndexConfigError):
        QdrantIndex(client, "dims", 16).count()
    client.close()


def test_the_embedded_index_persists_on_disk(tmp_path):
    client = open_embedded(tmp_path / "qdrant")
    QdrantIndex(client, "chunks", EMBEDDER.dimension).upsert(CHUNKS, _vectors(CHUNKS))
    client.close()

    reopened = open_embedded(tmp_path / "qdrant")
    index = QdrantIndex(reopened, "chunks", EMBEDDER.dimension)
    assert index.count() == len(CHUNKS)
    [vector] = EMBEDDER.embed(["jvm garbage collector"], kind="query")
    assert index.search(vector, ["A"], 1)[0].chunk == CHUNKS[1]
    reopened.close()
