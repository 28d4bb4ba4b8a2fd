"""VectorIndex adapter over qdrant-client: Qdrant server or cluster, or its local mode (embedded, exact search)."""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

from qdrant_client import QdrantClient, models

from retrieval.chunking import CHUNKING_VERSION
from retrieval.errors import IndexConfigError
from retrieval.fusion import DENSE_WEIGHT, SPARSE_WEIGHT, fuse_legs
from retrieval.points import DENSE, KEYWORD_FIELDS, SPARSE, chunk_from_payload, chunk_payload, floats, point_id
from retrieval.ports import Chunk, ChunkHit, Progress, SparseVector

__all__ = ["IndexConfigError", "QdrantIndex", "open_embedded", "open_server", "point_id"]

_UPSERT_BATCH = 256


def open_embedded(path: Path | None) -> QdrantClient:
    """A local-mode client persisted under `path`, or in memory when None; one process only."""
    if path is None:
        return QdrantClient(location=":memory:")
    path.mkdir(parents=True, exist_ok=True)
    # QdrantIndex serializes its calls on a local client, so the sqlite handle may cross threads.
    return QdrantClient(path=str(path), force_disable_check_same_thread=True)


def open_server(url: str, api_key: str | None) -> QdrantClient:
    """A client for a Qdrant server or cluster; requests start on first use."""
    return QdrantClient(url=url, api_key=api_key, timeout=10)


class QdrantIndex:
    """Chunks as points with a dot-product "dense" and an IDF-weighted "sparse" vector; filters run inside the search.

    Hybrid search is one batch of two filtered queries (dense, sparse), fused by weighted DBSF in
    `retrieval.fusion.fuse_legs` (the engine's own DBSF takes no weights; every adapter fuses alike). With
    `scoped_idf` the sparse leg's IDF is computed over the searched communities only (needs a server as recent
    as the client); otherwise over the whole collection.
    """

    def __init__(
        self,
        client: QdrantClient,
        collection: str,
        dimension: int,
        sparse_weight: float = SPARSE_WEIGHT,
        scoped_idf: bool = True,
    ) -> None:
        self._client = client
        self._collection = collection
        self._dimension = dimension
        self._weights = (DENSE_WEIGHT, sparse_weight)
        self._scoped_idf = scoped_idf
        self._ready = False
        self._ready_lock = threading.Lock()
        options = client.init_options
        is_local = options.get("location") == ":memory:" or options.get("path") is not None
        # Local mode is plain Python over numpy arrays and a sqlite file: not safe for concurrent callers.
        self._local_lock: threading.Lock | None = threading.Lock() if is_local else None

    def upsert(self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]], sparse: Sequence[SparseVector]) -> None:
        """Insert or replace chunks by id (the same chunk twice is one point)."""
        if not len(chunks) == len(dense) == len(sparse):
            raise ValueError(f"{len(chunks)} chunks but {len(dense)} dense and {len(sparse)} sparse vectors")
        self._ensure()
        for start in range(0, len(chunks), _UPSERT_BATCH):
            end = start + _UPSERT_BATCH
            points = [
                models.PointStruct(
                    id=point_id(chunk.id),
                    vector={DENSE: floats(d), SPARSE: _sparse(s)},
                    payload=chunk_payload(chunk),
                )
                for chunk, d, s in zip(chunks[start:end], dense[start:end], sparse[start:end], strict=True)
            ]
            with self._serial():
                self._client.upsert(self._collection, points=points, wait=True)

    def delete_guide(self, guide_id: str) -> None:
        """Delete every chunk of a guide, all versions."""
        self._ensure()
        selector = models.FilterSelector(filter=_match("guide_id", [guide_id]))
        with self._serial():
            self._client.delete(self._collection, points_selector=selector, wait=True)

    def forget_guide(self, guide_id: str) -> None:
        """Delete the guide's chunks: no search returns them from now on. Their bytes stay in the server's files
        (segments until its vacuum optimizer rewrites them, the WAL until it rolls over): those are the server's,
        which Tacit cannot compact (see `compact`)."""
        self.delete_guide(guide_id)

    def compaction_due(self) -> bool:
        """Never: the server's files are not Tacit's to rewrite."""
        return False

    def compact(self, progress: Progress | None = None) -> int:
        """Nothing to do from here: a Qdrant server vacuums segments on its own schedule (`deleted_threshold`) and
        offers no call that rewrites its WAL. `tacit reindex` deletes and recreates the collection, which removes
        its folder on the server; backups and snapshots of the server stay as they are."""
        return 0

    def search(
        self, dense: Sequence[float], sparse: SparseVector | None, community_ids: Sequence[str], limit: int
    ) -> list[ChunkHit]:
        """The best chunks among those of the given communities; hybrid (weighted DBSF) when `sparse` is given."""
        if not community_ids or limit <= 0:
            return []
        self._ensure()
        allowed = _match("community_id", community_ids)  # inside the search, never after it
        nearest = models.QueryRequest(query=floats(dense), using=DENSE, filter=allowed, limit=limit, with_payload=True)
        if sparse is None or not sparse.indices:
            with self._serial():
                response = self._client.query_batch_points(self._collection, requests=[nearest])
            return _hits(response[0].points)
        idf = models.IdfCorpusParams(corpus=allowed) if self._scoped_idf else None
        lexical = models.QueryRequest(
            query=_sparse(sparse),
            using=SPARSE,
            filter=allowed,
            limit=limit,
            with_payload=True,
            params=models.SearchParams(idf=idf) if idf is not None else None,
        )
        with self._serial():
            by_meaning, by_words = self._client.query_batch_points(self._collection, requests=[nearest, lexical])
        return fuse_legs(_hits(by_meaning.points), _hits(by_words.points), limit, self._weights)

    def count(self) -> int:
        """Number of chunks in the index."""
        self._ensure()
        with self._serial():
            return self._client.count(self._collection, exact=True).count

    def reset(self) -> None:
        """Drop every chunk (the collection is recreated on next use)."""
        with self._ready_lock, self._serial():
            if self._client.collection_exists(self._collection):
                self._client.delete_collection(self._collection)
            self._ready = False

    def flush(self) -> None:
        """The server optimizes in the background: nothing to do."""

    def rebuild_note(self) -> str | None:
        """No note is kept on a server: an interrupted rebuild there starts again."""
        return None

    def set_rebuild_note(self, note: str | None) -> None:
        """Nothing is kept (see rebuild_note)."""

    def _ensure(self) -> None:
        if self._ready:
            return
        with self._ready_lock, self._serial():
            if self._ready:
                return
            if self._client.collection_exists(self._collection):
                self._check_existing()
            else:
                self._create()
            self._ready = True

    def _create(self) -> None:
        self._client.create_collection(
            self._collection,
            vectors_config={
                # Dot: unit-length embeddings, and blended windows whose length counts (see EdgeIndex._config).
                DENSE: models.VectorParams(size=self._dimension, distance=models.Distance.DOT),
            },
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            metadata={"chunking": CHUNKING_VERSION},  # checked on open: chunks cut another way ask for a reindex
        )
        with warnings.catch_warnings():
            # Local mode ignores payload indexes and says so; a server needs them for fast filtered search.
            warnings.filterwarnings("ignore", message="Payload indexes have no effect", category=UserWarning)
            for field in KEYWORD_FIELDS:
                self._client.create_payload_index(
                    self._collection, field, field_schema=models.PayloadSchemaType.KEYWORD, wait=True
                )

    def _check_existing(self) -> None:
        config = self._client.get_collection(self._collection).config
        params = config.params
        vectors, sparse = params.vectors, params.sparse_vectors or {}
        dense = vectors.get(DENSE) if isinstance(vectors, dict) else None
        if dense is None or dense.size != self._dimension:
            found = dense.size if dense is not None else "none"
            raise IndexConfigError(
                f"collection {self._collection!r} has dense vector size {found}, expected {self._dimension}; "
                "reindex into a new collection"
            )
        if SPARSE not in sparse or sparse[SPARSE].modifier != models.Modifier.IDF:
            raise IndexConfigError(
                f"collection {self._collection!r} has no IDF sparse vector {SPARSE!r} for hybrid search; "
                "run `tacit reindex`"
            )
        metadata = config.metadata or {}
        if metadata.get("chunking") != CHUNKING_VERSION:
            raise IndexConfigError(
                f"collection {self._collection!r} holds chunks cut as {metadata.get('chunking') or 'one per section'!r}"
                f", this version cuts them as {CHUNKING_VERSION!r}; run `tacit reindex`"
            )

    @contextlib.contextmanager
    def _serial(self) -> Iterator[None]:
        if self._local_lock is None:
            yield
            return
        with self._local_lock:
            yield


def _hits(points: Sequence[models.ScoredPoint]) -> list[ChunkHit]:
    return [ChunkHit(chunk=chunk_from_payload(p.payload or {}), score=p.score) for p in points]


def _match(field: str, values: Sequence[str]) -> models.Filter:
    return models.Filter(must=[models.FieldCondition(key=field, match=models.MatchAny(any=list(values)))])


def _sparse(vector: SparseVector) -> models.SparseVector:
    return models.SparseVector(indices=list(vector.indices), values=list(vector.values))
