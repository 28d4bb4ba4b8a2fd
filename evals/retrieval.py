"""Search quality on BEIR-format data (nDCG@10, recall@10, MRR@10), and a development set built from threads.

`run()` indexes the corpus through Tacit's own retrieval path: each document becomes a one-section guide in one
community, cut into windows that fit the model (`retrieval.chunking`), embedded and stored by `GuideSearch.reindex`
in a qdrant-edge index in a temporary folder.
It then ranks every query three ways in the same run:
- `tacit`: Tacit's search as shipped, hybrid (dense MiniLM + BM25-weighted sparse terms, fused by weighted
  distribution-based score fusion, sparse leg at half weight, both legs filtered by community inside the engine);
- `dense_only`: the same index and embedder, dense leg alone;
- `minilm_plain`: the plain dense baseline: each whole document (title, a line break, text) embedded once by the
  same model, with no chunking (the model reads its first 256 word pieces), queries as given, exact cosine;
- `bm25`: Okapi BM25 implemented here (Lucene's IDF, k1 = 1.2, b = 0.75, the corpus's real average length),
  over the same analyzer as Tacit's sparse leg (lower case, English stopwords, light stemming), in memory.
Timings (index build, mean and p95 query time per method, query embedding included) are in the notes.

`build_dev_set()` turns threads.jsonl into a BEIR set, deterministically:
- Stack Exchange: query = the question's title; relevant = the accepted answer (grade 2; else the best-scored),
  the thread's other answers with score >= 0 (grade 1). Answers are indexed as text only, never with the question,
  so the title is not in the document; a query whose title appears verbatim in a relevant answer is dropped.
- IRC (#ubuntu): query = the opening message of a conversation, when it reads as a request for help (a question
  mark, a question word first, or a trouble word), has 6+ words and 3+ that are neither stopwords nor chat filler
  ("hi", "help", "anyone"...); relevant = the other speakers' messages of
  that conversation, joined, addressing prefixes ("nick:") removed (grade 2). At most 300 such queries, chosen by a
  hash of the thread id; every conversation with 12+ words of replies is in the corpus as a distractor.
Every answer and every reply document is in the corpus, so most documents are distractors. Query ids carry their
source ("se:", "irc:"), and `run()` reports nDCG@10 per source in the notes.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from evals.files import DataError, read_jsonl
from evals.metrics import mrr_at_k, ndcg_at_k, recall_at_k
from evals.report import Report
from retrieval.chunking import DEFAULT_WINDOWING, Windowing
from retrieval.edge_index import EdgeIndex
from retrieval.fusion import DENSE_WEIGHT, SPARSE_WEIGHT
from retrieval.ports import Embedder, EmbedKind
from retrieval.search import GuideRecord, GuideSearch
from retrieval.sparse import tokens
from synthesizer.model import CitedSentence, GuideDraft, Section

K = 10
_PLAIN_BATCH = 256
COMMUNITY = "eval"
Progress = Callable[[str, int, int | None], None]  # (phase, done, total or None when unknown)
_NO_TITLE = "-"  # GuideDraft needs a title; this one has no words and next to no meaning
_IRC_QUERIES = 300
_IRC_MIN_QUERY_WORDS = 6
_IRC_MIN_DOC_WORDS = 12
_QUESTION_START = re.compile(
    r"^(how|what|why|where|when|which|who|is|are|can|could|does|do|did|should|would|will|has|have|anyone|any)\b",
    re.IGNORECASE,
)
_TROUBLE = re.compile(
    r"\b(problem|error|fail\w*|can't|cannot|won't|doesn't|isn't|broke\w*|help|trying|stuck|crash\w*)\b", re.IGNORECASE
)
_ADDRESS = re.compile(r"^\s*([^\s:,]+)\s*[:,]\s*")
# Chat filler: an opener made of these ("hi, anyone here? I need help please") says nothing to search for.
_FILLER = frozenset(
    [
        "hi",
        "hello",
        "hey",
        "hiya",
        "yo",
        "help",
        "please",
        "pls",
        "plz",
        "anyone",
        "anybody",
        "someone",
        "somebody",
        "thank",
        "thanks",
        "question",
        "need",
        "new",
        "guy",
        "guys",
        "all",
        "here",
        "know",
        "ok",
        "okay",
        "sorry",
    ]
)
_IRC_MIN_CONTENT_WORDS = 3


# ---------------------------------------------------------------------------------------------- BEIR files


def load_corpus(path: Path) -> dict[str, tuple[str, str]]:
    """Documents by id: (title, text). The id may be written `_id` (BEIR), `id` or `doc_id`."""
    corpus: dict[str, tuple[str, str]] = {}
    for number, row in read_jsonl(path):
        doc_id = _id_of(row, ("_id", "id", "doc_id", "docid", "corpus-id"), path, number)
        corpus[doc_id] = (str(row.get("title") or ""), str(row.get("text") or row.get("contents") or ""))
    return corpus


def load_queries(path: Path) -> dict[str, str]:
    """Query texts by id (`_id`, `id` or `query_id`); queries with no text are left out."""
    queries = {}
    for number, row in read_jsonl(path):
        query_id = _id_of(row, ("_id", "id", "query_id", "qid", "query-id"), path, number)
        text = str(row.get("text") or row.get("query") or "").strip()
        if text:
            queries[query_id] = text
    return queries


def _id_of(row: dict[str, Any], keys: tuple[str, ...], path: Path, number: int) -> str:
    for key in keys:
        if row.get(key) is not None and str(row[key]).strip():
            return str(row[key]).strip()
    raise DataError(f"{path}:{number}: no id (expected one of {', '.join(keys)})")


def load_qrels(path: Path) -> dict[str, dict[str, float]]:
    """Relevance grades by query id, then document id; grades of 0 or less are dropped.

    Reads BEIR's `query-id corpus-id score` (tab- or space-separated; a header row names the columns, extra columns
    are ignored) and, without a header, TREC's `query-id iteration corpus-id score`.
    """
    qrels: dict[str, dict[str, float]] = defaultdict(dict)
    try:
        lines = path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not UTF-8 text (byte {e.start}); save the file as UTF-8") from None
    columns: tuple[int, int, int] | None = None  # positions of query id, document id, score
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = [f.strip() for f in (line.split("\t") if "\t" in line else line.split()) if f.strip()]
        if columns is None:
            columns = _header_columns(fields)
            if columns is not None:
                continue  # the header row
            columns = _layout(fields, path, number)
        if len(fields) <= max(columns):
            raise DataError(f"{path}:{number}: {len(fields)} fields, fewer than the first row's")
        query_id, doc_id, grade = (fields[i] for i in columns)
        try:
            value = float(grade)
        except ValueError:
            raise DataError(f"{path}:{number}: the score {grade!r} is not a number") from None
        if value > 0:
            qrels[query_id][doc_id] = value
    return dict(qrels)


_QUERY_NAMES = ("query", "qid", "topic")
_DOC_NAMES = ("corpus", "doc", "pid", "passage")
_SCORE_NAMES = ("score", "rel", "label", "grade", "judg")


def _header_columns(fields: Sequence[str]) -> tuple[int, int, int] | None:
    """Where a header row puts the query id, the document id and the score; None when the row is data.

    A header names its columns (query-id corpus-id score, qid docid relevance...) and holds no number.
    """
    names = [f.lower() for f in fields]
    if any(_is_number(f) for f in fields):
        return None

    def find(words: tuple[str, ...]) -> int | None:
        return next((i for i, n in enumerate(names) if any(w in n for w in words)), None)

    query, doc, score = find(_QUERY_NAMES), find(_DOC_NAMES), find(_SCORE_NAMES)
    return (query, doc, score) if query is not None and doc is not None and score is not None else None


def _layout(fields: Sequence[str], path: Path, number: int) -> tuple[int, int, int]:
    """Columns of a qrels file without a header: BEIR's three, or TREC's four (the second is 0 or Q0)."""
    if len(fields) == 3:
        return 0, 1, 2
    if len(fields) == 4 and fields[1].upper() in ("0", "Q0"):
        return 0, 2, 3
    raise DataError(
        f"{path}:{number}: expected 'query-id corpus-id score' or TREC's 'query-id 0 corpus-id score' "
        f"(got {len(fields)} fields); add a header row naming the columns"
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------------- BM25 baseline


class OkapiBM25:
    """Okapi BM25 over an inverted index (Lucene's IDF: ln(1 + (N - n + 0.5) / (n + 0.5)))."""

    def __init__(self, documents: dict[str, str], k1: float = 1.2, b: float = 0.75) -> None:
        self._ids = list(documents)
        self._k1, self._b = k1, b
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._lengths: list[int] = []
        for position, doc_id in enumerate(self._ids):
            counts = Counter(tokens(documents[doc_id]))
            self._lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                self._postings[term].append((position, tf))
        self._avg_len = (sum(self._lengths) / len(self._lengths)) if self._lengths else 1.0

    def search(self, query: str, limit: int) -> list[str]:
        """Document ids by BM25 score, best first (ties by corpus order)."""
        n = len(self._ids)
        scores: dict[int, float] = defaultdict(float)
        for term in dict.fromkeys(tokens(query)):
            postings = self._postings.get(term, [])
            if not postings:
                continue
            idf = math.log(1.0 + (n - len(postings) + 0.5) / (len(postings) + 0.5))
            for position, tf in postings:
                norm = self._k1 * (1.0 - self._b + self._b * self._lengths[position] / self._avg_len)
                scores[position] += idf * tf * (self._k1 + 1.0) / (tf + norm)
        best = sorted(scores, key=lambda p: (-scores[p], p))[:limit]
        return [self._ids[p] for p in best]


# ---------------------------------------------------------------------------------------------- run


class _TimedEmbedder:
    """Adds up the time spent embedding documents (index build) apart from the rest."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.dimension = inner.dimension
        self.document_seconds = 0.0

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> list[list[float]]:
        start = time.perf_counter()
        vectors = self.inner.embed(texts, kind)
        if kind == "document":
            self.document_seconds += time.perf_counter() - start
        return vectors


def _guides(corpus: dict[str, tuple[str, str]]) -> Iterator[GuideRecord]:
    for doc_id, (title, text) in corpus.items():
        body = text.strip() or title.strip()  # a document that is only a title (a tag, a name) is still searchable
        if body:
            sentence = CitedSentence(text=body, citations=[doc_id])
            draft = GuideDraft(title=title.strip()[:300] or _NO_TITLE, sections={Section.SUMMARY: [sentence]})
            yield doc_id, COMMUNITY, 1, draft


def _rank_all(
    queries: dict[str, str], rank: Callable[[str], list[str]], progress: Callable[[int], None] | None = None
) -> tuple[dict[str, list[str]], list[float]]:
    rankings: dict[str, list[str]] = {}
    millis: list[float] = []
    for query_id, text in queries.items():
        start = time.perf_counter()
        rankings[query_id] = rank(text)
        millis.append((time.perf_counter() - start) * 1000)
        if progress is not None:
            progress(len(rankings))
    return rankings, millis


def score(rankings: dict[str, list[str]], qrels: dict[str, dict[str, float]]) -> dict[str, float]:
    """Mean nDCG@10, recall@10 and MRR@10 over the queries that have relevance judgements."""
    judged = [q for q in rankings if qrels.get(q)]
    if not judged:
        return {f"ndcg@{K}": 0.0, f"recall@{K}": 0.0, f"mrr@{K}": 0.0}
    return {
        f"ndcg@{K}": statistics.fmean(ndcg_at_k(rankings[q], qrels[q], K) for q in judged),
        f"recall@{K}": statistics.fmean(recall_at_k(rankings[q], qrels[q], K) for q in judged),
        f"mrr@{K}": statistics.fmean(mrr_at_k(rankings[q], qrels[q], K) for q in judged),
    }


def run(
    corpus: Path,
    queries: Path,
    qrels: Path,
    embedder: Embedder,
    progress: Progress | None = None,
    windowing: Windowing = DEFAULT_WINDOWING,
) -> Report:
    """Tacit's hybrid search next to BM25, dense-only and a plain MiniLM baseline, on a BEIR-format set.

    `progress(phase, done, total)` hears how far indexing (chunks; total unknown) and each method's queries got.
    `windowing` is how Tacit cuts documents into chunks (the served model's, `retrieval.wordpieces.model_windowing`).
    """
    report = progress or (lambda phase, done, total: None)
    documents = load_corpus(corpus)
    judgements = load_qrels(qrels)
    asked = {q: t for q, t in load_queries(queries).items() if judgements.get(q)}
    _check_ids(documents, judgements, asked, corpus, queries, qrels)
    timed = _TimedEmbedder(embedder)

    with tempfile.TemporaryDirectory(prefix="tacit-eval-retrieval-") as folder:
        index = EdgeIndex(Path(folder) / "vectors", embedder.dimension)
        tacit = GuideSearch(timed, index, windowing=windowing)
        dense = GuideSearch(timed, index, mode="dense", windowing=windowing)  # same index, dense leg alone
        start = time.perf_counter()
        indexed = tacit.reindex(_guides(documents), progress=lambda n: report("indexing chunks", n, None))
        build_s = time.perf_counter() - start
        tacit_rank, tacit_ms = _rank_all(
            asked,
            lambda q: [h.guide_id for h in tacit.search(q, [COMMUNITY], K)],
            lambda n: report("tacit queries", n, len(asked)),
        )
        dense_rank, dense_ms = _rank_all(
            asked,
            lambda q: [h.guide_id for h in dense.search(q, [COMMUNITY], K)],
            lambda n: report("dense-only queries", n, len(asked)),
        )
        index.close()

    start = time.perf_counter()
    bm25 = OkapiBM25({d: f"{title}\n{text}" for d, (title, text) in documents.items()})
    bm25_build_s = time.perf_counter() - start
    bm25_rank, bm25_ms = _rank_all(asked, lambda q: bm25.search(q, K), lambda n: report("bm25 queries", n, len(asked)))

    plain_rank, plain_ms = _plain_dense(documents, asked, embedder, report)

    methods = {"tacit": tacit_rank, "bm25": bm25_rank, "dense_only": dense_rank, "minilm_plain": plain_rank}
    millis = {"tacit": tacit_ms, "bm25": bm25_ms, "dense_only": dense_ms, "minilm_plain": plain_ms}
    figures = {name: score(r, judgements) for name, r in methods.items()}
    notes = [
        f"{len(documents):,} documents ({indexed:,} chunks indexed), {len(asked):,} queries with judgements "
        f"(of {len(judgements):,} in qrels), {sum(len(v) for v in judgements.values()):,} relevant pairs",
        f"index build: {build_s:.1f} s (embedding {timed.document_seconds:.1f} s, qdrant-edge "
        f"{build_s - timed.document_seconds:.1f} s); BM25 build {bm25_build_s:.2f} s",
        "query time, mean / p95 ms (query embedding included): "
        + ", ".join(f"{name} {statistics.fmean(ms):.1f} / {_p95(ms):.1f}" for name, ms in millis.items() if ms),
        f"tacit = hybrid (dense MiniLM + BM25 terms, weighted DBSF {DENSE_WEIGHT:g}:{SPARSE_WEIGHT:g}, community "
        "filter on both legs inside qdrant-edge); "
        "bm25 = Okapi BM25 written in evals/retrieval.py (k1 1.2, b 0.75, same analyzer); dense_only = same index, "
        "dense leg alone; minilm_plain = each whole document (title + text) embedded once, no chunking, exact cosine",
        f"tacit's chunks: windows of at most {windowing.size} word pieces (title included), {windowing.overlap} "
        "overlapping; a later window's vector is the mean with its section's first; a document scored by its best chunk",
    ]
    notes.extend(_by_source(methods, judgements))
    extra = {"query_ms": {name: ms for name, ms in millis.items()}, "build_s": build_s}
    return Report(
        name="retrieval",
        tacit=figures["tacit"],
        baselines={name: figures[name] for name in ("bm25", "dense_only", "minilm_plain")},
        notes=notes,
        extra=extra,
    )


def plain_text(title: str, text: str) -> str:
    """What the plain baseline embeds of a document: its title, a line break and its text (or whichever it has)."""
    return "\n".join(part for part in (title.strip(), text.strip()) if part)


def _plain_dense(
    documents: dict[str, tuple[str, str]], asked: dict[str, str], embedder: Embedder, report: Progress
) -> tuple[dict[str, list[str]], list[float]]:
    """The plain MiniLM baseline: one vector per whole document, exact cosine (vectors are unit length)."""
    import numpy as np

    ids = [d for d, (title, text) in documents.items() if plain_text(title, text)]
    matrix = np.empty((len(ids), embedder.dimension), dtype=np.float32)
    for start in range(0, len(ids), _PLAIN_BATCH):
        part = ids[start : start + _PLAIN_BATCH]
        matrix[start : start + len(part)] = embedder.embed([plain_text(*documents[d]) for d in part], "document")
        report("plain baseline documents", start + len(part), len(ids))

    def rank(query: str) -> list[str]:
        [vector] = embedder.embed([query], "query")
        scores = matrix @ np.asarray(vector, dtype=np.float32)
        best = np.argsort(-scores, kind="stable")[:K]
        return [ids[i] for i in best]

    return _rank_all(asked, rank, lambda n: report("plain baseline queries", n, len(asked)))


def _check_ids(
    documents: dict[str, tuple[str, str]],
    judgements: dict[str, dict[str, float]],
    asked: dict[str, str],
    corpus: Path,
    queries: Path,
    qrels: Path,
) -> None:
    """Refuses a set whose ids do not meet, rather than reporting zeros as if they were results."""
    if not documents:
        raise DataError(f"{corpus}: no document")
    if not asked:
        raise DataError(
            f"no query of {queries} has a relevant document in {qrels}: do the query ids match "
            "(and is some score above 0)?"
        )
    judged = {d for q in asked for d in judgements[q]}
    if not judged & documents.keys():
        raise DataError(f"no document judged relevant in {qrels} is in {corpus}: do the document ids match?")


def _p95(values: Sequence[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _by_source(methods: dict[str, dict[str, list[str]]], qrels: dict[str, dict[str, float]]) -> list[str]:
    """nDCG@10 per query-id prefix ("se:", "irc:"), when the set mixes sources."""
    sources = sorted({q.split(":", 1)[0] for q in methods["tacit"] if ":" in q})
    if len(sources) < 2:
        return []
    lines = []
    for source in sources:
        parts = []
        for name, rankings in methods.items():
            subset = {q: r for q, r in rankings.items() if q.startswith(source + ":")}
            parts.append(f"{name} {score(subset, qrels)[f'ndcg@{K}']:.3f}")
        lines.append(
            f"nDCG@10 on {source} ({sum(q.startswith(source + ':') for q in methods['tacit'])} queries): "
            + ", ".join(parts)
        )
    return lines


# ---------------------------------------------------------------------------------------------- dev set


def build_dev_set(threads: Path, out: Path) -> tuple[Path, Path, Path]:
    """Write corpus.jsonl, queries.jsonl and qrels.tsv built from threads.jsonl (see the module docstring)."""
    corpus: dict[str, dict[str, str]] = {}
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    irc_candidates: list[tuple[str, str, str]] = []  # (hash, query id, text), chosen after the pass
    for _, thread in read_jsonl(threads):
        source = str(thread.get("source", ""))
        if source.startswith("stackexchange"):
            _stack_exchange(thread, corpus, queries, qrels)
        elif source.startswith("irc"):
            candidate = _irc(thread, corpus)
            if candidate is not None:
                irc_candidates.append(candidate)
    seen: set[str] = set()
    for _, query_id, text in sorted(irc_candidates):
        if len(seen) >= _IRC_QUERIES:
            break
        key = " ".join(text.lower().split())
        if key in seen:
            continue
        seen.add(key)
        queries[query_id] = text
        qrels[query_id] = {"irc:" + query_id.split(":", 1)[1]: 2}

    out.mkdir(parents=True, exist_ok=True)
    corpus_path, queries_path, qrels_path = out / "corpus.jsonl", out / "queries.jsonl", out / "qrels.tsv"
    with corpus_path.open("w", encoding="utf-8") as f:
        for doc_id in sorted(corpus):
            f.write(json.dumps({"_id": doc_id, **corpus[doc_id]}, ensure_ascii=False) + "\n")
    with queries_path.open("w", encoding="utf-8") as f:
        for query_id in sorted(queries):
            f.write(json.dumps({"_id": query_id, "text": queries[query_id]}, ensure_ascii=False) + "\n")
    with qrels_path.open("w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for query_id in sorted(qrels):
            for doc_id, grade in sorted(qrels[query_id].items()):
                f.write(f"{query_id}\t{doc_id}\t{grade}\n")
    return corpus_path, queries_path, qrels_path


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _stack_exchange(
    thread: dict[str, Any], corpus: dict[str, dict[str, str]], queries: dict[str, str], qrels: dict[str, dict[str, int]]
) -> None:
    answers = [m for m in thread.get("messages", []) if m.get("kind") == "answer" and str(m.get("text", "")).strip()]
    for answer in answers:
        corpus["se:" + answer["message_id"]] = {"title": "", "text": answer["text"].strip()}
    title = str(thread.get("title", "")).strip()
    if not answers or not title:
        return
    # the accepted answer, else the best-scored (the earliest on a tie: messages come in time order)
    best = next((a for a in answers if a.get("accepted")), None) or max(answers, key=lambda a: a.get("score") or 0)
    grades = {"se:" + a["message_id"]: 1 for a in answers if (a.get("score") or 0) >= 0}
    grades["se:" + best["message_id"]] = 2
    if any(_normal(title) in _normal(corpus[d]["text"]) for d in grades):
        return  # the answer quotes the title: a string match, not a search
    query_id = "se:" + thread["thread_id"]
    queries[query_id] = title
    qrels[query_id] = grades


def _irc(thread: dict[str, Any], corpus: dict[str, dict[str, str]]) -> tuple[str, str, str] | None:
    messages = [m for m in thread.get("messages", []) if str(m.get("text", "")).strip()]
    if len(messages) < 2:
        return None
    opener = messages[0]
    speakers = {str(m.get("author", "")) for m in messages}
    replies = []
    for m in messages[1:]:
        if m.get("author") == opener.get("author"):
            continue
        text = str(m["text"]).strip()
        address = _ADDRESS.match(text)
        if address and address.group(1) in speakers:
            text = text[address.end() :]
        if text:
            replies.append(text)
    reply_text = "\n".join(replies)
    if len(reply_text.split()) < _IRC_MIN_DOC_WORDS:
        return None
    thread_id = str(thread["thread_id"])
    corpus["irc:" + thread_id] = {"title": "", "text": reply_text}
    question = str(opener["text"]).strip()
    address = _ADDRESS.match(question)
    if address and address.group(1) in speakers:
        question = question[address.end() :]
    asks = "?" in question or _QUESTION_START.search(question) or _TROUBLE.search(question)
    content = [t for t in tokens(question) if t not in _FILLER]
    if len(question.split()) < _IRC_MIN_QUERY_WORDS or len(content) < _IRC_MIN_CONTENT_WORDS or not asks:
        return None
    if _normal(question) in _normal(reply_text):
        return None
    digest = hashlib.sha1(thread_id.encode()).hexdigest()
    return digest, "irc:" + thread_id, question
