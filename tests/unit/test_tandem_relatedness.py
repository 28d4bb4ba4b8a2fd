"""Relatedness: shared words without a model; with one, the higher of meaning and shared words; vectors cached."""

from __future__ import annotations

from retrieval.fakes import HashingEmbedder
from tandem.relatedness import Relatedness, words


def test_words_drop_stopwords_and_plural_s() -> None:
    assert words("How do I rotate the logs of services?") == {"rotate", "log", "service"}
    assert words("class access") == {"class", "access"}


def test_shared_words_without_a_model() -> None:
    related = Relatedness().related("python scripting", ["Python scripting for logs", "CSS grid", ""])
    assert related[0] > 0.5 and related[1] == 0.0 and related[2] == 0.0


def test_with_a_model_meaning_counts_and_each_text_is_embedded_once() -> None:
    embedder = HashingEmbedder()
    relatedness = Relatedness(embedder)
    texts = ["Rotating service logs with a python script", "Safari breaks the CSS grid"]
    first = relatedness.related("python script for log rotation", texts)
    again = relatedness.related("python script for log rotation", texts)
    assert first == again and first[0] > first[1]
    assert embedder.calls == [("query", 1), ("document", 2)]  # the second time, all from the cache
