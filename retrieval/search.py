"""Guide search: hybrid (meaning + words) within the reader's communities, one hit per guide."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from retrieval.chunking import DEFAULT_WINDOWING, Windowing, chunk_guide, embedding_text
from retrieval.ports import Chunk, ChunkHit, Embedder, Progress, SearchMode, SparseVector, VectorIndex
from retrieval.sparse import SparseEncoder
from synthesizer.model import GuideDraft, Section

# Chunks fetched per wanted guide: one per section covers most guides. A guide whose sections were cut into many
# windows can fill the page alone; the search then fetches `_REFETCH` times more, up to `_MAX_FETCH` chunks.
_OVERFETCH = len(Section)
_REFETCH = 4
_MAX_FETCH = 2_000
_REINDEX_BATCH = 256
# Share of a section's first window in the vector of each later window (see `_with_lead`): a round half; on the
# development set it was the best share on IRC and within 0.002 nDCG@10 of the best on Stack Exchange (0.3-0.7 tried).
_LEAD = 0.5
# A rebuild flushes the index this often: the engine releases replaced files only then (bounded disk and memory).
_FLUSH_EVERY = 50_000
# ... and records its progress this often (about 30 s of embedding on 2 cores): what a kill -9 costs at most.
_CHECKPOINT_EVERY = 5_000

GuideRecord = tuple[str, str, int, GuideDraft]  # guide_id, community_id, version, draft
_Leads = dict[tuple[str, str], list[float]]  # (guide id, section): the section's first window's vector


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
        windowing: Windowing = DEFAULT_WINDOWING,
    ) -> None:
        self._embedder = embedder
        self._index = index
        self._mode = mode
        self._sparse = sparse or SparseEncoder()
        self._windowing = windowing

    def index_guide(self, guide_id: str, community_id: str, version: int, draft: GuideDraft) -> int:
        """Replace the guide's chunks with those of this version; returns how many were indexed."""
        chunks = chunk_guide(guide_id, community_id, version, draft, self._windowing)
        # Embed before deleting: if embedding fails, the previous version stays searchable.
        vectors = self._embed(chunks)
        self._index.delete_guide(guide_id)
        if chunks:
            self._index.upsert(chunks, vectors, self._terms(chunks))
        return len(chunks)

    def remove_guide(self, guide_id: str, *, forget: bool = False) -> None:
        """Take a guide out of search; `forget`: its words must also leave the index's files (`compact` is due)."""
        if forget:
            self._index.forget_guide(guide_id)
        else:
            self._index.delete_guide(guide_id)

    def compaction_due(self) -> bool:
        """A forgotten guide's words may still be in the index's files."""
        return self._index.compaction_due()

    def compact(self, progress: Progress | None = None) -> int:
        """Rewrite the index without the bytes of deleted points; returns the points kept."""
        return self._index.compact(progress)

    def search(self, query: str, community_ids: Sequence[str], limit: int = 10) -> list[GuideHit]:
        """Up to `limit` guides, best first, each scored and shown by its best-matching chunk (max pooling)."""
        if not query.strip() or not community_ids or limit <= 0:
            return []
        [vector] = self._embedder.embed([query], kind="query")
        terms = self._sparse.query(query) if self._mode == "hybrid" else None
        fetch = limit * _OVERFETCH
        while True:
            hits = self._index.search(vector, terms, community_ids, fetch)
            best = _best_per_guide(hits)
            if len(best) >= limit or len(hits) < fetch or fetch >= _MAX_FETCH:
                return best[:limit]
            fetch = min(fetch * _REFETCH, _MAX_FETCH)

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
        leads: _Leads = {}  # first windows of the sections a batch may have cut (see `_with_lead`)
        for guide_id, community_id, version, draft in guides:
            pending.extend(chunk_guide(guide_id, community_id, version, draft, self._windowing))
            while len(pending) >= _REINDEX_BATCH:
                batch, pending = pending[:_REINDEX_BATCH], pending[_REINDEX_BATCH:]
                total += self._store(batch, progress, total, leads)
            if total - noted >= _CHECKPOINT_EVERY:
                # The rest of this guide's chunks first: the note vouches for every guide up to this one. A note is
                # only ever taken at a guide boundary, so a resumed rebuild needs no section lead from before it.
                total += self._store(pending, progress, total, leads)
                pending = []
                if total - flushed >= _FLUSH_EVERY:
                    self._index.flush()
                    flushed = total
                self._index.set_rebuild_note(ReindexProgress(after=guide_id, chunks=total).note())
                noted = total
        total += self._store(pending, progress, total, leads)
        self._index.flush()
        self._index.set_rebuild_note(None)
        return total

    def _store(self, chunks: list[Chunk], progress: Callable[[int], None] | None, done: int, leads: _Leads) -> int:
        if not chunks:
            return 0
        self._index.upsert(chunks, self._embed(chunks, leads), self._terms(chunks))
        if progress is not None:
            progress(done + len(chunks))
        return len(chunks)

    def _terms(self, chunks: Sequence[Chunk]) -> list[SparseVector]:
        return [self._sparse.document(embedding_text(c)) for c in chunks]

    def _embed(self, chunks: Sequence[Chunk], leads: _Leads | None = None) -> list[list[float]]:
        """Dense vectors of chunks in window order: a section's later windows lean on its first (`_with_lead`)."""
        if not chunks:
            return []
        vectors = self._embedder.embed([embedding_text(c) for c in chunks], kind="document")
        return _with_lead(chunks, vectors, {} if leads is None else leads)


def _with_lead(chunks: Sequence[Chunk], vectors: list[list[float]], leads: _Leads) -> list[list[float]]:
    """Each later window of a section becomes the mean of its own vector and the section's first window's.

    The index scores by dot product, so such a window scores half its own match and half the section's opening
    (where a post states its topic): a passage deep in a long thread no longer outranks a thread about the question
    on one matching window. On the development set, scoring a document by half its best window and half its first
    beat both the best window alone and the first alone on Stack Exchange and on IRC. A one-window section keeps its
    unit vector, so short guides score exactly as by cosine.
    """
    blended = []
    for chunk, vector in zip(chunks, vectors, strict=True):
        key = (chunk.guide_id, chunk.section)
        if key not in leads:  # chunks come in window order: the first seen of a section is its first window
            leads.clear()  # only the last section can go on in the next batch: memory stays one vector
            leads[key] = vector
            blended.append(vector)
        else:
            blended.append([_LEAD * a + (1.0 - _LEAD) * b for a, b in zip(leads[key], vector, strict=True)])
    return blended


def _best_per_guide(hits: Sequence[ChunkHit]) -> list[GuideHit]:
    """One hit per guide, its best chunk's, best first (`hits` come best first)."""
    best: dict[str, GuideHit] = {}
    for hit in hits:
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
    return sorted(best.values(), key=lambda h: h.score, reverse=True)
