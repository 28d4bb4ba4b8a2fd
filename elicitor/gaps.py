"""Gap analysis: which context an answer leaves out, ordered by what the question most needs."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from enum import StrEnum

from elicitor import cues
from elicitor.asked import asker_text, chat_nicks, named_options, pasted_error
from elicitor.claim import strip_addressee
from elicitor.cues import gap_coverage
from elicitor.model import Gap
from elicitor.specifics import named_file

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
    """All gaps, most important first, for this question (its type alone, before the answer is read)."""
    return IMPORTANCE[question_type(question)]


@dataclass(frozen=True)
class GapWeights:
    """How far each cue of what was asked against what was answered moves one gap up the question type's order.

    A gap's score is its place in that order (1 for the first, 1/6 steps down) plus the weight of every cue that
    fires for it; all weights 0 is the order alone. The weights are tuned on labelled main gaps
    (`python -m evals.tune_gaps`), measured leave-one-community-out.
    """

    how_like: float = 0.0  # a chat-style how-to ask ("is there a way", "can I", "help me") -> steps
    problem: float = 0.0  # the asker reports something broken ("can't", "won't", "doesn't work") -> steps
    instruction: float = 0.0  # the answer says what to do, without the steps -> steps
    pointer: float = 0.0  # the answer points elsewhere ("look up X", "see the wiki", a bare link) -> steps
    names_file: float = 0.0  # the answer names a file or path to change, not what to put there -> steps
    bare_claim: float = 0.0  # the answer states something, gives no instruction and no reason -> rationale
    options: float = 0.0  # the asker named options ("A or B?") -> alternatives
    warning: float = 0.0  # the answer warns without saying what goes wrong -> pitfalls
    condition: float = 0.0  # the answer hangs on a condition ("if it's not a server", "only when") -> conditions
    unsourced: float = 0.0  # a long, factual answer with no source, number or example -> evidence


# Which gap each cue speaks for.
CUE_GAP: dict[str, Gap] = {
    "how_like": Gap.STEPS,
    "problem": Gap.STEPS,
    "instruction": Gap.STEPS,
    "pointer": Gap.STEPS,
    "names_file": Gap.STEPS,
    "bare_claim": Gap.RATIONALE,
    "options": Gap.ALTERNATIVES,
    "warning": Gap.PITFALLS,
    "condition": Gap.CONDITIONS,
    "unsourced": Gap.EVIDENCE,
}
CUES = tuple(f.name for f in fields(GapWeights))
# Tuned on both shared communities, each weighed equally (`python -m evals.tune_gaps --data A --data B`).
WEIGHTS = GapWeights(how_like=1.0, problem=1.0, names_file=0.5, options=0.5)

_HOW_LIKE = re.compile(
    r"\b(?:is there (?:a|an|any)(?: \w+){0,2} (?:way|program|tool|app|command|utility|option|setting)|"
    r"(?:can|could) (?:i|we|you|someone|anyone|somebody)(?: \w+)? (?:help|tell|show|get|make|set|change|stop|"
    r"install|remove|add|run|use|fix|mount|boot|find|do)|any ?(?:one|body) know how|help me|"
    r"how (?:can|do|to|would)|trying to)\b",
    re.I,
)
# A first-person report of something broken ("I can't log in", "my wifi won't connect", "I get an error").
_PROBLEM = re.compile(
    r"\b(?:i|my|it|this|that)\b[^.?!\n]{0,40}?\b(?:can'?t|cannot|won'?t|doesn'?t (?:work|show|start|boot|load|"
    r"connect|see|find)|isn'?t (?:working|showing)|not (?:working|able)|unable to|fails?|failed|broken|stuck|"
    r"crash\w*|freez\w*)\b|\bi(?:'m| am)? (?:have|get|got|having|getting) (?:a |an |some |this |the |that )?"
    r"(?:\w+ )?(?:problem|issue|trouble|error)s?\b",
    re.I,
)
# Advice the cue lists miss: "you will need a deb", "you may need to set", "try reverting".
_ADVICE = re.compile(
    r"\byou(?:'ll| will| may| might| would|'d)? (?:need|have|want)\b|\byou (?:may|might) (?:want|need|have) to\b|"
    r"^\W*(?:try|just|simply)\b|\b(?:try|then) (?:\w+ing|to)\b",
    re.I,
)
_POINTER = re.compile(
    r"\b(?:look (?:it )?up|lookup|see (?:the |this |that )?(?:\w+ )?(?:wiki|docs?|documentation|faq|guide|howto|"
    r"page|link|manual|man page)|read (?:the )?(?:\w+ )?(?:wiki|docs?|documentation|faq|guide|howto|manual)|"
    r"google|search (?:for|the)|a howto|man \w+|/msg \w+|check out)\b",
    re.I,
)
_WARNING = re.compile(
    r"\b(?:careful|beware|caution|warning|risky|dangerous|at your own risk|be aware|make sure|don'?t forget|"
    r"(?:may|might|can|could|will) (?:break|fail|lose|erase|wipe|destroy|mess)\w*)\b",
    re.I,
)
_CONDITION = re.compile(
    r"^\W*(?:if|when|unless|only|depends|as long as)\b|\b(?:if you(?:'re| are| have| use)?|unless|only if|"
    r"depends on|as long as|in case)\b",
    re.I,
)
LONG_ANSWER_WORDS = 60  # an answer this long that cites nothing asks to be backed up


def answer_cues(question: str, answer: str) -> dict[str, bool]:
    """Which cues of GapWeights fire for this question and answer (pure text: no topic words)."""
    asked = asker_text(question)
    nicks = chat_nicks(question)
    said = "\n".join(strip_addressee(line, nicks) for line in answer.split("\n"))
    coverage = gap_coverage(said)
    instruction = cues.is_instruction(said) or cues.is_imperative(said) or bool(_ADVICE.search(said))
    pointer = bool(_POINTER.search(said)) or cues.is_link_only(said)
    return {
        "how_like": bool(_HOW_LIKE.search(question.strip()[:300])),
        "problem": bool(_PROBLEM.search(asked.strip()[:400])),
        "instruction": instruction and coverage[Gap.STEPS] < COVERED,
        "pointer": pointer,
        "names_file": bool(named_file(said)) and coverage[Gap.STEPS] < COVERED,
        "bare_claim": not instruction and not pointer and coverage[Gap.RATIONALE] < COVERED,
        "options": named_options(asked) is not None,
        "warning": bool(_WARNING.search(said)) and coverage[Gap.PITFALLS] < GIVEN,
        "condition": bool(_CONDITION.search(said)),
        "unsourced": cues.word_count(said) >= LONG_ANSWER_WORDS and coverage[Gap.EVIDENCE] < COVERED,
    }


def gap_scores(question: str, answer: str, weights: GapWeights = WEIGHTS) -> dict[Gap, float]:
    """Each gap's score for this question and answer: its place in the question type's order plus its cues."""
    order = importance(question)
    scores = {gap: 1.0 - rank / len(order) for rank, gap in enumerate(order)}
    for cue, fired in answer_cues(question, answer).items():
        if fired:
            scores[CUE_GAP[cue]] += getattr(weights, cue)
    return scores


def find_gaps(question: str, answer: str, weights: GapWeights = WEIGHTS) -> tuple[Gap, ...]:
    """The context the answer leaves out, most important first for this question and this answer."""
    coverage = gap_coverage(answer)
    scores = gap_scores(question, answer, weights)
    missing = [gap for gap in importance(question) if coverage[gap] < GIVEN]
    return tuple(sorted(missing, key=lambda gap: -scores[gap]))  # stable: ties keep the question type's order


def covers(gap: Gap, text: str) -> bool:
    """Whether a text (e.g. the expert's reply) fills this gap."""
    return gap_coverage(text)[gap] >= COVERED
