"""Reciprocal rank fusion: one ranking from several, by rank alone (scores of different kinds never mix)."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

# The constant of Cormack et al. (2009): a larger k flattens the advantage of the very top ranks.
RRF_K = 60


def rrf(rankings: Sequence[Sequence[K]], k: int = RRF_K) -> list[tuple[K, float]]:
    """Items by sum over rankings of 1 / (k + rank), rank counted from 0 (Qdrant's formula); best first.

    Ties keep the order in which items were first seen, so the result is deterministic.
    """
    scores: dict[K, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)


def bm25_idf(document_frequency: int, documents: int) -> float:
    """BM25's IDF, as Qdrant's IDF modifier computes it: ln(1 + (N - n + 0.5) / (n + 0.5))."""
    return math.log(1.0 + (documents - document_frequency + 0.5) / (document_frequency + 0.5))


def sparse_scores(
    query: Mapping[int, float], documents: Mapping[str, Mapping[int, float]]
) -> dict[str, float]:
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
