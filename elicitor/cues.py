"""Lexical cues: which kinds of context a text already gives, and whether it says anything substantive.

Language-generic English cues, not tuned to any topic: the same lists must work for databases, networking,
physics or cooking. Everything here is a pure function of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from elicitor.model import Gap

# A cue is (pattern, weight). Weight 1.0 = a strong, unambiguous signal; 0.5 = a common word that often
# but not always carries the meaning ("if", "so"). Coverage saturates: one strong cue covers a gap halfway.
Cue = tuple[re.Pattern[str], float]


def _cues(strong: Iterable[str], weak: Iterable[str] = ()) -> tuple[Cue, ...]:
    """Compiles word-bounded, case-insensitive cue patterns with their weights."""
    compiled = [(re.compile(rf"(?<![\w-]){p}(?![\w-])", re.I), 1.0) for p in strong]
    compiled += [(re.compile(rf"(?<![\w-]){p}(?![\w-])", re.I), 0.5) for p in weak]
    return tuple(compiled)


# fmt: off
_RATIONALE = _cues(
    strong=[
        r"because", r"the reason", r"reasons?\s+(?:is|are|being)", r"so that", r"due to", r"which means",
        r"this means", r"that means", r"otherwise", r"therefore", r"hence", r"thus", r"as a result",
        r"in order to", r"that'?s why", r"this is why", r"which is why", r"the point is", r"it follows",
        r"consequently", r"given that", r"this ensures", r"which ensures", r"caused by", r"results? in",
        r"leads? to", r"the idea is", r"intuitively", r"the key is", r"the trick is", r"explains?",
        r"the purpose", r"the goal is", r"in other words", r"this way",
    ],
    weak=[r"since", r"so", r"as", r"allows?", r"ensures?", r"makes? it", r"why", r"comes from"],
)
_CONDITIONS = _cues(
    strong=[
        r"unless", r"depends", r"depending on", r"only when", r"only if", r"as long as", r"in case",
        r"provided that", r"assuming", r"except", r"in most cases", r"in that case", r"in this case",
        r"whenever", r"under (?:the )?assumptions?", r"if and only if", r"iff", r"for (?:small|large|big) ",
        r"as soon as", r"it varies", r"not always", r"in general", r"on (?:linux|windows|mac\w*)",
        r"(?:newer|older) versions?", r"version \d[\w.]*", r"edge cases?", r"unless you",
    ],
    weak=[r"if", r"when", r"typically", r"usually", r"generally", r"most of the time", r"for example if"],
)
_ALTERNATIVES = _cues(
    strong=[
        r"instead", r"rather than", r"alternatively", r"alternatives?", r"vs\.?", r"versus",
        r"compared (?:to|with)", r"in comparison", r"trade-?offs?", r"prefer\w*", r"better than",
        r"worse than", r"(?:faster|slower|cheaper|simpler|easier|harder|safer) than",
        r"another (?:option|approach|way)", r"other (?:options?|approach(?:es)?|ways?)", r"on the other hand",
        r"whereas", r"in contrast", r"unlike", r"pros and cons", r"downsides?", r"upsides?",
        r"(?:dis)?advantages?", r"a different approach", r"you could also", r"you can also", r"or else",
        r"over the other",
    ],
    weak=[r"either", r"while", r"but", r"also possible", r"option"],
)
_PITFALLS = _cues(
    strong=[
        r"careful", r"beware", r"avoid", r"don'?t", r"do not", r"never", r"gotchas?", r"caveats?",
        r"warning", r"watch out", r"will break", r"won'?t (?:scale|work)", r"doesn'?t work", r"pitfalls?",
        r"traps?", r"mistakes?", r"common (?:error|problem|issue)s?", r"keep in mind", r"make sure",
        r"be aware", r"risks?", r"risky", r"danger\w*", r"the problem is", r"the issue is", r"limitations?",
        r"drawbacks?", r"side[- ]effects?", r"corrupt\w*", r"lose data", r"crash\w*", r"bugs?", r"fails?",
        r"breaks?", r"note that", r"n\.b\.", r"important(?:ly)?:", r"can'?t", r"cannot", r"not possible",
    ],
    weak=[r"however", r"expensive", r"slow", r"problems?", r"issues?", r"error", r"limited", r"noisy"],
)
_EVIDENCE = _cues(
    strong=[
        r"benchmark\w*", r"measured", r"documentation", r"docs", r"in my experience", r"papers?",
        r"according to", r"sources?:?", r"references?", r"stud(?:y|ies)", r"experiments?", r"tested",
        r"we (?:found|saw|observed)", r"i'?ve seen", r"for example", r"for instance", r"e\.g\.", r"et al\.?",
        r"arxiv", r"doi", r"proof", r"proved", r"shown in", r"see (?:also|the|this|section|chapter)",
        r"(?:see|is|are|found|listed|available|described|explained) (?:here|there)", r"wikipedia", r"book",
        r"specification", r"rfc ?\d+", r"theorem", r"lemma", r"published", r"reported",
    ],
    weak=[r"example", r"results?", r"data", r"see", r"article", r"lecture", r"notes"],
)
_STEPS = _cues(
    strong=[
        r"first(?:ly)?,", r"step \d+", r"steps?:", r"then", r"next,", r"finally", r"afterwards",
        r"after that", r"once (?:that|this|you)", r"followed by", r"start by", r"to do this", r"as follows",
        r"run", r"install", r"click", r"type", r"execute",
    ],
    weak=[r"first", r"next", r"apply", r"set", r"add", r"call", r"open", r"create"],
)
# fmt: on

# Structural cues, beyond words.
_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
_MD_LINK = re.compile(r"\[[^\]]+\]\([^)]+\)")
_CITATION = re.compile(r"\[\d+\]|\(\s*(?:19|20)\d\d\s*\)|\b[A-Z][a-z]+ et al\b")
_NUMBER_UNIT = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:%|x\b|times\b|ms\b|µs\b|us\b|ns\b|s\b|secs?\b|seconds?\b|minutes?\b|hours?\b|days?\b|"
    r"[kmgt]i?b\b|[kmg]?hz\b|km\b|kg\b|mb/s\b|gb/s\b|rps\b|qps\b|ops\b|requests?\b|rows\b|users\b|nodes\b|cores\b)",
    re.I,
)
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_DISPLAY_MATH = re.compile(r"\$\$.+?\$\$|\\begin\{(\w+\*?)\}.+?\\end\{\1\}", re.S)
_INLINE_MATH = re.compile(r"\$[^$\n]+\$")
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+\S", re.M)
_COMMAND_LINE = re.compile(r"^\s*(?:\$ |> |>>> |sudo |pip |apt(?:-get)? |git |npm |docker |kubectl |curl )", re.M)
_WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])|\n{2,}|\n(?=\s*(?:\d+[.)]|[-*•])\s)")

# Sentence openers that make a sentence an instruction; generic verbs of doing, not of any domain.
_IMPERATIVES = frozenset(
    [
        "use",
        "try",
        "install",
        "run",
        "set",
        "add",
        "remove",
        "check",
        "avoid",
        "make",
        "put",
        "change",
        "call",
        "create",
        "switch",
        "enable",
        "disable",
        "configure",
        "update",
        "upgrade",
        "restart",
        "apply",
        "replace",
        "write",
        "define",
        "compute",
        "measure",
        "start",
        "stop",
        "keep",
        "move",
        "drop",
        "increase",
        "decrease",
        "reduce",
        "split",
        "combine",
        "prefer",
        "choose",
        "pick",
        "consider",
        "build",
        "deploy",
        "test",
        "cache",
        "store",
        "index",
        "wrap",
        "return",
        "pass",
        "open",
        "close",
        "mount",
        "edit",
        "delete",
        "rename",
        "copy",
        "convert",
        "enter",
        "select",
        "go",
        "take",
        "do",
        "don't",
        "never",
        "always",
    ]
)
_ADVICE = re.compile(
    r"\b(?:you (?:should|must|need to|have to|want to|can|could|'d better)|should|must|"
    r"recommend\w*|suggest\w*|"
    r"i'?d (?:use|go|do|say|recommend)|best (?:to|way|option|practice)|better to|the way to|the answer is|"
    r"the solution is|the fix is|is (?:not )?possible|it is|it's|this is|there (?:is|are)|yes\b|no\b)",
    re.I,
)
_THANKS = re.compile(r"^\W*(?:thanks?(?: you)?|thx|ty|cheers|great,? thanks|much appreciated|\+1)\b[^?]{0,60}$", re.I)
_CLARIFY = re.compile(
    r"\b(?:what do you mean|could you (?:clarify|explain|elaborate|post|share|show|give)|can you (?:clarify|"
    r"explain|elaborate|post|share|show|give)|please (?:clarify|post|share|provide)|"
    r"more (?:details|context|info)|"
    r"which version|did you try|have you tried|are you (?:sure|using)|what (?:is|are) you trying)\b",
    re.I,
)


def strip_markup(text: str, keep_inline: bool = False) -> str:
    """The prose of a text: code blocks, display math and URLs removed, so cues count words the author wrote.

    Inline code and math become a placeholder word, or keep their content when `keep_inline` (for quoting).
    """
    text = _FENCE.sub(" ", text)
    text = _DISPLAY_MATH.sub(" ", text)
    text = _MD_LINK.sub(lambda m: m.group(0)[1 : m.group(0).index("]")], text)
    text = _URL.sub(" ", text)
    if keep_inline:
        return _INLINE_MATH.sub(lambda m: m.group(0)[1:-1], _INLINE_CODE.sub(lambda m: m.group(0)[1:-1], text))
    text = _INLINE_CODE.sub(" code ", text)
    return _INLINE_MATH.sub(" expr ", text)


def words(text: str) -> list[str]:
    """The words of a text's prose."""
    return _WORD.findall(strip_markup(text))


def word_count(text: str) -> int:
    """How many prose words a text has (code, math and URLs excluded)."""
    return len(words(text))


def sentences(text: str, keep_inline: bool = False) -> list[str]:
    """The prose sentences of a text, in order, without empty ones."""
    parts = _SENTENCE_END.split(strip_markup(text, keep_inline))
    return [" ".join(p.split()) for p in parts if _WORD.search(p)]


def _strength(cues: tuple[Cue, ...], prose: str) -> float:
    """Sum of the weights of the distinct cues present; a cue counts once however often it recurs."""
    return sum(weight for pattern, weight in cues if pattern.search(prose))


def _saturate(strength: float) -> float:
    """0 for nothing, 0.5 for one strong cue, 0.75 for two: presence matters more than repetition."""
    return float(1.0 - 0.5**strength)


def gap_coverage(text: str) -> dict[Gap, float]:
    """How well a text covers each kind of context, 0..1 per gap."""
    return dict(zip(_GAP_ORDER, _coverage(text), strict=True))


def clear_caches() -> None:
    """Forget cached coverage (benchmarks start each round cold)."""
    _coverage.cache_clear()


_GAP_ORDER = (Gap.RATIONALE, Gap.CONDITIONS, Gap.ALTERNATIVES, Gap.STEPS, Gap.PITFALLS, Gap.EVIDENCE)


@lru_cache(maxsize=512)
def _coverage(text: str) -> tuple[float, ...]:
    """gap_coverage's figures in _GAP_ORDER. Cached: one assessment asks for the same answer three times, and the
    few hundred cue patterns are most of the detector's cost."""
    prose = strip_markup(text)
    evidence = _strength(_EVIDENCE, prose)
    evidence += len(_URL.findall(text)) + len(_MD_LINK.findall(text)) + len(_CITATION.findall(text))
    evidence += 0.5 * min(2, len(_NUMBER_UNIT.findall(prose)))
    steps = _strength(_STEPS, prose) + _imperative_run(prose)
    # Code, commands, lists and multi-line derivations show *how*, whatever the topic.
    steps += 1.5 * min(2, len(_FENCE.findall(text))) + 0.5 * min(2, len(_INLINE_CODE.findall(text)))
    steps += 1.0 if len(_LIST_ITEM.findall(text)) >= 2 else 0.0
    steps += 1.0 if _COMMAND_LINE.search(text) else 0.0
    steps += 1.0 * min(2, len(_DISPLAY_MATH.findall(text)))
    return (
        _saturate(_strength(_RATIONALE, prose)),
        _saturate(_strength(_CONDITIONS, prose)),
        _saturate(_strength(_ALTERNATIVES, prose)),
        _saturate(steps),
        _saturate(_strength(_PITFALLS, prose)),
        _saturate(evidence),
    )


def _imperative_run(prose: str) -> float:
    """1.0 when two or more sentences start with an instruction verb: an imperative sequence is a recipe."""
    starts = sum(1 for s in sentences(prose) if is_imperative(s))
    return 1.0 if starts >= 2 else 0.0


def is_imperative(sentence: str) -> bool:
    """Whether a sentence opens with an instruction verb ("Use a partial index.")."""
    first = _WORD.findall(sentence[:40].lower())
    return bool(first) and first[0].replace("’", "'") in _IMPERATIVES


def is_question(text: str) -> bool:
    """Whether a text mostly asks rather than tells: most of its sentences end with a question mark."""
    found = sentences(text)
    asked = sum(1 for s in found if s.rstrip().endswith("?"))
    return bool(found) and asked * 2 >= len(found) and asked > 0


def is_thanks(text: str) -> bool:
    """Whether a text is only a thank-you or an acknowledgement."""
    prose = " ".join(strip_markup(text).split())
    return bool(_THANKS.match(prose)) and len(prose.split()) <= 12


def is_link_only(text: str) -> bool:
    """Whether a text is essentially a bare link (a pointer, not an answer)."""
    has_link = bool(_URL.search(text) or _MD_LINK.search(text))
    prose = _MD_LINK.sub(" ", _URL.sub(" ", text))
    return has_link and len(_WORD.findall(prose)) <= 6


def is_clarification_request(text: str) -> bool:
    """Whether a text asks the asker for more information instead of answering."""
    return is_question(text) and bool(_CLARIFY.search(strip_markup(text)))


def recommendation_strength(text: str) -> float:
    """0..1: how clearly a text makes a substantive claim, recommendation or instruction."""
    found = [s for s in sentences(text) if not s.rstrip().endswith("?")]
    if not found or is_thanks(text) or is_link_only(text):
        return 0.0
    instructions = sum(1 for s in found if is_imperative(s))
    advice = sum(1 for s in found if _ADVICE.search(s))
    # A declarative sentence of a few words is itself a claim; questions and fragments are not.
    claims = sum(1 for s in found if len(_WORD.findall(s)) >= 5)
    strength = 0.45 * min(1.0, claims / 2) + 0.35 * min(1.0, instructions + advice / 2) + 0.2 * (claims > 0)
    return round(min(1.0, strength), 3)


# Social moves that are not answers: praise of the question, thanks, welcomes, promises to do something later,
# small requests ("one vegan please"), and hand-offs to someone else ("Tagging @marta", "cc @sam").
_SOCIAL_CLAUSE = re.compile(
    r"^\W*(?:(?:this|that|it)(?:'s| is| was) an? (?:great|good|interesting|excellent|fair) (?:question|point|idea)|"
    r"(?:great|good|excellent|interesting|fair) (?:question|point|summary|idea|catch|call)|"
    r"thanks?\b|thank you|thx\b|cheers\b|welcome\b|congrat\w*|\+1\b|"
    r"(?:i'?ll|i will|will do|on it|i'?m on it|let me)\b|"
    r"(?:tagging|cc:?|ping(?:ing)?|looping in|adding)\s+@\w+|@\w+\b)"
    r"|\bplease\W*$|\bthanks?(?: (?:for|all|everyone|again)\b.*)?\W*$",
    re.I,
)
_CLAUSE_SPLIT = re.compile(r"(?<=[.!?;])\s+|,\s+(?:and|but)\s+|\s+-\s+|\n+")
_MENTION = re.compile(r"(?<![\w.])@\w+")


def is_social(text: str) -> bool:
    """Whether every clause of a text is a social move (thanks, praise, promise, hand-off), not a claim."""
    prose = " ".join(strip_markup(text).split())
    clauses = [c for c in _CLAUSE_SPLIT.split(prose) if _WORD.search(c)]
    return bool(clauses) and len(clauses) <= 4 and all(_SOCIAL_CLAUSE.search(c) for c in clauses)


def is_referral(text: str) -> bool:
    """Whether a short text hands the question to someone else ("Tagging @marta since she ...")."""
    prose = " ".join(strip_markup(text).split())
    opener = re.match(r"^\W*(?:tagging|cc:?|ping(?:ing)?|looping in|adding|paging|maybe|ask)\s+@\w+", prose, re.I)
    return bool(opener or (_MENTION.match(prose) and len(_WORD.findall(prose)) <= 12 and "?" in prose))


def is_instruction(text: str) -> bool:
    """Whether a text tells the reader what to do (an imperative or explicit advice), not only what is so."""
    found = sentences(text)
    advice = re.compile(
        r"\b(?:you (?:should|must|need to|have to|can|could)|should|must|recommend\w*|"
        r"suggest\w*|i'?d (?:use|go|do|add|recommend)|better to|best to)\b",
        re.I,
    )
    return any(is_imperative(s) or advice.search(s) for s in found)
