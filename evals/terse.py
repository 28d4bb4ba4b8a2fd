"""`tacit eval terse`: terse-answer detection against `terse_label` and `elaboration_requested`.

Each answer is judged as written by a recognised expert: the labels judge the answer's content, and author standing
is a separate gate at nudge time. Baselines (a word-count threshold tuned on the same data, always-yes) are computed
in the same run. When the data carries enough labels, the detector's learned model is also cross-validated on them
(`cv_*` figures): on the data it was trained on, the plain figures are a training fit; the `cv_*` ones are the claim.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elicitor import cues
from elicitor.detect import TerseDetector, answer_features, ineligible_reason
from elicitor.judge_llm import DEFAULT_SCREEN
from elicitor.model import AuthorStanding, Gap, Message, Role, Thread
from elicitor.ports import Detector
from elicitor.terse_model import TerseModel, stratified_folds, train
from evals.answers import UNKNOWN_TIME, aware_time, read_answers
from evals.metrics import best_threshold_f1, pr_curve, precision_at_top, precision_recall_f1, roc_auc
from evals.report import Report

EXPERT = AuthorStanding(role=Role.EXPERT)
TOP_FRACTION = 0.10
CV_FOLDS = 5
MIN_CV_LABELS = 40  # fewer labels than this make fold figures noise: skip cross-validation
SCREENS = (0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5)  # offline-score cuts in front of an LLM judge, costed below


@dataclass(frozen=True)
class _Row:
    """One answer with its labels: terse (None when unlabelled), confidence, gaps, elaboration requested."""

    thread: Thread
    answer: Message
    words: int
    terse: bool | None
    high_confidence: bool
    gaps: tuple[Gap, ...]
    elaboration: bool


def load(data: Path) -> list[_Row]:
    """Reads answers.jsonl rows into threads of two messages (question, answer) with their labels."""
    return [_row(row) for row in read_answers(data)]


def _row(raw: dict[str, Any]) -> _Row:
    created = aware_time(raw.get("answer_created_at"), UNKNOWN_TIME)
    qid, aid = str(raw.get("question_id") or "q"), str(raw.get("answer_id") or "a")
    question = Message(qid, qid, "asker", "asker", str(raw.get("question_body") or ""), created, kind="question")
    author = str(raw.get("answer_author") or "answerer")
    answer = Message(
        aid,
        qid,
        f"answerer:{author}",
        author,
        str(raw.get("answer_text") or ""),
        created,
        parent_id=qid,
        kind="answer",
        score=int(raw.get("answer_score") or 0),
        accepted=bool(raw.get("answer_is_accepted")),
    )
    thread = Thread(qid, str(raw.get("site") or "eval"), str(raw.get("question_title") or ""), (question, answer))
    label: dict[str, Any] = raw.get("terse_label") or {}
    terse = label.get("terse") == "yes" if label else None
    gaps = tuple(Gap(g) for g in label.get("gaps", []) if g in {gap.value for gap in Gap})
    return _Row(
        thread,
        answer,
        cues.word_count(answer.text),
        terse,
        label.get("confidence") == "high",
        gaps,
        bool(raw.get("elaboration_requested")),
    )


def run(data: Path, detector: Detector, progress: Callable[[int], None] | None = None) -> Report:
    """Detection and gap figures for Tacit, the length baseline and always-yes.

    `detector` is the one Tacit is configured with: offline, or an LLM judge behind the offline screen (then its
    calls are counted in the notes). The `cv_*` and `screen_*` figures are always the offline model's.
    """
    rows = load(data)
    assessed = []
    for r in rows:
        assessed.append(detector.assess(r.thread, r.answer, EXPERT))
        if progress:
            progress(1)
    scores = [a.score for a in assessed]
    predicted = [a.is_candidate for a in assessed]
    labelled = [i for i, r in enumerate(rows) if r.terse is not None]
    high = [i for i in labelled if rows[i].high_confidence]
    gold = [bool(r.terse) for r in rows]
    elaboration = [r.elaboration for r in rows]
    notes = [
        f"{len(rows)} answers, {len(labelled)} labelled ({sum(gold[i] for i in labelled)} terse), "
        f"{len(high)} high-confidence, {sum(elaboration)} with an elaboration request"
    ]

    tacit = _classification(predicted, gold, labelled, high)
    tacit.update(_ranking(scores, elaboration))
    if labelled:
        tacit["roc_auc_terse"] = roc_auc(_pick(scores, labelled), _pick(gold, labelled))
    tacit.update(_gap_figures([rows[i] for i in labelled], [assessed[i].gaps for i in labelled]))
    cv, cv_scores = _cross_validated(rows, labelled, high, detector.threshold, notes)
    tacit.update(cv)
    screen = float(getattr(detector, "screen", DEFAULT_SCREEN))
    offline_scores = [a.features.get("offline_score", a.score) for a in assessed]  # the judge keeps the screen's
    screen_table = _screens(rows, labelled, high, cv_scores, offline_scores, sorted({*SCREENS, screen}))
    tacit.update(_screen_figures(screen_table, screen))
    if hasattr(detector, "calls"):
        notes.append(
            f"LLM judge: {detector.calls} calls for {len(rows)} answers (screen "
            f"{getattr(detector, 'screen', DEFAULT_SCREEN)}), {getattr(detector, 'fallbacks', 0)} "
            "failed and kept the offline verdict"
        )

    # Length: fewer prose words = more terse. The best threshold is tuned on the very data it is scored on.
    length_scores = [-float(r.words) for r in rows]
    length, length_notes = _length_baseline(length_scores, gold, labelled, high)
    length.update(_ranking(length_scores, elaboration))
    notes.extend(length_notes)
    always = _classification([True] * len(rows), gold, labelled, high)
    if _ranking(scores, elaboration):  # both kinds of answer present: the figures mean something
        always.update({"roc_auc": 0.5, "precision_top10pct": sum(elaboration) / len(rows)})
    always.update(_gap_figures([rows[i] for i in labelled], [tuple(Gap) for _ in labelled]))

    extra: dict[str, Any] = {"screens": screen_table} if screen_table else {}
    if labelled:
        _, precision, recall = pr_curve(_pick(scores, labelled), _pick(gold, labelled))
        extra["pr_curve"] = {"precision": precision, "recall": recall}
        _, precision, recall = pr_curve(_pick(length_scores, labelled), _pick(gold, labelled))
        extra["pr_curve_length"] = {"precision": precision, "recall": recall}
    return Report("terse", tacit, {"length": length, "always_yes": always}, notes, extra)


def _pick(values: Sequence[Any], index: Sequence[int]) -> list[Any]:
    return [values[i] for i in index]


def _classification(
    predicted: Sequence[bool], gold: Sequence[bool], labelled: Sequence[int], high: Sequence[int]
) -> dict[str, float]:
    """Precision, recall and F1 of terse=yes on all labels and on high-confidence ones."""
    if not labelled:
        return {}
    out = precision_recall_f1(_pick(predicted, labelled), _pick(gold, labelled))
    if high:
        high_figures = precision_recall_f1(_pick(predicted, high), _pick(gold, high))
        out.update({f"{k}_high_confidence": v for k, v in high_figures.items()})
    return out


def _ranking(scores: Sequence[float], elaboration: Sequence[bool]) -> dict[str, float]:
    """How well the score ranks answers that real readers asked to elaborate."""
    if not scores or all(elaboration) or not any(elaboration):
        return {}
    return {
        "roc_auc": roc_auc(scores, elaboration),
        "precision_top10pct": precision_at_top(scores, elaboration, TOP_FRACTION),
    }


def _length_baseline(
    scores: Sequence[float], gold: Sequence[bool], labelled: Sequence[int], high: Sequence[int]
) -> tuple[dict[str, float], list[str]]:
    """A word-count threshold tuned for F1 on all labels (and, separately, on high-confidence ones)."""
    if not labelled:
        return {}, []
    threshold, figures = best_threshold_f1(_pick(scores, labelled), _pick(gold, labelled))
    out = dict(figures)
    out["roc_auc_terse"] = roc_auc(_pick(scores, labelled), _pick(gold, labelled))
    notes = [f"length baseline: terse when the answer has <= {-threshold:.0f} prose words (tuned on these labels)"]
    if high:
        at_same = precision_recall_f1([s >= threshold for s in _pick(scores, high)], _pick(gold, high))
        high_threshold, tuned = best_threshold_f1(_pick(scores, high), _pick(gold, high))
        out.update({f"{k}_high_confidence": v for k, v in tuned.items()})
        out["f1_high_confidence_same_threshold"] = at_same["f1"]
        notes.append(
            f"length baseline, high-confidence: <= {-high_threshold:.0f} words (tuned on them); "
            f"the all-labels threshold gets F1 {at_same['f1']:.3f} there"
        )
    if _can_cross_validate(labelled, gold):
        folds = _folds(labelled, gold)
        cv_predicted: dict[int, bool] = {}
        for test in folds:
            train = [i for i in labelled if i not in set(test)]
            t, _ = best_threshold_f1(_pick(scores, train), _pick(gold, train))
            cv_predicted.update({i: scores[i] >= t for i in test})
        pred = [cv_predicted.get(i, False) for i in range(len(scores))]
        cv = _classification(pred, gold, labelled, high)
        out.update({"cv_f1": cv["f1"], "cv_f1_high_confidence": cv.get("f1_high_confidence", 0.0)})
    return out, notes


def _can_cross_validate(labelled: Sequence[int], gold: Sequence[bool]) -> bool:
    """Enough labels, and enough of each class for every fold to train on both."""
    terse = sum(gold[i] for i in labelled)
    return len(labelled) >= MIN_CV_LABELS and min(terse, len(labelled) - terse) >= CV_FOLDS


def _folds(labelled: Sequence[int], gold: Sequence[bool]) -> list[list[int]]:
    """Stratified folds, deterministic: positives and negatives dealt round-robin in file order."""
    return [[labelled[j] for j in fold] for fold in stratified_folds([gold[i] for i in labelled], CV_FOLDS)]


def _gap_figures(rows: Sequence[_Row], predicted: Sequence[tuple[Gap, ...]]) -> dict[str, float]:
    """Per-gap precision and recall, and the share whose first predicted gap is the first labelled one."""
    pairs = [(r.gaps, p) for r, p in zip(rows, predicted, strict=True) if r.terse]
    if not pairs:
        return {}
    out: dict[str, float] = {}
    for gap in Gap:
        figures = precision_recall_f1([gap in p for _, p in pairs], [gap in g for g, _ in pairs])
        out[f"gap_{gap.value}_precision"] = figures["precision"]
        out[f"gap_{gap.value}_recall"] = figures["recall"]
    out["main_gap_accuracy"] = sum(bool(g) and bool(p) and g[0] == p[0] for g, p in pairs) / len(pairs)
    return out


def train_model(rows: Sequence[_Row], note: str = "") -> TerseModel:
    """Fits the detector's model on labelled answers that pass its eligibility rules (the others score 0);
    rows of several communities (`site`) weigh each community equally."""
    usable = [r for r in rows if r.terse is not None and not ineligible_reason(r.thread, r.answer)]
    inputs = [model_inputs(r) for r in usable]
    return train(inputs, [bool(r.terse) for r in usable], note, [r.thread.community_id for r in usable])


def model_inputs(row: _Row) -> dict[str, float]:
    """The features the detector computes for one eligible answer, read for any labelled answer."""
    return answer_features(row.answer, EXPERT)


def _cross_validated(
    rows: Sequence[_Row], labelled: Sequence[int], high: Sequence[int], threshold: float, notes: list[str]
) -> tuple[dict[str, float], dict[int, float]]:
    """The offline model retrained on folds of these labels, each fold scored by a model that never saw it.

    Returns the figures and each labelled answer's held-out score.
    """
    gold = [bool(r.terse) for r in rows]
    if not _can_cross_validate(labelled, gold):
        notes.append(
            f"cv_*: not computed: cross-validation needs {MIN_CV_LABELS}+ labels with {CV_FOLDS}+ of each "
            "class (terse and not terse)"
        )
        return {}, {}
    predicted = [False] * len(rows)
    scores = [0.0] * len(rows)
    for fold in stratified_folds([gold[i] for i in labelled], CV_FOLDS):
        test = {labelled[j] for j in fold}
        detector = TerseDetector(threshold, model=train_model([rows[i] for i in labelled if i not in test]))
        for i in test:
            assessment = detector.assess(rows[i].thread, rows[i].answer, EXPERT)
            scores[i], predicted[i] = assessment.score, assessment.is_candidate
    cv = _classification(predicted, gold, labelled, high)
    notes.append(
        f"cv_*: the detector's model retrained on {CV_FOLDS} stratified folds of these labels, each fold "
        "scored by a model that did not see it; on this data the plain figures are a training fit"
    )
    out = {f"cv_{k}": v for k, v in cv.items()}
    out["cv_roc_auc_terse"] = roc_auc(_pick(scores, labelled), _pick(gold, labelled))
    return out, {i: scores[i] for i in labelled}


def _screens(
    rows: Sequence[_Row],
    labelled: Sequence[int],
    high: Sequence[int],
    held_out: dict[int, float],
    offline_scores: Sequence[float],
    cuts: Sequence[float] = SCREENS,
) -> list[dict[str, float]]:
    """What each offline screen in front of an LLM judge keeps and costs.

    keeps_terse: share of the terse labels whose held-out offline score clears the screen, counting an answer
    the eligibility rules turn away as lost (it never reaches the judge): the judge's recall ceiling. sends:
    share of all answers, by the offline score the run gave them (`offline_scores`), that would cost an LLM call.
    """
    terse = [i for i in labelled if rows[i].terse and i in held_out]
    if not terse:
        return []
    eligible = {i for i, r in enumerate(rows) if not ineligible_reason(r.thread, r.answer)}
    sent = [offline_scores[i] for i in sorted(eligible)]
    terse_high = [i for i in terse if i in set(high)]
    table = []
    for cut in cuts:
        kept = [i for i in terse if i in eligible and held_out[i] >= cut]
        row = {"screen": cut, "keeps_terse": len(kept) / len(terse)}
        if terse_high:
            row["keeps_terse_high_confidence"] = sum(i in set(kept) for i in terse_high) / len(terse_high)
        row["sends"] = sum(score >= cut for score in sent) / len(rows)
        table.append(row)
    return table


def _screen_figures(table: Sequence[dict[str, float]], screen: float) -> dict[str, float]:
    """The configured screen's row of the table, as figures."""
    row = next((r for r in table if r["screen"] == screen), None)
    if row is None:
        return {}
    return {"screen_cut": row["screen"]} | {f"screen_{k}": v for k, v in row.items() if k != "screen"}
