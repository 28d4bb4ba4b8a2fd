"""The lexical faithfulness check."""

from __future__ import annotations

import pytest

from synthesizer.faithfulness import faithfulness, sentence_support, unsupported
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
