"""Terse-answer detection: is this valuable know-how that leaves out context worth one private question?"""

from __future__ import annotations

import math
from dataclasses import dataclass

from elicitor import cues
from elicitor.gaps import find_gaps, importance
from elicitor.model import Assessment, AuthorStanding, Gap, Message, Role, Thread

# The one place to calibrate: every weight of the score lives here. Weights of the linear part sum to 1.
# Weights of the positive part sum to 1; "resolved" subtracts.
WEIGHTS: dict[str, float] = {
    "missing": 0.50,  # how much of the context this question needs is absent
    "brevity": 0.35,  # short, absolutely and relative to the question
    "standing": 0.10,  # the author's role and track record: their know-how is worth asking for
    "validation": 0.05,  # peers upvoted or reacted to this very answer: it is worth drawing out
    # The asker accepted it: it was enough for them to act on. On the labelled sample accepted answers were
    # far more often complete (16% of terse ones vs 46% of the rest), so acceptance lowers the need to ask.
    "resolved": -0.20,
}
# Importance of a missing gap by its rank for this question type (most important first); sums to 1.
RANK_WEIGHTS = (0.30, 0.22, 0.17, 0.13, 0.10, 0.08)
BREVITY_WORDS = 90  # an answer of this many prose words scores brevity 0.5
BREVITY_MIX = 0.7  # share of absolute brevity; the rest is brevity relative to the question
MIN_SUBSTANCE = 0.3  # below this the answer makes no real claim: nothing to draw out
MAX_GAPS = 3  # a steward reads at most three gaps; the follow-up asks about the first
# Only recognised experts are nudged: a named expert or steward, or a track record of about three accepted
# answers (standing 0.5). A member's terse reply is scored like any other but is not a candidate.
MIN_STANDING = 0.5


@dataclass(frozen=True)
class _Eligibility:
    ok: bool
    reason: str


class TerseDetector:
    """Scores answers 0..1 for how worth a follow-up question they are, and says which context they miss."""

    def __init__(self, threshold: float = 0.55) -> None:
        self.threshold = threshold

    def assess(
        self, thread: Thread, answer: Message, standing: AuthorStanding, threshold: float | None = None
    ) -> Assessment:
        """Assesses one answer of a thread, given what the community knows of its author."""
        limit = self.threshold if threshold is None else threshold
        question = _question_text(thread)
        eligibility = _eligibility(thread, answer)
        features = _features(question, answer, standing)
        gaps = find_gaps(question, answer.text)[:MAX_GAPS]
        if not eligibility.ok:
            return Assessment(answer.id, 0.0, False, (), f"Not a candidate: {eligibility.reason}.", features)
        score = _score(features)
        features["score"] = score
        recognised = features["standing"] >= MIN_STANDING
        candidate = score >= limit and bool(gaps) and recognised
        return Assessment(
            answer.id,
            score,
            candidate,
            gaps,
            _explain(score, limit, candidate, gaps, features, standing, answer, recognised),
            features,
        )


def _question_text(thread: Thread) -> str:
    """The question as asked: title first (it carries the ask), then the opening message."""
    opening = thread.opening
    body = opening.text if opening and opening.kind != "answer" else ""
    return f"{thread.title}\n{body}".strip()


def _eligibility(thread: Thread, answer: Message) -> _Eligibility:
    """Rules out what is not an answer worth a question: openers, the asker's own posts, non-answers."""
    opening = thread.opening
    text = answer.text.strip()
    if opening is not None and answer.id == opening.id:
        return _Eligibility(False, "it opens the thread")
    if opening is not None and answer.author_id == opening.author_id:
        return _Eligibility(False, "written by the asker")
    if not text:
        return _Eligibility(False, "empty text")
    if cues.is_thanks(text):
        return _Eligibility(False, "a thank-you")
    if cues.is_link_only(text):
        return _Eligibility(False, "only a link")
    if cues.is_clarification_request(text):
        return _Eligibility(False, "a request for clarification")
    if cues.is_question(text):
        return _Eligibility(False, "a question, not an answer")
    if cues.recommendation_strength(text) < MIN_SUBSTANCE:
        return _Eligibility(False, "no substantive claim or instruction")
    return _Eligibility(True, "")


def _features(question: str, answer: Message, standing: AuthorStanding) -> dict[str, float]:
    """Every input of the score, 0..1 each, kept for explanations and calibration."""
    coverage = cues.gap_coverage(answer.text)
    order = importance(question)
    missing = sum(w * (1.0 - coverage[gap]) for w, gap in zip(RANK_WEIGHTS, order, strict=True))
    n_words = cues.word_count(answer.text)
    q_words = max(cues.word_count(question), 1)
    absolute = 1.0 / (1.0 + (n_words / BREVITY_WORDS) ** 2)
    # An answer shorter than its question usually skips something; a long question deserves a long answer.
    relative = 1.0 / (1.0 + n_words / (2.0 * q_words))
    features = {
        "missing": round(missing, 3),
        "brevity": round(BREVITY_MIX * absolute + (1 - BREVITY_MIX) * relative, 3),
        "substance": cues.recommendation_strength(answer.text),
        "standing": _standing(standing),
        "validation": _validation(answer),
        "resolved": 1.0 if answer.accepted else 0.0,
        "words": float(n_words),
        "question_words": float(q_words),
    }
    features.update({f"covers_{gap.value}": round(coverage[gap], 3) for gap in Gap})
    return features


def _standing(standing: AuthorStanding) -> float:
    """0..1: a named expert or steward counts fully; otherwise accepted answers and score build it up."""
    if standing.role in (Role.EXPERT, Role.STEWARD):
        return 1.0
    record = 0.6 * _saturate(standing.accepted_answers, 3) + 0.4 * _saturate(max(standing.total_score, 0), 30)
    return round(record, 3)


def _validation(answer: Message) -> float:
    """0..1: peers endorsed this very answer with votes or reactions."""
    return round(_saturate(max(answer.score, 0) + max(answer.reactions, 0), 3), 3)


def _saturate(count: float, half: float) -> float:
    """0 at 0, 0.5 at `half`, towards 1 after: the tenth upvote says less than the first."""
    return 1.0 - math.exp(-math.log(2) * count / half)


def _score(features: dict[str, float]) -> float:
    """The weighted sum of the features, 0..1."""
    total = sum(w * features[name] for name, w in WEIGHTS.items())
    return round(min(1.0, max(0.0, total)), 3)


def _explain(
    score: float,
    limit: float,
    candidate: bool,
    gaps: tuple[Gap, ...],
    features: dict[str, float],
    standing: AuthorStanding,
    answer: Message,
    recognised: bool = True,
) -> str:
    """One line a steward can read: who, how endorsed, what is missing, and the verdict."""
    size = "Terse answer" if features["brevity"] >= 0.5 else "Answer"
    who = _who(standing)
    endorsed = _endorsement(answer)
    missing = ", ".join(g.value for g in gaps) if gaps else "nothing obvious"
    line = f"{size} by {who}{endorsed}; missing: {missing}."
    if candidate:
        return line
    if score >= limit and gaps and not recognised:
        return f"{line} Not nudged: the author is not yet a recognised expert."
    return f"{line} Below threshold ({score:.2f} < {limit:.2f})." if gaps else f"{line} Complete enough."


def _who(standing: AuthorStanding) -> str:
    """The author as a steward would describe them."""
    role = {Role.EXPERT: "an expert", Role.STEWARD: "a steward"}.get(standing.role, "a member")
    if standing.accepted_answers:
        plural = "s" if standing.accepted_answers != 1 else ""
        return f"{role} ({standing.accepted_answers} accepted answer{plural})"
    return role


def _endorsement(answer: Message) -> str:
    """How peers endorsed the answer, in a few words, or nothing."""
    parts = ["accepted"] if answer.accepted else []
    if answer.score > 0:
        parts.append(f"upvoted (+{answer.score})")
    if answer.reactions > 0:
        parts.append(f"{answer.reactions} reactions")
    return ", " + " and ".join(parts) if parts else ""
