"""Terse-answer detection: eligibility, expert vs member, peer validation, the steward's explanation."""

from datetime import UTC, datetime

import pytest

from elicitor.detect import TerseDetector
from elicitor.model import AuthorStanding, Gap, Message, Role, Thread
from elicitor.terse_model import FEATURES

T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)
QUESTION = "Our orders table has 40M rows, mostly archived. Queries on open orders are slow. What should we do?"
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
    return Message(mid, "t1", author, author, text, T0, parent_id="q1", kind=kind, score=score, accepted=accepted)


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
    # "What should we do?" asks for a choice: its why and the alternatives matter most.
    assert result.gaps == (Gap.RATIONALE, Gap.ALTERNATIVES)
    assert result.message_id == "a1"


def test_explanation_is_one_readable_line() -> None:
    result = _assess(TERSE, score=4)
    assert result.explanation.startswith("Terse answer by an expert (3 accepted answers), upvoted (+4); missing: ")
    assert result.explanation.endswith("missing: rationale, alternatives.")
    assert "\n" not in result.explanation


def test_thorough_answer_is_not_a_candidate() -> None:
    result = _assess(THOROUGH, score=4)
    assert not result.is_candidate
    assert result.score < _assess(TERSE, score=4).score


def test_standing_gates_candidacy_but_does_not_change_the_score() -> None:
    # The score judges the answer's content; who may be nudged is a separate gate.
    assert _assess(TERSE, EXPERT).score == _assess(TERSE, NEWCOMER).score
    assert _assess(TERSE, EXPERT).is_candidate and not _assess(TERSE, NEWCOMER).is_candidate


def test_upvotes_lower_the_score_of_an_answer_that_gives_reasons() -> None:
    # On the labelled answers, endorsed answers were more often complete: votes say others could use it.
    text = "Partitioning is the usual answer here because most rows are archived, so scans skip them."
    assert _assess(text, score=10).score < _assess(text, score=0).score


def test_a_bare_instruction_stays_a_candidate_when_accepted_and_upvoted() -> None:
    result = _assess("Use a partial index. Drop the full one.", score=12, accepted=True)
    assert result.is_candidate and result.score >= 0.55


def test_threshold_per_call_overrides_default() -> None:
    answer = _message("a1", "ana", TERSE)
    thread = _thread(answer)
    detector = TerseDetector(threshold=0.99)
    assert not detector.assess(thread, answer, EXPERT).is_candidate
    assert detector.assess(thread, answer, EXPERT, threshold=0.1).is_candidate


def test_features_are_exposed_for_calibration() -> None:
    features = _assess(TERSE).features
    assert set(FEATURES) <= set(features)
    assert 0.0 <= features["score"] <= 1.0 and features["standing"] == 1.0
    assert features["words"] == 12.0


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
        ("Tagging @marta since she reviewed most of the big migrations last year.", "hand-off"),
        ("This is a great question for the guild, thanks for raising it.", "social"),
        ("Thanks all for the questions! I'll collect the ones we didn't get to into a follow-up post.", "social"),
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


def test_a_short_answer_to_a_factual_question_is_complete() -> None:
    question = Message(
        "q1", "t1", "asker", "Asker", "quick one: what k8s version are the prod clusters on?", T0, kind="question"
    )
    answer = _message("a1", "sam", "1.33 on all three since the August upgrade. Staging is already on 1.34.")
    thread = Thread("t1", "c1", "What Kubernetes version is prod on?", (question, answer))
    result = TerseDetector().assess(thread, answer, EXPERT)
    assert not result.is_candidate and "factual question" in result.explanation


def test_the_thorough_answer_gives_more_context_than_the_terse_one() -> None:
    terse, thorough = _assess(TERSE).features, _assess(THOROUGH).features
    assert thorough["context"] > terse["context"] and thorough["words"] > terse["words"]


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


def test_shipped_model_is_small_json_over_the_declared_features() -> None:
    from elicitor.terse_model import DEFAULT_PATH, TerseModel

    model = TerseModel.load()
    assert model.names == FEATURES and len(model.coef) == len(FEATURES)
    assert DEFAULT_PATH.stat().st_size < 4000
    assert TerseModel.from_json(model.to_json()) == model


def test_training_learns_the_direction_of_a_feature() -> None:
    from elicitor.terse_model import OPERATING_POINT, train

    rows = [dict.fromkeys(FEATURES, 0.0) | {"context": float(i % 6)} for i in range(60)]
    gold = [row["context"] < 3 for row in rows]  # little context given = terse
    model = train(rows, gold)
    assert model.coef[FEATURES.index("context")] < 0
    assert model.score(rows[0]) > OPERATING_POINT > model.score(rows[5])
