"""The ONNX Runtime embedder: the same vectors as sentence-transformers on torch, and no torch when serving."""

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from retrieval.batcher import QueryBatcher
from retrieval.embedder import SentenceTransformerEmbedder, bundled_model_path
from retrieval.onnx_embedder import OnnxEmbedder, onnx_cache_file

pytestmark = pytest.mark.model

TEXTS = [
    "reset a forgotten password",
    "How do I speed up the slow tenant listing query in PostgreSQL when the planner ignores the index?",
    "Über naïve café: émojis 🎉, CJK 漢字 and <script>alert(1)</script>",
    "word " * 400,  # past the model's 256 tokens: truncated the same way
    "",
    "x",
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def onnx(cache_dir: Path) -> OnnxEmbedder:
    embedder = OnnxEmbedder(bundled_model_path(), cache_dir, threads=1)
    embedder.load()  # exports once into cache_dir
    return embedder


def test_construction_loads_and_exports_nothing(tmp_path: Path):
    OnnxEmbedder(bundled_model_path(), tmp_path)

    assert list(tmp_path.iterdir()) == []


def test_vectors_match_torch_within_1e_4_cosine(onnx: OnnxEmbedder):
    torch_embedder = SentenceTransformerEmbedder()
    for kind in ("query", "document"):
        got = np.array(onnx.embed(TEXTS, kind=kind))  # type: ignore[arg-type]
        want = np.array(torch_embedder.embed(TEXTS, kind=kind))  # type: ignore[arg-type]
        cosines = (got * want).sum(axis=1)

        assert got.shape == (len(TEXTS), 384)
        assert cosines.min() >= 1 - 1e-4, cosines
        assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_a_batch_gives_each_text_its_own_vector(onnx: OnnxEmbedder):
    alone = [onnx.embed([t], kind="query")[0] for t in TEXTS]
    together = onnx.embed(TEXTS, kind="query")

    assert np.allclose(np.array(alone), np.array(together), atol=1e-5)


def test_the_export_is_cached_under_the_given_folder(onnx: OnnxEmbedder, cache_dir: Path):
    cached = onnx_cache_file(bundled_model_path(), cache_dir)

    assert cached.exists() and cached.parent == cache_dir
    assert [p.name for p in cache_dir.iterdir()] == [cached.name]  # no partial files left behind


def test_concurrent_queries_share_model_calls_and_get_their_own_vectors(onnx: OnnxEmbedder):
    batcher = QueryBatcher(onnx)
    queries = [f"question number {i} about tenant listing" for i in range(24)]
    results: dict[int, list[float]] = {}

    def ask(i: int) -> None:
        [results[i]] = batcher.embed([queries[i]], kind="query")

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(queries))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    expected = np.array(onnx.embed(queries, kind="query"))
    assert np.allclose(np.array([results[i] for i in range(len(queries))]), expected, atol=1e-5)
    assert batcher.batches < len(queries)


def test_the_serving_path_never_imports_torch(onnx: OnnxEmbedder, cache_dir: Path, tmp_path: Path):
    data_dir = tmp_path / "data"
    (data_dir / "models").mkdir(parents=True)
    cached = onnx_cache_file(bundled_model_path(), cache_dir)
    (data_dir / "models" / cached.name).symlink_to(cached)
    script = textwrap.dedent(
        f"""
        import json, sys
        from api.settings import Settings
        from api.bootstrap import build
        from api.app import create_app
        tacit = build(Settings(data_dir={str(data_dir)!r}))
        create_app(tacit)
        tacit.warm_up().join()
        [vector] = tacit.embedder.embed(["slow tenant listing"], "query")
        print(json.dumps({{"dim": len(vector), "modules": sorted(m for m in sys.modules
              if m.split(".")[0] in ("torch", "sentence_transformers", "transformers"))}}))
        tacit.stop()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=180, cwd=Path(__file__).parents[2]
    )

    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"dim": 384, "modules": []}
