"""ONNX Runtime Embedder: the bundled MiniLM exported once to ONNX, tokenized with `tokenizers`; no torch when serving.

Vectors match sentence-transformers' (mean pooling over the attention mask, then L2 normalization) within 1e-4
cosine (tests/integration/test_embedder.py). The export runs once, in a subprocess (torch lives only there), and is
cached under the data folder keyed by the model's files.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.errors import EmbedderError
from retrieval.ports import EmbedKind

MINILM_DIMENSION = 384


def onnx_cache_file(model_dir: Path, cache_dir: Path) -> Path:
    """Where the export of `model_dir` is cached: named by a fingerprint of the model's config and weights."""
    digest = hashlib.sha256()
    for name in ("config.json", "tokenizer.json", "sentence_bert_config.json"):
        file = model_dir / name
        digest.update(file.read_bytes() if file.exists() else b"")
    for weights in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return cache_dir / f"{model_dir.name}-{digest.hexdigest()[:16]}.onnx"


def ensure_onnx_export(model_dir: Path, cache_dir: Path) -> Path:
    """The cached ONNX file for `model_dir`, exported first (about 10 s, once) when it is missing."""
    target = onnx_cache_file(model_dir, cache_dir)
    if not target.exists():
        # A subprocess: torch (needed to export) is loaded there and its ~400 MB leave with it.
        done = subprocess.run(
            # By file, not `-m`: it imports nothing of Tacit, so it runs whatever the caller's sys.path.
            [sys.executable, str(Path(__file__).with_name("onnx_export.py")), str(model_dir), str(target)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not target.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise EmbedderError(f"could not export {model_dir} to ONNX: {tail[0]}")
    return target


class OnnxEmbedder:
    """Normalized sentence embeddings from an ONNX export of a sentence-transformers model; thread-safe."""

    def __init__(self, model_dir: Path, cache_dir: Path, *, threads: int = 1, batch_size: int = 16) -> None:
        self._model_dir = model_dir
        self._cache_dir = cache_dir
        self._threads = threads
        self._batch_size = batch_size
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self.dimension = MINILM_DIMENSION

    def load(self) -> None:
        """Load the model now (warm-up); later calls are free."""
        self._loaded()

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> list[list[float]]:
        """Embed texts as queries or documents (MiniLM treats both alike); unit-length vectors."""
        if not texts:
            return []
        session, tokenizer = self._loaded()
        # Longest first, as sentence-transformers does: batches of similar length waste little on padding.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            picked = order[start : start + self._batch_size]
            vectors[picked] = self._encode(session, tokenizer, [texts[i] for i in picked])
        return vectors.tolist()

    def _encode(self, session: Any, tokenizer: Any, texts: list[str]) -> np.ndarray:
        encodings = tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        [tokens] = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        weights = mask[..., None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        # Always unit length, as the torch embedder asks of sentence-transformers (normalize_embeddings=True).
        unit: np.ndarray = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return unit

    def _loaded(self) -> tuple[Any, Any]:
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._tokenizer = self._build_tokenizer()
                    self._session = self._build_session()
        return self._session, self._tokenizer

    def _build_session(self) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        # Bounded threads: requests, jobs and the model share few cores; more threads per call fight, not help.
        options.intra_op_num_threads = max(0, self._threads)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # No memory arena: it keeps the largest batch's buffers (hundreds of MB for 256-token documents) for good;
        # without it a long document batch costs its memory only while it runs.
        options.enable_cpu_mem_arena = False
        # Pool threads that spin while waiting steal the cores that requests and jobs need (and, on a shared
        # machine, other processes'): they sleep instead.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        model_file = ensure_onnx_export(self._model_dir, self._cache_dir)
        session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.dimension = int(session.get_outputs()[0].shape[-1] or MINILM_DIMENSION)
        return session

    def _build_tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        config = _json(self._model_dir / "sentence_bert_config.json")
        pooling = _json(self._model_dir / "1_Pooling" / "config.json")
        if pooling and not pooling.get("pooling_mode_mean_tokens", False):
            raise EmbedderError(f"{self._model_dir} does not use mean pooling; set TACIT_EMBEDDING_BACKEND=torch")
        tokenizer = Tokenizer.from_file(str(self._model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(int(config.get("max_seq_length", 256)))
        pad_id = tokenizer.token_to_id("[PAD]") or 0
        tokenizer.enable_padding(pad_id=pad_id, pad_token="[PAD]")
        return tokenizer


def _json(file: Path) -> dict[str, Any]:
    return json.loads(file.read_text()) if file.exists() else {}
