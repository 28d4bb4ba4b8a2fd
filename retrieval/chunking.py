"""Guides into chunks: each section cut into windows the embedding model reads whole, each carrying the guide's title.

MiniLM reads at most 256 word pieces and silently drops the rest, so a long section embedded as one text is searched
by its opening only. A section is cut into overlapping windows of whole words that fit the model with the title
prepended (`embedding_text`); a search keeps a guide's best window (max pooling, `retrieval.search`). A short section
is one window, with the id a section chunk always had.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from retrieval.ports import Chunk
from synthesizer.model import CitedSentence, GuideDraft, Section

# Bump when the way guides become chunks changes: an index built another way must be rebuilt (`tacit reindex`).
CHUNKING_VERSION = "tacit-windows-v1"

# Word pieces of each whitespace-separated word. BERT-style tokenizers split text on whitespace first, so per-word
# counts add up to the count of the whole text.
PieceCounter = Callable[[Sequence[str]], list[int]]

_SPECIAL_TOKENS = 2  # [CLS] and [SEP], added to every text the model reads
_WORD = re.compile(r"[^\W_]")
_NON_SPACE = re.compile(r"\S+")
_PIECE = re.compile(r"[^\W\d_]+|\d+|[^\w\s]|_")


def estimated_pieces(words: Sequence[str]) -> list[int]:
    """A tokenizer-free estimate of word pieces per word (the fallback when the model's tokenizer is not at hand).

    Punctuation marks are a piece each, a run of letters about one piece per three characters, of digits per two.
    """
    return [max(1, sum(_estimate(p) for p in _PIECE.findall(w))) for w in words]


def _estimate(piece: str) -> int:
    if piece.isdigit():
        return math.ceil(len(piece) / 2)
    return math.ceil(len(piece) / 3) if piece.isalpha() else 1


@dataclass(frozen=True)
class Windowing:
    """How sections are cut: windows of at most `size` word pieces (title and special tokens included),
    each starting `overlap` word pieces before the previous one ended."""

    size: int = 256
    overlap: int = 64
    count: PieceCounter = estimated_pieces

    def __post_init__(self) -> None:
        if self.size < 16 or not 0 <= self.overlap < self.size // 2:
            raise ValueError(f"windows of {self.size} word pieces cannot overlap by {self.overlap}")

    def budget(self, title: str) -> int:
        """Word pieces left for a window's text once the title and special tokens are in."""
        title_pieces = sum(self.count(title.split()))
        # A long title still leaves half the window to the text (the model then drops the text's tail).
        return max(self.size - _SPECIAL_TOKENS - title_pieces, self.size // 2)


DEFAULT_WINDOWING = Windowing()


def chunk_id(guide_id: str, version: int, section: Section | str, window: int = 0) -> str:
    """The stable id of a section's window (the first window keeps the section's plain id)."""
    base = f"{guide_id}:{version}:{Section(section).value}"
    return base if window == 0 else f"{base}:{window}"


def chunk_guide(
    guide_id: str, community_id: str, version: int, draft: GuideDraft, windowing: Windowing = DEFAULT_WINDOWING
) -> list[Chunk]:
    """Chunks of the non-empty sections, in section order, each section cut into windows.

    A window's citations are those of the sentences it holds (any part of), deduplicated in order.
    """
    budget = windowing.budget(draft.title)
    chunks: list[Chunk] = []
    for section in Section:
        sentences = [s for s in draft.sections.get(section, []) if s.text.strip()]
        for number, (text, citations) in enumerate(_windows(sentences, budget, windowing)):
            chunks.append(
                Chunk(
                    id=chunk_id(guide_id, version, section, number),
                    guide_id=guide_id,
                    community_id=community_id,
                    section=section.value,
                    title=draft.title,
                    text=text,
                    citations=citations,
                    extra={"version": str(version)},
                )
            )
    return chunks


def _windows(
    sentences: Sequence[CitedSentence], budget: int, windowing: Windowing
) -> list[tuple[str, tuple[str, ...]]]:
    """(text, citations) of each window over the section's words; one window (the whole text) when they fit.

    A window is a slice of the section's text, so line breaks and spacing inside it are kept as written.
    """
    text = " ".join(s.text.strip() for s in sentences)
    words = [m.span() for m in _NON_SPACE.finditer(text)]
    if not words:
        return []
    ends = list(itertools.accumulate(len(s.text.strip()) + 1 for s in sentences))  # where each sentence stops
    owners = [bisect.bisect_right(ends, a) for a, _ in words]  # the sentence each word comes from
    pieces = windowing.count([text[a:b] for a, b in words])
    windows = []
    for start, end in _spans(pieces, budget, windowing.overlap):
        held = dict.fromkeys(owners[start:end])
        citations = dict.fromkeys(c for s in held for c in sentences[s].citations)  # ordered set
        windows.append((text[words[start][0] : words[end - 1][1]], tuple(citations)))
    return windows


def _spans(pieces: Sequence[int], budget: int, overlap: int) -> list[tuple[int, int]]:
    """Word ranges [start, end) of at most `budget` pieces each (a longer single word is a window of its own),
    the next starting at most `overlap` pieces before the previous end."""
    spans: list[tuple[int, int]] = []
    start = 0
    while start < len(pieces):
        end, used = start, 0
        while end < len(pieces) and used + pieces[end] <= budget:
            used += pieces[end]
            end += 1
        end = max(end, start + 1)
        spans.append((start, end))
        if end == len(pieces):
            break
        # Step back over up to `overlap` pieces, keeping room for the word that did not fit (so the next window
        # always gets further than this one).
        back, following = 0, end
        while following > start + 1 and back + pieces[following - 1] <= min(overlap, budget - pieces[end]):
            following -= 1
            back += pieces[following]
        start = following
    return spans


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded: the guide's title, then the window's text, so every chunk carries its topic.

    A title with no word in it ("-", "?") is left out: it tells the model nothing and moves the vector (on the
    development set a "-" title cost 0.010 nDCG@10 on chat).
    """
    if not _WORD.search(chunk.title):
        return chunk.text
    return f"{chunk.title}\n{chunk.text}"
