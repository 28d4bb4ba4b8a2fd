"""Tune the main-gap cue weights (elicitor.gaps.GapWeights) on labelled terse answers, and measure them elsewhere.

The weights say how far each cue of what was asked against what was answered moves a gap up the question type's
order. They are chosen by grid search: the combination that names the labelled main gap for the most terse answers
of the training communities (each community weighed equally; ties go to the smallest total weight, the closest to
the question type's order alone). Judge them leave-one-community-out (`tacit eval followup --data A --train B`).

The shipped weights (elicitor.gaps.WEIGHTS) come from both shared communities:
    python -m evals.tune_gaps --data ../shared/data/answers.jsonl --data ../shared/data/answers_irc.jsonl
"""

from __future__ import annotations

import argparse
import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from elicitor.cues import gap_coverage
from elicitor.detect import MAX_GAPS, ineligible_reason, question_text
from elicitor.gaps import CUE_GAP, CUES, GIVEN, GapWeights, answer_cues, find_gaps, importance
from elicitor.model import Gap
from evals.followup import Case, load_cases

GRID = (0.0, 0.5, 1.0)  # per cue; 1/6 is one step of the question type's order
GAPS = tuple(Gap)
_CHUNK = 4096  # weight combinations scored at once (keeps memory to a few MB per community)


@dataclass(frozen=True)
class GapCase:
    """One labelled terse answer as the gap chooser sees it: order scores, cues, covered gaps, the label."""

    case: Case
    order: np.ndarray  # (gaps,) the question type's order as scores, 1 for the first
    cues: np.ndarray  # (cues, gaps) 1 where a cue fires for that gap
    missing: np.ndarray  # (gaps,) True where the answer leaves the gap out (the only gaps it may choose)
    eligible: bool  # the detector assesses it at all (else it gets no gaps)
    main: int  # index of the labelled main gap


def prepare(cases: Sequence[Case]) -> list[GapCase]:
    """Cues and scores of every case, computed once for the whole grid."""
    out = []
    for case in cases:
        question = question_text(case.thread, case.answer)
        order = importance(question)
        rank = np.array([1.0 - order.index(g) / len(order) for g in GAPS])
        fired = answer_cues(question, case.answer.text)
        cue_matrix = np.zeros((len(CUES), len(GAPS)))
        for i, cue in enumerate(CUES):
            cue_matrix[i, GAPS.index(CUE_GAP[cue])] = float(fired[cue])
        coverage = gap_coverage(case.answer.text)
        missing = np.array([coverage[g] < GIVEN for g in GAPS])
        eligible = not ineligible_reason(case.thread, case.answer)
        out.append(GapCase(case, rank, cue_matrix, missing, eligible, GAPS.index(case.gold_gaps[0])))
    return out


def load(path: Path) -> list[GapCase]:
    return prepare([c for c in load_cases(path) if c.gold_gaps])


def chosen(cases: Sequence[GapCase], weights: np.ndarray) -> np.ndarray:
    """(combinations, cases): the index of the main gap each weight combination chooses.

    An answer the detector does not assess gets no gaps, and the writer chooses the same way itself; one with no
    gap left gets the writer's default, rationale."""
    if not cases:
        return np.zeros((len(weights), 0), dtype=int)
    order = np.stack([c.order for c in cases])  # (n, g)
    cue = np.stack([c.cues for c in cases])  # (n, k, g)
    allowed = np.stack([c.missing for c in cases])  # (n, g)
    scores = order[None] + np.einsum("ck,nkg->cng", weights, cue)
    # Ties keep the question type's order, as find_gaps's stable sort does.
    scores = np.where(allowed[None], scores + 1e-9 * order[None], -np.inf)
    picks = scores.argmax(axis=2)
    has_gap = np.asarray(allowed.any(axis=1))
    return np.where(has_gap[None], picks, GAPS.index(Gap.RATIONALE))


def accuracy(cases: Sequence[GapCase], weights: GapWeights) -> float:
    """Share of cases whose chosen main gap is the labelled one."""
    vector = np.array([[getattr(weights, cue) for cue in CUES]])
    picks = chosen(cases, vector)[0]
    return float(np.mean(picks == np.array([c.main for c in cases]))) if cases else 0.0


def tune(communities: Sequence[Sequence[GapCase]], grid: Sequence[float] = GRID) -> GapWeights:
    """The grid's weights with the best mean main-gap accuracy over the communities (smallest total on ties)."""
    combos = np.array(list(itertools.product(grid, repeat=len(CUES))))
    mean = np.zeros(len(combos))
    for cases in communities:
        labels = np.array([c.main for c in cases])
        for start in range(0, len(combos), _CHUNK):
            block = combos[start : start + _CHUNK]
            mean[start : start + len(block)] += (chosen(cases, block) == labels[None]).mean(axis=1) / len(communities)
    best = np.flatnonzero(mean >= mean.max() - 1e-12)
    pick = best[np.argmin(combos[best].sum(axis=1))]
    return GapWeights(**{cue: float(w) for cue, w in zip(CUES, combos[pick], strict=True)})


def most_frequent_gap(cases: Sequence[GapCase]) -> Gap:
    """The training community's most frequent labelled main gap (ties: the first in Gap order)."""
    counts = Counter(c.main for c in cases)
    return GAPS[max(range(len(GAPS)), key=lambda i: (counts[i], -i))]


def share_of(cases: Sequence[GapCase], gap: Gap) -> float:
    return sum(c.main == GAPS.index(gap) for c in cases) / len(cases) if cases else 0.0


def gaps_for(case: GapCase, weights: GapWeights) -> tuple[Gap, ...]:
    """The gaps the writer asks about with these weights (for an answer the detector does not assess, the writer
    chooses them itself the same way)."""
    question = question_text(case.case.thread, case.case.answer)
    return find_gaps(question, case.case.answer.text, weights)[:MAX_GAPS]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, action="append", required=True, help="an answers file with terse_label rows (repeat)"
    )
    args = parser.parse_args(argv)
    communities = [load(path) for path in args.data]
    weights = tune(communities)
    print(weights)
    for path, cases in zip(args.data, communities, strict=True):
        fit, plain = accuracy(cases, weights), accuracy(cases, GapWeights())
        print(f"{path.name}: main gap {fit:.3f} with these weights (a training fit), {plain:.3f} with none")


if __name__ == "__main__":
    main()
