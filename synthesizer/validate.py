"""Guide rules: every sentence cites real sources, and says nothing its cited sources do not support."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from synthesizer.errors import InvalidGuide
from synthesizer.model import CitedSentence, GuideDraft

if TYPE_CHECKING:
    from synthesizer.faithfulness import Scorer

_WORD = re.compile(r"[a-z0-9][a-z0-9_.+#-]*", re.IGNORECASE)
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "else",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "you",
        "your",
        "we",
        "our",
        "i",
        "my",
        "they",
        "their",
        "he",
        "she",
        "them",
        "there",
        "here",
        "not",
        "no",
        "do",
        "does",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "just",
        "so",
        "than",
        "too",
        "very",
        "also",
        "into",
        "over",
        "under",
        "about",
        "which",
        "what",
        "when",
        "where",
        "who",
        "how",
        "why",
    ]
)


def content_words(text: str) -> set[str]:
    """Lower-cased words that carry meaning (stop words dropped)."""
    return {w.lower().strip(".") for w in _WORD.findall(text)} - _STOP


def support(sentence: str, sources: list[str]) -> float:
    """Share of the sentence's content words found in its cited sources (0..1)."""
    words = content_words(sentence)
    if not words:
        return 1.0
    pool: set[str] = set().union(*(content_words(s) for s in sources)) if sources else set()
    return len(words & pool) / len(words)


def check_citations(draft: GuideDraft) -> None:
    """Raise InvalidGuide when a sentence cites nothing or cites a message that is not among the sources."""
    known = {s.id for s in draft.sources}
    for section, sentence in draft.sentences():
        unknown = [c for c in sentence.citations if c not in known]
        if unknown:
            raise InvalidGuide(
                f"a sentence in '{section.value}' cites unknown source(s) {unknown}; known: {sorted(known)}"
            )


def keep_supported(draft: GuideDraft, min_support: float = 0.5, scorer: Scorer | None = None) -> GuideDraft:
    """Drop sentences whose citations are unknown or that their cited sources do not support.

    The default scorer is the faithfulness check (word overlap, with negations, swapped roles and new numbers
    counted against the sentence); pass an embedding-aware `SupportScorer` to accept more paraphrase.
    """
    from synthesizer.faithfulness import sentence_support

    score = scorer or sentence_support
    by_id = {s.id: s.text for s in draft.sources}
    kept: dict[str, Any] = {}
    for section, sentence in draft.sentences():
        cited = [c for c in sentence.citations if c in by_id]
        if not cited or score(sentence.text, [by_id[c] for c in cited]) < min_support:
            continue
        kept.setdefault(section, []).append(CitedSentence(text=sentence.text, citations=cited))
    return draft.model_copy(update={"sections": kept})
