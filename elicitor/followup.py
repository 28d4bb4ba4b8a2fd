"""The offline follow-up writer: one private, specific, polite question from templates, no LLM needed.

The question quotes the answer's central claim (elicitor/claim.py) and asks for the most important missing context
in words fitted to the claim and to the thread: the error the asker pasted, the options they weighed.
"""

from __future__ import annotations

from elicitor import cues
from elicitor.asked import asker_text, chat_nicks, named_options, pasted_error
from elicitor.claim import (
    CLAIM_KEEP_WORDS,
    GREETING,
    MIN_CLAIM_WORDS,
    Claim,
    asks,
    central_claim,
    clean,
    clip,
    find_claim,
    readable_math,
    strip_addressee,
)
from elicitor.detect import question_text
from elicitor.gaps import find_gaps
from elicitor.model import FollowUp, Gap, Message, Thread
from elicitor.specifics import asked_version, named_file, pointed_to, safe_excerpt, scrub, strip_html, warning

__all__ = ["TemplateFollowUpWriter", "central_claim", "find_claim", "readable_math"]

MAX_WORDS = 40
TOPIC_WORDS = 8  # longest thread title quoted before trimming


# Each template has one '?'; {claim} is quoted, {a} and {b} are the two sides of a contrast.
_INSTRUCTION: dict[Gap, str] = {
    Gap.RATIONALE: "Could you explain why you would “{claim}” here, so someone new understands the reasoning?",
    Gap.CONDITIONS: "In which situations would you “{claim}”, and when would you not?",
    Gap.ALTERNATIVES: "Why “{claim}” rather than another approach, and when would an alternative be the better choice?",
    Gap.STEPS: "Could you walk through how you would “{claim}”, step by step, for someone doing it the first time?",
    Gap.PITFALLS: "What tends to go wrong when people “{claim}”, and what should they watch out for?",
    Gap.EVIDENCE: "Could you point to a source, example or measurement showing that it helps to “{claim}”?",
}
_STATEMENT: dict[Gap, str] = {
    Gap.RATIONALE: "You wrote “{claim}”. Could you explain why that is, so someone new understands the reasoning?",
    Gap.CONDITIONS: "You wrote “{claim}”. Under what conditions does that hold, and when does it not?",
    Gap.ALTERNATIVES: (
        "You wrote “{claim}”. How does that compare with the alternatives, and when would another approach "
        "be the better choice?"
    ),
    Gap.STEPS: "You wrote “{claim}”. Could you walk through how to put that into practice, step by step?",
    Gap.PITFALLS: "You wrote “{claim}”. What tends to go wrong with that in practice, and what should people watch out for?",
    Gap.EVIDENCE: "You wrote “{claim}”. Could you point to a source, example or measurement that backs this up?",
}
_CONTRAST = "Why “{a}” rather than “{b}”, and when would “{b}” be the better choice?"
# The asker pasted an error: the question names it, so the expert knows which problem the fix is for.
_FOR_ERROR: dict[Gap, str] = {
    Gap.STEPS: "{lead} for “{error}”. Could you walk through the exact steps, and how to check that it worked?",
    Gap.RATIONALE: "{lead} for “{error}”. Could you explain why that error happens and why this fixes it?",
    Gap.CONDITIONS: "{lead} for “{error}”. In which situations does that fix apply, and when would it not?",
    Gap.PITFALLS: "{lead} for “{error}”. What tends to go wrong with that fix, and what should people watch out for?",
}
ERROR_WORDS = 7  # longest excerpt of a pasted error quoted back
ERROR_CHARS = 80
# A bare yes or no is asked about against the question it answers.
_VERDICT: dict[Gap, str] = {
    Gap.RATIONALE: "You answered “{claim}” to “{topic}”. Could you explain why, so someone new understands the reasoning?",
    Gap.CONDITIONS: "You answered “{claim}” to “{topic}”. Under what conditions does that hold, and when does it not?",
    Gap.ALTERNATIVES: "You answered “{claim}” to “{topic}”. What are the alternatives, and when would one be the better choice?",
    Gap.STEPS: "You answered “{claim}” to “{topic}”. Could you walk through how to act on that, step by step?",
    Gap.PITFALLS: "You answered “{claim}” to “{topic}”. What tends to go wrong there, and what should people watch out for?",
    Gap.EVIDENCE: "You answered “{claim}” to “{topic}”. Could you point to a source or example that backs this up?",
}
_NO_CLAIM: dict[Gap, str] = {
    Gap.RATIONALE: "Could you explain the reasoning behind it, so someone new understands why it works?",
    Gap.CONDITIONS: "In which situations does it apply, and when would you not rely on it?",
    Gap.ALTERNATIVES: "How does it compare with the alternatives, and when would another option be the better choice?",
    Gap.STEPS: "Could you walk through the exact steps, for someone doing it the first time?",
    Gap.PITFALLS: "What tends to go wrong with it in practice, and what should people watch out for?",
    Gap.EVIDENCE: "Could you point to a source, example or measurement that backs it up?",
}


# The specific thing missing, named from the thread: {lead} quotes the answer ("You suggested “edit fstab”").
_EDIT_FILE = "{lead}. Which exact lines or commands would you put in “{file}”, and how do you check that it worked?"
_POINTED = "{lead}. Which exact commands or options of “{target}” would you use here, step by step?"
_WARNED = "{lead} and warned “{warning}”. What exactly goes wrong, and what should people watch out for?"
_ON_VERSION = "{lead}. Does that still hold on “{version}”, and when would it not?"
_COMPARE = "{lead}. How does “{a}” compare with “{b}” here, and when would each be the better choice?"


class TemplateFollowUpWriter:
    """Writes one follow-up question for the most important gap, naming what the thread makes specific."""

    def write(self, thread: Thread, answer: Message, gaps: tuple[Gap, ...]) -> FollowUp:
        """One question of at most 40 words with exactly one question mark, for gaps[0].

        Handed no gap (an answer the detector did not assess), it asks for the one this question needs most.
        """
        opening_text = _question_text(thread)
        gap = gaps[0] if gaps else next(iter(find_gaps(question_text(thread, answer), answer.text)), Gap.RATIONALE)
        names = {m.author_name for m in thread.messages} | {m.author_id for m in thread.messages}
        names |= chat_nicks(opening_text)  # chat replies open with the nick they answer
        claim = find_claim(answer.text, question=opening_text, names=names, gap=gap)
        asked = asker_text(strip_html(opening_text))
        claim = _with_named_options(claim, asked, answer.text, gap)
        specific = _specific(claim, gap, asked, answer.text) if claim.text and not claim.verdict else ""
        if specific:
            return FollowUp(question=scrub(specific), gap=gap)
        topic = clean(_topic(thread, names))
        question = _compose(claim, gap, topic, short=cues.word_count(answer.text) <= 40)
        return FollowUp(question=scrub(question), gap=gap)


def _specific(claim: Claim, gap: Gap, asked: str, answer: str) -> str:
    """A question naming what the thread makes specific for this gap, or "" when nothing fits in 40 words.

    The error the asker pasted, the file the answer says to edit, what it points to, the warning it gives, the
    version the asker is on, the two options the asker weighs when the answer takes neither side.
    """
    said = "You suggested" if claim.instruction else "You wrote"
    lead = (
        f"Thanks for {'the tip' if claim.instruction else 'your answer'}! {said} “{clip(claim.text, CLAIM_KEEP_WORDS)}”"
    )
    candidates = []
    error = _error_excerpt(asked) if gap in _FOR_ERROR else ""
    if error:
        candidates.append(_FOR_ERROR[gap].format(lead=lead, error=error))
    if gap == Gap.STEPS and (file := named_file(answer)):
        candidates.append(_EDIT_FILE.format(lead=lead, file=file))
    if gap == Gap.STEPS and (target := pointed_to(answer)):
        candidates.append(_POINTED.format(lead=lead, target=target))
    if gap == Gap.PITFALLS and (warned := warning(answer)):
        candidates.append(_WARNED.format(lead=lead, warning=warned))
    if gap == Gap.CONDITIONS and (version := asked_version(asked)):
        candidates.append(_ON_VERSION.format(lead=lead, version=version))
    options = named_options(asked) if gap == Gap.ALTERNATIVES and not claim.contrast else None
    if options is not None:
        a, b = (safe_excerpt(o, 3) for o in options)
        if a and b:
            candidates.append(_COMPARE.format(lead=lead, a=a, b=b))
    return next((q for q in candidates if len(q.split()) <= MAX_WORDS), "")


def _compose(claim: Claim, gap: Gap, topic: str, short: bool) -> str:
    """Assembles the question and shortens its quoted parts until it fits in MAX_WORDS."""
    text = claim.text
    while True:
        question = _render(claim, text, gap, topic, short)
        if len(question.split()) <= MAX_WORDS:
            return question
        # The claim makes the question specific; the topic only reminds the author which thread it is.
        if len(topic.split()) > TOPIC_WORDS:
            topic = clip(topic, len(topic.split()) - 1)
        elif len(text.split()) > CLAIM_KEEP_WORDS:
            text = clip(text, len(text.split()) - 1)
        elif len(topic.split()) > 3:
            topic = clip(topic, len(topic.split()) - 1)
        elif len(text.split()) > MIN_CLAIM_WORDS:
            text = clip(text, len(text.split()) - 1)
        elif topic and not claim.verdict:
            topic = ""
        else:
            return clip(question, MAX_WORDS - 1).rstrip("?…") + "?"


def _render(claim: Claim, text: str, gap: Gap, topic: str, short: bool) -> str:
    thing = "the tip" if claim.instruction and short else "your answer"
    # A private message arrives out of context: it names the thread, unless the question quotes it already.
    thanks = f"Thanks for {thing} on “{topic}”!" if topic and not claim.verdict else f"Thanks for {thing}!"
    if claim.contrast and gap in (Gap.ALTERNATIVES, Gap.RATIONALE):
        a, b = claim.contrast
        return f"{thanks} {_CONTRAST.format(a=a, b=b)}"
    if claim.verdict and topic:
        return f"{thanks} {_VERDICT[gap].format(claim=text, topic=topic)}"
    if not text or claim.verdict:
        return f"{thanks} {_NO_CLAIM[gap]}"
    template = _INSTRUCTION[gap] if claim.instruction else _STATEMENT[gap]
    return f"{thanks} {template.format(claim=text)}"


def _error_excerpt(asked: str) -> str:
    """The start of the error the asker pasted, cleaned and clipped to a few words ("" when none)."""
    excerpt = safe_excerpt(clip(clean(pasted_error(asked)), ERROR_WORDS), ERROR_WORDS + 1, ERROR_CHARS).strip(" .,:;-…")
    return excerpt if len(excerpt.split()) >= 2 else ""


def _with_named_options(claim: Claim, asked: str, answer: str, gap: Gap) -> Claim:
    """A claim that picks one of the options the asker named becomes a choice between the two."""
    options = named_options(asked) if gap in (Gap.RATIONALE, Gap.ALTERNATIVES) and not claim.contrast else None
    if options is None:
        return claim
    said = answer.lower()
    a, b = options
    if (a.lower() in said) == (b.lower() in said):
        return claim  # the answer names both or neither: no side taken
    chosen, other = (a, b) if a.lower() in said else (b, a)
    return Claim(claim.text, claim.instruction, (chosen, other), claim.verdict)


def _question_text(thread: Thread) -> str:
    opening = thread.opening
    body = opening.text if opening and opening.kind != "answer" else ""
    return f"{thread.title}\n{body}"


def _topic(thread: Thread, names: set[str]) -> str:
    """What was asked: the title, or the opening message; in chat, its question without greeting or addressee."""
    opening = thread.opening
    found = cues.sentences(strip_html(thread.title or (opening.text if opening else "")))
    found = [GREETING.sub("", strip_addressee(s, names)).strip() for s in found]
    found = [s for s in found if len(s.split()) >= 2]
    asked = next((s for s in found if asks(s)), found[0] if found else "")
    return clip(asked, TOPIC_WORDS + 2)
