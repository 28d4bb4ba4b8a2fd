"""A community's own detector: the shipped model adapted to the community's outcome labels, and the cold start that
protects its experts until there are enough labels to trust.

Outcome labels (a "my answer was complete" decline, a steward's mark, a reply that reached a guide) arrive one by
one. With fewer than REFIT_FROM of them the shipped model is only recalibrated (Platt scaling of its score, with
a ridge towards leaving it as it is), which keeps its ranking and moves its scale; from REFIT_FROM on it is
refitted (`terse_model.refit`). `adapt` is the one function both the recalibration job and the learning curve of
`tacit eval terse` run. Nothing here depends on which features the model reads: rows are the detector's features.

Cold start: a new community's answers are nudged only when the model is most sure, i.e. its score reaches the cut
that about the top 10% of answers reach. Until the community has `MIN_OWN_ANSWERS` assessed answers that is the
cut of the development answers (`cold_start_cut`, stored with the model); from then on it is the cut of the
community's own answers under the model in use (`own_cut`), because scores do not transfer: the cut from one
shared community lets 65% of the other's answers through (docs/detection.md). As labels arrive the gate relaxes:
the share of the community's answers it lets through grows linearly from 10% to all of them at `cold_start_labels`
labels (in shares, not scores: chat scores bunch together, so a small step in score lets half the answers
through); with the development cut only, the score itself falls linearly to the threshold. `gate` decides.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np

from elicitor.terse_model import TerseModel, refit

COLD_START_FRACTION = 0.10  # "most sure": the share of answers whose score reaches the cold-start cut
# Usable labels from which the model is refitted rather than recalibrated. Chosen on the learning curve of
# `tacit eval terse --train` (docs/detection.md): on Stack Exchange refitting wins from 5-10 labels (F1 0.617 vs
# 0.589 recalibrated at k = 10), in chat recalibrating holds F1 a little better below about 10 (0.567 vs 0.552).
REFIT_FROM = 10
# Ridge pulling Platt's (slope, shift) towards (1, 0): ten labels move the scale a little, fifty a lot.
PLATT_L2 = 5.0
PLATT_STEPS = 50
MAX_STEP = 1.0  # damped Newton steps: a handful of one-sided labels must not fling the scale
MIN_OWN_ANSWERS = 50  # assessed answers from which the community's own score distribution sets the cut
MAX_MODEL_CHARS = 20_000  # a stored model is a few hundred characters; anything far larger is not one
MAX_ABS_VALUE = 1_000.0  # no honest standardised coefficient or mean comes near this


class Method(StrEnum):
    SHIPPED = "shipped"  # no usable labels: the model Tacit ships
    RECALIBRATED = "recalibrated"  # few labels: the shipped model's score rescaled
    REFITTED = "refitted"  # enough labels: coefficients moved towards the community's labels


@dataclass(frozen=True)
class Adapted:
    """A community's model and how it was made."""

    model: TerseModel
    method: Method
    labels: int  # the labelled answers it learned from


@dataclass(frozen=True)
class Calibration:
    """What assessing an answer of one community uses instead of the defaults."""

    model: TerseModel | None = None  # None: the detector's own (shipped) model
    gate: float | None = None  # cold start: a candidate must also score at least this
    method: Method = Method.SHIPPED
    labels: int = 0


def adapt(
    shipped: TerseModel, rows: Sequence[Mapping[str, float]], gold: Sequence[bool], refit_from: int = REFIT_FROM
) -> Adapted:
    """The shipped model recalibrated (few labels) or refitted (at least `refit_from`, of both kinds) on them."""
    if not rows:
        return Adapted(shipped, Method.SHIPPED, 0)
    note = f"{len(rows)} labels of one community"
    if len(rows) >= refit_from and len(set(gold)) == 2:
        refitted = refit(shipped, rows, gold, note=f"{shipped.note}; refitted on {note}")
        return Adapted(replace(refitted, cold_start_cut=shipped.cold_start_cut), Method.REFITTED, len(rows))
    return Adapted(recalibrate(shipped, rows, gold, note=f"recalibrated on {note}"), Method.RECALIBRATED, len(rows))


def recalibrate(
    model: TerseModel, rows: Sequence[Mapping[str, float]], gold: Sequence[bool], note: str = ""
) -> TerseModel:
    """Platt scaling of the model's linear score z: a*z + b, fitted on the labels with a ridge towards (1, 0).

    The result is again a TerseModel (coefficients times a, intercept a*intercept + b), with the same
    standardisation and operating offset, so the community's threshold keeps its meaning; the cold-start cut is
    carried through the same map. One kind of label only shifts the scale, within the ridge.
    """
    z = model.values(rows) @ np.array(model.coef) + model.intercept
    slope, shift = _platt(z, np.array(gold, dtype=float))
    cut = model.cold_start_cut
    if cut is not None:
        z_cut = _logit(cut) - model.offset
        cut = round(_sigmoid(slope * z_cut + shift + model.offset), 6)
    return TerseModel(
        model.names,
        model.mean,
        model.scale,
        tuple(round(slope * c, 6) for c in model.coef),
        round(slope * model.intercept + shift, 6),
        model.offset,
        note or f"{model.note}; recalibrated",
        cut,
    )


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(a, b) of the weighted logistic fit y ~ sigmoid(a*z + b), classes weighed equally, ridge towards (1, 0)."""
    positives, negatives = float(y.sum()), float(len(y) - y.sum())
    weights = np.where(y > 0, len(y) / (2 * max(positives, 1.0)), len(y) / (2 * max(negatives, 1.0)))
    design = np.column_stack([z, np.ones(len(z))])
    prior = np.array([1.0, 0.0])
    beta = prior.copy()
    for _ in range(PLATT_STEPS):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -30, 30)))
        gradient = design.T @ (weights * (p - y)) + PLATT_L2 * (beta - prior)
        hessian = design.T @ (design * (weights * p * (1 - p))[:, None]) + PLATT_L2 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        step *= min(1.0, MAX_STEP / max(1e-12, float(np.abs(step).max())))
        beta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    # A negative slope would turn the ranking upside down on a handful of labels: keep the order, move the scale.
    return max(float(beta[0]), 0.05), float(beta[1])


def cold_start_cut(scores: Sequence[float], communities: Sequence[str], fraction: float = COLD_START_FRACTION) -> float:
    """The score that about the top `fraction` of answers reach, each community weighing equally."""
    values = np.array(scores, dtype=float)
    keys = np.array(list(communities))
    weights = np.zeros(len(values))
    for key in set(communities):
        member = keys == key
        weights[member] = 1.0 / member.sum()
    order = np.argsort(-values, kind="stable")
    reached = np.cumsum(weights[order]) / weights.sum()
    position = int(np.searchsorted(reached, fraction - 1e-9, side="left"))  # 6 * (1/60) may sum to 0.0999...
    return round(float(values[order][min(position, len(values) - 1)]), 6)


def own_cut(
    model: TerseModel, assessed: Sequence[tuple[float, Mapping[str, object]]], fraction: float = COLD_START_FRACTION
) -> float | None:
    """The cut about the top `fraction` of the community's assessed answers reach under `model`, or None with
    fewer than MIN_OWN_ANSWERS of them. Each is (stored score, stored features): a stored 0 is an answer the rules
    ruled out (it scores 0 under any model); the others are scored again, so the cut is on the model's own scale.
    Rows without the model's features (stored before the features changed) are left out."""
    ruled_out = sum(1 for stored, _ in assessed if stored <= 0)
    rows = [f for stored, f in assessed if stored > 0 and _has_numbers(f, model.names)]
    scores = [0.0] * ruled_out
    if rows:
        z = model.values(rows) @ np.array(model.coef) + model.intercept + model.offset  # type: ignore[arg-type]
        # Rounded as the detector rounds the score it compares with the gate.
        scores += list(np.round(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))), 3))
    if len(scores) < MIN_OWN_ANSWERS:
        return None
    return cold_start_cut(scores, [""] * len(scores), fraction)


def _has_numbers(features: Mapping[str, object], names: Sequence[str]) -> bool:
    values = [features.get(n) for n in names]
    return all(type(v) in (int, float) and math.isfinite(float(v)) for v in values)  # type: ignore[arg-type]


def gate(
    model: TerseModel,
    assessed: Sequence[tuple[float, Mapping[str, object]]],
    threshold: float,
    labels: int,
    cold_start_labels: int,
) -> float | None:
    """The cold-start gate for a community with `labels` labels and these assessed answers, or None (no gate)."""
    if cold_start_labels <= 0 or labels >= cold_start_labels:
        return None
    share = COLD_START_FRACTION + (1 - COLD_START_FRACTION) * max(labels, 0) / cold_start_labels
    own = own_cut(model, assessed, share)
    if own is not None:
        return own if own > threshold else None
    return cold_start_gate(model.cold_start_cut, threshold, labels, cold_start_labels)


def cold_start_gate(cut: float | None, threshold: float, labels: int, cold_start_labels: int) -> float | None:
    """The gate from the development cut alone (no score distribution of the community yet), or None.

    At 0 labels it is the cut; it falls linearly to the threshold at `cold_start_labels` labels. A refitted model
    keeps the shipped cut, which is then only approximate: it serves a community with few assessed answers only.
    """
    if cut is None or cold_start_labels <= 0 or labels >= cold_start_labels or cut <= threshold:
        return None
    return round(cut - (cut - threshold) * max(labels, 0) / cold_start_labels, 4)


def parse_stored(text: str, shipped: TerseModel) -> tuple[TerseModel | None, str]:
    """A stored community model, or None and why it cannot be used (it is checked like any input)."""
    if len(text) > MAX_MODEL_CHARS:
        return None, f"{len(text)} characters, more than a model has"
    try:
        model = TerseModel.from_json(text)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError) as exc:
        return None, f"not a model ({type(exc).__name__}: {str(exc)[:80]})"
    if model.names != shipped.names:
        return None, "it reads other features than the shipped model (built before the model changed)"
    numbers = [*model.mean, *model.scale, *model.coef, model.intercept, model.offset]
    if any(len(part) != len(model.names) for part in (model.mean, model.scale, model.coef)):
        return None, "its parts have different lengths"
    if not all(type(v) in (int, float) and _sensible(v) for v in numbers):
        return None, "a value is not a finite number of sensible size"
    if any(s <= 0 for s in model.scale):
        return None, "a feature scale is not positive"
    if model.cold_start_cut is not None and not 0 < model.cold_start_cut < 1:
        return None, "its cold-start cut is outside 0..1"
    return model, ""


def _sensible(value: float) -> bool:
    """Finite and of sensible size; a huge JSON integer is refused before `isfinite` (which would overflow on it)."""
    if isinstance(value, int) and not -MAX_ABS_VALUE <= value <= MAX_ABS_VALUE:
        return False
    return math.isfinite(value) and abs(value) <= MAX_ABS_VALUE


def label_key(labels: Sequence[tuple[str, bool]]) -> str:
    """A fingerprint of a community's labels (message id, terse): a new or changed label changes it."""
    text = json.dumps(sorted([m, bool(t)] for m, t in labels), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
