"""The LLM follow-up and guide writers with FakeLLM: valid output used, bad output dropped or replaced."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from elicitor.followup_llm import FollowUpQuestion, LLMFollowUpWriter, check_question
from elicitor.model import FollowUp, Gap, Message, Reply, Thread
from prompts.budget import TokenBudget
from prompts.fake import FakeLLM
from prompts.llm import LLMOutputInvalid, LLMUnavailable
from synthesizer.errors import SynthesisError
from synthesizer.llm_writer import GuideSections, LLMGuideWriter
from synthesizer.model import CitedSentence, GuideDraft, Section, Source

NOW = datetime(2024, 5, 1, tzinfo=UTC)


def message(id: str, text: str, author: str = "sam", kind: str = "reply", **extra: object) -> Message:
    return Message(
        id=id,
        thread_id="t1",
        author_id=author,
        author_name=author.title(),
        text=text,
        created_at=NOW,
        kind=kind,
        **extra,  # type: ignore[arg-type]
    )


QUESTION = message(
    "m1", "Autovacuum never catches up on our 2 TB events table. What should we change?", kind="question"
)
ANSWER = message(
    "m2", "Partition the table by month and drop old partitions instead of deleting rows.", "dana", "answer"
)
THREAD = Thread(id="t1", community_id="c1", title="Vacuum keeps falling behind", messages=(QUESTION, ANSWER))
REPLY = Reply(
    id="r1",
    nudge_question="Why partition rather than tune autovacuum?",
    text="Dropping a partition is instant, while DELETE leaves dead tuples that vacuum must clean.",
    author_id="dana",
    author_name="Dana",
    created_at=NOW,
)
BUDGET = TokenBudget(2000)


class RecordingFollowUps:
    """A stand-in for the template writer: records that it was used."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Gap, ...]]] = []

    def write(self, thread: Thread, answer: Message, gaps: tuple[Gap, ...]) -> FollowUp:
        self.calls.append((answer.id, gaps))
        return FollowUp(question="Template question?", gap=gaps[0] if gaps else Gap.RATIONALE)


class RecordingGuides:
    def __init__(self) -> None:
        self.calls = 0

    def write(self, thread: Thread, replies: tuple[Reply, ...]) -> GuideDraft:
        self.calls += 1
        return GuideDraft(
            title="Offline guide",
            sections={Section.SUMMARY: [CitedSentence(text="Partition by month.", citations=["m2"])]},
            sources=[Source(id="m2", author="Dana", text=ANSWER.text)],
        )


# ---- follow-up writer ----------------------------------------------------------------


def followups(*replies: object) -> tuple[LLMFollowUpWriter, FakeLLM, RecordingFollowUps]:
    llm, fallback = FakeLLM(*replies), RecordingFollowUps()  # type: ignore[arg-type]
    return LLMFollowUpWriter(llm, fallback, BUDGET), llm, fallback


def test_followup_uses_a_valid_llm_question() -> None:
    writer, llm, fallback = followups({"question": "  Why drop monthly partitions rather than tune autovacuum?  "})
    got = writer.write(THREAD, ANSWER, (Gap.RATIONALE, Gap.PITFALLS))
    assert got == FollowUp(question="Why drop monthly partitions rather than tune autovacuum?", gap=Gap.RATIONALE)
    assert not fallback.calls
    prompt, schema = llm.history[0]
    assert schema is FollowUpQuestion
    assert ANSWER.text in prompt and QUESTION.text in prompt and "FIRST item only (rationale)" in prompt


@pytest.mark.parametrize(
    "question",
    [
        "Why partition?" + " really" * 40,  # too long
        "Tell me why you partition.",  # not a question
        "Why partition? And why monthly?",  # two questions
        "",
    ],
)
def test_followup_rejects_bad_questions(question: str) -> None:
    writer, _, fallback = followups({"question": question})
    assert writer.write(THREAD, ANSWER, (Gap.RATIONALE,)).question == "Template question?"
    assert fallback.calls == [("m2", (Gap.RATIONALE,))]


@pytest.mark.parametrize("failure", [LLMUnavailable("down"), LLMOutputInvalid("junk"), {"wrong": "shape"}])
def test_followup_falls_back_when_the_llm_fails(failure: object) -> None:
    writer, _, fallback = followups(failure)
    assert writer.write(THREAD, ANSWER, (Gap.STEPS,)) == FollowUp(question="Template question?", gap=Gap.STEPS)
    assert len(fallback.calls) == 1


def test_followup_without_gaps_goes_to_the_fallback_without_asking() -> None:
    writer, llm, fallback = followups()
    writer.write(THREAD, ANSWER, ())
    assert not llm.history and len(fallback.calls) == 1


def test_followup_prompt_fits_the_budget() -> None:
    long_answer = message("m2", "Partition by month. " + "Details follow here. " * 2000, "dana", "answer")
    llm = FakeLLM({"question": "Why partition by month?"})
    budget = TokenBudget(600)
    LLMFollowUpWriter(llm, RecordingFollowUps(), budget).write(THREAD, long_answer, (Gap.RATIONALE,))
    prompt = llm.prompts[0]
    assert budget.count(prompt) <= 600
    assert "Partition by month." in prompt and QUESTION.text in prompt


def test_check_question_tidies_whitespace_and_quotes() -> None:
    assert check_question(' "Why  monthly\n partitions?" ') == "Why monthly partitions?"
    assert check_question("Why <b>this</b>?") is None


# ---- guide writer ----------------------------------------------------------------------


def guide_reply(**sections: list[dict[str, object]]) -> dict[str, object]:
    return {name: sections.get(name, []) for name in GuideSections.model_fields}


GOOD = guide_reply(
    summary=[{"text": "Partition the table by month and drop old partitions.", "citations": ["m2"]}],
    rationale=[{"text": "Dropping a partition is instant, while DELETE leaves dead tuples.", "citations": ["[r1]"]}],
)


def test_guide_uses_valid_llm_output() -> None:
    llm = FakeLLM(GOOD)
    draft = LLMGuideWriter(llm, BUDGET).write(THREAD, (REPLY,))
    assert draft.title == "Vacuum keeps falling behind"
    assert [s.citations for _, s in draft.sentences()] == [["m2"], ["r1"]]
    assert {s.id for s in draft.sources} == {"m1", "m2", "r1"}
    assert next(s for s in draft.sources if s.id == "r1").kind == "nudge_reply"
    prompt, schema = llm.history[0]
    assert schema is GuideSections
    assert '<source id="r1" author="Dana" kind="nudge_reply"' in prompt
    assert 'answers_question="Why partition rather than tune autovacuum?"' in prompt
    assert all(m.text in prompt for m in THREAD.messages) and REPLY.text in prompt


def test_guide_drops_invented_citations_and_unsupported_sentences() -> None:
    out = guide_reply(
        summary=[
            {"text": "Partition the table by month and drop old partitions.", "citations": ["m2", "m99"]},
            {
                "text": "Kubernetes operators shard clusters across regions automatically.",
                "citations": ["m2"],
            },
            {"text": "Drop old partitions instead of deleting rows.", "citations": ["m42"]},
            {"text": "Dropping a partition is instant.", "citations": []},
        ]
    )
    draft = LLMGuideWriter(FakeLLM(out), BUDGET).write(THREAD, (REPLY,))
    assert [(s.text, s.citations) for _, s in draft.sentences()] == [
        ("Partition the table by month and drop old partitions.", ["m2"])
    ]
    assert {s.id for s in draft.sources} == {"m1", "m2"}


@pytest.mark.parametrize("failure", [LLMUnavailable("down"), LLMOutputInvalid("junk")])
def test_guide_falls_back_when_the_llm_fails(failure: Exception) -> None:
    fallback = RecordingGuides()
    draft = LLMGuideWriter(FakeLLM(failure), BUDGET, fallback).write(THREAD, (REPLY,))
    assert draft.title == "Offline guide" and fallback.calls == 1


def test_guide_falls_back_when_nothing_survives() -> None:
    fallback = RecordingGuides()
    out = guide_reply(summary=[{"text": "Use MongoDB instead.", "citations": ["m7"]}])
    assert LLMGuideWriter(FakeLLM(out), BUDGET, fallback).write(THREAD, (REPLY,)).title == "Offline guide"
    assert LLMGuideWriter(FakeLLM(guide_reply()), BUDGET, fallback).write(THREAD, ()).title == "Offline guide"


def test_guide_without_fallback_raises_synthesis_error() -> None:
    with pytest.raises(SynthesisError, match="LLM failed"):
        LLMGuideWriter(FakeLLM(LLMUnavailable("down")), BUDGET).write(THREAD, (REPLY,))
    with pytest.raises(SynthesisError, match="no sentence"):
        LLMGuideWriter(FakeLLM(guide_reply()), BUDGET).write(THREAD, (REPLY,))


def test_guide_trims_a_long_thread_keeping_question_answer_and_replies() -> None:
    chatter = tuple(message(f"c{i}", f"Chatter number {i}. " + "Me too, same here. " * 60) for i in range(30))
    thread = Thread(id="t1", community_id="c1", title="Vacuum", messages=(QUESTION, *chatter, ANSWER))
    budget = TokenBudget(1500)
    llm = FakeLLM(GOOD)
    draft = LLMGuideWriter(llm, budget).write(thread, (REPLY,))
    prompt = llm.prompts[0]
    assert budget.count(prompt) <= 1500
    assert QUESTION.text in prompt and ANSWER.text in prompt and REPLY.text in prompt
    assert "Chatter number 0." in prompt and "Chatter number 29." not in prompt
    assert prompt.index("Chatter number 0.") < prompt.index(ANSWER.text) < prompt.index(REPLY.text)
    assert draft.sentences()


class NearVectors:
    """Paraphrase-aware in the crudest way: texts about partitions or tuples are one point, the rest another."""

    def embed(self, texts, kind):  # noqa: ANN001, ANN201
        return [[1.0, 0.0] if ("partition" in t.lower() or "tuple" in t.lower()) else [0.0, 1.0] for t in texts]


def test_with_an_embedder_a_faithful_paraphrase_survives_and_a_contradiction_does_not() -> None:
    paraphrase = "Partition drops are immediate, but DELETE creates dead tuples."  # few words in common
    contradiction = "Dropping a partition is slow, while DELETE leaves no dead tuples."
    out = guide_reply(
        rationale=[{"text": paraphrase, "citations": ["r1"]}, {"text": contradiction, "citations": ["r1"]}]
    )
    lexical = LLMGuideWriter(FakeLLM(out), BUDGET, RecordingGuides()).write(THREAD, (REPLY,))
    assert paraphrase not in [s.text for _, s in lexical.sentences()], "word overlap alone rejects the rewording"
    embedded = LLMGuideWriter(FakeLLM(out), BUDGET, RecordingGuides(), embedder=NearVectors()).write(THREAD, (REPLY,))
    assert [s.text for _, s in embedded.sentences()] == [paraphrase]
