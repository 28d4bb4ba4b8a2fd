"""The LLM guide writer: a cited guide from a thread and the expert's replies, checked against its sources."""

from __future__ import annotations

import logging

from pydantic import BaseModel, Field

from elicitor.model import Message, Reply, Thread
from prompts.budget import TokenBudget
from prompts.llm import LLM, LLMError
from prompts.render import render
from prompts.untrusted import acceptable, source_urls
from synthesizer.errors import SynthesisError
from synthesizer.faithfulness import SupportScorer, TextEmbedder
from synthesizer.model import CitedSentence, GuideDraft, Section, Source
from synthesizer.ports import GuideWriter
from synthesizer.validate import check_citations, keep_supported

log = logging.getLogger(__name__)

_CITES = "Ids of the sources this sentence rests on, exactly as given in <source id=...>."


class GuideSentence(BaseModel):
    """One sentence as the LLM returns it; citations are checked afterwards, not trusted."""

    text: str = Field(description="One plain sentence of the guide.")
    citations: list[str] = Field(default_factory=list, description=_CITES)


class GuideSections(BaseModel):
    """What the LLM returns for a guide: six sections of cited sentences, each possibly empty."""

    summary: list[GuideSentence] = Field(default_factory=list, description="The answer in 1-3 sentences.")
    applies_when: list[GuideSentence] = Field(
        default_factory=list, description="When the advice applies and when it does not."
    )
    steps: list[GuideSentence] = Field(default_factory=list, description="How to do it, one step each, in order.")
    rationale: list[GuideSentence] = Field(default_factory=list, description="Why it works or is the right choice.")
    alternatives: list[GuideSentence] = Field(default_factory=list, description="Other options and their trade-offs.")
    pitfalls: list[GuideSentence] = Field(default_factory=list, description="What goes wrong, how to notice it.")


class LLMGuideWriter:
    """Implements synthesizer.ports.GuideWriter with an LLM.

    Sentences citing unknown sources, or saying what their sources do not support, are dropped; when nothing
    survives or the LLM fails, `fallback` writes the guide (or SynthesisError is raised when there is none).
    With an `embedder`, support is judged by the faithfulness check plus embedding similarity, which keeps more
    of an LLM's faithful paraphrases (on hand-written pairs: recall 0.69 vs 0.50, precision 0.85 vs 0.80;
    `tacit eval synthesis`) for about 20 ms a sentence.
    """

    def __init__(
        self, llm: LLM, budget: TokenBudget, fallback: GuideWriter | None = None, embedder: TextEmbedder | None = None
    ) -> None:
        self._llm = llm
        self._budget = budget
        self._fallback = fallback
        self._embedder = embedder

    def write(self, thread: Thread, replies: tuple[Reply, ...]) -> GuideDraft:
        """A guide draft whose every sentence cites sources that support it."""
        sources, asked = _sources(thread, replies)
        if not sources:
            raise SynthesisError(f"thread {thread.id} has no messages and no replies to synthesize from")
        title = _title(thread)
        presented = self._fit(thread, replies, sources, asked, title)
        prompt = render("guide", title=title, sources=[_view(s, text, asked) for s, text in presented])
        try:
            out = self._llm.structured(prompt, GuideSections)
        except LLMError as e:
            return self._fall_back(thread, replies, f"the LLM failed ({e})")
        # A scorer per guide: its embedding cache lives as long as this one check.
        scorer = SupportScorer(self._embedder) if self._embedder is not None else None
        given = [s for s, _ in presented]
        allowed = source_urls([s.url for s in given] + [s.text for s in given])
        draft = keep_supported(GuideDraft(title=title, sections=_sections(out, allowed), sources=given), scorer=scorer)
        if not draft.sentences():
            return self._fall_back(thread, replies, "no sentence of the LLM's guide is supported by its sources")
        # Like the offline writer, a guide lists the question and the sources it cites.
        used = draft.cited_ids()
        opening = thread.opening.id if thread.opening is not None else None
        draft = draft.model_copy(update={"sources": [s for s in draft.sources if s.id in used or s.id == opening]})
        check_citations(draft)  # keep_supported leaves only known ids; this guards that promise
        return draft.model_copy(update={"engine": "llm"})

    def _fit(
        self,
        thread: Thread,
        replies: tuple[Reply, ...],
        sources: list[Source],
        asked: dict[str, str],
        title: str,
    ) -> list[tuple[Source, str]]:
        """The sources that fit in the token budget, in thread order, each with the text the prompt shows."""
        fixed = render("guide", title=title, sources=[])
        fixed_tokens = self._budget.count(fixed)
        overhead = 4 + max(
            self._budget.count(render("guide", title=title, sources=[_view(s, "", asked)])) - fixed_tokens
            for s in sources
        )
        # The budget keeps the first item and the last ones: the question first, the expert's answers and
        # replies last, everything else in between (dropped first when the thread is long).
        by_id = {s.id: s for s in sources}
        tail_ids = [m.id for m in _answers(thread, replies)] + [r.id for r in replies]
        head_ids = [sources[0].id] if sources[0].id not in tail_ids else []
        middle_ids = [s.id for s in sources if s.id not in tail_ids and s.id not in head_ids]
        order = head_ids + middle_ids + tail_ids
        kept = self._budget.fit_indexed(
            [by_id[i].text for i in order], fixed, keep_last=len(tail_ids), item_overhead=overhead
        )
        shown = {order[k.index]: k.text for k in kept}
        return [(s, shown[s.id]) for s in sources if s.id in shown]

    def _fall_back(self, thread: Thread, replies: tuple[Reply, ...], reason: str) -> GuideDraft:
        if self._fallback is None:
            raise SynthesisError(f"cannot synthesize a guide for thread {thread.id}: {reason}")
        log.warning("guide for thread %s: %s; using the fallback writer", thread.id, reason)
        return self._fallback.write(thread, replies)


def _sources(thread: Thread, replies: tuple[Reply, ...]) -> tuple[list[Source], dict[str, str]]:
    """Every message and reply as a Source (ids kept), and the nudge question each reply answers."""
    sources = [Source(id=m.id, author=m.author_name, text=m.text, url=m.url, kind=m.kind) for m in thread.messages]
    sources += [Source(id=r.id, author=r.author_name, text=r.text, kind="nudge_reply") for r in replies]
    return sources, {r.id: r.nudge_question for r in replies}


def _answers(thread: Thread, replies: tuple[Reply, ...]) -> list[Message]:
    """The thread's answers worth keeping whole: the replying expert's posts, accepted or 'answer' posts."""
    experts = {r.author_id for r in replies}
    return [m for m in thread.messages[1:] if m.author_id in experts or m.accepted or m.kind == "answer"]


def _view(source: Source, text: str, asked: dict[str, str]) -> dict[str, str]:
    return {
        "id": source.id,
        "author": source.author,
        "kind": source.kind,
        "text": text,
        "asked": asked.get(source.id, ""),
    }


def _title(thread: Thread) -> str:
    title = " ".join(thread.title.split())
    if not title and thread.opening is not None:
        title = " ".join(thread.opening.text.split())[:120]
    return title[:300] or f"Guide for thread {thread.id}"


def _sections(out: GuideSections, allowed_urls: set[str]) -> dict[Section, list[CitedSentence]]:
    """The model's sentences, minus any with markup or a link that is not one of the sources' own."""
    sections: dict[Section, list[CitedSentence]] = {}
    for section in Section:
        for sentence in getattr(out, section.value):
            text = " ".join(sentence.text.split())
            if not acceptable(text, allowed_urls):
                continue
            # Models often write "[m1]" or "#m1" for an id: strip the wrapping, keep the order, drop repeats.
            citations = list(dict.fromkeys(c.strip().strip("[]()#").strip() for c in sentence.citations))
            citations = [c for c in citations if c]
            if text and citations:
                sections.setdefault(section, []).append(CitedSentence(text=text, citations=citations))
    return sections
