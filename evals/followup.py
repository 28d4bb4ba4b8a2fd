"""`tacit eval followup`: the question Tacit would privately ask the author of each labelled terse answer.

Cases: answers whose `terse_label` says terse "yes". For each, the thread is the question and the answer; the
detector (the author counted as an expert) gives the gaps and the writer writes one question. Checks, each a share
of questions passing:
- one_question: exactly one '?';
- max_40_words: at most 40 whitespace-separated words;
- names_answer_terms: the question copies a phrase of the answer (consecutive words in both) holding at least two
  content words, one of them not in the question's title: it is about *this* answer, not the topic;
- asks_main_gap: the writer's gap is the first labelled gap, and the question's own wording (what it adds to any
  words copied from the answer) asks for that kind of context; `asks_main_gap_gold_gaps`: the same when the
  writer is handed the labelled gaps, which separates gap-analysis errors from writing errors;
- polite: opens or asks politely (thanks, could/would you, please...) and has no rude or bare-imperative wording;
- all_checks: all five on the end-to-end question; all_checks_gold_gaps: all five when given the labelled gaps;
  `*_high_confidence`: the same on high-confidence labels only.
Similarities (mean cosine, `embedder.embed(..., kind="query")`): sim_to_label, to the labelled follow-up;
sim_to_reader_requests, to the closest real reader request (comments with elaboration patterns), on the answers
that have one.
Baselines, checked the same way: `generic` ("Could you elaborate on your answer?") and `question_echo`
("Why <the answer's first sentence>?").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elicitor import cues
from elicitor.model import AuthorStanding, Gap, Message, Role, Thread
from elicitor.ports import Detector, FollowUpWriter
from evals.answers import UNKNOWN_TIME, aware_time, read_answers
from evals.report import Report
from retrieval.ports import Embedder

NAME = "followup"
MAX_WORDS = 40
GENERIC_QUESTION = "Could you elaborate on your answer?"
EXAMPLES = 12  # per-case examples kept in the report's extra, for the Markdown report

_TOKEN = re.compile(r"[a-z0-9][a-z0-9_'+#]*(?:[.-][a-z0-9_+#]+)*")
# Function words and fillers: sharing them says nothing about which answer a question is about.
# fmt: off
_STOP = frozenset(
    """
a an the and or but nor if then else of to in on at for with by from as into onto over under about above below
is are was were be been being am it its it's this that these those there here i me my we us our you your yours
he him his she her they them their do does did done doing have has had having can could should would will shall
may might must not no yes so than too very just also only even still really quite rather much many more most
some any all each every both either neither other another such same own which what when where who whom whose how
why while because since though although whether until unless via per etc e.g i.e one ones thing things way ways
get got gets make makes made let lets well ok okay like think thanks thank please answer question
""".split()  # noqa: SIM905
)
# fmt: on
# What a question asks for, from its own wording. Matched after removing words copied from the answer.
_GAP_WORDING: dict[Gap, re.Pattern[str]] = {
    Gap.RATIONALE: re.compile(
        r"\b(?:why|reasons?|reasoning|rationale|what makes|how come|intuition|what (?:drives|causes)|"
        r"explain (?:how|what|the))\b",
        re.I,
    ),
    Gap.CONDITIONS: re.compile(
        r"\b(?:when (?:would|does|do|is|should|will|might|could)|in which (?:situations?|cases?)|"
        r"under (?:what|which)|conditions?|assumptions?|(?:does|would) (?:that|this|it) (?:still )?(?:hold|apply)|"
        r"depend\w*|what cases|limits? of)\b",
        re.I,
    ),
    Gap.ALTERNATIVES: re.compile(
        r"\b(?:alternatives?|instead|compared?|comparison|versus|vs|trade-?offs?|other options?|"
        r"another (?:option|approach|way)|rather than|better choice|over (?:the )?(?:other|alternatives?)|"
        r"why \S+(?: \S+){0,6} over)\b",
        re.I,
    ),
    Gap.STEPS: re.compile(
        r"\b(?:walk (?:\w+ )?through|steps?|how exactly|how (?:would|do|did|should|could) you|how to|"
        r"show (?:how|an? |the )|commands?|procedure|concretely|in practice|sequence)\b",
        re.I,
    ),
    Gap.PITFALLS: re.compile(
        r"\b(?:go(?:es)? wrong|pitfalls?|watch out|careful|risks?|caveats?|gotchas?|mistakes?|downsides?|"
        r"limitations?|fail\w*|break\w*|trip (?:\w+ )?up)\b",
        re.I,
    ),
    Gap.EVIDENCE: re.compile(
        r"\b(?:sources?|references?|papers?|links?|examples?|measurements?|measured|benchmarks?|data|evidence|"
        r"cite|documentation|docs|numbers|back(?:s|ed)? (?:\w+ )?up|proof|study|studies)\b",
        re.I,
    ),
}
_POLITE = re.compile(
    r"\b(?:thanks|thank you|could you|would you|can you|would it be possible|may i|i'?d (?:love|like)|"
    r"i wonder|i was wondering|curious|please|if you have a moment)\b",
    re.I,
)
_RUDE = re.compile(
    r"\b(?:obviously|clearly you|you (?:forgot|failed|didn'?t|did not|should have|must)|(?:you are|you're|"
    r"that'?s|this is|is) (?:wrong|useless|nonsense)|lazy|useless|nonsense|pointless|why didn'?t you|"
    r"explain yourself|justify yourself|just tell)\b",
    re.I,
)
_BARE_IMPERATIVE = re.compile(
    r"^\W*(?:explain|tell|give|justify|provide|show|elaborate|clarify|prove|cite|answer|describe|list|add)\b", re.I
)


@dataclass(frozen=True)
class Case:
    """One labelled terse answer in its thread, with its labels and the real readers' requests."""

    answer_id: str
    thread: Thread
    answer: Message
    gold_gaps: tuple[Gap, ...]
    label_followup: str
    high_confidence: bool
    reader_requests: tuple[str, ...]


# ---- cases ------------------------------------------------------------


def load_cases(data: Path) -> list[Case]:
    """The answers labelled terse "yes", as threads of question and answer."""
    return [_case(row) for row in read_answers(data) if (row.get("terse_label") or {}).get("terse") == "yes"]


def _case(row: dict[str, Any]) -> Case:
    label = row["terse_label"]
    created = aware_time(row.get("answer_created_at"), UNKNOWN_TIME)
    thread_id = str(row.get("question_id") or f"q-{row['answer_id']}")
    question = Message(
        f"{thread_id}-q", thread_id, "asker", "asker", row.get("question_body") or "", created, kind="question"
    )
    author = str(row.get("answer_author") or "author")
    answer = Message(
        str(row["answer_id"]),
        thread_id,
        author,
        author,
        row.get("answer_text") or "",
        created,
        parent_id=question.id,
        kind="answer",
        score=int(row.get("answer_score") or 0),
        accepted=bool(row.get("answer_is_accepted")),
        url=row.get("answer_url"),
    )
    thread = Thread(
        thread_id,
        str(row.get("site") or "community"),
        row.get("question_title") or "",
        (question, answer),
        tuple(row.get("question_tags") or ()),
    )
    requests = tuple(
        c["text"]
        for c in row.get("followup_comments") or ()
        if c.get("elaboration_patterns") and not c.get("by_answer_author") and (c.get("text") or "").strip()
    )
    return Case(
        str(row["answer_id"]),
        thread,
        answer,
        tuple(Gap(g) for g in label.get("gaps") or ()),
        label.get("followup") or "",
        label.get("confidence") == "high",
        requests,
    )


# ---- checks -----------------------------------------------------------


def tokens(text: str) -> list[str]:
    """Lower-cased words of a text's prose (code and URLs dropped, inline code and math kept)."""
    prose = cues.strip_markup(text, keep_inline=True).lower().replace("’", "'")
    return _TOKEN.findall(prose)


def _content(word: str) -> bool:
    return word not in _STOP and (len(word) > 2 or any(ch.isdigit() for ch in word))


def _shared_runs(question: list[str], answer: list[str], max_n: int = 8) -> list[tuple[int, int]]:
    """Spans (start, end) of the question, two words or longer, found as consecutive words in the answer."""
    grams = {tuple(answer[i : i + n]) for n in range(2, max_n + 1) for i in range(len(answer) - n + 1)}
    spans = []
    for n in range(2, max_n + 1):
        spans += [(i, i + n) for i in range(len(question) - n + 1) if tuple(question[i : i + n]) in grams]
    return spans


def names_answer_terms(question: str, answer: str, title: str) -> bool:
    """The question uses the answer's own terms, not only the topic's.

    Either a phrase of the answer (consecutive words in both) with two or more content words, one not in the
    title; or a quoted span of the question whose words occur in the answer in the same order, close together
    (a quote with an aside left out), with the same condition on its content words; or a technical term of the
    answer not in the title ("allkeys-lru", "requirements.txt", "k8s", "CNOT"): one such word is specific.
    """
    asked, said = tokens(question), tokens(answer)
    topic = set(tokens(title))

    def specific(words: Sequence[str]) -> bool:
        content = [w for w in words if _content(w)]
        return len(content) >= 2 and any(w not in topic for w in content)

    if any(specific(asked[start:end]) for start, end in _shared_runs(asked, said)):
        return True
    if (_terms(answer) - topic) & set(asked):
        return True
    quotes = (tokens(m.group(1) or m.group(2)) for m in _QUOTED.finditer(question))
    return any(specific(q) and _in_order(q, said) for q in quotes)


def _terms(text: str) -> set[str]:
    """Technical terms: words with a digit or inner '-', '_', '.', '+', '#', and acronyms, lower-cased."""
    prose = cues.strip_markup(text, keep_inline=True)
    acronyms = {w.lower() for w in re.findall(r"\b[A-Z][A-Z0-9]{1,}\b", prose)}
    marked = {
        w
        for w in tokens(text)
        if len(w) >= 3 and re.search(r"[a-z]", w) and (re.search(r"\w[-_.+#]\w|[+#]$", w) or re.search(r"\d", w))
    }
    return acronyms | marked


_QUOTED = re.compile(r"“([^”]+)”|\"([^\"]+)\"")


def _in_order(words: Sequence[str], text: Sequence[str]) -> bool:
    """All of `words` occur in `text` in order, within a window twice as long as the quote."""
    window = 2 * len(words) + 2
    for begin in (i for i, w in enumerate(text) if words and w == words[0]):
        at, found = begin, 0
        for word in words:
            while at < min(len(text), begin + window) and text[at] != word:
                at += 1
            if at >= min(len(text), begin + window):
                break
            found, at = found + 1, at + 1
        if found == len(words):
            return True
    return False


def asked_gaps(question: str, answer: str) -> set[Gap]:
    """The kinds of context a question asks for, judged from its own words (quotes of the answer removed)."""
    without_quotes = re.sub(r"“[^”]*”|\"[^\"]*\"", " ", question)
    asked, said = tokens(without_quotes), tokens(answer)
    copied: set[int] = set()
    for start, end in _shared_runs(asked, said):
        if end - start >= 3:  # a copied phrase, not two common words the question happens to share
            copied.update(range(start, end))
    own = " ".join(w for i, w in enumerate(asked) if i not in copied)
    return {gap for gap, pattern in _GAP_WORDING.items() if pattern.search(own)}


def is_polite(question: str) -> bool:
    """Asks politely (thanks, could/would you, please...) and has no rude or bare-imperative wording."""
    return bool(_POLITE.search(question)) and not _RUDE.search(question) and not _BARE_IMPERATIVE.search(question)


def checks(question: str, declared: Gap | None, case: Case) -> dict[str, bool]:
    """Every check for one question; `declared` is the gap the writer says it asks about (None for baselines)."""
    main = case.gold_gaps[0] if case.gold_gaps else None
    gap_ok = main is not None and main in asked_gaps(question, case.answer.text)
    if declared is not None:
        gap_ok = gap_ok and declared == main
    return {
        "one_question": question.count("?") == 1,
        "max_40_words": len(question.split()) <= MAX_WORDS,
        "names_answer_terms": names_answer_terms(question, case.answer.text, case.thread.title),
        "asks_main_gap": gap_ok,
        "polite": is_polite(question),
    }


FORM_CHECKS = ("one_question", "max_40_words", "names_answer_terms", "polite")


# ---- baselines --------------------------------------------------------


def generic_question(case: Case) -> str:
    return GENERIC_QUESTION


def echo_question(case: Case) -> str:
    """'Why <the answer's first sentence>?': specific, but neither polite nor aimed at a gap."""
    found = cues.sentences(case.answer.text, keep_inline=True)
    first = (found[0] if found else case.answer.text).replace("?", "").strip().rstrip(".!:;,")
    return f"Why {first[:1].lower()}{first[1:]}?"


BASELINES: dict[str, Callable[[Case], str]] = {"generic": generic_question, "question_echo": echo_question}


# ---- run --------------------------------------------------------------


def run(data: Path, detector: Detector, writer: FollowUpWriter, embedder: Embedder) -> Report:
    """Writes the follow-up for every labelled terse answer and scores it next to the baselines."""
    cases = load_cases(data)
    if not cases:
        return Report(NAME, {}, {}, [f"{data.name} has no answer labelled terse: no follow-up to measure."])
    standing = AuthorStanding(role=Role.EXPERT)
    rows: list[dict[str, Any]] = []
    for case in cases:
        gaps = detector.assess(case.thread, case.answer, standing).gaps
        written = writer.write(case.thread, case.answer, gaps)
        with_gold = writer.write(case.thread, case.answer, case.gold_gaps)
        rows.append(
            {
                "answer_id": case.answer_id,
                "question": written.question,
                "gap": written.gap.value,
                "detected_gaps": [g.value for g in gaps],
                "gold_gaps": [g.value for g in case.gold_gaps],
                "checks": checks(written.question, written.gap, case),
                "checks_gold_gaps": checks(with_gold.question, with_gold.gap, case),
                "question_gold_gaps": with_gold.question,
                "label": case.label_followup,
            }
        )
    tacit = _figures(cases, [r["question"] for r in rows], [r["checks"] for r in rows], embedder)
    gold = [r["checks_gold_gaps"] for r in rows]
    tacit["asks_main_gap_gold_gaps"] = _share([c["asks_main_gap"] for c in gold])
    tacit["all_checks_gold_gaps"] = _share([all(c.values()) for c in gold])
    tacit = _ordered(tacit)
    baselines = {}
    for name, ask in BASELINES.items():
        questions = [ask(case) for case in cases]
        found = [checks(q, None, case) for q, case in zip(questions, cases, strict=True)]
        figures = _figures(cases, questions, found, embedder)
        figures["asks_main_gap_gold_gaps"] = figures["asks_main_gap"]  # a baseline ignores the gaps
        figures["all_checks_gold_gaps"] = figures["all_checks"]
        baselines[name] = _ordered(figures)
    with_requests = sum(1 for c in cases if c.reader_requests)
    notes = [
        f"{len(cases)} answers labelled terse ({sum(c.high_confidence for c in cases)} high-confidence); "
        f"{with_requests} with real reader requests to elaborate.",
        "asks_main_gap uses the detector's gaps (end to end); *_gold_gaps hands the writer the labelled gaps.",
        "names_answer_terms: a phrase of 2+ content words (or a faithful quote, or a technical term) of the "
        "answer, not only title words.",
    ]
    return Report(NAME, tacit, baselines, notes, {"examples": rows[:EXAMPLES]})


def _figures(
    cases: Sequence[Case], questions: Sequence[str], found: Sequence[dict[str, bool]], embedder: Embedder
) -> dict[str, float]:
    """Shares passing each check, on all cases and on high-confidence ones, and the two similarities."""
    figures = {name: _share([c[name] for c in found]) for name in (*FORM_CHECKS, "asks_main_gap")}
    figures["all_checks"] = _share([all(c.values()) for c in found])
    high = [c for c, case in zip(found, cases, strict=True) if case.high_confidence]
    figures["all_checks_high_confidence"] = _share([all(c.values()) for c in high])
    figures["asks_main_gap_high_confidence"] = _share([c["asks_main_gap"] for c in high])
    figures.update(_similarities(cases, questions, embedder))
    return figures


def _similarities(cases: Sequence[Case], questions: Sequence[str], embedder: Embedder) -> dict[str, float]:
    if not cases:
        return {"sim_to_label": 0.0, "sim_to_reader_requests": 0.0}
    requests = [r for c in cases for r in c.reader_requests]
    vectors = embedder.embed([*questions, *(c.label_followup for c in cases), *requests], kind="query")
    n = len(cases)
    asked, labels, request_vectors = vectors[:n], vectors[n : 2 * n], vectors[2 * n :]
    to_label = [_cosine(a, b) for a, b in zip(asked, labels, strict=True)]
    to_requests, at = [], 0
    for case, vector in zip(cases, asked, strict=True):
        own = request_vectors[at : at + len(case.reader_requests)]
        at += len(case.reader_requests)
        if own:
            to_requests.append(max(_cosine(vector, r) for r in own))
    return {
        "sim_to_label": sum(to_label) / n,
        "sim_to_reader_requests": sum(to_requests) / len(to_requests) if to_requests else 0.0,
    }


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / norm if norm else 0.0


def _share(values: Sequence[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


_ORDER = (
    "one_question",
    "max_40_words",
    "names_answer_terms",
    "asks_main_gap",
    "asks_main_gap_gold_gaps",
    "polite",
    "all_checks",
    "all_checks_gold_gaps",
    "all_checks_high_confidence",
    "asks_main_gap_high_confidence",
    "sim_to_label",
    "sim_to_reader_requests",
)


def _ordered(figures: dict[str, float]) -> dict[str, float]:
    return {k: figures[k] for k in _ORDER if k in figures}
