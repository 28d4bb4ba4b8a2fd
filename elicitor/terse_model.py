"""The learned part of terse detection: a small logistic regression over a few topic-free features.

Its coefficients ship as JSON (elicitor/models/terse.json) and are applied with numpy; no scikit-learn at run time.
`train` fits it (numpy Newton steps, L2, balanced classes) and is what `evals/train_terse.py` and the cross-validation
in `evals/terse.py` call. Features are deliberately few and general (how much context the answer gives, whether it
shows how, how clearly it claims something, peer endorsement): no words of any topic, no embeddings.
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
FEATURES = ("context", "shows_how", "substance", "endorsement", "accepted", "brevity")
DEFAULT_PATH = Path(__file__).parent / "models" / "terse.json"
L2 = 3.0  # ridge on standardised coefficients: 200 labels do not support sharp weights
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
        )

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> TerseModel:
        return cls.from_json(path.read_text(encoding="utf-8"))


def _fit(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 50) -> tuple[np.ndarray, float]:
    """Weighted (balanced) L2 logistic regression by Newton's method; x standardised, intercept unpenalised."""
    n, d = x.shape
    positives = max(1.0, float(y.sum()))
    negatives = max(1.0, float(n - y.sum()))
    weights = np.where(y > 0, n / (2 * positives), n / (2 * negatives))
    design = np.hstack([x, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    penalty = np.diag([l2] * d + [0.0])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -30, 30)))
        gradient = design.T @ (weights * (p - y)) + penalty @ beta
        hessian = design.T @ (design * (weights * p * (1 - p))[:, None]) + penalty + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return beta[:-1], float(beta[-1])


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


def train(rows: Sequence[Mapping[str, float]], gold: Sequence[bool], note: str = "") -> TerseModel:
    """Fits the model on labelled rows; the operating cut comes from inner cross-validation, not the fit."""
    x = np.array([[r[n] for n in FEATURES] for r in rows], dtype=float)
    y = np.array(gold, dtype=float)
    mean, scale = _standardise(x)
    coef, intercept = _fit((x - mean) / scale, y)
    held_out = np.zeros(len(y))
    folds = stratified_folds(list(gold), INNER_FOLDS)
    for test in folds if len(folds) > 1 else []:
        train_index = np.setdiff1d(np.arange(len(y)), test)
        m, s = _standardise(x[train_index])
        c, b = _fit((x[train_index] - m) / s, y[train_index])
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


def stratified_folds(gold: Sequence[bool], k: int) -> list[list[int]]:
    """Deterministic stratified folds: positives, then negatives, dealt round-robin in order."""
    k = max(1, min(k, sum(gold), len(gold) - sum(gold)))
    folds: list[list[int]] = [[] for _ in range(k)]
    ordered = [i for i, g in enumerate(gold) if g] + [i for i, g in enumerate(gold) if not g]
    for n, i in enumerate(ordered):
        folds[n % k].append(i)
    return folds
