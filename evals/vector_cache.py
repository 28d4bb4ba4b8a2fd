"""Embeddings kept on disk between evaluation runs: the same model, kind and text are embedded once.

An evaluation embeds thousands of documents (minutes of CPU on a small machine); comparing settings re-embeds the
same texts. `CachedEmbedder` wraps an Embedder and keeps its vectors in one SQLite file, keyed by a hash of the
model's name (what the caller says identifies the model), the kind (query or document) and the text with its
whitespace runs made single spaces: MiniLM's WordPiece tokenizer splits on any whitespace, so texts that differ only
there get the same vector (a model whose tokenizer keeps line breaks needs a cache of its own).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from array import array
from collections.abc import Sequence
from pathlib import Path

from retrieval.ports import Embedder, EmbedKind


class CachedEmbedder:
    """An Embedder that asks `inner` only for texts it has not embedded before with the same `model_key`."""

    def __init__(self, inner: Embedder, path: Path, model_key: str) -> None:
        self.inner = inner
        self._model_key = model_key
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> list[list[float]]:
        keys = [self._key(text, kind) for text in texts]
        found = self._lookup(keys)
        missing = list(dict.fromkeys(i for i, key in enumerate(keys) if key not in found))
        if missing:
            fresh = self.inner.embed([texts[i] for i in missing], kind)
            rows = {keys[i]: vector for i, vector in zip(missing, fresh, strict=True)}
            with self._lock, self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                    [(key, array("f", vector).tobytes()) for key, vector in rows.items()],
                )
            found.update({key: list(vector) for key, vector in rows.items()})
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        return [found[key] for key in keys]

    def close(self) -> None:
        self._db.close()

    def _key(self, text: str, kind: EmbedKind) -> bytes:
        words = " ".join(text.split())
        return hashlib.sha256(f"{self._model_key}\0{kind}\0{words}".encode()).digest()

    def _lookup(self, keys: Sequence[bytes]) -> dict[bytes, list[float]]:
        found: dict[bytes, list[float]] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for start in range(0, len(unique), 500):  # SQLite's limit on bound parameters
                part = unique[start : start + 500]
                marks = ",".join("?" * len(part))
                for key, blob in self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", part):
                    found[key] = array("f", blob).tolist()
        return found
