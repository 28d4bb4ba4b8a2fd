"""The faithfulness check: does each sentence of a guide say only what its cited sources say?

Lexical for now: content-word overlap (the same measure as `validate.support`) blended with content-bigram
overlap, which lowers the score of sentences that reuse the sources' words in other combinations. A verbatim
quote scores 1. Lexical overlap cannot see negation or swapped roles ("use A, not B" from "use B, not A"
still scores about 0.6); that is what the semantic check is for.
The seam for a semantic check is `SupportScorer`: any callable with `sentence_support`'s signature (e.g. one
blending this score with embedding similarity, built where an Embedder is available) can be passed to
`faithfulness` and `sentence_scores`; this module stays free of model code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from synthesizer.model import CitedSentence, GuideDraft, Section
from synthesizer.validate import content_words, support

MIN_SUPPORT = 0.5  # the same bar as validate.keep_supported's default
UNIGRAM_WEIGHT = 0.6

_TOKEN = re.compile(r"[a-z0-9][a-z0-9_.+#-]*", re.IGNORECASE)


class SupportScorer(Protocol):
    """How well the cited texts support a sentence, from 0 (not at all) to 1 (fully)."""

    def __call__(self, sentence: str, cited_texts: list[str]) -> float: ...


@dataclass(frozen=True)
class SentenceSupport:
    section: Section
    sentence: CitedSentence
    score: float


def sentence_support(sentence: str, cited_texts: list[str]) -> float:
    """Lexical support of a sentence by its cited texts (0..1); a verbatim quote scores 1."""
    if not cited_texts:
        return 0.0
    flat = _squash(sentence)
    if flat and any(flat in _squash(text) for text in cited_texts):
        return 1.0
    unigram = support(sentence, cited_texts)
    pairs = _bigrams(sentence)
    if not pairs:
        return unigram
    # Bigrams are taken per text so that no pair spans two sources.
    pool: set[tuple[str, str]] = set().union(*(_bigrams(text) for text in cited_texts))
    bigram = len(pairs & pool) / len(pairs)
    return UNIGRAM_WEIGHT * unigram + (1 - UNIGRAM_WEIGHT) * bigram


def sentence_scores(draft: GuideDraft, scorer: SupportScorer = sentence_support) -> list[SentenceSupport]:
    """Each sentence's support by the sources it cites; unknown citations support nothing."""
    texts = {s.id: s.text for s in draft.sources}
    return [
        SentenceSupport(
            section, sentence, scorer(sentence.text, [texts[c] for c in sentence.citations if c in texts])
        )
        for section, sentence in draft.sentences()
    ]


def faithfulness(
    draft: GuideDraft, scorer: SupportScorer = sentence_support, min_support: float = MIN_SUPPORT
) -> float:
    """Share of the guide's sentences that their cited sources support (1.0 for a guide with no sentences)."""
    scored = sentence_scores(draft, scorer)
    if not scored:
        return 1.0
    return sum(s.score >= min_support for s in scored) / len(scored)


def unsupported(
    draft: GuideDraft, scorer: SupportScorer = sentence_support, min_support: float = MIN_SUPPORT
) -> list[SentenceSupport]:
    """The sentences a reviewer should check: those their cited sources do not support."""
    return [s for s in sentence_scores(draft, scorer) if s.score < min_support]


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def _bigrams(text: str) -> set[tuple[str, str]]:
    """Adjacent pairs of content words, in reading order."""
    keep = content_words(text)
    words = [w for w in (t.lower().strip(".") for t in _TOKEN.findall(text)) if w in keep]
    return set(zip(words, words[1:], strict=False))
