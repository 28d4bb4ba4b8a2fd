"""VectorIndex over qdrant-edge: Qdrant's engine in process (HNSW, payload indexes), persisted in one folder.

The embedded default: no server, one process per folder. Dense and sparse vectors per chunk; the community filter
runs inside the engine on both legs of a hybrid search, and IDF is computed over the communities searched only.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from retrieval.errors import IndexBusy, IndexConfigError
from retrieval.fusion import DENSE_WEIGHT, SPARSE_WEIGHT, fuse_legs
from retrieval.points import DENSE, KEYWORD_FIELDS, SPARSE, chunk_from_payload, chunk_payload, floats, point_id
from retrieval.ports import Chunk, ChunkHit, SparseVector
from retrieval.sparse import SPARSE_VERSION

_UPSERT_BATCH = 256
# Bulk writes (a rebuild) optimize once per this many points, not per batch: each optimizer run rewrites segments,
# so running it per small batch made a 300k rebuild quadratic in time and left GBs of replaced segment files.
_OPTIMIZE_EVERY = 25_000
# The engine keeps the files of segments the optimizer replaced until the shard is flushed (or closed): a server
# replacing guides one by one grew its folder without bound (1,000 guides replaced in an 8,000-chunk index: 242 ->
# 600 MB, `bench.scale_bench` "live writes"). A flush every this many written points keeps it flat, at little cost.
_RELEASE_EVERY = 500
_MARKER = "tacit-index.json"  # what Tacit stored here: checked on open, so a stale layout asks for a reindex
_EDGE_CONFIG = "edge_config.json"
_REBUILD_NOTE = "rebuild-progress.json"  # an interrupted rebuild's progress (retrieval.search.GuideSearch.reindex)


class EdgeIndex:
    """Chunks as points of a qdrant-edge shard in `path` (the folder belongs to the index); thread-safe."""

    def __init__(self, path: Path, dimension: int, sparse_weight: float = SPARSE_WEIGHT) -> None:
        self._path = Path(path)
        self._dimension = dimension
        self._weights = (DENSE_WEIGHT, sparse_weight)
        self._shard: Any = None  # opened on first use: constructing the index touches nothing
        self._unoptimized = 0  # points written since the optimizer last ran
        self._unreleased = 0  # points written or deleted since the engine last released replaced files
        self._rebuilding = False  # set_rebuild_note(...) until set_rebuild_note(None): bulk writes
        # The shard is one mutable object; calls are short (ms), so one lock keeps it simple and safe.
        self._lock = threading.RLock()

    def upsert(self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]], sparse: Sequence[SparseVector]) -> None:
        """Insert or replace chunks by id (the same chunk twice is one point)."""
        if not len(chunks) == len(dense) == len(sparse):
            raise ValueError(f"{len(chunks)} chunks but {len(dense)} dense and {len(sparse)} sparse vectors")
        with self._lock:
            shard = self._opened()
            for start in range(0, len(chunks), _UPSERT_BATCH):
                end = start + _UPSERT_BATCH
                points = [
                    qe.Point(
                        id=point_id(chunk.id),
                        vector={DENSE: floats(d), SPARSE: qe.SparseVector(list(s.indices), list(s.values))},
                        payload=chunk_payload(chunk),
                    )
                    for chunk, d, s in zip(chunks[start:end], dense[start:end], sparse[start:end], strict=True)
                ]
                shard.update(qe.UpdateOperation.upsert_points(points))
            # The engine has no background optimizer: build HNSW / merge segments when its planner asks for it
            # (a no-op taking microseconds otherwise). A live write (one guide) optimizes at once so it is searched
            # through HNSW; during a rebuild (a rebuild note is set) writes wait for `_OPTIMIZE_EVERY` points or
            # `flush()`.
            self._unoptimized += len(chunks)
            if not self._rebuilding or self._unoptimized >= _OPTIMIZE_EVERY:
                shard.optimize()
                self._unoptimized = 0
            self._wrote(len(chunks))

    def delete_guide(self, guide_id: str) -> None:
        """Delete every chunk of a guide, all versions."""
        with self._lock:
            shard = self._opened()
            shard.update(qe.UpdateOperation.delete_points_by_filter(_match("guide_id", [guide_id])))
            shard.optimize()  # vacuums segments once enough points are deleted
            self._wrote(1)  # the points deleted are not counted: a guide has a handful

    def search(
        self, dense: Sequence[float], sparse: SparseVector | None, community_ids: Sequence[str], limit: int
    ) -> list[ChunkHit]:
        """The best chunks among those of the given communities; hybrid (weighted DBSF) when `sparse` is given.

        Hybrid: both legs run filtered in one batch (IDF over the readable communities only), and are fused by
        `retrieval.fusion.fuse_legs`, the same code every adapter uses.
        """
        if not community_ids or limit <= 0:
            return []
        allowed = _match("community_id", community_ids)  # inside the search, never after it
        nearest = qe.QueryRequest(
            limit=limit, query=qe.Query.Nearest(floats(dense), using=DENSE), filter=allowed, with_payload=True
        )
        if sparse is None or not sparse.indices:
            with self._lock:
                points = self._opened().query(nearest)
            return _hits(points)
        lexical = qe.QueryRequest(
            limit=limit,
            query=qe.Query.Nearest(qe.SparseVector(list(sparse.indices), list(sparse.values)), using=SPARSE),
            filter=allowed,
            # IDF over the readable communities: BM25 as if they were the whole collection.
            params=qe.SearchParams(idf=qe.IdfParams(corpus=allowed)),
            with_payload=True,
        )
        with self._lock:
            by_meaning, by_words = self._opened().query_batch(qe.QueryBatchRequest([nearest, lexical]))
        return fuse_legs(_hits(by_meaning), _hits(by_words), limit, self._weights)

    def count(self) -> int:
        """Number of chunks in the index."""
        with self._lock:
            return int(self._opened().count(qe.CountRequest(exact=True)))

    def reset(self) -> None:
        """Drop every chunk and the folder's contents (a new shard is created on next use).

        Refuses (IndexBusy) while another process holds the folder: deleting files under a running server would
        break it; a stale or incompatible index is dropped all the same (that is what a rebuild is for).
        """
        with self._lock:
            if (self._path / _EDGE_CONFIG).exists():
                with contextlib.suppress(IndexConfigError):
                    self._opened()  # takes the folder's lock, or raises IndexBusy
            self.close()
            self._rebuilding = False
            if self._path.exists():
                shutil.rmtree(self._path)

    def flush(self) -> None:
        """Optimize, then persist: the engine frees replaced segments' files on flush (the shard stays open)."""
        with self._lock:
            if self._shard is not None:
                self._shard.optimize()
                self._unoptimized = 0
                self._release()

    def rebuild_note(self) -> str | None:
        """The progress an interrupted rebuild left (None: no rebuild under way)."""
        note = self._path / _REBUILD_NOTE
        return note.read_text() if note.exists() else None

    def set_rebuild_note(self, note: str | None) -> None:
        """Persist every write so far, then record `note` (None: the rebuild is done)."""
        with self._lock:
            self._opened()  # the shard and its folder exist before anything is noted in it
            self._release()  # a note never runs ahead of the points it vouches for, kill -9 included
            target = self._path / _REBUILD_NOTE
            self._rebuilding = note is not None
            if note is None:
                target.unlink(missing_ok=True)
                return
            written = target.with_suffix(".tmp")
            written.write_text(note)
            written.replace(target)  # atomic: a kill leaves the old note or the new, never half of one

    def close(self) -> None:
        """Flush and release the shard (reopened on next use)."""
        with self._lock:
            if self._shard is not None:
                self._shard.close()
                self._shard = None

    def _wrote(self, points: int) -> None:
        self._unreleased += points
        if self._unreleased >= _RELEASE_EVERY:
            self._release()

    def _release(self) -> None:
        self._opened().flush()
        self._unreleased = 0

    def _opened(self) -> Any:
        if self._shard is None:
            self._shard = self._load() if (self._path / _EDGE_CONFIG).exists() else self._create()
        return self._shard

    def _config(self) -> qe.EdgeConfig:
        return qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=self._dimension, distance=qe.Distance.Cosine)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
            # One engine thread per search: concurrency comes from the request threads, and a pool per search
            # fought them for 2 cores (30k chunks, same index and run: 16 clients 180/s p95 116 ms against
            # 169/s p95 128 ms with the CPU-derived pool; one client unchanged).
            max_search_threads=1,
        )

    def _create(self) -> Any:
        self._path.mkdir(parents=True, exist_ok=True)
        shard = qe.EdgeShard.create(str(self._path), self._config())
        for field in KEYWORD_FIELDS:
            shard.update(qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Keyword))
        (self._path / _MARKER).write_text(json.dumps({"sparse": SPARSE_VERSION, "dimension": self._dimension}))
        return shard

    def _load(self) -> Any:
        marker = self._path / _MARKER
        stored = json.loads(marker.read_text()) if marker.exists() else {}
        if stored.get("sparse") != SPARSE_VERSION:
            raise IndexConfigError(
                f"the index in {self._path} holds sparse vectors of {stored.get('sparse')!r}, "
                f"this version writes {SPARSE_VERSION!r}; run `tacit reindex`"
            )
        try:
            return qe.EdgeShard.load(str(self._path), self._config())
        except Exception as error:  # the engine raises plain Exception; a held lock, else incompatibility
            if "WouldBlock" in str(error):
                raise IndexBusy(busy_message(self._path)) from error
            raise IndexConfigError(f"the index in {self._path} does not fit: {error}; run `tacit reindex`") from error


def busy_message(path: Path) -> str:
    """What to tell someone whose command needs the embedded index while another process holds it."""
    return (
        f"the embedded vector index in {path} is busy: another Tacit process (a running `tacit serve`?) holds it, "
        "and the embedded index has one writer. Search through that server's API (GET /v1/search), stop it first, "
        "or set QDRANT_URL so several processes share a Qdrant server"
    )


def _hits(points: Sequence[Any]) -> list[ChunkHit]:
    return [ChunkHit(chunk=chunk_from_payload(p.payload or {}), score=p.score) for p in points]


def _match(field: str, values: Sequence[str]) -> qe.Filter:
    return qe.Filter(must=[qe.FieldCondition(key=field, match=qe.MatchAny(any=list(values)))])
