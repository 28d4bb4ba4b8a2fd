"""Terse-answer detection: eligibility, expert vs member, peer validation, the steward's explanation."""

from datetime import UTC, datetime

import pytest

from elicitor.detect import WEIGHTS, TerseDetector
from elicitor.model import AuthorStanding, Gap, Message, Role, Thread

T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)
QUESTION = (
    "Our orders table has 40M rows, mostly archived. Queries on open orders are slow. What should we do?"
)
TERSE = "Use a partial index on open orders, a full one won't scale."
THOROUGH = (
    "Use a partial index on open orders because archived rows are never queried, "
    "so indexing them wastes space. "
    "It only helps as long as queries filter on the same condition; otherwise the planner ignores it. "
    "Compared to partitioning, it is simpler, but be careful: a full index won't scale and beware of bloat. "
    "First, create it concurrently. Then analyse the table. Finally, check the plan. "
    "In my experience this took a query from 900 ms to 12 ms; "
    "see https://www.postgresql.org/docs/current/indexes-partial.html."
)
EXPERT = AuthorStanding(role=Role.EXPERT, answers=40, accepted_answers=3, total_score=120)
NEWCOMER = AuthorStanding()


def _message(mid: str, author: str, text: str, kind: str = "answer", score: int = 0, accepted: bool = False):
    return Message(
        mid, "t1", author, author, text, T0, parent_id="q1", kind=kind, score=score, accepted=accepted
    )


def _thread(*answers: Message) -> Thread:
    question = Message("q1", "t1", "asker", "Asker", QUESTION, T0, kind="question")
    return Thread("t1", "c1", "Slow queries on a big orders table", (question, *answers))


def _assess(text: str, standing: AuthorStanding = EXPERT, author: str = "ana", **kw):
    answer = _message("a1", author, text, **kw)
    return TerseDetector().assess(_thread(answer), answer, standing)


def test_terse_expert_answer_is_a_candidate_with_ordered_gaps() -> None:
    result = _assess(TERSE, score=4)
    assert result.is_candidate
    assert result.score >= 0.55
    # "What should we do?" asks for a choice: the alternatives and their why matter most.
    assert result.gaps[:2] == (Gap.ALTERNATIVES, Gap.RATIONALE)
    assert len(result.gaps) <= 3
    assert result.message_id == "a1"


def test_explanation_is_one_readable_line() -> None:
    result = _assess(TERSE, score=4)
    assert result.explanation.startswith(
        "Terse answer by an expert (3 accepted answers), upvoted (+4); missing: "
    )
    assert result.explanation.endswith("missing: alternatives, rationale, conditions.")
    assert "\n" not in result.explanation


def test_thorough_answer_is_not_a_candidate() -> None:
    result = _assess(THOROUGH, score=4)
    assert not result.is_candidate
    assert result.score < _assess(TERSE, score=4).score


def test_expert_scores_higher_than_member_for_the_same_answer() -> None:
    assert _assess(TERSE, EXPERT).score > _assess(TERSE, NEWCOMER).score


def test_track_record_raises_a_member_score() -> None:
    seasoned = AuthorStanding(role=Role.MEMBER, answers=50, accepted_answers=12, total_score=300)
    assert _assess(TERSE, seasoned).score > _assess(TERSE, NEWCOMER).score


def test_upvotes_raise_the_score() -> None:
    assert _assess(TERSE, score=10).score > _assess(TERSE, score=0).score


def test_threshold_per_call_overrides_default() -> None:
    answer = _message("a1", "ana", TERSE)
    thread = _thread(answer)
    detector = TerseDetector(threshold=0.99)
    assert not detector.assess(thread, answer, EXPERT).is_candidate
    assert detector.assess(thread, answer, EXPERT, threshold=0.1).is_candidate


def test_features_are_exposed_for_calibration() -> None:
    features = _assess(TERSE).features
    assert set(WEIGHTS) <= set(features)
    assert all(0.0 <= features[name] <= 1.0 for name in WEIGHTS)


def test_the_opening_message_is_not_eligible() -> None:
    thread = _thread(_message("a1", "ana", TERSE))
    result = TerseDetector().assess(thread, thread.messages[0], EXPERT)
    assert (result.score, result.is_candidate, result.gaps) == (0.0, False, ())
    assert "opens the thread" in result.explanation


def test_the_askers_own_answer_is_not_eligible() -> None:
    result = _assess(TERSE, author="asker")
    assert not result.is_candidate and result.score == 0.0
    assert "asker" in result.explanation


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Thanks a lot, that worked!", "thank-you"),
        ("https://example.org/some/page", "link"),
        ("Could you clarify which version you are running?", "clarification"),
        ("Did this ever get solved? Same problem here?", "question"),
    ],
)
def test_non_answers_are_not_eligible(text: str, reason: str) -> None:
    result = _assess(text, score=20, accepted=True)
    assert not result.is_candidate
    assert result.score == 0.0
    assert reason in result.explanation


def test_accepted_answer_scores_lower_than_unaccepted() -> None:
    # Accepted means the asker could act on it: less need to ask, though still possible.
    assert _assess(TERSE, accepted=True).score < _assess(TERSE).score


def test_answer_with_code_block_does_not_miss_steps() -> None:
    text = "Create it concurrently:\n\n```sql\nCREATE INDEX CONCURRENTLY ix ON orders (id) WHERE open;\n```"
    assert Gap.STEPS not in _assess(text).gaps


def test_only_recognised_experts_are_candidates() -> None:
    answer = _message("a1", "ana", TERSE, score=4)
    thread = _thread(answer)
    lenient = TerseDetector(threshold=0.0)
    member = lenient.assess(thread, answer, NEWCOMER)
    veteran = lenient.assess(thread, answer, AuthorStanding(role=Role.MEMBER, accepted_answers=6, total_score=40))
    assert not member.is_candidate and "not yet a recognised expert" in member.explanation
    assert veteran.is_candidate and lenient.assess(thread, answer, EXPERT).is_candidate
