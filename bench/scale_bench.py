"""Search and indexing at scale, every figure next to its anchor measured in the same run (2 shared cores: compare
ratios, not absolute times).

    python -m bench.scale_bench                        # 10,000 chunks
    python -m bench.scale_bench --chunks 10000 --chunks 100000
    python -m bench.scale_bench --chunks 100000 --skip-torch --build-vectors random   # index side only, fast

Per chunk count it prints:
- embedding backends: ONNX Runtime (the default) against the torch anchor (sentence-transformers): cold start of a
  fresh process to its first vector, its RSS, query latency, document throughput, cosine agreement;
- the index build through GuideSearch.reindex (streamed, optimizer per 25k points, files released per 50k) against
  the old path (optimizer after every 256-chunk batch, files kept until close), watching folder size and RSS;
- search end to end (query embedding included) with each backend over the same index;
- concurrency: 1 and 16 threads searching at once (as FastAPI's thread pool serves sync routes), the query batcher
  against the anchor of torch with its default threads and no batcher;
- serving: a fresh process opening the built index with the default backend, cold start to the first answered
  search and its RSS.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_bench import THREADS, make_guides, make_queries, percentiles, real_sentences  # noqa: E402
from retrieval import edge_index  # noqa: E402
from retrieval.batcher import QueryBatcher  # noqa: E402
from retrieval.edge_index import EdgeIndex  # noqa: E402
from retrieval.embedder import bundled_model_path  # noqa: E402
from retrieval.onnx_embedder import OnnxEmbedder  # noqa: E402
from retrieval.ports import Embedder, EmbedKind  # noqa: E402
from retrieval.search import GuideRecord, GuideSearch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
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

_SERVE = (
    _PEAK
    + """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from api.bootstrap import build
from api.settings import Settings
data = Path(sys.argv[1])
tacit = build(Settings(_env_file=None, data_dir=data, pii_scan=False))
hits = tacit.services.search.search("why does Kafka drop connections", ["community-0", "community-1"], 10)
first = time.perf_counter() - started
for q in ("nginx is slow under load", "rotate the credentials in Vault", "ZFS fills the disk"):
    tacit.services.search.search(q, ["community-2"], 10)
print(json.dumps({"s": first, "hits": len(hits), "rss_mb": peak_mb(),
                  "torch": "torch" in sys.modules}))
tacit.stop()
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


def timed_build(embedder: Embedder, guides: list[GuideRecord], folder: Path, label: str) -> dict[str, float]:
    index = EdgeIndex(folder, embedder.dimension)
    search = GuideSearch(embedder, index)
    started = time.perf_counter()
    with Watcher(folder) as watch:
        total = search.reindex(iter(guides), progress=lambda n: print(f"\r  {label}: {n:,}", end="", flush=True))
    seconds = time.perf_counter() - started
    final = folder_mb(folder)
    index.close()
    print(
        f"\r  {label}: {total:,} chunks in {seconds:.1f} s ({total / seconds:,.0f} chunks/s), folder peak "
        f"{watch.peak_disk:,.0f} MB, at the end {final:,.0f} MB, process RSS peak {watch.peak_rss:,.0f} MB"
    )
    return {"s": seconds, "peak_disk": watch.peak_disk, "final_disk": final, "peak_rss": watch.peak_rss}


def latency(search: GuideSearch, queries: list[str], filters: list[list[str]]) -> tuple[float, float]:
    for q, f in zip(queries[:10], filters[:10], strict=True):
        search.search(q, f, 10)
    times = []
    for q, f in zip(queries, filters, strict=True):
        start = time.perf_counter()
        search.search(q, f, 10)
        times.append((time.perf_counter() - start) * 1000)
    p50, p95, _ = percentiles(times)
    return p50, p95


def concurrent(search: GuideSearch, queries: list[str], filters: list[list[str]], clients: int) -> tuple[float, float]:
    """Searches per second and p95 (ms) with `clients` threads each searching back to back."""
    times: list[float] = []

    def one(i: int) -> None:
        start = time.perf_counter()
        search.search(queries[i], filters[i], 10)
        times.append((time.perf_counter() - start) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(len(queries))))
    rate = len(queries) / (time.perf_counter() - started)
    return rate, percentiles(times)[1]


def verdict(value: float, target: float) -> str:
    return "meets" if value <= target else "MISSES"


def one_size(args: argparse.Namespace, chunks: int, cache: Path, real: list[str]) -> None:
    rng = random.Random(args.seed)
    guides = make_guides(chunks, args.communities, rng, real)
    queries = make_queries(args.queries, rng)
    communities = [f"community-{i}" for i in range(args.communities)]
    filters = [rng.sample(communities, rng.choice((1, 1, 2))) for _ in queries]
    print(f"\n== {chunks:,} chunks ({len(guides):,} guides, {args.communities} communities) ==")
    onnx = OnnxEmbedder(bundled_model_path(), cache, threads=1)
    onnx.load()
    with tempfile.TemporaryDirectory(prefix="tacit-scale-", dir=args.tmp) as tmp:
        data = Path(tmp) / "data"
        (data / "models").mkdir(parents=True)
        for model in cache.glob("*.onnx"):
            (data / "models" / model.name).symlink_to(model)
        print("index build (GuideSearch.reindex into qdrant-edge):")
        build_embedder: Embedder = onnx if args.build_vectors == "model" else RandomEmbedder()
        if args.build_vectors == "model":
            print("  vectors: the ONNX model (embedding dominates); the old-path anchor uses random vectors")
        new = timed_build(build_embedder, guides, data / "vectors", "streamed (now)")
        if chunks <= args.old_path_max:
            undo = old_build_path()
            try:
                old = timed_build(RandomEmbedder(), guides, Path(tmp) / "old-vectors", "per-batch optimizer (anchor)")
            finally:
                undo()
            if args.build_vectors == "random":
                print(
                    f"  ratio: {old['s'] / new['s']:.2f}x faster, peak folder {old['peak_disk'] / max(new['peak_disk'], 1):.2f}x smaller"
                )
        index = EdgeIndex(data / "vectors", onnx.dimension)
        if args.build_vectors == "random":
            print("  (random vectors: search figures below rank random neighbours; latency is what they show)")
        print("search end to end, query embedding included, one client:")
        p50, p95 = latency(GuideSearch(onnx, index), queries, filters)
        print(f"  onnx (now)      p50 {p50:5.1f} ms  p95 {p95:5.1f} ms   target p95 <= 15 ms: {verdict(p95, 15)}")
        torch_embedder = None
        if not args.skip_torch:
            from retrieval.embedder import SentenceTransformerEmbedder

            torch_embedder = SentenceTransformerEmbedder(threads=1)
            t50, t95 = latency(GuideSearch(torch_embedder, index), queries, filters)
            print(f"  torch (anchor)  p50 {t50:5.1f} ms  p95 {t95:5.1f} ms   ratio p50 {t50 / p50:.2f}x")
        print(f"concurrency ({len(queries)} searches, threads searching back to back):")
        batched = GuideSearch(QueryBatcher(onnx), index)
        r1, q1 = concurrent(batched, queries, filters, 1)
        r16, q16 = concurrent(batched, queries, filters, 16)
        print(
            f"  onnx + batcher (now): 1 client {r1:5.0f}/s p95 {q1:5.1f} ms; 16 clients {r16:5.0f}/s p95 {q16:5.1f} ms;"
            f" 16/1 = {r16 / r1:.2f}x (target >= 1.5x, p95 < 100 ms: {verdict(1.5, r16 / r1)}, {verdict(q16, 100)})"
        )
        if torch_embedder is not None:
            import torch

            torch.set_num_threads(os.cpu_count() or 1)  # the old default: the model's threads on every core
            anchor = GuideSearch(torch_embedder, index)
            a1, b1 = concurrent(anchor, queries, filters, 1)
            a16, b16 = concurrent(anchor, queries, filters, 16)
            print(
                f"  torch, all threads, no batcher (anchor): 1 client {a1:5.0f}/s p95 {b1:5.1f} ms; 16 clients "
                f"{a16:5.0f}/s p95 {b16:5.1f} ms; 16/1 = {a16 / a1:.2f}x"
            )
        index.close()
        served = run_json(_SERVE, str(data))
        print(
            f"serving (fresh process, default settings, this index): first answered search {served['s']:.2f} s "
            f"after imports began ({served['wall_s']:.2f} s with the interpreter), RSS {served['rss_mb']:,.0f} MB, "
            f"torch imported: {bool(served['torch'])}; targets < 3 s: {verdict(served['wall_s'], 3)}, "
            f"RSS < 700 MB: {verdict(served['rss_mb'], 700)}"
        )


def backends(args: argparse.Namespace, cache: Path, real: list[str]) -> None:
    """Cold start, RSS, latency and throughput of both embedding backends, and how far their vectors agree."""
    import numpy as np

    print("embedding backends (fresh process each: import, load, first vector):")
    cold = run_json(_COLD, "onnx", str(cache))
    line = f"  onnx (now)      {cold['wall_s']:.2f} s, RSS {cold['rss_mb']:,.0f} MB, torch imported: {cold['torch']}"
    print(line)
    if args.skip_torch:
        return
    warm = run_json(_COLD, "torch", str(cache))
    print(f"  torch (anchor)  {warm['wall_s']:.2f} s, RSS {warm['rss_mb']:,.0f} MB")
    print(
        f"  ratio: {warm['wall_s'] / cold['wall_s']:.1f}x faster start, {warm['rss_mb'] / cold['rss_mb']:.1f}x less memory"
    )
    from retrieval.embedder import SentenceTransformerEmbedder

    onnx, torch_embedder = OnnxEmbedder(bundled_model_path(), cache, threads=1), SentenceTransformerEmbedder(threads=1)
    rng = random.Random(args.seed)
    queries = make_queries(200, rng)
    sample = (real or queries)[:1000]
    figures = {}
    for name, e in (("onnx", onnx), ("torch", torch_embedder)):
        e.embed(queries[:5], "query")
        times = []
        for q in queries:
            start = time.perf_counter()
            e.embed([q], "query")
            times.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        e.embed(sample, "document")
        figures[name] = (*percentiles(times)[:2], len(sample) / (time.perf_counter() - start))
    a = np.array(onnx.embed(sample, "document"))
    b = np.array(torch_embedder.embed(sample, "document"))
    cos = (a * b).sum(axis=1)
    for name, (p50, p95, rate) in figures.items():
        print(f"  {name:6} query p50 {p50:5.2f} ms p95 {p95:5.2f} ms; documents {rate:6.0f} sentences/s (1 thread)")
    print(
        f"  ratio: query p50 {figures['torch'][0] / figures['onnx'][0]:.2f}x, documents {figures['onnx'][2] / figures['torch'][2]:.2f}x"
    )
    print(f"  agreement on {len(sample)} sentences: cosine min {cos.min():.6f}, mean {cos.mean():.6f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, action="append", help="chunk counts (repeatable; default 10000)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--communities", type=int, default=8)
    parser.add_argument("--build-vectors", choices=("model", "random"), default="model")
    parser.add_argument("--old-path-max", type=int, default=100_000, help="largest size to also build the old way")
    parser.add_argument("--skip-torch", action="store_true", help="no torch anchor (faster; ratios are not shown)")
    parser.add_argument("--tmp", type=Path, default=None, help="where to build indexes (default: the system's)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    real = real_sentences(THREADS)
    with tempfile.TemporaryDirectory(prefix="tacit-models-") as models:
        cache = Path(models)
        started = time.perf_counter()
        OnnxEmbedder(bundled_model_path(), cache).load()
        print(
            f"ONNX export of the bundled model (once per install, cached under the data folder): {time.perf_counter() - started:.1f} s"
        )
        backends(args, cache, real)
        for chunks in args.chunks or [10_000]:
            one_size(args, chunks, cache, real)
    print(f"\nbench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
