"""Interfaces of retrieval: an embedder and a vector index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

EmbedKind = Literal["query", "document"]


class Embedder(Protocol):
    dimension: int

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> list[list[float]]: ...


@dataclass(frozen=True)
class Chunk:
    """One indexed piece of a guide: a section's text with its citations."""

    id: str  # stable: derived from guide id, version and section
    guide_id: str
    community_id: str
    section: str
    title: str
    text: str
    citations: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChunkHit:
    chunk: Chunk
    score: float


class VectorIndex(Protocol):
    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None: ...

    def delete_guide(self, guide_id: str) -> None: ...

    def search(self, vector: Sequence[float], community_ids: Sequence[str], limit: int) -> list[ChunkHit]: ...

    def count(self) -> int: ...

    def reset(self) -> None: ...
