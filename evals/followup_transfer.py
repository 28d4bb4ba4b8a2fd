"""`tacit eval followup --data A --train B`: the main-gap choice tuned on one community, measured on another.

The cue weights of elicitor.gaps.GapWeights are tuned on B's labelled main gaps only (evals.tune_gaps), and every
terse answer of A gets the question the writer asks with the gaps they choose. Beside it, in the same run:
- `most_frequent_of_train`: always the main gap B labels most often (what a community's habit alone gives);
- `writer_before`: the writer as it was before the cues: the question type's order, rationale when the detector
  gives no gaps (an answer it does not assess);
- `question_type_order`: no cue weights, the question type's order alone (the writer choosing for such answers);
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


def figures(cases: Sequence[GapCase], writer: FollowUpWriter, gaps: Callable[[GapCase], tuple[Gap, ...]]) -> dict:
    """With these gaps handed to the writer: shares of cases whose first gap is the labelled main gap, whose
    question asks for it (end to end), and whose question passes every check."""
    chosen, found = [], []
    for case in cases:
        handed = gaps(case)
        written = writer.write(case.case.thread, case.case.answer, handed)
        chosen.append(written.gap == case.case.gold_gaps[0])
        found.append(checks(written.question, written.gap, case.case))
    n = len(found) or 1
    return {
        "main_gap_chosen": sum(chosen) / n,
        "asks_main_gap": sum(c["asks_main_gap"] for c in found) / n,
        "all_checks": sum(all(c.values()) for c in found) / n,
    }


def _before(case: GapCase) -> tuple[Gap, ...]:
    """The writer before the cues: the question type's order, and rationale when the detector gives no gaps."""
    return gaps_for(case, GapWeights()) if case.eligible else (Gap.RATIONALE,)


def run(data: Path, train_data: Path, writer: FollowUpWriter) -> Report:
    """Tune the main-gap weights on `train_data`, measure on `data`, next to the baselines."""
    source, target = load(train_data), load(data)
    subject = f"trained on {train_data.name}, measured on {data.name}"
    if not source or not target:
        notes = ["no figures: both files need answers labelled terse with their gaps"]
        return Report(NAME, {}, {}, notes, subject=subject)
    weights = tune([source])
    tacit = figures(target, writer, lambda case: gaps_for(case, weights))
    tacit["main_gap_chosen_train"] = accuracy(source, weights)
    habit = most_frequent_gap(source)
    baselines = {
        "most_frequent_of_train": figures(target, writer, lambda _case: (habit,)),
        "writer_before": figures(target, writer, _before),
        "question_type_order": figures(target, writer, lambda case: gaps_for(case, GapWeights())),
        "shipped_weights": figures(target, writer, lambda case: gaps_for(case, WEIGHTS)),
    }
    tuned = ", ".join(f"{name} {value:g}" for name, value in vars(weights).items() if value)
    notes = [
        f"tuned on the main gaps of {len(source)} terse answers of {train_data.name}, measured on {len(target)} of "
        f"{data.name}: cue weights {tuned or 'all 0 (the question type order)'}",
        f"most_frequent_of_train: always {habit.value}, {train_data.name}'s most frequent main gap",
        "shipped_weights were tuned on both shared communities (they saw these labels): a fit, not a transfer",
    ]
    return Report(NAME, tacit, baselines, notes, subject=subject)
