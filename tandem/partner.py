"""The AI partner: answers a tandem's question from passages both partners may read, citing them, or says
plainly that nothing relevant is known."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, Field

from prompts.llm import LLM, LLMError
from prompts.render import render
from prompts.untrusted import acceptable, source_urls
from synthesizer.faithfulness import MIN_SUPPORT as FAITHFUL
from synthesizer.faithfulness import sentence_support
from tandem.relatedness import words

log = logging.getLogger(__name__)

MIN_RELEVANCE = 0.15  # passages less related than this to the question are not evidence for an answer
MAX_CITED = 3
EXCERPT_CHARS = 400
SUPPORT = 0.5  # share of a generated sentence's content words its cited passages must contain
_NAME = re.compile(
    r"(?<=[\s(\"'])[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*|(?<=[a-z,;] )[A-Z][a-z]{2,}"
)  # names mid-sentence
NOTHING_KNOWN = "Nothing relevant is known in the guides and threads you both can read."


@dataclass(frozen=True)
class Passage:
    id: str  # "guide:<id>" or "thread:<id>"
    kind: str  # guide | thread
    title: str
    text: str
    community_id: str
    relevance: float  # to the question, in [0, 1]
    author: str = ""
    url: str | None = None


@dataclass(frozen=True)
class Answer:
    text: str
    citations: tuple[Passage, ...]
    nothing_known: bool
    engine: str  # offline | llm


class Partner(Protocol):
    def answer(self, question: str, passages: Sequence[Passage]) -> Answer: ...


def relevant(passages: Sequence[Passage]) -> list[Passage]:
    """The passages related enough to answer from, most related first."""
    return sorted((p for p in passages if p.relevance >= MIN_RELEVANCE), key=lambda p: -p.relevance)


class OfflinePartner:
    """No generation: the best passages, each quoted and cited."""

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        """The most related passages, quoted and numbered; or that nothing relevant is known."""
        cited = tuple(relevant(passages)[:MAX_CITED])
        if not cited:
            return Answer(NOTHING_KNOWN, (), True, "offline")
        lines = [f"[{n}] {p.title}: {_excerpt(p.text)}" for n, p in enumerate(cited, 1)]
        return Answer(
            "Closest matches in the guides and threads you both can read:\n" + "\n".join(lines), cited, False, "offline"
        )


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1].rstrip() + "…"


class PartnerSentence(BaseModel):
    text: str = Field(description="One plain sentence of the answer.")
    citations: list[str] = Field(default_factory=list, description="Ids of the sources it rests on, as given.")


class PartnerReply(BaseModel):
    """What the LLM returns: cited sentences, or nothing_relevant when the sources do not answer."""

    sentences: list[PartnerSentence] = Field(default_factory=list, max_length=8)
    nothing_relevant: bool = Field(default=False, description="True when the sources do not answer the question.")


class LLMPartner:
    """Answers with the LLM from the passages; sentences citing unknown or unsupporting passages are dropped, and
    on failure or when nothing survives the offline partner answers."""

    def __init__(self, llm: LLM, fallback: Partner | None = None) -> None:
        self._llm = llm
        self._fallback = fallback or OfflinePartner()

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        """A cited answer written by the LLM, validated against its sources."""
        usable = relevant(passages)[: MAX_CITED + 2]
        if not usable:
            return Answer(NOTHING_KNOWN, (), True, "llm")
        prompt = render("tandem_answer", question=question, sources=[_view(p) for p in usable])
        try:
            reply = self._llm.structured(prompt, PartnerReply)
        except LLMError as exc:
            log.warning("partner LLM failed, answering offline: %s", exc)
            return self._fallback.answer(question, passages)
        return _validated(reply, usable) or self._fallback.answer(question, passages)


def _view(p: Passage) -> dict[str, str]:
    return {"id": p.id, "kind": p.kind, "title": p.title, "text": p.text}


def _validated(reply: PartnerReply, passages: Sequence[Passage]) -> Answer | None:
    by_id = {p.id: p for p in passages}
    kept: list[tuple[str, list[str]]] = []
    for s in reply.sentences:
        cites = [c for c in dict.fromkeys(s.citations) if c in by_id]
        if cites and _supported(s.text, [by_id[c] for c in cites]):
            kept.append((s.text.strip(), cites))
    if not kept:
        return Answer(NOTHING_KNOWN, (), True, "llm") if reply.nothing_relevant else None
    order = list(dict.fromkeys(c for _, cites in kept for c in cites))
    number = {c: n for n, c in enumerate(order, 1)}
    text = " ".join(f"{t} " + "".join(f"[{number[c]}]" for c in cites) for t, cites in kept)
    return Answer(text, tuple(by_id[c] for c in order), False, "llm")


def _supported(sentence: str, cited: Sequence[Passage]) -> bool:
    """Said by what it cites: no markup, no link but the passages' own, no name they lack, most of its words in
    them, and the guides' faithfulness check (negations, swapped roles, added claims) passed."""
    texts = [p.title + ". " + p.text for p in cited]
    if not acceptable(sentence, source_urls([*(p.url for p in cited), *texts])):
        return False
    mine = words(sentence)
    source = set().union(*(words(t) for t in texts))
    said = " ".join(texts).lower()
    if any(name.lower() not in said for name in _NAME.findall(sentence[1:])):
        return False  # a project, product or person named by no passage
    return bool(mine) and len(mine & source) / len(mine) >= SUPPORT and sentence_support(sentence, texts) >= FAITHFUL
