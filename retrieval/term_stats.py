"""Document frequencies of the sparse leg's terms, kept per community as chunks are written: its IDF.

BM25's IDF of a term over the communities a reader may see is ln(1 + (N - n + 0.5) / (n + 0.5)), N the chunks of
those communities and n those containing the term. Each chunk belongs to one community, so both are sums of
per-community counts: kept up to date on every write, a search weighs its query terms in microseconds instead of
the engine counting the term's postings under the permission filter on every query (at 100k chunks that count was
two thirds of the sparse leg, and it grows with the index).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from retrieval.fusion import bm25_idf
from retrieval.ports import SparseVector


class TermStats:
    """Chunks and term document frequencies per community; not thread-safe (the index holds its lock)."""

    def __init__(self) -> None:
        self._chunks: Counter[str] = Counter()
        self._frequency: dict[str, Counter[int]] = {}

    def add(self, community_id: str, terms: Iterable[int]) -> None:
        """Count one chunk of `community_id` holding `terms` (each distinct term once)."""
        self._chunks[community_id] += 1
        self._frequency.setdefault(community_id, Counter()).update(set(terms))

    def remove(self, community_id: str, terms: Iterable[int]) -> None:
        """Uncount a chunk that `add` counted (a replaced or deleted one)."""
        frequency = self._frequency.get(community_id)
        if frequency is None:
            return
        frequency.subtract(set(terms))
        for term in [t for t in set(terms) if frequency[t] <= 0]:
            del frequency[term]  # no zero entries: memory follows the live vocabulary
        self._chunks[community_id] -= 1
        if self._chunks[community_id] <= 0:
            del self._chunks[community_id], self._frequency[community_id]

    def weighted(self, query: SparseVector, community_ids: Sequence[str]) -> SparseVector:
        """The query with each term's weight times its IDF over `community_ids`; terms no chunk there holds are
        dropped (they can match nothing)."""
        community_ids = list(dict.fromkeys(community_ids))  # a community named twice is still searched once
        documents = sum(self._chunks[c] for c in community_ids)
        counts = [self._frequency[c] for c in community_ids if c in self._frequency]
        indices, values = [], []
        for term, weight in zip(query.indices, query.values, strict=True):
            holding = sum(frequency[term] for frequency in counts if term in frequency)
            if holding:
                indices.append(term)
                values.append(weight * bm25_idf(holding, documents))
        return SparseVector(indices=tuple(indices), values=tuple(values))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TermStats):
            return NotImplemented
        return self._chunks == other._chunks and self._frequency == other._frequency

    def chunks(self) -> int:
        return sum(self._chunks.values())

    def fields(self) -> dict[str, Any]:
        """The statistics as JSON-ready fields (`from_fields` reads them back)."""
        return {"chunks": dict(self._chunks), "frequency": {c: list(f.items()) for c, f in self._frequency.items()}}

    @classmethod
    def from_fields(cls, fields: Any) -> TermStats:
        """Read what `fields` gave; ValueError for anything else (a damaged file is counted again, never trusted)."""
        try:
            stats = cls()
            stats._chunks = Counter({str(c): int(n) for c, n in fields["chunks"].items()})
            stats._frequency = {str(c): Counter({int(t): int(n) for t, n in f}) for c, f in fields["frequency"].items()}
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not term statistics: {error!r}") from error
        return stats
