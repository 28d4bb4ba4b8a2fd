"""The Guide: sections of sentences, each citing the source messages it rests on."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, Field


class Section(StrEnum):
    SUMMARY = "summary"
    APPLIES_WHEN = "applies_when"
    STEPS = "steps"
    RATIONALE = "rationale"
    ALTERNATIVES = "alternatives"
    PITFALLS = "pitfalls"


SECTION_TITLES: dict[Section, str] = {
    Section.SUMMARY: "Summary",
    Section.APPLIES_WHEN: "When it applies",
    Section.STEPS: "Steps",
    Section.RATIONALE: "Why",
    Section.ALTERNATIVES: "Alternatives and trade-offs",
    Section.PITFALLS: "Pitfalls",
}


class CitedSentence(BaseModel):
    text: str = Field(description="One sentence of the guide.", min_length=1)
    citations: list[str] = Field(
        description="Ids of the source messages this sentence rests on (at least one).", min_length=1
    )


class Source(BaseModel):
    """A message a guide may cite."""

    id: str
    author: str
    text: str
    url: str | None = None
    kind: str = "reply"


class GuideDraft(BaseModel):
    """A guide as synthesized or edited: title, sections, and the sources it may cite."""

    title: str = Field(min_length=1, max_length=300)
    sections: dict[Section, list[CitedSentence]] = Field(default_factory=dict)
    sources: list[Source] = Field(default_factory=list)
    # Which writer produced it ("llm", "offline"); kept beside the content, never stored inside it.
    engine: str | None = Field(default=None, exclude=True)

    def sentences(self) -> list[tuple[Section, CitedSentence]]:
        """All sentences in section order."""
        return [(s, sent) for s in Section for sent in self.sections.get(s, [])]

    def cited_ids(self) -> set[str]:
        return {c for _, sent in self.sentences() for c in sent.citations}


_MENTION = re.compile(r"(?<![\w.])@[A-Za-z0-9_.-]+")


def mask_mentions(text: str) -> str:
    """@handles replaced by @someone."""
    return _MENTION.sub("@someone", text)


def without_identities(draft: GuideDraft, label: str = "a community member") -> GuideDraft:
    """The guide as outsiders see it under the Chatham House rule: what was said, never who said it."""
    sources = [
        s.model_copy(update={"author": label, "url": None, "text": _MENTION.sub("@someone", s.text)})
        for s in draft.sources
    ]
    sections = {
        section: [s.model_copy(update={"text": _MENTION.sub("@someone", s.text)}) for s in sentences]
        for section, sentences in draft.sections.items()
    }
    return draft.model_copy(update={"sources": sources, "sections": sections})
