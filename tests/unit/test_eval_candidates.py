"""Detector candidates (python -m evals.candidates) on hand-made answers whose figures are worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from elicitor.model import Message, Thread
from elicitor.terse_model import FEATURES
from evals import candidates
from evals.candidates import Community
from evals.terse import _Row
from evals.transfer import Scored

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def _item(terse: bool, eligible: bool = True, gaps: bool = True) -> Scored:
    return Scored(dict.fromkeys(FEATURES, 0.0), eligible, gaps, False, 10, terse, True)


def _row(question: str, answer: str) -> _Row:
    asked = Message("q", "t", "asker", "asker", question, NOW, kind="question")
    reply = Message("a", "t", "expert", "expert", answer, NOW, parent_id="q", kind="answer")
    return _Row(Thread("t", "c", question.split("\n")[0], (asked, reply)), reply, 3, True, True, (), False)


def test_rank_cut_nudges_the_top_share_that_the_rules_let_through() -> None:
    items = [_item(True), _item(True, eligible=False), _item(False, gaps=False), _item(False)]
    scores = np.array([4.0, 3.0, 2.0, 1.0])
    # The top 3 by score, of which the second is not eligible and the third has nothing to ask about.
    assert candidates.rank_cut(scores, items, 0.75) == [True, False, False, False]
    assert candidates.rank_cut(scores, items, 1.0) == [True, False, False, True]
    assert candidates.rank_cut(scores, items, 0.01) == [True, False, False, False]  # at least one is nudged


def test_best_share_is_the_f1_best_share_of_the_ranking() -> None:
    # Ranked t t n n n n n n n n: nudging the top 20% catches both terse answers and nothing else (F1 1).
    items = [_item(True), _item(True), *[_item(False) for _ in range(8)]]
    scores = np.arange(10.0, 0.0, -1.0)
    share = candidates.best_share(scores, items)
    assert candidates.rank_cut(scores, items, share) == [True, True] + [False] * 8
    assert 0.15 <= share <= 0.25  # the shares that round to two answers of ten


def test_measure_ranks_what_the_rules_turn_away_last() -> None:
    items = [_item(True, eligible=False), _item(True), _item(False), _item(False)]
    target = Community("t", [], items)
    # The ineligible terse answer has the highest raw score but ranks last: of the 2 x 2 terse/non-terse pairs,
    # the eligible terse answer wins both of its pairs and the ineligible one loses both.
    figures, ranked = candidates.measure(np.array([9.0, 5.0, 1.0, 0.0]), target, 0.25)
    assert ranked.argmin() == 0
    assert figures["roc_auc_terse"] == pytest.approx(0.5)
    assert figures["precision_top25pct"] == 1.0  # the top 1 of 4 is the eligible terse answer
    assert figures["f1"] == pytest.approx(2 / 3)  # one of two terse answers nudged, no false nudge
    assert figures["share"] == 0.25


def test_ranks_scaling_puts_each_feature_on_its_percentile_within_the_community() -> None:
    community = Community("c", [], [], {"hand": np.array([[10.0, 0.0], [30.0, 0.0], [20.0, 1.0]])})
    ranked = candidates.view(community, "hand", "ranks")
    assert ranked[:, 0].tolist() == pytest.approx([1 / 3, 1.0, 2 / 3])
    assert ranked[:, 1].tolist() == pytest.approx([0.5, 0.5, 1.0])  # ties share their mean rank
    assert candidates.view(community, "hand", "train").tolist() == community.views["hand"].tolist()


def test_asks_and_supplies_reads_the_question_against_the_answer() -> None:
    why = candidates.asks_and_supplies(_row("Why does apt lock the dpkg database?", "Use sudo rm the lock file."))
    assert why["asks_why"] == 1.0 and why["asks_how"] == 0.0
    assert why["why_unanswered"] == 1.0 and why["reasons"] == 0.0
    assert why["instructs"] == 1.0
    reasoned = candidates.asks_and_supplies(
        _row("Why does apt lock the dpkg database?", "Because two installs at once would corrupt the database.")
    )
    assert reasoned["reasons"] == 1.0  # one reason cue in one sentence
    assert reasoned["echoes_asker"] > 0.0  # "database" is the asker's own word


def test_auc_gain_is_paired_and_zero_against_itself() -> None:
    gold = np.array([True, False, True, False, False])
    scores = np.array([0.9, 0.8, 0.7, 0.1, 0.2])
    # 2 terse x 3 not: 0.9 beats all three, 0.7 beats 0.1 and 0.2 but not 0.8: 5 of 6 pairs.
    assert candidates.fast_auc(scores, gold) == pytest.approx(5 / 6)
    assert candidates.fast_auc(np.zeros(5), gold) == 0.5  # ties count half
    assert candidates.auc_gain(scores, scores, gold) == (0.0, 0.0, 0.0)
    gain, low, high = candidates.auc_gain(scores, np.zeros(5), gold)
    assert gain == pytest.approx(5 / 6 - 0.5) and low <= gain <= high
