"""Chunks as Qdrant points, shared by the qdrant-client and qdrant-edge adapters: ids and payloads."""

from __future__ import annotations

import uuid
from typing import Any

from retrieval.ports import Chunk

DENSE = "dense"  # the named dense vector
SPARSE = "sparse"  # the named sparse vector (BM25 term weights; the index applies IDF)
KEYWORD_FIELDS = ("community_id", "guide_id")  # payload indexes: permission filter and delete by guide
# Point ids are UUIDv5 of chunk ids in this namespace: the same chunk always lands on the same point.
_POINT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://tacit.invalid/retrieval/chunk")


def point_id(chunk_id: str) -> str:
    """The Qdrant point id of a chunk id (UUIDv5), stable across runs and processes."""
    return str(uuid.uuid5(_POINT_NAMESPACE, chunk_id))


def chunk_payload(chunk: Chunk) -> dict[str, Any]:
    """Everything a hit needs to be shown, stored beside the vectors."""
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


def chunk_from_payload(payload: dict[str, Any]) -> Chunk:
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


def floats(vector: Any) -> list[float]:
    """A plain list of floats from a list or a numpy array (converted in C)."""
    if type(vector) is list and (not vector or type(vector[0]) is float):
        return vector  # what the embedders return: converting 384 floats again per chunk was a third of a rebuild
    tolist = getattr(vector, "tolist", None)
    return tolist() if tolist is not None else [float(x) for x in vector]
