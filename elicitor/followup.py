"""The offline follow-up writer: one private, specific, polite question from templates, no LLM needed."""

from __future__ import annotations

import re

from elicitor import cues
from elicitor.model import FollowUp, Gap, Message, Thread

MAX_WORDS = 40
TOPIC_WORDS = 8  # longest topic quoted before trimming
CLAIM_WORDS = 9  # longest claim quoted before trimming

# {verb} is "suggested" for instructions and "wrote" for statements; each tail asks exactly one question.
_TAILS: dict[Gap, str] = {
    Gap.RATIONALE: "what is the reasoning behind that, so someone new can see why it works?",
    Gap.CONDITIONS: "in which situations does that hold, and when would you not rely on it?",
    Gap.ALTERNATIVES: "why that over the alternatives, and when would another option be the better choice?",
    Gap.STEPS: "could you walk through the exact steps you would take, for someone doing it the first time?",
    Gap.PITFALLS: "what tends to go wrong with that in practice, and what should people watch out for?",
    Gap.EVIDENCE: "is there a source, example or measurement you could point to that backs it up?",
}
# Openers that carry no claim: a learner gains nothing from seeing them quoted back.
_FILLER = re.compile(
    r"^(?:(?:yes|no|well|so|ok(?:ay)?|actually|basically|also|hi|hello|hey)[,.!:]\s*|"
    r"(?:i think|i believe|i guess|i'd say|in short|in general|generally|as far as i know|afaik|imho|imo)"
    r"\b,?\s*)+",
    re.I,
)
# A claim ends at the first clause break: "Use a partial index, a full one won't scale." -> "Use a partial
# index".
_CLAUSE_BREAK = re.compile(
    r"\s*(?:[,;:—–]|\s-\s|\bbecause\b|\bsince\b|\bso that\b|\bwhich\b|\bbut\b)\s*", re.I
)
# A sentence opening with one of these puts its point after the first comma ("When X, do Y").
_SUBORDINATE = frozenset(
    [
        "when",
        "if",
        "while",
        "although",
        "though",
        "as",
        "since",
        "because",
        "for",
        "to",
        "in",
        "on",
        "after",
        "before",
        "once",
        "unless",
    ]
)
_QUOTES = str.maketrans({"?": "", "“": "", "”": "", '"': "", "`": ""})


class TemplateFollowUpWriter:
    """Writes one follow-up question for the most important gap, quoting the answer's own central claim."""

    def write(self, thread: Thread, answer: Message, gaps: tuple[Gap, ...]) -> FollowUp:
        """One question of at most 40 words with exactly one question mark, for gaps[0]."""
        gap = gaps[0] if gaps else Gap.RATIONALE
        topic = _clip(_clean(thread.title or _opening_text(thread)), TOPIC_WORDS)
        claim, instruction = central_claim(answer.text)
        claim = _clip(claim, CLAIM_WORDS)
        return FollowUp(question=_compose(topic, claim, instruction, gap), gap=gap)


def central_claim(text: str) -> tuple[str, bool]:
    """The answer's central claim as a short phrase, and whether it is an instruction."""
    found = [s for s in cues.sentences(text, keep_inline=True) if not s.endswith("?") and len(s.split()) >= 2]
    # Headings ("Measurement-based computation") carry no claim; skip them when real sentences follow.
    found = [s for s in found if s[-1] in ".!:" or len(s.split()) > 8] or found
    if not found:
        return "", False
    clauses = [_main_clause(s) for s in found]
    # Prefer the first instruction or advice; else the first real statement: answers lead with their point.
    phrase = next((c for c in clauses if cues.is_imperative(c)), None)
    instruction = phrase is not None
    phrase = phrase or next((c for c in clauses if len(c.split()) >= 4), clauses[0])
    head = _CLAUSE_BREAK.split(phrase, maxsplit=1)[0]
    # Too short a head ("Yes") says nothing; keep the sentence and let _clip shorten it.
    phrase = head if len(head.split()) >= 3 else phrase
    phrase = _clean(phrase).rstrip(".!")
    if instruction and phrase:
        phrase = phrase[0].lower() + phrase[1:]
    return phrase, instruction


def _main_clause(sentence: str) -> str:
    """The sentence without filler openers or a leading subordinate clause ("When X, do Y" -> "do Y")."""
    phrase = _FILLER.sub("", sentence).strip()
    first = phrase.split(maxsplit=1)[0].lower() if phrase else ""
    if first in _SUBORDINATE and "," in phrase:
        phrase = phrase.split(",", 1)[1].strip()
    return phrase or sentence


def _compose(topic: str, claim: str, instruction: bool, gap: Gap) -> str:
    """Assembles the question and shortens its quoted parts until it fits in MAX_WORDS."""
    verb = "suggested" if instruction else "wrote"
    tail = _TAILS[gap]
    while True:
        thanks = f"Thanks for your answer on “{topic}”. " if topic else "Thanks for your answer. "
        ask = f"You {verb} “{claim}”: {tail}" if claim else f"About your answer: {tail[0].upper()}{tail[1:]}"
        question = thanks + ask
        if len(question.split()) <= MAX_WORDS:
            return question
        # Trim the topic before the claim: the claim is what makes the question specific.
        if len(topic.split()) > 3:
            topic = _clip(topic, len(topic.split()) - 1)
        elif len(claim.split()) > 3:
            claim = _clip(claim, len(claim.split()) - 1)
        elif topic:
            topic = ""
        else:
            return _clip(question, MAX_WORDS - 1).rstrip("?…") + "?"


def _opening_text(thread: Thread) -> str:
    """The first sentence of the thread's opening message, as a topic when the thread has no title."""
    opening = thread.opening
    found = cues.sentences(opening.text) if opening else []
    return found[0] if found else ""


def _clean(text: str) -> str:
    """One line, no question marks or quotes of its own, so the question keeps exactly one '?'."""
    text = cues.strip_markup(text, keep_inline=True).translate(_QUOTES)
    return " ".join(text.split()).strip(" .,:;-")


def _clip(text: str, max_words: int) -> str:
    """The first max_words words, with an ellipsis when something was cut."""
    parts = text.split()
    if len(parts) <= max_words:
        return text
    return " ".join(parts[:max_words]).rstrip(",;:.") + "…"
