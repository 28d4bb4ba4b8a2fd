"""The LLM judge in the loop: no call for answers that cannot become nudges, and what changes while it thinks."""

from __future__ import annotations

from collections.abc import Callable

from elicitor.model import Role
from prompts.llm import LLMUnavailable, T
from tests.e2e.conftest import COMMUNITY, now_iso
from tests.e2e.test_loop_offline import QUESTION, TERSE, thread_messages
from workflow.governance import delete_message, erase_person, set_member

UNCOVERED_REPLY = "It was simply faster for us."


class ScriptedJudge:
    """Judges every answer terse (alternatives missing), asks a fixed question, and runs `during_judgement`
    (once) while it 'thinks', the way another request could change the database meanwhile."""

    def __init__(self) -> None:
        self.prompts: list[tuple[str, str]] = []
        self.during_judgement: Callable[[], None] | None = None

    def structured(self, prompt: str, schema: type[T]) -> T:
        self.prompts.append((schema.__name__, prompt))
        if schema.__name__ == "RubricVerdict":
            if self.during_judgement is not None:
                action, self.during_judgement = self.during_judgement, None
                action()
            return schema.model_validate({"terse": "yes", "gaps": ["alternatives"], "confidence": "high"})
        if schema.__name__ == "FollowUpQuestion":
            return schema.model_validate({"question": "Why a partial index rather than a plain btree here?"})
        raise LLMUnavailable("guides are left to the offline writer here")

    def calls(self, schema: str) -> list[str]:
        return [prompt for name, prompt in self.prompts if name == schema]


def _loop(make_loop):  # noqa: ANN001, ANN202
    judge = ScriptedJudge()
    return make_loop(llm=judge), judge


def _ingest(loop, messages: list[dict] | None = None) -> None:  # noqa: ANN001
    r = loop.client.post(
        f"/v1/communities/{COMMUNITY}/messages",
        json={"messages": messages or thread_messages()},
        headers=loop.as_("priya"),
    )
    assert r.status_code == 202, r.text
    loop.settle()


def _outcome(loop, external_id: str = "m2") -> str:  # noqa: ANN001
    rows = loop.client.get(f"/v1/communities/{COMMUNITY}/assessments", headers=loop.as_("priya")).json()
    return next(r["outcome"] for r in rows if r["message_id"].endswith(external_id) or len(rows) == 1)


def test_an_archived_answer_costs_no_llm_call(make_loop) -> None:
    loop, judge = _loop(make_loop)
    old = [dict(m, created_at=now_iso(90 * 24 * 60 + i)) for i, m in enumerate(thread_messages())]
    _ingest(loop, old)
    assert judge.calls("RubricVerdict") == []
    outcomes = [
        r["outcome"]
        for r in loop.client.get(f"/v1/communities/{COMMUNITY}/assessments", headers=loop.as_("priya")).json()
    ]
    assert any("older than 30 days" in o for o in outcomes)


def test_an_expert_who_opted_out_costs_no_llm_call(make_loop) -> None:
    loop, judge = _loop(make_loop)
    r = loop.client.patch("/v1/me/preferences", json={"opted_out": True}, headers=loop.as_("marta"))
    assert r.status_code == 200, r.text
    _ingest(loop)
    assert judge.calls("RubricVerdict") == []
    assert loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json() == []


def test_an_expert_demoted_while_judged_is_not_nudged(make_loop) -> None:
    loop, judge = _loop(make_loop)
    services = loop.tacit.services
    judge.during_judgement = lambda: set_member(
        services, actor_id=loop.ids["priya"], community_id=COMMUNITY, handle="marta", role=Role.MEMBER
    )
    _ingest(loop)
    assert loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json() == []
    # Judged again with her new role: a member's answer is not worth a call.
    assert len(judge.calls("RubricVerdict")) == 1


def test_a_question_deleted_while_judged_never_reaches_the_follow_up(make_loop) -> None:
    loop, judge = _loop(make_loop)
    services = loop.tacit.services
    judge.during_judgement = lambda: delete_message(
        services, actor_id=loop.ids["priya"], community_id=COMMUNITY, external_id="m1"
    )
    _ingest(loop)
    judged_before = judge.calls("RubricVerdict")[0]
    assert "40M rows" in judged_before  # the question was there when the judge was asked
    later = [prompt for name, prompt in judge.prompts[1:]]
    assert all("40M rows" not in p and QUESTION not in p for p in later), "judged again without it"
    assert judge.calls("FollowUpQuestion") == [], "the verdict from the deleted question was dropped"
    # Without its question the answer opens the thread: judged again, it is no candidate.
    assert loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json() == []


def test_an_author_erased_while_judged_ends_cleanly(make_loop) -> None:
    loop, judge = _loop(make_loop)
    services = loop.tacit.services
    judge.during_judgement = lambda: erase_person(
        services, actor_id=loop.ids["ada"], person_id=loop.ids["marta"], mode="erase"
    )
    _ingest(loop)
    assert loop.tacit.runner.stats.retried == 0 and loop.tacit.runner.stats.failed == 0
    assert judge.calls("FollowUpQuestion") == []


def test_the_second_question_counts_against_the_weekly_limit(make_loop) -> None:
    loop, judge = _loop(make_loop)
    c = loop.client
    c.patch("/v1/me/preferences", json={"nudges_per_week": 1}, headers=loop.as_("marta"))
    _ingest(loop)
    nudge = c.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
    c.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": UNCOVERED_REPLY}, headers=loop.as_("marta"))
    loop.settle()
    assert c.get("/v1/me/nudges", headers=loop.as_("marta")).json() == []
    assert len(judge.calls("FollowUpQuestion")) == 1, "no second question was even written"


def test_opting_out_while_the_second_question_is_written_stops_it(make_loop) -> None:
    loop, judge = _loop(make_loop)
    c = loop.client
    _ingest(loop)
    nudge = c.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
    original = judge.structured

    def opt_out_then_answer(prompt: str, schema: type[T]) -> T:
        if schema.__name__ == "FollowUpQuestion":
            c.patch("/v1/me/preferences", json={"opted_out": True}, headers=loop.as_("marta"))
        return original(prompt, schema)

    judge.structured = opt_out_then_answer  # type: ignore[method-assign]
    c.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": UNCOVERED_REPLY}, headers=loop.as_("marta"))
    loop.settle()
    assert c.get("/v1/me/nudges", headers=loop.as_("marta")).json() == []
    assert TERSE  # the answer the nudges were about
