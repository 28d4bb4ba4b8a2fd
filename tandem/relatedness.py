"""How related two short texts are: by meaning with an Embedder, by shared words without one (deterministic)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from retrieval.ports import Embedder, EmbedKind
from retrieval.sparse import STOPWORDS

_WORD = re.compile(r"[a-z0-9+#]+")
# Search's function words, and "use": every task and skill text says it, so sharing it relates nothing.
_IGNORED = STOPWORDS | {"use", "using"}
_CACHE_LIMIT = 50_000


def words(text: str) -> set[str]:
    """Content words of a text, lower-cased, with a light plural stem."""
    out = set()
    for word in _WORD.findall(text.lower().replace("-", " ").replace("_", " ")):
        if word in _IGNORED:
            continue
        out.add(word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word)
    return out


def trigrams(text: str) -> set[str]:
    padded = f"#{text.lower()}#"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


class Relatedness:
    """Relatedness in [0, 1]: shared words, or (with an embedder) the higher of that and meaning, where cosines below
    `floor` count as unrelated."""

    def __init__(self, embedder: Embedder | None = None, floor: float = 0.25) -> None:
        self.embedder = embedder
        self.floor = floor
        self._vectors: dict[tuple[str, str], list[float]] = {}

    @property
    def by_meaning(self) -> bool:
        return self.embedder is not None

    def related(self, query: str, texts: Sequence[str]) -> list[float]:
        """Topic relatedness of each text to the query, 0 when unrelated."""
        if not texts:
            return []
        q = words(query)
        lexical = [_set_cosine(q, words(t)) for t in texts]
        if self.embedder is None:
            return lexical
        [qv] = self._embed([query], "query")
        scale = 1.0 - self.floor
        dense = [max(0.0, (_cosine(qv, v) - self.floor) / scale) for v in self._embed(texts, "document")]
        # Hybrid: shared words catch jargon and names a small model blurs; meaning catches synonyms and paraphrase.
        return [max(d, w) for d, w in zip(dense, lexical, strict=True)]

    def similarity(self, label: str, others: Sequence[str]) -> list[float]:
        """Raw similarity of short labels (for merging synonyms): cosine, or character-trigram Dice."""
        if not others:
            return []
        if self.embedder is None:
            mine = trigrams(label)
            return [2 * len(mine & trigrams(o)) / (len(mine) + len(trigrams(o)) or 1) for o in others]
        [lv] = self._embed([label], "document")
        return [_cosine(lv, v) for v in self._embed(others, "document")]

    def _embed(self, texts: Sequence[str], kind: EmbedKind) -> list[list[float]]:
        # The cache is shared by request threads: read it into a local dict so a concurrent clear() cannot bite.
        assert self.embedder is not None
        found = {t: self._vectors.get((kind, t)) for t in texts}
        missing = [t for t, v in found.items() if v is None]
        if missing:
            if len(self._vectors) + len(missing) > _CACHE_LIMIT:
                self._vectors.clear()  # a crude bound: recomputing is cheap next to unbounded memory
            for text, vector in zip(missing, self.embedder.embed(missing, kind), strict=True):
                found[text] = self._vectors[(kind, text)] = vector
        return [v for v in (found[t] for t in texts) if v is not None]


def _set_cosine(a: set[str], b: set[str]) -> float:
    return len(a & b) / math.sqrt(len(a) * len(b)) if a and b else 0.0
