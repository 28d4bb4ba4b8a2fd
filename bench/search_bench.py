"""Search latency and embedding throughput at scale: the real MiniLM embedder over the embedded index.

    python -m bench.search_bench --threads 1          # 10,000 chunks, 200 queries, qdrant-edge, hybrid
    python -m bench.search_bench --mode dense         # dense-only, for the price of the words leg
    python -m bench.search_bench --index local --chunks 2000 --memory   # qdrant-client local mode
    python bench/search_bench.py --chunks 50000 --no-data
    python -m bench.search_bench --path data/bench-vectors --reuse   # time queries again without re-embedding

Builds synthetic guides (templates, plus sentences from /work/shared/data/threads.jsonl when present),
indexes them through GuideSearch.reindex, then times GuideSearch.search with a community filter: latency
includes embedding the query. Prints p50/p95/p99 in ms, split into embedding and index time, and embedding
throughput.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from evals.files import read_jsonl  # noqa: E402
from retrieval.edge_index import EdgeIndex  # noqa: E402
from retrieval.embedder import SentenceTransformerEmbedder  # noqa: E402
from retrieval.ports import Chunk, ChunkHit, EmbedKind, Progress, SparseVector, VectorIndex  # noqa: E402
from retrieval.qdrant_index import QdrantIndex, open_embedded  # noqa: E402
from retrieval.search import GuideRecord, GuideSearch  # noqa: E402
from synthesizer.model import CitedSentence, GuideDraft, Section  # noqa: E402

THREADS = Path("/work/shared/data/threads.jsonl")
TARGET_P95_MS = 50.0

TOOLS = (
    "PostgreSQL",
    "MySQL",
    "SQLite",
    "Redis",
    "Kafka",
    "RabbitMQ",
    "nginx",
    "Apache",
    "Docker",
    "Kubernetes",
    "Helm",
    "Terraform",
    "Ansible",
    "systemd",
    "GRUB",
    "the Linux kernel",
    "ZFS",
    "LVM",
    "Btrfs",
    "OpenSSH",
    "WireGuard",
    "iptables",
    "nftables",
    "Prometheus",
    "Grafana",
    "Elasticsearch",
    "Git",
    "GitHub Actions",
    "Jenkins",
    "pip",
    "Poetry",
    "conda",
    "CUDA",
    "PyTorch",
    "NumPy",
    "pandas",
    "Spark",
    "Airflow",
    "Celery",
    "gunicorn",
    "uWSGI",
    "Let's Encrypt",
    "HAProxy",
    "Vault",
    "etcd",
    "CoreDNS",
    "NetworkManager",
    "PulseAudio",
    "Xorg",
    "Wayland",
    "cron",
    "rsync",
    "Samba",
    "NFS",
    "Qiskit",
    "Cirq",
    "the JVM",
    "Node.js",
    "Go modules",
)
PROBLEMS = (
    "runs out of memory",
    "is slow under load",
    "fails to start after an upgrade",
    "drops connections",
    "fills the disk",
    "times out on large requests",
    "loses data after a crash",
    "uses too much CPU",
    "cannot resolve hostnames",
    "rejects the TLS certificate",
    "hangs on boot",
    "leaks file descriptors",
    "returns stale results",
    "deadlocks under concurrent writes",
    "logs permission denied errors",
    "breaks after a kernel update",
    "cannot find its configuration",
    "replicates with growing lag",
)
GOALS = (
    "cut latency",
    "recover quickly",
    "keep backups consistent",
    "upgrade without downtime",
    "scale to more users",
    "secure the setup",
    "debug intermittent failures",
    "reduce cost",
    "keep builds reproducible",
    "monitor the right signals",
)
ACTIONS = (
    "raise the limit in the configuration file",
    "pin the version in the lock file",
    "enable verbose logging",
    "add an index on the filtered column",
    "move the data directory to a larger volume",
    "restart the service",
    "rotate the credentials",
    "set a connection pool size",
    "turn on write-ahead logging",
    "add a health check",
    "increase the timeout",
    "clear the cache",
    "rebuild the initramfs",
    "regenerate the certificates",
    "check the journal with journalctl",
    "run the migration in a transaction",
    "bind to localhost only",
    "set resource requests and limits",
    "use a read replica",
    "batch the writes",
    "compress the payload",
)
REASONS = (
    "the default was chosen for small machines",
    "an old version had a known bug here",
    "the kernel reclaims memory aggressively",
    "the network path adds latency",
    "locks are held too long",
    "the cache hides the real cost",
    "the scheduler starves background jobs",
    "retries amplify the load",
)
PITFALLS = (
    "Do not edit the generated file, your changes are lost on the next upgrade.",
    "Restarting during a write can corrupt the index.",
    "The setting is ignored unless the service is reloaded.",
    "Raising the limit too far only moves the bottleneck.",
    "Older clients silently fall back to the insecure default.",
    "Watch the disk usage after enabling verbose logs.",
)
QUERIES = (
    "why does {tool} {problem} and how do I fix it",
    "{tool} {problem}",
    "best way to {goal} with {tool}",
    "how can I {action} in {tool}",
    "{tool} keeps failing, what should I check first",
    "what are the pitfalls when I {action}",
    "my {tool} setup {problem} since yesterday",
    "tips to {goal} for a {tool} deployment",
)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")


def real_sentences(path: Path, limit: int = 20_000) -> list[str]:
    """Plausible prose sentences from the community threads, when the file is there."""
    if not path.exists():
        return []
    sentences: list[str] = []
    for _, thread in read_jsonl(path):
        for message in thread.get("messages", []):
            text = message.get("text", "")
            if "```" in text:
                continue
            for sentence in _SENTENCE_SPLIT.split(text):
                words = sentence.split()
                if 6 <= len(words) <= 40 and sentence[:1].isalpha():
                    sentences.append(" ".join(words))
                    if len(sentences) >= limit:
                        return sentences
    return sentences


def _cited(text: str, rng: random.Random) -> CitedSentence:
    return CitedSentence(text=text, citations=[f"m{rng.randrange(1_000_000)}"])


def make_guide(rng: random.Random, real: Sequence[str]) -> GuideDraft:
    """A guide of 3 to 5 sections about one tool and one problem."""
    tool, problem, goal = rng.choice(TOOLS), rng.choice(PROBLEMS), rng.choice(GOALS)
    actions = rng.sample(ACTIONS, 3)
    sections: dict[Section, list[CitedSentence]] = {
        Section.SUMMARY: [_cited(f"When {tool} {problem}, {actions[0]} first.", rng)],
        Section.STEPS: [
            _cited(f"{step.capitalize()}.", rng) for step in (*actions, f"verify that {tool} is healthy again")
        ],
        Section.RATIONALE: [_cited(f"This works because {rng.choice(REASONS)}.", rng)],
    }
    if rng.random() < 0.6:
        sections[Section.PITFALLS] = [_cited(rng.choice(PITFALLS), rng)]
    if rng.random() < 0.5:
        alternative = rng.choice(TOOLS)
        sections[Section.ALTERNATIVES] = [_cited(f"If you need to {goal}, {alternative} is an option.", rng)]
    if real:  # real community prose keeps the vocabulary from being all template
        for section in sections:
            if rng.random() < 0.5:
                sections[section].append(_cited(rng.choice(real), rng))
    return GuideDraft(title=f"{tool} {problem}: how to {goal}", sections=sections)


def make_guides(chunks: int, communities: int, rng: random.Random, real: Sequence[str]) -> list[GuideRecord]:
    """Guides until `chunks` chunks (the last guide is trimmed to hit it exactly)."""
    guides: list[GuideRecord] = []
    total = 0
    while total < chunks:
        draft = make_guide(rng, real)
        keep = list(draft.sections)[: chunks - total]
        draft = GuideDraft(title=draft.title, sections={s: draft.sections[s] for s in keep})
        guides.append((f"guide-{len(guides)}", f"community-{rng.randrange(communities)}", 1, draft))
        total += len(keep)
    return guides


def make_queries(n: int, rng: random.Random) -> list[str]:
    return [
        rng.choice(QUERIES).format(
            tool=rng.choice(TOOLS),
            problem=rng.choice(PROBLEMS),
            goal=rng.choice(GOALS),
            action=rng.choice(ACTIONS),
        )
        for _ in range(n)
    ]


class TimedEmbedder:
    """Wraps an embedder and adds up the time and texts spent in it."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner = inner
        self.dimension = inner.dimension
        self.seconds = 0.0
        self.texts = 0

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> list[list[float]]:
        start = time.perf_counter()
        vectors = self.inner.embed(texts, kind)
        self.seconds += time.perf_counter() - start
        self.texts += len(texts)
        return vectors


class TimedIndex:
    """Wraps a VectorIndex and records the duration of each search."""

    def __init__(self, inner: VectorIndex) -> None:
        self.inner = inner
        self.search_ms: list[float] = []

    def upsert(self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]], sparse: Sequence[SparseVector]) -> None:
        self.inner.upsert(chunks, dense, sparse)

    def delete_guide(self, guide_id: str) -> None:
        self.inner.delete_guide(guide_id)

    def forget_guide(self, guide_id: str) -> None:
        self.inner.forget_guide(guide_id)

    def compaction_due(self) -> bool:
        return self.inner.compaction_due()

    def compact(self, progress: Progress | None = None) -> int:
        return self.inner.compact(progress)

    def search(
        self, dense: Sequence[float], sparse: SparseVector | None, community_ids: Sequence[str], limit: int
    ) -> list[ChunkHit]:
        start = time.perf_counter()
        hits = self.inner.search(dense, sparse, community_ids, limit)
        self.search_ms.append((time.perf_counter() - start) * 1000)
        return hits

    def count(self) -> int:
        return self.inner.count()

    def reset(self) -> None:
        self.inner.reset()

    def flush(self) -> None:
        self.inner.flush()

    def rebuild_note(self) -> str | None:
        return self.inner.rebuild_note()

    def set_rebuild_note(self, note: str | None) -> None:
        self.inner.set_rebuild_note(note)


def percentiles(values: Sequence[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def build(search: GuideSearch, timed: TimedEmbedder, guides: list[GuideRecord], chunks: int, where: str) -> None:
    """Reindex with a progress line, then print indexing and embedding throughput."""
    started = time.perf_counter()

    def progress(done: int) -> None:
        elapsed = time.perf_counter() - started
        rate = timed.texts / timed.seconds if timed.seconds else 0.0
        print(f"\r  indexed {done:,}/{chunks:,} chunks, {elapsed:4.0f} s, {rate:,.0f} chunks/s", end="", flush=True)

    total = search.reindex(guides, progress=progress)
    build_s = time.perf_counter() - started
    print()
    print(
        f"indexing ({where}): {total:,} chunks in {build_s:.1f} s; embedding {timed.texts / timed.seconds:,.0f} "
        f"chunks/s ({timed.seconds:.1f} s), upserts {build_s - timed.seconds:.1f} s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=10_000, help="chunks to index (default 10000)")
    parser.add_argument("--queries", type=int, default=200, help="timed queries (default 200)")
    parser.add_argument("--communities", type=int, default=8, help="communities the guides spread over")
    parser.add_argument("--limit", type=int, default=10, help="guides per search (default 10)")
    parser.add_argument("--batch-size", type=int, default=64, help="embedding batch size")
    parser.add_argument(
        "--index",
        choices=("edge", "local"),
        default="edge",
        help="edge: qdrant-edge (the embedded default); local: qdrant-client local mode",
    )
    parser.add_argument("--mode", choices=("hybrid", "dense"), default="hybrid", help="search mode (default hybrid)")
    parser.add_argument("--path", type=Path, help="index folder (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="with --path: skip indexing if already built")
    parser.add_argument("--memory", action="store_true", help="with --index local: in memory instead of on disk")
    parser.add_argument("--no-data", action="store_true", help="templates only, ignore threads.jsonl")
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's, one per core)")
    parser.add_argument(
        "--query-threads",
        type=int,
        help="torch threads while timing queries (e.g. 1: index with all cores, query with one)",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.threads:
        # One thread avoids long tail spikes on a busy small machine (threads contend for the cores).
        import torch

        torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)

    real = [] if args.no_data else real_sentences(THREADS)
    guides = make_guides(args.chunks, args.communities, rng, real)
    print(
        f"{len(guides):,} guides, {args.chunks:,} chunks, {args.communities} communities; "
        f"{len(real):,} real sentences mixed in"
    )

    embedder = SentenceTransformerEmbedder(batch_size=args.batch_size)
    start = time.perf_counter()
    embedder.load()
    print(f"model loaded in {time.perf_counter() - start:.1f} s (dimension {embedder.dimension})")

    # Throughput on short single sentences, the figure the architecture notes quote.
    sample = [s.text for _, _, _, d in guides for _, s in d.sentences()][:1000]
    start = time.perf_counter()
    embedder.embed(sample, kind="document")
    sentence_rate = len(sample) / (time.perf_counter() - start)
    print(f"embedding: {sentence_rate:,.0f} sentences/s ({len(sample)} single sentences)")

    with tempfile.TemporaryDirectory(prefix="tacit-bench-") as tmp:
        folder = args.path or Path(tmp) / "vectors"
        location = None if args.memory and args.index == "local" else folder
        inner: EdgeIndex | QdrantIndex
        client = None
        if args.index == "edge":
            inner = EdgeIndex(folder, embedder.dimension)
        else:
            client = open_embedded(location)
            inner = QdrantIndex(client, "bench_chunks", embedder.dimension)
        index = TimedIndex(inner)
        timed = TimedEmbedder(embedder)
        search = GuideSearch(timed, index, mode=args.mode)

        if args.reuse and location is not None and index.count() == args.chunks:
            print(f"reusing the {args.chunks:,} chunks indexed under {location}")
        else:
            build(search, timed, guides, args.chunks, "memory" if location is None else "disk")
        assert index.count() == args.chunks

        if args.query_threads:
            import torch

            torch.set_num_threads(args.query_threads)
        queries = make_queries(args.queries, rng)
        filters = [
            rng.sample([f"community-{i}" for i in range(args.communities)], rng.choice((1, 1, 2))) for _ in queries
        ]
        for q, f in zip(queries[:10], filters[:10], strict=True):  # warm-up
            search.search(q, f, args.limit)
        index.search_ms.clear()
        timed.seconds, timed.texts = 0.0, 0

        total_ms: list[float] = []
        embed_ms: list[float] = []
        empty = 0
        for query, communities in zip(queries, filters, strict=True):
            before = timed.seconds
            start = time.perf_counter()
            hits = search.search(query, communities, args.limit)
            total_ms.append((time.perf_counter() - start) * 1000)
            embed_ms.append((timed.seconds - before) * 1000)
            empty += not hits
        if isinstance(inner, EdgeIndex):
            inner.close()
        if client is not None:
            client.close()

    p50, p95, p99 = percentiles(total_ms)
    e50, e95, _ = percentiles(embed_ms)
    i50, i95, _ = percentiles(index.search_ms)
    where = "qdrant-edge" if args.index == "edge" else "Qdrant local mode"
    print(
        f"search ({args.mode}, {where}; {len(queries)} queries, limit {args.limit}, "
        f"1-2 of {args.communities} communities):"
    )
    print(f"  end to end  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  p99 {p99:6.1f} ms  (with query embedding)")
    print(f"  embedding   p50 {e50:6.1f} ms  p95 {e95:6.1f} ms")
    print(f"  index       p50 {i50:6.1f} ms  p95 {i95:6.1f} ms  ({where}, filtered)")
    print(f"  queries with no hit: {empty}")
    verdict = "meets" if p95 <= TARGET_P95_MS else "MISSES"
    print(f"target p95 <= {TARGET_P95_MS:.0f} ms at {args.chunks:,} chunks: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
