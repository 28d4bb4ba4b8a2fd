from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.fakes import HashingEmbedder, InMemoryIndex
from retrieval.fusion import DENSE_WEIGHT, SPARSE_WEIGHT, bm25_idf, dbsf
from retrieval.ports import Chunk, SparseVector, VectorIndex
from retrieval.qdrant_index import IndexConfigError, QdrantIndex, open_embedded, point_id
from retrieval.sparse import SparseEncoder, term_id

EMBEDDER = HashingEmbedder(dimension=128)
SPARSE = SparseEncoder()


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


def _terms(chunks: list[Chunk]) -> list[SparseVector]:
    return [SPARSE.document(c.text) for c in chunks]


def _fill(index: VectorIndex, chunks: list[Chunk] = CHUNKS) -> None:
    index.upsert(chunks, _vectors(chunks), _terms(chunks))


def _query(text: str) -> tuple[list[float], SparseVector]:
    return EMBEDDER.embed([text], kind="query")[0], SPARSE.query(text)


@pytest.fixture(params=["qdrant-memory", "qdrant-edge", "in-memory-fake"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorIndex]:
    """Every engine runs the same contract; the fake too, so unit tests that rely on it see Qdrant's behaviour."""
    if request.param == "in-memory-fake":
        yield InMemoryIndex()
        return
    if request.param == "qdrant-edge":
        from retrieval.edge_index import EdgeIndex

        edge = EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension)
        yield edge
        edge.close()
        return
    client = open_embedded(None)
    yield QdrantIndex(client, "test_chunks", EMBEDDER.dimension)
    client.close()


def test_upsert_is_idempotent(index: VectorIndex):
    _fill(index)
    _fill(index)

    assert index.count() == len(CHUNKS)


def test_search_returns_the_whole_chunk(index: VectorIndex):
    _fill(index)
    dense, _ = _query("jvm garbage collector")

    [hit, *_] = index.search(dense, None, ["A"], 5)

    assert hit.chunk == CHUNKS[1]
    assert 0.0 < hit.score <= 1.0 + 1e-6


@pytest.mark.parametrize("hybrid", [False, True])
def test_another_communitys_chunk_is_never_returned_even_when_closest(index: VectorIndex, hybrid: bool):
    _fill(index)
    dense, terms = _query(CHUNKS[2].text)  # exactly community B's chunk, in meaning and in words

    hits = index.search(dense, terms if hybrid else None, ["A"], 10)

    assert {h.chunk.community_id for h in hits} == {"A"}
    assert len(hits) == 2  # filtered inside the search: the limit is filled from A, not cut after


@pytest.mark.parametrize("hybrid", [False, True])
def test_a_limit_below_the_matches_is_filled_from_the_allowed_communities(index: VectorIndex, hybrid: bool):
    _fill(index)
    dense, terms = _query(CHUNKS[2].text)

    # B and C are the two nearest; a post-filter over the top 2 would return nothing for A.
    hits = index.search(dense, terms if hybrid else None, ["A"], 1)

    assert [h.chunk.id for h in hits] == ["a1:1:summary"]


def test_hybrid_scores_are_weighted_dbsf_of_both_legs(index: VectorIndex):
    _fill(index)
    dense, terms = _query("kafka consumer offsets")

    hits = index.search(dense, terms, ["A", "C"], 10)

    # dense: a1, c1, a2; words: a1 (kafka, consumer, offsets), c1 (kafka, consumer); a2 shares no word.
    assert [h.chunk.id for h in hits] == ["a1:1:summary", "c1:1:summary", "a2:1:summary"]
    by_meaning = [(h.chunk.id, h.score) for h in index.search(dense, None, ["A", "C"], 10)]
    # BM25 by hand over A and C (3 chunks): "kafka" and "consumer" in 2, "offsets" in 1.
    common, rare = bm25_idf(2, 3), bm25_idf(1, 3)
    a1, c1 = (
        dict(zip(SPARSE.document(c.text).indices, SPARSE.document(c.text).values, strict=True))
        for c in (CHUNKS[0], CHUNKS[3])
    )
    kafka, consumer, offsets = (term_id(t) for t in ("kafka", "consumer", "offset"))
    by_words = [
        ("a1:1:summary", (a1[kafka] + a1[consumer]) * common + a1[offsets] * rare),
        ("c1:1:summary", (c1[kafka] + c1[consumer]) * common),
    ]
    want = dbsf([by_meaning, by_words], (DENSE_WEIGHT, SPARSE_WEIGHT))
    assert [(h.chunk.id, round(h.score, 4)) for h in hits] == [(k, round(v, 4)) for k, v in want]


def test_several_communities(index: VectorIndex):
    _fill(index)
    dense, terms = _query("kafka consumer")

    hits = index.search(dense, terms, ["B", "C"], 10)

    assert {h.chunk.community_id for h in hits} == {"B", "C"}


def test_no_community_finds_nothing(index: VectorIndex):
    _fill(index)
    dense, terms = _query("kafka")

    assert index.search(dense, None, [], 10) == []
    assert index.search(dense, terms, [], 10) == []


def test_delete_guide_removes_only_that_guide(index: VectorIndex):
    extra = _chunk("a1:1:steps", "a1", "A", "commit offsets manually")
    _fill(index, [*CHUNKS, extra])

    index.delete_guide("a1")

    assert index.count() == len(CHUNKS) - 1
    dense, terms = _query("kafka offsets")
    assert "a1" not in {h.chunk.guide_id for h in index.search(dense, terms, ["A", "B", "C"], 10)}


def test_reset_empties_the_index_and_it_stays_usable(index: VectorIndex):
    _fill(index)

    index.reset()

    assert index.count() == 0
    _fill(index, CHUNKS[:1])
    assert index.count() == 1


def test_mismatched_lengths_are_refused(index: VectorIndex):
    with pytest.raises(ValueError):
        index.upsert(CHUNKS, _vectors(CHUNKS[:1]), _terms(CHUNKS))
    with pytest.raises(ValueError):
        index.upsert(CHUNKS, _vectors(CHUNKS), _terms(CHUNKS[:1]))


def test_point_ids_are_uuid5_of_chunk_ids():
    assert point_id("g:1:summary") == point_id("g:1:summary")
    assert point_id("g:1:summary") != point_id("g:2:summary")
    assert len(point_id("g:1:summary")) == 36


def test_nothing_is_created_until_first_use():
    client = open_embedded(None)
    QdrantIndex(client, "lazy", 8)

    assert not client.collection_exists("lazy")
    client.close()


def test_the_collection_has_a_dense_cosine_and_an_idf_sparse_vector():
    client = open_embedded(None)
    QdrantIndex(client, "named", 8).count()

    params = client.get_collection("named").config.params
    assert isinstance(params.vectors, dict) and params.vectors["dense"].size == 8
    assert params.vectors["dense"].distance.value == "Dot"
    assert params.sparse_vectors is not None and params.sparse_vectors["sparse"].modifier.value == "idf"
    client.close()


def test_an_existing_collection_of_another_dimension_is_refused():
    client = open_embedded(None)
    QdrantIndex(client, "dims", 8).count()

    with pytest.raises(IndexConfigError):
        QdrantIndex(client, "dims", 16).count()
    client.close()


def test_a_dense_only_collection_of_an_older_version_asks_for_a_reindex():
    from qdrant_client import models

    client = open_embedded(None)
    client.create_collection(
        "old", vectors_config={"dense": models.VectorParams(size=8, distance=models.Distance.COSINE)}
    )
    index = QdrantIndex(client, "old", 8)

    with pytest.raises(IndexConfigError, match="reindex"):
        index.count()
    index.reset()  # what `tacit reindex` does first
    assert index.count() == 0
    client.close()


def test_a_collection_of_chunks_cut_another_way_asks_for_a_reindex():
    from qdrant_client import models

    client = open_embedded(None)
    client.create_collection(  # what an index written before windows holds: the same vectors, no metadata
        "sections",
        vectors_config={"dense": models.VectorParams(size=8, distance=models.Distance.COSINE)},
        sparse_vectors_config={"sparse": models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )
    index = QdrantIndex(client, "sections", 8)

    with pytest.raises(IndexConfigError, match="one per section.*run `tacit reindex`"):
        index.count()
    index.reset()
    assert index.count() == 0
    client.close()


def test_the_embedded_index_persists_on_disk(tmp_path):
    client = open_embedded(tmp_path / "qdrant")
    _fill(QdrantIndex(client, "chunks", EMBEDDER.dimension))
    client.close()

    reopened = open_embedded(tmp_path / "qdrant")
    index = QdrantIndex(reopened, "chunks", EMBEDDER.dimension)
    assert index.count() == len(CHUNKS)
    dense, terms = _query("jvm garbage collector")
    assert index.search(dense, terms, ["A"], 1)[0].chunk == CHUNKS[1]
    reopened.close()
