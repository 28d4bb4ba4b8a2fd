"""The answer's central claim: the sentence that carries its point, cleaned of markup, math and chat noise.

A follow-up quotes it back, so the claim is short, reads as words, and says how to ask about it: an instruction
("use X") is asked about as something to do, a statement as something that holds, and a contrast ("A, not B",
"A over B") as a choice between the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from elicitor import cues
from elicitor.model import Gap
from elicitor.specifics import strip_html, without_links

CLAIM_WORDS = 16  # longest claim quoted before trimming
CLAIM_KEEP_WORDS = 10  # when too long, the claim is trimmed to this before the title is trimmed further
MIN_CLAIM_WORDS = 3
MIN_HEAD_WORDS = 6  # a shorter first clause ("Within five years") is a fragment, not a claim
SIDE_WORDS = 6  # longest side of a contrast ("A over B")
SIMPLE_MATH_CHARS = 24  # longer formulas read as noise in a question


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Openers that carry no claim: a learner gains nothing from seeing them quoted back.
_FILLER = re.compile(
    r"^(?:(?:yes|no|nope|yep|yeah|well|so|ok(?:ay)?|actually|basically|also|hi|hello|hey|however|then|thus|hence|"
    r"therefore|now|first(?: of all)?|second(?:ly)?|finally|additionally|moreover|furthermore|instead|indeed|"
    r"alternatively|ultimately|essentially|simply put|in practice|in fact|in short|in general|generally|"
    r"(?:the )?(?:short|simple|simpler|long|quick) answer(?: is)?|"
    r"according to (?:this|that|the|my|these|those) (?:\w+ )?(?:paper|article|docs?|documentation|source|book|page|"
    r"wiki\w*|answer|post)s?|"
    r"i think(?: that)?|i believe(?: that)?|i guess|i'd say|i would say|as far as i know|afaik|imho|imo|iirc|"
    r"i'd add|i would add|to add|one more thing|"
    r"(?:great|good|interesting) question)\b[,.!:;]?\s*|(?:tl;?dr|note|edit|update|ps|(?:[a-z]+\s+){0,3}(?:answer|version|summary))\s*:\s*)+",
    re.I,
)
# Sentences about the conversation rather than the subject: nothing to ask the expert about.
_META = re.compile(
    r"^(?:i(?:'m| am) answering|i(?:'m| am) (?:not (?:exactly |entirely |really )?sure|asking)|not sure|"
    r"i (?:once|also) (?:asked|had|wondered)|i had the same|i don'?t know|i have no idea|hope (?:this|that) helps|"
    r"you (?:say|said|ask(?:ed)?|mention(?:ed)?|wrote)|as you (?:said|say|mention\w*|note\w*)|my question|"
    r"your question|the question|this question|here (?:is|are)|here'?s|see (?:also|here|this|the)|"
    r"the only thing i can think|thanks|thank you|welcome|good luck|sorry|hmm)\b",
    re.I,
)
# "I'm not sure if X, but Y" -> "Y": the claim follows the hedge.
GREETING = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|yo|morning|evening|greetings)(?: (?:all|guys|folks|everyone|everybody|there|people))?"
    r"|ok|okay|so|um+|uh+)\b[\s,.!:;-]*",
    re.I,
)
_HEDGE_BUT = re.compile(r"^(?:i'?m not (?:\w+ )?sure|i don'?t know|not sure|i may be wrong)[^,]*,\s*but\s+", re.I)
# First-person asides ("I thought that was neat", "I heard an analogy"): about the author, not the subject.
_ASIDE = re.compile(
    r"^(?:i (?:thought|think|find|found it|like|love|feel|guess|hope|heard|remember|was|am|really|will)|i'll|"
    r"let me|let's|which|maybe|perhaps)\b",
    re.I,
)
# Sentences that introduce a formula, code or a list ("... is given as:", "looks like this") say little alone.
_INTRO = re.compile(r"(?:[:]|\b(?:as follows|like this|given (?:as|by)|of the form|defined as|is|are))\s*$", re.I)
# "A, not B", "A rather than B", "A instead of B", "A over B", "prefer A to B", "A is better than B".
_CONTRAST_SPLIT = re.compile(
    r"^(?P<a>.+?)(?:,\s*(?:and\s+|but\s+)?not\s+|\s+rather than\s+|\s+instead of\s+|\s+in preference to\s+)"
    r"(?P<b>[^,;.]+)",
    re.I,
)
# "over" marks a choice only after a verb of choosing ("use A over B"; not "over time", "over SSH").
_CHOOSE_OVER = re.compile(
    r"^(?:i(?:'d| would) )?(?:use|using|choose|pick|prefer|go with|try|opt for)\s+(?P<a>.+?)\s+over\s+(?P<b>[^,;.]+)",
    re.I,
)
_CHOICE_VERBS = frozenset(["use", "using", "choose", "pick", "prefer", "try"])
_LINKS = _words("on in at to for with by from into via per")
_BETTER_THAN = re.compile(
    r"^(?P<a>.+?)\s+(?:is|are|works?|'s)\s+(?:much\s+|far\s+|a lot\s+)?(?:better|faster|safer|simpler|easier|"
    r"cheaper|more reliable)\s+than\s+(?P<b>[^,;.]+)",
    re.I,
)
_PREFER = re.compile(r"^(?:i(?:'d| would)?\s+)?prefer\s+(?P<a>.+?)\s+to\s+(?P<b>[^,;.]+)", re.I)
# A claim ends at the first clause break: "Use a partial index, a full one won't scale." -> "Use a partial index".
_CLAUSE_BREAK = re.compile(
    r"\s*(?:[,;:—–]|\s-\s|\bbecause\b|\bsince\b|\bso that\b|\bwhich\b|\bwhereas\b|\bbut\b)\s*", re.I
)
# After "you can/could", only a verb of doing makes advice ("you can see this" is not an instruction).
_DOING = _words(
    "use try install run set add remove check avoid put change call create switch enable disable configure update "
    "upgrade restart apply replace write define compute measure start stop keep move drop increase decrease reduce "
    "split combine prefer choose pick consider build deploy test cache store wrap pass open close mount edit delete "
    "rename copy convert enter select take do make implement encode prepare"
)
# Advice said with a modal: its verb phrase is the instruction ("you'll need to build an initrd").
_ADVICE = re.compile(
    r"^(?:you(?:'ll| will)? (?:need|have|want|ought) to|you(?:'d)? (?:should|must|might want to)|"
    r"you (?:can|could)(?= (?:just |simply |easily |also )?(?:" + "|".join(sorted(_DOING)) + r")\b)|"
    r"you(?:'d)? better|i(?:'d| would)? (?:recommend|suggest)(?: (?:that )?you)?|i(?:'d| would)(?: just)?|"
    r"it'?s (?:best|better) to|the (?:fix|solution|trick|way) is to|just)\s+(?P<vp>\w.+)$",
    re.I,
)
_FUNCTION_STARTS = _words(
    "the a an this that these those it its there here then now so but and or if when while once since because "
    "every each all some any most many much both either neither one no not only also just even still today you we "
    "they i he she what which who how why where in on at to for of by with without about like unlike after before "
    "during from given as under over through within across between against among per via upon"
)
_OBJECT_STARTS = _words("the a an every each your its it them this that these those all some any my our their")
_NO_INSTRUCTION = frozenset(["never", "always", "do", "don't", "make", "test", "index", "cache", "store", "return"])
# A sentence opening with a subordinate clause puts its point after the first comma ("When X, do Y"); one
# opening with a preposition may ("In Q#, you ..."), when that comma comes early.
_SUBORDINATE = _words("when if while although though since because once unless whenever whether")
_PREPOSITIONS = _words("in on for to as within with by after before depending given")
_ADVERBS = re.compile(r"^(?:easily|simply|just|probably|also|then|first|always)\s+", re.I)
# An aside of several words ("(as described in chaotic systems)"); "f(x)" and "on (tenant_id)" stay.
_PAREN = re.compile(r"\s+\([^()\s]+(?:\s+[^()\s]+)+\)|\s*\[[^\[\]]*\]")
_IMAGE = re.compile(r"!\[[^\]]*\](?:\[[^\]]*\]|\([^)]*\))|\[([^\]]+)\]\[\d+\]")
_EMOTICON = re.compile(r"(?:^|\s)(?:[:;=8][-']?[()dpo3/\\|]+|<3|\^\^|xd|lol|:'\()(?=\s|$)", re.I)
_QUOTES = str.maketrans({"?": "", "“": "", "”": "", '"': "", "`": ""})
_EMPHASIS = re.compile(r"\*{1,2}(\S[^*]*?)\*{1,2}|(?<!\w)_(\S[^_]*?)_(?!\w)")
_VERDICTS = frozenset(["yes", "no", "nope", "yep", "yeah", "correct", "right", "exactly", "indeed", "true", "false"])
# A capitalised word after a lower-case word or a comma is a name ("... of Gaussian processes").
_NAME_MID_SENTENCE = re.compile(r"(?<=[a-z0-9,;(] )[A-Z][\w'’-]*")
_TRAILING_WEAK = _words(
    "a an the of to in on at by for with from and or but as is are was were be that which this these their its "
    "your our my his her than into over via such"
)

# --- inline math to readable text --------------------------------------------------------------------------
_MATH = re.compile(r"(?<!\$)\$[^$\n]+\$(?!\$)")
_DISPLAY = re.compile(r"\$\$.+?\$\$|\\begin\{(\w+\*?)\}.+?\\end\{\1\}|\\\[.+?\\\]", re.S)
_LATEX_WORDS = {
    r"\langle": "⟨",
    r"\rangle": "⟩",
    r"\otimes": "⊗",
    r"\dagger": "†",
    r"\cdot": "·",
    r"\times": "×",
    r"\leq": "≤",
    r"\geq": "≥",
    r"\le": "≤",
    r"\ge": "≥",
    r"\neq": "≠",
    r"\approx": "≈",
    r"\to": "→",
    r"\infty": "∞",
    r"\pm": "±",
    r"\log": "log",
    r"\exp": "exp",
    r"\sin": "sin",
    r"\cos": "cos",
    r"\alpha": "α",
    r"\beta": "β",
    r"\gamma": "γ",
    r"\delta": "δ",
    r"\epsilon": "ε",
    r"\theta": "θ",
    r"\lambda": "λ",
    r"\mu": "μ",
    r"\pi": "π",
    r"\sigma": "σ",
    r"\phi": "φ",
    r"\psi": "ψ",
    r"\omega": "ω",
    r"\Omega": "Ω",
    r"\Theta": "Θ",
    r"\Delta": "Δ",
    r"\Sigma": "Σ",
    r"\Phi": "Φ",
    r"\Psi": "Ψ",
}
_LATEX_WRAPPERS = re.compile(r"\\(?:mathrm|mathbb|mathcal|mathbf|mathit|text|textrm|operatorname|rm|bf)\s*\{([^{}]*)\}")
_LATEX_SQRT = re.compile(r"\\sqrt\s*\{([^{}]*)\}")
_LATEX_FRAC = re.compile(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_LATEX_SPACING = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)\b|\\[,;:! ]")
_LATEX_SCRIPT = re.compile(r"([_^])\{([^{}]*)\}")


def readable_math(formula: str) -> str | None:
    """Simple LaTeX as plain text ("O(\\sqrt{N})" -> "O(√N)"), or None when it would not read as words."""
    text = _LATEX_SPACING.sub("", formula.strip("$ \n"))
    text = _LATEX_WRAPPERS.sub(r"\1", text)
    text = _LATEX_SQRT.sub(lambda m: "√" + (m.group(1) if len(m.group(1)) == 1 else f"({m.group(1)})"), text)
    text = _LATEX_FRAC.sub(lambda m: f"{_grouped(m.group(1))}/{_grouped(m.group(2))}", text)
    for command, symbol in sorted(_LATEX_WORDS.items(), key=lambda kv: -len(kv[0])):
        spaced = f" {symbol} " if symbol.isalpha() and symbol.isascii() else symbol  # "N\\log N" -> "N log N"
        text = re.sub(re.escape(command) + r"(?![A-Za-z])", spaced, text)
    text = _LATEX_SCRIPT.sub(r"\1\2", text)
    text = re.sub(r"\s+([,.;:!?)])|([(])\s+", r"\1\2", " ".join(text.split()))
    if "\\" in text or "{" in text or len(text) > SIMPLE_MATH_CHARS or not text:
        return None
    return text


def _grouped(term: str) -> str:
    """A fraction's part in brackets when it has an operator: \\frac{z+1}{2} -> (z+1)/2."""
    return f"({term})" if re.search(r"[+\-*/ ]", term.strip()) else term.strip()


@dataclass(frozen=True)
class Claim:
    """What the question quotes: the phrase, and how to ask about it."""

    text: str
    instruction: bool = False  # text is a verb phrase to do ("use a partial index")
    contrast: tuple[str, str] | None = None  # ("A", "B") for "A over B"
    verdict: bool = False  # a bare yes/no


def central_claim(text: str) -> tuple[str, bool]:
    """The answer's central claim as a short phrase, and whether it is an instruction."""
    claim = find_claim(text)
    return claim.text, claim.instruction


def find_claim(
    text: str, question: str = "", names: set[str] | frozenset[str] = frozenset(), gap: Gap | None = None
) -> Claim:
    """The sentence of the answer that carries its point, cleaned and shortened, with how to ask about it."""
    raw = _sentences(text, names)
    candidates = [_prepare(s) for s in raw]
    asked = _content_words(question)
    names_in_text = {m.group(0).lower() for m in _NAME_MID_SENTENCE.finditer(text)}
    best: tuple[float, Claim] | None = None
    for position, sentence in enumerate(candidates):
        claim = _claim_of(sentence, names_in_text)
        if claim is None:
            continue
        score = _score(sentence, claim, position, asked)
        # How-to and what-goes-wrong questions are about something to do: prefer the answer's instruction.
        score += 0.3 if claim.instruction and gap in (Gap.STEPS, Gap.PITFALLS, Gap.ALTERNATIVES) else 0.0
        if best is None or score > best[0]:
            best = (score, claim)
    if best is not None:
        return best[1]
    # No prose claim: a short command or term-only reply ("cp -r src dest") is still the answer's own words.
    short = next((clean(s) for s in candidates if _is_short_reply(s)), "")
    if short:
        return Claim(short)
    verdict = next((s.lower().strip(" .!") for s in raw if s.lower().strip(" .!") in _VERDICTS), "")
    return Claim(verdict, verdict=bool(verdict))


def _sentences(text: str, names: set[str] | frozenset[str]) -> list[str]:
    """Prose sentences with math made readable (or marked as a formula) and chat noise removed."""
    text = strip_html(text)
    text = _IMAGE.sub(lambda m: m.group(1) or " ", text)
    text = _DISPLAY.sub(" ⟦formula⟧. ", text)
    text = _MATH.sub(lambda m: readable_math(m.group(0)) or " ⟦formula⟧ ", text)
    found = []
    for line in cues.sentences(text, keep_inline=True):
        line = strip_addressee(line, names)
        line = _EMOTICON.sub(" ", line)
        found.append(" ".join(line.split()))
    return [s for s in found if s]


def strip_addressee(line: str, names: set[str] | frozenset[str]) -> str:
    """'bob2: you need an initrd' -> 'you need an initrd' (chat messages open with whom they answer)."""
    match = re.match(r"^@?([\w\-\[\]\\^{}|`.]+)\s*[:,]\s+(?=\S)", line)
    if not match:
        return line
    nick = match.group(1).lower()
    known = any(SequenceMatcher(None, nick, n.lower()).ratio() >= 0.8 for n in names if n)
    if known or (line[match.end(1) :].lstrip().startswith(":") and not nick.isalpha()):
        return line[match.end() :]
    return line


def _prepare(sentence: str) -> str:
    """The sentence without filler openers, hedges and asides in parentheses."""
    stripped = _PAREN.sub("", sentence)
    stripped = stripped if len(stripped.split()) >= MIN_CLAIM_WORDS else sentence
    stripped = _HEDGE_BUT.sub("", stripped)
    return _FILLER.sub("", stripped).strip()


def _is_short_reply(sentence: str) -> bool:
    return 2 <= len(sentence.split()) <= 10 and not asks(sentence) and not _META.match(sentence)


def asks(sentence: str) -> bool:
    """Ends with a question mark, also inside closing brackets or quotes ("(were you using the LiveCD?)")."""
    return sentence.rstrip(" )]\"'”’").endswith("?")


def _is_heading(sentence: str) -> bool:
    """'Ultimate Black Box': a title in Title Case, without closing punctuation."""
    parts = sentence.split()
    capitals = sum(1 for w in parts if w[:1].isupper())
    return sentence[-1] not in ".!:;)" and len(parts) <= 8 and capitals >= 0.6 * len(parts)


def _is_prose(sentence: str) -> bool:
    """Mostly words, not code or symbols ('a=a; -> output = true' is not a claim to quote)."""
    parts = sentence.split()
    plain = sum(1 for w in parts if re.fullmatch(r"[A-Za-z][A-Za-z'’-]*[.,;:!]?", w))
    return plain >= 0.6 * len(parts)


def _claim_of(sentence: str, names_in_text: set[str]) -> Claim | None:
    """The claim a sentence makes, or None when it makes none worth quoting."""
    if not sentence or asks(sentence) or _META.match(sentence) or len(cues.words(sentence)) < MIN_CLAIM_WORDS:
        return None
    head = sentence.split("⟦formula⟧", 1)[0].strip(" ,;:")  # a formula ends what a question can quote
    if len(head.split()) < MIN_CLAIM_WORDS or _is_heading(head) or not _is_prose(head):
        return None
    first = head.split(maxsplit=1)[0].lower().strip(",")
    opening = head.split(",", 1)[0]
    leads = first in _SUBORDINATE or (first in _PREPOSITIONS and len(opening.split()) <= 8)
    if leads and "," in head:
        main = head.split(",", 1)[1].strip()
        # "When X, do Y" -> "do Y": an instruction is asked about as a thing to do; a statement keeps its
        # condition unless the whole will not fit.
        if len(main.split()) >= MIN_CLAIM_WORDS and (_is_instruction(main) or len(head.split()) > CLAIM_WORDS):
            head, first = main, main.split(maxsplit=1)[0].lower()
    advice = _ADVICE.match(head)
    instruction = _is_instruction(head)
    if advice is not None and len(advice.group("vp").split()) >= 2:
        head = _ADVERBS.sub("", advice.group("vp"))
    contrast = _contrast(head, instruction)
    text = clean(head)
    if instruction:  # a verb phrase inside the question: one clause ("use a partial index")
        text = _first_clause(text)
    text = _shorten(text)
    if len(text.split()) < MIN_CLAIM_WORDS and contrast is None:
        return None
    if contrast is not None and instruction:
        contrast = (_cased(contrast[0], names_in_text), contrast[1])
    return Claim(_cased(text, names_in_text), instruction, contrast)


def _is_instruction(text: str) -> bool:
    """An instruction to embed as a verb phrase: "use X", "you'll need to X", "Key the cache on X"."""
    parts = text.split()
    first = parts[0].lower() if parts else ""
    if _ADVICE.match(text) is not None or (cues.is_imperative(text) and first not in _NO_INSTRUCTION):
        return True
    # A verb the cue list lacks, followed by its object ("Give every flag...", "Key the cache..."): a plain
    # word (not a function word, plural, adverb or participle) starting the sentence, then a determiner.
    return (
        len(parts) >= 3
        and parts[0][:1].isupper()
        and parts[0].isalpha()
        and first not in _FUNCTION_STARTS
        and not first.endswith(("s", "ly", "ing", "ed"))
        and parts[1].lower() in _OBJECT_STARTS
    )


def _first_clause(text: str) -> str:
    """The text up to its first clause break, when that leaves a phrase of a few words."""
    match = _CLAUSE_BREAK.search(text)
    head = text[: match.start()] if match else text
    return head if len(head.split()) >= MIN_CLAIM_WORDS else text


def _cased(text: str, names_in_text: set[str]) -> str:
    """Lower-case start inside a sentence, unless the first word is a name ("Grover's") or an acronym ("CNOT")."""
    first = text.split(maxsplit=1)[0] if text else ""
    name = first.lower() in names_in_text or any(c.isupper() or c.isdigit() for c in first[1:]) or first == "I"
    return text if name else text[:1].lower() + text[1:]


def _contrast(phrase: str, instruction: bool) -> tuple[str, str] | None:
    """The two sides of "A, not B", "use A over B", "A rather than B", "prefer A to B", "A is better than B"."""
    patterns = (
        (_PREFER, _CHOOSE_OVER, _BETTER_THAN, _CONTRAST_SPLIT) if instruction else (_BETTER_THAN, _CONTRAST_SPLIT)
    )
    for pattern in patterns:
        match = pattern.match(clean(phrase))
        if match is None:
            continue
        a, b = _sides(match.group("a"), match.group("b"))
        if a and b and a.lower() != b.lower():
            return a, b
    return None


def _sides(a: str, b: str) -> tuple[str, str]:
    """The two sides in the same shape: "Key the cache on the lockfile hash, not the branch" compares the
    lockfile hash with the branch; "Page on SLO burn rate, not on CPU" compares SLO burn rate with CPU."""
    a_parts, b_parts = clean(a).split(), clean(b).split()
    if a_parts and a_parts[0].lower() in _CHOICE_VERBS:
        a_parts = a_parts[1:]  # "use A over B": the choice is between A and B
    if b_parts and b_parts[0].lower() in _LINKS:
        link = b_parts.pop(0).lower()
        found = [i for i, w in enumerate(a_parts) if w.lower() == link]
        a_parts = a_parts[found[-1] + 1 :] if found else a_parts
    elif len(a_parts) > 1 and a_parts[0].lower() not in _OBJECT_STARTS:
        found = [i for i, w in enumerate(a_parts) if w.lower() in _LINKS]
        a_parts = a_parts[found[-1] + 1 :] if found and found[-1] + 1 < len(a_parts) else a_parts
    return _side(" ".join(a_parts), last=True), _side(" ".join(b_parts), last=False)


def _side(text: str, last: bool) -> str:
    """One side of a contrast, a few words long: the end of A or the start of B."""
    parts = text.split()
    parts = parts[-SIDE_WORDS:] if last else parts[:SIDE_WORDS]
    while parts and parts[-1].lower() in _TRAILING_WEAK:
        parts.pop()
    return " ".join(parts)


def _score(sentence: str, claim: Claim, position: int, asked: set[str]) -> float:
    """How likely a sentence carries the answer's point: early, specific, advice-like, not echoing the question."""
    words = _content_words(sentence)
    if not words:
        return -1.0
    echo = len(words & asked) / len(words)
    new = len(words - asked)
    score = 1.0 / (1.0 + 0.35 * position)  # answers tend to lead with their point
    score += 0.35 * min(new, 6) / 6  # specific: says things the question did not
    score -= 0.4 if new == 0 else 0.2 if new == 1 else 0.0
    score += 0.3 if claim.instruction or cues.is_imperative(sentence) else 0.0  # advice, also "never X"
    score += 0.25 if claim.contrast else 0.0
    score -= 0.8 if echo > 0.8 and len(words) >= 3 else 0.0  # a quote of the question, not a claim
    score -= 0.3 if "⟦formula⟧" in sentence else 0.0
    score -= 0.6 if _ASIDE.match(sentence) else 0.0
    before_formula = sentence.split("⟦formula⟧", 1)[0].strip()
    score -= 0.5 if _INTRO.search(before_formula) else 0.0
    score -= 0.2 if len(sentence.split()) > 2 * CLAIM_WORDS else 0.0  # will need heavy trimming
    return score


def _shorten(text: str) -> str:
    """At most CLAIM_WORDS words: the first clause if it says enough, else clipped without a dangling word."""
    if len(text.split()) <= CLAIM_WORDS:
        return text
    match = _CLAUSE_BREAK.search(text)
    head = text[: match.start()] if match else text
    if MIN_HEAD_WORDS <= len(head.split()) <= CLAIM_WORDS:
        return head
    return clip(text, CLAIM_WORDS)


def _content_words(text: str) -> set[str]:
    return {w.lower() for w in cues.words(text) if len(w) > 3}


def clean(text: str) -> str:
    """One line, no question marks or quotes of its own, so the question keeps exactly one '?'."""
    text = without_links(cues.strip_markup(strip_html(text), keep_inline=True))
    text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text).translate(_QUOTES)
    return " ".join(text.split()).strip(" .,:;-!")


def clip(text: str, max_words: int) -> str:
    """The first max_words words, ending on a content word, with an ellipsis when something was cut."""
    parts = text.split()
    if len(parts) <= max_words:
        return text
    parts = parts[:max_words]
    while len(parts) > 1 and parts[-1].lower().strip(",;:.") in _TRAILING_WEAK:
        parts.pop()
    return " ".join(parts).rstrip(",;:.") + "…"
