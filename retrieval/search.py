"""Guide search: hybrid (meaning + words) within the reader's communities, one hit per guide."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from retrieval.chunking import chunk_guide, embedding_text
from retrieval.ports import Chunk, Embedder, SearchMode, SparseVector, VectorIndex
from retrieval.sparse import SparseEncoder
from synthesizer.model import GuideDraft, Section

# A guide has at most one chunk per section, so this many chunks per wanted hit always yields
# `limit` distinct guides when that many match.
_OVERFETCH = len(Section)
_REINDEX_BATCH = 256
# A rebuild flushes the index this often: the engine releases replaced files only then (bounded disk and memory).
_FLUSH_EVERY = 50_000
# ... and records its progress this often (about 30 s of embedding on 2 cores): what a kill -9 costs at most.
_CHECKPOINT_EVERY = 5_000

GuideRecord = tuple[str, str, int, GuideDraft]  # guide_id, community_id, version, draft


@dataclass(frozen=True)
class ReindexProgress:
    """How far a rebuild got: every guide up to `after` (in id order) is indexed, `chunks` chunks in all."""

    after: str | None
    chunks: int

    def note(self) -> str:
        return json.dumps({"after": self.after, "chunks": self.chunks})


@dataclass(frozen=True)
class GuideHit:
    guide_id: str
    title: str
    section: str
    text: str
    score: float
    citations: tuple[str, ...]


class GuideSearch:
    """Indexes reviewed guides and finds them by meaning and by words, within the communities a learner may read.

    `mode="hybrid"` (default) fuses a dense (embedding) and a sparse (BM25) search by weighted distribution-based
    score fusion (`retrieval.fusion`), both filtered inside the index; `mode="dense"` is the embedding search alone. Chunks always get both vectors, so
    one index serves either mode.
    """

    def __init__(
        self,
        embedder: Embedder,
        index: VectorIndex,
        *,
        mode: SearchMode = "hybrid",
        sparse: SparseEncoder | None = None,
    ) -> None:
        self._embedder = embedder
        self._index = index
        self._mode = mode
        self._sparse = sparse or SparseEncoder()

    def index_guide(self, guide_id: str, community_id: str, version: int, draft: GuideDraft) -> int:
        """Replace the guide's chunks with those of this version; returns how many were indexed."""
        chunks = chunk_guide(guide_id, community_id, version, draft)
        # Embed before deleting: if embedding fails, the previous version stays searchable.
        vectors = self._embed(chunks)
        self._index.delete_guide(guide_id)
        if chunks:
            self._index.upsert(chunks, vectors, self._terms(chunks))
        return len(chunks)

    def remove_guide(self, guide_id: str) -> None:
        """Take a guide out of search."""
        self._index.delete_guide(guide_id)

    def search(self, query: str, community_ids: Sequence[str], limit: int = 10) -> list[GuideHit]:
        """Up to `limit` guides, best first, each shown by its best-matching section."""
        if not query.strip() or not community_ids or limit <= 0:
            return []
        [vector] = self._embedder.embed([query], kind="query")
        terms = self._sparse.query(query) if self._mode == "hybrid" else None
        hits = self._index.search(vector, terms, community_ids, limit * _OVERFETCH)
        best: dict[str, GuideHit] = {}
        for hit in hits:  # best first, so the first chunk seen of a guide is its best section
            chunk = hit.chunk
            if chunk.guide_id not in best:
                best[chunk.guide_id] = GuideHit(
                    guide_id=chunk.guide_id,
                    title=chunk.title,
                    section=chunk.section,
                    text=chunk.text,
                    score=hit.score,
                    citations=chunk.citations,
                )
        return sorted(best.values(), key=lambda h: h.score, reverse=True)[:limit]

    def interrupted_reindex(self) -> ReindexProgress | None:
        """Where an interrupted rebuild stopped (None: none was interrupted, or the index keeps no note)."""
        note = self._index.rebuild_note()
        if note is None:
            return None
        try:
            fields = json.loads(note)
            return ReindexProgress(after=fields["after"], chunks=int(fields["chunks"]))
        except (ValueError, KeyError, TypeError):
            return None  # an unreadable note: rebuild from the start rather than trust it

    def reindex(
        self,
        guides: Iterable[GuideRecord],
        progress: Callable[[int], None] | None = None,
        *,
        resume: ReindexProgress | None = None,
    ) -> int:
        """Rebuild the index from `guides` (one version per guide, in guide id order), in batches.

        Without `resume` the index is emptied first. With it (from `interrupted_reindex()`), the chunks already
        stored stay and `guides` must be those after `resume.after`. Every `_CHECKPOINT_EVERY` chunks the index
        records how far it got (after making the writes durable), so a killed rebuild continues from there.
        `progress` receives the number of chunks indexed so far after each batch. Returns the total. Memory is
        bounded by one batch: `guides` may be a generator reading the database page by page.
        """
        if resume is None:
            self._index.reset()
            resume = ReindexProgress(after=None, chunks=0)
        self._index.set_rebuild_note(resume.note())
        total = noted = flushed = resume.chunks
        pending: list[Chunk] = []
        for guide_id, community_id, version, draft in guides:
            pending.extend(chunk_guide(guide_id, community_id, version, draft))
            while len(pending) >= _REINDEX_BATCH:
                batch, pending = pending[:_REINDEX_BATCH], pending[_REINDEX_BATCH:]
                total += self._store(batch, progress, total)
            if total - noted >= _CHECKPOINT_EVERY:
                # The rest of this guide's chunks first: the note vouches for every guide up to this one.
                total += self._store(pending, progress, total)
                pending = []
                if total - flushed >= _FLUSH_EVERY:
                    self._index.flush()
                    flushed = total
                self._index.set_rebuild_note(ReindexProgress(after=guide_id, chunks=total).note())
                noted = total
        total += self._store(pending, progress, total)
        self._index.flush()
        self._index.set_rebuild_note(None)
        return total

    def _store(self, chunks: list[Chunk], progress: Callable[[int], None] | None, done: int) -> int:
        if not chunks:
            return 0
        self._index.upsert(chunks, self._embed(chunks), self._terms(chunks))
        if progress is not None:
            progress(done + len(chunks))
        return len(chunks)

    def _terms(self, chunks: Sequence[Chunk]) -> list[SparseVector]:
        return [self._sparse.document(embedding_text(c)) for c in chunks]

    def _embed(self, chunks: Sequence[Chunk]) -> list[list[float]]:
        if not chunks:
            return []
        return self._embedder.embed([embedding_text(c) for c in chunks], kind="document")
