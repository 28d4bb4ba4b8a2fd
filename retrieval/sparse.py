"""The lexical side of hybrid search: words to hashed term ids with BM25 term-frequency weights.

Documents get BM25's saturated, length-normalised term frequency; queries get 1.0 per distinct term. The index
multiplies both by the term's IDF at query time (Qdrant's IDF modifier, computed over the communities searched), so
a sparse dot product is the BM25 score. Pure Python, no model: the same text always gives the same vector.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Iterable

from retrieval.ports import SparseVector

# Bump when tokens or weights change: vectors stored by another version must be rebuilt (`tacit reindex`).
SPARSE_VERSION = "tacit-bm25-v1"

_TOKEN = re.compile(r"[a-z0-9]+")
_MIN_LEN, _MAX_LEN = 2, 40
# English function words: they match everywhere and only add noise to a lexical score.
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "get",
        "got",
        "im",
        "ive",
        "dont",
        "doesnt",
        "cant",
        "thats",
        "whats",
        "etc",
        "eg",
        "ie",
        "don",
        "doesn",
        "didn",
        "isn",
        "wasn",
        "aren",
        "ll",
        "re",
        "ve",
    ]
)
_VOWEL = re.compile(r"[aeiouy]")
_DOUBLE_END = re.compile(r"([b-df-hj-km-np-rtv-z])\1$")


def stem(word: str) -> str:
    """A light English stemmer: plurals, -ing, -ed and a final -e, so "configured" and "configures" meet."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "ches", "shes", "xes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ied") and len(word) > 4:
        return word[:-3] + "y"
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and _VOWEL.search(base):
            word = base[:-1] if _DOUBLE_END.search(base) and base[-1] not in "lsz" else base
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Lower-cased word stems, stopwords and very short or long tokens dropped."""
    return [stem(t) for t in _TOKEN.findall(text.lower()) if _MIN_LEN <= len(t) <= _MAX_LEN and t not in STOPWORDS]


def term_id(token: str) -> int:
    """A token's sparse index: CRC-32, stable across processes and machines (unlike hash())."""
    return zlib.crc32(token.encode())


class SparseEncoder:
    """BM25-weighted sparse vectors for documents and plain term sets for queries (IDF comes from the index)."""

    def __init__(self, k1: float = 1.2, b: float = 0.75, avg_len: float = 64.0) -> None:
        if k1 < 0 or not 0.0 <= b <= 1.0 or avg_len <= 0:
            raise ValueError("BM25 needs k1 >= 0, 0 <= b <= 1 and avg_len > 0")
        self.k1, self.b, self.avg_len = k1, b, avg_len

    def document(self, text: str) -> SparseVector:
        """BM25 term-frequency weights: tf (k1 + 1) / (tf + k1 (1 - b + b len / avg_len))."""
        counts = Counter(tokens(text))
        length = sum(counts.values())
        norm = self.k1 * (1.0 - self.b + self.b * length / self.avg_len)
        return _vector((term, tf * (self.k1 + 1.0) / (tf + norm)) for term, tf in counts.items())

    def query(self, text: str) -> SparseVector:
        """Weight 1.0 for each distinct term of the query."""
        return _vector((term, 1.0) for term in dict.fromkeys(tokens(text)))


def _vector(weights: Iterable[tuple[str, float]]) -> SparseVector:
    by_id: dict[int, float] = {}
    for term, weight in weights:
        key = term_id(term)
        by_id[key] = by_id.get(key, 0.0) + weight  # a (rare) hash collision adds the two terms up
    ordered = sorted(by_id.items())
    return SparseVector(indices=tuple(i for i, _ in ordered), values=tuple(v for _, v in ordered))
