"""Interfaces of retrieval: an embedder and a vector index that searches dense, sparse or both (hybrid)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

EmbedKind = Literal["query", "document"]
SearchMode = Literal["hybrid", "dense"]
Progress = Callable[[int, int], None]  # (done, total) of a long index operation


class Embedder(Protocol):
    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> list[list[float]]: ...


@dataclass(frozen=True)
class SparseVector:
    """Term weights by hashed term id: the lexical side of a chunk or a query (ids ascending, unique)."""

    indices: tuple[int, ...] = ()
    values: tuple[float, ...] = ()


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
    score: float  # dot product (cosine for one-window sections) for dense-only search, the fused (weighted DBSF) score for hybrid


class VectorIndex(Protocol):
    """Chunks with a dense and a sparse vector each; every search is filtered by community inside the engine."""

    def upsert(
        self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]], sparse: Sequence[SparseVector]
    ) -> None: ...

    def delete_guide(self, guide_id: str) -> None: ...

    def forget_guide(self, guide_id: str) -> None:
        """Delete a guide's chunks whose words must also leave the index's files (erasure): `compact` is due."""
        ...

    def compaction_due(self) -> bool:
        """True while a forgotten guide's bytes may remain in files this index controls (and `compact` removes)."""
        ...

    def compact(self, progress: Progress | None = None) -> int:
        """Rewrite the index without deleted points' bytes; returns the points kept (0 when it cannot)."""
        ...

    def search(
        self, dense: Sequence[float], sparse: SparseVector | None, community_ids: Sequence[str], limit: int
    ) -> list[ChunkHit]:
        """Dense-only when `sparse` is None; otherwise both legs, each filtered, fused by `fusion.fuse_legs`."""
        ...

    def count(self) -> int: ...

    def reset(self) -> None: ...

    def flush(self) -> None:
        """After bulk writes: build the search structures and release the files they replaced."""
        ...

    def rebuild_note(self) -> str | None:
        """What an interrupted rebuild recorded of its progress (None: no rebuild under way, or none kept)."""
        ...

    def set_rebuild_note(self, note: str | None) -> None:
        """Make every write so far durable, then record `note` (None: the rebuild finished)."""
        ...
