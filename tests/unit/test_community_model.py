"""A community's own detector (elicitor/community_model.py) on hand-made labels whose outcome is worked out by hand."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from elicitor.community_model import (
    MIN_OWN_ANSWERS,
    Method,
    adapt,
    cold_start_cut,
    cold_start_gate,
    gate,
    label_key,
    own_cut,
    parse_stored,
    recalibrate,
)
from elicitor.terse_model import TerseModel

# One feature, x: the model's linear score is x itself (mean 0, scale 1, weight 1, no offset): score = sigmoid(x).
NAMES = ("x", "y")
LINEAR = TerseModel(NAMES, (0.0, 0.0), (1.0, 1.0), (1.0, 0.0), 0.0, 0.0, "hand-made", cold_start_cut=0.9)


def rows(*xs: float) -> list[dict[str, float]]:
    return [{"x": x, "y": 0.0} for x in xs]


def test_no_labels_keep_the_shipped_model() -> None:
    adapted = adapt(LINEAR, [], [])
    assert adapted == adapt(LINEAR, [], [], refit_from=0)
    assert adapted.model is LINEAR and adapted.method is Method.SHIPPED and adapted.labels == 0


def test_few_labels_recalibrate_keeping_the_ranking_and_moving_the_scale() -> None:
    # The community says everything the model scores was complete: scores must fall, the order must not change.
    data = rows(-1.0, 0.0, 1.0, 2.0)
    adapted = adapt(LINEAR, data, [False] * 4)  # fewer than REFIT_FROM
    assert adapted.method is Method.RECALIBRATED and adapted.labels == 4
    before = [LINEAR.score(r) for r in data]
    after = [adapted.model.score(r) for r in data]
    assert all(a < b for a, b in zip(after, before, strict=True))
    assert after == sorted(after)  # same ranking
    assert adapted.model.mean == LINEAR.mean and adapted.model.offset == LINEAR.offset
    # The cold-start cut is carried through the same map: it still separates the same answers.
    assert adapted.model.cold_start_cut is not None and adapted.model.cold_start_cut < 0.9
    assert adapted.model.score({"x": math.log(9), "y": 0}) == pytest.approx(adapted.model.cold_start_cut, abs=1e-4)


def test_one_sided_labels_move_the_scale_only_within_the_ridge() -> None:
    moved = recalibrate(LINEAR, rows(*[0.0] * 200), [False] * 200)
    # Two hundred "complete" labels pull hard, yet the slope stays positive and the shift finite.
    assert moved.coef[0] > 0 and -10 < moved.intercept < 0


def test_enough_labels_of_both_kinds_refit_the_coefficients() -> None:
    # In this community y, which the shipped model ignores, is what marks a terse answer.
    data = [{"x": 0.0, "y": float(v)} for v in (-2, -1, 1, 2) * 5]
    gold = [r["y"] > 0 for r in data]
    adapted = adapt(LINEAR, data, gold, refit_from=20)
    assert adapted.method is Method.REFITTED and adapted.labels == 20
    assert adapted.model.coef[1] > 0.1
    assert adapted.model.cold_start_cut == LINEAR.cold_start_cut
    # One kind of label cannot refit: it recalibrates instead.
    assert adapt(LINEAR, data, [True] * 20, refit_from=20).method is Method.RECALIBRATED


def test_cold_start_cut_lets_about_the_top_share_through_each_community_weighing_equally() -> None:
    assert cold_start_cut([float(v) for v in range(10)], ["a"] * 10) == 9.0  # the top 1 of 10
    assert cold_start_cut([float(v) for v in range(100)], ["a"] * 100, fraction=0.25) == 75.0
    # 10 answers of a (scores 0..9) and 2 of b (10, 11): equal weights put b's two answers at half the mass each
    # 25%, so the top 10% is b's best answer alone.
    scores = [float(v) for v in range(12)]
    assert cold_start_cut(scores, ["a"] * 10 + ["b"] * 2) == 11.0


def test_the_development_cut_relaxes_to_the_threshold_as_labels_arrive() -> None:
    assert cold_start_gate(0.9, 0.5, 0, 50) == 0.9
    assert cold_start_gate(0.9, 0.5, 25, 50) == pytest.approx(0.7)
    assert cold_start_gate(0.9, 0.5, 50, 50) is None  # enough labels: no gate
    assert cold_start_gate(0.9, 0.5, 0, 0) is None  # cold start turned off
    assert cold_start_gate(None, 0.5, 0, 50) is None  # a model built without a cut
    assert cold_start_gate(0.4, 0.5, 0, 50) is None  # the threshold is stricter already


def test_the_communitys_own_answers_set_the_cut_once_there_are_enough() -> None:
    assessed = [(1.0, {"x": v / 25, "y": 0.0}) for v in range(MIN_OWN_ANSWERS)]
    assert own_cut(LINEAR, assessed[:-1]) is None  # too few
    top = own_cut(LINEAR, assessed)
    assert top == round(LINEAR.score({"x": (MIN_OWN_ANSWERS - 5) / 25, "y": 0}), 3)  # the top 5 of 50
    # Ruled-out answers (stored 0) count at 0; rows missing the model's features are left out.
    padded = assessed + [(0.0, {})] * 50 + [(0.7, {"x": 1.0})]
    assert own_cut(LINEAR, padded) == round(LINEAR.score({"x": (MIN_OWN_ANSWERS - 10) / 25, "y": 0}), 3)


def test_the_gate_uses_the_communitys_own_cut_and_widens_in_shares() -> None:
    assessed = [(1.0, {"x": v / 50, "y": 0.0}) for v in range(100)]  # scores sigmoid(0) .. sigmoid(1.98)

    def passing(cut: float | None) -> int:
        return sum(round(LINEAR.score(f), 3) >= (cut or 0.0) for _, f in assessed)  # scores as the detector rounds

    assert passing(gate(LINEAR, assessed, 0.5, 0, 50)) == 10  # about the top 10% of the community's own answers
    assert passing(gate(LINEAR, assessed, 0.5, 25, 50)) == 55  # 10% + 90% * 25/50
    assert gate(LINEAR, assessed, 0.5, 50, 50) is None
    # Without enough answers of its own, the development cut stands.
    assert gate(LINEAR, assessed[:10], 0.5, 0, 50) == 0.9


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "not a model"),
        ("[1, 2]", "not a model"),
        ('{"names": ["x", "y"]}', "not a model"),
        ("[" * 5000 + "]" * 5000, "not a model"),
        ("x" * 30_000, "characters"),
    ],
)
def test_a_malformed_stored_model_is_refused_with_a_reason(text: str, reason: str) -> None:
    model, why = parse_stored(text, LINEAR)
    assert model is None and reason in why


def _stored(**changes: object) -> str:
    data = json.loads(LINEAR.to_json()) | changes
    return json.dumps(data)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"names": ["x", "z"]}, "other features"),
        ({"coef": [1.0]}, "different lengths"),
        ({"coef": [1e300, 0.0]}, "finite number"),
        ({"coef": ["1", 0.0]}, "finite number"),
        ({"intercept": float("nan")}, "finite number"),
        ({"intercept": 10**400}, "not a model"),  # float() of a huge JSON integer overflows
        ({"mean": [10**400, 0.0]}, "finite number"),  # kept an int by the reader: isfinite would overflow
        ({"scale": [0.0, 1.0]}, "not positive"),
        ({"cold_start_cut": 1.5}, "outside 0..1"),
    ],
)
def test_a_hostile_stored_model_is_refused_with_a_reason(changes: dict, reason: str) -> None:
    model, why = parse_stored(_stored(**changes), LINEAR)
    assert model is None and reason in why


def test_an_honest_stored_model_is_read_back_as_it_was() -> None:
    moved = replace(LINEAR, coef=(0.5, 0.25), intercept=-1.0)
    assert parse_stored(moved.to_json(), LINEAR) == (moved, "")


def test_the_label_key_changes_with_any_label_and_not_with_their_order() -> None:
    labels = [("m1", True), ("m2", False)]
    assert label_key(labels) == label_key(list(reversed(labels)))
    assert label_key(labels) != label_key([("m1", True), ("m2", True)])
    assert label_key(labels) != label_key([*labels, ("m3", False)])
    assert len(label_key(labels)) == 64
