"""Gap analysis: which context an answer leaves out, ordered by what the question most needs."""

from __future__ import annotations

import re
from enum import StrEnum

from elicitor.asked import asker_text, pasted_error
from elicitor.cues import gap_coverage
from elicitor.model import Gap

# A reply fills a gap from this coverage on: one strong cue, or two weak ones (see cues._saturate).
COVERED = 0.5
# An answer is judged to give a kind of context only with more: two strong cues (0.75). One "because" in a
# terse answer rarely is the why a learner needs; on the labelled answers this raised main-gap accuracy.
GIVEN = 0.7


class QuestionType(StrEnum):
    """What a question asks for; decides which missing context hurts most."""

    CHOICE = "choice"  # which / should I / X or Y / best
    HOW = "how"  # how do I / steps
    WHY = "why"  # why / reason
    RESOURCE = "resource"  # a reference, list, tutorial or tool to read
    GENERAL = "general"


# Most important first. A choice needs its why and the trade-off; a how-to the recipe; a why the reason.
IMPORTANCE: dict[QuestionType, tuple[Gap, ...]] = {
    QuestionType.CHOICE: (
        Gap.RATIONALE,
        Gap.ALTERNATIVES,
        Gap.CONDITIONS,
        Gap.EVIDENCE,
        Gap.PITFALLS,
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
        Gap.EVIDENCE,
        Gap.CONDITIONS,
        Gap.ALTERNATIVES,
        Gap.PITFALLS,
        Gap.STEPS,
    ),
    # With no clearer ask: why first, then how, then the source (the order of labelled main gaps).
    QuestionType.GENERAL: (
        Gap.RATIONALE,
        Gap.STEPS,
        Gap.EVIDENCE,
        Gap.CONDITIONS,
        Gap.PITFALLS,
        Gap.ALTERNATIVES,
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
        re.compile(r"\b(?:how (?:do|can|could|would|should|to)|how'?s|steps? to|way to|set ?up|configure)\b", re.I),
    ),
    (QuestionType.WHY, re.compile(r"\b(?:why|what(?:'s| is) the (?:reason|point|purpose)|how come)\b", re.I)),
)


# A precise factual question: a version, a place, a time, a person, a number, or whether something is down.
# A short direct answer to one is complete (rubric: "a precise factual answer to a precise factual question").
_FACTUAL = re.compile(
    r"^\W*(?:quick (?:one|question)\W*)?(?:"
    r"(?:what|which) (?:\w+ )?(?:version|port|address|url|ip|host(?:name)?|time|date|day|name|number|channel|"
    r"team|room|owner|id|size|limit|value|release|region|branch|tag|path|folder|file)s?\b|"
    r"where (?:is|are|can i find|do i find|did|does)\b|when (?:is|are|does|did|will)\b|who (?:is|are|owns|knows)\b|"
    r"how (?:many|much|long|old|big)\b|is (?:the |it |this |our )?[\w-]+(?: [\w-]+)? (?:down|up|broken|out)\b)",
    re.I,
)
_NOT_FACTUAL = re.compile(r"\b(?:why|how (?:do|can|should|to)|should|best|explain|difference|better|worth)\b", re.I)


def is_factual(question: str) -> bool:
    """Whether a question asks for one precise fact (which version, where is, how many) rather than know-how."""
    head = question.strip().split("\n", 1)[0][:200]
    return bool(_FACTUAL.search(head)) and not _NOT_FACTUAL.search(head)


def question_type(question: str) -> QuestionType:
    """Classifies what a question asks for, from its wording alone."""
    # The first sentence usually carries the ask; the body adds detail that can mislead ("which version...").
    head = question.strip()[:300]
    for kind, pattern in _TYPE_PATTERNS:
        if pattern.search(head):
            return kind
    # A pasted error asks, without saying so, how to make it go away: the fix's steps matter most.
    if pasted_error(asker_text(question)):
        return QuestionType.HOW
    return QuestionType.GENERAL


def importance(question: str) -> tuple[Gap, ...]:
    """All gaps, most important first, for this question."""
    return IMPORTANCE[question_type(question)]


def find_gaps(question: str, answer: str) -> tuple[Gap, ...]:
    """The context the answer leaves out, most important first for this question."""
    coverage = gap_coverage(answer)
    return tuple(gap for gap in importance(question) if coverage[gap] < GIVEN)


def covers(gap: Gap, text: str) -> bool:
    """Whether a text (e.g. the expert's reply) fills this gap."""
    return gap_coverage(text)[gap] >= COVERED
