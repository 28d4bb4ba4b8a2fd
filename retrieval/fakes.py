"""Test doubles for retrieval: a deterministic embedder with no model behind it, and an in-memory index."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence

from retrieval.fusion import DENSE_WEIGHT, SPARSE_WEIGHT, fuse_legs, sparse_scores
from retrieval.ports import Chunk, ChunkHit, EmbedKind, Progress, SparseVector
from retrieval.sparse import STOPWORDS

_WORD = re.compile(r"[a-z0-9]+")
_WORD_WEIGHT = 1.0
_TRIGRAM_WEIGHT = 0.3


class HashingEmbedder:
    """Hashed bag of words plus character trigrams, unit length: texts that share words come out similar."""

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.calls: list[tuple[EmbedKind, int]] = []  # (kind, number of texts) per call, for tests

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> list[list[float]]:
        """One vector per text; the same text always gives the same vector, whatever the kind."""
        self.calls.append((kind, len(texts)))
        return [self._vector(text) for text in texts]

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for word in _WORD.findall(text.lower()):
            if word in STOPWORDS:
                continue
            self._add(vector, "w:" + word, _WORD_WEIGHT)
            padded = f"#{word}#"
            for i in range(len(padded) - 2):
                self._add(vector, "t:" + padded[i : i + 3], _TRIGRAM_WEIGHT)
        norm = math.sqrt(sum(v * v for v in vector))
        if norm == 0.0:
            # An empty text still needs a valid (non-zero) direction for cosine distance.
            vector[0] = 1.0
            return vector
        return [v / norm for v in vector]

    def _add(self, vector: list[float], feature: str, weight: float) -> None:
        # blake2b, not hash(): Python salts str hashes per process, and tests need the same vectors every run.
        digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        sign = 1.0 if value & 1 else -1.0
        vector[(value >> 1) % self.dimension] += sign * weight


class InMemoryIndex:
    """A VectorIndex in a dict, exact search: the contract of EdgeIndex and QdrantIndex without Qdrant.

    Hybrid search does what the adapters do: both legs filtered, sparse IDF over the allowed chunks, weighted DBSF.
    """

    def __init__(self, sparse_weight: float = SPARSE_WEIGHT) -> None:
        self.points: dict[str, tuple[Chunk, list[float], SparseVector]] = {}
        self._weights = (DENSE_WEIGHT, sparse_weight)
        self.flushes = 0  # flush() calls, for tests
        self.compactions_due = 0  # forget_guide calls since the last compact(), for tests
        self.note: str | None = None  # an unfinished rebuild's progress (kept by compact(), as EdgeIndex keeps it)

    def upsert(self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]], sparse: Sequence[SparseVector]) -> None:
        if not len(chunks) == len(dense) == len(sparse):
            raise ValueError(f"{len(chunks)} chunks but {len(dense)} dense and {len(sparse)} sparse vectors")
        for chunk, vector, terms in zip(chunks, dense, sparse, strict=True):
            self.points[chunk.id] = (chunk, list(vector), terms)  # dot product, as the adapters: lengths count

    def delete_guide(self, guide_id: str) -> None:
        self.points = {k: v for k, v in self.points.items() if v[0].guide_id != guide_id}

    def forget_guide(self, guide_id: str) -> None:
        self.delete_guide(guide_id)
        self.compactions_due += 1

    def compaction_due(self) -> bool:
        return self.compactions_due > 0

    def compact(self, progress: Progress | None = None) -> int:
        """Nothing is on disk: a deleted point is gone at once."""
        self.compactions_due = 0
        if progress is not None:
            progress(len(self.points), len(self.points))
        return len(self.points)

    def search(
        self, dense: Sequence[float], sparse: SparseVector | None, community_ids: Sequence[str], limit: int
    ) -> list[ChunkHit]:
        if limit <= 0:
            return []
        allowed = set(community_ids)
        visible = {k: v for k, v in self.points.items() if v[0].community_id in allowed}
        query = _unit(dense)
        cosine = {k: sum(a * b for a, b in zip(query, v[1], strict=True)) for k, v in visible.items()}
        by_cosine = sorted(cosine, key=lambda k: cosine[k], reverse=True)[:limit]
        if sparse is None or not sparse.indices:
            return [ChunkHit(chunk=visible[k][0], score=cosine[k]) for k in by_cosine]
        lexical = sparse_scores(
            dict(zip(sparse.indices, sparse.values, strict=True)),
            {k: dict(zip(v[2].indices, v[2].values, strict=True)) for k, v in visible.items()},
        )
        by_terms = sorted(lexical, key=lambda k: lexical[k], reverse=True)[:limit]
        return fuse_legs(
            [ChunkHit(chunk=visible[k][0], score=cosine[k]) for k in by_cosine],
            [ChunkHit(chunk=visible[k][0], score=lexical[k]) for k in by_terms],
            limit,
            self._weights,
        )

    def count(self) -> int:
        return len(self.points)

    def reset(self) -> None:
        self.points.clear()
        self.note = None

    def flush(self) -> None:
        self.flushes += 1

    def rebuild_note(self) -> str | None:
        return self.note

    def set_rebuild_note(self, note: str | None) -> None:
        self.note = note


def _unit(vector: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(float(v) * float(v) for v in vector)) or 1.0
    return [float(v) / norm for v in vector]
