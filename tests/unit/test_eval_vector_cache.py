from pathlib import Path

import pytest

from evals.vector_cache import CachedEmbedder
from retrieval.fakes import HashingEmbedder


class _Counting(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def embed(self, texts, kind):
        self.texts.extend(texts)
        return super().embed(texts, kind)


def test_vectors_are_embedded_once_and_kept_across_runs(tmp_path: Path):
    inner = _Counting()
    first = CachedEmbedder(inner, tmp_path / "v.sqlite", "model-a")
    vectors = first.embed(["kafka lag", "grub menu"], "document")
    first.close()

    again = CachedEmbedder(inner, tmp_path / "v.sqlite", "model-a")
    got = again.embed(["grub menu", "kafka lag", "new text"], "document")
    expected = [vectors[1], vectors[0], HashingEmbedder().embed(["new text"], "document")[0]]
    for vector, want in zip(got, expected, strict=True):
        assert vector == pytest.approx(want, abs=1e-6)  # stored as float32
    assert inner.texts == ["kafka lag", "grub menu", "new text"]
    assert (again.hits, again.misses) == (2, 1)


def test_another_model_or_kind_is_not_served_from_the_cache(tmp_path: Path):
    inner = _Counting()
    CachedEmbedder(inner, tmp_path / "v.sqlite", "model-a").embed(["kafka lag"], "document")

    CachedEmbedder(inner, tmp_path / "v.sqlite", "model-b").embed(["kafka lag"], "document")
    CachedEmbedder(inner, tmp_path / "v.sqlite", "model-a").embed(["kafka lag"], "query")

    assert inner.texts == ["kafka lag"] * 3


def test_texts_differing_only_in_whitespace_share_a_vector(tmp_path: Path):
    inner = _Counting()
    cache = CachedEmbedder(inner, tmp_path / "v.sqlite", "model-a")

    cache.embed(["first line\nsecond  line"], "document")
    cache.embed(["first line second line"], "document")

    assert inner.texts == ["first line\nsecond  line"]
