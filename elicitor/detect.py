"""Terse-answer detection: is this valuable know-how that leaves out context worth one private question?"""

from __future__ import annotations

import math
from dataclasses import dataclass

from elicitor import cues
from elicitor.community_model import Calibration
from elicitor.gaps import COVERED, find_gaps, is_factual
from elicitor.model import Assessment, AuthorStanding, Gap, Message, Role, Thread
from elicitor.terse_model import OPERATING_POINT, TerseModel
from elicitor.terse_model import features as model_features

MAX_GAPS = 2  # labelled terse answers name one or two gaps; the follow-up asks about the first
MIN_SUBSTANCE = 0.3  # below this the answer makes no real claim: nothing to draw out
FACT_ANSWER_WORDS = 35
# Chat lines of a few words ("check the router LED", "see my private message") are pointers, not know-how worth
# a private question; in IRC-style threads they are most messages. Below this many prose words, only an
# instruction ("Use allkeys-lru, not volatile-lru.") is eligible.
MIN_ANSWER_WORDS = 8
BARE_INSTRUCTION_WORDS = 60  # a direct answer to a factual question up to this long is complete, not terse
# Only recognised experts are nudged: a named expert or steward, or a track record of about three accepted
# answers (standing 0.5). A member's terse reply is scored like any other but is not a candidate.
MIN_STANDING = 0.5


@dataclass(frozen=True)
class _Eligibility:
    ok: bool
    reason: str


class TerseDetector:
    """Scores answers 0..1 for how likely they leave out context a learner needs, and says which context.

    The score comes from a small learned model (elicitor/models/terse.json, see elicitor/terse_model.py) over
    topic-free features; rules first rule out what is not an answer worth a question. Standing does not change
    the score (the labels judge content): it decides who may be nudged.
    """

    def __init__(self, threshold: float = 0.55, model: TerseModel | None = None) -> None:
        self.threshold = threshold
        self._model = model

    @property
    def model(self) -> TerseModel:
        """The shipped model, read on first use (a small JSON file)."""
        if self._model is None:
            self._model = TerseModel.load()
        return self._model

    def assess(
        self,
        thread: Thread,
        answer: Message,
        standing: AuthorStanding,
        threshold: float | None = None,
        judge: bool = True,  # noqa: ARG002 - offline already: nothing to save
        calibration: Calibration | None = None,
    ) -> Assessment:
        """Assesses one answer of a thread, given what the community knows of its author.

        `calibration` is the community's own: its model when it has one, and the cold-start gate while it has
        few outcome labels (a candidate must then score at least the gate too).
        """
        limit = self.threshold if threshold is None else threshold
        calibration = calibration or Calibration()
        model = calibration.model or self.model
        question = question_text(thread, answer)
        eligibility = _eligibility(thread, answer, question)
        if not eligibility.ok:
            # Cheap rules first: what is not an answer worth a question is not featurised (the cue patterns are
            # most of the detector's cost); it keeps only who wrote it and how it was endorsed.
            endorsement = {"standing": _standing(standing), "validation": _validation(answer)}
            return Assessment(answer.id, 0.0, False, (), f"Not a candidate: {eligibility.reason}.", endorsement)
        features = answer_features(answer, standing)
        gaps = find_gaps(question, answer.text)[:MAX_GAPS]
        score = round(model.score(features), 3)
        if bare_instruction(answer.text, features):
            # The rubric's plainest case, rare in the labelled Q&A data and so weak in the model: a short
            # instruction with no reason given. Endorsement must not hide it: accepted means the asker could act.
            score = max(score, OPERATING_POINT)
        features["score"] = score
        recognised = features["standing"] >= MIN_STANDING
        candidate = score >= limit and bool(gaps) and recognised
        explanation = _explain(score, limit, candidate, gaps, features, standing, answer, recognised)
        gate = calibration.gate
        if gate is not None:
            features["cold_start_gate"] = gate
            if candidate and score < gate:
                candidate = False
                explanation = _cold_start(explanation, score, gate, calibration.labels)
        return Assessment(answer.id, score, candidate, gaps, explanation, features)


def question_text(thread: Thread, answer: Message) -> str:
    """The question as asked: title first (it carries the ask), then the opening message.

    In a chat thread a reply to a later message (not the opener) is judged against that message too.
    """
    opening = thread.opening
    body = opening.text if opening and opening.kind != "answer" else ""
    parent = thread.by_id(answer.parent_id) if answer.parent_id else None
    if parent is not None and opening is not None and parent.id != opening.id and parent.author_id != answer.author_id:
        body = f"{body}\n{parent.text}"
    return f"{thread.title}\n{body}".strip()


def bare_instruction(text: str, features: dict[str, float]) -> bool:
    """A short instruction or recommendation that gives no reason for it."""
    return (
        features["words"] <= BARE_INSTRUCTION_WORDS
        and features["covers_rationale"] < COVERED
        and cues.is_instruction(text)
    )


def ineligible_reason(thread: Thread, answer: Message) -> str:
    """Why this message is not an answer worth a question ("" when it is one): for training and evaluation."""
    return _eligibility(thread, answer, question_text(thread, answer)).reason


def _eligibility(thread: Thread, answer: Message, question: str) -> _Eligibility:
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
    if cues.is_referral(text):
        return _Eligibility(False, "a hand-off to someone else")
    if cues.is_social(text):
        return _Eligibility(False, "a social reply (thanks, praise or a promise), not an answer")
    if cues.is_clarification_request(text):
        return _Eligibility(False, "a request for clarification")
    if cues.is_question(text):
        return _Eligibility(False, "a question, not an answer")
    if text.startswith("!") or (cues.word_count(text) < MIN_ANSWER_WORDS and not cues.is_instruction(text)):
        return _Eligibility(False, "too short to carry know-how worth a question")
    if cues.recommendation_strength(text) < MIN_SUBSTANCE:
        return _Eligibility(False, "no substantive claim or instruction")
    if (
        is_factual(thread.title or question)
        and cues.word_count(text) <= FACT_ANSWER_WORDS
        and not cues.is_instruction(text)
    ):
        return _Eligibility(False, "a direct answer to a factual question")
    return _Eligibility(True, "")


def answer_features(answer: Message, standing: AuthorStanding) -> dict[str, float]:
    """The model's inputs and the facts behind the verdict, kept for explanations and calibration (the detector
    computes them for eligible answers only; evaluations read them for every labelled answer)."""
    features = model_features(answer.text, answer.score + max(answer.reactions, 0), answer.accepted)
    coverage = cues.gap_coverage(answer.text)
    features.update(
        {
            "standing": _standing(standing),
            "validation": _validation(answer),
            "words": float(cues.word_count(answer.text)),
        }
    )
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
    size = "Terse answer" if features["words"] <= 90 else "Answer"
    who = _who(standing)
    endorsed = _endorsement(answer)
    missing = ", ".join(g.value for g in gaps) if gaps else "nothing obvious"
    line = f"{size} by {who}{endorsed}; missing: {missing}."
    if candidate:
        return line
    if score >= limit and gaps and not recognised:
        return f"{line} Not nudged: the author is not yet a recognised expert."
    return f"{line} Below threshold ({score:.2f} < {limit:.2f})." if gaps else f"{line} Complete enough."


def _cold_start(line: str, score: float, gate: float, labels: int) -> str:
    """Why a candidate waits: the community is new to Tacit, so only the most confident answers are nudged."""
    return (
        f"{line} Not nudged yet: while the community has few outcome labels ({labels} so far) only the most "
        f"confident answers are nudged ({score:.2f} < {gate:.2f})."
    )


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
