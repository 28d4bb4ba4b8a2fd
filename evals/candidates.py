"""Detector candidates measured leave-one-community-out (issue 13): which one, if any, should replace the shipped model.

Each candidate is fitted on one community's labels only and scores every labelled answer of the other, in both
directions; beside it, in the same run, the shipped model's recipe (as `tacit eval terse --train` measures it),
always-yes and the length baseline tuned on the training community (evals/transfer.py). Answers the eligibility
rules turn away score lowest for every candidate, as they score 0 in the detector.

A candidate is a logistic head (classes balanced) over one view of an answer:
- `hand`: the shipped model's six topic-free features;
- `asks`: what the question asks (why / how / which, a pasted error, two options named) against what the answer
  supplies (reasons, conditions, alternatives, evidence, code, hedges, overlap with the asker's words);
- `answer` / `pair`: MiniLM (the bundled all-MiniLM-L6-v2 through ONNX Runtime) pooled embedding of the answer,
  or of the question's tail and the answer read together; only with --embeddings (a few minutes on CPU).
Each view is normalised either on the training community (`train`) or within each community separately, as
ranks (`ranks`: a feature's percentile among that community's answers, so a community's own habits cancel out).
F1 uses a rank cut: nudge the top q of the measured community, q being the F1-best share found by 5-fold
cross-validation on the training community; the shipped model keeps its absolute operating point and is also
shown with the rank cut.

Run (each figure is computed from the files, nothing is typed in):
    python -m evals.candidates --data ../shared/data/answers.jsonl --data ../shared/data/answers_irc.jsonl
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import rankdata
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from elicitor import cues
from elicitor.asked import asker_text, named_options, pasted_error
from elicitor.detect import question_text
from elicitor.gaps import GIVEN, QuestionType, importance, is_factual, question_type
from elicitor.model import Gap
from elicitor.terse_model import FEATURES, OPERATING_POINT
from evals import transfer
from evals.terse import _Row, load, train_model
from evals.transfer import Scored

FOLDS = 5
SHARES = tuple(np.round(np.arange(0.10, 1.0001, 0.025), 3))  # the nudged shares a rank cut may choose from
QUESTION_CHARS = 400  # the question's tail read with the answer (chat context grows at the top)
FIGURES = ("f1", "roc_auc_terse", "precision_top10pct", "precision_top25pct")
BOOTSTRAP = 1000  # paired resamples of the measured community for the interval of a gain in ROC-AUC


@dataclass
class Community:
    """One answers file's labelled answers, as the detector sees them, with every view computed once."""

    name: str
    rows: list[_Row]
    items: list[Scored]
    views: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def gold(self) -> np.ndarray:
        return np.array([i.terse for i in self.items])

    @property
    def eligible(self) -> np.ndarray:
        return np.array([i.eligible for i in self.items])


# A candidate fits on one community and returns its figures on the other, with the scores it ranked them by.
Measured = tuple[dict[str, float], np.ndarray]
Candidate = Callable[[Community, Community], Measured]


def read_community(path: Path) -> Community:
    rows = [r for r in load(path) if r.terse is not None]
    items = transfer.prepare(rows)
    community = Community(path.name, rows, items)
    community.views["hand"] = np.array([[i.features[n] for n in FEATURES] for i in items], dtype=float)
    community.views["asks"] = np.array([list(asks_and_supplies(r).values()) for r in rows], dtype=float)
    return community


_REASON = re.compile(r"\b(?:because|since|so that|the reason|due to|otherwise|which means|that's why)\b", re.I)
_CONDITION = re.compile(r"\b(?:if|unless|when|only if|depends|as long as|in case)\b", re.I)
_ALTERNATIVE = re.compile(r"\b(?:or|instead|alternatively|rather than|another option|either)\b", re.I)
_EVIDENCE = re.compile(r"https?://|\bsee\b|\bdocs?\b|\bman\b|\bwiki\b|\baccording\b", re.I)
_HEDGE = re.compile(r"\b(?:maybe|perhaps|probably|might|i think|i guess|not sure|afaik|iirc|possibly)\b", re.I)
_CODE = re.compile(r"`|\bsudo\b|/\w+/|\b\w+\.\w{2,4}\b|--?\w+|\$\(|\|")
_TERM = re.compile(r"[a-z][a-z0-9_'-]{2,}")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "you",
        "your",
        "are",
        "have",
        "what",
        "how",
        "not",
        "but",
        "can",
        "its",
        "was",
    ]
)


def _terms(text: str) -> set[str]:
    return {w for w in _TERM.findall(text.lower()) if w not in _STOP}


def asks_and_supplies(row: _Row) -> dict[str, float]:
    """Topic-free cues of what the question asks against what the answer supplies."""
    question, answer = question_text(row.thread, row.answer), row.answer.text
    asked = asker_text(question) or question
    kind = question_type(question)
    coverage = cues.gap_coverage(answer)
    order = importance(question)
    words = max(1, cues.word_count(answer))
    sentences = max(1, len(cues.sentences(answer)))
    asked_terms, answer_terms = _terms(asked), _terms(answer)
    return {
        "asks_why": float(kind == QuestionType.WHY),
        "asks_how": float(kind == QuestionType.HOW),
        "asks_which": float(kind == QuestionType.CHOICE),
        "asks_fact": float(is_factual(row.thread.title or question)),
        "pasted_error": float(bool(pasted_error(asked))),
        "names_options": float(named_options(asked) is not None),
        "question_words": math.log1p(cues.word_count(asked)),
        "main_gap_given": float(coverage[order[0]] >= GIVEN),
        "second_gap_given": float(coverage[order[1]] >= GIVEN),
        "gaps_missing": float(sum(coverage[g] < GIVEN for g in Gap)),
        "reasons": len(_REASON.findall(answer)) / sentences,
        "conditions": len(_CONDITION.findall(answer)) / sentences,
        "alternatives": len(_ALTERNATIVE.findall(answer)) / sentences,
        "evidence": float(bool(_EVIDENCE.search(answer))),
        "hedged": float(bool(_HEDGE.search(answer))),
        "code": len(_CODE.findall(answer)) / words,
        "instructs": float(cues.is_instruction(answer)),
        "substance": cues.recommendation_strength(answer),
        "answer_words": math.log1p(words),
        "sentences": math.log1p(sentences),
        "echoes_asker": len(asked_terms & answer_terms) / max(1, len(asked_terms)),
        "new_terms": len(answer_terms - asked_terms) / max(1, len(answer_terms)),
        "why_unanswered": float(kind == QuestionType.WHY and coverage[Gap.RATIONALE] < GIVEN),
        "how_without_steps": float(kind == QuestionType.HOW and coverage[Gap.STEPS] < GIVEN),
        "choice_without_reason": float(kind == QuestionType.CHOICE and coverage[Gap.RATIONALE] < GIVEN),
    }


def add_embeddings(communities: Sequence[Community], cache_dir: Path) -> None:
    """The `answer` and `pair` views: pooled, normalised MiniLM vectors (ONNX Runtime, the serving embedder)."""
    from retrieval.embedder import bundled_model_path
    from retrieval.onnx_embedder import OnnxEmbedder

    embedder = OnnxEmbedder(bundled_model_path(), cache_dir, threads=2)
    for c in communities:
        answers = [r.answer.text for r in c.rows]
        pairs = [f"{r.thread.title}\n{r.thread.messages[0].text[-QUESTION_CHARS:]}\n\n{r.answer.text}" for r in c.rows]
        c.views["answer"] = np.array(embedder.embed(answers, "document"))
        c.views["pair"] = np.array(embedder.embed(pairs, "document"))


def view(community: Community, names: str, scaling: str) -> np.ndarray:
    """The named views side by side ("hand+asks"), as ranks within the community when scaling is `ranks`."""
    parts = [community.views[n] for n in names.split("+")]
    if scaling == "ranks":
        parts = [np.column_stack([rankdata(col) / len(col) for col in part.T]) for part in parts]
    return np.hstack(parts)


def rank_cut(scores: np.ndarray, items: Sequence[Scored], share: float) -> list[bool]:
    """Nudge the top `share` of a community by score (eligible answers with a gap to ask about)."""
    top = np.argsort(-scores, kind="stable")[: max(1, round(share * len(scores)))]
    chosen = np.zeros(len(scores), dtype=bool)
    chosen[top] = True
    return [bool(c) and i.eligible and i.has_gaps for c, i in zip(chosen, items, strict=True)]


def best_share(scores: np.ndarray, items: Sequence[Scored]) -> float:
    """The nudged share with the best F1 on these (held-out) scores."""
    return max(SHARES, key=lambda s: transfer.classification(rank_cut(scores, items, s), items)["f1"])


def with_rules(scores: np.ndarray, items: Sequence[Scored]) -> np.ndarray:
    """Answers the eligibility rules turn away rank last, as they score 0 in the detector."""
    return np.where([i.eligible for i in items], scores, scores.min() - 1.0)


def measure(scores: np.ndarray, target: Community, share: float) -> Measured:
    """The four figures of a candidate on the measured community, with its rank cut, and the scores ranked."""
    ranked = with_rules(scores, target.items)
    out = transfer.classification(rank_cut(ranked, target.items, share), target.items)
    return out | transfer.ranking(list(ranked), target.items) | {"share": share}, ranked


def fast_auc(scores: np.ndarray, gold: np.ndarray) -> float:
    """ROC-AUC by the rank-sum (ties count half), as evals.metrics.roc_auc, vectorised for resampling."""
    positives = int(gold.sum())
    negatives = len(gold) - positives
    if not positives or not negatives:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[gold].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def auc_gain(scores: np.ndarray, reference: np.ndarray, gold: np.ndarray) -> tuple[float, float, float]:
    """A candidate's ROC-AUC minus the reference's on the same answers, with a paired bootstrap 95% interval."""
    rng = np.random.default_rng(0)
    gains = []
    for _ in range(BOOTSTRAP):
        pick = rng.integers(0, len(gold), len(gold))
        gains.append(fast_auc(scores[pick], gold[pick]) - fast_auc(reference[pick], gold[pick]))
    low, high = np.nanpercentile(gains, [2.5, 97.5])
    return fast_auc(scores, gold) - fast_auc(reference, gold), float(low), float(high)


def head(names: str, scaling: str, c: float) -> Candidate:
    """A logistic head over a view, fitted on the training community's eligible answers."""

    def run(train: Community, target: Community) -> Measured:
        x, y, usable = view(train, names, scaling), train.gold, train.eligible
        x_target = view(target, names, scaling)
        if scaling == "train":
            mean, scale = x[usable].mean(axis=0), x[usable].std(axis=0)
            scale = np.where(scale > 1e-9, scale, 1.0)
            x, x_target = (x - mean) / scale, (x_target - mean) / scale
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
        held_out = np.full(len(y), -np.inf)
        held_out[usable] = cross_val_predict(model, x[usable], y[usable], cv=folds, method="decision_function")
        share = best_share(with_rules(held_out, train.items), train.items)
        model.fit(x[usable], y[usable])
        return measure(model.decision_function(x_target), target, share)

    return run


def shipped(rank: bool) -> Candidate:
    """The shipped recipe (evals.terse.train_model) on the training community; its operating point or a rank cut."""

    def run(train: Community, target: Community) -> Measured:
        model = train_model(train.rows, "candidate: the shipped recipe")
        scores = np.array([transfer.score(model, i) for i in target.items])
        if not rank:
            return transfer.figures(model, target.items, OPERATING_POINT), scores
        held_out = np.zeros(len(train.items))
        for fold in _folds(train):
            inner = train_model([r for n, r in enumerate(train.rows) if n not in fold])
            held_out[fold] = [transfer.score(inner, train.items[n]) for n in fold]
        return measure(scores, target, best_share(held_out, train.items))

    return run


def _folds(c: Community) -> list[list[int]]:
    splitter = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    return [list(test) for _, test in splitter.split(np.zeros(len(c.gold)), c.gold)]


def baselines(train: Community, target: Community) -> dict[str, Measured]:
    """Always-yes and the length threshold tuned on the training community, as `tacit eval terse --train`."""
    fewer_words = -np.array([float(i.words) for i in target.items])
    return {
        "always-yes": (transfer.always_yes(target.items), np.zeros(len(target.items))),
        "length (tuned on train)": (
            transfer.length_figures(target.items, transfer.length_cut(train.items)),
            fewer_words,
        ),
    }


def candidates(embeddings: bool) -> dict[str, Candidate]:
    out = {"shipped": shipped(rank=False), "shipped, rank cut": shipped(rank=True)}
    views = ["hand", "asks", "hand+asks"] + (
        ["answer", "pair", "hand+answer", "hand+asks+answer"] if embeddings else []
    )
    for names in views:
        for scaling in ("train", "ranks"):
            for c in (0.01, 0.1):
                out[f"{names} [{scaling}, C={c}]"] = head(names, scaling, c)
    return out


def table(communities: Sequence[Community], embeddings: bool) -> list[str]:
    """Markdown rows: each candidate's figures in both directions, baselines first, and its ROC-AUC gain over the
    shipped model with a bootstrap interval (a gain whose interval holds 0 is not one)."""
    a, b = communities
    directions = ((a, b), (b, a))
    names = ("F1", "AUC", "P@10%", "P@25%")
    header = " | ".join(f"{f} on {t.name}" for _, t in directions for f in names)
    gains = " | ".join(f"AUC gain on {t.name}" for _, t in directions)
    lines = [f"| candidate | {header} | {gains} |", "|---" * 11 + "|"]
    rows: dict[str, list[Measured]] = {}
    for train, target in directions:
        for name, figures in baselines(train, target).items():
            rows.setdefault(name, []).append(figures)
    for name, run in candidates(embeddings).items():
        rows[name] = [run(train, target) for train, target in directions]
    reference = [ranked for _, ranked in rows["shipped"]]
    for name, both in rows.items():
        cells = " | ".join(f"{figures[f]:.3f}" for figures, _ in both for f in FIGURES)
        intervals = [
            "{:+.3f} [{:+.3f}, {:+.3f}]".format(*auc_gain(ranked, ref, t.gold))
            for (_, ranked), ref, (_, t) in zip(both, reference, directions, strict=True)
        ]
        lines.append(f"| {name} | {cells} | {' | '.join(intervals)} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append", required=True, help="two answers files (repeat)")
    parser.add_argument("--embeddings", action="store_true", help="add the MiniLM views (minutes on CPU)")
    parser.add_argument("--cache", type=Path, default=Path(".cache/models"), help="where the ONNX export is kept")
    args = parser.parse_args(argv)
    if len(args.data) != 2:
        parser.error("give exactly two --data files: each is measured with a model trained on the other")
    communities = [read_community(path) for path in args.data]
    if args.embeddings:
        add_embeddings(communities, args.cache)
    print("\n".join(table(communities, args.embeddings)))


if __name__ == "__main__":
    main()
