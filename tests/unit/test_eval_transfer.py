"""Transfer figures (`tacit eval terse --train`) on hand-made answers whose figures are worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from elicitor.terse_model import FEATURES, TerseModel, refit
from evals import transfer
from evals.transfer import Scored

# A model that reads one thing: fewer words (higher brevity) = more terse. Scores are sigmoid(brevity).
BREVITY = TerseModel(FEATURES, (0.0,) * 6, (1.0,) * 6, (0, 0, 0, 0, 0, 1.0), 0.0, 0.0)


def _item(brevity: float, terse: bool, words: int = 10, eligible: bool = True, high: bool = True) -> Scored:
    features = dict.fromkeys(FEATURES, 0.0) | {"brevity": brevity}
    return Scored(features, eligible, True, False, words, terse, high)


# Ten answers, 3 terse: scores rank them t t n t n n n n n n, and words rise down the ranking.
ITEMS = [
    _item(3.0, True, 2),
    _item(2.0, True, 3),
    _item(1.0, False, 4),
    _item(0.5, True, 5),
    *[_item(-float(n), False, 6 + n) for n in range(6)],
]


def test_ranking_counts_pairs_and_the_top_of_the_list() -> None:
    scores = [transfer.score(BREVITY, i) for i in ITEMS]
    figures = transfer.ranking(scores, ITEMS)
    # 3 terse x 7 not terse = 21 pairs; only the non-terse answer ranked third beats one terse answer: 20/21.
    assert figures["roc_auc_terse"] == pytest.approx(20 / 21)
    assert figures["precision_top10pct"] == 1.0  # the top 1 of 10
    assert figures["precision_top25pct"] == 1.0  # the top 2 of 10 (round(2.5) = 2)
    shifted = transfer.ranking(scores[2:] + scores[:2], ITEMS[2:] + ITEMS[:2])
    assert shifted == figures  # the order in the file does not matter


def test_ineligible_answers_score_zero_and_bare_instructions_reach_the_operating_point() -> None:
    assert transfer.score(BREVITY, _item(5.0, True, eligible=False)) == 0.0
    bare = Scored(dict.fromkeys(FEATURES, 0.0) | {"brevity": -9.0}, True, True, True, 3, True, True)
    assert transfer.score(BREVITY, bare) == 0.55


def test_always_yes_has_recall_one_and_chance_ranking() -> None:
    figures = transfer.always_yes(ITEMS)
    # precision 3/10, recall 1: F1 = 2 * 0.3 / 1.3
    assert figures["f1"] == pytest.approx(0.6 / 1.3)
    assert figures["roc_auc_terse"] == 0.5
    assert figures["precision_top10pct"] == pytest.approx(0.3)


def test_length_cut_is_the_f1_best_word_count() -> None:
    # terse at 2, 3, 5 words: "<= 5 words" catches all three and one non-terse (4 words): F1 = 6/7, the best.
    assert transfer.length_cut(ITEMS) == 5
    figures = transfer.length_figures(ITEMS, 5)
    assert figures["precision"] == pytest.approx(0.75) and figures["recall"] == 1.0


def test_refit_moves_the_model_towards_a_communitys_labels() -> None:
    # In this community the opposite holds: longer answers (lower brevity) are the terse ones.
    rows = [dict.fromkeys(FEATURES, 0.0) | {"brevity": float(b)} for b in range(-5, 5)]
    gold = [r["brevity"] < 0 for r in rows]
    moved = refit(BREVITY, rows, gold)
    assert moved.coef[-1] < BREVITY.coef[-1]
    assert moved.score(rows[0]) > BREVITY.score(rows[0])
    assert moved.mean == BREVITY.mean and moved.offset == BREVITY.offset  # scores stay on the same scale
    assert refit(BREVITY, rows, [True] * len(rows)) == BREVITY  # one kind of label: nothing to learn


def test_refit_stays_finite_on_separable_labels() -> None:
    rows = [dict.fromkeys(FEATURES, 0.0) | {"brevity": float(b), "context": float(b)} for b in (-1, 1)]
    moved = refit(BREVITY, rows, [False, True])
    assert all(abs(c) < 50 for c in moved.coef) and abs(moved.intercept) < 50


def test_learning_curve_reveals_k_labels_and_scores_the_rest() -> None:
    items = ITEMS * 4  # 40 answers
    curve = transfer.learning_curve(BREVITY, items, 0.55, prior_cut=5, ks=(0, 10, 25), draws=3)
    assert [row["k"] for row in curve] == [0, 10]  # k = 25 would leave fewer than 20 to score
    start = curve[0]
    assert start["roc_auc_terse"] == pytest.approx(20 / 21)  # the same ranking, repeated
    assert start["always_yes_f1"] == pytest.approx(0.6 / 1.3)
    assert start["length_f1"] == pytest.approx(6 / 7)  # prior cut: <= 5 words
    assert set(curve[1]) == {
        "k",
        "f1",
        "roc_auc_terse",
        "precision_top10pct",
        "cold_start_precision",
        "cold_start_share",
        "refitted",
        "length_f1",
        "always_yes_f1",
    }


def _answer(n: int, terse: bool, site: str) -> dict:
    text = (
        "Use the partial index."
        if terse
        else (
            "Use the partial index because archived rows are never read, so indexing them wastes space; "
            "if queries stop filtering on status it no longer helps. First create it, then analyse the table."
        )
    )
    return {
        "answer_id": f"{site}-{n}",
        "site": site,
        "question_id": f"q-{site}-{n}",
        "question_title": "How should we index the orders table?",
        "question_body": "Queries on open orders are slow.",
        "answer_text": text,
        "answer_score": 0,
        "terse_label": {"terse": "yes" if terse else "no", "gaps": ["rationale"], "confidence": "high"},
    }


def test_run_trains_on_one_file_and_measures_on_the_other(tmp_path: Path) -> None:
    source, target = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    source.write_text("\n".join(json.dumps(_answer(n, n % 2 == 0, "a")) for n in range(30)))
    target.write_text("\n".join(json.dumps(_answer(n, n % 3 == 0, "b")) for n in range(30)))
    report = transfer.run(target, source)
    assert report.name == "terse-transfer" and "a.jsonl" in report.subject and "b.jsonl" in report.subject
    # Terse and complete answers differ plainly: the model trained on a.jsonl separates b.jsonl's perfectly.
    assert report.tacit["roc_auc_terse"] == 1.0 and report.tacit["f1"] == 1.0
    assert report.baselines["always_yes"]["f1"] == pytest.approx(2 * (10 / 30) / (1 + 10 / 30))
    assert report.baselines["length_tuned_on_these"]["f1"] == 1.0
    assert [row["k"] for row in report.extra["learning_curve"]] == [0, 10]
    assert 0 < report.tacit["cold_start_share"] <= 1 and "cold_start_share_dev_cut" in report.tacit


def test_run_with_one_kind_of_label_reports_nothing(tmp_path: Path) -> None:
    source, target = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    source.write_text("\n".join(json.dumps(_answer(n, n % 2 == 0, "a")) for n in range(30)))
    target.write_text("\n".join(json.dumps(_answer(n, True, "b")) for n in range(5)))
    report = transfer.run(target, source)
    assert report.tacit == {} and "no figures" in report.notes[-1]


def test_the_cli_prints_the_transfer_table_and_its_learning_curve(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.evals import app

    source, target = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    source.write_text("\n".join(json.dumps(_answer(n, n % 2 == 0, "a")) for n in range(30)))
    target.write_text("\n".join(json.dumps(_answer(n, n % 3 == 0, "b")) for n in range(30)))
    args = ["terse", "--data", str(target), "--train", str(source), "--json"]
    result = CliRunner().invoke(app, args, env={"TACIT_DATA_DIR": str(tmp_path / "d"), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "tacit eval terse-transfer" in result.output and "learning_curve" in result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["tacit"]["roc_auc_terse"] == 1.0 and "always_yes" in figures["baselines"]


def test_cold_start_counts_what_the_gate_lets_through() -> None:
    # Scores are sigmoid(brevity): 0.55 is reached from brevity 0.2, so four answers pass (3 terse) without a gate.
    assert transfer.cold_start(BREVITY, ITEMS, 0.55, None) == {"cold_start_precision": 0.75, "cold_start_share": 0.4}
    second = transfer.score(BREVITY, ITEMS[1])
    assert transfer.cold_start(BREVITY, ITEMS, 0.55, second) == {"cold_start_precision": 1.0, "cold_start_share": 0.2}
    nobody = transfer.cold_start(BREVITY, ITEMS, 0.55, 0.9999)
    assert nobody == {"cold_start_precision": 0.0, "cold_start_share": 0.0}


def test_the_learning_curve_runs_the_jobs_adapt_and_its_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from elicitor.community_model import REFIT_FROM
    from workflow import outcomes

    assert transfer.adapt is outcomes.adapt  # one function: what the job stores is what the curve measured
    calls: list[int] = []
    real = transfer.adapt

    def spy(model, rows, gold):  # type: ignore[no-untyped-def]
        calls.append(len(rows))
        return real(model, rows, gold)

    monkeypatch.setattr(transfer, "adapt", spy)
    items = ITEMS * 5  # 50 answers: enough for the community's own cut
    few = REFIT_FROM - 1
    curve = transfer.learning_curve(BREVITY, items, 0.55, prior_cut=5, ks=(0, few, 20), draws=3)
    assert calls == [0] + [few] * 3 + [20] * 3
    start, below, above = curve
    # No labels: the top 10% of the community's answers are the five answers of brevity 3, all terse.
    assert start["cold_start_share"] == pytest.approx(0.1) and start["cold_start_precision"] == 1.0
    assert start["refitted"] == 0.0 and below["refitted"] == 0.0  # below REFIT_FROM: recalibrated only
    assert above["refitted"] > 0.5  # from REFIT_FROM labels of both kinds on: refitted
    # The gate relaxes with the labels: more of the community's answers get through (up to what the threshold
    # lets through, 4 of every 10 here).
    assert (
        start["cold_start_share"] < below["cold_start_share"] and start["cold_start_share"] < above["cold_start_share"]
    )
    off = transfer.learning_curve(BREVITY, items, 0.55, prior_cut=5, ks=(0,), draws=1, cold_start_labels=0)
    assert off[0]["cold_start_share"] == pytest.approx(0.4)  # no gate: the threshold alone (4 of every 10)
