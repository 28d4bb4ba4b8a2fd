"""The offline guide writer: no network, no generation; source sentences placed verbatim into sections.

It is the embedded default when no LLM is configured. Every sentence it writes is a verbatim slice of the
message or reply it cites, so the guide is faithful by construction; the work is choosing and placing
sentences:

- the summary is the leading claim of the key answer (the one the expert's replies belong to, else the
  accepted or highest-scored answer);
- other sentences go to the section their cue words point to (if/unless -> applies_when, because ->
  rationale, instead/vs -> alternatives, don't/breaks -> pitfalls, lists/code/imperatives -> steps); an expert
  reply with no cue goes to the section its nudge asked about, so the drawn-out knowledge reaches the guide;
- noise (thanks, greetings, +1, questions to others, quotes) is dropped, and no sentence appears twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from elicitor.model import Message, Reply, Thread
from synthesizer.errors import SynthesisError
from synthesizer.model import CitedSentence, GuideDraft, Section, Source
from synthesizer.sentences import (
    is_code_block,
    is_heading,
    is_list_item,
    is_numbered_item,
    is_quote,
    split_sentences,
)
from synthesizer.validate import content_words

TITLE_MAX = 120
SUMMARY_MAX = 2
SECONDARY_PER_SECTION = 3  # sentences from other answers and comments, per section
UNCUED_PER_GUIDE = 6  # key-answer sentences with no cue of their own placed under "Why" (replies are not capped)

_FLAGS = re.IGNORECASE


def _cue(alternatives: str) -> re.Pattern[str]:
    """A case-insensitive pattern matching any of the '|'-separated phrases as whole words."""
    return re.compile(r"\b(?:" + alternatives + r")\b", _FLAGS)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Cue phrases per section, with a weight; a cue at the very start of a sentence counts a little more.
_CUES: dict[Section, tuple[float, re.Pattern[str]]] = {
    Section.PITFALLS: (
        1.5,
        _cue(
            r"avoid(?:s|ed|ing)?|don'?t|do not|never|careful|beware|watch out|gotchas?|pitfalls?|caveats?"
            r"|warning|won'?t scale|doesn'?t scale|does not scale|breaks?|broken?|will fail|fails?"
            r"|crash(?:es)?|leak(?:s|ing)?|deadlocks?|corrupt(?:s|ed|ion)?|lose|lost|trap|footguns?|mistakes?|bites?|bitten"
            r"|silently|bottleneck|race conditions?|exhaust(?:s|ed)?|runs? out|blows? up|outage|dangerous"
            r"|unsafe|not safe|make sure|won'?t work|doesn'?t work|hangs?|timeouts?|times out"
        ),
    ),
    Section.ALTERNATIVES: (
        1.2,
        _cue(
            r"instead|rather than|vs\.?|versus|trade-?offs?|alternatives?|alternatively|another option"
            r"|other options?|could also|can also|compared (?:to|with)|unlike|in contrast|downsides?|upsides?"
            r"|pros|cons|on the other hand|at the cost of|cheaper|simpler|prefer(?:red|s)?|why not"
            r"|(?:faster|slower|better|worse|heavier|lighter) than"
        ),
    ),
    Section.APPLIES_WHEN: (
        1.0,
        _cue(
            r"if|when(?:ever)?|unless|depends?|depending|only when|only if|as long as|provided|in case"
            r"|assuming|in (?:that|this|which) case|applies|at scale|under (?:heavy )?load|in production"
            r"|only for"
            r"|for (?:small|large|big|tiny|most|high|low|short|long)|on (?:windows|linux|macos|mac)"
            r"|as soon as"
        ),
    ),
    Section.RATIONALE: (
        1.2,
        _cue(
            r"because|since|the reason|reasons?|that'?s why|this is why|which is why|so that|in order to"
            r"|due to|otherwise|which means|this means|that means|means that|as a result|the point"
            r"|the idea|the goal|thus|hence|therefore|so (?:it|you|the|that|we)|that way|this way|why"
        ),
    ),
}
_IMPERATIVE = re.compile(
    r"^(?:(?:then|first|next|finally|now|just|simply|also|and),?\s+)?(?:add|apply|bump|call|change|check|clone"
    r"|configure|copy|create|define|delete|deploy|disable|download|edit|enable|export|install|increase|decrease"
    r"|lower|raise|set|limit|mount|move|open|pass|pin|point|put|rebuild|reboot|reload|remove|rename|replace"
    r"|restart|run|save|start|stop|switch|try|turn|update|upgrade|use|wrap|write|go|click|select|drop|grant"
    r"|import|init|initialize|make|migrate|monitor|measure|tune|keep|split|cache|pool|place|register)\b",
    _FLAGS,
)
_SEQUENCE = re.compile(
    r"^(?:first(?:ly)?|then|next|finally|after that|afterwards|step \d+)\b|^[$#] "
    r"|^(?:pip|npm|sudo|apt|apt-get|brew|docker|kubectl|git|psql|python|uv|poetry|yarn|cargo|go) ",
    _FLAGS,
)
_MUST = re.compile(r"^(?:you (?:need|have|want|should|must)|you'll need)\b", _FLAGS)

# Which section an expert's reply fills, read from the nudge it answers ("why not" before "why").
_HINTS: tuple[tuple[Section, re.Pattern[str]], ...] = (
    (
        Section.ALTERNATIVES,
        _cue(
            r"why not|instead|alternatives?|other options?|versus|vs\.?|compare[sd]?|trade-?offs?"
            r"|rather than|over"
        ),
    ),
    (
        Section.PITFALLS,
        _cue(r"wrong|pitfalls?|careful|mistakes?|avoid|fail\w*|break\w*|gotchas?|watch out|risks?|bite"),
    ),
    (
        Section.APPLIES_WHEN,
        _cue(r"when|which cases?|what cases?|conditions?|apply|applies|depend\w*|situations?|always"),
    ),
    (
        Section.STEPS,
        _cue(r"how exactly|steps?|how do|how would|how can|walk me|example|configure|set up|setup|commands?"),
    ),
    (Section.RATIONALE, _cue(r"why|reasons?|rationale|what makes|benefits?")),
)

_NOISE_WORDS = _words(
    "thanks thank thx ty tysm cheers hi hello hey yo hope helps help helped helpful great awesome nice cool"
    " lol haha np problem welcome glad worked works working work perfectly perfect exactly yes yeah yep"
    " nope sure agreed bump update edit solved fixed answer lot much man guys folks all everyone team"
    " +1 -1 same too me ok okay got makes sense good luck appreciate appreciated uh uhh um umm hmm oh ah heh"
    " hehe doh xd lmao rofl wow oops"
)
_ASKING = re.compile(
    r"^(?:anyone|does anyone|has anyone|can (?:someone|anyone|you)|could (?:someone|anyone|you)"
    r"|how (?:do|can|would|should) (?:i|we)|what about|any (?:ideas?|update|thoughts|luck)"
    r"|did (?:that|this|it) (?:help|work))\b",
    _FLAGS,
)
# Remarks about the conversation rather than the subject: acknowledgements and edit notes.
_REMARK = re.compile(
    r"^(?:(?:good|fair|valid|great) (?:point|catch|question)|you'?re (?:right|correct)|i agree|agreed|indeed[,.!]"
    r"|(?:i(?:'ve| have)? )?(?:edited|updated|fixed|added)(?: (?:it|that|the answer|my answer|this))?[,.!]"
    r"|see (?:my|the) (?:edit|update)|(?:edit|update)d? ?:?$)|\b(?:worded (?:it )?poorly|poorly worded|my bad)\b",
    _FLAGS,
)
# A lead that talks about the answer instead of answering: not a summary.
_META_LEAD = re.compile(
    r"^(?:at (?:the )?risk of|disclaimer|(?:edit|update|note)\s*:|i'?m not (?:an|a) expert)"
    r"|\b(?:i'?ll|i will|i'?m going to|let me|i'?d like to|i want to) (?:try to )?(?:answer|explain|address|attempt|start)\b",
    _FLAGS,
)
_MENTIONS = re.compile(r"^(?:@[\w.|-]+[,:]?\s+)+")
_GREETING = re.compile(r"^(?:hi|hello|hey|yo)(?: all| everyone| folks| guys| team| there)?\s*[,!.:-]*\s*", _FLAGS)
_UNCUED = Section.SUMMARY  # marker: a key sentence with no cue and no hint; _place decides where it goes
_PRIORITY = (Section.PITFALLS, Section.ALTERNATIVES, Section.APPLIES_WHEN, Section.RATIONALE, Section.STEPS)


@dataclass(frozen=True)
class _Piece:
    """One candidate sentence and what the writer knows about where it came from."""

    text: str
    source_id: str
    message: int  # position of its message among the used messages
    position: int  # position within its message
    key: bool  # from the key answer, the expert's own messages, or a reply
    hint: Section | None = None  # the section a reply's nudge asked about
    reply: bool = False  # from an expert's reply to a nudge


class ExtractiveGuideWriter:
    """Writes a guide from the thread's answers and the expert's replies, quoting them verbatim."""

    def write(self, thread: Thread, replies: tuple[Reply, ...]) -> GuideDraft:
        """Place the sentences of the answers and replies into sections, each citing its message."""
        question = _question(thread)
        addressee = _addressee(thread, replies)
        key_answer = _key_answer(thread, question, replies, addressee)
        ordered = _ordered_sources(thread, question, key_answer, replies)
        pieces = [p for i, (src, key) in enumerate(ordered) for p in _pieces(src, i, key, addressee)]
        pieces = _dedupe(pieces)
        if not pieces:
            raise SynthesisError(f"thread {thread.id} has no answer or reply with usable sentences")
        sections = _place(pieces)
        used = {c for sents in sections.values() for s in sents for c in s.citations}
        asked = _question_messages(thread, question)
        sources = [_source(m) for m in asked] + [_source(src) for src, _ in ordered if src.id in used]
        return GuideDraft(title=_title(thread, asked, sections), sections=sections, sources=sources)


# ---- choosing messages ------------------------------------------------------------


def _question(thread: Thread) -> Message | None:
    opening = thread.opening
    return opening if opening is not None and opening.kind != "answer" else None


def _question_messages(thread: Thread, question: Message | None) -> list[Message]:
    """The opening and the asker's messages right after it (chat askers ask in bursts), minus greetings."""
    if question is None:
        return []
    burst = [question]
    for m in thread.messages[1:]:
        if m.author_id != question.author_id or m.kind == "answer":
            break
        burst.append(m)
    asked = [m for m in burst if any(_asks(s) for s in split_sentences(m.text))]
    return asked or [question]


def _asks(sentence: str) -> bool:
    """Whether a sentence of the question says something (a greeting alone does not)."""
    if is_code_block(sentence) or is_quote(sentence):
        return False
    return len(content_words(_GREETING.sub("", sentence)) - _NOISE_WORDS) >= 1


def _addressee(thread: Thread, replies: tuple[Reply, ...]) -> re.Pattern[str]:
    """Leading "@name" or chat-style "name:" / "name," addressing a participant, to trim from sentences."""
    names = {m.author_name for m in thread.messages} | {r.author_name for r in replies}
    known = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True) if n.strip())
    named = rf"|(?:{known})[,:]\s*" if known else ""
    return re.compile(rf"^(?:@[\w.|-]+[,:]?\s+{named})+", _FLAGS)


def _key_answer(
    thread: Thread, question: Message | None, replies: tuple[Reply, ...], addressee: re.Pattern[str]
) -> Message | None:
    """The answer the guide is about: the replying expert's, else the accepted or best-scored one.

    Ties (chat threads have no votes) go to the first message whose lead says something substantial.
    """
    experts = {r.author_id for r in replies}
    reply_ids = {r.id for r in replies}
    others = [m for m in thread.messages if m is not question and m.id not in reply_ids]
    asker = question.author_id if question else None
    candidates = [m for m in others if m.kind == "answer"] or [m for m in others if m.author_id != asker]
    leads = {
        m.id: next((s for s in _clean_sentences(m.text, addressee) if not is_code_block(s)), None) for m in candidates
    }

    def rank(im: tuple[int, Message]) -> tuple[Any, ...]:
        i, m = im
        lead = leads[m.id] or ""
        return (m.author_id in experts, m.accepted, m.score, m.reactions, len(_meaningful(lead)) >= 3, -i)

    return next((m for _, m in sorted(enumerate(candidates), key=rank, reverse=True) if leads[m.id]), None)


def _ordered_sources(
    thread: Thread, question: Message | None, key: Message | None, replies: tuple[Reply, ...]
) -> list[tuple[Message | Reply, bool]]:
    """(source, is key) in guide order: key answer, the expert's other messages, replies, then the rest."""
    reply_ids = {r.id for r in replies}
    experts = {r.author_id for r in replies} | ({key.author_id} if key else set())
    asker = question.author_id if question else None
    rest = [m for m in thread.messages if m is not question and m is not key and m.id not in reply_ids]
    own = [m for m in rest if m.author_id in experts]
    # The asker's later messages restate the question; down-voted posts are not advice.
    others = [m for m in rest if m.author_id not in experts and m.author_id != asker and m.score >= 0]
    others.sort(key=lambda m: (m.accepted, m.score, m.reactions), reverse=True)
    keyed: list[Message | Reply] = [
        *([key] if key else []),
        *own,
        *sorted(replies, key=lambda r: r.created_at),
    ]
    return [(s, True) for s in keyed] + [(s, False) for s in others]


def _source(source: Message | Reply) -> Source:
    if isinstance(source, Reply):
        return Source(id=source.id, author=source.author_name, text=source.text, kind="nudge_reply")
    return Source(id=source.id, author=source.author_name, text=source.text, url=source.url, kind=source.kind)


# ---- sentences ------------------------------------------------------------


def is_noise(sentence: str) -> bool:
    """Thanks, greetings, +1s, questions to others, quotes and headings carry no guide content."""
    if is_code_block(sentence):
        return False
    if is_quote(sentence) or is_heading(sentence):
        return True
    plain = sentence.strip().replace("’", "'")
    if plain.rstrip("\"')]").endswith("?") or _ASKING.match(plain) or _REMARK.search(plain):
        return True
    return len(_meaningful(plain)) < 2


def _meaningful(text: str) -> set[str]:
    """Content words minus chat filler (thanks, lol, ok...) and single letters."""
    return {w for w in content_words(text) - _NOISE_WORDS if len(w) > 1 or w.isdigit()}


def _clean_sentences(text: str, addressee: re.Pattern[str] = _MENTIONS) -> list[str]:
    """The text's sentences minus noise, a leading addressee trimmed (still verbatim slices)."""
    out = []
    for sentence in split_sentences(text):
        sentence = addressee.sub("", sentence).strip()
        if sentence and not is_noise(sentence):
            out.append(sentence)
    return out


def _pieces(source: Message | Reply, index: int, key: bool, addressee: re.Pattern[str]) -> list[_Piece]:
    hint = _hint(source.nudge_question) if isinstance(source, Reply) else None
    return [
        _Piece(
            text=s, source_id=source.id, message=index, position=i, key=key, hint=hint, reply=isinstance(source, Reply)
        )
        for i, s in enumerate(_clean_sentences(source.text, addressee))
    ]


def _hint(question: str) -> Section | None:
    return next((section for section, pattern in _HINTS if pattern.search(question)), None)


def _dedupe(pieces: list[_Piece]) -> list[_Piece]:
    """Drop repeated sentences: the same words, or nearly the same content words."""
    kept: list[_Piece] = []
    seen: set[str] = set()
    bags: list[set[str]] = []
    for p in pieces:
        norm, bag = " ".join(re.findall(r"\w+", p.text.lower())), content_words(p.text)
        if norm in seen or (len(bag) >= 4 and any(len(bag & b) / len(bag | b) >= 0.85 for b in bags)):
            continue
        seen.add(norm)
        bags.append(bag)
        kept.append(p)
    return kept


# ---- placing sentences ------------------------------------------------------------


def scores(sentence: str) -> dict[Section, float]:
    """How strongly the sentence's cue words point to each section (summary excluded)."""
    body = re.sub(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+", "", sentence).replace("’", "'").strip()
    out = {section: 0.0 for section in _PRIORITY}
    if is_code_block(sentence):
        out[Section.STEPS] = 10.0
        return out
    for section, (weight, pattern) in _CUES.items():
        hits = pattern.findall(body)
        if hits:
            out[section] = weight * min(len(hits), 2) + (0.5 if pattern.match(body) else 0.0)
    steps = 0.0
    if is_numbered_item(sentence):
        steps += 2.0
    elif is_list_item(sentence):
        steps += 1.0
    if _IMPERATIVE.match(body) or _SEQUENCE.match(body):
        steps += 1.0
    elif _MUST.match(body):
        steps += 0.8
    out[Section.STEPS] = steps
    return out


def _best(score: dict[Section, float]) -> Section | None:
    section = max(_PRIORITY, key=lambda s: (score[s], -_PRIORITY.index(s)))
    return section if score[section] > 0 else None


def _classify(piece: _Piece) -> Section | None:
    score = scores(piece.text)
    if piece.hint is not None:
        score[piece.hint] = score.get(piece.hint, 0.0) + 1.0
    best = _best(score)
    if best is not None:
        return best
    if piece.hint is not None:
        return piece.hint
    return _UNCUED if piece.key else None  # the expert's explanation (placed in _place); others' remarks drop


def _units(pieces: list[_Piece]) -> list[list[_Piece]]:
    """Pieces grouped so a lead-in ending in ':' stays with the list items or code that follow it."""
    units: list[list[_Piece]] = []
    for p in pieces:
        prev = units[-1] if units else None
        follows = prev is not None and prev[-1].message == p.message and prev[-1].position == p.position - 1
        is_item = is_list_item(p.text) or is_code_block(p.text)
        if prev is not None and follows and is_item and (prev[0].text.endswith(":") or len(prev) > 1):
            prev.append(p)
        else:
            units.append([p])
    return units


def _unit_section(unit: list[_Piece]) -> Section | None:
    if len(unit) == 1:
        return _classify(unit[0])
    if any(is_code_block(p.text) for p in unit):
        return Section.STEPS
    lead = scores(unit[0].text)
    lead[Section.STEPS] = 0.0
    return _best(lead) or unit[0].hint or Section.STEPS


def _pick_summary(pieces: list[_Piece]) -> list[_Piece]:
    """The key answer's leading claim (and the next sentence when it only continues the claim)."""
    first = [p for p in pieces if p.message == pieces[0].message and p.key]
    prose = [p for p in first if not is_code_block(p.text) and not is_list_item(p.text)]
    prose = [p for p in prose if not _META_LEAD.search(p.text)] or prose
    lead = next((p for p in prose if not p.text.endswith(":")), prose[0] if prose else first[0] if first else None)
    if lead is None:
        return []
    chosen = [lead]
    nxt = next((p for p in prose if p.position == lead.position + 1), None)
    if nxt is not None and len(chosen) < SUMMARY_MAX and _best(scores(nxt.text)) is None:
        chosen.append(nxt)
    return chosen


def _place(pieces: list[_Piece]) -> dict[Section, list[CitedSentence]]:
    summary = _pick_summary(pieces)
    taken = {id(p) for p in summary}
    sections: dict[Section, list[CitedSentence]] = {}
    if summary:
        sections[Section.SUMMARY] = [_cite(p) for p in summary]
    secondary: dict[Section, int] = {}
    uncued = 0
    previous: tuple[_Piece, Section] | None = None  # the last placed piece and its section
    for unit in _units([p for p in pieces if id(p) not in taken]):
        section = _unit_section(unit)
        cued = section is not _UNCUED
        if section is _UNCUED and _META_LEAD.search(unit[0].text):
            continue  # talk about the answer, not the subject
        if section is _UNCUED:
            # No cue: a sentence right after a cued one of the same message continues its thought and stays
            # with it; else it goes under "Why", a few per guide for the answer, all of them for the expert's replies.
            lead = unit[0]
            follows = (
                previous is not None
                and previous[0].message == lead.message
                and previous[0].position == lead.position - 1
            )
            if follows and previous is not None and previous[1] is not Section.RATIONALE:
                section = previous[1]
            elif lead.reply or uncued < UNCUED_PER_GUIDE:
                section = Section.RATIONALE
                uncued += not lead.reply
            else:
                continue
        if section is None:
            continue
        if not unit[0].key:
            if secondary.get(section, 0) >= SECONDARY_PER_SECTION:
                continue
            secondary[section] = secondary.get(section, 0) + 1
        sections.setdefault(section, []).extend(_cite(p) for p in unit)
        previous = (unit[-1], section) if cued else None  # one uncued sentence follows a cued one, not a chain
    return {s: sections[s] for s in Section if sections.get(s)}


def _cite(piece: _Piece) -> CitedSentence:
    return CitedSentence(text=piece.text, citations=[piece.source_id])


# ---- title ------------------------------------------------------------


def _title(thread: Thread, asked: list[Message], sections: dict[Section, list[CitedSentence]]) -> str:
    """The thread's title, else the question's first sentence, else the summary; at most TITLE_MAX chars."""
    asking = [_GREETING.sub("", s) for m in asked for s in split_sentences(m.text) if _asks(s)]
    summary = [s.text for s in sections.get(Section.SUMMARY, [])]
    for text in [thread.title, *asking, *summary]:
        text = re.sub(r"^#+\s*", "", " ".join(text.split()))
        if text:
            return _shorten(text)
    return f"Guide from thread {thread.id}"


def _shorten(text: str) -> str:
    if len(text) <= TITLE_MAX:
        return text
    cut = text[: TITLE_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return cut + "…"
