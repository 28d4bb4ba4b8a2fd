"""The LLM follow-up writer: one private question for the most important gap, with an offline fallback."""

from __future__ import annotations

import logging
import re

from pydantic import BaseModel, Field

from elicitor.model import FollowUp, Gap, Message, Thread
from elicitor.ports import FollowUpWriter
from prompts.budget import TokenBudget
from prompts.llm import LLM, LLMError
from prompts.render import render
from prompts.untrusted import acceptable

log = logging.getLogger(__name__)

MAX_WORDS = 40


class FollowUpQuestion(BaseModel):
    """What the LLM returns for a follow-up."""

    question: str = Field(
        description=(
            "One polite, specific question to the expert, at most 40 words, ending with '?', that names what "
            "the expert said and asks for the first missing piece of knowledge."
        )
    )


def check_question(text: str) -> str | None:
    """The question cleaned up, or None when it is not exactly one question of at most 40 words."""
    question = " ".join(text.split()).strip().strip('"').strip()
    if not question or not question.endswith("?") or question.count("?") != 1:
        return None
    # A question needs no link and no markup: one would be a model repeating hostile thread text (phishing).
    if len(question.split()) > MAX_WORDS or re.search(r"</?[a-z]+[^>]*>", question) or not acceptable(question):
        return None
    return question


class LLMFollowUpWriter:
    """Implements elicitor.ports.FollowUpWriter with an LLM; any failure falls back to `fallback`."""

    def __init__(self, llm: LLM, fallback: FollowUpWriter, budget: TokenBudget) -> None:
        self._llm = llm
        self._fallback = fallback
        self._budget = budget

    def write(self, thread: Thread, answer: Message, gaps: tuple[Gap, ...]) -> FollowUp:
        """One question for `gaps[0]`, written by the LLM, or by the fallback when the LLM fails."""
        if not gaps:
            return self._fallback.write(thread, answer, gaps)
        try:
            reply = self._llm.structured(self._prompt(thread, answer, gaps), FollowUpQuestion)
        except LLMError as e:
            log.warning("follow-up for message %s: LLM failed (%s); using the fallback", answer.id, e)
            return self._fallback.write(thread, answer, gaps)
        question = check_question(reply.question)
        if question is None:
            log.warning("follow-up for message %s: LLM question rejected; using the fallback", answer.id)
            return self._fallback.write(thread, answer, gaps)
        return FollowUp(question=question, gap=gaps[0])

    def _prompt(self, thread: Thread, answer: Message, gaps: tuple[Gap, ...]) -> str:
        opening = thread.opening
        question = opening.text if opening is not None and opening.id != answer.id else ""
        context = {"title": thread.title, "author": answer.author_name, "gaps": [g.value for g in gaps]}
        fixed = render("followup", question="", answer="", **context)
        # Both are kept; when they do not fit, the longer one is cut first (TokenBudget.fit).
        texts = {k.index: k.text for k in self._budget.fit_indexed([question, answer.text], fixed)}
        question_text, answer_text = texts.get(0, ""), texts.get(1, "")
        return render("followup", question=question_text, answer=answer_text, **context)
