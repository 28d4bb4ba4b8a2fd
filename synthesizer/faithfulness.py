"""The faithfulness check: does each sentence of a guide say only what its cited sources say?

A sentence is scored against the sentences of the texts it cites (single sentences and adjacent pairs, so a
sentence fusing two source sentences is matched whole):

- overlap: the share of its content words found in the cited texts, blended with the share of its content-word
  bigrams (reusing the words in another order scores lower); a verbatim quote starts at 1;
- optionally meaning: with an embedder (`SupportScorer(embedder)`), the cosine to the best-matching source
  span lifts a paraphrase whose words differ from the source's;
- then contradictions cut the score, whatever the overlap or cosine (both are blind to them):
  * polarity: a negation in the sentence that the source does not have around the same words, or a source
    negation the sentence drops ("don't set it to 0" -> "set it to 0"), or a word swapped for its opposite;
  * swapped roles: the shared words appear in an order that interleaves the source's ("use A, not B" from
    "use B, not A"); whole phrases moved about ("Because Y, X" from "X because Y") do not interleave;
  * an added claim: two consecutive content words the sources do not have, a clause mostly made of them, or a
    source passage quoted word for word with words of no source appended ("... use a partial index, then drop
    the table."): a model's way of smuggling a claim past an overlap score.

`sentence_support` is the lexical check (no model, no heavy dependency); `SupportScorer` adds the embedding.
Both are `Scorer`s, which `faithfulness`, `sentence_scores` and `unsupported` accept. The check's precision
and recall are measured on labelled pairs by `tacit eval synthesis` (evals/synthesis.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from synthesizer.model import CitedSentence, GuideDraft, Section
from synthesizer.sentences import is_code_block, split_sentences

MIN_SUPPORT = 0.5  # the same bar as validate.keep_supported's default
UNIGRAM_WEIGHT = 0.6
COSINE_FLOOR = 0.60  # a cosine at or below this lends no support
COSINE_FULL = 0.95  # a cosine at or above this lends full support
CONTRADICTION_FACTOR = 0.3
SWAP_FACTOR = 0.4
ADDED_CLAIM_FACTOR = 0.4  # below MIN_SUPPORT even for full overlap: an added claim alone fails the check
CANDIDATES = 3  # source spans compared by embedding: the best lexical matches
ADDED_RUN = 3  # this many consecutive content words absent from the sources make an added claim
CLAUSE_SUPPORT = 0.5  # a clause with 3+ content words needs at least this share of them in the sources

_TOKEN = re.compile(r"[a-z0-9][a-z0-9_+#'-]*(?:\.[a-z0-9_+#'-]+)*", re.IGNORECASE)
_CLAUSE = re.compile(
    r"[.;:!?,()]+(?=\s|$)|\n|\s[-–—]\s|\b(?:but|while|whereas|although|though|and|or)\b", re.IGNORECASE
)
# Negations proper, and contrast markers that carry the same "not this one" ("A rather than B").
_NEGATIONS = frozenset(
    ["not", "no", "never", "cannot", "without", "none", "nothing", "nobody", "neither", "nor", "nowhere"]
)
_CONTRASTS = frozenset(
    ["rather", "instead", "unlike", "than", "avoid", "avoids", "avoiding", "versus", "vs", "except", "otherwise"]
)
# Markers that put two sides in contrast: one-way ("A rather than B") and two-way ("A, while B").
_ONE_WAY = re.compile(r"\b(?:rather than|instead of|not|unlike|than|over|vs\.?|versus)\b|n't\b", re.IGNORECASE)
_TWO_WAY = re.compile(r"\b(?:while|whereas|but)\b|;", re.IGNORECASE)
_PREFIXES = ("non", "un", "in", "im", "ir", "il", "dis")  # "unreliable" negates "reliable"
_ARTICLES = frozenset({"a", "an", "the"})
_FUNCTION = frozenset(
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
        "being",
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
        "me",
        "they",
        "their",
        "them",
        "he",
        "she",
        "his",
        "her",
        "there",
        "here",
        "do",
        "does",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "shall",
        "may",
        "might",
        "must",
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
        "has",
        "have",
        "had",
        "s",
        "t",
        "really",
        "quite",
        "actually",
        "basically",
        "simply",
        "one",
        "some",
        "any",
    ]
)
# Words and their opposites: a sentence using one where its source uses the other contradicts it.
_OPPOSITES = dict(
    pair
    for a, b in (
        ("always", "never"),
        ("increase", "decrease"),
        ("increase", "reduce"),
        ("more", "less"),
        ("more", "fewer"),
        ("before", "after"),
        ("enable", "disable"),
        ("true", "false"),
        ("faster", "slower"),
        ("larger", "smaller"),
        ("bigger", "smaller"),
        ("higher", "lower"),
        ("raise", "lower"),
        ("better", "worse"),
        ("easier", "harder"),
        ("correct", "wrong"),
        ("allow", "forbid"),
        ("all", "none"),
        ("maximum", "minimum"),
        ("max", "min"),
        ("first", "last"),
        ("add", "remove"),
        ("start", "stop"),
        ("open", "close"),
        ("include", "exclude"),
        ("inside", "outside"),
        ("above", "below"),
        ("most", "least"),
        ("many", "few"),
        ("same", "different"),
        ("linear", "exponential"),
        ("polynomial", "exponential"),
        ("local", "global"),
        ("yes", "no"),
        ("win", "lose"),
        ("success", "failure"),
        ("cheap", "expensive"),
        ("strong", "weak"),
        ("hot", "cold"),
        ("early", "late"),
        ("long", "short"),
        ("high", "low"),
        ("increases", "decreases"),
        ("increases", "reduces"),
    )
    for pair in ((a, b), (b, a))
)


class Scorer(Protocol):
    """How well the cited texts support a sentence, from 0 (not at all) to 1 (fully)."""

    def __call__(self, sentence: str, cited_texts: list[str]) -> float: ...


class TextEmbedder(Protocol):
    """What SupportScorer needs of an embedder (retrieval.ports.Embedder fits)."""

    def embed(self, texts: Sequence[str], kind: Literal["query", "document"]) -> list[list[float]]: ...


@dataclass(frozen=True)
class SentenceSupport:
    section: Section
    sentence: CitedSentence
    score: float


@dataclass(frozen=True)
class Evidence:
    """What the lexical check found for one sentence; `lexical` is its score before any cosine."""

    overlap: float  # unigram/bigram blend (1.0 for a verbatim quote)
    best_span: str  # the source sentence (or pair) that matches it best
    candidates: tuple[str, ...]  # the best-matching spans, best first (what the embedding compares with)
    contradiction: bool
    swapped: bool
    added_claim: bool

    def score(self, cosine: float | None = None) -> float:
        """The support score: overlap, lifted by a high cosine when given, cut by any contradiction."""
        base = self.overlap
        if cosine is not None:
            base = max(base, (cosine - COSINE_FLOOR) / (COSINE_FULL - COSINE_FLOOR))
        base = min(max(base, 0.0), 1.0)
        if self.contradiction:
            base *= CONTRADICTION_FACTOR
        if self.swapped:
            base *= SWAP_FACTOR
        if self.added_claim:
            base *= ADDED_CLAIM_FACTOR
        return base


def sentence_support(sentence: str, cited_texts: list[str]) -> float:
    """Lexical support of a sentence by its cited texts (0..1); a verbatim quote scores 1."""
    if not cited_texts:
        return 0.0
    return evidence(sentence, cited_texts).score()


class SupportScorer:
    """The lexical check plus embedding similarity: a Scorer for `faithfulness` that sees paraphrases.

    Embeddings are cached by text, so scoring many guides over the same sources embeds each text once.
    """

    def __init__(self, embedder: TextEmbedder | None = None) -> None:
        self._embedder = embedder
        self._cache: dict[str, list[float]] = {}

    def __call__(self, sentence: str, cited_texts: list[str]) -> float:
        return self.score_many([(sentence, cited_texts)])[0]

    def score_many(self, items: Sequence[tuple[str, list[str]]]) -> list[float]:
        """Scores for many (sentence, cited texts), embedding everything they need in one batch."""
        found = [evidence(sentence, texts) if texts else None for sentence, texts in items]
        if self._embedder is None:
            return [e.score() if e else 0.0 for e in found]
        needed = [(sentence, e) for (sentence, _), e in zip(items, found, strict=True) if e and e.overlap < 1.0]
        self.vectors([t for sentence, e in needed for t in (sentence, *e.candidates)])
        scores = []
        for (sentence, _), e in zip(items, found, strict=True):
            if e is None or e.overlap >= 1.0:
                scores.append(e.score() if e else 0.0)
                continue
            vectors = self.vectors([sentence, *e.candidates])
            scores.append(e.score(max((_dot(vectors[0], v) for v in vectors[1:]), default=0.0)))
        return scores

    def cosine(self, sentence: str, cited_texts: list[str]) -> float:
        """The best cosine between the sentence and the cited texts' best-matching spans."""
        e = evidence(sentence, cited_texts)
        vectors = self.vectors([sentence, *e.candidates])
        return max((_dot(vectors[0], v) for v in vectors[1:]), default=0.0)

    def vectors(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit vectors for texts, embedding only those not seen before."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing and self._embedder is not None:
            for text, vector in zip(missing, self._embedder.embed(missing, "document"), strict=True):
                norm = math.sqrt(sum(x * x for x in vector)) or 1.0
                self._cache[text] = [x / norm for x in vector]
        return [self._cache[t] for t in texts]


def sentence_scores(draft: GuideDraft, scorer: Scorer = sentence_support) -> list[SentenceSupport]:
    """Each sentence's support by the sources it cites; unknown citations support nothing."""
    texts = {s.id: s.text for s in draft.sources}
    return [
        SentenceSupport(section, sentence, scorer(sentence.text, [texts[c] for c in sentence.citations if c in texts]))
        for section, sentence in draft.sentences()
    ]


def faithfulness(draft: GuideDraft, scorer: Scorer = sentence_support, min_support: float = MIN_SUPPORT) -> float:
    """Share of the guide's sentences that their cited sources support (1.0 for a guide with no sentences)."""
    scored = sentence_scores(draft, scorer)
    if not scored:
        return 1.0
    return sum(s.score >= min_support for s in scored) / len(scored)


def unsupported(
    draft: GuideDraft, scorer: Scorer = sentence_support, min_support: float = MIN_SUPPORT
) -> list[SentenceSupport]:
    """The sentences a reviewer should check: those their cited sources do not support."""
    return [s for s in sentence_scores(draft, scorer) if s.score < min_support]


# ---- the lexical evidence ------------------------------------------------------------


def evidence(sentence: str, cited_texts: list[str]) -> Evidence:
    """Overlap with the cited texts and the contradictions found against the best-matching source spans."""
    words = _tokens(sentence)
    content = [w for w in words if _is_content(w)]
    spans = source_spans(cited_texts)
    ranked = sorted(spans, key=lambda s: _match(content, _tokens(s)), reverse=True)
    flat = _squash(sentence)
    quoted = [s for s in spans if flat and flat in _squash(s)]
    quoted = quoted or [t for t in cited_texts if flat and flat in _squash(t)]
    if quoted:
        overlap = 1.0
        ranked = sorted(quoted, key=len) + [s for s in ranked if s not in quoted]
    else:
        overlap = _overlap(content, [_tokens(t) for t in cited_texts])
    best = ranked[0] if ranked else ""
    vocabulary = {_stem(w) for t in cited_texts for w in _tokens(t)}
    if overlap >= 1.0 and quoted:
        # A verbatim quote can only mislead by leaving out a negation just before it ("don't" + quote).
        return Evidence(1.0, best, tuple(ranked[:CANDIDATES]), _polarity_differs(sentence, [best]), False, False)
    return Evidence(
        overlap=overlap,
        best_span=best,
        candidates=tuple(ranked[:CANDIDATES]),
        contradiction=_polarity_differs(sentence, ranked[:CANDIDATES])
        or _opposite_used(words, vocabulary)
        or _new_number(words, vocabulary),
        swapped=_exchanged(sentence, spans) or _sides_swapped(sentence, ranked[:CANDIDATES]),
        added_claim=_added_claim(sentence, content, vocabulary, cited_texts),
    )


def source_spans(cited_texts: list[str]) -> list[str]:
    """The cited texts' prose sentences and adjacent pairs of them (a guide sentence may fuse two)."""
    spans: list[str] = []
    for text in cited_texts:
        sentences = [s for s in split_sentences(text) if not is_code_block(s)] or [text]
        spans += sentences
        spans += [a + " " + b for a, b in zip(sentences, sentences[1:], strict=False)]
    return list(dict.fromkeys(spans))


def _overlap(content: list[str], texts: list[list[str]]) -> float:
    """Unigram share blended with bigram share of the sentence's content words (stems) in the texts."""
    stems = {_stem(w) for w in content}
    if not stems:
        return 1.0
    pool = {_stem(w) for t in texts for w in t}
    unigram = len(stems & pool) / len(stems)
    pairs = _pairs(content)
    if not pairs:
        return unigram
    source_pairs: set[tuple[str, str]] = set().union(*(_pairs([w for w in t if _is_content(w)]) for t in texts))
    bigram = len(pairs & source_pairs) / len(pairs)
    return UNIGRAM_WEIGHT * unigram + (1 - UNIGRAM_WEIGHT) * bigram


def _match(content: list[str], span: list[str]) -> tuple[float, float]:
    """How well a source span matches the sentence: shared content stems, then fewer extra words."""
    stems, other = {_stem(w) for w in content}, {_stem(w) for w in span if _is_content(w)}
    shared = len(stems & other)
    return shared / (len(stems) or 1), shared / (len(stems | other) or 1)


def _polarity_differs(sentence: str, spans: Sequence[str]) -> bool:
    """A negation the best source spans lack around the same words, or a source negation the sentence drops."""
    if not spans:
        return False
    mine_vocab = {_stem(w) for w in _tokens(sentence)}
    theirs_vocab = {_stem(w) for s in spans for w in _tokens(s)}
    mine = [(n.scope, n.hard) for n in _negated(sentence, theirs_vocab)]
    theirs = [(n.scope, n.hard) for s in spans for n in _negated(s, mine_vocab)]
    best = _negated(spans[0], mine_vocab)
    present = {_stem(w) for w in _tokens(sentence) if _is_content(w)}
    strong = [scope for scope, hard in mine if hard]
    known = set().union(*(scope for scope, _ in theirs)) if theirs else set()
    added = any(not (scope & known) for scope in strong if scope) or (any(not s for s in strong) and not theirs)
    dropped = any(
        n.hard
        and n.head in present
        and len(n.scope & present) >= min(2, len(n.scope))
        and not any(n.scope & s for s, _ in mine)
        for n in best
    )
    return added or dropped


@dataclass(frozen=True)
class _Negation:
    scope: set[str]  # content stems it governs
    hard: bool  # a negation proper ("not"), not a contrast marker ("rather")
    head: str  # the first word it governs ("" when it governs the words before it)


def _negated(text: str, other: set[str]) -> list[_Negation]:
    """Each negation or contrast marker of the text, by clause.

    A marker governs the next three content words of its clause (the first is its head), else the previous
    two (an elliptical "..., B cannot": no head). A prefixed word ("unreliable") negates its stem when the
    other text uses the stem.
    """
    scopes: list[_Negation] = []
    for clause in _CLAUSE.split(text):
        words = _tokens(clause)
        for i, w in enumerate(words):
            stem = _stem(w)
            bare = next((_stem(w[len(p) :]) for p in _PREFIXES if w.startswith(p) and len(w) - len(p) >= 4), None)
            if bare is not None and bare in other and stem not in other:
                scopes.append(_Negation({bare}, True, bare))
            if not (_is_negation(w) or w in _CONTRASTS):
                continue
            after = [_stem(x) for x in words[i + 1 :] if _is_content(x)][:3]
            before = [_stem(x) for x in words[:i] if _is_content(x)][-2:]
            scopes.append(_Negation(set(after or before), _is_negation(w), after[0] if after else ""))
    return scopes


def _opposite_used(words: list[str], vocabulary: set[str]) -> bool:
    """The sentence uses a word the cited texts lack whose opposite they use."""
    return any(
        _stem(w) not in vocabulary and _OPPOSITES.get(w) is not None and _stem(_OPPOSITES[w]) in vocabulary
        for w in words
    )


def _new_number(words: list[str], vocabulary: set[str]) -> bool:
    """A number the cited texts do not have (a changed figure is a different claim)."""
    return any(any(c.isdigit() for c in w) and _stem(w) not in vocabulary for w in words)


def _exchanged(sentence: str, spans: Sequence[str]) -> bool:
    """Two shared content words whose exchange would put them back in the sources' word order.

    "Put Postgres in front of PgBouncer" from "Put PgBouncer in front of Postgres": exchanging the two names
    restores source word pairs around both. A rewording or a moved phrase ("Because Y, X" from "X because Y")
    has no such pair: its words sit next to words the sources do not have, or keep their neighbours.
    """
    source_pairs: set[tuple[str, str]] = set()
    vocabulary: set[str] = set()
    for span in spans:
        stream = _stream(span)
        vocabulary.update(stream)
        source_pairs.update(zip(stream, stream[1:], strict=False))
    stream = _stream(sentence)

    def fits(i: int, word: str) -> int:
        """How many of position i's two neighbours stand next to `word` in the sources."""
        return ((stream[i - 1], word) in source_pairs) + ((word, stream[i + 1]) in source_pairs)

    shared = [i for i in range(1, len(stream) - 1) if stream[i] not in _FUNCTION and stream[i] in vocabulary]
    displaced = [
        i for i in shared if stream[i - 1] in vocabulary and stream[i + 1] in vocabulary and not fits(i, stream[i])
    ]
    for n, a in enumerate(shared):
        for b in shared[n + 1 :]:
            x, y = stream[a], stream[b]
            if x == y:
                continue
            gain_a, gain_b = fits(a, y) - fits(a, x), fits(b, x) - fits(b, y)
            # Either both were out of place and each fits the other's place, or the exchange wins two source pairs.
            if a in displaced and b in displaced and fits(a, y) and fits(b, x):
                return True
            if b - a >= 2 and gain_a >= 1 and gain_b >= 1 and gain_a + gain_b >= 2:
                return True
    return False


def _sides_swapped(sentence: str, spans: Sequence[str]) -> bool:
    """Words moved across a contrast: "A rather than B" from "B rather than A"; "A does x while B does y"
    from "A does y; B does x". Whole sides exchanged across a two-way marker ("B, while A") are fine.
    """
    for marker, mixed_needed in ((_ONE_WAY, False), (_TWO_WAY, True)):
        mine = _sides(sentence, marker)
        if mine is None:
            continue
        for span in spans:
            theirs = _sides(span, marker) or (_sides(span, _TWO_WAY) if marker is _ONE_WAY else None)
            if theirs is None:
                continue
            left, right = theirs[0] - theirs[1], theirs[1] - theirs[0]
            crossed = mine[0] & right and mine[1] & left
            mixed = mine[0] & left and mine[1] & right
            if crossed and (mixed or not mixed_needed):
                return True
    return False


def _sides(text: str, marker: re.Pattern[str]) -> tuple[set[str], set[str]] | None:
    """Content stems before and after the first marker (None without one)."""
    m = marker.search(text)
    if m is None:
        return None
    before, after = (
        {_stem(w) for w in _tokens(part) if _is_content(w)} for part in (text[: m.start()], text[m.end() :])
    )
    return (before, after) if before and after else None


def _added_claim(sentence: str, content: list[str], vocabulary: set[str], cited_texts: Sequence[str] = ()) -> bool:
    """A run of content words the sources lack, a clause mostly made of them, or an unsupported tail."""
    if _appended_tail(sentence, cited_texts, vocabulary):
        return True
    longest = run = 0
    for w in content:
        run = 0 if _stem(w) in vocabulary else run + 1
        longest = max(longest, run)
    if longest >= ADDED_RUN:
        return True
    for clause in _CLAUSE.split(sentence):
        stems = {_stem(w) for w in _tokens(clause) if _is_content(w)}
        if len(stems) >= 4 and len(stems & vocabulary) / len(stems) < CLAUSE_SUPPORT:
            return True
    return False


def _appended_tail(sentence: str, cited_texts: Sequence[str], vocabulary: set[str]) -> bool:
    """A verbatim run of a source (3+ words) followed by words none of which is in the sources' vocabulary."""
    words = _tokens(sentence)
    sources = [" " + " ".join(_tokens(t)) + " " for t in cited_texts]
    quoted = 0
    for end in range(len(words), 2, -1):
        run = " " + " ".join(words[:end]) + " "
        if any(run in s for s in sources):
            quoted = end
            break
    tail = [w for w in words[quoted:] if _is_content(w)]
    return quoted >= 3 and bool(tail) and not any(_stem(w) in vocabulary for w in tail)


def _stream(text: str) -> list[str]:
    """Stems in reading order, articles dropped, with sentence-boundary markers."""
    return ["<s>", *(_stem(w) for w in _tokens(text) if w not in _ARTICLES), "</s>"]


def _tokens(text: str) -> list[str]:
    plain = text.lower().replace("’", "'")
    return [t.rstrip(".'-") for t in _TOKEN.findall(plain) if t.rstrip(".'-")]


def _is_negation(word: str) -> bool:
    return word in _NEGATIONS or word.endswith("n't")


def _is_content(word: str) -> bool:
    return word not in _FUNCTION and not _is_negation(word) and (len(word) > 1 or word.isdigit())


def _stem(word: str) -> str:
    """A crude stem, so that 'connections' matches 'connection' and 'exponentially' matches 'exponential'."""
    word = word.removesuffix("'s")
    if word.endswith("ies") and len(word) > 5:
        return word[:-3] + "y"
    for suffix in ("ing", "ly", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    # "scale" must meet "scales", "scaled" and "scaling", which lose their ending above.
    return word[:-1] if word.endswith("e") and len(word) >= 4 else word


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    stems = [_stem(w) for w in words]
    return set(zip(stems, stems[1:], strict=False))


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def _dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))
