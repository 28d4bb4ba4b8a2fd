"""Micro-batching of query embeddings: queries that arrive together share one model call."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future

from retrieval.ports import Embedder, EmbedKind


class QueryBatcher:
    """An Embedder that gathers concurrent query embeddings into batches; documents go straight through.

    One thread runs the model for queries: while it embeds one batch the next queries wait and then go together,
    so throughput grows with concurrent searches instead of threads fighting for the cores. A lone query is
    embedded at once (no waiting window).
    """

    def __init__(self, inner: Embedder, max_batch: int = 32) -> None:
        self._inner = inner
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[str, Future[list[float]]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches = 0  # model calls made for queries (a bench reads it)

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> list[list[float]]:
        """Embed texts; queries are batched with those of other threads."""
        if kind != "query" or not texts:
            return self._inner.embed(texts, kind)
        self._started()
        futures: list[Future[list[float]]] = []
        for text in texts:
            future: Future[list[float]] = Future()
            self._queue.put((text, future))
            futures.append(future)
        return [f.result() for f in futures]

    def _started(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._serve, name="tacit-query-embedder", daemon=True)
                    self._thread.start()

    def _serve(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._run(batch)

    def _run(self, batch: list[tuple[str, Future[list[float]]]]) -> None:
        self.batches += 1
        try:
            vectors = self._inner.embed([text for text, _ in batch], "query")
        except Exception as error:  # every waiting caller gets the failure, the thread lives on
            for _, future in batch:
                future.set_exception(error)
            return
        for (_, future), vector in zip(batch, vectors, strict=True):
            future.set_result(vector)
