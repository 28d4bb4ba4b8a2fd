"""Gap analysis: which context an answer leaves out, ordered by what the question most needs."""

from __future__ import annotations

import re
from enum import StrEnum

from elicitor.cues import gap_coverage
from elicitor.model import Gap

# A gap counts as covered from this coverage on: one strong cue, or two weak ones (see cues._saturate).
COVERED = 0.5


class QuestionType(StrEnum):
    """What a question asks for; decides which missing context hurts most."""

    CHOICE = "choice"  # which / should I / X or Y / best
    HOW = "how"  # how do I / steps
    WHY = "why"  # why / reason
    RESOURCE = "resource"  # a reference, list, tutorial or tool to read
    GENERAL = "general"


# Most important first. A choice needs the trade-off and its why; a how-to the recipe; a why the reason.
IMPORTANCE: dict[QuestionType, tuple[Gap, ...]] = {
    QuestionType.CHOICE: (
        Gap.ALTERNATIVES,
        Gap.RATIONALE,
        Gap.CONDITIONS,
        Gap.PITFALLS,
        Gap.EVIDENCE,
        Gap.STEPS,
    ),
    QuestionType.HOW: (
        Gap.STEPS,
        Gap.PITFALLS,
        Gap.CONDITIONS,
        Gap.RATIONALE,
        Gap.ALTERNATIVES,
        Gap.EVIDENCE,
    ),
    QuestionType.WHY: (
        Gap.RATIONALE,
        Gap.EVIDENCE,
        Gap.CONDITIONS,
        Gap.ALTERNATIVES,
        Gap.PITFALLS,
        Gap.STEPS,
    ),
    QuestionType.RESOURCE: (
        Gap.RATIONALE,
        Gap.ALTERNATIVES,
        Gap.CONDITIONS,
        Gap.EVIDENCE,
        Gap.PITFALLS,
        Gap.STEPS,
    ),
    QuestionType.GENERAL: (
        Gap.RATIONALE,
        Gap.CONDITIONS,
        Gap.ALTERNATIVES,
        Gap.PITFALLS,
        Gap.STEPS,
        Gap.EVIDENCE,
    ),
}

# Checked in this order: "why should I use X or Y" is a choice before it is a why.
_TYPE_PATTERNS: tuple[tuple[QuestionType, re.Pattern[str]], ...] = (
    (
        QuestionType.RESOURCE,
        re.compile(
            r"\b(?:any|good|recommended?|best)\s+(?:\w+\s+)?(?:resources?|references?|books?|tutorials?|courses?|"
            r"papers?|sources?|material|libraries|tools)\b|"
            r"\b(?:list of|where (?:can|do) i (?:find|learn|read)|"
            r"is there (?:a|any) (?:list|source|reference|tutorial|book|library|tool))\b",
            re.I,
        ),
    ),
    (
        QuestionType.CHOICE,
        re.compile(
            r"\b(?:which|should (?:i|we|you)|shall (?:i|we)|is it better|better to|"
            r"best (?:way|practice|option|approach)|vs\.?|versus|or not|prefer\w*|recommend\w*|worth it|"
            r"pros and cons|compared? (?:to|with))\b"
            r"|\b\w+ or \w+\?",
            re.I,
        ),
    ),
    (
        QuestionType.HOW,
        re.compile(
            r"\b(?:how (?:do|can|could|would|should|to)|how'?s|steps? to|way to|set ?up|configure)\b", re.I
        ),
    ),
    (QuestionType.WHY, re.compile(r"\b(?:why|what(?:'s| is) the (?:reason|point|purpose)|how come)\b", re.I)),
)


def question_type(question: str) -> QuestionType:
    """Classifies what a question asks for, from its wording alone."""
    # The first sentence usually carries the ask; the body adds detail that can mislead ("which version...").
    head = question.strip()[:300]
    for kind, pattern in _TYPE_PATTERNS:
        if pattern.search(head):
            return kind
    return QuestionType.GENERAL


def importance(question: str) -> tuple[Gap, ...]:
    """All gaps, most important first, for this question."""
    return IMPORTANCE[question_type(question)]


def find_gaps(question: str, answer: str) -> tuple[Gap, ...]:
    """The context the answer leaves out, most important first for this question."""
    coverage = gap_coverage(answer)
    return tuple(gap for gap in importance(question) if coverage[gap] < COVERED)


def covers(gap: Gap, text: str) -> bool:
    """Whether a text (e.g. the expert's reply) fills this gap."""
    return gap_coverage(text)[gap] >= COVERED
