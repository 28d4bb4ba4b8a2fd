"""The evaluation report renders figures, targets and plots."""

from __future__ import annotations

from pathlib import Path

from evals.markdown import write_report
from evals.report import Report


def test_report_has_figures_targets_and_a_plot(tmp_path: Path) -> None:
    report = Report(
        "terse",
        {"cv_f1": 0.75, "roc_auc": 0.6},
        {"length": {"cv_f1": 0.6}},
        notes=["200 labelled answers"],
        extra={"pr_curve": {"precision": [1.0, 0.5], "recall": [0.2, 1.0]}},
    )
    path = write_report([report], tmp_path, "make eval")
    text = path.read_text()
    assert "| cv_f1 | 0.750 | 0.600 | >= 0.70 met |" in text
    assert "| roc_auc | 0.600 |  | >= 0.65 **not met** |" in text
    assert "- 200 labelled answers" in text
    assert (tmp_path / "terse-pr.png").stat().st_size > 1000 and "](terse-pr.png)" in text


def test_numeric_tables_in_extra_are_rendered_and_examples_are_not(tmp_path: Path) -> None:
    screens = [
        {"screen": 0.25, "keeps_terse": 0.975, "sends": 0.655},
        {"screen": 0.4, "keeps_terse": 0.9, "sends": 0.5},
    ]
    examples = [{"answer_id": "a1", "question": "Why?", "checks": {"polite": True}}]
    report = Report("terse", {"cv_f1": 0.7}, extra={"screens": screens, "examples": examples})
    text = write_report([report], tmp_path, "make eval").read_text()
    assert "| screen | keeps_terse | sends |" in text and "| 0.250 | 0.975 | 0.655 |" in text
    assert "answer_id" not in text
    assert (tmp_path / "terse-screen.png").stat().st_size > 1000 and "](terse-screen.png)" in text


def test_transfer_reports_name_their_data_and_print_the_learning_curve(tmp_path: Path) -> None:
    curve = [{"k": 0.0, "f1": 0.55, "roc_auc_terse": 0.64}, {"k": 100.0, "f1": 0.69, "roc_auc_terse": 0.76}]
    report = Report(
        "terse-transfer",
        {"f1": 0.55, "roc_auc_terse": 0.76},
        {"always_yes": {"f1": 0.57}},
        extra={"learning_curve": curve},
        subject="trained on a.jsonl, measured on b.jsonl",
    )
    text = write_report([report], tmp_path, "make eval").read_text()
    assert "## terse-transfer (trained on a.jsonl, measured on b.jsonl)" in text
    assert "| f1 | 0.550 | 0.570 | >= 0.70 **not met** |" in text
    assert "| roc_auc_terse | 0.760 |  | >= 0.75 met |" in text
    assert "| k | f1 | roc_auc_terse |" in text and "| 100.000 | 0.690 | 0.760 |" in text
