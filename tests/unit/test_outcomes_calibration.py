"""Which model and cold-start gate assessment uses for a community (workflow/outcomes.py), on a stub unit of work."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from elicitor.community_model import Method
from elicitor.terse_model import TerseModel
from workflow import outcomes

# score = sigmoid(x): answers with x = 0 .. 5.9 in steps of 0.1 score 0.5 .. 0.997, all distinct at 3 decimals.
MODEL = TerseModel(("x",), (0.0,), (1.0,), (1.0,), 0.0, 0.0, "hand-made", cold_start_cut=0.99)
ASSESSED = [(0.6, {"x": v / 10}) for v in range(60)]


def stub(assessed: list, stored: object = None) -> SimpleNamespace:
    return SimpleNamespace(
        outcomes=SimpleNamespace(model_of=lambda community_id: stored),
        assessments=SimpleNamespace(recent_scores=lambda community_id, limit: assessed[:limit]),
    )


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    monkeypatch.setattr(outcomes, "shipped_model", lambda: MODEL)
    return SimpleNamespace(cold_start_labels=50, recent_scores={})


def test_a_new_community_gets_the_cut_of_its_own_answers(services: SimpleNamespace) -> None:
    calibration = outcomes.calibration_for(services, stub(ASSESSED), "c", 0.55)  # type: ignore[arg-type]
    assert calibration.model is MODEL and calibration.method is Method.SHIPPED and calibration.labels == 0
    assert calibration.gate == round(MODEL.score({"x": 5.4}), 3)  # the 6th best of 60: the top 10% pass


def test_with_few_answers_of_its_own_the_stored_cut_stands(services: SimpleNamespace) -> None:
    assert outcomes.calibration_for(services, stub(ASSESSED[:10]), "c", 0.55).gate == 0.99  # type: ignore[arg-type]


def test_the_recent_scores_are_read_once_a_minute(services: SimpleNamespace) -> None:
    first = outcomes.calibration_for(services, stub(ASSESSED), "c", 0.55).gate  # type: ignore[arg-type]
    higher = [(0.6, {"x": 10.0})] * 60  # the community changed: every answer now scores 1.0
    assert outcomes.calibration_for(services, stub(higher), "c", 0.55).gate == first  # type: ignore[arg-type]
    services.recent_scores.clear()  # the minute is over
    assert outcomes.calibration_for(services, stub(higher), "c", 0.55).gate == 1.0  # type: ignore[arg-type]


def test_a_stored_model_with_enough_labels_ends_the_cold_start(services: SimpleNamespace) -> None:
    stored = SimpleNamespace(model=MODEL.to_json(), method="refitted", labels=50)
    calibration = outcomes.calibration_for(services, stub(ASSESSED, stored), "c", 0.55)  # type: ignore[arg-type]
    assert calibration.method is Method.REFITTED and calibration.labels == 50 and calibration.gate is None
    half = SimpleNamespace(model=MODEL.to_json(), method="recalibrated", labels=25)
    gated = outcomes.calibration_for(services, stub(ASSESSED, half), "c", 0.55).gate  # type: ignore[arg-type]
    # 25 of 50 labels: 10% + 90% / 2 = 55% of the 60 answers (33) reach the gate.
    assert gated is not None and sum(round(MODEL.score(f), 3) >= gated for _, f in ASSESSED) == 33
