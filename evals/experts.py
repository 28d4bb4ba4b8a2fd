"""`tacit eval experts`: does "who knows X?" name the people who go on to give the good answers on X?

Built from Stack Exchange threads (those with tags; chat threads have no votes to judge by). Held out by time: the
earlier share of threads is the evidence Tacit ranks people on; the later threads are the truth. A topic is a tag
used on later threads; its experts are the authors of the accepted or well-voted (score >= GOOD_SCORE) later answers
on it, among people who left any evidence earlier (nobody can be found from nothing). The query is the tag's words.
Baselines, in the same run: everyone ranked by how many earlier answers they wrote (topic-blind), and by how many
earlier answers they wrote on threads carrying exactly that tag.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from evals.files import read_jsonl
from evals.metrics import mrr_at_k, ndcg_at_k, recall_at_k
from evals.report import Report
from retrieval.ports import Embedder
from tandem.evidence import Evidence, Kind
from tandem.experts import rank_experts
from tandem.relatedness import Relatedness
from tandem.skills import readable

GOOD_SCORE = 2  # a later answer with at least this many votes (or accepted) makes its author a true expert
EVIDENCE_SHARE = 0.7  # the earliest 70% of threads are evidence
MIN_TOPIC_THREADS = 2  # a tag on fewer later threads is too thin to judge
K = 5
DEPTH = 100  # how deep rankings go for MRR


@dataclass(frozen=True)
class Answer:
    author: str
    at: datetime
    score: int
    accepted: bool


@dataclass(frozen=True)
class QAThread:
    id: str
    title: str
    tags: tuple[str, ...]
    at: datetime
    answers: tuple[Answer, ...]

    @property
    def topic(self) -> str:
        return " ".join([self.title, *map(readable, self.tags)])


def load(path: Path) -> list[QAThread]:
    """Tagged threads with at least one answer, oldest first."""
    out = [t for t in _read(path) if t.tags and t.answers]
    return sorted(out, key=lambda t: (t.at, t.id))


def _read(path: Path) -> Iterator[QAThread]:
    for _, raw in read_jsonl(path):
        messages = raw.get("messages") or []
        if not messages:
            continue
        answers = tuple(
            Answer(
                str(m.get("author") or "?"),
                _time(m.get("created_at")),
                int(m.get("score") or 0),
                bool(m.get("accepted")),
            )
            for m in messages
            if m.get("kind") == "answer"
        )
        yield QAThread(
            str(raw.get("thread_id")),
            str(raw.get("title") or ""),
            tuple(raw.get("tags") or ()),
            _time(messages[0].get("created_at")),
            answers,
        )


def _time(value: object) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime(2000, 1, 1, tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def evidence_of(threads: Sequence[QAThread]) -> list[Evidence]:
    """Every earlier answer as Tacit sees it: accepted, or scored by readers, about the thread's title and tags."""
    return [
        Evidence(a.author, Kind.ACCEPTED_ANSWER if a.accepted else Kind.ANSWER, t.topic, a.at, "eval", t.id, a.score)
        for t in threads
        for a in t.answers
    ]


def truth_of(threads: Sequence[QAThread], known: set[str]) -> dict[str, set[str]]:
    """Tag -> authors of good later answers on it (among people with earlier evidence)."""
    experts: dict[str, set[str]] = defaultdict(set)
    uses: Counter[str] = Counter()
    for t in threads:
        uses.update(t.tags)
        good = {a.author for a in t.answers if (a.accepted or a.score >= GOOD_SCORE) and a.author in known}
        for tag in t.tags:
            experts[tag] |= good
    return {tag: people for tag, people in experts.items() if people and uses[tag] >= MIN_TOPIC_THREADS}


def run(threads: Path, embedder: Embedder | None = None, evidence_share: float = EVIDENCE_SHARE) -> Report:
    """Precision@5, MRR, recall@10 and nDCG@10 of Tacit's expert ranking next to the answer-count baselines."""
    data = load(threads)
    cut = int(len(data) * evidence_share)
    earlier, later = data[:cut], data[cut:]
    evidence = evidence_of(earlier)
    truth = truth_of(later, {e.person_id for e in evidence})
    now = later[0].at if later else datetime.now(UTC)
    relatedness = Relatedness(embedder)
    rankings = {
        "tacit": {
            tag: [s.person_id for s in rank_experts(readable(tag), evidence, relatedness, now, limit=DEPTH)]
            for tag in truth
        },
        "tacit_topic_only": {
            tag: [
                s.person_id
                for s in rank_experts(readable(tag), evidence, relatedness, now, limit=DEPTH, standing_weight=0.0)
            ]
            for tag in truth
        },
        "answer_count": {tag: _by_count(earlier, None) for tag in truth},
        "answer_count_on_tag": {tag: _by_count(earlier, tag) for tag in truth},
    }
    # Beyond the usual suspects: with the 5 most active earlier answerers taken out of every ranking and of the
    # truth, does a method still find the people who know this topic?
    usual = set(_by_count(earlier, None)[:K])
    rest = {tag: people - usual for tag, people in truth.items() if people - usual}
    figures = {
        name: {**_figures(ranked, truth), **_suffixed(_figures(_without(ranked, usual), rest), "_beyond_top5")}
        for name, ranked in rankings.items()
    }
    notes = [
        f"{len(data)} tagged threads with answers: {len(earlier)} earlier (evidence, up to {now:%Y-%m-%d}), "
        f"{len(later)} later (truth); {len(truth)} topics (tags on >= {MIN_TOPIC_THREADS} later threads), "
        f"{sum(len(p) for p in truth.values()) / max(len(truth), 1):.1f} true experts per topic",
        f"relatedness: {'embedder ' + type(embedder).__name__ + ' and shared words' if embedder else 'shared words'}",
        f"the 5 most active earlier answerers are true experts on {_share_of_top(earlier, truth):.0%} of topics: "
        "a small site where a few people answer most questions, which favours the topic-blind baseline; "
        f"*_beyond_top5: those 5 removed from rankings and truth ({len(rest)} topics keep a true expert)",
    ]
    return Report("experts", figures.pop("tacit"), figures, notes, {"topics": sorted(truth)})


def _without(ranked: dict[str, list[str]], people: set[str]) -> dict[str, list[str]]:
    return {tag: [p for p in order if p not in people] for tag, order in ranked.items()}


def _suffixed(figures: dict[str, float], suffix: str) -> dict[str, float]:
    return {k + suffix: v for k, v in figures.items() if k in ("precision_at_5", "mrr")}


def _share_of_top(threads: Sequence[QAThread], truth: dict[str, set[str]]) -> float:
    top = set(_by_count(threads, None)[:K])
    return sum(bool(top & people) for people in truth.values()) / max(len(truth), 1)


def _by_count(threads: Sequence[QAThread], tag: str | None) -> list[str]:
    counts = Counter(a.author for t in threads if tag is None or tag in t.tags for a in t.answers)
    return [p for p, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))][:DEPTH]


def _figures(ranked: dict[str, list[str]], truth: dict[str, set[str]]) -> dict[str, float]:
    if not truth:
        return {}
    rows = []
    for tag, people in truth.items():  # only topics in `truth`
        relevance = {p: 1.0 for p in people}
        order = ranked[tag]
        rows.append(
            (
                sum(p in people for p in order[:K]) / K,
                mrr_at_k(order, relevance, DEPTH),
                recall_at_k(order, relevance, 10),
                ndcg_at_k(order, relevance, 10),
            )
        )
    n = len(rows)
    return {
        name: sum(r[i] for r in rows) / n
        for i, name in enumerate(("precision_at_5", "mrr", "recall_at_10", "ndcg_at_10"))
    }
