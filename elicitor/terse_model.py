"""The learned part of terse detection: a small logistic regression over a few topic-free features.

Its coefficients ship as JSON (elicitor/models/terse.json) and are applied with numpy; no scikit-learn at run time.
`train` fits it (numpy Newton steps, L2, classes balanced within each community) and is what `evals/train_terse.py`
and the evaluations call; `refit` moves a model towards one community's own labels (learning from outcomes), with
a ridge that pulls towards the model it starts from, so ten labels nudge it and a hundred reshape it. Features are
general (how much context the answer gives, whether it shows how, how clearly it claims something, peer
endorsement): no words of any topic, no embeddings.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from elicitor import cues
from elicitor.model import Gap

# The community's default threshold (Settings.terse_threshold): the model's F1-best cut is mapped onto it.
OPERATING_POINT = 0.55
# Chosen by leave-one-community-out figures (docs/detection.md): adding 27 cues of what the question asks against
# what the answer supplies lowered ROC-AUC on the community left out in both directions, so they are not used.
FEATURES = ("context", "shows_how", "substance", "endorsement", "accepted", "brevity")
DEFAULT_PATH = Path(__file__).parent / "models" / "terse.json"
L2 = 3.0  # ridge on standardised coefficients: a few hundred labels do not support sharp weights
# Ridge towards the starting model when a community's own labels refit it; measured on the learning curve of
# `tacit eval terse --train`: of 1, 5, 20 and 80, 5 held best across k = 10..100 in both directions.
REFIT_L2 = 5.0
MAX_STEP = 1.0  # largest change of any coefficient in one Newton step
INNER_FOLDS = 5


def features(answer: str, score: int, accepted: bool) -> dict[str, float]:
    """The model's inputs for one answer: context it covers, structure, claim strength, endorsement, length."""
    coverage = cues.gap_coverage(answer)
    return {
        "context": round(sum(coverage.values()), 4),  # 0..6: each kind of context the answer already gives
        "shows_how": round(coverage[Gap.STEPS], 4),  # code, commands, lists, imperative sequences
        "substance": cues.recommendation_strength(answer),
        "endorsement": round(math.log1p(max(score, 0)), 4),  # votes or reactions on this very answer
        "accepted": 1.0 if accepted else 0.0,
        "brevity": round(-math.log1p(cues.word_count(answer)), 4),
    }


@dataclass(frozen=True)
class TerseModel:
    """Standardise, weigh, squash: score = sigmoid(coef . (x - mean) / scale + intercept + offset)."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    offset: float  # moves the F1-best cut found by inner cross-validation onto OPERATING_POINT
    note: str = ""
    # Cold start: the score that about the top 10% of the development answers reach (elicitor/community_model.py);
    # None when the model was built without it.
    cold_start_cut: float | None = None

    def score(self, values: Mapping[str, float]) -> float:
        """0..1, monotone in the probability that the answer is terse; OPERATING_POINT is the F1-best cut."""
        x = (np.array([values[n] for n in self.names]) - np.array(self.mean)) / np.array(self.scale)
        z = float(x @ np.array(self.coef)) + self.intercept + self.offset
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> str:
        data = asdict(self)
        return json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> TerseModel:
        data = json.loads(text)
        return cls(
            tuple(data["names"]),
            tuple(data["mean"]),
            tuple(data["scale"]),
            tuple(data["coef"]),
            float(data["intercept"]),
            float(data["offset"]),
            str(data.get("note", "")),
            None if data.get("cold_start_cut") is None else float(data["cold_start_cut"]),
        )

    def values(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Rows as this model's standardised design matrix."""
        x = np.array([[r.get(n, 0.0) for n in self.names] for r in rows], dtype=float).reshape(len(rows), -1)
        standardised: np.ndarray = (x - np.array(self.mean)) / np.array(self.scale)
        return standardised

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> TerseModel:
        return cls.from_json(path.read_text(encoding="utf-8"))


def _balanced(y: np.ndarray, groups: Sequence[str] | None = None) -> np.ndarray:
    """Weights that give each community equal say, and each class half of its community's say."""
    keys = list(groups) if groups is not None else [""] * len(y)
    weights = np.zeros(len(y))
    communities = sorted(set(keys))
    for key in communities:
        member = np.array([k == key for k in keys])
        n = float(member.sum())
        positives = max(1.0, float(y[member].sum()))
        negatives = max(1.0, n - float(y[member].sum()))
        weights[member] = np.where(y[member] > 0, n / (2 * positives), n / (2 * negatives))
        weights[member] *= len(y) / (n * len(communities))
    return weights


def _fit(
    x: np.ndarray,
    y: np.ndarray,
    l2: float = L2,
    steps: int = 100,
    weights: np.ndarray | None = None,
    prior: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Weighted L2 logistic regression by Newton's method; x standardised.

    Without a prior the ridge pulls towards 0 and the intercept is free; with one (coefficients then intercept)
    it pulls towards the prior, the intercept lightly, so a few labels mostly move the base rate.
    """
    n, d = x.shape
    weights = _balanced(y) if weights is None else weights
    design = np.hstack([x, np.ones((n, 1))])
    start = np.zeros(d + 1) if prior is None else np.array(prior, dtype=float)
    beta = start.copy()
    penalty = np.diag([l2] * d + [0.0 if prior is None else l2 / 100])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -30, 30)))
        gradient = design.T @ (weights * (p - y)) + penalty @ (beta - start)
        hessian = design.T @ (design * (weights * p * (1 - p))[:, None]) + penalty + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hessian, gradient)
        # Damped: a near-separable handful of labels can send a full Newton step far past the optimum.
        step *= min(1.0, MAX_STEP / max(1e-12, float(np.abs(step).max())))
        beta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def _unknown_as_typical(x: np.ndarray, communities: Sequence[str] | None) -> np.ndarray:
    """A feature one community never varies (chat has no votes or accepted answers) is unknown there, not zero:
    its rows get the other communities' mean, so the model learns that feature only where it is observed."""
    if communities is None or len(set(communities)) < 2:
        return x
    keys = np.array(list(communities))
    x = x.copy()
    for key in set(communities):
        member = keys == key
        for j in np.flatnonzero(x[member].std(axis=0) < 1e-9):
            x[member, j] = x[~member, j].mean()
    return x


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = x.std(axis=0)
    return x.mean(axis=0), np.where(scale > 1e-9, scale, 1.0)


def _best_cut(p: np.ndarray, y: np.ndarray) -> float:
    """The probability cut with the best F1 (the midpoint towards the next lower score, for stability)."""
    best, cut = -1.0, 0.5
    ordered = np.unique(p)[::-1]
    for i, t in enumerate(ordered):
        predicted = p >= t
        tp = float((predicted & (y > 0)).sum())
        f1 = 2 * tp / (predicted.sum() + y.sum()) if predicted.sum() + y.sum() else 0.0
        if f1 > best:
            best, cut = f1, (t + ordered[i + 1]) / 2 if i + 1 < len(ordered) else t
    return float(min(0.95, max(0.05, cut)))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def train(
    rows: Sequence[Mapping[str, float]],
    gold: Sequence[bool],
    note: str = "",
    communities: Sequence[str] | None = None,
) -> TerseModel:
    """Fits the model on labelled rows (of one or more communities, each weighed equally); the operating cut
    comes from inner cross-validation, not the fit."""
    x = np.array([[r[n] for n in FEATURES] for r in rows], dtype=float).reshape(len(rows), len(FEATURES))
    y = np.array(gold, dtype=float)
    x = _unknown_as_typical(x, communities)
    mean, scale = _standardise(x)
    weights = _balanced(y, communities)
    coef, intercept = _fit((x - mean) / scale, y, weights=weights)
    held_out = np.zeros(len(y))
    folds = stratified_folds(list(gold), INNER_FOLDS)
    for test in folds if len(folds) > 1 else []:
        train_index = np.setdiff1d(np.arange(len(y)), test)
        m, s = _standardise(x[train_index])
        c, b = _fit((x[train_index] - m) / s, y[train_index], weights=weights[train_index])
        held_out[test] = 1.0 / (1.0 + np.exp(-(((x[test] - m) / s) @ c + b)))
    offset = _logit(OPERATING_POINT) - _logit(_best_cut(held_out, y)) if len(folds) > 1 else 0.0
    return TerseModel(
        FEATURES,
        tuple(mean.round(6)),
        tuple(scale.round(6)),
        tuple(coef.round(6)),
        round(intercept, 6),
        round(offset, 6),
        note,
    )


def refit(model: TerseModel, rows: Sequence[Mapping[str, float]], gold: Sequence[bool], note: str = "") -> TerseModel:
    """The model moved towards one community's own labels; unchanged without both kinds of label.

    Standardisation and the operating offset stay the model's, so scores stay comparable with its threshold.
    """
    if not rows or len(set(gold)) < 2:
        return model
    y = np.array(gold, dtype=float)
    prior = np.array([*model.coef, model.intercept])
    coef, intercept = _fit(model.values(rows), y, l2=REFIT_L2, prior=prior)
    return TerseModel(
        model.names,
        model.mean,
        model.scale,
        tuple(coef.round(6)),
        round(intercept, 6),
        model.offset,
        note or f"{model.note}; refitted on {len(y)} labels of one community",
    )


def stratified_folds(gold: Sequence[bool], k: int) -> list[list[int]]:
    """Deterministic stratified folds: positives, then negatives, dealt round-robin in order."""
    k = max(1, min(k, sum(gold), len(gold) - sum(gold)))
    folds: list[list[int]] = [[] for _ in range(k)]
    ordered = [i for i, g in enumerate(gold) if g] + [i for i, g in enumerate(gold) if not g]
    for n, i in enumerate(ordered):
        folds[n % k].append(i)
    return folds
