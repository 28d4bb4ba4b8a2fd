import json
import math

import pytest

from retrieval.fusion import bm25_idf
from retrieval.ports import SparseVector
from retrieval.term_stats import TermStats


def _stats() -> TermStats:
    stats = TermStats()
    stats.add("A", [1, 2])
    stats.add("A", [1, 1, 3])  # a term twice in a chunk counts once
    stats.add("B", [1])
    stats.add("B", [4])
    return stats


def test_query_terms_are_weighted_by_idf_over_the_communities_searched():
    stats = _stats()

    weighted = stats.weighted(SparseVector(indices=(1, 3), values=(1.0, 2.0)), ["A"])

    assert weighted.indices == (1, 3)
    assert weighted.values == pytest.approx((bm25_idf(2, 2), 2.0 * bm25_idf(1, 2)))


def test_frequencies_add_up_over_several_communities():
    weighted = _stats().weighted(SparseVector(indices=(1,), values=(1.0,)), ["A", "B"])

    assert weighted.values == pytest.approx((bm25_idf(3, 4),))


def test_terms_no_readable_chunk_holds_are_dropped():
    weighted = _stats().weighted(SparseVector(indices=(4, 9), values=(1.0, 1.0)), ["A", "unknown"])

    assert weighted == SparseVector(indices=(), values=())


def test_removing_what_was_added_leaves_nothing_behind():
    stats = _stats()
    for community, terms in [("A", [1, 2]), ("A", [1, 3]), ("B", [1]), ("B", [4])]:
        stats.remove(community, terms)

    assert stats.chunks() == 0
    assert stats == TermStats()


def test_a_removed_chunk_no_longer_counts():
    stats = _stats()
    stats.remove("A", [1, 3])

    weighted = stats.weighted(SparseVector(indices=(1, 3), values=(1.0, 1.0)), ["A"])

    assert weighted.indices == (1,)
    assert math.isclose(weighted.values[0], bm25_idf(1, 1))


def test_what_is_written_reads_back_the_same():
    stats = _stats()

    again = TermStats.from_fields(json.loads(json.dumps(stats.fields())))

    query = SparseVector(indices=(1, 2, 3, 4), values=(1.0, 1.0, 1.0, 1.0))
    assert again.weighted(query, ["A", "B"]) == stats.weighted(query, ["A", "B"])
    assert again.chunks() == 4


@pytest.mark.parametrize(
    "data", [b"null", b"[]", b'{"chunks": {}}', b'{"chunks": {"A": "x"}, "frequency": {}}', b'{"chunks": []}']
)
def test_a_damaged_file_is_refused(data: bytes):
    with pytest.raises(ValueError):
        TermStats.from_fields(json.loads(data))


def test_a_community_named_twice_counts_once():
    stats = _stats()
    query = SparseVector(indices=(1,), values=(1.0,))

    assert stats.weighted(query, ["A", "A", "B"]) == stats.weighted(query, ["A", "B"])
