"""`tacit eval terse --data A --train B`: the detector trained on one community, measured on another.

This is the figure to trust for a community Tacit has never seen (leave-one-community-out): the model is fitted on
B's labels only and scores every labelled answer of A. Beside it, in the same run: always-yes, and the length
baseline twice (its threshold tuned on B, as the model's is, and tuned on A's own labels, an upper bound no
deployment has). Cold start is the precision among the top 10% and 25% of A's answers by score.

Learning from outcomes is simulated: k labels of A (k = 0, 10, 25, 50, 100) are revealed, the model is refitted on
them (elicitor.terse_model.refit, a ridge towards the B model), and the rest of A is scored; each k is averaged
over a few seeded draws. The length baseline gets the same k labels to tune its threshold.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from elicitor.detect import bare_instruction, ineligible_reason, question_text
from elicitor.gaps import find_gaps
from elicitor.terse_model import OPERATING_POINT, TerseModel, refit
from evals.metrics import best_threshold_f1, precision_at_top, precision_recall_f1, roc_auc
from evals.report import Report
from evals.terse import _Row, load, model_inputs, train_model

CURVE_KS = (0, 10, 25, 50, 100)
CURVE_DRAWS = 10
MIN_SCORED = 20  # a k is skipped when fewer labelled answers than this would be left to score
TOP_FRACTIONS = (0.10, 0.25)


@dataclass(frozen=True)
class Scored:
    """One labelled answer as the detector sees it, ready to be scored by any model."""

    features: dict[str, float]
    eligible: bool  # the rules let it through (else it scores 0)
    has_gaps: bool  # something is missing that a question could ask for
    bare: bool  # a short bare instruction: scored at least at the operating point
    words: int
    terse: bool
    high_confidence: bool


def prepare(rows: Sequence[_Row], progress: Callable[[int], None] | None = None) -> list[Scored]:
    """The labelled rows' features and rule outcomes, computed once."""
    out = []
    for r in rows:
        if r.terse is None:
            continue
        features = model_inputs(r)
        question = question_text(r.thread, r.answer)
        out.append(
            Scored(
                features,
                not ineligible_reason(r.thread, r.answer),
                bool(find_gaps(question, r.answer.text)),
                bare_instruction(r.answer.text, features),
                r.words,
                bool(r.terse),
                r.high_confidence,
            )
        )
        if progress:
            progress(1)
    return out


def score(model: TerseModel, item: Scored) -> float:
    """The detector's score for an answer (as TerseDetector.assess computes it)."""
    if not item.eligible:
        return 0.0
    value = round(model.score(item.features), 3)
    return max(value, OPERATING_POINT) if item.bare else value


def figures(model: TerseModel, items: Sequence[Scored], threshold: float) -> dict[str, float]:
    """F1 (all and high-confidence labels), ROC-AUC and precision at the top of the ranking."""
    scores = [score(model, i) for i in items]
    predicted = [s >= threshold and i.has_gaps for s, i in zip(scores, items, strict=True)]
    return classification(predicted, items) | ranking(scores, items)


def classification(predicted: Sequence[bool], items: Sequence[Scored]) -> dict[str, float]:
    """Precision, recall, F1 on all labels, and F1 on the high-confidence ones."""
    gold = [i.terse for i in items]
    out = precision_recall_f1(predicted, gold)
    high = [n for n, i in enumerate(items) if i.high_confidence]
    if high:
        out["f1_high_confidence"] = precision_recall_f1([predicted[n] for n in high], [gold[n] for n in high])["f1"]
    return out


def ranking(scores: Sequence[float], items: Sequence[Scored]) -> dict[str, float]:
    """ROC-AUC of the terse score and precision among the top 10% and 25% of answers by it."""
    gold = [i.terse for i in items]
    out = {"roc_auc_terse": roc_auc(scores, gold)}
    for fraction in TOP_FRACTIONS:
        out[f"precision_top{round(fraction * 100)}pct"] = precision_at_top(scores, gold, fraction)
    return out


def length_cut(items: Sequence[Scored]) -> float:
    """The word-count threshold (terse when at most this many words) with the best F1 on these labels."""
    if not items:
        return float("inf")
    threshold, _ = best_threshold_f1([-float(i.words) for i in items], [i.terse for i in items])
    return -threshold


def length_figures(items: Sequence[Scored], cut: float) -> dict[str, float]:
    """The length baseline with a given cut: classification at the cut, ranking by fewer words."""
    predicted = [i.words <= cut for i in items]
    return classification(predicted, items) | ranking([-float(i.words) for i in items], items)


def always_yes(items: Sequence[Scored]) -> dict[str, float]:
    """Nudging every answer: its F1, and chance-level ranking (precision at the top = the base rate)."""
    out = classification([True] * len(items), items)
    base = sum(i.terse for i in items) / len(items) if items else 0.0
    return out | {"roc_auc_terse": 0.5} | {f"precision_top{round(f * 100)}pct": base for f in TOP_FRACTIONS}


def learning_curve(
    model: TerseModel,
    items: Sequence[Scored],
    threshold: float,
    prior_cut: float,
    ks: Sequence[int] = CURVE_KS,
    draws: int = CURVE_DRAWS,
) -> list[dict[str, float]]:
    """Reveal k labels of the community, refit on them, score the rest; means over seeded draws.

    The length baseline starts from `prior_cut` (tuned where the model was) and retunes on the k labels.
    """
    rows = []
    for k in ks:
        if len(items) - k < MIN_SCORED:
            continue
        sums: dict[str, float] = {}
        runs = draws if k else 1
        for draw in range(runs):
            order = list(range(len(items)))
            random.Random(draw).shuffle(order)
            shown, rest = [items[n] for n in order[:k]], [items[n] for n in order[k:]]
            fitted = refit(model, [i.features for i in shown if i.eligible], [i.terse for i in shown if i.eligible])
            tacit = figures(fitted, rest, threshold)
            cut = length_cut(shown) if len({i.terse for i in shown}) == 2 else prior_cut
            length = length_figures(rest, cut)
            point = {
                "f1": tacit["f1"],
                "roc_auc_terse": tacit["roc_auc_terse"],
                "precision_top10pct": tacit["precision_top10pct"],
                "length_f1": length["f1"],
                "always_yes_f1": always_yes(rest)["f1"],
            }
            for name, value in point.items():
                sums[name] = sums.get(name, 0.0) + value
        rows.append({"k": float(k)} | {name: value / runs for name, value in sums.items()})
    return rows


def run(
    data: Path, train_data: Path, threshold: float = OPERATING_POINT, progress: Callable[[int], None] | None = None
) -> Report:
    """Train on `train_data`'s labels, measure on `data`'s, with baselines and the learning curve."""
    source_rows, target_rows = load(train_data), load(data)
    model = train_model(source_rows, f"trained on {train_data.name} for a transfer measurement")
    source, target = prepare(source_rows), prepare(target_rows, progress)
    notes = [
        f"trained on {len(source)} labelled answers of {train_data.name}, measured on {len(target)} of {data.name} "
        f"({sum(i.terse for i in target)} terse): a community the model never saw",
    ]
    if not target or len({i.terse for i in target}) < 2:
        notes.append("no figures: the data needs terse and non-terse labels")
        return Report("terse-transfer", {}, {}, notes, subject=f"measured on {data.name}")
    tacit = figures(model, target, threshold)
    source_cut = length_cut(source)
    own_cut = length_cut(target)
    baselines = {
        "always_yes": always_yes(target),
        "length_tuned_on_train": length_figures(target, source_cut),
        "length_tuned_on_these": length_figures(target, own_cut),
    }
    notes.append(
        f"length baselines: terse when <= {source_cut:.0f} words (tuned on {train_data.name}) and <= {own_cut:.0f} "
        f"(tuned on {data.name}'s own labels: an upper bound no new community has)"
    )
    curve = learning_curve(model, target, threshold, source_cut)
    notes.append(
        "learning_curve: k labels of this community revealed and the model refitted on them (ridge towards the "
        f"transferred model), the rest scored; k > 0 averaged over {CURVE_DRAWS} seeded draws; length_f1 tunes its "
        "threshold on the same k labels"
    )
    subject = f"trained on {train_data.name}, measured on {data.name}"
    return Report("terse-transfer", tacit, baselines, notes, {"learning_curve": curve}, subject)
