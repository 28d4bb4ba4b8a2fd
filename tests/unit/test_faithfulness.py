"""The faithfulness check: lexical overlap, contradiction checks, and the optional embedding."""

from __future__ import annotations

import pytest

from synthesizer.faithfulness import MIN_SUPPORT, SupportScorer, evidence, faithfulness, sentence_support, unsupported
from synthesizer.model import CitedSentence, GuideDraft, Section, Source
from synthesizer.offline import ExtractiveGuideWriter
from tests.unit.test_offline_writer import CHAT, CHAT_REPLIES, QA, QA_REPLIES

ANSWER = "Put PgBouncer in front of Postgres in transaction mode. Raising max_connections won't scale."
REPLY = "Each Postgres connection is a separate process with its own memory, so hundreds of them exhaust RAM."


def test_a_verbatim_quote_is_fully_supported() -> None:
    assert sentence_support("Raising max_connections won't scale.", [ANSWER]) == 1.0
    assert sentence_support("raising  max_connections\nwon't scale.", [ANSWER]) == 1.0  # whitespace, case


def test_a_made_up_sentence_is_not_supported() -> None:
    made_up = "Kubernetes operators restart crashed replicas automatically."
    assert sentence_support(made_up, [ANSWER, REPLY]) < 0.2


def test_no_cited_text_supports_nothing() -> None:
    assert sentence_support("Put PgBouncer in front of Postgres.", []) == 0.0


def test_paraphrase_scores_between_a_quote_and_an_invention() -> None:
    paraphrase = sentence_support("Each Postgres connection is a process with its own memory.", [REPLY])
    scrambled = sentence_support("Its own process is memory, each separate Postgres connection.", [REPLY])
    assert 0.5 <= paraphrase < 1.0
    assert scrambled < paraphrase  # same words, fewer of the source's word pairs


def test_pooled_sources_support_a_sentence_drawing_on_both() -> None:
    sentence = "PgBouncer in transaction mode helps because each connection is a separate process."
    assert sentence_support(sentence, [ANSWER, REPLY]) > sentence_support(sentence, [ANSWER])


@pytest.mark.parametrize(("thread", "replies"), [(QA, QA_REPLIES), (CHAT, CHAT_REPLIES)])
def test_the_extractive_guide_is_fully_faithful(thread, replies) -> None:
    guide = ExtractiveGuideWriter().write(thread, replies)
    assert faithfulness(guide) == 1.0
    assert unsupported(guide) == []


def guide(*sentences: CitedSentence) -> GuideDraft:
    return GuideDraft(
        title="t",
        sections={Section.SUMMARY: list(sentences)},
        sources=[
            Source(id="a1", author="Expert", text=ANSWER, kind="answer"),
            Source(id="r1", author="Expert", text=REPLY, kind="nudge_reply"),
        ],
    )


def test_faithfulness_is_the_share_of_supported_sentences() -> None:
    draft = guide(
        CitedSentence(text="Put PgBouncer in front of Postgres in transaction mode.", citations=["a1"]),
        CitedSentence(text="Each Postgres connection is a separate process.", citations=["r1"]),
        CitedSentence(text="Kubernetes operators restart crashed replicas automatically.", citations=["a1"]),
        CitedSentence(text="Raising max_connections won't scale.", citations=["ghost"]),  # unknown id
    )
    assert faithfulness(draft) == 0.5
    assert [s.sentence.text for s in unsupported(draft)] == [
        "Kubernetes operators restart crashed replicas automatically.",
        "Raising max_connections won't scale.",
    ]


def test_an_empty_guide_is_vacuously_faithful() -> None:
    assert faithfulness(guide()) == 1.0


def test_a_scorer_can_be_plugged_in() -> None:
    draft = guide(CitedSentence(text="Put PgBouncer in front of Postgres.", citations=["a1"]))
    assert faithfulness(draft, scorer=lambda sentence, texts: 0.0) == 0.0
    assert faithfulness(draft, min_support=1.0) == 1.0


# ---- contradictions the overlap cannot see ----------------------------------------

SOURCE = "Use Redis, not Memcached, for the session store. It keeps sessions across restarts."


@pytest.mark.parametrize(
    ("sentence", "supported"),
    [
        ("Use Redis, not Memcached, for the session store.", True),  # quote
        ("Use Redis rather than Memcached for the session store.", True),  # same polarity, other words
        ("For the session store, use Redis instead of Memcached.", True),  # phrase moved
        ("Use Memcached, not Redis, for the session store.", False),  # roles swapped
        ("Use Memcached rather than Redis for the session store.", False),
        ("Do not use Redis for the session store.", False),  # negation added
        ("It does not keep sessions across restarts.", False),
        ("Use Redis for the session store, and shard it across twelve regional clusters.", False),  # added claim
        ("It keeps sessions across 3 restarts.", False),  # a number the source does not have
    ],
)
def test_negation_swaps_and_added_claims(sentence: str, supported: bool) -> None:
    assert (sentence_support(sentence, [SOURCE]) >= MIN_SUPPORT) is supported


def test_a_quote_that_drops_the_negation_before_it_is_not_supported() -> None:
    source = "dana: don't set it to 0 though, that disables pooling entirely"
    assert sentence_support("set it to 0 though", [source]) < MIN_SUPPORT
    assert sentence_support("don't set it to 0 though", [source]) == 1.0


def test_opposites_contradict() -> None:
    source = "Lower the tyre pressure on gravel for more grip."
    assert sentence_support("Raise the tyre pressure on gravel for more grip.", [source]) < MIN_SUPPORT
    assert sentence_support("Lower the tyre pressure on gravel for less grip.", [source]) < MIN_SUPPORT


def test_evidence_names_the_best_matching_source_sentence() -> None:
    found = evidence("Memcached, not Redis.", [SOURCE])
    assert found.best_span == "Use Redis, not Memcached, for the session store."
    assert found.swapped and not found.added_claim


class SameVector:
    """Every text gets the same vector: cosine 1 between anything (shows what the embedding can and cannot do)."""

    dimension = 2

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts, kind):  # noqa: ANN001, ANN201
        self.calls += 1
        return [[1.0, 0.0] for _ in texts]


def test_support_scorer_lifts_paraphrases_by_cosine_but_not_contradictions() -> None:
    paraphrase = "Sessions outlive reboots in Redis."
    embedder = SameVector()
    scorer = SupportScorer(embedder)
    assert sentence_support(paraphrase, [SOURCE]) < MIN_SUPPORT
    assert scorer(paraphrase, [SOURCE]) == 1.0
    assert scorer("Use Memcached, not Redis, for the session store.", [SOURCE]) < MIN_SUPPORT
    assert scorer("It does not keep sessions across restarts.", [SOURCE]) < MIN_SUPPORT
    assert scorer(paraphrase, []) == 0.0


def test_support_scorer_without_embedder_is_the_lexical_check_and_batches() -> None:
    sentences = ["Use Redis, not Memcached.", "Do not use Redis.", "Kubernetes restarts pods."]
    assert SupportScorer()(sentences[1], [SOURCE]) == sentence_support(sentences[1], [SOURCE])
    embedder = SameVector()
    scorer = SupportScorer(embedder)
    scores = scorer.score_many([(s, [SOURCE]) for s in sentences])
    assert embedder.calls == 1  # one batch for everything the scores need
    assert scores == [scorer(s, [SOURCE]) for s in sentences]
    assert embedder.calls == 1  # cached


def test_faithfulness_accepts_the_embedding_scorer() -> None:
    draft = guide(CitedSentence(text="Every Postgres connection needs its own process.", citations=["r1"]))
    assert faithfulness(draft, scorer=SupportScorer(SameVector())) == 1.0


@pytest.mark.parametrize(
    ("sentence", "swapped"),
    [
        ("Put Postgres in front of PgBouncer in transaction mode.", True),  # two names exchanged, frame kept
        ("Put PgBouncer in front of Postgres in transaction mode.", False),  # the source's order
        ("In transaction mode, put PgBouncer in front of Postgres.", False),  # a phrase moved
        ("Run PgBouncer in transaction mode in front of Postgres.", False),  # reworded and reordered
        ("Put PgBouncer in front of transaction in Postgres mode.", True),  # two words exchanged
    ],
)
def test_exchanged_words_are_a_swap_and_moved_phrases_are_not(sentence: str, swapped: bool) -> None:
    source = "Put PgBouncer in front of Postgres in transaction mode."
    assert evidence(sentence, [source]).swapped is swapped


def test_a_dropped_negation_is_seen_whatever_the_word_form() -> None:
    # "scale" and "scales" share a stem, so the sentence keeps what "won't" negated, without the "won't".
    source = "Raising max_connections won't scale, because every connection is a separate process."
    assert sentence_support("Raising max_connections scales well.", [source]) < MIN_SUPPORT
    assert sentence_support("Raising max_connections won't scale.", [source]) >= MIN_SUPPORT


@pytest.mark.parametrize("n", range(1, 7))
def test_a_quoted_sentence_with_unsupported_words_appended_fails(n: int) -> None:
    """Issue 14, item 6: a model must not slip a claim past the check by appending it to a verbatim quote."""
    quote = "Every Postgres connection needs its own process"
    appended = " ".join(["nightly", "drop", "production", "database", "tables", "forever"][:n])
    source = "Every Postgres connection needs its own process, so a pooler like PgBouncer helps."
    assert sentence_support(quote + ".", [source]) >= MIN_SUPPORT
    assert sentence_support(f"{quote} {appended}.", [source]) < MIN_SUPPORT, appended
    assert sentence_support(f"{quote}, so a pooler helps.", [source]) >= MIN_SUPPORT, "words of the source may follow"
