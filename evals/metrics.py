"""Metrics shared by the evaluations: classification, ranking and retrieval. Pure functions over plain lists."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def precision_recall_f1(predicted: Sequence[bool], gold: Sequence[bool]) -> dict[str, float]:
    """Precision, recall and F1 of the positive class."""
    tp = sum(p and g for p, g in zip(predicted, gold, strict=True))
    fp = sum(p and not g for p, g in zip(predicted, gold, strict=True))
    fn = sum(g and not p for p, g in zip(predicted, gold, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def roc_auc(scores: Sequence[float], gold: Sequence[bool]) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    positives = [s for s, g in zip(scores, gold, strict=True) if g]
    negatives = [s for s, g in zip(scores, gold, strict=True) if not g]
    if not positives or not negatives:
        return float("nan")
    ranked = sorted((s, i) for i, s in enumerate(scores))
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(ranked):  # average ranks over ties
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[ranked[k][1]] = (i + j) / 2 + 1
        i = j + 1
    positive_ranks = sum(r for r, g in zip(ranks, gold, strict=True) if g)
    n_pos, n_neg = len(positives), len(negatives)
    return (positive_ranks - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def precision_at_top(scores: Sequence[float], gold: Sequence[bool], fraction: float) -> float:
    """Share of positives among the top `fraction` of items by score."""
    k = max(1, round(len(scores) * fraction))
    top = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)[:k]
    return sum(gold[i] for i in top) / k


def best_threshold_f1(scores: Sequence[float], gold: Sequence[bool]) -> tuple[float, dict[str, float]]:
    """The threshold (predict positive when score >= t) with the best F1, and its figures."""
    best: tuple[float, dict[str, float]] = (math.inf, {"precision": 0.0, "recall": 0.0, "f1": 0.0})
    for t in sorted(set(scores)):
        figures = precision_recall_f1([s >= t for s in scores], gold)
        if figures["f1"] > best[1]["f1"]:
            best = (t, figures)
    return best


def pr_curve(scores: Sequence[float], gold: Sequence[bool]) -> tuple[list[float], list[float], list[float]]:
    """Precision and recall at every distinct threshold (descending), for plots."""
    thresholds = sorted(set(scores), reverse=True)
    precision, recall = [], []
    for t in thresholds:
        figures = precision_recall_f1([s >= t for s in scores], gold)
        precision.append(figures["precision"])
        recall.append(figures["recall"])
    return thresholds, precision, recall


def ndcg_at_k(ranked: Sequence[str], relevance: Mapping[str, float], k: int = 10) -> float:
    """Normalised discounted cumulative gain of one ranking (graded relevance)."""
    dcg = sum(relevance.get(doc, 0.0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(relevance.values(), reverse=True)[:k]
    idcg = sum(rel / math.log2(i + 2) for i, rel in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_k(ranked: Sequence[str], relevance: Mapping[str, float], k: int = 10) -> float:
    relevant = {d for d, r in relevance.items() if r > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr_at_k(ranked: Sequence[str], relevance: Mapping[str, float], k: int = 10) -> float:
    for i, doc in enumerate(ranked[:k]):
        if relevance.get(doc, 0.0) > 0:
            return 1.0 / (i + 1)
    return 0.0
