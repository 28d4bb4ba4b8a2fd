import json
import math

import pytest

from retrieval.chunking import Windowing, embedding_text
from retrieval.fakes import HashingEmbedder, InMemoryIndex
from retrieval.fusion import DENSE_WEIGHT, SPARSE_WEIGHT, bm25_idf, dbsf, rrf, sparse_scores
from retrieval.search import GuideSearch
from retrieval.sparse import SparseEncoder, stem, term_id, tokens
from synthesizer.model import CitedSentence, GuideDraft, Section


def _guide(title: str, **sections: list[str]) -> GuideDraft:
    return GuideDraft(
        title=title,
        sections={
            Section(name): [CitedSentence(text=t, citations=[f"{name}-{i}"]) for i, t in enumerate(texts)]
            for name, texts in sections.items()
        },
    )


POSTGRES = _guide(
    "Speed up slow PostgreSQL queries with indexes",
    summary=["Add a btree index on the columns your slow query filters on."],
    steps=["Run EXPLAIN ANALYZE on the query.", "Create the index concurrently to avoid locking the table."],
    pitfalls=["Too many indexes slow down inserts and updates."],
)
DOCKER = _guide(
    "Shrink Docker images with multi-stage builds",
    summary=["Build in one stage and copy only the binary into a slim runtime image."],
    steps=["Use a builder stage with the compilers.", "Copy the artifacts into a distroless image."],
)
WIFI = _guide(
    "Fix Ubuntu wifi dropping after suspend",
    summary=["Reload the wifi driver module after resume."],
    steps=["Run sudo modprobe -r iwlwifi then sudo modprobe iwlwifi."],
    applies_when=["The network manager shows no wifi networks after waking from suspend."],
)


@pytest.fixture
def index() -> InMemoryIndex:
    return InMemoryIndex()


@pytest.fixture
def search(index: InMemoryIndex) -> GuideSearch:
    s = GuideSearch(HashingEmbedder(), index)
    s.index_guide("pg", "eng", 1, POSTGRES)
    s.index_guide("docker", "eng", 1, DOCKER)
    s.index_guide("wifi", "ubuntu", 1, WIFI)
    return s


def test_index_guide_returns_the_number_of_chunks(index: InMemoryIndex):
    assert GuideSearch(HashingEmbedder(), index).index_guide("pg", "eng", 1, POSTGRES) == 3
    assert index.count() == 3


def test_a_query_in_other_words_finds_the_right_guide(search: GuideSearch):
    hits = search.search("my database queries are slow, which index should I create?", ["eng"])

    assert hits[0].guide_id == "pg"


def test_one_hit_per_guide_showing_its_best_section(search: GuideSearch):
    hits = search.search("explain analyze the query before you create an index", ["eng", "ubuntu"])

    assert [h.guide_id for h in hits].count("pg") == 1
    top = hits[0]
    assert (top.guide_id, top.section) == ("pg", "steps")
    assert top.title == POSTGRES.title
    assert top.citations == ("steps-0", "steps-1")
    assert top.text.startswith("Run EXPLAIN ANALYZE")


def test_hits_are_ranked_by_score_and_limited(search: GuideSearch):
    hits = search.search("slow image build", ["eng", "ubuntu"], limit=2)

    assert len(hits) == 2
    assert hits[0].score >= hits[1].score
    assert all(math.isfinite(h.score) for h in hits)


def test_search_stays_within_the_given_communities(search: GuideSearch):
    hits = search.search("wifi drops after suspend on ubuntu", ["eng"])

    assert "wifi" not in {h.guide_id for h in hits}


def test_no_community_or_blank_query_finds_nothing(search: GuideSearch):
    assert search.search("wifi", []) == []
    assert search.search("   ", ["ubuntu"]) == []


def test_the_query_is_embedded_as_a_query():
    embedder = HashingEmbedder()
    s = GuideSearch(embedder, InMemoryIndex())
    s.index_guide("pg", "eng", 1, POSTGRES)
    s.search("index", ["eng"])

    assert embedder.calls == [("document", 3), ("query", 1)]


def test_a_new_version_replaces_the_old_chunks(index: InMemoryIndex):
    s = GuideSearch(HashingEmbedder(), index)
    s.index_guide("pg", "eng", 1, POSTGRES)
    shorter = _guide(POSTGRES.title, summary=["Use a partial index for hot rows."])
    assert s.index_guide("pg", "eng", 2, shorter) == 1

    assert sorted(index.points) == ["pg:2:summary"]
    assert s.search("partial index", ["eng"])[0].text == "Use a partial index for hot rows."


def test_remove_guide_takes_it_out_of_search(search: GuideSearch):
    search.remove_guide("pg")

    assert "pg" not in {h.guide_id for h in search.search("slow postgres index", ["eng"])}


def test_reindex_rebuilds_from_scratch_in_batches(index: InMemoryIndex):
    embedder = HashingEmbedder()
    s = GuideSearch(embedder, index)
    s.index_guide("stale", "eng", 1, DOCKER)
    guides = [(f"g{i}", "eng", 1, POSTGRES) for i in range(100)]  # 300 chunks
    seen: list[int] = []

    total = s.reindex(guides, progress=seen.append)

    assert total == 300 == index.count()
    assert "stale" not in {c.guide_id for c, _, _ in index.points.values()}
    assert seen[-1] == 300 and seen == sorted(seen) and len(seen) > 1
    assert all(n <= 256 for kind, n in embedder.calls if kind == "document")
    assert index.flushes == 1  # the index is optimized and its files released once at the end, not per batch


def test_reindex_leaves_progress_notes_and_clears_them_when_done(index: InMemoryIndex, monkeypatch):
    monkeypatch.setattr("retrieval.search._CHECKPOINT_EVERY", 100)
    notes: list[str | None] = []
    monkeypatch.setattr(index, "set_rebuild_note", lambda note: notes.append(note))
    s = GuideSearch(HashingEmbedder(), index)

    s.reindex([(f"g{i:03}", "eng", 1, POSTGRES) for i in range(100)])  # 300 chunks, 3 per guide

    progress = [json.loads(n) for n in notes[:-1] if n is not None]
    assert progress[0] == {"after": None, "chunks": 0} and notes[-1] is None
    # each note at a guide boundary: all of that guide's chunks, and those before it, are stored
    assert all(p["chunks"] == 3 * (int(p["after"][1:]) + 1) for p in progress[1:]) and len(progress) > 1


def test_reindex_resumes_after_the_last_note(index: InMemoryIndex):
    embedder = HashingEmbedder()
    s = GuideSearch(embedder, index)
    guides = [(f"g{i:03}", "eng", 1, POSTGRES) for i in range(10)]
    s.reindex(guides[:4])
    index.set_rebuild_note(json.dumps({"after": "g003", "chunks": 12}))  # as if killed after the fourth guide
    resume = s.interrupted_reindex()
    assert resume is not None and resume.after == "g003"
    embedder.calls.clear()

    total = s.reindex(guides[4:], resume=resume)

    assert total == 30 == index.count() and s.interrupted_reindex() is None
    assert sum(n for kind, n in embedder.calls if kind == "document") == 18  # only the six guides after the note


@pytest.mark.parametrize("note", ["{", '{"after": "g1"}', '["g1", 3]'])
def test_an_unreadable_note_means_a_rebuild_from_the_start(index: InMemoryIndex, note: str):
    index.set_rebuild_note(note)

    assert GuideSearch(HashingEmbedder(), index).interrupted_reindex() is None


def test_reindex_reads_guides_lazily_one_batch_at_a_time(index: InMemoryIndex):
    s = GuideSearch(HashingEmbedder(), index)
    pulled: list[int] = []

    def guides():  # a generator, as workflow.reindex streams the database page by page
        for i in range(200):
            pulled.append(i)
            yield (f"g{i}", "eng", 1, POSTGRES)

    counts: list[int] = []
    s.reindex(guides(), progress=lambda n: counts.append(len(pulled)))

    assert counts[0] < 100  # the first batch was stored before most guides were even read


def test_hybrid_is_the_default_and_dense_mode_scores_by_cosine(index: InMemoryIndex):
    embedder = HashingEmbedder()
    hybrid = GuideSearch(embedder, index)
    dense = GuideSearch(embedder, index, mode="dense")
    hybrid.index_guide("pg", "eng", 1, POSTGRES)
    hybrid.index_guide("docker", "eng", 1, DOCKER)

    fused = hybrid.search("slow queries need an index", ["eng"])
    cosine = dense.search("slow queries need an index", ["eng"])

    assert fused[0].guide_id == cosine[0].guide_id == "pg"
    # DBSF: each leg's scores mapped so that mean +- 3 sd spans [0, 1], the legs weighted and added; a chunk first
    # in both legs of five scores lands between 0.5 and 1 in each. Cosine is a similarity in [-1, 1].
    assert 0.5 * (DENSE_WEIGHT + SPARSE_WEIGHT) < fused[0].score <= DENSE_WEIGHT + SPARSE_WEIGHT
    assert 0.0 < cosine[0].score <= 1.0 and cosine[0].score != pytest.approx(fused[0].score)


def test_hybrid_search_shows_the_guide_of_a_rare_exact_term(index: InMemoryIndex):
    # Dense search over hashed features is fooled by many shared common words; the lexical leg still brings the
    # guide that holds the rare term (its weight against the dense leg is tested on `dbsf` below).
    embedder = HashingEmbedder()
    s = GuideSearch(embedder, index)
    s.index_guide(
        "noise",
        "eng",
        1,
        _guide(
            "Restart the service after changing the service configuration",
            summary=["Restart the service after changing the configuration."],
        ),
    )
    s.index_guide("exact", "eng", 1, _guide("EADDRINUSE", summary=["Another process holds the port."]))

    query = "restart service configuration EADDRINUSE"
    assert GuideSearch(embedder, index, mode="dense").search(query, ["eng"])[0].guide_id == "noise"
    hits = s.search(query, ["eng"])
    assert {h.guide_id for h in hits} == {"noise", "exact"}


# Fusion and the sparse encoder: figures by hand.


def test_rrf_adds_reciprocal_ranks_from_zero():
    fused = rrf([["a", "b", "c"], ["b", "d"]], k=60)

    assert [item for item, _ in fused] == ["b", "a", "d", "c"]
    assert dict(fused) == pytest.approx({"b": 1 / 61 + 1 / 60, "a": 1 / 60, "d": 1 / 61, "c": 1 / 62})


def test_dbsf_normalizes_each_leg_by_its_mean_and_three_sds_then_weighs():
    # Leg 1: mean 2, sd sqrt 2, so a = 0.5 + (1 / sqrt 2) / 6 and b = 0.5 - (1 / sqrt 2) / 6; a leg of one gives 0.5.
    high, low = 0.5 + (1 / math.sqrt(2)) / 6, 0.5 - (1 / math.sqrt(2)) / 6
    fused = dbsf([[("a", 3.0), ("b", 1.0)], [("b", 2.0)]])
    assert dict(fused) == pytest.approx({"a": high, "b": low + 0.5})
    assert [i for i, _ in fused] == ["b", "a"]

    weighted = dbsf([[("a", 3.0), ("b", 1.0)], [("b", 2.0)]], (1.0, 0.2))
    assert [i for i, _ in weighted] == ["a", "b"]  # b's lexical lead counts for less
    assert dict(weighted)["b"] == pytest.approx(low + 0.1)


def test_dbsf_equal_scores_give_a_half_and_ties_go_by_item_not_engine_order():
    assert dbsf([[("q", 1.0)], [("p", 1.0)]]) == [("p", 0.5), ("q", 0.5)]
    assert dbsf([[("y", 2.0), ("x", 2.0)]]) == [("x", 0.5), ("y", 0.5)]
    with pytest.raises(ValueError):
        dbsf([[("a", 1.0)]], (1.0, 0.5))


def test_rrf_of_one_ranking_keeps_its_order_and_ties_keep_first_seen():
    assert [i for i, _ in rrf([["x", "y", "z"]])] == ["x", "y", "z"]
    assert [i for i, _ in rrf([["p"], ["q"]])] == ["p", "q"]


def test_bm25_idf_matches_qdrant():
    # ln(1 + (N - n + 0.5) / (n + 0.5)): Qdrant's IDF modifier, hand-computed.
    assert bm25_idf(1, 3) == pytest.approx(math.log(1 + 2.5 / 1.5))
    assert bm25_idf(2, 3) == pytest.approx(math.log(1.6))


def test_sparse_scores_weight_terms_by_idf_over_the_documents_given():
    scores = sparse_scores({1: 1.0, 2: 1.0}, {"x": {1: 1.0}, "y": {2: 1.0}, "z": {2: 0.5, 3: 1.0}})

    assert scores == pytest.approx({"x": math.log(1 + 2.5 / 1.5), "y": math.log(1.6), "z": 0.5 * math.log(1.6)})


def test_stems_meet_across_inflections():
    assert {stem(w) for w in ("configure", "configured", "configures", "configuring")} == {"configur"}
    assert stem("queries") == stem("queried") == "query"
    assert stem("running") == "run" and stem("install") == "install" and stem("bus") == "bus"


def test_tokens_drop_stopwords_and_short_tokens():
    assert tokens("How do I fix a 404 in nginx's config?") == ["fix", "404", "nginx", "config"]


def test_bm25_document_weights_by_hand():
    encoder = SparseEncoder(k1=1.2, b=0.75, avg_len=4.0)

    vector = encoder.document("kafka kafka offsets")  # 3 tokens, avg_len 4: norm = 1.2 * (0.25 + 0.75 * 3 / 4)

    norm = 1.2 * (0.25 + 0.75 * 3 / 4)
    weights = dict(zip(vector.indices, vector.values, strict=True))
    assert weights[term_id("kafka")] == pytest.approx(2 * 2.2 / (2 + norm))
    assert weights[term_id("offset")] == pytest.approx(1 * 2.2 / (1 + norm))
    assert list(vector.indices) == sorted(vector.indices)


def test_query_terms_weigh_one_each_and_repeat_once():
    vector = SparseEncoder().query("kafka Kafka offsets the")

    assert sorted(vector.indices) == sorted([term_id("kafka"), term_id("offset")])
    assert vector.values == (1.0, 1.0)


def test_bad_bm25_parameters_are_refused():
    with pytest.raises(ValueError):
        SparseEncoder(b=1.5)


def _long_section_guide(title: str, words: int, tail: str = "") -> GuideDraft:
    text = " ".join(f"filler{i}" for i in range(words)) + (" " + tail if tail else "")
    return GuideDraft(title=title, sections={Section.STEPS: [CitedSentence(text=text, citations=["m"])]})


def test_a_later_window_is_stored_as_the_mean_with_its_sections_first_window():
    index = InMemoryIndex()
    embedder = HashingEmbedder()
    windows = Windowing(size=32, overlap=4, count=lambda words: [1] * len(words))
    GuideSearch(embedder, index, windowing=windows).index_guide("g", "eng", 1, _long_section_guide("T", 80))

    chunks = sorted((c for c, _, _ in index.points.values()), key=lambda c: (len(c.id), c.id))
    own = embedder.embed([embedding_text(c) for c in chunks], "document")
    stored = [index.points[c.id][1] for c in chunks]
    assert len(chunks) >= 3
    assert stored[0] == pytest.approx(own[0])  # the first window is itself, unit length
    for vector, mine in zip(stored[1:], own[1:], strict=True):
        assert vector == pytest.approx([(a + b) / 2 for a, b in zip(own[0], mine, strict=True)])


def test_a_guide_of_many_windows_does_not_crowd_others_out_of_the_page():
    index = InMemoryIndex()
    windows = Windowing(size=16, overlap=2, count=lambda words: [1] * len(words))
    search = GuideSearch(HashingEmbedder(), index, windowing=windows, mode="dense")
    search.index_guide("long", "eng", 1, _long_section_guide("kafka consumer lag", 400, "kafka consumer lag"))
    search.index_guide("short", "eng", 1, _guide("kafka consumer offsets", summary=["kafka consumer offsets"]))

    hits = search.search("kafka consumer", ["eng"], limit=2)

    assert len(index.points) > 2 * 6  # more windows of one guide than the first fetch holds
    assert {h.guide_id for h in hits} == {"long", "short"}


def test_reindex_blends_windows_alike_when_a_batch_cuts_a_section():
    windows = Windowing(size=16, overlap=2, count=lambda words: [1] * len(words))
    guides = [(f"g{i}", "eng", 1, _long_section_guide(f"guide {i}", 150)) for i in range(30)]  # ~13 windows each
    one_by_one, rebuilt = InMemoryIndex(), InMemoryIndex()
    for guide in guides:
        GuideSearch(HashingEmbedder(), one_by_one, windowing=windows).index_guide(*guide)

    GuideSearch(HashingEmbedder(), rebuilt, windowing=windows).reindex(guides)

    assert len(rebuilt.points) > 256  # at least one batch boundary fell inside a section
    assert rebuilt.points.keys() == one_by_one.points.keys()
    for key, (_, vector, _) in rebuilt.points.items():
        assert vector == pytest.approx(one_by_one.points[key][1])


class _Killed(Exception):
    pass


def test_a_resumed_rebuild_blends_windows_as_an_uninterrupted_one(monkeypatch):
    """Checkpoints fall at guide boundaries, so a resume needs no section lead from before the kill."""
    monkeypatch.setattr("retrieval.search._CHECKPOINT_EVERY", 100)
    windows = Windowing(size=16, overlap=2, count=lambda words: [1] * len(words))
    guides = [(f"g{i:02}", "eng", 1, _long_section_guide(f"guide {i}", 150)) for i in range(30)]  # ~13 windows each
    whole, killed = InMemoryIndex(), InMemoryIndex()
    GuideSearch(HashingEmbedder(), whole, windowing=windows).reindex(guides)

    def stream_then_die():
        yield from guides[:20]
        raise _Killed  # after several checkpoints, in the middle of a batch

    interrupted = GuideSearch(HashingEmbedder(), killed, windowing=windows)
    with pytest.raises(_Killed):
        interrupted.reindex(stream_then_die())
    resume = interrupted.interrupted_reindex()
    assert resume is not None and resume.after is not None and resume.after <= "g19"
    left = [g for g in guides if g[0] > resume.after]
    GuideSearch(HashingEmbedder(), killed, windowing=windows).reindex(left, resume=resume)

    assert killed.points.keys() == whole.points.keys() and killed.note is None
    for key, (_, vector, _) in whole.points.items():
        assert killed.points[key][1] == pytest.approx(vector)
