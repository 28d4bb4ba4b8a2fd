import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.chunking import CHUNKING_VERSION
from retrieval.edge_index import EdgeIndex
from retrieval.errors import IndexBusy, IndexConfigError
from retrieval.fakes import InMemoryIndex
from retrieval.ports import VectorIndex
from retrieval.sparse import SPARSE_VERSION, SparseEncoder
from retrieval.term_stats import TermStats
from tests.integration.test_qdrant_index import CHUNKS, EMBEDDER, _chunk, _fill, _query, _vectors

ROOT = Path(__file__).parents[2]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[EdgeIndex]:
    edge = EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension)
    yield edge
    edge.close()


# The VectorIndex contract (idempotent upserts, community isolation inside the search, delete, reset, length
# checks) runs against this engine too, in tests/integration/test_qdrant_index.py; here: what is edge's own.


def test_construction_touches_nothing(tmp_path: Path):
    EdgeIndex(tmp_path / "vectors", 8)

    assert not (tmp_path / "vectors").exists()


def test_hybrid_ranks_and_scores_match_the_reference_fake(index: EdgeIndex):
    fake = InMemoryIndex()
    _fill(index)
    _fill(fake)

    for text, communities in [
        ("kafka consumer offsets", ["A", "C"]),
        ("rebalance storms", ["A", "B", "C"]),
        ("jvm heap", ["A"]),
    ]:
        dense, terms = _query(text)
        got = [(h.chunk.id, round(h.score, 5)) for h in index.search(dense, terms, communities, 10)]
        want = [(h.chunk.id, round(h.score, 5)) for h in fake.search(dense, terms, communities, 10)]
        assert got == want, text


def _axis(i: int, dimension: int = EMBEDDER.dimension, **more: float) -> list[float]:
    vector = [0.0] * dimension
    vector[i] = 1.0
    for j, v in more.items():
        vector[int(j[1:])] = v
    return vector


@pytest.mark.parametrize("kind", ["edge", "qdrant-local", "fake"])
def test_sparse_idf_is_computed_over_the_searched_communities_only(tmp_path: Path, kind: str):
    from retrieval.qdrant_index import QdrantIndex, open_embedded

    # Legs weighted equally here, so the lexical leg's order (which IDF scoping changes) shows in the result.
    index: VectorIndex = {
        "edge": lambda: EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension, sparse_weight=1.0),
        "qdrant-local": lambda: QdrantIndex(open_embedded(None), "idf", EMBEDDER.dimension, sparse_weight=1.0),
        "fake": lambda: InMemoryIndex(sparse_weight=1.0),
    }[kind]()
    x, y, z = (
        _chunk(f"{n}:1:summary", n, "A", t) for n, t in [("x", "kafka"), ("y", "grafana"), ("z", "grafana dashboards")]
    )
    others = [_chunk(f"b{i}:1:summary", f"b{i}", "B", "kafka") for i in range(5)]
    dense = [_axis(1), _axis(2), _axis(3, d2=0.6 / 0.8), *[_axis(4)] * 5]
    chunks = [x, y, z, *others]
    index.upsert(chunks, dense, [SparseEncoder().document(c.text) for c in chunks])

    hits = index.search(_axis(2), SparseEncoder().query("kafka grafana"), ["A"], 10)

    # dense ranks y, z, x. Words, with IDF over A: "kafka" (1 of 3) is rarer than "grafana" (2 of 3), so x, y, z;
    # with IDF over everything "kafka" is common (6 of 8) and the order would be y, z, x, fusing to y, z, x.
    assert [h.chunk.guide_id for h in hits] == ["y", "x", "z"]


def test_it_persists_across_reopen(tmp_path: Path):
    first = EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension)
    _fill(first)
    first.close()

    reopened = EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension)
    assert reopened.count() == len(CHUNKS)
    dense, terms = _query("jvm garbage collector")
    assert reopened.search(dense, terms, ["A"], 1)[0].chunk == CHUNKS[1]
    reopened.close()


def test_another_dimension_is_refused(tmp_path: Path):
    first = EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension)
    _fill(first)
    first.close()

    with pytest.raises(IndexConfigError, match="reindex"):
        EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension * 2).count()


def test_sparse_vectors_of_another_encoding_ask_for_a_reindex(tmp_path: Path):
    first = EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension)
    _fill(first)
    first.close()
    (tmp_path / "vectors" / "tacit-index.json").write_text(json.dumps({"sparse": "tacit-bm25-v0"}))

    stale = EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension)
    with pytest.raises(IndexConfigError, match="reindex"):
        stale.count()
    stale.reset()  # what `tacit reindex` does first
    assert stale.count() == 0
    stale.close()


def test_an_index_of_chunks_cut_another_way_asks_for_a_reindex(tmp_path: Path):
    first = EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension)
    _fill(first)
    first.close()
    marker = tmp_path / "vectors" / "tacit-index.json"
    stored = json.loads(marker.read_text())
    del stored["chunking"]  # what an index written before windows holds
    marker.write_text(json.dumps(stored))

    stale = EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension)
    with pytest.raises(IndexConfigError, match="one per section.*run `tacit reindex`"):
        stale.count()
    stale.reset()
    assert stale.count() == 0
    stale.close()


def test_concurrent_writers_and_readers(index: EdgeIndex):
    errors: list[BaseException] = []
    dense, terms = _query("kafka consumer")

    def write(n: int) -> None:
        try:
            chunks = [
                _chunk(f"g{n}-{i}:1:summary", f"g{n}-{i}", "A", f"kafka consumer note {n} {i}") for i in range(20)
            ]
            _fill(index, chunks)
            for _ in range(20):
                index.search(dense, terms, ["A"], 5)
        except BaseException as error:  # noqa: BLE001 - surfaced by the assert below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert index.count() == 80


def _hold(folder: Path) -> subprocess.Popen[str]:
    """Another process holding the index folder, as a running `tacit serve` does."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from retrieval.edge_index import EdgeIndex\n"
        f"index = EdgeIndex(Path({str(folder)!r}), {EMBEDDER.dimension})\n"
        "print(index.count(), flush=True)\n"
        "sys.stdin.read()\n"  # until the test closes our stdin
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == str(len(CHUNKS))
    return holder


def test_a_folder_held_by_another_process_is_busy_not_stale(tmp_path: Path):
    folder = tmp_path / "vectors"
    first = EdgeIndex(folder, EMBEDDER.dimension)
    _fill(first)
    first.close()
    holder = _hold(folder)
    try:
        second = EdgeIndex(folder, EMBEDDER.dimension)
        with pytest.raises(IndexBusy, match="busy.*one writer") as caught:
            second.search(*_query("kafka consumer offsets"), ["A"], 5)
        assert "reindex" not in str(caught.value)
        with pytest.raises(IndexBusy):
            second.reset()  # a rebuild must not delete the files under a running server
        assert [p.name for p in folder.glob("shard-*/edge_config.json")] == ["edge_config.json"]
    finally:
        holder.communicate("")
    reopened = EdgeIndex(folder, EMBEDDER.dimension)
    assert reopened.count() == len(CHUNKS)
    reopened.close()


def test_flush_persists_and_keeps_the_shard_open(tmp_path: Path):
    index = EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension)
    _fill(index)
    index.flush()

    assert index._shard is not None  # a server's flush does not pay for reopening the shard
    assert index.count() == len(CHUNKS)
    index.close()
    assert EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension).count() == len(CHUNKS)


def _segments(folder: Path) -> int:
    """Segment folders of the index's shard (its own folder inside the index folder, `shard-...`)."""
    [segments] = folder.glob("shard-*/segments")
    return sum(1 for _ in segments.iterdir())


def test_replacing_guides_one_by_one_does_not_pile_up_segment_files(tmp_path: Path):
    """A long-running server re-indexes guides one at a time: replaced segments' files must not accumulate."""
    from retrieval.search import GuideSearch
    from tests.e2e.reindex_child import draft

    folder = tmp_path / "vectors"
    search = GuideSearch(EMBEDDER, EdgeIndex(folder, EMBEDDER.dimension))
    guides = [(f"g{n}", "A", 1, draft(n)) for n in range(500)]  # 1,500 chunks: big enough to be vacuumed
    search.reindex(guides)
    built = _segments(folder)
    for round_ in (2, 3):  # every guide replaced twice over: deletes reach the vacuum threshold many times
        for guide_id, community, _, guide in guides:
            search.index_guide(guide_id, community, round_, guide)

    assert search.search("rebalance storm", ["A"], 5)
    assert _segments(folder) <= built + 1  # without the periodic release: one more folder per vacuum, kept


# -- the sparse leg's kept IDF (retrieval.term_stats) --------------------------------------------------------------

_SEARCHES = [("kafka consumer offsets", ["A", "C"]), ("rebalance storms", ["A", "B", "C"]), ("jvm heap", ["A", "B"])]


def _ranked(index: VectorIndex) -> list[list[tuple[str, float]]]:
    return [[(h.chunk.id, round(h.score, 5)) for h in index.search(*_query(q), c, 10)] for q, c in _SEARCHES]


def _churn(index: VectorIndex) -> None:
    """Replacements (other words, another community), a chunk twice in one write, a deleted guide."""
    _fill(index)
    moved = _chunk("a1:1:summary", "a1", "B", "grafana dashboards for consumer lag")
    twice = _chunk("d1:1:summary", "d1", "C", "jvm heap dumps")
    _fill(index, [moved, twice, _chunk("d1:1:summary", "d1", "C", "kafka rebalance storms and heap")])
    index.delete_guide("b1")


def _stats_of(index: EdgeIndex) -> TermStats:
    """The statistics an index keeps (opened first: an index opens on first use)."""
    index.count()
    return index._stats


def _counted(index: InMemoryIndex) -> TermStats:
    """The statistics of the chunks `index` holds now, counted from scratch."""
    stats = TermStats()
    for chunk, _, terms in index.points.values():
        stats.add(chunk.community_id, terms.indices)
    return stats


def test_kept_idf_follows_replacements_and_deletes(tmp_path: Path):
    edge, fake = (
        EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension, sparse_weight=1.0),
        InMemoryIndex(sparse_weight=1.0),
    )
    _churn(edge)
    _churn(fake)

    assert _stats_of(edge) == _counted(fake)  # the ranks below barely show IDF: DBSF rescales each leg
    assert _ranked(edge) == _ranked(fake)
    edge.close()
    assert (tmp_path / "vectors" / "term-stats.json").exists()  # written on close ...
    reopened = EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension, sparse_weight=1.0)
    assert _ranked(reopened) == _ranked(fake)  # ... and read back
    _fill(reopened, CHUNKS[:1])
    assert not (tmp_path / "vectors" / "term-stats.json").exists()  # a write makes the file stale: it goes first
    reopened.close()


def test_after_a_kill_the_statistics_are_counted_again_from_the_points(tmp_path: Path):
    folder = tmp_path / "vectors"
    script = (
        "import os\n"
        "from pathlib import Path\n"
        "from retrieval.edge_index import EdgeIndex\n"
        "from tests.integration.test_edge_index import EMBEDDER, _churn\n"
        f"index = EdgeIndex(Path({str(folder)!r}), EMBEDDER.dimension, sparse_weight=1.0)\n"
        "_churn(index)\n"
        "index.flush()\n"  # statistics on disk ...
        "index.delete_guide('a2')\n"  # ... then a write the file does not know, and no close
        "os._exit(9)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 9, done.stderr
    fake = InMemoryIndex(sparse_weight=1.0)
    _churn(fake)
    fake.delete_guide("a2")

    assert not (folder / "term-stats.json").exists()
    reopened = EdgeIndex(folder, EMBEDDER.dimension, sparse_weight=1.0)
    assert _ranked(reopened) == _ranked(fake)
    assert _stats_of(reopened) == _counted(fake)
    reopened.close()


def _spoiled(saved: dict) -> dict:
    saved["stats"]["chunks"]["A"] += 1  # counts of another moment, same number of points
    saved["stats"]["chunks"]["B"] -= 1
    return saved


@pytest.mark.parametrize(
    "spoil",
    [
        lambda saved: '{"shard": ',  # torn
        lambda saved: json.dumps({**saved, "shard": "shard-other"}),  # another shard's (a restored copy)
        lambda saved: json.dumps({**saved, "points": saved["points"] - 1}),  # fewer points than the shard holds
        lambda saved: json.dumps({**saved, "stats": {"chunks": {}}}),  # not statistics
    ],
    ids=["torn", "other-shard", "other-points", "not-statistics"],
)
def test_a_statistics_file_that_does_not_match_is_counted_again_not_trusted(tmp_path: Path, spoil):
    folder = tmp_path / "vectors"
    edge = EdgeIndex(folder, EMBEDDER.dimension, sparse_weight=1.0)
    _churn(edge)
    edge.close()
    saved = json.loads((folder / "term-stats.json").read_text())
    (folder / "term-stats.json").write_text(spoil(_spoiled(saved)))
    fake = InMemoryIndex(sparse_weight=1.0)
    _churn(fake)

    reopened = EdgeIndex(folder, EMBEDDER.dimension, sparse_weight=1.0)
    assert _ranked(reopened) == _ranked(fake)
    assert _stats_of(reopened) == _counted(fake)
    reopened.close()


def test_a_write_interrupted_between_the_engine_and_the_counts_is_counted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = tmp_path / "vectors"
    edge, fake = EdgeIndex(folder, EMBEDDER.dimension, sparse_weight=1.0), InMemoryIndex(sparse_weight=1.0)
    _churn(edge)
    _churn(fake)

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C lands right after the engine wrote the points

    with monkeypatch.context() as patch:
        patch.setattr(TermStats, "add", interrupted)
        with pytest.raises(KeyboardInterrupt):
            _fill(edge, CHUNKS[2:])
    _fill(fake, CHUNKS[2:])

    edge.close()  # the inexact counts are not written ...
    assert not (folder / "term-stats.json").exists()
    reopened = EdgeIndex(folder, EMBEDDER.dimension, sparse_weight=1.0)
    assert _stats_of(reopened) == _counted(fake)  # ... and counted again from the points
    with monkeypatch.context() as patch:
        patch.setattr(TermStats, "add", interrupted)
        with pytest.raises(KeyboardInterrupt):
            _fill(reopened, CHUNKS[:1])
    _fill(fake, CHUNKS[:1])
    assert _ranked(reopened) == _ranked(fake)  # a search in the same process counts again first
    assert _stats_of(reopened) == _counted(fake)
    reopened.close()


def test_chunks_without_terms_are_counted(tmp_path: Path):
    from retrieval.ports import SparseVector

    folder = tmp_path / "vectors"
    edge, fake = EdgeIndex(folder, EMBEDDER.dimension), InMemoryIndex()
    wordless = _chunk("w:1:summary", "w", "A", "a")
    for index in (edge, fake):
        _fill(index)
        index.upsert([wordless], _vectors([wordless]), [SparseVector(indices=(), values=())])

    assert _stats_of(edge) == _counted(fake)
    assert _ranked(edge) == _ranked(fake)
    edge.close()
    (folder / "term-stats.json").unlink()
    reopened = EdgeIndex(folder, EMBEDDER.dimension)
    assert _stats_of(reopened) == _counted(fake)
    reopened.close()


def test_an_index_from_before_kept_idf_is_searched_alike_and_upgraded_by_compaction(tmp_path: Path):
    import qdrant_edge as qe

    folder = tmp_path / "vectors"
    older = EdgeIndex(folder, EMBEDDER.dimension)
    # the shard as earlier versions created it: the engine's IDF modifier
    shard = qe.EdgeShard.create(str(folder / "shard-older"), older._config(kept_idf=False))
    for field in ("community_id", "guide_id"):
        shard.update(qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Keyword))
    shard.close()
    marker = {"sparse": SPARSE_VERSION, "chunking": CHUNKING_VERSION, "dimension": EMBEDDER.dimension}
    (folder / "tacit-index.json").write_text(json.dumps({**marker, "shard": "shard-older"}))  # no "idf" then
    edge, fake = EdgeIndex(folder, EMBEDDER.dimension, sparse_weight=1.0), InMemoryIndex(sparse_weight=1.0)
    _churn(edge)
    _churn(fake)

    assert _ranked(edge) == _ranked(fake)
    edge.compact()
    assert json.loads((folder / "tacit-index.json").read_text())["idf"] == "kept"
    assert _ranked(edge) == _ranked(fake)
    assert _stats_of(edge) == _counted(fake)
    edge.close()
    reopened = EdgeIndex(folder, EMBEDDER.dimension, sparse_weight=1.0)
    assert _ranked(reopened) == _ranked(fake)
    reopened.close()


def test_a_compaction_that_finds_the_index_closed_gives_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "vectors"
    edge = EdgeIndex(folder, EMBEDDER.dimension)
    _fill(edge)
    copy = EdgeIndex._copy

    def copied_then_closed(self: EdgeIndex, *args: object) -> int:
        copied = copy(self, *args)
        self.close()  # the server stops while the new shard is being optimized
        return copied

    monkeypatch.setattr(EdgeIndex, "_copy", copied_then_closed)
    with pytest.raises(IndexBusy, match="closed or rebuilt during its compaction"):
        edge.compact()

    reopened = EdgeIndex(folder, EMBEDDER.dimension)
    assert reopened.count() == len(CHUNKS)  # the old shard is still the index
    reopened.close()
