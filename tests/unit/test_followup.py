"""The template follow-up writer: one polite question, one '?', at most 40 words, quoting the answer."""

import re
from datetime import UTC, datetime

import pytest

from elicitor.followup import TemplateFollowUpWriter, central_claim
from elicitor.model import Gap, Message, Thread
from elicitor.ports import FollowUpWriter

T0 = datetime(2024, 5, 1, tzinfo=UTC)
LONG = " ".join(["Use a partial index on the open orders so that the planner can skip archived rows."] * 40)
ANSWERS = [
    "Use a partial index, a full one won't scale.",
    "Yes.",
    "I think you should pin the driver version in the lock file.",
    "Set `max_connections` to 200 and restart the server. It worked for us?",
    "See https://example.org/docs/replication?id=1 and https://example.org/b for details.",
    "```python\nimport os\nprint(os.cpu_count())\n```\nRun that first, then divide the pool by the cores.",
    "When the queue backs up, drop the oldest messages rather than blocking producers.",
    "The double lines are a common convention for classical bits in circuit diagrams.",
    LONG,
    "",
]


def _thread(answer_text: str, title: str = "Slow queries on a big orders table?") -> tuple[Thread, Message]:
    question = Message(
        "q1", "t1", "asker", "Asker", "Queries are slow. What should we do?", T0, kind="question"
    )
    answer = Message("a1", "t1", "ana", "Ana", answer_text, T0, parent_id="q1", kind="answer")
    return Thread("t1", "c1", title, (question, answer)), answer


def _shares_a_phrase(question: str, answer: str) -> bool:
    """Some three consecutive words of the answer appear in the question (ignoring case)."""
    words = re.findall(r"[\w'-]+", answer.lower())
    asked = " ".join(re.findall(r"[\w'-]+", question.lower()))
    return any(" ".join(words[i : i + 3]) in asked for i in range(len(words) - 2))


def test_writer_implements_the_port() -> None:
    writer: FollowUpWriter = TemplateFollowUpWriter()
    assert writer.write(*_thread(ANSWERS[0]), (Gap.ALTERNATIVES,)).gap == Gap.ALTERNATIVES


@pytest.mark.parametrize("text", ANSWERS)
@pytest.mark.parametrize("gap", list(Gap))
def test_constraints_hold_for_every_answer_and_gap(text: str, gap: Gap) -> None:
    follow_up = TemplateFollowUpWriter().write(*_thread(text), (gap,))
    assert follow_up.gap == gap
    assert follow_up.question.count("?") == 1
    assert follow_up.question.endswith("?")
    assert len(follow_up.question.split()) <= 40
    assert "\n" not in follow_up.question
    assert "```" not in follow_up.question and "http" not in follow_up.question


@pytest.mark.parametrize("text", [a for a in ANSWERS if len(a.split()) >= 4 and not a.startswith("See")])
def test_question_quotes_the_answer(text: str) -> None:
    follow_up = TemplateFollowUpWriter().write(*_thread(text), (Gap.RATIONALE,))
    assert _shares_a_phrase(follow_up.question, text)


def test_central_claim_of_a_recommendation() -> None:
    assert central_claim("Use a partial index, a full one won't scale.") == ("use a partial index", True)


def test_central_claim_skips_filler_and_subordinate_clause() -> None:
    claim, instruction = central_claim(
        "When the queue backs up, drop the oldest messages rather than blocking."
    )
    assert claim.startswith("drop the oldest messages") and instruction


def test_alternatives_wording_names_topic_and_claim() -> None:
    question = (
        TemplateFollowUpWriter().write(*_thread(ANSWERS[0]), (Gap.ALTERNATIVES, Gap.RATIONALE)).question
    )
    assert question == (
        "Thanks for your answer on “Slow queries on a big orders table”. "
        "You suggested “use a partial index”: "
        "why that over the alternatives, and when would another option be the better choice?"
    )


def test_each_gap_gets_different_wording() -> None:
    writer = TemplateFollowUpWriter()
    questions = {writer.write(*_thread(ANSWERS[0]), (gap,)).question for gap in Gap}
    assert len(questions) == len(Gap)


def test_only_the_first_gap_is_asked() -> None:
    follow_up = TemplateFollowUpWriter().write(*_thread(ANSWERS[0]), (Gap.STEPS, Gap.EVIDENCE))
    assert follow_up.gap == Gap.STEPS
    assert "steps" in follow_up.question


def test_statement_is_quoted_as_written_not_suggested() -> None:
    question = TemplateFollowUpWriter().write(*_thread(ANSWERS[7]), (Gap.EVIDENCE,)).question
    assert "You wrote “The double lines are a common convention" in question


def test_long_title_is_shortened() -> None:
    thread, answer = _thread(ANSWERS[0], title=" ".join(["word"] * 60))
    question = TemplateFollowUpWriter().write(thread, answer, (Gap.CONDITIONS,)).question
    assert len(question.split()) <= 40 and "use a partial index" in question
