"""VectorIndex over qdrant-edge: Qdrant's engine in process (HNSW, payload indexes), persisted in one folder.

The embedded default: no server, one process per folder. Dense and sparse vectors per chunk; the community filter
runs inside the engine on both legs of a hybrid search, and the sparse leg's IDF is that of the communities
searched only, from document frequencies kept per community as chunks are written (`retrieval.term_stats`).

Layout of the folder (it belongs to the index):
- `tacit-index.json`: what Tacit stored (sparse encoding, dimension) and which `shard-*` folder is the index;
  replaced atomically, so it always names a complete shard.
- `shard-<id>/`: the qdrant-edge shard (segments and WAL). A folder from before compaction existed keeps its
  shard in the folder itself until its first compaction.
- `.lock`: held (flock) by the one process that has the index open.
- `compact-due`: an erasure deleted points whose bytes are still in the files (see `compact`).
- `term-stats.json`: the kept document frequencies, written when the index is flushed or closed and removed
  before the next write; missing (a kill, a crash), they are counted again from the shard on open.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from retrieval.chunking import CHUNKING_VERSION
from retrieval.errors import IndexBusy, IndexConfigError
from retrieval.fusion import DENSE_WEIGHT, SPARSE_WEIGHT, dbsf
from retrieval.points import DENSE, KEYWORD_FIELDS, SPARSE, chunk_from_payload, chunk_payload, floats, point_id
from retrieval.ports import Chunk, ChunkHit, Progress, SparseVector
from retrieval.sparse import SPARSE_VERSION
from retrieval.term_stats import TermStats

_UPSERT_BATCH = 256
# Bulk writes (a rebuild) optimize once per this many points, not per batch: each optimizer run rewrites segments,
# so running it per small batch made a 300k rebuild quadratic in time and left GBs of replaced segment files.
_OPTIMIZE_EVERY = 25_000
# The engine keeps the files of segments the optimizer replaced until the shard is flushed (or closed): a server
# replacing guides one by one grew its folder without bound (1,000 guides replaced in an 8,000-chunk index: 242 ->
# 600 MB, `bench.scale_bench` "live writes"). A flush every this many written points keeps it flat, at little cost.
_RELEASE_EVERY = 500
# A leg of a search carries only the chunk id (what fusion keys on); payloads are read once for the hits returned.
_ID_ONLY = qe.PayloadSelector.Include(["id"])
_MARKER = "tacit-index.json"  # what Tacit stored here: checked on open, so a stale layout asks for a reindex
_EDGE_CONFIG = "edge_config.json"
_LOCK = ".lock"
_COMPACT_DUE = "compact-due"
_TERM_STATS = "term-stats.json"
# The marker of a shard whose sparse vectors carry no IDF modifier: the query brings the kept IDF. Shards from
# before (the engine's modifier, IDF counted per query) are searched that way until compacted or rebuilt.
_KEPT_IDF = "kept"
_SPARSE_TERMS = [SPARSE]  # with_vector: only the sparse vector, to count its terms
_COMMUNITY_ONLY = qe.PayloadSelector.Include(["community_id"])
_SHARD_PREFIX = "shard-"
_IN_PLACE = (_EDGE_CONFIG, "segments", "wal")  # a shard written in the folder itself (before compaction existed)
# An interrupted rebuild's progress (retrieval.search.GuideSearch.reindex). A file of its own, not a field of the
# marker: compaction rewrites the marker to name its new shard, and must not lose a note (it copies every point the
# note vouches for, so the note stays true).
_REBUILD_NOTE = "rebuild-progress.json"


class EdgeIndex:
    """Chunks as points of a qdrant-edge shard in `path` (the folder belongs to the index); thread-safe."""

    def __init__(self, path: Path, dimension: int, sparse_weight: float = SPARSE_WEIGHT) -> None:
        self._path = Path(path)
        self._dimension = dimension
        self._weights = (DENSE_WEIGHT, sparse_weight)
        self._shard: Any = None  # opened on first use: constructing the index touches nothing
        self._location: Path | None = None  # the open shard's folder
        self._held: _FolderLock | None = None  # while this index holds the folder
        self._unoptimized = 0  # points written since the optimizer last ran
        self._unreleased = 0  # points written or deleted since the engine last released replaced files
        self._rebuilding = False  # set_rebuild_note(...) until set_rebuild_note(None): bulk writes
        # The shard is one mutable object; calls are short (ms), so one lock keeps it simple and safe.
        self._lock = threading.RLock()
        self._compacting = threading.Lock()  # one compaction at a time
        self._journal: list[Any] | None = None  # writes made while a compaction copies, replayed on the new shard
        self._forgotten = 0  # forget_guide calls so far: one during a compaction means it must run again
        self._stats = TermStats()  # of the open shard's live points
        self._stats_saved = False  # `_TERM_STATS` on disk is exactly `_stats`
        self._stats_exact = True  # False from a write until it is counted: an interrupted write leaves it False
        self._kept_idf = True  # the open shard is searched with `_stats` (else with the engine's IDF modifier)

    def upsert(self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]], sparse: Sequence[SparseVector]) -> None:
        """Insert or replace chunks by id (the same chunk twice is one point)."""
        if not len(chunks) == len(dense) == len(sparse):
            raise ValueError(f"{len(chunks)} chunks but {len(dense)} dense and {len(sparse)} sparse vectors")
        with self._lock:
            shard = self._opened()
            self._writing()
            for start in range(0, len(chunks), _UPSERT_BATCH):
                end = start + _UPSERT_BATCH
                written = {  # by point: the same chunk twice in a batch is one point, the last one
                    point_id(chunk.id): (chunk, d, s)
                    for chunk, d, s in zip(chunks[start:end], dense[start:end], sparse[start:end], strict=True)
                }
                replaced = shard.retrieve(list(written), with_payload=_COMMUNITY_ONLY, with_vector=_SPARSE_TERMS)
                points = [
                    qe.Point(
                        id=key,
                        vector={DENSE: floats(d), SPARSE: qe.SparseVector(list(s.indices), list(s.values))},
                        payload=chunk_payload(chunk),
                    )
                    for key, (chunk, d, s) in written.items()
                ]
                self._apply(qe.UpdateOperation.upsert_points(points))
                self._uncount(replaced)
                for chunk, _, s in written.values():
                    self._stats.add(chunk.community_id, s.indices)
            self._stats_exact = True
            # The engine has no background optimizer: build HNSW / merge segments when its planner asks for it
            # (a no-op taking microseconds otherwise). A live write (one guide) optimizes at once so it is searched
            # through HNSW; during a rebuild (a rebuild note is set) writes wait for `_OPTIMIZE_EVERY` points or
            # `flush()`.
            self._unoptimized += len(chunks)
            if not self._rebuilding or self._unoptimized >= _OPTIMIZE_EVERY:
                shard.optimize()
                self._unoptimized = 0
            self._wrote(len(chunks))

    def delete_guide(self, guide_id: str) -> None:
        """Delete every chunk of a guide, all versions (their bytes stay in the files until `compact`)."""
        with self._lock:
            shard = self._opened()
            self._writing()
            deleted = list(self._scrolled(shard, _match("guide_id", [guide_id])))
            self._apply(qe.UpdateOperation.delete_points_by_filter(_match("guide_id", [guide_id])))
            self._uncount(deleted)
            self._stats_exact = True
            shard.optimize()  # vacuums segments once enough points are deleted
            self._wrote(1)  # the points deleted are not counted: a guide has a handful

    def forget_guide(self, guide_id: str) -> None:
        """Delete a guide's chunks because its words must leave the disk (erasure): `compact` is due from now,
        recorded in the folder before the delete, so a crash before the compaction still finds it due."""
        with self._lock:
            self._opened()
            _write_durably(self._path / _COMPACT_DUE, b"due\n")
            self._forgotten += 1
            self.delete_guide(guide_id)

    def compaction_due(self) -> bool:
        """True while a forgotten guide's bytes may still be in the folder's files."""
        return (self._path / _COMPACT_DUE).exists()

    def compact(self, progress: Progress | None = None) -> int:
        """Copy the live points into a fresh shard and swap it in; returns how many points were copied.

        Deleted and replaced points are not copied, so their bytes leave the folder with the old shard (segments,
        WAL and all). Searches and writes go on meanwhile: a write made during the copy is applied to both shards.
        Crash-safe: the marker naming the shard is replaced atomically, so a kill at any point leaves the old or the
        new index; the other one's folder is removed on the next open. `progress(copied, total)` after each page.
        """
        with self._compacting:
            with self._lock:
                old = self._opened()
                total = int(old.count(qe.CountRequest(exact=True)))
                name = f"{_SHARD_PREFIX}{uuid.uuid4().hex[:12]}"
                fresh = self._new_shard(self._path / name)
                self._journal, forgotten = [], self._forgotten
            try:
                copied = self._copy(old, fresh, total, progress)
                fresh.optimize()  # outside the lock: building HNSW over a big index takes a while
                with self._lock:
                    if self._shard is not old:  # closed or reset while the copy was optimized
                        raise IndexBusy(f"the index in {self._path} was closed or rebuilt during its compaction")
                    for operation in self._journal or ():
                        fresh.update(operation)
                    self._journal = None
                    fresh.optimize()
                    fresh.flush()
                    self._swap(name, fresh, done=self._forgotten == forgotten)
            except BaseException:
                with self._lock:
                    self._journal = None
                    if self._named() != name:  # failed before the swap: the old shard is still the index
                        with contextlib.suppress(Exception):
                            fresh.close()
                        shutil.rmtree(self._path / name, ignore_errors=True)
                raise
            return copied

    def search(
        self, dense: Sequence[float], sparse: SparseVector | None, community_ids: Sequence[str], limit: int
    ) -> list[ChunkHit]:
        """The best chunks among those of the given communities; hybrid (weighted DBSF) when `sparse` is given.

        Hybrid: both legs run filtered in one batch (IDF over the readable communities only), and are fused by
        `retrieval.fusion.dbsf` on chunk ids with the weights `fuse_legs` uses, so every adapter ranks alike.
        """
        if not community_ids or limit <= 0:
            return []
        allowed = _match("community_id", community_ids)  # inside the search, never after it
        nearest = qe.QueryRequest(
            limit=limit, query=qe.Query.Nearest(floats(dense), using=DENSE), filter=allowed, with_payload=_ID_ONLY
        )
        if sparse is None or not sparse.indices:
            with self._lock:
                points = self._opened().query(nearest)
            return self._shown(_scored(points))
        with self._lock:
            shard = self._opened()
            lexical = self._lexical(sparse, community_ids, allowed, limit)
            if lexical is None:  # no chunk the reader may see holds a query term: the sparse leg is empty
                by_meaning, by_words = shard.query(nearest), []
            else:
                by_meaning, by_words = shard.query_batch(qe.QueryBatchRequest([nearest, lexical]))
        fused = dbsf([_scored(by_meaning), _scored(by_words)], self._weights)
        return self._shown(fused[:limit])

    def _lexical(
        self, sparse: SparseVector, community_ids: Sequence[str], allowed: qe.Filter, limit: int
    ) -> qe.QueryRequest | None:
        """The sparse leg: BM25 with the IDF of the readable communities, as if they were the whole collection."""
        if self._kept_idf:
            if not self._stats_exact:  # a write was interrupted between the engine and the counts
                self._stats, self._stats_exact = self._counted(), True
            sparse = self._stats.weighted(sparse, community_ids)
            params = None
        else:  # a shard from before kept statistics: the engine counts the IDF under the filter
            params = qe.SearchParams(idf=qe.IdfParams(corpus=allowed))
        if not sparse.indices:
            return None
        vector = qe.SparseVector(list(sparse.indices), list(sparse.values))
        return qe.QueryRequest(
            limit=limit,
            query=qe.Query.Nearest(vector, using=SPARSE),
            filter=allowed,
            params=params,
            with_payload=_ID_ONLY,
        )

    def _shown(self, ranked: Sequence[tuple[str, float]]) -> list[ChunkHit]:
        """Hits for ranked chunk ids, their payloads read in one call (only for what is returned: reading every
        leg's payloads inside the queries took about half of a search at 100k chunks)."""
        if not ranked:
            return []
        with self._lock:
            records = self._opened().retrieve(
                [point_id(key) for key, _ in ranked], with_payload=True, with_vector=False
            )
        chunks = {record.payload["id"]: chunk_from_payload(record.payload) for record in records}
        # A chunk deleted between the query and the read is left out rather than shown half-known.
        return [ChunkHit(chunk=chunks[key], score=score) for key, score in ranked if key in chunks]

    def count(self) -> int:
        """Number of chunks in the index."""
        with self._lock:
            return int(self._opened().count(qe.CountRequest(exact=True)))

    def reset(self) -> None:
        """Drop every chunk and the folder's contents (a new shard is created on next use).

        Refuses (IndexBusy) while another process holds the folder: deleting files under a running server would
        break it; a stale or incompatible index is dropped all the same (that is what a rebuild is for).
        """
        with self._lock:
            self._rebuilding = False
            self._journal = None  # a compaction under way must not replay writes made before the reset
            if not self._path.exists():
                return
            self._hold_folder()
            try:
                self._close_shard()
                for entry in self._path.iterdir():  # the rebuild note too: an emptied index has no progress
                    if entry.name != _LOCK:
                        _remove(entry)
                self._stats, self._stats_saved, self._stats_exact = TermStats(), False, True
            finally:
                self._release_folder()

    def flush(self) -> None:
        """Optimize, then persist: the engine frees replaced segments' files on flush (the shard stays open)."""
        with self._lock:
            if self._shard is not None:
                self._shard.optimize()
                self._unoptimized = 0
                self._release()
                assert self._location is not None
                self._save_stats(self._location)

    def rebuild_note(self) -> str | None:
        """The progress an interrupted rebuild left (None: no rebuild under way)."""
        note = self._path / _REBUILD_NOTE
        return note.read_text() if note.exists() else None

    def set_rebuild_note(self, note: str | None) -> None:
        """Persist every write so far, then record `note` (None: the rebuild is done)."""
        with self._lock:
            self._opened()  # the shard and its folder exist before anything is noted in it
            self._release()  # a note never runs ahead of the points it vouches for, kill -9 included
            target = self._path / _REBUILD_NOTE
            self._rebuilding = note is not None
            if note is None:
                target.unlink(missing_ok=True)
                return
            _write_durably(target, note.encode())  # a kill leaves the old note or the new, never half of one

    def close(self) -> None:
        """Flush and release the shard and the folder (reopened on next use)."""
        with self._lock:
            shard_folder = self._location
            try:
                self._close_shard()  # the engine flushes as it closes ...
                if shard_folder is not None:
                    self._save_stats(shard_folder)  # ... so the statistics written now match its files
            finally:
                self._release_folder()

    # -- opening -------------------------------------------------------------------------------------------------

    def _opened(self) -> Any:
        if self._shard is None:
            self._hold_folder()
            try:
                stored = self._stored()
                if stored is None:
                    self._create()
                else:
                    self._location = self._shard_folder(stored)
                    self._kept_idf = stored.get("idf") == _KEPT_IDF
                    self._shard = self._load(self._location)
                    self._stats, self._stats_saved = self._read_stats()
                self._sweep()
            except BaseException:
                self._close_shard()
                self._release_folder()
                raise
        return self._shard

    def _stored(self) -> dict[str, Any] | None:
        """The marker's content; None for a folder without an index."""
        marker = self._path / _MARKER
        if marker.exists():
            stored: dict[str, Any] = json.loads(marker.read_text())
            return stored
        return {} if (self._path / _EDGE_CONFIG).exists() else None  # an index from before the marker

    def _shard_folder(self, stored: dict[str, Any]) -> Path:
        if stored.get("sparse") != SPARSE_VERSION:
            raise IndexConfigError(
                f"the index in {self._path} holds sparse vectors of {stored.get('sparse')!r}, "
                f"this version writes {SPARSE_VERSION!r}; run `tacit reindex`"
            )
        name = stored.get("shard")
        folder = self._path / name if name else self._path  # no name: the shard is in the folder itself
        if not (folder / _EDGE_CONFIG).exists():
            raise IndexConfigError(f"the index in {self._path} names a missing shard {name!r}; run `tacit reindex`")
        if stored.get("chunking") != CHUNKING_VERSION:
            raise IndexConfigError(
                f"the index in {self._path} holds chunks cut as {stored.get('chunking') or 'one per section'!r}, "
                f"this version cuts them as {CHUNKING_VERSION!r}; run `tacit reindex`"
            )
        return folder

    def _config(self, kept_idf: bool) -> qe.EdgeConfig:
        modifier = None if kept_idf else qe.Modifier.Idf  # None: plain dot product of the stored weights
        return qe.EdgeConfig(
            # Dot, not cosine: embeddings are unit length, and a long section's later windows are stored as means
            # with its first window (`retrieval.search._with_lead`), whose length must not be normalized away.
            vectors={DENSE: qe.EdgeVectorParams(size=self._dimension, distance=qe.Distance.Dot)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=modifier)},
            # One engine thread per search: concurrency comes from the request threads, and a pool per search
            # fought them for 2 cores (30k chunks, same index and run: 16 clients 180/s p95 116 ms against
            # 169/s p95 128 ms with the CPU-derived pool; one client unchanged).
            max_search_threads=1,
        )

    def _create(self) -> None:
        name = f"{_SHARD_PREFIX}{uuid.uuid4().hex[:12]}"
        self._kept_idf, self._stats, self._stats_saved, self._stats_exact = True, TermStats(), False, True
        self._shard, self._location = self._new_shard(self._path / name), self._path / name
        self._point_to(name)

    def _new_shard(self, folder: Path) -> Any:
        """A new, empty shard; every new shard is searched with kept IDF (its sparse vectors have no modifier)."""
        shard = qe.EdgeShard.create(str(folder), self._config(kept_idf=True))
        for field in KEYWORD_FIELDS:
            shard.update(qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Keyword))
        return shard

    def _load(self, folder: Path) -> Any:
        try:
            return qe.EdgeShard.load(str(folder), self._config(self._kept_idf))
        except Exception as error:  # the engine raises plain Exception; a held lock, else incompatibility
            if "WouldBlock" in str(error):
                raise IndexBusy(busy_message(self._path)) from error
            raise IndexConfigError(f"the index in {self._path} does not fit: {error}; run `tacit reindex`") from error

    def _named(self) -> str | None:
        """The shard folder the marker names now."""
        with contextlib.suppress(OSError, ValueError):
            return str(json.loads((self._path / _MARKER).read_text()).get("shard"))
        return None

    def _point_to(self, name: str) -> None:
        """Name the shard that is the index: the one atomic step of creating or compacting it."""
        marker = {
            "sparse": SPARSE_VERSION,
            "chunking": CHUNKING_VERSION,
            "dimension": self._dimension,
            "shard": name,
            "idf": _KEPT_IDF,
        }
        _write_durably(self._path / _MARKER, json.dumps(marker).encode())

    def _sweep(self) -> None:
        """Remove what an interrupted compaction left: the shard it was building, or the one it replaced."""
        assert self._location is not None
        leftovers = () if self._location == self._path else _IN_PLACE  # a replaced in-place shard's files
        for entry in self._path.iterdir():
            if entry == self._location or entry.name in (_MARKER, _LOCK, _COMPACT_DUE, _TERM_STATS):
                continue
            if entry.name.startswith(_SHARD_PREFIX) or entry.name.endswith(".tmp") or entry.name in leftovers:
                _remove(entry)

    def _hold_folder(self) -> None:
        """The folder's one writer: a second process (or a second index object) gets IndexBusy."""
        if self._held is None:
            self._path.mkdir(parents=True, exist_ok=True)
            self._held = _FolderLock(self._path / _LOCK, busy_message(self._path))

    def _release_folder(self) -> None:
        if self._held is not None:
            self._held.release()
            self._held = None

    def _close_shard(self) -> None:
        if self._shard is not None:
            self._shard.close()
            self._shard = None
            self._location = None

    # -- writing and compacting ----------------------------------------------------------------------------------

    def _read_stats(self) -> tuple[TermStats, bool]:
        """The kept statistics and whether they are on disk: read back when the file names this shard and its
        number of points, else (a kill, a crash, a file from another version or copy) counted again."""
        assert self._location is not None
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            saved = json.loads((self._path / _TERM_STATS).read_bytes())
            stats = TermStats.from_fields(saved["stats"])
            points = int(self._shard.count(qe.CountRequest(exact=True)))
            if saved["shard"] == self._location.name and saved["points"] == points == stats.chunks():
                return stats, True
        return self._counted(), False

    def _counted(self) -> TermStats:
        """The statistics of the open shard's points, counted from scratch (about 1 s per 100k chunks)."""
        stats = TermStats()
        for record in self._scrolled(self._shard, None):
            stats.add(record.payload["community_id"], record.vector[SPARSE].indices)
        return stats

    def _save_stats(self, shard_folder: Path) -> None:
        """Write the statistics once the shard is flushed: the file then matches its points exactly."""
        if not self._stats_saved and self._stats_exact:
            saved = {"shard": shard_folder.name, "points": self._stats.chunks(), "stats": self._stats.fields()}
            _write_durably(self._path / _TERM_STATS, json.dumps(saved).encode())
            self._stats_saved = True

    def _writing(self) -> None:
        """Before a write: the file would no longer match, so it goes first (a kill from here on counts again);
        the counts are inexact until the write has been counted."""
        if self._stats_saved:
            (self._path / _TERM_STATS).unlink(missing_ok=True)
            _sync_folder(self._path)
            self._stats_saved = False
        self._stats_exact = False

    def _uncount(self, records: Sequence[Any]) -> None:
        for record in records:
            self._stats.remove(record.payload["community_id"], record.vector[SPARSE].indices)

    @staticmethod
    def _scrolled(shard: Any, where: qe.Filter | None) -> Iterator[Any]:
        """Every point matching `where` (None: all), with its community and sparse terms, a page at a time."""
        offset = None
        while True:
            request = qe.ScrollRequest(
                offset=offset, limit=1024, filter=where, with_payload=_COMMUNITY_ONLY, with_vector=_SPARSE_TERMS
            )
            page, offset = shard.scroll(request)
            yield from page
            if offset is None:
                return

    def _wrote(self, points: int) -> None:
        self._unreleased += points
        if self._unreleased >= _RELEASE_EVERY:
            self._release()

    def _release(self) -> None:
        self._opened().flush()
        self._unreleased = 0

    def _apply(self, operation: Any) -> None:
        self._shard.update(operation)
        if self._journal is not None:
            self._journal.append(operation)

    def _copy(self, old: Any, fresh: Any, total: int, progress: Progress | None) -> int:
        """Every live point of `old` into `fresh`, a page at a time (searches and writes run between pages)."""
        copied = unoptimized = 0
        offset = None
        while True:
            with self._lock:
                if self._shard is not old:
                    raise IndexBusy(f"the index in {self._path} was closed or rebuilt during its compaction")
                request = qe.ScrollRequest(offset=offset, limit=_UPSERT_BATCH, with_payload=True, with_vector=True)
                records, offset = old.scroll(request)
                if records:
                    points = [qe.Point(id=r.id, vector=r.vector, payload=r.payload) for r in records]
                    fresh.update(qe.UpdateOperation.upsert_points(points))
            copied += len(records)
            unoptimized += len(records)
            if unoptimized >= _OPTIMIZE_EVERY:
                fresh.optimize()
                unoptimized = 0
            if progress is not None:
                progress(copied, total)
            if offset is None:
                return copied

    def _swap(self, name: str, fresh: Any, *, done: bool) -> None:
        """Make `fresh` the index, then remove the old shard's files; `done`: no guide was forgotten meanwhile."""
        self._point_to(name)  # from here on a crash leaves the new index; the old folder goes on next open
        replaced = self._location
        self._shard.close()
        self._shard, self._location, self._unoptimized, self._unreleased = fresh, self._path / name, 0, 0
        self._kept_idf = True  # the same points, so the same statistics: only how the sparse leg is searched changes
        if self._stats_saved:  # the file names the shard it counted; close() writes it again for this one
            (self._path / _TERM_STATS).unlink(missing_ok=True)
            self._stats_saved = False
        if replaced == self._path:  # the shard was in the folder itself
            for entry in _IN_PLACE:
                _remove(self._path / entry)
        elif replaced is not None:
            _remove(replaced)
        if done:  # last: until the old files are gone, a crash finds the compaction still due
            (self._path / _COMPACT_DUE).unlink(missing_ok=True)


class _FolderLock:
    """An exclusive flock on a file, released on `release()` or when dropped (like the engine's own lock)."""

    def __init__(self, path: Path, busy: str) -> None:
        self._fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            self.release()
            raise IndexBusy(busy) from error

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def __del__(self) -> None:
        self.release()


def busy_message(path: Path) -> str:
    """What to tell someone whose command needs the embedded index while another process holds it."""
    return (
        f"the embedded vector index in {path} is busy: another Tacit process (a running `tacit serve`?) holds it, "
        "and the embedded index has one writer. Search through that server's API (GET /v1/search), stop it first, "
        "or set QDRANT_URL so several processes share a Qdrant server"
    )


def _write_durably(path: Path, content: bytes) -> None:
    """Write a small file so that a crash leaves the old content or the new one, never a torn file."""
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    _sync_folder(path.parent)  # the rename itself survives a power loss


def _sync_folder(path: Path) -> None:
    folder = os.open(path, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry)
    else:
        entry.unlink(missing_ok=True)


def _scored(points: Sequence[Any]) -> list[tuple[str, float]]:
    return [(p.payload["id"], p.score) for p in points]


def _match(field: str, values: Sequence[str]) -> qe.Filter:
    return qe.Filter(must=[qe.FieldCondition(key=field, match=qe.MatchAny(any=list(values)))])
