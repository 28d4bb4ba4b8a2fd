"""`tacit eval terse` on four hand-made answers whose figures are worked out by hand below."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from elicitor.detect import TerseDetector
from elicitor.model import Assessment, AuthorStanding, Gap, Message, Role, Thread
from evals.terse import run


def _row(aid: str, text: str, terse: str, confidence: str, gaps: list[str], elaboration: bool) -> dict:
    return {
        "answer_id": aid,
        "site": "example.org",
        "question_id": f"q-{aid}",
        "question_title": "How should we do it?",
        "question_body": "Details.",
        "answer_text": text,
        "answer_author": "ana",
        "answer_score": 1,
        "answer_is_accepted": False,
        "answer_created_at": "2024-01-02T03:04:05",
        "elaboration_requested": elaboration,
        "terse_label": {"terse": terse, "gaps": gaps, "followup": "", "confidence": confidence},
    }


ROWS = [
    _row("a1", "Use an index.", "yes", "high", ["rationale", "steps"], True),  # 3 words
    _row("a2", "Pin the version to two.", "yes", "low", ["evidence"], False),  # 5 words
    _row("a3", "It depends on the load you expect here.", "no", "high", [], False),  # 8 words
    _row("a4", " ".join(["word"] * 20), "no", "high", [], False),  # 20 words
]
# The fake detector's verdicts: (score, candidate, gaps).
VERDICTS = {
    "a1": (0.9, True, (Gap.RATIONALE, Gap.CONDITIONS)),
    "a2": (0.4, False, (Gap.STEPS,)),
    "a3": (0.7, True, ()),
    "a4": (0.1, False, ()),
}


class ScriptedDetector(TerseDetector):
    """Returns the scripted verdict for each answer and records the standing it was asked with."""

    def __init__(self) -> None:
        super().__init__()
        self.standings: list[AuthorStanding] = []

    def assess(
        self,
        thread: Thread,
        answer: Message,
        standing: AuthorStanding,
        threshold: float | None = None,
        judge: bool = True,
    ) -> Assessment:
        self.standings.append(standing)
        assert thread.opening is not None and thread.opening.kind == "question"
        score, candidate, gaps = VERDICTS[answer.id]
        return Assessment(answer.id, score, candidate, gaps, "scripted", {})


@pytest.fixture
def report(tmp_path: Path):
    data = tmp_path / "answers.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    detector = ScriptedDetector()
    result = run(data, detector)
    assert {s.role for s in detector.standings} == {Role.EXPERT}  # content is judged as if by an expert
    return result


def test_detection_figures(report) -> None:
    t = report.tacit
    # Predicted [a1, a3] vs gold [a1, a2]: 1 TP, 1 FP, 1 FN.
    assert (t["precision"], t["recall"], t["f1"]) == (0.5, 0.5, 0.5)
    # High confidence a1, a3, a4: predicted [a1, a3], gold [a1].
    assert (t["precision_high_confidence"], t["recall_high_confidence"]) == (0.5, 1.0)
    assert t["f1_high_confidence"] == pytest.approx(2 / 3)
    # Terse pairs: 0.9 > 0.7, 0.9 > 0.1, 0.4 < 0.7, 0.4 > 0.1.
    assert t["roc_auc_terse"] == 0.75
    # Only a1 had an elaboration request and it has the top score; the top 10% of 4 is one answer.
    assert (t["roc_auc"], t["precision_top10pct"]) == (1.0, 1.0)
    assert not any(k.startswith("cv_") for k in t)  # too few labels to cross-validate


def test_gap_figures(report) -> None:
    t = report.tacit
    # Terse a1: gold (rationale, steps), predicted (rationale, conditions); a2: gold (evidence), predicted (steps).
    assert (t["gap_rationale_precision"], t["gap_rationale_recall"]) == (1.0, 1.0)
    assert (t["gap_conditions_precision"], t["gap_conditions_recall"]) == (0.0, 0.0)
    assert (t["gap_steps_precision"], t["gap_steps_recall"]) == (0.0, 0.0)
    assert t["gap_evidence_recall"] == 0.0
    assert t["main_gap_accuracy"] == 0.5


def test_baselines(report) -> None:
    length, always = report.baselines["length"], report.baselines["always_yes"]
    # <= 5 words separates a1, a2 from a3, a4 exactly.
    assert (length["precision"], length["recall"], length["f1"]) == (1.0, 1.0, 1.0)
    assert length["f1_high_confidence"] == 1.0 and length["roc_auc"] == 1.0
    assert any("<= 5 prose words" in note for note in report.notes)
    assert (always["precision"], always["recall"]) == (0.5, 1.0)
    assert always["f1"] == pytest.approx(2 / 3)
    assert always["f1_high_confidence"] == 0.5
    assert (always["roc_auc"], always["precision_top10pct"]) == (0.5, 0.25)
    assert always["main_gap_accuracy"] == 0.5  # rationale first: right for a1, wrong for a2


def test_pr_curves_for_plots(report) -> None:
    # Thresholds 0.9, 0.7, 0.4, 0.1 over gold [yes, yes, no, no] in score order a1, a3, a2, a4.
    assert report.extra["pr_curve"]["precision"] == pytest.approx([1.0, 0.5, 2 / 3, 0.5])
    assert report.extra["pr_curve"]["recall"] == [0.5, 0.5, 1.0, 1.0]
    assert report.extra["pr_curve_length"]["recall"][-1] == 1.0
    assert report.name == "terse"


def test_screen_table_costs_each_cut_in_front_of_an_llm_judge() -> None:
    from evals.terse import EXPERT, _row, _screen_figures, _screens

    rows = [_row(r) for r in ROWS]
    held_out = {0: 0.9, 1: 0.0, 2: 0.6, 3: 0.05}  # a1 and a2 are terse; a1 alone is high-confidence terse
    shipped = [TerseDetector().assess(r.thread, r.answer, EXPERT).score for r in rows]
    table = _screens(rows, [0, 1, 2, 3], [0, 2, 3], held_out, shipped, cuts=(0.0, 0.25, 0.27, 0.95))
    at = {row["screen"]: row for row in table}
    # a2 is ineligible: the eligibility rules turn it away before any screen, so it is lost even at 0.
    assert (at[0.0]["keeps_terse"], at[0.25]["keeps_terse"], at[0.95]["keeps_terse"]) == (0.5, 0.5, 0.0)
    assert (at[0.25]["keeps_terse_high_confidence"], at[0.95]["keeps_terse_high_confidence"]) == (1.0, 0.0)
    assert at[0.0]["sends"] == 0.75  # a1, a3, a4 are eligible
    sends = [row["sends"] for row in table]
    assert sends == sorted(sends, reverse=True)
    assert _screen_figures(table, 0.27)["screen_cut"] == 0.27, "the configured screen's own row"
    assert _screen_figures(table, 0.5) == {}
    no_high = _screens(rows, [0, 1, 2, 3], [2, 3], held_out, shipped, cuts=(0.0,))
    assert "keeps_terse_high_confidence" not in no_high[0], "not measured rather than 0"


def test_labels_of_one_class_only_skip_cross_validation_with_a_note(tmp_path: Path) -> None:
    rows = [
        _row(f"n{i}", f"It depends on the load you expect here, number {i}.", "no", "high", [], False)
        for i in range(45)
    ]
    data = tmp_path / "answers.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    report = run(data, TerseDetector())
    assert not any(k.startswith("cv_") for k in report.tacit)
    assert any("cross-validation needs" in note for note in report.notes)
