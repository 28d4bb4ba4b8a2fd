"""VectorIndex adapter over qdrant-client: Qdrant server, or its local mode (embedded, exact search)."""

from __future__ import annotations

import contextlib
import threading
import uuid
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from qdrant_client import QdrantClient, models

from retrieval.ports import Chunk, ChunkHit

DENSE = "dense"  # the named dense vector; a sparse one can join it later for hybrid search
# Point ids are UUIDv5 of chunk ids in this namespace: the same chunk always lands on the same point.
_POINT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://tacit.invalid/retrieval/chunk")
_UPSERT_BATCH = 256
_KEYWORD_FIELDS = ("community_id", "guide_id")


class IndexConfigError(Exception):
    """The existing collection does not fit this index (wrong vector name or dimension)."""


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


def point_id(chunk_id: str) -> str:
    """The Qdrant point id of a chunk id (UUIDv5), stable across runs and processes."""
    return str(uuid.uuid5(_POINT_NAMESPACE, chunk_id))


class QdrantIndex:
    """Chunks as points with a cosine "dense" vector; community filters run inside the vector search."""

    def __init__(self, client: QdrantClient, collection: str, dimension: int) -> None:
        self._client = client
        self._collection = collection
        self._dimension = dimension
        self._ready = False
        self._ready_lock = threading.Lock()
        options = client.init_options
        is_local = options.get("location") == ":memory:" or options.get("path") is not None
        # Local mode is plain Python over numpy arrays and a sqlite file: not safe for concurrent callers.
        self._local_lock: threading.Lock | None = threading.Lock() if is_local else None

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        """Insert or replace chunks by id (the same chunk twice is one point)."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        self._ensure()
        for start in range(0, len(chunks), _UPSERT_BATCH):
            part = chunks[start : start + _UPSERT_BATCH]
            batch = models.Batch(
                ids=[point_id(c.id) for c in part],
                vectors={DENSE: [_floats(v) for v in vectors[start : start + _UPSERT_BATCH]]},
                payloads=[_payload(c) for c in part],
            )
            with self._serial():
                self._client.upsert(self._collection, points=batch, wait=True)

    def delete_guide(self, guide_id: str) -> None:
        """Delete every chunk of a guide, all versions."""
        self._ensure()
        selector = models.FilterSelector(filter=_match("guide_id", [guide_id]))
        with self._serial():
            self._client.delete(self._collection, points_selector=selector, wait=True)

    def search(self, vector: Sequence[float], community_ids: Sequence[str], limit: int) -> list[ChunkHit]:
        """The nearest chunks among those of the given communities, best first; none when no community."""
        if not community_ids or limit <= 0:
            return []
        self._ensure()
        with self._serial():
            response = self._client.query_points(
                self._collection,
                query=_floats(vector),
                using=DENSE,
                query_filter=_match("community_id", community_ids),  # inside the search, never after it
                limit=limit,
                with_payload=True,
            )
        return [ChunkHit(chunk=_chunk(p.payload or {}), score=p.score) for p in response.points]

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
                DENSE: models.VectorParams(size=self._dimension, distance=models.Distance.COSINE),
            },
        )
        with warnings.catch_warnings():
            # Local mode ignores payload indexes and says so; a server needs them for fast filtered search.
            warnings.filterwarnings("ignore", message="Payload indexes have no effect", category=UserWarning)
            for field in _KEYWORD_FIELDS:
                self._client.create_payload_index(
                    self._collection, field, field_schema=models.PayloadSchemaType.KEYWORD, wait=True
                )

    def _check_existing(self) -> None:
        vectors = self._client.get_collection(self._collection).config.params.vectors
        params = vectors.get(DENSE) if isinstance(vectors, dict) else None
        if params is None or params.size != self._dimension:
            found = params.size if params is not None else "none"
            raise IndexConfigError(
                f"collection {self._collection!r} has dense vector size {found}, expected {self._dimension}; "
                "reindex into a new collection"
            )

    @contextlib.contextmanager
    def _serial(self) -> Iterator[None]:
        if self._local_lock is None:
            yield
            return
        with self._local_lock:
            yield


def _match(field: str, values: Sequence[str]) -> models.Filter:
    return models.Filter(must=[models.FieldCondition(key=field, match=models.MatchAny(any=list(values)))])


def _floats(vector: Sequence[float]) -> list[float]:
    tolist = getattr(vector, "tolist", None)  # numpy arrays convert in C
    return tolist() if tolist is not None else [float(x) for x in vector]


def _payload(chunk: Chunk) -> dict[str, Any]:
    return {
        "id": chunk.id,
        "guide_id": chunk.guide_id,
        "community_id": chunk.community_id,
        "section": chunk.section,
        "title": chunk.title,
        "text": chunk.text,
        "citations": list(chunk.citations),
        "extra": dict(chunk.extra),
    }


def _chunk(payload: dict[str, Any]) -> Chunk:
    return Chunk(
        id=payload["id"],
        guide_id=payload["guide_id"],
        community_id=payload["community_id"],
        section=payload["section"],
        title=payload["title"],
        text=payload["text"],
        citations=tuple(payload.get("citations", ())),
        extra=dict(payload.get("extra", {})),
    )
