"""Terse detection judged by an LLM against the rubric, behind the offline detector as a screen.

The offline model (elicitor/detect.py) ranks well but cannot read whether an answer gives the why, the when and the
how of what it claims relative to the question; an LLM can. Each answer costs a call, so only answers that could
become nudges reach the LLM: eligible ones (not a thank-you, a link, a question...), by a recognised expert, whose
offline score clears a low screen. The screen's cost and recall are measured by `tacit eval terse` (screen_*
figures). Whenever the LLM fails or answers off-schema, the offline verdict stands.
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from elicitor.community_model import Calibration
from elicitor.detect import MAX_GAPS, MIN_STANDING, TerseDetector, ineligible_reason, question_text
from elicitor.model import Assessment, AuthorStanding, Gap, Message, Thread
from prompts.budget import TokenBudget
from prompts.llm import LLM, LLMError
from prompts.render import render
from prompts.untrusted import acceptable

log = logging.getLogger(__name__)

# The offline score below which an answer is taken as complete without asking the LLM. On the labelled answers of
# ../shared/data (held-out scores), 0.25 keeps 97% of terse answers and sends 65% of answers to the LLM; 0.4 keeps
# 96% for 47%. The default errs towards recall: a missed answer is lost know-how, a call costs little.
DEFAULT_SCREEN = 0.25
# Verdict to score: a community threshold of 0.55 nudges every "yes"; 0.8 only the confident ones.
VERDICT_SCORE = {("yes", "high"): 0.9, ("yes", "low"): 0.7, ("no", "low"): 0.35, ("no", "high"): 0.1}


class RubricVerdict(BaseModel):
    """What the LLM returns for one answer (the rubric's own output, less the follow-up question)."""

    terse: Literal["yes", "no"]
    gaps: list[Gap] = Field(default_factory=list, description="Missing context, most important first.")
    confidence: Literal["high", "low"] = "low"
    reason: str = Field(default="", description="At most 25 words for a community steward.")

    @field_validator("terse", "confidence", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        if isinstance(value, bool):  # some JSON-mode servers answer true/false
            return "yes" if value else "no"
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("gaps", mode="before")
    @classmethod
    def _known_gaps(cls, value: object) -> object:
        """Unknown names are dropped rather than failing the whole verdict; duplicates keep their first place."""
        if not isinstance(value, list):
            return value
        names = [str(v).strip().lower() for v in value]
        known = {g.value for g in Gap}
        return list(dict.fromkeys(n for n in names if n in known))


class LLMJudgedDetector:
    """Implements elicitor.ports.Detector: the offline detector screens, the LLM judges what passes.

    `calls` counts the LLM calls made, `fallbacks` the calls that failed and left the offline verdict standing.
    """

    def __init__(self, llm: LLM, offline: TerseDetector, budget: TokenBudget, screen: float = DEFAULT_SCREEN) -> None:
        self._llm = llm
        self._offline = offline
        self._budget = budget
        self.screen = screen
        self.calls = 0
        self.fallbacks = 0

    @property
    def threshold(self) -> float:
        return self._offline.threshold

    def assess(
        self,
        thread: Thread,
        answer: Message,
        standing: AuthorStanding,
        threshold: float | None = None,
        judge: bool = True,
        calibration: Calibration | None = None,
    ) -> Assessment:
        """The offline assessment, replaced by the LLM's verdict when the answer passes the screen."""
        offline = self._offline.assess(thread, answer, standing, threshold, calibration=calibration)
        if not judge or not self.worth_judging(thread, answer, offline):
            return offline
        self.calls += 1
        try:
            verdict = self._llm.structured(self._prompt(thread, answer), RubricVerdict)
        except LLMError as e:
            self.fallbacks += 1
            log.warning("terse judge for message %s: LLM failed (%s); the offline verdict stands", answer.id, e)
            return offline
        return _judged(offline, verdict, self.threshold if threshold is None else threshold)

    def worth_judging(self, thread: Thread, answer: Message, offline: Assessment) -> bool:
        """Only answers that could become nudges: eligible, by a recognised expert, above the screen."""
        # While a community is new (cold start), only what the offline model is most sure of is worth judging.
        screen = max(self.screen, offline.features.get("cold_start_gate", 0.0))
        return (
            offline.score >= screen
            and offline.features.get("standing", 0.0) >= MIN_STANDING
            and not ineligible_reason(thread, answer)
        )

    def _prompt(self, thread: Thread, answer: Message) -> str:
        question = question_text(thread, answer)
        fixed = render("terse_judge", title=thread.title, question="", answer="")
        # Both are kept; when they do not fit, the longer one is cut first (TokenBudget.fit).
        texts = {k.index: k.text for k in self._budget.fit_indexed([question, answer.text], fixed)}
        return render("terse_judge", title=thread.title, question=texts.get(0, ""), answer=texts.get(1, ""))


def _judged(offline: Assessment, verdict: RubricVerdict, limit: float) -> Assessment:
    """The offline assessment with the LLM's score, gaps and reason; standing still decides who is nudged."""
    terse = verdict.terse == "yes"
    score = VERDICT_SCORE[(verdict.terse, verdict.confidence)]
    gaps = (tuple(verdict.gaps[:MAX_GAPS]) or offline.gaps) if terse else ()
    candidate = score >= limit and bool(gaps) and offline.features.get("standing", 0.0) >= MIN_STANDING
    features = {**offline.features, "offline_score": offline.score, "score": score, "llm_judged": 1.0}
    missing = ", ".join(g.value for g in gaps) if gaps else "nothing material"
    reason = " ".join(verdict.reason.split())[:300]
    if not acceptable(reason):
        reason = ""  # stewards read it: markup or a link is a model echoing hostile text, not a reason
    explanation = (
        f"Judged {'terse' if terse else 'complete enough'} by the language model ({verdict.confidence} "
        f"confidence); missing: {missing}." + (f" {reason}" if reason else "")
    )
    if terse and not gaps:
        explanation += " Not nudged: the verdict names no kind of missing context to ask about."
    elif terse and not candidate:
        explanation += f" Not nudged (score {score:.2f}, threshold {limit:.2f})."
    return Assessment(offline.message_id, score, candidate, gaps, explanation, features)
