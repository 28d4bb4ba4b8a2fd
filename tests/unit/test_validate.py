"""Guide rules (synthesizer/validate.py) on hand-made drafts and on the offline writer's output."""

from __future__ import annotations

import pytest

from synthesizer.errors import InvalidGuide
from synthesizer.model import CitedSentence, GuideDraft, Section, Source
from synthesizer.offline import ExtractiveGuideWriter
from synthesizer.validate import check_citations, content_words, keep_supported, support
from tests.unit.test_offline_writer import CHAT, CHAT_REPLIES, QA, QA_REPLIES

SOURCE = "Put PgBouncer in front of Postgres in transaction mode. Raising max_connections won't scale."


def draft(*sentences: CitedSentence) -> GuideDraft:
    return GuideDraft(
        title="t",
        sections={Section.SUMMARY: list(sentences)},
        sources=[Source(id="a1", author="Expert", text=SOURCE, kind="answer")],
    )


def test_content_words_drop_stop_words_and_case() -> None:
    assert content_words("Put the PgBouncer in FRONT of it.") == {"put", "pgbouncer", "front"}


def test_support_is_the_share_of_content_words_found() -> None:
    assert support("Put PgBouncer in front of Postgres.", [SOURCE]) == 1.0
    assert support("PgBouncer needs Kubernetes.", [SOURCE]) == pytest.approx(1 / 3)
    assert support("Anything at all.", []) == 0.0


def test_check_citations_rejects_an_unknown_source() -> None:
    check_citations(draft(CitedSentence(text="Put PgBouncer in front.", citations=["a1"])))
    with pytest.raises(InvalidGuide, match="ghost"):
        check_citations(draft(CitedSentence(text="Put PgBouncer in front.", citations=["ghost"])))


def test_keep_supported_drops_unsupported_and_unknown() -> None:
    kept = keep_supported(
        draft(
            CitedSentence(text="Put PgBouncer in front of Postgres.", citations=["a1", "ghost"]),
            CitedSentence(text="Kubernetes operators manage everything automatically.", citations=["a1"]),
            CitedSentence(text="Raising max_connections won't scale.", citations=["ghost"]),
        )
    )
    assert [(s.text, s.citations) for _, s in kept.sentences()] == [("Put PgBouncer in front of Postgres.", ["a1"])]


@pytest.mark.parametrize(("thread", "replies"), [(QA, QA_REPLIES), (CHAT, CHAT_REPLIES)])
def test_the_offline_writer_obeys_the_guide_rules(thread, replies) -> None:
    guide = ExtractiveGuideWriter().write(thread, replies)
    check_citations(guide)
    assert keep_supported(guide) == guide  # nothing to drop: every sentence is a quote of its source
