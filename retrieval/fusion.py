"""Fusion of the dense and sparse legs of hybrid search, and the sparse leg's BM25 scoring for the fake index.

Hybrid search fuses by weighted distribution-based score fusion (`dbsf`): each leg's scores are put on a common
scale by their own distribution over the leg's results, then added with a weight per leg. The legs are searched
(and filtered) inside the engine; the fusion runs here, so every index adapter ranks exactly alike.

Why DBSF over reciprocal rank fusion: RRF keeps only ranks, so a weak lexical leg's 3rd hit counts as much as a
strong dense leg's 3rd hit; DBSF keeps how far ahead a hit is within its leg. On the development set (evals/
retrieval.py) equal-weight RRF lost to dense-only on IRC chat, while DBSF with the sparse leg at half weight beat
both dense-only and BM25 on each source. The weight was chosen where it works on both sources (see
`SPARSE_WEIGHT`), not fitted to one.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

from retrieval.ports import ChunkHit

K = TypeVar("K", bound=Hashable)

# The constant of Cormack et al. (2009): a larger k flattens the advantage of the very top ranks.
RRF_K = 60

# Weights of the legs in hybrid search. BM25 over short, chatty queries is a noisier signal than MiniLM, so the
# sparse leg counts half. Chosen on the dev set by cross-checking sources: Stack Exchange alone prefers 0.5-0.9
# (flat within 0.001 nDCG@10), IRC alone prefers 0.2-0.5; 0.5 is in both ranges and beats dense-only and BM25 on
# each. A plain round value on a flat optimum, so it should carry to other communities.
DENSE_WEIGHT = 1.0
SPARSE_WEIGHT = 0.5


def rrf(rankings: Sequence[Sequence[K]], k: int = RRF_K) -> list[tuple[K, float]]:
    """Items by sum over rankings of 1 / (k + rank), rank counted from 0 (Qdrant's formula); best first.

    Ties keep the order in which items were first seen, so the result is deterministic.
    """
    scores: dict[K, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)


def dbsf(
    rankings: Sequence[Sequence[tuple[K, float]]], weights: Sequence[float] | None = None
) -> list[tuple[K, float]]:
    """Weighted distribution-based score fusion; items by fused score, best first.

    Each ranking is a leg's (item, score) results. Its scores are normalized as Qdrant's DBSF does: mapped so
    that mean - 3 sd -> 0 and mean + 3 sd -> 1 (sample sd over the leg's results; a leg of one result, or of equal
    scores, gives 0.5 each). An item's fused score is the weighted sum over the legs it appears in. Ties are broken
    by the item's text, so the order never depends on how an engine orders equal scores within a leg.
    """
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(rankings)} rankings but {len(weights)} weights")
    fused: dict[K, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for item, normal in zip((i for i, _ in ranking), _normalized([s for _, s in ranking]), strict=True):
            fused[item] = fused.get(item, 0.0) + weight * normal
    return sorted(fused.items(), key=lambda kv: (-kv[1], str(kv[0])))


def _normalized(scores: Sequence[float]) -> list[float]:
    if len(scores) < 2:
        return [0.5] * len(scores)
    mean = math.fsum(scores) / len(scores)
    sd = math.sqrt(math.fsum((s - mean) ** 2 for s in scores) / (len(scores) - 1))
    if sd == 0.0:
        return [0.5] * len(scores)
    low = mean - 3.0 * sd
    return [(s - low) / (6.0 * sd) for s in scores]


def bm25_idf(document_frequency: int, documents: int) -> float:
    """BM25's IDF, as Qdrant's IDF modifier computes it: ln(1 + (N - n + 0.5) / (n + 0.5))."""
    return math.log(1.0 + (documents - document_frequency + 0.5) / (document_frequency + 0.5))


def sparse_scores(query: Mapping[int, float], documents: Mapping[str, Mapping[int, float]]) -> dict[str, float]:
    """Dot products of a query with each document, every term weighted by its IDF over `documents`."""
    frequency: dict[int, int] = {}
    for weights in documents.values():
        for term in weights:
            if term in query:
                frequency[term] = frequency.get(term, 0) + 1
    idf = {term: bm25_idf(n, len(documents)) for term, n in frequency.items()}
    scores: dict[str, float] = {}
    for key, weights in documents.items():
        score = sum(value * weights[term] * idf[term] for term, value in query.items() if term in weights)
        if score > 0.0:
            scores[key] = score
    return scores


def fuse_legs(
    dense: Sequence[ChunkHit],
    sparse: Sequence[ChunkHit],
    limit: int,
    weights: tuple[float, float] = (DENSE_WEIGHT, SPARSE_WEIGHT),
) -> list[ChunkHit]:
    """The hybrid result of two legs' (already filtered) hits: weighted DBSF, keyed by chunk id, `limit` best."""
    chunks = {hit.chunk.id: hit.chunk for hit in (*dense, *sparse)}
    fused = dbsf([[(h.chunk.id, h.score) for h in dense], [(h.chunk.id, h.score) for h in sparse]], weights)
    return [ChunkHit(chunk=chunks[key], score=value) for key, value in fused[:limit]]
