"""`tacit eval followup --data A --train B`: the main-gap choice tuned on one community, measured on another.

The cue weights of elicitor.gaps.GapWeights are tuned on B's labelled main gaps only (evals.tune_gaps), and every
terse answer of A gets the question the writer asks with the gaps they choose. Beside it, in the same run:
- `most_frequent_of_train`: always the main gap B labels most often (what a community's habit alone gives);
- `question_type_order`: no cue weights, the question type's order alone (the writer as it was before the cues);
- `shipped_weights`: the weights that ship, tuned on both shared communities: they saw A's labels, so a fit.
Figures: `main_gap_chosen`, the first gap handed to the writer is A's labelled main gap; `asks_main_gap`, also
end to end through the writer (it declares that gap and its wording asks for it, as in `tacit eval followup`);
`all_checks`, every check of `tacit eval followup` on that question; `main_gap_chosen_train`, the fit on B.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from elicitor.gaps import WEIGHTS, GapWeights
from elicitor.model import Gap
from elicitor.ports import FollowUpWriter
from evals.followup import checks
from evals.report import Report
from evals.tune_gaps import GapCase, accuracy, gaps_for, load, most_frequent_gap, tune

NAME = "followup-transfer"


def end_to_end(cases: Sequence[GapCase], writer: FollowUpWriter, gaps: Callable[[GapCase], tuple[Gap, ...]]) -> dict:
    """Shares of cases whose question asks the labelled main gap, and passes every check, with these gaps."""
    found = []
    for case in cases:
        written = writer.write(case.case.thread, case.case.answer, gaps(case))
        found.append(checks(written.question, written.gap, case.case))
    n = len(found) or 1
    return {
        "asks_main_gap": sum(c["asks_main_gap"] for c in found) / n,
        "all_checks": sum(all(c.values()) for c in found) / n,
    }


def _with_weights(cases: Sequence[GapCase], writer: FollowUpWriter, weights: GapWeights) -> dict[str, float]:
    figures = {"main_gap_chosen": accuracy(cases, weights)}
    return figures | end_to_end(cases, writer, lambda case: gaps_for(case, weights))


def run(data: Path, train_data: Path, writer: FollowUpWriter) -> Report:
    """Tune the main-gap weights on `train_data`, measure on `data`, next to the baselines."""
    source, target = load(train_data), load(data)
    subject = f"trained on {train_data.name}, measured on {data.name}"
    if not source or not target:
        notes = ["no figures: both files need answers labelled terse with their gaps"]
        return Report(NAME, {}, {}, notes, subject=subject)
    weights = tune([source])
    tacit = _with_weights(target, writer, weights) | {"main_gap_chosen_train": accuracy(source, weights)}
    habit = most_frequent_gap(source)
    always = {"main_gap_chosen": sum(c.case.gold_gaps[0] == habit for c in target) / len(target)}
    baselines = {
        "most_frequent_of_train": always | end_to_end(target, writer, lambda _case: (habit,)),
        "question_type_order": _with_weights(target, writer, GapWeights()),
        "shipped_weights": _with_weights(target, writer, WEIGHTS),
    }
    tuned = ", ".join(f"{name} {value:g}" for name, value in vars(weights).items() if value)
    notes = [
        f"tuned on the main gaps of {len(source)} terse answers of {train_data.name}, measured on {len(target)} of "
        f"{data.name}: cue weights {tuned or 'all 0 (the question type order)'}",
        f"most_frequent_of_train: always {habit.value}, {train_data.name}'s most frequent main gap",
        "shipped_weights were tuned on both shared communities (they saw these labels): a fit, not a transfer",
    ]
    return Report(NAME, tacit, baselines, notes, subject=subject)
