"""Search and indexing at scale, every figure next to its anchor measured in the same run; `--json` keeps them
all for `bench.perf_table`, which writes the README's table.

    python -m bench.scale_bench                        # 10,000 chunks
    python -m bench.scale_bench --chunks 10000 --chunks 100000 --build-vectors random --json reports/scale_bench.json
    python -m bench.scale_bench --chunks 100000 --skip-torch --build-vectors random   # no torch anchor

It prints:
- embedding backends: ONNX Runtime (the default) against the torch anchor (sentence-transformers): cold start of a
  fresh process to its first vector, its RSS, query latency, document throughput (the bench's chunks, 1 thread and
  all cores: the model's share of a rebuild), cosine agreement;
- per chunk count: the rebuild as `tacit reindex` runs it (GuideSearch.reindex over a stream, in a fresh process:
  its own peak RSS; the folder's size sampled every 0.5 s), with `--build-vectors random` the index side only; the
  previous build path (optimizer per batch, files kept until close) on the same guides up to `--old-path-max`;
- search with one client, split into query embedding, index and end to end (ONNX behind the query batcher, as
  served); 1, 4 and 16 clients searching at once (threads, as FastAPI's pool serves sync routes);
- `tacit serve` started on that index: process start to the first answered GET /v1/search, and its RSS (the
  database holds no guides, so the answer has no results; the embedding, index and database work is all done);
- live writes: every guide of a small index re-indexed one at a time twice (what a long-running server does),
  folder size with the periodic release against the engine keeping files until close;
- the sparse leg alone, inside the engine: IDF from the statistics kept per community (what ships) against the
  engine counting it under the filter per query (the previous path, on a sparse-only copy of the same points),
  and in how many queries the two give the same top-10 scores.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_bench import THREADS, make_guide, make_queries, percentiles, real_sentences  # noqa: E402
from retrieval import edge_index  # noqa: E402
from retrieval.batcher import QueryBatcher  # noqa: E402
from retrieval.chunking import chunk_guide, embedding_text  # noqa: E402
from retrieval.edge_index import EdgeIndex  # noqa: E402
from retrieval.embedder import bundled_model_path  # noqa: E402
from retrieval.onnx_embedder import OnnxEmbedder  # noqa: E402
from retrieval.ports import EmbedKind  # noqa: E402
from retrieval.search import GuideRecord, GuideSearch  # noqa: E402
from retrieval.sparse import SparseEncoder  # noqa: E402
from synthesizer.model import GuideDraft  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COMMUNITIES = 8
TARGETS = {"search_p95_ms": 15.0, "concurrent_p95_ms": 100.0, "serving_rss_mb": 700.0, "cold_start_s": 3.0}

_PEAK = """
def peak_mb():  # VmHWM: this process's own peak (ru_maxrss would carry the forking parent's across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

_COLD = (
    _PEAK
    + """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
backend, cache = sys.argv[1], Path(sys.argv[2])
from retrieval.embedder import SentenceTransformerEmbedder, bundled_model_path
from retrieval.onnx_embedder import OnnxEmbedder
e = OnnxEmbedder(bundled_model_path(), cache, threads=1) if backend == "onnx" else SentenceTransformerEmbedder(threads=1)
e.embed(["how do I rotate the TLS certificate"], "query")
print(json.dumps({"s": time.perf_counter() - started, "rss_mb": peak_mb(),
                  "torch": "torch" in sys.modules}))
"""
)

# What `tacit reindex` does (GuideSearch.reindex over a stream, all cores for the model) in a fresh process, so its
# peak RSS is the rebuild's own: the guides are generated as they are read, as the database pages them.
_BUILD = (
    _PEAK
    + """
import json, sys, time
from pathlib import Path
from bench.scale_bench import RandomEmbedder, stream_guides
from retrieval.edge_index import EdgeIndex
from retrieval.embedder import bundled_model_path
from retrieval.onnx_embedder import OnnxEmbedder
from retrieval.search import GuideSearch
folder, chunks, vectors, cache, seed = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), int(sys.argv[5])
embedder = OnnxEmbedder(bundled_model_path(), cache, threads=0) if vectors == "model" else RandomEmbedder()
embedder.embed(["warm up"], "document")
index = EdgeIndex(folder, embedder.dimension)
started = time.perf_counter()
total = GuideSearch(embedder, index).reindex(stream_guides(chunks, seed),
    progress=lambda n: print(f"\\r  rebuild: {n:,} chunks", end="", file=sys.stderr, flush=True))
seconds = time.perf_counter() - started
index.close()
print(json.dumps({"s": seconds, "chunks": total, "rss_mb": peak_mb()}))
"""
)


class RandomEmbedder:
    """Unit vectors from a seeded generator: times the index side of a build without the model."""

    dimension = 384

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> list[list[float]]:
        import numpy as np

        # Seeded by each text: distinct texts get distinct vectors (a seed per batch gave every batch the same
        # 256 vectors, a degenerate index), the same text the same vector.
        rows = [np.random.default_rng(zlib.crc32(t.encode())).standard_normal(self.dimension) for t in texts]
        v = np.array(rows, dtype="float32").reshape(len(texts), self.dimension)
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).tolist()


def run_json(script: str, *args: str) -> dict[str, float]:
    """Run a snippet in a fresh interpreter (cold start, own RSS) and read its JSON line."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - started  # interpreter start included
    return result


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6 if path.exists() else 0.0


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Watcher:
    """Samples the index folder's size and this process's RSS while a build runs."""

    def __init__(self, folder: Path, every_s: float = 0.5) -> None:
        self.folder, self.every_s = folder, every_s
        self.peak_disk = self.peak_rss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self._sample()

    def _sample(self) -> None:
        with contextlib.suppress(FileNotFoundError):  # a segment folder vanished while walking: next sample sees it
            self.peak_disk = max(self.peak_disk, folder_mb(self.folder))
        self.peak_rss = max(self.peak_rss, rss_mb())


def old_build_path() -> Callable[[], None]:
    """Switch EdgeIndex to the previous behaviour (optimize after every batch, keep files until close); returns undo."""
    every, release = edge_index._OPTIMIZE_EVERY, EdgeIndex._release
    edge_index._OPTIMIZE_EVERY = 1
    EdgeIndex._release = lambda self: None  # type: ignore[method-assign]

    def undo() -> None:
        edge_index._OPTIMIZE_EVERY = every
        EdgeIndex._release = release  # type: ignore[method-assign]

    return undo


def stream_guides(chunks: int, seed: int) -> Iterator[GuideRecord]:
    """The bench's guides, generated as they are read (a rebuild reads the database page by page)."""
    rng, real = random.Random(seed), real_sentences(THREADS)
    total = n = 0
    while total < chunks:
        draft = make_guide(rng, real)
        keep = list(draft.sections)[: chunks - total]
        draft = GuideDraft(title=draft.title, sections={s: draft.sections[s] for s in keep})
        yield f"guide-{n:07}", f"community-{rng.randrange(COMMUNITIES)}", 1, draft
        total, n = total + len(keep), n + 1


def timings(run: Callable[[int], object], count: int) -> dict[str, float]:
    """p50 and p95 in ms of `run(i)` for i in range(count), after a few unmeasured calls."""
    for i in range(min(10, count)):
        run(i)
    times = []
    for i in range(count):
        start = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - start) * 1000)
    p50, p95, _ = percentiles(times)
    return {"p50_ms": p50, "p95_ms": p95}


def concurrent(search: GuideSearch, queries: list[str], filters: list[list[str]], clients: int) -> dict[str, float]:
    """Searches per second and p95 (ms) with `clients` threads each searching back to back."""
    times: list[float] = []

    def one(i: int) -> None:
        start = time.perf_counter()
        search.search(queries[i], filters[i], 10)
        times.append((time.perf_counter() - start) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(len(queries))))
    return {"per_s": len(queries) / (time.perf_counter() - started), "p95_ms": percentiles(times)[1]}


def sparse_idf_cost(index: EdgeIndex, queries: list[str], filters: list[list[str]], tmp: Path) -> dict[str, float]:
    """The sparse leg alone: IDF from the kept statistics (now) against the engine counting it under the filter
    per query (the previous path: its IDF modifier, on a sparse-only copy of the same points); same filters."""
    import qdrant_edge as qe

    from retrieval.edge_index import _match
    from retrieval.points import SPARSE
    from retrieval.sparse import SparseEncoder

    shard = index._opened()  # the engine itself: this times the leg, not the fused search around it
    anchor = _engine_idf_copy(index, shard, tmp / "engine-idf")
    encoder = SparseEncoder()
    kept: list[float] = []
    per_query: list[float] = []
    identical: list[bool] = []
    for rounds, (text, communities) in enumerate(zip(queries, filters, strict=True)):
        terms = encoder.query(text)
        allowed = _match("community_id", communities)
        start = time.perf_counter()
        request = index._lexical(terms, communities, allowed, 10)  # weighting the query is part of the cost
        now = [p.score for p in shard.query(request)] if request is not None else []
        took = time.perf_counter() - start
        vector = qe.SparseVector(list(terms.indices), list(terms.values))
        params = qe.SearchParams(idf=qe.IdfParams(corpus=allowed))
        request = qe.QueryRequest(limit=10, query=qe.Query.Nearest(vector, using=SPARSE), filter=allowed, params=params)
        start = time.perf_counter()
        before = [p.score for p in anchor.query(request)] if terms.indices else []
        if rounds >= 10:  # the first queries warm the caches
            kept.append(took * 1000)
            per_query.append((time.perf_counter() - start) * 1000)
        # Scores rank by rank, not ids: the bench's generated guides repeat sentences, and chunks of equal score
        # come back in either order (checked: where ids differed, the scores were the same).
        same = len(now) == len(before) and all(
            math.isclose(a, b, rel_tol=1e-5) for a, b in zip(now, before, strict=False)
        )
        identical.append(same)
    anchor.close()
    a50, a95, _ = percentiles(kept)
    b50, b95, _ = percentiles(per_query)
    print(
        f"sparse leg alone ({len(kept)} queries): kept IDF statistics (now) p50 {a50:.2f} ms p95 {a95:.2f} ms; "
        f"IDF counted per query (anchor) p50 {b50:.2f} ms p95 {b95:.2f} ms ({b50 / a50:.1f}x); the same top-10 "
        f"scores in {statistics.fmean(identical):.0%} of queries"
    )
    return {
        "kept_p50_ms": a50,
        "kept_p95_ms": a95,
        "per_query_p50_ms": b50,
        "per_query_p95_ms": b95,
        "identical_top10": statistics.fmean(identical),
    }


def _engine_idf_copy(index: EdgeIndex, shard: Any, folder: Path) -> Any:
    """The index's sparse vectors in a shard of their own with the engine's IDF modifier (the previous layout)."""
    import qdrant_edge as qe

    from retrieval.points import SPARSE

    config = qe.EdgeConfig(
        vectors={},
        sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        max_search_threads=1,
    )
    anchor = qe.EdgeShard.create(str(folder), config)
    anchor.update(qe.UpdateOperation.create_field_index("community_id", qe.PayloadSchemaType.Keyword))
    page: list[Any] = []
    for record in index._scrolled(shard, None):
        page.append(qe.Point(id=record.id, vector={SPARSE: record.vector[SPARSE]}, payload=record.payload))
        if len(page) == 1024:
            anchor.update(qe.UpdateOperation.upsert_points(page))
            page = []
    anchor.update(qe.UpdateOperation.upsert_points(page))
    anchor.optimize()
    return anchor


def verdict(value: float, target: float) -> str:
    return "meets" if value <= target else "MISSES"


def load() -> float:
    return os.getloadavg()[0]


def build_index(args: argparse.Namespace, chunks: int, folder: Path, cache: Path) -> dict[str, float]:
    """The rebuild in a fresh process (its own peak RSS), the folder's size sampled from here."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", _BUILD, str(folder), str(chunks), args.build_vectors, str(cache), str(args.seed)]
    with Watcher(folder) as watch:
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT, check=False)
    if done.returncode:
        raise RuntimeError(f"the rebuild failed ({done.returncode})")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(peak_disk_mb=watch.peak_disk, final_disk_mb=folder_mb(folder), vectors=args.build_vectors)
    print(
        f"\r  streamed (now, {args.build_vectors} vectors): {result['chunks']:,} chunks in {result['s']:.1f} s "
        f"({result['chunks'] / result['s']:,.0f} chunks/s); folder peak {watch.peak_disk:,.0f} MB, at the end "
        f"{result['final_disk_mb']:,.0f} MB; rebuild process peak RSS {result['rss_mb']:,.0f} MB"
    )
    return result


def anchor_build(chunks: int, seed: int, folder: Path) -> dict[str, float]:
    """The previous build path on the same guides (random vectors): optimizer per batch, files kept until close."""
    undo = old_build_path()
    try:
        index = EdgeIndex(folder, RandomEmbedder.dimension)
        started = time.perf_counter()
        with Watcher(folder) as watch:
            GuideSearch(RandomEmbedder(), index).reindex(stream_guides(chunks, seed))  # generated as read, as "now"
        seconds = time.perf_counter() - started
        index.close()
    finally:
        undo()
    print(f"  per-batch optimizer (anchor, random vectors): {seconds:.1f} s; folder peak {watch.peak_disk:,.0f} MB")
    return {"s": seconds, "peak_disk_mb": watch.peak_disk}


def searches(args: argparse.Namespace, index: EdgeIndex, onnx: OnnxEmbedder, tmp: Path) -> dict[str, object]:
    """Single-client latency split into its parts, then 1, 4 and 16 concurrent clients through the batcher."""
    rng = random.Random(args.seed + 1)
    queries = make_queries(max(args.queries, 16 * 25), rng)
    communities = [f"community-{i}" for i in range(COMMUNITIES)]
    filters = [rng.sample(communities, rng.choice((1, 1, 2))) for _ in queries]
    n = args.queries
    sparse = SparseEncoder()
    vectors = onnx.embed(queries[:n], "query")
    served = GuideSearch(QueryBatcher(onnx), index)  # as api.bootstrap builds it
    out: dict[str, object] = {
        "embed": timings(lambda i: onnx.embed([queries[i]], "query"), n),
        "index": timings(lambda i: index.search(vectors[i], sparse.query(queries[i]), filters[i], 40), n),
        "end_to_end": timings(lambda i: served.search(queries[i], filters[i], 10), n),
    }
    parts = {k: out[k] for k in ("embed", "index", "end_to_end")}
    print("search, one client (ms; the serving path: ONNX behind the query batcher, 1 model thread):")
    for name, figure in parts.items():
        print(f"  {name:11} p50 {figure['p50_ms']:6.2f}  p95 {figure['p95_ms']:6.2f}")  # type: ignore[index]
    e2e = out["end_to_end"]
    print(f"  target p95 <= 15 ms at 100k: {verdict(e2e['p95_ms'], 15)}")  # type: ignore[index]
    if not args.skip_torch:
        from retrieval.embedder import SentenceTransformerEmbedder

        anchor = GuideSearch(SentenceTransformerEmbedder(threads=1), index)
        out["torch_end_to_end"] = timings(lambda i: anchor.search(queries[i], filters[i], 10), n)
        print(f"  torch end to end (anchor) p50 {out['torch_end_to_end']['p50_ms']:6.2f}")  # type: ignore[index]
    clients = {str(c): concurrent(served, queries, filters, c) for c in (1, 4, 16)}
    out["clients"] = clients
    single = clients["1"]["per_s"]
    print(f"concurrency ({len(queries)} searches, threads searching back to back, as FastAPI's pool serves them):")
    for c, figure in clients.items():
        print(
            f"  {c:>2} clients {figure['per_s']:6.0f}/s ({figure['per_s'] / single:.2f}x) p95 {figure['p95_ms']:6.1f} ms"
        )
    top = clients["16"]
    print(
        f"  targets 16 clients >= 1.5x one: {verdict(1.5, top['per_s'] / single)}; p95 < 100 ms: "
        f"{verdict(top['p95_ms'], 100)}"
    )
    out["sparse_idf"] = sparse_idf_cost(index, queries[:n], filters[:n], tmp)
    return out


def serve_cold_start(data: Path, searches_after: int = 20) -> dict[str, float]:
    """`tacit serve` (a fresh process, default settings) on this index: time to its first answered search, RSS."""
    from api.bootstrap import build
    from api.settings import Settings
    from retrieval.fakes import HashingEmbedder, InMemoryIndex
    from workflow.people import add_person, create_community, create_token

    seeding = build(
        Settings(_env_file=None, data_dir=data, pii_scan=False),  # type: ignore[call-arg]
        embedder=HashingEmbedder(),
        index=InMemoryIndex(),
    )
    for i in range(COMMUNITIES):
        create_community(seeding.services, community_id=f"community-{i}", name=f"Community {i}")
        add_person(seeding.services, handle="reader", community_id=f"community-{i}")
    token = create_token(seeding.services, handle="reader")
    seeding.stop()
    port = free_port()
    env = {**os.environ, "TACIT_DATA_DIR": str(data), "TACIT_PORT": str(port), "TACIT_LOG_LEVEL": "WARNING"}
    url, auth = f"http://127.0.0.1:{port}/v1/search", {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        first = None
        while first is None and time.perf_counter() - started < 120:
            with contextlib.suppress(httpx.HTTPError):
                answer = httpx.get(url, params={"q": "why does Kafka drop connections"}, headers=auth, timeout=10)
                if answer.status_code == 200:
                    first = time.perf_counter() - started
                    hits = len(answer.json().get("results", answer.json()))
            time.sleep(0.02)
        if first is None:
            raise RuntimeError("tacit serve answered no search within 120 s")
        for q in make_queries(searches_after, random.Random(3)):
            httpx.get(url, params={"q": q}, headers=auth, timeout=10).raise_for_status()
        rss = process_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"serving: `tacit serve` on this index, first answered GET /v1/search {first:.2f} s after the process "
        f"started ({hits} results); RSS {rss['rss']:,.0f} MB (peak {rss['peak']:,.0f} MB) after {searches_after} more"
        f"; targets < 3 s: {verdict(first, 3)}, RSS < 700 MB: {verdict(rss['peak'], 700)}"
    )
    return {"first_search_s": first, "results": hits, "rss_mb": rss["rss"], "peak_rss_mb": rss["peak"]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_mb(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss": fields["VmRSS"], "peak": fields["VmHWM"]}


def one_size(args: argparse.Namespace, chunks: int, cache: Path) -> dict[str, object]:
    print(f"\n== {chunks:,} chunks ({COMMUNITIES} communities; load average {load():.1f}) ==")
    onnx = OnnxEmbedder(bundled_model_path(), cache, threads=1)
    onnx.load()
    out: dict[str, object] = {"load_before": load()}
    with tempfile.TemporaryDirectory(prefix="tacit-scale-", dir=args.tmp) as tmp:
        data = Path(tmp) / "data"
        (data / "models").mkdir(parents=True)
        for model in cache.glob("*.onnx"):
            (data / "models" / model.name).symlink_to(model)
        print("index build (GuideSearch.reindex into qdrant-edge, as `tacit reindex` runs it):")
        out["build"] = build_index(args, chunks, data / "vectors", cache)
        if chunks <= args.old_path_max:
            out["build_anchor"] = anchor_build(chunks, args.seed, Path(tmp) / "old-vectors")
        if args.build_vectors == "random":
            print("  (random vectors: the searches below rank random neighbours; their latency is what they show)")
        index = EdgeIndex(data / "vectors", onnx.dimension)
        out.update(searches(args, index, onnx, Path(tmp)))
        index.close()
        out["serve"] = serve_cold_start(data)
    out["load_after"] = load()
    return out


def live_writes(args: argparse.Namespace, release: bool) -> dict[str, float]:
    """A long-running server re-indexing guides one at a time (random vectors): does the folder grow?"""
    undo = (lambda: None) if release else old_build_path()
    try:
        with tempfile.TemporaryDirectory(prefix="tacit-live-", dir=args.tmp) as tmp:
            folder = Path(tmp) / "vectors"
            search = GuideSearch(RandomEmbedder(), EdgeIndex(folder, RandomEmbedder.dimension))
            guides = list(stream_guides(args.live_chunks, args.seed))
            search.reindex(guides)
            built = folder_mb(folder)
            started = time.perf_counter()
            with Watcher(folder) as watch:
                for round_ in (2, 3):
                    for guide_id, community, _, draft in guides:
                        search.index_guide(guide_id, community, round_, draft)
            seconds = time.perf_counter() - started
            final = folder_mb(folder)
    finally:
        undo()
    writes = 2 * len(guides)
    label = "now (flush every 500 points written)" if release else "anchor (files kept until close)"
    print(
        f"  {label}: {writes:,} guide writes, {seconds / writes * 1000:.1f} ms each; folder {built:,.0f} MB after "
        f"the build, peak {watch.peak_disk:,.0f} MB, at the end {final:,.0f} MB"
    )
    return {
        "writes": writes,
        "ms_per_write": seconds / writes * 1000,
        "built_mb": built,
        "peak_mb": watch.peak_disk,
        "final_mb": final,
    }


def backends(args: argparse.Namespace, cache: Path, real: list[str]) -> dict[str, object]:
    """Cold start, RSS, latency and throughput of the embedding backends, and how far their vectors agree."""
    import numpy as np

    print("embedding backends (fresh process each: import, load, first vector):")
    cold = run_json(_COLD, "onnx", str(cache))
    print(f"  onnx (now)      {cold['wall_s']:.2f} s, RSS {cold['rss_mb']:,.0f} MB, torch imported: {cold['torch']}")
    out: dict[str, object] = {"onnx_cold": cold}
    documents = [embedding_text(c) for g in stream_guides(2_000, args.seed) for c in chunk_guide(*g)][:1000]
    for threads in (1, 0):
        embedder = OnnxEmbedder(bundled_model_path(), cache, threads=threads)
        embedder.embed(documents[:32], "document")
        start = time.perf_counter()
        embedder.embed(documents, "document")
        rate = len(documents) / (time.perf_counter() - start)
        out[f"onnx_chunks_per_s_{'all' if threads == 0 else threads}"] = rate
        print(
            f"  onnx documents (the bench's chunks), {'all cores' if threads == 0 else '1 thread'}: {rate:,.0f} chunks/s"
        )
    if args.skip_torch:
        return out
    warm = run_json(_COLD, "torch", str(cache))
    out["torch_cold"] = warm
    print(f"  torch (anchor)  {warm['wall_s']:.2f} s, RSS {warm['rss_mb']:,.0f} MB")
    from retrieval.embedder import SentenceTransformerEmbedder

    onnx, torch_embedder = OnnxEmbedder(bundled_model_path(), cache, threads=1), SentenceTransformerEmbedder(threads=1)
    queries = make_queries(200, random.Random(args.seed))
    sample = (real or queries)[:1000]
    for name, e in (("onnx", onnx), ("torch", torch_embedder)):
        out[f"{name}_query"] = timings(lambda i, e=e: e.embed([queries[i]], "query"), len(queries))  # type: ignore[misc]
        start = time.perf_counter()
        e.embed(sample, "document")
        out[f"{name}_sentences_per_s"] = len(sample) / (time.perf_counter() - start)
        query: dict[str, float] = out[f"{name}_query"]  # type: ignore[assignment]
        print(f"  {name:6} query p50 {query['p50_ms']:5.2f} ms; {out[f'{name}_sentences_per_s']:6.0f} sentences/s")
    cos = (np.array(onnx.embed(sample, "document")) * np.array(torch_embedder.embed(sample, "document"))).sum(axis=1)
    out["cosine_min"], out["cosine_mean"] = float(cos.min()), float(cos.mean())
    print(f"  agreement on {len(sample)} sentences: cosine min {cos.min():.6f}, mean {cos.mean():.6f}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, action="append", help="chunk counts (repeatable; default 10000)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--build-vectors", choices=("model", "random"), default="model")
    parser.add_argument("--old-path-max", type=int, default=10_000, help="largest size to also build the old way")
    parser.add_argument("--live-chunks", type=int, default=8_000, help="index size for the one-guide-at-a-time test")
    parser.add_argument("--skip-torch", action="store_true", help="no torch anchor (faster; ratios are not shown)")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure here (bench.perf_table)")
    parser.add_argument("--tmp", type=Path, default=None, help="where to build indexes (default: the system's)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    real = real_sentences(THREADS)
    results: dict[str, object] = {
        "command": " ".join(["python -m bench.scale_bench", *(argv if argv is not None else sys.argv[1:])]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cores": os.cpu_count(),
        "load_before": load(),
        "build_vectors": args.build_vectors,
    }
    with tempfile.TemporaryDirectory(prefix="tacit-models-") as models:
        cache = Path(models)
        started = time.perf_counter()
        OnnxEmbedder(bundled_model_path(), cache).load()
        print(
            f"ONNX export of the bundled model (once per install, cached under the data folder): {time.perf_counter() - started:.1f} s"
        )
        results["backends"] = backends(args, cache, real)
        results["sizes"] = {str(n): one_size(args, n, cache) for n in args.chunks or [10_000]}
    print(
        f"\nlive writes: a server re-indexing guides one at a time, every guide of a {args.live_chunks:,}-chunk index twice:"
    )
    results["live"] = {"now": live_writes(args, release=True), "anchor": live_writes(args, release=False)}
    results["load_after"] = load()
    print(
        f"\nload average before {results['load_before']:.1f}, after {results['load_after']:.1f}; bench process peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
