"""Metrics on tiny fixtures whose right answers are known by hand."""

from __future__ import annotations

import math

import pytest

from evals.metrics import (
    best_threshold_f1,
    mrr_at_k,
    ndcg_at_k,
    precision_at_top,
    precision_recall_f1,
    recall_at_k,
    roc_auc,
)


def test_precision_recall_f1() -> None:
    # 2 true positives, 1 false positive, 1 false negative
    figures = precision_recall_f1([True, True, True, False, False], [True, True, False, True, False])
    assert figures == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3})


def test_roc_auc_perfect_random_and_ties() -> None:
    assert roc_auc([0.9, 0.8, 0.2, 0.1], [True, True, False, False]) == 1.0
    assert roc_auc([0.1, 0.2, 0.8, 0.9], [True, True, False, False]) == 0.0
    assert roc_auc([0.5, 0.5], [True, False]) == 0.5
    assert math.isnan(roc_auc([0.3], [True]))


def test_precision_at_top_fraction() -> None:
    scores = [0.9, 0.8, 0.7, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    gold = [True, False] + [False] * 8
    assert precision_at_top(scores, gold, 0.1) == 1.0
    assert precision_at_top(scores, gold, 0.2) == 0.5


def test_best_threshold() -> None:
    threshold, figures = best_threshold_f1([0.1, 0.4, 0.6, 0.9], [False, False, True, True])
    assert threshold == 0.6 and figures["f1"] == 1.0


def test_ranking_metrics() -> None:
    relevance = {"a": 1.0, "b": 1.0}
    assert ndcg_at_k(["a", "b", "c"], relevance) == 1.0
    assert ndcg_at_k(["c", "a", "b"], relevance) == pytest.approx((1 / math.log2(3) + 1 / 2) / (1 + 1 / math.log2(3)))
    assert recall_at_k(["c", "a"], relevance) == 0.5
    assert mrr_at_k(["c", "d", "b"], relevance) == pytest.approx(1 / 3)
    assert mrr_at_k(["c"], relevance) == 0.0
