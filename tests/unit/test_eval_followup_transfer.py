"""`tacit eval followup --train`: main-gap weights tuned on one tiny community and measured on another, with
figures worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

from elicitor.followup import TemplateFollowUpWriter
from elicitor.gaps import GapWeights, find_gaps
from evals import followup_transfer
from evals.tune_gaps import accuracy, load, most_frequent_gap, tune

# "Can I ...?" is a general question by its type (rationale first), but the asker wants to know how: steps.
HOW_LIKE = ("Can I make windows the default in the boot menu?", "Sure, that works fine.", "steps")
WHY = ("Why does the boot menu disappear after an upgrade?", "It is a setting.", "rationale")


def _write(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = []
    for i, (question, answer, gap) in enumerate(rows):
        label = {"terse": "yes", "gaps": [gap], "followup": "", "confidence": "high"}
        row = {
            "answer_id": f"{path.stem}-{i}",
            "question_id": f"q-{path.stem}-{i}",
            "question_title": question,
            "question_body": question,
            "answer_text": answer,
            "answer_author": "ana",
            "answer_created_at": "2020-01-01T10:00:00",
            "terse_label": label,
        }
        lines.append(json.dumps(row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_weights_tuned_on_one_community_are_measured_on_the_other(tmp_path: Path) -> None:
    train = _write(tmp_path / "train.jsonl", [HOW_LIKE] * 4)
    data = _write(tmp_path / "data.jsonl", [HOW_LIKE, HOW_LIKE, WHY, WHY])
    source, target = load(train), load(data)
    assert len(target) == 4
    weights = tune([source])
    # The smallest weight that lifts steps (5/6) above rationale (1) is the grid's 0.5 on the how-like cue.
    assert weights == GapWeights(how_like=0.5)
    assert accuracy(source, weights) == 1.0 and accuracy(source, GapWeights()) == 0.0
    assert most_frequent_gap(source).value == "steps"
    report = followup_transfer.run(data, train, TemplateFollowUpWriter())
    assert report.tacit["main_gap_chosen"] == 1.0
    assert report.tacit["asks_main_gap"] == 1.0  # the writer's wording asks for steps and for the reason
    assert report.tacit["main_gap_chosen_train"] == 1.0
    assert report.baselines["most_frequent_of_train"]["main_gap_chosen"] == 0.5  # always steps: half of these
    assert report.baselines["question_type_order"]["main_gap_chosen"] == 0.5  # the why rows only
    assert report.baselines["writer_before"]["main_gap_chosen"] == 0.5


def test_the_weights_decide_the_order_find_gaps_returns() -> None:
    question, answer, _ = HOW_LIKE
    assert find_gaps(question, answer, GapWeights())[0].value == "rationale"
    assert find_gaps(question, answer, GapWeights(how_like=0.5))[0].value == "steps"


def test_no_labelled_terse_answers_give_no_figures(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    data = _write(tmp_path / "data.jsonl", [WHY])
    report = followup_transfer.run(data, empty, TemplateFollowUpWriter())
    assert report.tacit == {} and "no figures" in report.notes[0]
