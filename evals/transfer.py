"""`tacit eval terse --data A --train B`: the detector trained on one community, measured on another.

This is the figure to trust for a community Tacit has never seen (leave-one-community-out): the model is fitted on
B's labels only and scores every labelled answer of A. Beside it, in the same run: always-yes, and the length
baseline twice (its threshold tuned on B, as the model's is, and tuned on A's own labels, an upper bound no
deployment has). Cold start is the precision among the top 10% and 25% of A's answers by score.

Learning from outcomes is simulated: k labels of A (k = 0, 10, 25, 50, 100) are revealed, the model is adapted to
them by the code the recalibrate_detector job runs (elicitor.community_model.adapt: recalibrated below
REFIT_FROM labels, refitted from there), and the rest of A is scored; each k is averaged over a few seeded draws.
The cold start is measured the same way: what the cold-start gate lets through (its precision and share), with the
gate's cut taken from B's scores, as the shipped model's is from the development data. The length baseline gets the
same k labels to tune its threshold.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from elicitor.community_model import REFIT_FROM, Method, adapt, cold_start_cut, cold_start_gate, gate
from elicitor.detect import bare_instruction, ineligible_reason, question_text
from elicitor.gaps import find_gaps
from elicitor.terse_model import OPERATING_POINT, TerseModel
from evals.metrics import best_threshold_f1, precision_at_top, precision_recall_f1, roc_auc
from evals.report import Report
from evals.terse import _Row, load, model_inputs, train_model

CURVE_KS = (0, 10, 25, 50, 100)
CURVE_DRAWS = 10
MIN_SCORED = 20  # a k is skipped when fewer labelled answers than this would be left to score
TOP_FRACTIONS = (0.10, 0.25)
COLD_START_LABELS = 50  # the default of TACIT_COLD_START_LABELS (api/settings.py)


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


def cold_start(model: TerseModel, items: Sequence[Scored], threshold: float, gate: float | None) -> dict[str, float]:
    """What the cold-start gate lets through: the precision of those nudges and the share of answers nudged."""
    limit = max(threshold, gate if gate is not None else 0.0)
    predicted = [score(model, i) >= limit and i.has_gaps for i in items]
    nudged = sum(predicted)
    precision = sum(p and i.terse for p, i in zip(predicted, items, strict=True)) / nudged if nudged else 0.0
    return {"cold_start_precision": precision, "cold_start_share": nudged / len(items) if items else 0.0}


def community_gate(
    model: TerseModel, items: Sequence[Scored], threshold: float, labels: int, cold_start_labels: int
) -> float | None:
    """The gate as deployed once a community has enough assessed answers (elicitor.community_model.gate, the code
    assessment runs, on its answers' scores under the model in use), relaxed by its labels."""
    assessed = [(1.0 if i.eligible else 0.0, i.features) for i in items]
    return gate(model, assessed, threshold, labels, cold_start_labels)


def with_cold_start_cut(model: TerseModel, items: Sequence[Scored]) -> TerseModel:
    """The model with the score about the top 10% of these answers reach (as evals/train_terse.py stores it)."""
    return replace(model, cold_start_cut=cold_start_cut([score(model, i) for i in items], ["train"] * len(items)))


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
    cold_start_labels: int = COLD_START_LABELS,
) -> list[dict[str, float]]:
    """Reveal k labels of the community, adapt the model to them as the job does, score the rest; means over
    seeded draws. Ruled-out answers among the k are not learned from (the job leaves them out too).

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
            usable = [i for i in shown if i.eligible]
            adapted = adapt(model, [i.features for i in usable], [i.terse for i in usable])
            tacit = figures(adapted.model, rest, threshold)
            gate = community_gate(adapted.model, rest, threshold, adapted.labels, cold_start_labels)
            cut = length_cut(shown) if len({i.terse for i in shown}) == 2 else prior_cut
            length = length_figures(rest, cut)
            point = {
                "f1": tacit["f1"],
                "roc_auc_terse": tacit["roc_auc_terse"],
                "precision_top10pct": tacit["precision_top10pct"],
                **cold_start(adapted.model, rest, threshold, gate),
                "refitted": float(adapted.method is Method.REFITTED),
                "length_f1": length["f1"],
                "always_yes_f1": always_yes(rest)["f1"],
            }
            for name, value in point.items():
                sums[name] = sums.get(name, 0.0) + value
        rows.append({"k": float(k)} | {name: value / runs for name, value in sums.items()})
    return rows


def run(
    data: Path,
    train_data: Path,
    threshold: float = OPERATING_POINT,
    progress: Callable[[int], None] | None = None,
    cold_start_labels: int = COLD_START_LABELS,
) -> Report:
    """Train on `train_data`'s labels, measure on `data`'s, with baselines, the cold start and the learning curve;
    `cold_start_labels` is the deployment's TACIT_COLD_START_LABELS."""
    source_rows, target_rows = load(train_data), load(data)
    model = train_model(source_rows, f"trained on {train_data.name} for a transfer measurement")
    source, target = prepare(source_rows), prepare(target_rows, progress)
    model = with_cold_start_cut(model, source)
    notes = [
        f"trained on {len(source)} labelled answers of {train_data.name}, measured on {len(target)} of {data.name} "
        f"({sum(i.terse for i in target)} terse): a community the model never saw",
    ]
    if not target or len({i.terse for i in target}) < 2:
        notes.append("no figures: the data needs terse and non-terse labels")
        return Report("terse-transfer", {}, {}, notes, subject=f"measured on {data.name}")
    first = cold_start(model, target, threshold, cold_start_gate(model.cold_start_cut, threshold, 0, cold_start_labels))
    tacit = (
        figures(model, target, threshold)
        | cold_start(model, target, threshold, community_gate(model, target, threshold, 0, cold_start_labels))
        | {f"{name}_dev_cut": value for name, value in first.items()}
    )
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
    notes.append(
        "cold start, no labels: only answers reaching the score about the top 10% of this community's answers reach "
        "are nudged (as deployed once it has 50 assessed answers): cold_start_precision is the share of terse "
        "answers among them, cold_start_share the share of answers nudged; *_dev_cut: with the cut of "
        f"{train_data.name}'s answers instead ({model.cold_start_cut}), as for a community's first 50 answers"
    )
    curve = learning_curve(model, target, threshold, source_cut, cold_start_labels=cold_start_labels)
    notes.append(
        "learning_curve: k labels of this community revealed and the model adapted to them as the recalibrate job "
        f"does (recalibrated below {REFIT_FROM} usable labels, refitted from there: `refitted` is the share of draws "
        f"refitted), the rest scored; the cold-start gate relaxes until {cold_start_labels} labels; k > 0 averaged over "
        f"{CURVE_DRAWS} seeded draws; length_f1 tunes its threshold on the same k labels"
    )
    subject = f"trained on {train_data.name}, measured on {data.name}"
    return Report("terse-transfer", tacit, baselines, notes, {"learning_curve": curve}, subject)
